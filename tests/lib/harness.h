/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Runs the real slotguard XDP program on crafted frames: loads the skeleton
 * without pinning, writes config, services and lists through the loader's
 * core, runs frames with BPF_PROG_TEST_RUN and reads back counters, stats,
 * the parse trace, bans and events, so fixtures can state expected deltas.
 */
#ifndef SLOTGUARD_TEST_HARNESS_H
#define SLOTGUARD_TEST_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "slotguard.h"
#include "core/sg.h"
#include "pkt.h"
#include "test.h"

#define SG_H_NS_PER_SEC 1000000000ULL
/* The fixed clock starts here, far from 0 so no budget starts "in debt". */
#define SG_H_START_NS (1000 * SG_H_NS_PER_SEC)
#define SG_H_ANY      (~0ULL) /* sg_h_delta.bytes: do not check */

struct slotguard;
struct ring_buffer;

struct sg_h {
	struct slotguard *skel; /* NULL: not open, sg_h_close is a no-op */
	struct sg_state st;
	bool st_filled; /* st holds fds (or -1s) to close */
	int prog_fd;
	int ncpus;		/* values per per-CPU lookup */
	unsigned int slot;	/* counter slot test frames are counted in */
	struct sg_config cfg;	/* what sg_h_config_write() writes */
	bool own_ban_flags;	/* the test sets SG_FLAG_BAN_* itself */
	struct ring_buffer *rb; /* made on the first sg_h_events() */
	struct sg_event *events;
	size_t n_events, cap_events;
};

struct sg_h_opts {
	__u32 track_entries; /* sg_track max_entries; 0: the object's */
	__u32 bans_entries;  /* sg_bans max_entries; 0: the object's */
};

/*
 * Load the program and write sg_h_config_defaults(). Returns 0 or -errno;
 * -EPERM means we lack CAP_BPF (see ASSERT_OPEN).
 */
int sg_h_open(struct sg_h *h);
int sg_h_open_opts(struct sg_h *h, const struct sg_h_opts *opts);
void sg_h_close(struct sg_h *h);
/* `struct sg_h h SG_H_AUTO = {};` closes h however the test returns. */
#define SG_H_AUTO __attribute__((cleanup(sg_h_close)))

/*
 * Open the harness or end the test: skipped without the privilege to load
 * BPF, failed on any other error. An ASSERT, so it may return.
 */
#define ASSERT_OPEN(h, opts)                                           \
	do {                                                           \
		int sg_open_err_ = sg_h_open_opts((h), (opts));        \
		if (sg_open_err_ == -EPERM)                            \
			TEST_SKIP("loading BPF needs root (CAP_BPF)"); \
		ASSERT_OK(sg_open_err_);                               \
	} while (0)

/*
 * Enforce mode, parse trace and fixed clock at SG_H_START_NS, prefixes
 * /32 /24 /64 /48, every budget, ban and event limit off, min_excess 1
 * (any excess bans). Writing it sets the level bits from the budgets and
 * the ban bits for every level.
 */
void sg_h_config_defaults(struct sg_config *cfg);
/* Write h->cfg as an apply would: with the live generation plus one. */
int sg_h_config_write(struct sg_h *h);
/* Set the fixed clock and write the config. */
int sg_h_clock(struct sg_h *h, __u64 now_ns);
int sg_h_advance(struct sg_h *h, __u64 delta_ns);
/* A budget of `per` tokens per `period_ns` with a burst of `burst`. */
struct sg_budget sg_h_budget(__u64 per, __u64 period_ns, __u64 burst);

/* Protect proto/port as service `index` (sg_services + sg_ports). */
int sg_h_protect(struct sg_h *h, unsigned int index, __u8 proto, __u16 port,
		 __u8 flags);
int sg_h_service(struct sg_h *h, unsigned int index,
		 const struct sg_service *svc);
/* Add a destination prefix ("203.0.113.0/24") to service `index`. */
int sg_h_dst(struct sg_h *h, unsigned int index, const char *cidr);

/* Count test frames (ingress ifindex 1, lo) in `slot` instead of 0. */
int sg_h_use_slot(struct sg_h *h, unsigned int slot);

/* Run one frame; the XDP action (XDP_PASS, XDP_DROP...) or -errno. */
int sg_h_run(struct sg_h *h, const struct sg_frame *f);
int sg_h_run_raw(struct sg_h *h, const void *data, size_t len);

/* Sums over all CPUs, in h->slot. */
int sg_h_counter(struct sg_h *h, unsigned int verdict, unsigned int reason,
		 struct sg_counter *out);
