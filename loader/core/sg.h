/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The slotguard loader's shared core: exit codes, text parsers, settings,
 * pinned state and list/ban operations. Everything here is linked into both
 * the `slotguard` binary and the tests (build/libslotguard.a).
 * Functions return 0 or -errno; the layer with context prints once.
 */
#ifndef SLOTGUARD_SG_H
#define SLOTGUARD_SG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <linux/types.h>
#include "slotguard.h"
#include "profile.h"

enum sg_exit {
	SG_EXIT_OK = 0,
	SG_EXIT_FAIL = 1,	/* runtime failure */
	SG_EXIT_USAGE = 2,	/* bad usage or bad input */
	SG_EXIT_NOT_LOADED = 3, /* no pinned state */
};

#define SG_ERR_LEN 512 /* room for "FILE:LINE: reason" messages */

/* ---- names (names.c) ---------------------------------------------- */
const char *sg_reason_name(unsigned int reason);   /* "conn_rate" ... */
const char *sg_verdict_name(unsigned int verdict); /* "pass" ... */
const char *sg_mode_name(unsigned int mode);	   /* "monitor" ... */
const char *sg_list_name(unsigned int list);	   /* "allow" / "deny" */
const char *sg_family_name(unsigned int family);   /* "ipv4" / "ipv6" */

/* ---- text parsers (parse.c): pure, fuzzed ------------------------- */
struct sg_cidr {
	__u8 family; /* enum sg_family */
	__u8 prefixlen;
	__u8 addr[16]; /* network byte order; IPv4 in the first 4 bytes */
};

/*
 * "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128).
 * Host bits set beyond the prefix are an error. why gets the reason.
 */
int sg_parse_cidr(const char *text, struct sg_cidr *out, char *why,
		  size_t why_len);
/*
 * An IPv4-mapped IPv6 prefix (::ffff:10.0.0.1, ::ffff:10.0.0.0/120), as
 * dual-stack servers log IPv4 clients, made the IPv4 prefix it stands for,
 * which is what the program sees. True if c was changed.
 */
bool sg_cidr_unmap(struct sg_cidr *c);
void sg_format_cidr(const struct sg_cidr *c, char *buf, size_t len);
/*
 * What input said that was taken another way (an IPv4-mapped prefix made
 * IPv4): the first note in words ("FILE:LINE: ..."), and how many.
 */
