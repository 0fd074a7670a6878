/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to loader/fleet/: the sync thread's state. Everything here is
 * touched by that thread only, except the event queue (under lock, filled
 * by the daemon's loop) and the counters (atomics, read by the metrics
 * thread).
 */
#ifndef SLOTGUARD_FLEET_INT_H
#define SLOTGUARD_FLEET_INT_H

#include <pthread.h>
#include <hiredis/async.h>
#include "fleet.h"

#define SG_FLEET_BATCH	      256  /* bans or prefixes per script call */
#define SG_FLEET_MAX_REPORTS  4096 /* prefixes reported per sync */
#define SG_FLEET_SCAN_COUNT   500  /* bans per snapshot page */
#define SG_FLEET_EVENTS	      1024 /* ban events queued by the daemon */
#define SG_FLEET_HEARTBEAT_MS 1000
#define SG_FLEET_PEER_TTL_MS                                              \
	3500			    /* a peer is live this long after its \
				     * last heartbeat */
#define SG_FLEET_DIFF_MS       1000 /* the ban map is compared this often */
#define SG_FLEET_DIFF_MIN_MS   50   /* ... and at most this often */
#define SG_FLEET_RETRY_MIN_MS  250
#define SG_FLEET_RETRY_MAX_MS  4000
#define SG_FLEET_LOG_PER_SEC   20
#define SG_FLEET_DELAY_BUCKETS 12

enum sg_fleet_script {
	SG_SCRIPT_PUT,
	SG_SCRIPT_DEL,
	SG_SCRIPT_CHARGE,
	SG_SCRIPT_COUNT,
};
extern const char *const sg_fleet_scripts[SG_SCRIPT_COUNT];

/* What a reply answers; the privdata of every command. */
enum sg_fleet_op {
	SG_OP_AUTH = 1,
	SG_OP_SCRIPT_FIRST, /* + enum sg_fleet_script */
	SG_OP_TIME = SG_OP_SCRIPT_FIRST + SG_SCRIPT_COUNT,
	SG_OP_PUT,
	SG_OP_DEL,
	SG_OP_CHARGE,
	SG_OP_SCAN,
	SG_OP_HEARTBEAT,
	SG_OP_SUB_AUTH,
	SG_OP_SUBSCRIBE,
};

enum sg_fleet_state {
	SG_FLEET_DOWN = 0,   /* waiting to retry */
	SG_FLEET_CONNECTING, /* sockets, AUTH, scripts, SUBSCRIBE, TIME */
	SG_FLEET_UP,
};

enum sg_fleet_refusal {
	SG_REFUSED_MALFORMED,
	SG_REFUSED_SHORT_PREFIX,
	SG_REFUSED_RATE,
	SG_REFUSED_FAILED, /* the ban table said no (full) */
	SG_REFUSED_COUNT,
};
extern const char *const sg_fleet_refusal_names[SG_REFUSED_COUNT];

/* Read by the metrics thread: __atomic loads and adds only. */
struct sg_fleet_counters {
	__u64 connected;
	__u64 peers;
	__u64 published[2]; /* bans, unbans */
	__u64 imported[2];
	__u64 refused[SG_REFUSED_COUNT];
	__u64 sync_errors;
	__u64 connects;
	__u64 commands;	  /* Redis commands sent */
	__u64 reports;	  /* prefix reports sent */
	__u64 unreported; /* reports dropped: over the cap, or Redis down */
	__u64 fleet_bans; /* bans this gateway's reports made */
	__u64 last_sync_unix_ms;
	__u64 delay_bucket[SG_FLEET_DELAY_BUCKETS + 1];
	__u64 delay_sum_us;
	__u64 delay_count;
};

#define sg_fleet_add(f, field, n) \
	__atomic_fetch_add(&(f)->c.field, (n), __ATOMIC_RELAXED)
#define sg_fleet_set(f, field, v) \
	__atomic_store_n(&(f)->c.field, (v), __ATOMIC_RELAXED)
#define sg_fleet_get(f, field) __atomic_load_n(&(f)->c.field, __ATOMIC_RELAXED)

