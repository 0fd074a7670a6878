/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI shared by the XDP program (bpf/) and the slotguard loader: map keys
 * and values, verdicts and reasons, the runtime configuration, pin names.
 * Both sides include this one header; any layout change bumps SG_ABI_VERSION.
 */
#ifndef SLOTGUARD_ABI_H
#define SLOTGUARD_ABI_H

#include <linux/types.h>

#define SG_ABI_VERSION 4

/* Pinned state lives here unless --pin-dir says otherwise. */
#define SG_PIN_DIR_DEFAULT "/sys/fs/bpf/slotguard"
/* Bans, runtime set changes and pending applies survive restarts here. */
#define SG_STATE_DIR_DEFAULT "/var/lib/slotguard"
#define SG_PIN_LOCK_FILE     ".lock"
#define SG_PIN_LINK_PREFIX   "link_" /* link_<ifname>: the pinned bpf_link */

/* Sizes that bound the maps; changing one changes the ABI. */
#define SG_MAX_SERVICES 64
#define SG_MAX_IFACES	32    /* interface slots; slot 0 is "other interface" */
#define SG_IFINDEX_MAX	65536 /* ifindexes at or above this count as slot 0 */
#define SG_IPV6_EXT_MAX 8     /* extension headers walked before giving up */
#define SG_BAN_LOOKUP_DEPTH                               \
	8 /* expired covering bans looked past (LPM bans) \
	   */
#define SG_MAX_SETS	    128 /* set ids: 0 allow, 1 deny, 2.. named sets */
#define SG_SET_MAX_ENTRIES  1048576 /* CIDRs of all sets, per family */
#define SG_BAN_LPM_ENTRIES  65536   /* bans of other prefix lengths */
#define SG_BAN_NOTE_ENTRIES 65536   /* manual bans with a --reason text */
#define SG_BAN_DEFAULT_ENTRIES                                            \
	1048576 /* sg_bans, overridden by max_bans (allocated as bans are \
		   made) */
#define SG_DST_MAX_ENTRIES 4096
#define SG_TRACK_DEFAULT_ENTRIES                    \
	262144 /* overridden by max_tracked_sources \
		*/
#define SG_FLEET_HITS_ENTRIES 65536
#define SG_EVENT_RING_BYTES   (256 * 1024)
#define SG_NOTE_LEN	      128 /* a manual ban's reason, with its NUL */
#define SG_IFNAME_LEN	      16

enum sg_family {
	SG_FAMILY_V4 = 0,
	SG_FAMILY_V6 = 1,
	SG_FAMILY_COUNT,
};

enum sg_mode {
	SG_MODE_MONITOR = 0, /* a zeroed config drops nothing */
	SG_MODE_ENFORCE = 1,
};

enum sg_verdict {
	SG_VERDICT_PASS = 0,
	SG_VERDICT_DROP,
	SG_VERDICT_WOULD_DROP, /* monitor mode: would have been dropped */
	SG_VERDICT_COUNT,
};

/* Aggregation levels of the per-source budgets. */
enum sg_level {
	SG_LEVEL_SOURCE = 0, /* the source's own prefix: /32, /64 by default */
	SG_LEVEL_SUBNET = 1, /* its subnet: /24, /48 by default */
	SG_LEVEL_COUNT,
};

enum sg_budget_kind {
	SG_BUDGET_CONN = 0, /* new connections: TCP SYN w/o ACK, QUIC Initial */
	SG_BUDGET_PACKET = 1,	     /* every packet to a protected service */
	SG_BUDGET_QUOTA = 2,	     /* new connections over a long window */
	SG_BUDGET_REQUEST = 3,	     /* requests: see sg_pkt_is_request() */
	SG_BUDGET_REQUEST_QUOTA = 4, /* requests over a long window */
	SG_BUDGET_KIND_COUNT,
};
#define SG_BUDGETS (SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT)

/*
 * Why a frame got its verdict. The budget reasons are laid out so that
 * SG_REASON_BUDGET_FIRST + level * SG_BUDGET_KIND_COUNT + kind names the
 * budget that was exceeded.
 */
