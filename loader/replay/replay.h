/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `slotguard replay`: a capture (pcap, pcapng) read frame by frame
 * (capture.c), each frame run through a private, unattached copy of the
 * XDP program per config with the program's clock at the frame's capture
 * time (run.c), and what happened tallied in bounded tables (tally.c).
 */
#ifndef SLOTGUARD_REPLAY_H
#define SLOTGUARD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "core/sg.h"

/*
 * The largest frame BPF_PROG_TEST_RUN gives a non-frags XDP program (a
 * page less headroom and skb_shared_info). Longer frames (GRO and TSO
 * super-frames on a host's capture) are cut to it, with their IP length
 * fields made to match; they count at their captured length.
 */
#define SG_REPLAY_FRAME_MAX 3072
/* A frame whose own length says more than this is not a real frame. */
#define SG_CAPTURE_LEN_MAX (1U << 20)

/* ---- capture.c ------------------------------------------------------ */
struct sg_capture;
struct sg_capture_frame {
	__u64 number;	 /* from 1, as Wireshark numbers them */
	__u64 offset;	 /* byte offset of its record in the file */
	__u64 ts_ns;	 /* capture time, Unix ns */
	__u32 len;	 /* the frame's length on the wire */
	__u32 eth_len;	 /* bytes at eth */
	bool outgoing;	 /* the host sent it (cooked captures): no XDP saw it */
	const __u8 *eth; /* the frame as an Ethernet frame */
};
/* 0, or -errno with err = "FILE: reason". */
int sg_capture_open(const char *path, struct sg_capture **out, char *err,
		    size_t err_len);
/*
 * The next frame: 1, 0 at the end, or -EINVAL with err = "FILE: frame N
 * at byte B: reason" (truncated, absurd lengths, a link header cut short).
 */
int sg_capture_next(struct sg_capture *c, struct sg_capture_frame *f, char *err,
		    size_t err_len);
/* "pcap" or "pcapng"; the link type as libpcap names it ("EN10MB"). */
const char *sg_capture_format(const struct sg_capture *c);
const char *sg_capture_link(const struct sg_capture *c);
void sg_capture_close(struct sg_capture *c);

/* ---- tally.c: what one config did to the capture ------------------- */
/* Per-prefix table cap: beyond it, new prefixes count only in totals. */
#define SG_REPLAY_PREFIXES_MAX 131072
/* Ban events kept in order; beyond, counted only. */
#define SG_REPLAY_BANS_MAX 100000

/* What the program did with one frame (from its parse trace). */
struct sg_replay_hit {
	__u32 verdict, reason;
	__u32 service; /* index + 1; 0: none */
	__u32 set;     /* set id, or SG_TRACE_NO_SET */
	__u8 family;
	__u8 new_conn, request;
	__u8 src[16];
};

struct sg_replay_ban {
	__u64 time_ns; /* capture time, Unix ns */
	__u64 duration_ns;
	struct sg_cidr prefix;
	__u32 type; /* enum sg_event_type */
	__u32 offences, observed_milli, limit_milli;
	__u8 reason;
};

struct sg_replay_prefix {
	__u8 used, family, pad0[2];
	__u32 drop_reason; /* the reason of its last drop */
	__u8 addr[16];	   /* masked to the source level */
	__u64 packets, dropped, conns, requests;
};

struct sg_replay_tally {
	struct sg_counter counts[SG_COUNTER_SERVICES][SG_VERDICT_COUNT]
				[SG_REASON_COUNT];
	__u64 sets[SG_MAX_SETS][SG_VERDICT_COUNT];
	struct sg_replay_prefix *prefixes; /* open addressing (tally.c) */
	size_t slots;
	size_t n_prefixes, prefixes_missed;
	struct sg_replay_ban *bans;
	size_t n_bans, cap_bans, bans_missed;
	__u64 limited; /* limited events: over budget below min_excess */
	__u8 prefix_len[SG_FAMILY_COUNT]; /* the source level's */
};

int sg_replay_tally_init(struct sg_replay_tally *t,
			 const struct sg_config *cfg);
void sg_replay_tally_free(struct sg_replay_tally *t);
void sg_replay_tally_hit(struct sg_replay_tally *t,
			 const struct sg_replay_hit *h, __u64 bytes);
int sg_replay_tally_event(struct sg_replay_tally *t, const struct sg_event *ev,
			  __u64 time_ns);
/* The n heaviest prefixes by packets, malloc'ed, into *out. */
int sg_replay_tally_top(const struct sg_replay_tally *t, size_t n,
			struct sg_replay_prefix **out, size_t *count);
/* Dropped (or would-be dropped) frames of all services. */
__u64 sg_replay_tally_dropped(const struct sg_replay_tally *t);

/* ---- allow.c: --allow-check FILE ----------------------------------- */
struct sg_replay_allow {
	struct sg_cidr *entries; /* sorted (sg_read_list_file) */
	size_t n;
	unsigned int configs;
	__u64 *packets; /* [entry * configs + config]: frames */
	__u64 *dropped; /* ... of them dropped or would-be dropped */
	/* Prefix lengths present per family, longest first. */
	__u8 lens[SG_FAMILY_COUNT][129];
	unsigned int n_lens[SG_FAMILY_COUNT];
};
int sg_replay_allow_read(struct sg_replay_allow *a, const char *path,
			 unsigned int configs, char *err, size_t err_len);
void sg_replay_allow_hit(struct sg_replay_allow *a, unsigned int config,
			 const struct sg_replay_hit *h);
void sg_replay_allow_free(struct sg_replay_allow *a);

/* ---- run.c: one config's private program --------------------------- */
struct sg_replay_run;
/*
 * Load a private copy of the program (not attached, nothing pinned) and
 * install the config into its maps as the daemon does (sg_daemon_apply):
 * 0, or -errno with err = "FILE:LINE: reason" or what failed.
 */
int sg_replay_run_open(const char *conf_path, __u64 first_ts_ns,
		       struct sg_replay_run **out, char *err, size_t err_len);
/* Run one frame at its capture time; tallies it and its events. */
int sg_replay_run_frame(struct sg_replay_run *r,
			const struct sg_capture_frame *f,
			struct sg_replay_hit *hit);
/* Drain the last events. */
void sg_replay_run_finish(struct sg_replay_run *r);
const struct sg_replay_tally *
sg_replay_run_tally(const struct sg_replay_run *r);
const struct sg_settings *sg_replay_run_settings(const struct sg_replay_run *r);
/* The name of set id (from the config), or NULL. */
const char *sg_replay_run_set_name(const struct sg_replay_run *r,
				   unsigned int id);
void sg_replay_run_close(struct sg_replay_run *r);

#endif /* SLOTGUARD_REPLAY_H */