struct sg_fleet;
struct sg_fleet_conn {
	redisAsyncContext *ac; /* NULL: not connected */
	struct sg_fleet *f;
	const char *role; /* "commands" or "subscriber", for messages */
	bool reading, writing;
	bool connected;
	__u64 started_ms;
	unsigned int pending;	/* replies outstanding */
	__u64 waiting_since_ms; /* last progress while some are */
};

/* A ban as the ban map had it at the last comparison. */
struct sg_fleet_known {
	struct sg_cidr cidr;
	__u64 until_ns;
	__u16 offences;
	__u8 flags;
	__u8 reason;
};

/* A heavy prefix in sg_fleet_hits, as read at the last sync. */
struct sg_fleet_hit {
	struct sg_prefix_key key;
	__u32 conns, requests; /* sg_fleet_hits: frames within budget */
	__u64 changed_ms;
	__u64 reported_ms; /* the hits sent last came after this */
	/* sg_track: the prefix's window here, dropped frames included */
	__u32 window_start_ms;
	__u16 window_conns, window_requests;
};

struct sg_fleet_peer {
	char name[SG_FLEET_NAME_LEN];
	__u64 seen_ms;	  /* last heartbeat, monotonic; 0: never */
	__u64 import_tat; /* imports' GCRA, ns */
};

/* A ban as Redis stores and announces it. */
struct sg_fleet_record {
	struct sg_cidr cidr;
	__u64 until_ms, since_ms; /* Redis server clock */
	__u16 offences;
	__u8 reason;
	char origin[SG_FLEET_NAME_LEN];
	char note[SG_NOTE_LEN];
};

struct sg_fleet {
	struct sg_daemon *d;
	struct sg_state st; /* the daemon's fds; this thread's own lock */
	struct sg_fleet_settings cfg;
	char gateway[SG_FLEET_NAME_LEN];
	char password[SG_FLEET_PASSWORD_LEN];
	char state_dir[PATH_MAX];
	char channel[SG_FLEET_PREFIX_LEN + 8];
	pthread_t thread;
	bool started;
	int wake_fd; /* eventfd: a ban event or stop */
	bool stop;   /* __atomic */

	pthread_mutex_t lock; /* the queue of ban events */
	struct sg_cidr queue[SG_FLEET_EVENTS];
	unsigned int queued;

	enum sg_fleet_state state;
	struct sg_fleet_conn cmd, sub;
	char sha[SG_SCRIPT_COUNT][48];
	unsigned int scripts_loaded;
	bool subscribed, have_time, teardown;
	char teardown_why[160];
	unsigned int failures;
	__u64 retry_ms, down_since_ms, up_since_unix_ms;
	bool scanning;
	unsigned long long scan_cursor;
	bool republish; /* every live ban, after a (re)connect */

	__s64 server_offset_ms; /* Redis TIME - local CLOCK_REALTIME */
	__u64 time_sent_ms;
	__u64 next_sync_ms, next_heartbeat_ms, next_diff_ms, last_diff_ms;
	__u64 sub_heard_ms, next_status_ms;
	__u64 own_generation;
	bool locked; /* this thread holds the pin directory lock */

	struct sg_fleet_known *known;
	size_t n_known;
	struct sg_cidr *recent; /* published from events since the diff */
	size_t n_recent, cap_recent;

	struct sg_fleet_hit *hits;
	size_t n_hits;
	__u32 report[SG_BUDGET_KIND_COUNT]; /* thresholds in force */
	unsigned int gateways;		    /* live, with this one */

	struct sg_fleet_peer *peers; /* [0]: unknown; names from 1 */
	unsigned int n_peers;
	bool peers_dirty;

	__u64 log_second;
	unsigned int logged, suppressed;
	struct sg_fleet_counters c;
};

