/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The `slotguard run` daemon's parts: loading over existing pins, attaching
 * to interfaces through pinned bpf_links, applying settings, logging ban
 * events. cmd_run.c drives them.
 */
#ifndef SLOTGUARD_DAEMON_H
#define SLOTGUARD_DAEMON_H

#include <stdbool.h>
#include <time.h>
#include "core/sg.h"

struct slotguard;
struct ring_buffer;

enum sg_log_format {
	SG_LOG_TEXT = 0,
	SG_LOG_JSON = 1,
};

struct sg_ban_seen; /* events.c: bans known active at the last sweep */
struct sg_apply;    /* apply.c: a change waiting for --confirm */
struct sg_profiles; /* profiles.c: the schedule as it runs */

struct sg_daemon {
	struct slotguard *skel;
	struct sg_state st;
	struct sg_settings settings;
	const char *config_path; /* NULL: defaults only */
	int mode_override;	 /* -1, or enum sg_mode from the command line */
	bool ifaces_override;	 /* -i given: ignore the file's interfaces */
	bool pin_dir_override;	 /* --pin-dir: the file's pin_dir unused */
	bool state_dir_override; /* --state-dir: the file's unused */
	int link_fds[SG_MAX_IFACES];
	char link_names[SG_MAX_IFACES][SG_IFNAME_LEN];
	int daemon_lock_fd;
	int pin_dir_fd;	 /* settings.pin_dir, opened without following links */
	bool fresh_pins; /* this run pinned a new state (nothing reused) */
	struct ring_buffer *events;
	int log_format;
	struct sg_ban_seen *seen;
	struct sg_carried_ban {
		struct sg_prefix_key key;
		struct sg_ban ban;
	} * carried; /* bans of a resized ban table, between load steps */
	size_t n_carried;
	size_t forgotten;      /* bans deleted since the filter was rebuilt */
	time_t filter_rebuilt; /* when it last was */
	__u64 last_log_second;
	unsigned int logged_this_second;
	unsigned int suppressed_this_second;
	bool journal;	       /* stderr is the journal (JOURNAL_STREAM) */
	bool metrics_optional; /* --metrics-optional: run on without them */
	int metrics_fd;	       /* bound before loading; -1: none */
	struct sg_persist {
		bool enabled, dirty, failing;
		__u64 generation, bans_hash; /* what was last saved */
	} persist;
	/* The last reload, also read by the metrics thread (atomics). */
	__u64 reload_ok_unix_ns; /* start or last good reload */
	int reload_ok;		 /* 1, or 0 after a refused reload */
	__u32 restart_keys;	 /* SG_RESTART_KEY_* changed, not applied */
	/*
	 * Fleet mode (loader/fleet/) plugs in here: a hook for every ban the
	 * program makes (called from the loop), one for the metrics (called
	 * from the HTTP thread), and the report thresholds the config gets
	 * (written by the fleet thread, read by apply: __atomic).
	 */
	void (*ban_hook)(void *ctx, const struct sg_event *ev);
	void (*metrics_hook)(void *ctx, FILE *out);
	void *hook_ctx;
	__u32 fleet_report[SG_BUDGET_KIND_COUNT];
	/* -i of the command line, which every reload keeps. */
	char (*cli_ifaces)[SG_IFNAME_LEN];
	unsigned int n_cli_ifaces;
	struct sg_apply *apply;
	struct sg_profiles *profiles;
};

/* Keys a reload cannot apply: they take effect at the next start. */
enum sg_restart_key {
	SG_RESTART_INTERFACES,
	SG_RESTART_XDP_MODE,
	SG_RESTART_METRICS_LISTEN,
	SG_RESTART_PIN_DIR,
	SG_RESTART_STATE_DIR,
	SG_RESTART_MAX_TRACKED,
	SG_RESTART_MAX_BANS,
	/* [fleet]: the fleet thread reads its settings once, at the start. */
	SG_RESTART_FLEET_REDIS,
	SG_RESTART_FLEET_USER,
	SG_RESTART_FLEET_PASSWORD_FILE,
	SG_RESTART_FLEET_GATEWAY,
	SG_RESTART_FLEET_KEY_PREFIX,
	SG_RESTART_FLEET_SHARED_BANS,
	SG_RESTART_FLEET_SHARED_BUDGETS,
	SG_RESTART_FLEET_SYNC_INTERVAL,
	SG_RESTART_FLEET_TIMEOUT,
	SG_RESTART_FLEET_MIN_PREFIX_V4,
	SG_RESTART_FLEET_MIN_PREFIX_V6,
	SG_RESTART_FLEET_IMPORT_RATE,
	SG_RESTART_FLEET_IMPORT_BURST,
	SG_RESTART_FLEET_REPORT_FACTOR,
	SG_RESTART_KEY_COUNT,
};
/* "interfaces", ... and the section each is in ("slotguard", "ban", ...). */
extern const char *const sg_restart_key_names[SG_RESTART_KEY_COUNT];
const char *sg_restart_key_section(unsigned int k);

