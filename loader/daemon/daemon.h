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

struct sg_daemon {
	struct slotguard *skel;
	struct sg_state st;
	struct sg_settings settings;
	const char *config_path; /* NULL: defaults only */
	int mode_override;	 /* -1, or enum sg_mode from the command line */
	bool ifaces_override;	 /* -i given: ignore the file's interfaces */
	int link_fds[SG_MAX_IFACES];
	char link_names[SG_MAX_IFACES][SG_IFNAME_LEN];
	int daemon_lock_fd;
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
};

/* Daemon log line on stderr (journald picks it up), text or JSON. */
void sg_log(const struct sg_daemon *d, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* daemon.c */
int sg_daemon_prepare_dir(struct sg_daemon *d, char *err, size_t len);
int sg_daemon_load(struct sg_daemon *d, char *err, size_t len);
int sg_daemon_apply(struct sg_daemon *d, const struct sg_settings *s, char *err,
		    size_t len);
int sg_daemon_attach_all(struct sg_daemon *d, char *err, size_t len);
/* sg_daemon: this daemon's pid, config and the outcome of each reload. */
void sg_daemon_record_start(struct sg_daemon *d);
void sg_daemon_record_reload(struct sg_daemon *d, bool ok, const char *err);
/* Detach and unpin everything unless keep is set; always frees. */
void sg_daemon_shutdown(struct sg_daemon *d, bool keep);

/* privs.c: keep only these capabilities (this thread and its children). */
int sg_drop_privileges(const int *keep, int n);

/* events.c */
int sg_events_open(struct sg_daemon *d);
int sg_events_poll(struct sg_daemon *d, int timeout_ms);
/* Logs unbans, forgets expired bans past ban memory. */
void sg_events_sweep(struct sg_daemon *d);
void sg_events_close(struct sg_daemon *d);

#endif /* SLOTGUARD_DAEMON_H */