enum sg_reason {
	/* 0 on purpose: the parser returns 0 for "parsed", never this. */
	SG_REASON_UNPROTECTED = 0, /* not addressed to a protected service */
	SG_REASON_NOT_IP,	   /* not IPv4/IPv6: passes */
	SG_REASON_MALFORMED,	   /* truncated or invalid headers: passes */
	SG_REASON_FRAGMENT,	   /* non-first fragment: no ports to match */
	SG_REASON_ALLOWLIST,	   /* source in an allow set */
	SG_REASON_DENYLIST,	   /* source in a deny set */
	SG_REASON_BANNED,	   /* source (or a prefix covering it) banned */
	SG_REASON_WITHIN_BUDGET,   /* charged and within every budget */
	SG_REASON_BUDGET_FIRST,
	SG_REASON_CONN_RATE = SG_REASON_BUDGET_FIRST,
	SG_REASON_PACKET_RATE,
	SG_REASON_CONN_QUOTA,
	SG_REASON_REQUEST_RATE,
	SG_REASON_REQUEST_QUOTA,
	SG_REASON_SUBNET_CONN_RATE,
	SG_REASON_SUBNET_PACKET_RATE,
	SG_REASON_SUBNET_CONN_QUOTA,
	SG_REASON_SUBNET_REQUEST_RATE,
	SG_REASON_SUBNET_REQUEST_QUOTA,
	SG_REASON_SERVICE_CEILING, /* the service's total new-connection ceiling
				    */
	SG_REASON_UNTRACKED, /* tracking entry could not be made: passes */
	SG_REASON_SET_LIMIT, /* over a limit set's shared budget */
	SG_REASON_COUNT,
	SG_REASON_FLEET = 254,	/* only in sg_ban.reason: over a fleet budget */
	SG_REASON_MANUAL = 255, /* only in sg_ban.reason: `slotguard ban add` */
};

/* Misc per-CPU statistics (sg_stats), indexed by this enum. */
enum sg_stat {
	SG_STAT_EVENTS_SENT = 0,
	SG_STAT_EVENTS_SUPPRESSED, /* over the events-per-second budget */
	SG_STAT_EVENTS_LOST,	   /* ring buffer full */
	SG_STAT_BAN_FAILED,	   /* ban map full */
	SG_STAT_FIRST_SIGHTINGS,   /* frames of sources seen for the first time:
				    * admitted without a tracking entry */
	SG_STAT_TRACK_FAILED,	   /* tracking entry could not be made */
	SG_STAT_FLEET_HITS_FULL,   /* heavy-hitter report map full */
	SG_STAT_SET_BANS,	   /* members banned by their limit set */
	SG_STAT_SET_WOULD_BANS,
	SG_STAT_BANS_FIRST, /* + level * kinds + kind: bans made */
	SG_STAT_WOULD_BANS_FIRST = SG_STAT_BANS_FIRST + SG_BUDGETS,
	/* went over `after` times below min_excess: limited, not banned */
	SG_STAT_LIMITED_FIRST = SG_STAT_WOULD_BANS_FIRST + SG_BUDGETS,
	SG_STAT_COUNT = SG_STAT_LIMITED_FIRST + SG_BUDGETS,
};

/*
 * Set ids. The allowlist and the denylist are the two built-in sets; the
 * config's [set NAME] sections get ids from SG_SET_FIRST_NAMED on.
 */
enum sg_list {
	SG_LIST_ALLOW = 0,
	SG_LIST_DENY = 1,
	SG_LIST_COUNT,
};
#define SG_SET_FIRST_NAMED SG_LIST_COUNT

enum sg_set_action {
	SG_SET_UNUSED = 0, /* a free set id */
	SG_SET_ALLOW = 1,
	SG_SET_DENY = 2,
	SG_SET_LIMIT = 3, /* shared budget and/or member budgets */
};

/* sg_config.flags */
#define SG_FLAG_TRACE_PARSE (1U << 0) /* tests: record each parse */
#define SG_FLAG_FIXED_CLOCK (1U << 1) /* tests, replay: clock = time_offset */
/*
 * Ownership of the bits below: the set code (sets.c) owns SETS_NONEMPTY,
 * the ban code (bans.c) BAN_*; config writers keep them as they are. A bit
 * is set before the entries it announces exist and cleared after the last
 * is gone, so the program may look in vain, never miss.
 */
