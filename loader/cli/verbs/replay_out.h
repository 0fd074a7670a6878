/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to `slotguard replay`: what a replay found, for its text and
 * JSON reports (replay_print.c).
 */
#ifndef SLOTGUARD_REPLAY_OUT_H
#define SLOTGUARD_REPLAY_OUT_H

#include "replay/replay.h"

#define SG_REPLAY_CONFIGS 2

struct sg_replay_report {
	const char *capture;
	const char *format, *link;
	__u64 frames;	    /* records read */
	__u64 outgoing;	    /* sent by the capturing host: not replayed */
	__u64 out_of_order; /* timestamps before an earlier frame's */
	__u64 first_ts, last_ts;
	unsigned int n; /* configs */
	const char *conf[SG_REPLAY_CONFIGS];
	struct sg_replay_run *runs[SG_REPLAY_CONFIGS];
	const char *allow_path; /* NULL: no --allow-check */
	struct sg_replay_allow *allow;
	unsigned int top; /* heaviest prefixes shown */
};

/* Shared by the two reports (replay_print.c). */
const struct sg_replay_tally *
sg_replay_tally_of(const struct sg_replay_report *r, unsigned int i);
/* Frames of a verdict and reason over every service; of a service. */
__u64 sg_replay_row(const struct sg_replay_tally *t, unsigned int v,
		    unsigned int reason);
__u64 sg_replay_service_frames(const struct sg_replay_tally *t, unsigned int s,
			       unsigned int v);
/* "ban", "ban_escalated" or "would_ban", as the daemon's log says. */
const char *sg_replay_ban_event(const struct sg_replay_ban *b);

void sg_replay_print_text(const struct sg_replay_report *r);
void sg_replay_print_json(const struct sg_replay_report *r);
/* Entries of --allow-check with a dropped frame under any config. */
size_t sg_replay_allow_dropped(const struct sg_replay_report *r);

#endif /* SLOTGUARD_REPLAY_OUT_H */