int sg_h_stat(struct sg_h *h, unsigned int stat, __u64 *out);
/* One service's counter (index + 1; 0: none), and a set's by verdict. */
int sg_h_counter_service(struct sg_h *h, unsigned int service,
			 unsigned int verdict, unsigned int reason,
			 struct sg_counter *out);
int sg_h_set_counter(struct sg_h *h, unsigned int set, unsigned int verdict,
		     struct sg_counter *out);
int sg_h_trace(struct sg_h *h, struct sg_trace *out);

/* Every counter of h->slot and every stat, to diff around an action. */
struct sg_h_snap {
	struct sg_counter c[SG_VERDICT_COUNT][SG_REASON_COUNT];
	__u64 stats[SG_STAT_COUNT];
};
int sg_h_snap(struct sg_h *h, struct sg_h_snap *s);

struct sg_h_delta {
	unsigned int verdict;
	unsigned int reason;
	__u64 packets;
	__u64 bytes; /* SG_H_ANY: not checked */
};
/*
 * True when each listed counter moved by exactly its delta and no other
 * counter moved at all; logs every mismatch otherwise.
 */
bool sg_h_expect_deltas(const struct sg_h_snap *before,
			const struct sg_h_snap *after,
			const struct sg_h_delta *d, size_t n);
/*
 * Run f and check it got `action` and moved exactly counter (verdict,
 * reason) by one packet of f->len bytes; logs what differs.
 */
bool sg_h_expect(struct sg_h *h, const struct sg_frame *f, int action,
		 unsigned int verdict, unsigned int reason);
/* The same for a frame built from a spec. */
bool sg_h_expect_spec(struct sg_h *h, const struct sg_pkt_spec *s, int action,
		      unsigned int verdict, unsigned int reason);
__u64 sg_h_stat_delta(const struct sg_h_snap *before,
		      const struct sg_h_snap *after, unsigned int stat);

/* Text CIDR or bare address to struct sg_cidr (inet_pton, no loader). */
int sg_h_cidr(const char *text, struct sg_cidr *out);
/* Add a prefix to a set (0 allow, 1 deny, named from 2) via the core. */
int sg_h_list_add(struct sg_h *h, unsigned int list, const char *cidr);
/*
 * Make set id a set with this action and budgets (NULL: none), as a
 * config's [set NAME] would; flags are SG_SET_*.
 */
int sg_h_set(struct sg_h *h, unsigned int id, unsigned int action,
	     unsigned int flags, const struct sg_budget *budget,
	     const struct sg_budget *member);

/*
 * The ban whose key is exactly `cidr`: 0, or -ENOENT when there is none
 * (a shorter covering ban does not count).
 */
int sg_h_ban_get(struct sg_h *h, const char *cidr, struct sg_ban *out);
/* Number of bans of one family (hash and LPM). */
int sg_h_ban_count(struct sg_h *h, unsigned int family, size_t *out);
/* Number of entries in sg_track. */
int sg_h_track_count(struct sg_h *h, size_t *out);

/*
 * Drain the event ring into h->events (appending); h->n_events says how
 * many were collected since the harness opened.
 */
int sg_h_events(struct sg_h *h);

/* What one frame got: the XDP action, the trace's verdict and reason. */
struct sg_h_hit {
	int action; /* -1 when the frame could not be built or run */
	unsigned int verdict, reason;
	unsigned int request; /* the program counted it as a request */
	unsigned int set;     /* the set the source matched, or 0xffff */
};
/* One TCP segment from src (IPv4 or IPv6 text) to dport. */
struct sg_h_hit sg_h_send_tcp(struct sg_h *h, const char *src, __u16 dport,
			      __u8 flags);
/*
 * A TCP segment with len bytes of payload at sequence number seq and
 * acknowledgment number ack (0: the builder's defaults), and any frame
 * built from a spec.
 */
struct sg_h_hit sg_h_send_data(struct sg_h *h, const char *src, __u16 dport,
			       __u8 flags, __u32 seq, __u32 ack, size_t len);
struct sg_h_hit sg_h_send_spec(struct sg_h *h, const struct sg_pkt_spec *s);
/*
 * Was r dropped for reason? In monitor mode that is a would-drop that
 * passes. Both log what differs.
 */
bool sg_h_dropped(const struct sg_h *h, struct sg_h_hit r, unsigned int reason);
bool sg_h_passed(struct sg_h_hit r, unsigned int reason);

/* A manual ban through the loader core (sg_ban_add), note "test". */
int sg_h_ban_add(struct sg_h *h, const char *cidr, __u64 duration_ns);

/* "proto 6 sport 1 dport 2 ..." of a trace, for failure messages. */
void sg_h_trace_str(const struct sg_trace *t, char *buf, size_t len);

#endif /* SLOTGUARD_TEST_HARNESS_H */