#define SG_FLAG_SETS_NONEMPTY(family) (1U << (8 + (family)))
#define SG_FLAG_BAN_LPM(family)	      (1U << (10 + (family)))
#define SG_FLAG_BAN_HASH(level, family) \
	(1U << (12 + (level)*SG_FAMILY_COUNT + (family)))
#define SG_FLAGS_OWNED_MASK (0xffU << 8)
/* Written by config writers: the level has a budget (or member budget). */
#define SG_FLAG_LEVEL_ON(level) (1U << (16 + (level)))

/*
 * One budget as a GCRA (virtual-scheduling token bucket): a token every
 * interval_ns, at most limit_ns / interval_ns tokens banked (the burst).
 * interval_ns == 0 disables the budget.
 */
struct sg_budget {
	__u64 interval_ns;
	__u64 limit_ns; /* burst * interval_ns */
};

/*
 * Budget state is kept at three resolutions to fit a tracked source in
 * 128 bytes of kernel memory: packet and connection budgets in ns (u64),
 * request budgets in units of 2^SG_TAT_FINE_SHIFT ns and the two quotas in
 * units of 2^SG_TAT_COARSE_SHIFT ns (u32, compared with wrap-around). The
 * config refuses budgets these units would round by more than 1%, or whose
 * burst spans more than half the wrap (SG_*_LIMIT_MAX_NS).
 */
#define SG_TAT_FINE_SHIFT	   10			     /* 1.024 us */
#define SG_TAT_COARSE_SHIFT	   20			     /* 1.049 ms */
#define SG_TAT_FINE_LIMIT_MAX_NS   (1800ULL * 1000000000ULL) /* 30 min */
#define SG_TAT_COARSE_LIMIT_MAX_NS (24ULL * 86400 * 1000000000ULL) /* 24 d */

/* sg_config[0]: everything that changes at runtime without a reload. */
struct sg_config {
	__u32 abi_version; /* SG_ABI_VERSION of whoever wrote the pins */
	__u32 mode;	   /* enum sg_mode */
	__u32 flags;	   /* SG_FLAG_* */
	__u32 ban_after;   /* violations within ban_window_ns that ban; 0: never
			    */
	__u8 prefix_len[SG_FAMILY_COUNT][SG_LEVEL_COUNT];
	__u32 min_excess_milli; /* ban only when the observed rate is at least
				 * this / 1000 times the limit; 1000: any */
	struct sg_budget budget[SG_LEVEL_COUNT][SG_BUDGET_KIND_COUNT];
	__u64 ban_window_ns;
	__u64 ban_time_ns;	 /* first ban; doubles per repeat offence */
	__u64 ban_max_ns;	 /* cap of the doubling */
	__u64 ban_memory_ns;	 /* expired bans are remembered this long */
	struct sg_budget events; /* ban events to userspace */
	__s64 time_offset_ns;	 /* added to the kernel clock (or, with
				  * SG_FLAG_FIXED_CLOCK, the clock itself) */
	__u64 generation;	 /* policy generation: bumped by every apply and
				  * every set change, manual ban or unban;
				  * invalidates sg_vcache */
	__u32 hash_seed;	 /* sg_hash(): first sightings, ban filter,
				  * retransmissions; set once at first load */
	__u32 ban_filter_half;	 /* which half of sg_ban_filter is read */
	/*
	 * Fleet mode: a source whose window count of a kind reaches this
	 * reports its frames of that kind in sg_fleet_hits. 0: off.
	 */
	__u32 fleet_report[SG_BUDGET_KIND_COUNT];
	__u32 pad1;
};

/* sg_services[i]: a protected service, found through sg_ports. */
#define SG_SERVICE_DST_RESTRICTED                                  \
	(1U << 0)		  /* only to sg_dst_v4/v6 prefixes \
				   */
#define SG_SERVICE_QUIC (1U << 1) /* UDP: QUIC Initial = new conn */
struct sg_service {
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP; 0: slot unused */
	__u8 flags; /* SG_SERVICE_* */
	__u16 port; /* host byte order */
	__u32 pad0;
	struct sg_budget ceiling; /* new connections to the whole service */
	char name[32]; /* [service NAME], for labels; not read here */
};