/*
 * log.c: the daemon's log on stderr, text or JSON; level is "error",
 * "warning" or "info" (syslog priorities 3, 4, 6 under the journal).
 */
void sg_log(const struct sg_daemon *d, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A text line "TIME slotguard HEAD: text" (or "<PRIO>HEAD: text"). */
void sg_log_line(const struct sg_daemon *d, const char *level, const char *head,
		 const char *text);
/* A JSON line: begin gives {"time", "level"}, end prints and frees it. */
struct json_object;
struct json_object *sg_log_json_begin(const struct sg_daemon *d,
				      const char *level);
void sg_log_json_end(const struct sg_daemon *d, const char *level,
		     struct json_object *o);
/* RFC 3339 UTC with milliseconds; 0 is now. */
void sg_log_time(__u64 unix_ns, char *buf, size_t len);
void sg_log_audit(const struct sg_daemon *d, const struct sg_audit_record *r);
/* Notes of the settings (IPv4-mapped input made IPv4), as warnings. */
void sg_settings_log_notes(const struct sg_daemon *d,
			   const struct sg_settings *s);

/* daemon.c */
/*
 * dir exists (made 0700 if not), is a directory, owned by us and not
 * writable by group or others. err starts with what ("state_dir ").
 */
int sg_private_dir(const char *dir, const char *what, char *err, size_t len);
int sg_daemon_prepare_dir(struct sg_daemon *d, char *err, size_t len);
int sg_daemon_load(struct sg_daemon *d, char *err, size_t len);
int sg_daemon_apply(struct sg_daemon *d, const struct sg_settings *s, char *err,
		    size_t len);
/* Only the runtime config (mode, budgets, bans), as want says: profiles. */
int sg_daemon_write_config(struct sg_daemon *d, const struct sg_settings *s,
			   const struct sg_config *want, char *err, size_t len);
int sg_daemon_attach_all(struct sg_daemon *d, char *err, size_t len);
/* sg_daemon: this daemon's pid, config and the outcome of each reload. */
void sg_daemon_record_start(struct sg_daemon *d);
void sg_daemon_record_reload(struct sg_daemon *d, bool ok, const char *err);
/* Detach and unpin everything unless keep is set; always frees. */
void sg_daemon_shutdown(struct sg_daemon *d, bool keep);

/*
 * reload.c: re-read the config and lists and apply them; the keys that
 * cannot change live are logged and kept at their running value.
 */
void sg_daemon_reload(struct sg_daemon *d, char ifaces[][SG_IFNAME_LEN],
		      unsigned int n_ifaces);
/*
 * Run settings that loaded (a reload, an apply, a rollback): what a
 * reload does after reading the file. what ("reload", "apply") names it
 * in the log. 0, or -errno with err: the running settings then stay and
 * the refusal is logged and recorded like a refused reload.
 */
int sg_daemon_switch(struct sg_daemon *d, struct sg_settings *s,
		     const char *what, char *err, size_t len);
/* "WHAT refused: ERR; keeping the running settings", recorded as such. */
void sg_daemon_refused(struct sg_daemon *d, const char *what, const char *err);
/* -i and the mode flags override what the file says. */
void sg_daemon_overrides(const struct sg_daemon *d, struct sg_settings *s,
			 char ifaces[][SG_IFNAME_LEN], unsigned int n_ifaces);
/* Config, allow and deny files writable by others than root: a warning. */
void sg_daemon_warn_writable(struct sg_daemon *d, const struct sg_settings *s);
/* Log manual changes the commands queued (sg_audit), with who made them. */
void sg_daemon_log_audit(struct sg_daemon *d);

/* persist.c: the state file in state_dir (bans, runtime set entries). */
int sg_persist_prepare(struct sg_daemon *d, char *err, size_t len);
void sg_persist_restore(struct sg_daemon *d);
void sg_persist_bans_seen(struct sg_daemon *d, const struct sg_ban_entry *v,
			  size_t n);
void sg_persist_tick(struct sg_daemon *d);
void sg_persist_final(struct sg_daemon *d);

/* systemd.c */
bool sg_stderr_is_journal(void);
void sg_notify(const char *state); /* sd_notify; nothing outside systemd */
bool sg_systemd_restart_pending(struct sg_daemon *d);

/* privs.c: keep only these capabilities (this thread and its children). */
int sg_drop_privileges(const int *keep, int n);

/* events.c */
int sg_events_open(struct sg_daemon *d);
int sg_events_poll(struct sg_daemon *d, int timeout_ms);
/* Logs unbans, forgets expired bans past ban memory. */
void sg_events_sweep(struct sg_daemon *d);
void sg_events_close(struct sg_daemon *d);

#endif /* SLOTGUARD_DAEMON_H */