/* fleet.c */
__u64 sg_fleet_mono_ms(void);
__u64 sg_fleet_real_ms(void);
/* A log line, at most SG_FLEET_LOG_PER_SEC a second for chatty ones. */
void sg_fleet_log(struct sg_fleet *f, bool chatty, const char *level,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The pin directory lock, held until sg_fleet_unlock(). */
int sg_fleet_lock(struct sg_fleet *f);
void sg_fleet_unlock(struct sg_fleet *f);
/* Redis's clock now, and between it and the sg clock. */
__u64 sg_fleet_server_ms(const struct sg_fleet *f);
__u64 sg_fleet_to_sg_ns(const struct sg_fleet *f, __u64 server_ms);
__u64 sg_fleet_from_sg_ns(const struct sg_fleet *f, __u64 sg_ns);

/* fleet_redis.c: the connections */
/* Open both connections (the protocol queues what they say first). */
int sg_fleet_open_conns(struct sg_fleet *f);
/* Drop both connections now (not from a callback: see sg_fleet_fail). */
void sg_fleet_disconnect(struct sg_fleet *f);
/* From anywhere: drop both connections at the next turn of the loop. */
void sg_fleet_fail(struct sg_fleet *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wait for Redis or a wake-up, handle what arrived; 0 or -errno. */
int sg_fleet_poll(struct sg_fleet *f, int timeout_ms);
void sg_fleet_check_timeouts(struct sg_fleet *f, __u64 now_ms);
struct sg_fleet_args;
/* Send on one connection: 0, or -ENOTCONN / -ENOMEM / -EIO. */
int sg_fleet_send_on(struct sg_fleet *f, struct sg_fleet_conn *c,
		     enum sg_fleet_op op, struct sg_fleet_args *a);

/* fleet_protocol.c: what is said */
int sg_fleet_connect(struct sg_fleet *f);
void sg_fleet_heartbeat(struct sg_fleet *f, __u64 now_ms);
/* Every reply; privdata is the enum sg_fleet_op it answers. */
void sg_fleet_on_reply(redisAsyncContext *ac, void *reply, void *priv);
/* Arguments of one command, built up and freed by the caller. */
struct sg_fleet_args {
	int n, cap;
	char **v;
	size_t *len;
	bool failed;
};
void sg_fleet_arg(struct sg_fleet_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sg_fleet_args_free(struct sg_fleet_args *a);
/* Send on the command connection: 0, or -ENOTCONN / -ENOMEM. */
int sg_fleet_send(struct sg_fleet *f, enum sg_fleet_op op,
		  struct sg_fleet_args *a);
/* EVALSHA of a script with a's arguments (no keys). */
int sg_fleet_eval(struct sg_fleet *f, enum sg_fleet_op op,
		  enum sg_fleet_script script, struct sg_fleet_args *a);

/* fleet_import.c */
void sg_fleet_message(struct sg_fleet *f, const char *msg, size_t len);
void sg_fleet_snapshot_start(struct sg_fleet *f);
void sg_fleet_snapshot_reply(struct sg_fleet *f, void *reply);
/* "UNTIL SINCE OFFENCES REASON ORIGIN [NOTE]": 0 or -EINVAL. */
int sg_fleet_parse_record(const char *text, size_t len,
			  struct sg_fleet_record *rec);

/* fleet_publish.c */
/* Compare the ban map with the last time, publish what changed. */
void sg_fleet_diff(struct sg_fleet *f);
/* Publish the bans the daemon's event queue names. */
void sg_fleet_publish_events(struct sg_fleet *f);
/* A ban a peer lifted: forget it here too. */
void sg_fleet_forget_known(struct sg_fleet *f, const struct sg_cidr *c);

/* fleet_budgets.c */
void sg_fleet_sync_budgets(struct sg_fleet *f);
void sg_fleet_charge_reply(struct sg_fleet *f, void *reply);
/* Set the XDP program's report thresholds for the live config. */
void sg_fleet_update_report(struct sg_fleet *f, bool off);

/* fleet_stats.c */
void sg_fleet_render_metrics(void *ctx, FILE *out);
void sg_fleet_observe_delay(struct sg_fleet *f, __u64 delay_ms);
void sg_fleet_write_status(struct sg_fleet *f, bool running);
int sg_fleet_peers_load(struct sg_fleet *f, char *err, size_t len);
/* The index of a gateway's name (added if new); 0 when the table is full. */
__u16 sg_fleet_peer_index(struct sg_fleet *f, const char *name);
void sg_fleet_peers_save(struct sg_fleet *f);
/* A heartbeat from a gateway; counts the live ones. */
void sg_fleet_peer_heard(struct sg_fleet *f, const char *name);
unsigned int sg_fleet_live_peers(struct sg_fleet *f);

#endif /* SLOTGUARD_FLEET_INT_H */