/*
 * sg_ports value: the service a (protocol, port) belongs to, with its flags
 * copied so the hot path needs no second lookup.
 */
struct sg_port {
	__u8 service; /* index + 1; 0: unprotected */
	__u8 flags;   /* sg_services[index].flags */
	__u16 pad0;
};

/* sg_ports key: protocol bit and destination port (host byte order). */
static inline __u32 sg_port_key(__u8 proto_is_udp, __u16 port)
{
	return ((__u32)proto_is_udp << 16) | port;
}
#define SG_PORTS_ENTRIES (2 * 65536)

/* sg_dst_v4/v6 key: LPM over (service index, destination prefix). */
struct sg_dst_v4_key {
	__u32 prefixlen; /* 32 + prefix length of addr */
	__u32 service;
	__u8 addr[4];
};
struct sg_dst_v6_key {
	__u32 prefixlen; /* 32 + prefix length of addr */
	__u32 service;
	__u8 addr[16];
};

/* Sets and LPM bans: tries keyed by source prefix. */
struct sg_lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4]; /* network byte order */
};
struct sg_lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * Value of a set entry in the sets trie (all sets of a family share one
 * trie, so one lookup finds the longest prefix of any set). An entry is
 * marked allowed when it or a shorter entry of an allow set covers it: a
 * source an allow set names is never dropped, however specific a deny or
 * limit entry inside that allow range is.
 */
#define SG_ENTRY_ALLOWED (1U << 0)
#define SG_ENTRY_RUNTIME (1U << 1) /* added by a command, not from a file */
struct sg_set_entry {
	__u64 added_ns; /* CLOCK_REALTIME when added */
	__u32 prefixlen;
	__u16 set; /* set id */
	__u8 flags;
	__u8 pad0;
};

/* sg_set_conf[set id]: a set's action and budgets (from the config). */
#define SG_SET_BAN_MEMBER                                                  \
	(1U << 0)			/* over the shared budget bans the \
					 * member's source prefix */
#define SG_SET_MEMBER_BUDGETS (1U << 1) /* member_budget replaces [source] */
#define SG_SET_MEMBER_NO_BAN  (1U << 2) /* members are never banned */
struct sg_set_conf {
	__u8 action; /* enum sg_set_action */
	__u8 flags;  /* SG_SET_* */
	__u8 pad0[6];
	struct sg_budget budget[SG_BUDGET_KIND_COUNT];	      /* shared */
	struct sg_budget member_budget[SG_BUDGET_KIND_COUNT]; /* each member */
	char name[32]; /* the config's [set NAME]; "allow", "deny" built in */
};

/* sg_set_state[set id]: a limit set's shared budget state. */
struct sg_set_state {
	__u64 tat[SG_BUDGET_KIND_COUNT]; /* ns, like sg_track's packet_tat */
	__u32 window_start_ms;
	__u32 window_packets;
	__u32 window_conns;
	__u32 window_requests;
	__u32 window_drops;
	__u32 pad0;
};

/*
 * sg_bans and sg_track key: a source prefix (at one level, for tracking).
 * Tracked and hashed IPv6 prefixes are at most /64 (a host owns its /64),
 * so 8 address bytes suffice. addr is masked; bans have level 0.
 */
#define SG_TRACK_ADDR_LEN      8
#define SG_TRACK_V6_PREFIX_MAX 64
struct sg_prefix_key {
	__u8 family; /* enum sg_family */
	__u8 prefixlen;
	__u8 level; /* enum sg_level; 0 in sg_bans */
	__u8 pad0;
	__u8 addr[SG_TRACK_ADDR_LEN];
};

/*
 * A ban (sg_bans, sg_bans_lpm_v4/v6). Bans the program makes sit in the
 * sg_bans hash at a level's prefix; manual and imported bans of other
 * lengths in the LPM tries. Expired bans stay ban_memory_ns.
 */