struct sg_notes {
	char first[SG_ERR_LEN];
	unsigned int count;
};
void sg_notes_add(struct sg_notes *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sg_cidr_unmap, and a note naming where (where: "FILE:LINE", or NULL). */
void sg_cidr_unmap_noted(struct sg_cidr *c, const char *text, const char *where,
			 struct sg_notes *notes);
/* Order: family, address, prefix length (shorter first). */
int sg_cidr_cmp(const struct sg_cidr *a, const struct sg_cidr *b);
/* Shorten to len bits, clearing the host bits. */
void sg_cidr_truncate(struct sg_cidr *c, unsigned int len);
/* "300ms", "10s", "5m", "24h", "2d"; no unit is an error. */
int sg_parse_duration(const char *text, __u64 *ns, char *why, size_t why_len);
/* "5/s", "300/h", "100/m", "2000/d" -> a GCRA interval (ns per token). */
int sg_parse_rate(const char *text, __u64 *interval_ns, char *why,
		  size_t why_len);
/* Prints a duration as "5m", "1h30m", "250ms". */
void sg_format_duration(__u64 ns, char *buf, size_t len);

/*
 * A list file: one CIDR per line, '#' starts a comment, blank lines are
 * skipped. A bad line returns -EINVAL with err = "FILE:LINE: reason"; an
 * unreadable file returns -errno with err = "FILE: reason". Nothing is
 * returned on error. *out is malloc'ed, sorted and deduplicated; free it.
 */
int sg_read_list_file(const char *path, struct sg_cidr **out, size_t *count,
		      char *err, size_t err_len);
/*
 * The same, with *lines (malloc'ed) the line each entry first came from,
 * and notes (may be NULL) of IPv4-mapped entries made IPv4.
 */
int sg_read_list_file_lines(const char *path, struct sg_cidr **out,
			    unsigned int **lines, size_t *count,
			    struct sg_notes *notes, char *err, size_t err_len);

/* ---- settings (config.c): the INI file ---------------------------- */
struct sg_set_item;
enum sg_xdp_mode {
	SG_XDP_AUTO = 0, /* native, generic where the driver lacks native */
	SG_XDP_NATIVE = 1,
	SG_XDP_GENERIC = 2,
};

#define SG_MAX_DSTS_PER_SERVICE 64
struct sg_service_conf {
	char name[32];
	struct sg_service svc; /* proto, port, flags, ceiling */
	struct sg_cidr dsts[SG_MAX_DSTS_PER_SERVICE];
	unsigned int n_dsts;
};

/* A [set NAME] section. */
#define SG_MAX_NAMED_SETS 64
#define SG_SET_NAME_LEN	  32
struct sg_set_settings {
	char file[PATH_MAX];	 /* "": entries come from commands only */
	struct sg_set_conf conf; /* action, flags, budgets, name */
	unsigned int line;	 /* of the [set NAME] header */
};

/*
 * [fleet]: bans and budgets shared by every gateway through Redis
 * (loader/fleet/). Off unless the section names a Redis.
 */
#define SG_FLEET_NAME_LEN   64 /* a gateway's name, with its NUL */
#define SG_FLEET_PREFIX_LEN 48 /* key_prefix, with its NUL */
struct sg_fleet_settings {
	bool enabled;			 /* [fleet] redis = is set */
	char redis[PATH_MAX];		 /* HOST:PORT or /path/of/a.sock */
	char user[SG_FLEET_NAME_LEN];	 /* ACL user; "": the default */
	char password_file[PATH_MAX];	 /* "": no AUTH */
	char gateway[SG_FLEET_NAME_LEN]; /* "": the host name */
	char key_prefix[SG_FLEET_PREFIX_LEN];
	bool shared_bans;
	bool shared_budgets;
	__u64 sync_interval_ns;
	__u64 timeout_ns; /* connect and reply deadline */
	__u8 min_prefix[SG_FAMILY_COUNT];
	__u64 import_interval_ns; /* imports: a token every interval */
	__u64 import_burst;	  /* ... banked up to this many */
	__u32 report_factor;	  /* k: report at budget / (gateways x k) */
};

/* Fleet limits of the [fleet] keys (config_fleet_keys.c). */
#define SG_FLEET_SYNC_MIN_NS  (10ULL * 1000000)
#define SG_FLEET_SYNC_MAX_NS  (5ULL * 1000000000)
#define SG_FLEET_PASSWORD_LEN 256
/*
 * The first line of a password file, refused when the file is group- or
 * world-readable: 0, or -errno with err = "FILE: reason".
 */
int sg_fleet_password_read(const char *path, char *buf, size_t len, char *err,
			   size_t err_len);
/* [A-Za-z0-9_.-], 1 to SG_FLEET_NAME_LEN - 1 characters. */
bool sg_fleet_valid_name(const char *name);

struct sg_settings {
	const char *path; /* the file it came from (the caller's string, not
			   * copied), or NULL for defaults */
	char interfaces[SG_MAX_IFACES][SG_IFNAME_LEN];
	unsigned int n_interfaces;
	int xdp_mode; /* enum sg_xdp_mode */
	char metrics_listen[128];
	char allow_file[PATH_MAX];
	char deny_file[PATH_MAX];
	char pin_dir[PATH_MAX];
	char state_dir[PATH_MAX]; /* bans, runtime changes, pending applies */
	__u32 max_tracked_sources;
	__u32 max_bans;
	bool keep_attached;
	struct sg_service_conf services[SG_MAX_SERVICES];
	unsigned int n_services;
	struct sg_set_settings sets[SG_MAX_NAMED_SETS];
	unsigned int n_sets;
	struct sg_fleet_settings fleet;
	struct sg_profile_settings profiles[SG_MAX_PROFILES]; /* file order */
	unsigned int n_profiles;
	struct sg_config cfg;	/* mode, prefixes, budgets, bans, events */
	unsigned int mode_line; /* line of `mode` in path, 0: the default */
	unsigned int interfaces_line; /* of `interfaces =`; 0: not in the file
				       */
	struct sg_notes notes;	      /* IPv4-mapped destinations made IPv4 */
};

/* Defaults: monitor mode, TCP 443 protected, conservative budgets. */
void sg_settings_defaults(struct sg_settings *s);
/*
 * Load an INI file over the defaults. Unknown sections or keys, duplicate
 * keys and bad values fail with err = "FILE:LINE: reason"; *s is only
 * written on success. So does a file that looks half written: one with no
 * key at all (empty, or only comments), one whose last line has no
 * newline, one whose last section has no key (a writer stopped after its
 * header).
 */
int sg_settings_load(const char *path, struct sg_settings *s, char *err,
		     size_t err_len);
/*
 * sg_settings_load for the daemon (start and reload): besides the above,
 * refuses (-EAGAIN) a file that another process holds open for writing,
 * and holds a read lease while reading, so that a writer who opens the
 * file meanwhile waits until it has been read whole. Without a lease (the
 * file is not the daemon user's, or the filesystem has none) it reads the
 * file as sg_settings_load does.
 */
int sg_settings_load_whole(const char *path, struct sg_settings *s, char *err,
			   size_t err_len);
/*
 * Read the allow, deny and set files the settings name: 0, or err as above;
 * a prefix in two of them is refused with the file and line of both.
 */
int sg_settings_check_lists(const struct sg_settings *s, struct sg_notes *notes,
			    char *err, size_t err_len);
/*
 * Every entry of the files the settings name, with set = settings index
 * (0 allow, 1 deny, 2 + i for sets[i]), malloc'ed.
 */
int sg_settings_read_sets(const struct sg_settings *s, struct sg_set_item **out,
			  size_t *count, struct sg_notes *notes, char *err,
			  size_t err_len);
/*
 * What `run` refuses in settings that parse: no interfaces, and with host
 * set, interfaces this host does not have. err names file and line.
 */
int sg_settings_check_run(const struct sg_settings *s, bool host, char *err,
			  size_t err_len);
/* File and name of settings index i ("" and "" if none). */
const char *sg_settings_set_file(const struct sg_settings *s, unsigned int i);
const char *sg_settings_set_name(const struct sg_settings *s, unsigned int i);
/* The flags only the settings decide (SG_FLAG_LEVEL_ON). */
__u32 sg_settings_level_flags(const struct sg_settings *s);
/* Human summary of the budgets, for `status` and `config check`. */
void sg_settings_print(const struct sg_settings *s, FILE *f);

/* ---- pinned state (state.c) --------------------------------------- */
enum sg_map_id {
	SG_MAP_CONFIG,
	SG_MAP_PORTS,
	SG_MAP_SERVICES,
	SG_MAP_SVC_STATE,
	SG_MAP_DST_V4,
	SG_MAP_DST_V6,
	SG_MAP_SETS_V4,
	SG_MAP_SETS_V6,
	SG_MAP_SET_CONF,
	SG_MAP_SET_STATE,
	SG_MAP_SET_COUNTERS,
	SG_MAP_BANS,
	SG_MAP_BANS_LPM_V4,
	SG_MAP_BANS_LPM_V6,
	SG_MAP_BAN_NOTES,
	SG_MAP_BAN_FILTER,
	SG_MAP_TRACK,
	SG_MAP_FIRST_SEEN,
	SG_MAP_RECENT_REQUESTS,
	SG_MAP_FLEET_HITS,
	SG_MAP_GLOBALS,
	SG_MAP_COUNTERS,
	SG_MAP_STATS,
	SG_MAP_IFSLOTS,
	SG_MAP_IFACES,
	SG_MAP_DAEMON,
	SG_MAP_AUDIT,
	SG_MAP_EVENTS,
	SG_MAP_TRACE,
	SG_MAP_VCACHE,
	SG_MAP_COUNT,
};
extern const char *const sg_map_names[SG_MAP_COUNT]; /* = pin names */

/* Open maps: from pins (CLI) or from a loaded skeleton (run, tests). */
struct sg_state {
	int fds[SG_MAP_COUNT];
	int lock_fd; /* flock on the pin directory, or -1 */
	int dir_fd;  /* the pin directory (sg_pin_dir_open), or -1: unpinned */
	char pin_dir[PATH_MAX];
	char prog_name[16]; /* the XDP program's name, for checking links */
};

/* Nothing open: every fd -1 (sg_state_close is then a no-op). */
void sg_state_init(struct sg_state *st);
/* Fill st->fds from a loaded bpf_object (no ownership taken). */
struct bpf_object;
int sg_state_from_object(struct sg_state *st, struct bpf_object *obj);

enum sg_state_open_flags {
	SG_STATE_PARTIAL = 1, /* missing maps are left at -1 (the daemon) */
};
/*
 * Open every pinned map under dir and check each against the compiled
 * object (type, key and value sizes, flags, max_entries unless sized at
 * load, the ABI version in sg_config, the inner maps of maps-of-maps and
 * every pin the set code made), refusing symlinks. The one check every
 * command goes through. -ENOENT: nothing pinned (exit 3); -EPROTO,
 * -ERANGE: a pin of another shape; -ELOOP: a symlink. err says which pin
 * and what differs.
 */
int sg_state_open(struct sg_state *st, const char *dir, unsigned int flags,
		  char *err, size_t err_len);
/* Maps whose max_entries comes from the config at load (sg_track). */
bool sg_map_sized_at_load(unsigned int id);
/*
 * Calls fn for each entry of the pin directory that slotguard did not make
 * (kind: enum sg_pin_kind). 0 or -errno.
 */
int sg_state_strays(const struct sg_state *st,
		    void (*fn)(const char *name, int kind, void *arg),
		    void *arg);
/*
 * Remove every pin slotguard made under the pin directory but its links
 * (they hold the filter on an interface); strays stay too.
 */
int sg_pins_unpin(int dir_fd);
/*
 * Open the pinned link NAME: an XDP bpf_link whose program, where it can be
 * read (CAP_SYS_ADMIN), is an XDP program named st->prog_name. *fd and
 * *info on success; -ENOENT if absent; else err says what is wrong.
 */
struct bpf_link_info;
int sg_state_link_open(const struct sg_state *st, const char *name, int *fd,
		       struct bpf_link_info *info, char *err, size_t err_len);
/* Exclusive lock on the pin directory; waits up to timeout_ms. */
int sg_state_lock(struct sg_state *st, int timeout_ms);
void sg_state_close(struct sg_state *st);

/* The daemon's record (sg_daemon): 0, or -errno. */
int sg_daemon_info_read(const struct sg_state *st, struct sg_daemon_info *out);
int sg_daemon_info_write(const struct sg_state *st,
			 const struct sg_daemon_info *in);

/*
 * The daemon's record, and whether that daemon still runs on these pins
 * (its pid is a slotguard process and the pin directory's daemon lock is
 * held). A record with pid 0: no daemon ever wrote it.
 */
int sg_daemon_probe(const struct sg_state *st, struct sg_daemon_info *info,
		    bool *alive);

/* The sg clock: CLOCK_MONOTONIC + the config's time offset. */
__u64 sg_state_now(const struct sg_state *st);
int sg_config_read(const struct sg_state *st, struct sg_config *cfg);
/* Writes cfg, keeping the live SG_FLAGS_OWNED_MASK bits. */
int sg_config_write(const struct sg_state *st, const struct sg_config *cfg);
/* Set and clear owned flag bits (and bump the generation). */
int sg_config_flags(const struct sg_state *st, __u32 set, __u32 clear);
/* Interface slots the counters map was sized for. */
int sg_counter_slots(const struct sg_state *st, __u32 *slots);
/*
 * Bump sg_config.generation after any change to lists or bans, so the XDP
 * program's per-CPU verdict cache (sg_vcache) forgets what it knew.
 */
int sg_policy_changed(const struct sg_state *st);
/* Write services, ports and destinations; removes what is gone. */
int sg_services_apply(const struct sg_state *st, const struct sg_settings *s);

/* ---- the pin directory (pins.h) ------------------------------------ */
#define SG_PIN_DAEMON_DIR "daemon" /* flock'ed by the one `slotguard run` */

/* ---- sets (sets.c): allow (0), deny (1) and named sets ----------- */
/*
 * The outer map (SG_MAP_SETS_V4/V6) whose tries the set code pins under
 * this name in the pin directory, or -1 if it is not such a name.
 */
int sg_sets_pin_owner(const char *name);
struct sg_set_item {
	struct sg_cidr cidr;
	__u16 set;	/* set id */
	__u8 flags;	/* SG_ENTRY_RUNTIME (and ALLOWED from sg_set_match) */
	__u64 added_ns; /* CLOCK_REALTIME */
};
/* Make sure both families have a trie in place. */
int sg_sets_ensure(const struct sg_state *st);
/* Every entry of every set, malloc'ed (never NULL on success). */
int sg_sets_dump(const struct sg_state *st, struct sg_set_item **out,
		 size_t *count);
/*
 * Build fresh tries from items (sorted and deduplicated here; a prefix
 * must be in one set only) and swap each family's in atomically.
 */
int sg_sets_install(const struct sg_state *st, struct sg_set_item *items,
		    size_t count);

/* One change of one set, applied all or nothing. */
struct sg_set_change {
	unsigned int set;
	const struct sg_cidr *add;
	size_t n_add;
	const struct sg_cidr *del; /* each must be in the set: -ENOENT */
	size_t n_del;
	bool replace; /* drop the set's other entries */
	bool runtime; /* added by a command, not read from a file */
};
/* Which input refused a change: -EEXIST (in other_set) or -ENOENT. */
struct sg_set_conflict {
	size_t index;
	unsigned int other_set;
};
int sg_set_change(const struct sg_state *st, const struct sg_set_change *ch,
		  struct sg_set_conflict *conflict);
/* One set's entries, sorted, malloc'ed. */
int sg_set_dump(const struct sg_state *st, unsigned int set,
		struct sg_set_item **out, size_t *count);
int sg_set_counts(const struct sg_state *st,
		  size_t counts[SG_MAX_SETS][SG_FAMILY_COUNT]);
/* 1 if exactly this prefix is in the set, 0 if not, or -errno. */
int sg_set_contains(const struct sg_state *st, unsigned int set,
		    const struct sg_cidr *c);
/* The longest entry of any set covering addr: 0, -ENOENT, or -errno. */
int sg_set_match(const struct sg_state *st, const struct sg_cidr *addr,
		 struct sg_set_item *out);
/* The id of a set by name ("allow", "deny" or a [set NAME]), or -ENOENT. */
int sg_set_id(const struct sg_state *st, const char *name);
int sg_set_conf_read(const struct sg_state *st, unsigned int set,
		     struct sg_set_conf *conf);
/* What applying the settings' sets did. */
struct sg_sets_report {
	__u16 ids[SG_SET_FIRST_NAMED + SG_MAX_NAMED_SETS]; /* by settings index
							    */
	size_t before[SG_MAX_SETS], after[SG_MAX_SETS];	   /* entries by id */
	size_t added[SG_MAX_SETS], removed[SG_MAX_SETS];   /* ... changed */
	size_t runtime_kept;	 /* entries commands added, kept */
	size_t runtime_shadowed; /* ... now named by a file */
	size_t dropped;		 /* entries of sets no longer configured */
};
/*
 * Apply the settings' sets: ids by name, confs, then the entries: files
 * (from sg_settings_read_sets) replace what came from files, what commands
 * added stays.
 */
int sg_sets_apply(const struct sg_state *st, const struct sg_settings *s,
		  struct sg_set_item *files, size_t n_files,
		  struct sg_sets_report *rep);

/* ---- audit (audit.c): manual changes, logged by the daemon ------- */
/* Queue "TEXT" with the caller's uid, pid and login for the daemon. */
int sg_audit_push(const struct sg_state *st, const char *text);
/* Pop the oldest record: 0, or -ENOENT when there is none. */
int sg_audit_pop(const struct sg_state *st, struct sg_audit_record *out);

/* ---- bans (bans.c) ------------------------------------------------ */
struct sg_ban_entry {
	struct sg_cidr cidr;
	struct sg_ban ban;
	char note[SG_NOTE_LEN]; /* SG_BAN_NOTE: the reason given */
};
/* A manual ban; an existing longer one is kept unless replace is set. */
struct sg_ban_spec {
	__u64 duration_ns;
	const char *note; /* NULL: none */
	bool replace;	  /* shorten an existing longer ban too */
	bool fleet;	  /* imported from the fleet, not made here */
	bool local;	  /* not to be shared with the fleet */
	__u16 origin;	  /* fleet: the peer's index */
	__u16 offences;	  /* fleet: the origin's count; 0: as a manual ban */
	__u8 reason;	  /* fleet: the origin's reason; 0: manual */
	__u64 until_ns;	  /* fleet: the origin's end (sg clock); 0: use
			   * duration_ns */
};
/* 0, or -EEXIST when a longer ban stays (see spec.replace). */
int sg_ban_add(const struct sg_state *st, const struct sg_cidr *c,
	       const struct sg_ban_spec *spec);
/* Many at once (one generation bump); *done says how many went in. */
int sg_ban_add_many(const struct sg_state *st, const struct sg_cidr *c,
		    size_t n, const struct sg_ban_spec *spec, size_t *done);
int sg_ban_del(const struct sg_state *st, const struct sg_cidr *c);
/*
 * Put bans back as they were (a restart's state file): until, since,
 * offences, reason, flags and note kept, times already on the sg clock.
 */
int sg_ban_restore(const struct sg_state *st, const struct sg_ban_entry *v,
		   size_t n, size_t *done);
/* Every ban (live or remembered), malloc'ed. */
int sg_ban_dump(const struct sg_state *st, struct sg_ban_entry **out,
		size_t *count);
/* Delete a ban the sweep found past its memory (no generation bump). */
int sg_ban_forget(const struct sg_state *st, const struct sg_cidr *c);
/* The ban at exactly this prefix: 0 or -ENOENT. */
int sg_ban_get(const struct sg_state *st, const struct sg_cidr *c,
	       struct sg_ban_entry *out);
/*
 * Bring the ban maps in line with the live config's levels: bans whose
 * prefix is no longer a level's move to the LPM tries, and the
 * SG_FLAG_BAN_* bits say where the program must look.
 */
int sg_bans_sync_levels(const struct sg_state *st, bool member_bans);
/* Rebuild the half of the ban filter not in use from sg_bans, switch. */
int sg_ban_filter_rebuild(const struct sg_state *st);

#endif /* SLOTGUARD_SG_H */