#define SG_BAN_MANUAL (1U << 0) /* `slotguard ban add` */
#define SG_BAN_FLEET  (1U << 1) /* imported from the fleet */
#define SG_BAN_NOTE   (1U << 2) /* sg_ban_notes has its reason text */
#define SG_BAN_SET    (1U << 3) /* made by a limit set (set in origin) */
#define SG_BAN_LOCAL  (1U << 4) /* `ban add --local`: not for the fleet */
struct sg_ban {
	__u64 until_ns;	      /* drop while now < until_ns (sg clock) */
	__u64 since_ns;	      /* start of the current ban */
	__u32 observed_milli; /* observed rate at ban, per 1000 s; 0: n/a */
	__u32 limit_milli;    /* the budget's rate, per 1000 s; 0: n/a */
	__u16 offences;	      /* times banned, counting this one */
	__u8 reason; /* enum sg_reason of the budget, or MANUAL/FLEET */
	__u8 prefixlen;
	__u8 flags;   /* SG_BAN_* */
	__u8 level;   /* enum sg_level the ban was made at */
	__u16 origin; /* SG_BAN_SET: the set id; SG_BAN_FLEET: the
		       * gateway's index in the daemon's peer table */
};

/* sg_ban_notes key: the ban's prefix, as sg_lpm_v6_key with a family. */
struct sg_ban_note_key {
	__u8 family;
	__u8 prefixlen;
	__u8 pad0[2];
	__u8 addr[16];
};
struct sg_ban_note {
	char text[SG_NOTE_LEN];
};

/*
 * sg_ban_filter: a bitmap in front of sg_bans, SG_BAN_FILTER_BITS bits per
 * half. Whoever bans sets the key's bit in both halves; the program reads
 * the half sg_config.ban_filter_half names, so that the daemon can rebuild
 * the other from sg_bans (forgetting the bits of deleted bans) and switch.
 * A clear bit means "not banned at this prefix": no hash lookup.
 */
#define SG_BAN_FILTER_SHIFT 23
#define SG_BAN_FILTER_BITS  (1U << SG_BAN_FILTER_SHIFT)
#define SG_BAN_FILTER_WORDS (SG_BAN_FILTER_BITS / 64)

/*
 * sg_first_seen: one 64-bit slot per hash of a source prefix, two slots a
 * prefix. A prefix with no tracking entry whose fingerprint is not in
 * either slot is seen for the first time: the frame passes (it is within
 * any burst of one) and only the slot is written; the second frame makes
 * the tracking entry, charged for the first. A spoofed flood of one-frame
 * sources costs array writes, never tracking entries.
 */
#define SG_FIRST_SEEN_SHIFT 20
#define SG_FIRST_SEEN_SLOTS (1U << SG_FIRST_SEEN_SHIFT)
/* Slot layout: fingerprint in bits 63-34, first-frame flags, ms clock. */
#define SG_SEEN_CONN	 (1ULL << 32) /* the first frame was a new conn */
#define SG_SEEN_REQUEST	 (1ULL << 33) /* ... a request */
#define SG_SEEN_FP_SHIFT 34

/* sg_recent_requests: request fingerprints, to count a retransmit once. */
#define SG_RECENT_REQUEST_SLOTS (1U << 16)

/* Mixes a prefix key with the seed: the same on both sides. */
static inline __u64 sg_hash(const struct sg_prefix_key *k, __u32 seed)
{
	__u64 a, b;

	__builtin_memcpy(&a, k->addr, 8);
	b = ((__u64)k->family << 16 | (__u64)k->prefixlen << 8 | k->level) ^
	    ((__u64)seed << 32);
	a ^= b * 0x9e3779b97f4a7c15ULL;
	a *= 0xbf58476d1ce4e5b9ULL;
	a ^= a >> 31;
	a *= 0x94d049bb133111ebULL;
	return a ^ (a >> 29);
}

/* sg_track value: budgets and window counters of one source prefix. */
#define SG_TRACK_WOULD_BANNED	(1U << 0) /* monitor: one would-ban a window */
#define SG_TRACK_LIMITED	(1U << 1) /* counted as limited this window */
#define SG_TRACK_SHARED		(1U << 2) /* SYN signatures say: many hosts */
#define SG_TRACK_VIOLATIONS_MAX 0xffff
struct sg_track {
	__u64 packet_tat; /* GCRA theoretical arrival times, ns */
	__u64 conn_tat;
	__u32 request_tat;	 /* SG_TAT_FINE_SHIFT units */
	__u32 conn_quota_tat;	 /* SG_TAT_COARSE_SHIFT units */
	__u32 request_quota_tat; /* SG_TAT_COARSE_SHIFT units */
	__u32 window_start_ms;	 /* violation window, sg clock in ms */
	__u32 window_packets;	 /* in the window, saturating */
	__u16 window_conns;
	__u16 window_requests;
	__u16 violations; /* over-budget drops in the window */
	__u16 signatures; /* bit per hash of a SYN's TTL, window, options */
	__u16 set;	  /* set whose member budgets apply; 0: none */
	__u16 flags;	  /* SG_TRACK_* */
};

/* sg_svc_state[service]: shared state of a service's ceiling. */
struct sg_service_state {
	__u64 conn_tat;
};

/* sg_globals[0]: program-wide mutable state. */
struct sg_globals {
	__u64 event_tat; /* GCRA of the event budget */
};

/* sg_fleet_hits value: frames of a heavy source since the daemon's read. */
struct sg_fleet_hits {
	__u32 hits[SG_BUDGET_KIND_COUNT];
	__u32 pad0;
};

/* sg_counters and sg_set_counters value, per CPU. */
struct sg_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * sg_counters index: (interface slot, service slot, verdict, reason). The
 * service slot is 0 for frames of no protected service, index + 1 else.
 * The map holds as many interface slots as the loader sized it for.
 */
#define SG_COUNTER_SERVICES (SG_MAX_SERVICES + 1)
#define SG_COUNTERS_PER_SLOT \
	(SG_COUNTER_SERVICES * SG_VERDICT_COUNT * SG_REASON_COUNT)
static inline __u32 sg_counter_index(__u32 slot, __u32 service, __u32 verdict,
				     __u32 reason)
{
	return ((slot * SG_COUNTER_SERVICES + service) * SG_VERDICT_COUNT +
		verdict) *
		       SG_REASON_COUNT +
	       reason;
}
#define SG_COUNTER_SLOTS_DEFAULT 4
/* sg_set_counters index: (set id, verdict). */
static inline __u32 sg_set_counter_index(__u32 set, __u32 verdict)
{
	return set * SG_VERDICT_COUNT + verdict;
}

/* sg_ifaces[slot]: which interface a counter slot belongs to. */
struct sg_iface {
	char name[SG_IFNAME_LEN];
	__u32 ifindex;
	__u32 xdp_mode; /* 0 none, 1 native, 2 generic */
};

/*
 * sg_daemon[0]: who runs the filter and how its last reload went, for
 * `status` (also after a crash) and `slotguard reload`. Userspace only.
 */
struct sg_daemon_info {
	__u64 pid;			/* 0: no daemon ever wrote this */
	__u64 started_unix_ns;		/* CLOCK_REALTIME */
	__u64 last_reload_unix_ns;	/* 0: never reloaded */
	__u64 pending_deadline_unix_ns; /* apply --confirm-within: 0 none */
	__u32 last_reload_ok;		/* 1 ok, 0 refused */
	__u32 reloads;			/* reloads tried since start */
	char config_path[256];
	char metrics_listen[128];
	char state_dir[256];
	char last_reload_error[256]; /* "" when it succeeded */
	char profile[32];	     /* the active profile, "" for none */
};

/*
 * sg_audit: a queue of manual changes (ban add, set replace, ...) that the
 * commands push and the daemon pops and logs, with who made them.
 */
#define SG_AUDIT_ENTRIES 1024
struct sg_audit_record {
	__u64 time_unix_ns; /* CLOCK_REALTIME */
	__u32 uid;
	__u32 pid;
	char login[32]; /* the login name when known, else "" */
	char text[200];
};

/* Ring buffer record (sg_events). */
enum sg_event_type {
	SG_EVENT_BAN = 1,
	SG_EVENT_WOULD_BAN = 2, /* monitor mode */
	SG_EVENT_LIMITED = 3, /* over budget `after` times, below min_excess */
};
struct sg_event {
	__u64 time_ns; /* sg clock */
	__u64 duration_ns;
	__u32 type; /* enum sg_event_type */
	__u32 offences;
	__u32 observed_milli;
	__u32 limit_milli;
	__u8 family;
	__u8 prefixlen;
	__u8 reason;
	__u8 level;
	__u16 set; /* SG_REASON_SET_LIMIT: the set */
	__u16 pad0;
	__u8 addr[16];
};

/*
 * sg_vcache: a small per-CPU cache of the source's policy verdict (set
 * membership, banned-until), so that a flood from one source costs one
 * lookup instead of the set and ban lookups. Valid only while generation
 * matches sg_config.generation; bans expire through until_ns.
 */
#define SG_VCACHE_SLOTS 256
enum sg_vcache_verdict {
	SG_VCACHE_EMPTY = 0,
	SG_VCACHE_ALLOW = 1,
	SG_VCACHE_DENY = 2,
	SG_VCACHE_BANNED = 3,
	SG_VCACHE_CLEAR = 4,  /* in no set: bans and budgets decide */
	SG_VCACHE_MEMBER = 5, /* in limit set `set` */
};
struct sg_vcache_entry {
	__u64 generation;
	__u64 until_ns; /* SG_VCACHE_BANNED only */
	__u64 addr[2];	/* the source, as in sg_pkt.src */
	__u8 family;
	__u8 verdict; /* enum sg_vcache_verdict */
	__u16 set;
	__u8 pad0[4];
};

/* sg_trace[0]: the last parse, written only with SG_FLAG_TRACE_PARSE. */
enum sg_frag {
	SG_FRAG_NONE = 0,
	SG_FRAG_FIRST = 1,
	SG_FRAG_LATER = 2,
};
struct sg_trace {
	__u32 count;  /* frames traced */
	__u32 reason; /* enum sg_reason */
	__u32 verdict;
	__u16 sport; /* host byte order */
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 frag; /* enum sg_frag */
	__u8 vlans;
	__u8 tcp_flags;
	__u8 new_conn;
	__u8 request; /* counted as a request */
	__u8 pad0;
	__u16 set; /* set the source matched; 0xffff: none */
	__u16 payload_len;
	__u8 src[16];
	__u8 dst[16];
	__u32 pad1;
};
#define SG_TRACE_NO_SET 0xffff

_Static_assert(sizeof(struct sg_budget) == 16, "sg_budget");
_Static_assert(sizeof(struct sg_config) == 280, "sg_config");
_Static_assert(sizeof(struct sg_service) == 56, "sg_service");
_Static_assert(sizeof(struct sg_port) == 4, "sg_port");
_Static_assert(sizeof(struct sg_dst_v4_key) == 12, "sg_dst_v4_key");
_Static_assert(sizeof(struct sg_dst_v6_key) == 24, "sg_dst_v6_key");
_Static_assert(sizeof(struct sg_lpm_v4_key) == 8, "sg_lpm_v4_key");
_Static_assert(sizeof(struct sg_lpm_v6_key) == 20, "sg_lpm_v6_key");
_Static_assert(sizeof(struct sg_set_entry) == 16, "sg_set_entry");
_Static_assert(sizeof(struct sg_set_conf) == 200, "sg_set_conf");
_Static_assert(sizeof(struct sg_set_state) == 64, "sg_set_state");
_Static_assert(sizeof(struct sg_prefix_key) == 12, "sg_prefix_key");
_Static_assert(sizeof(struct sg_ban) == 32, "sg_ban");
_Static_assert(sizeof(struct sg_ban_note_key) == 20, "sg_ban_note_key");
_Static_assert(sizeof(struct sg_track) == 48, "sg_track");
_Static_assert(sizeof(struct sg_fleet_hits) == 24, "sg_fleet_hits");
_Static_assert(sizeof(struct sg_counter) == 16, "sg_counter");
_Static_assert(sizeof(struct sg_iface) == 24, "sg_iface");
_Static_assert(sizeof(struct sg_daemon_info) == 968, "sg_daemon_info");
_Static_assert(sizeof(struct sg_event) == 56, "sg_event");
_Static_assert(sizeof(struct sg_audit_record) == 248, "sg_audit_record");
_Static_assert(sizeof(struct sg_trace) == 64, "sg_trace");
_Static_assert(sizeof(struct sg_vcache_entry) == 40, "sg_vcache_entry");

#endif /* SLOTGUARD_ABI_H */
