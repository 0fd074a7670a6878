/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to cmd_stats.c and stats_print.c: one reading of the counters
 * and the rows a report prints, as a table or as JSON.
 */
#ifndef SLOTGUARD_STATS_H
#define SLOTGUARD_STATS_H

#include <stdbool.h>
#include "core/sg.h"

#define STATS_BAN_KINDS SG_BUDGETS

/* Everything one reading of the pins gives; rates compare two of them. */
struct stats_sample {
	struct sg_iface ifaces[SG_MAX_IFACES];
	char services[SG_COUNTER_SERVICES][32]; /* [0]: "none" */
	char sets[SG_MAX_SETS][32];		/* "": unused id */
	struct sg_counter *counters;		/* n_counters of them */
	__u32 n_counters;
	struct sg_counter set_counters[SG_MAX_SETS * SG_VERDICT_COUNT];
	__u64 stats[SG_STAT_COUNT];
	__u64 mono_ns; /* CLOCK_MONOTONIC when read */
};

/* One non-zero counter; rates only with --interval. */
struct stats_row {
	__u32 slot, service, verdict, reason;
	__u64 packets, bytes;
	double packets_per_second, bits_per_second;
};

const char *stats_iface_name(const struct stats_sample *s, __u32 slot);
void stats_print_human(const struct stats_sample *s,
		       const struct stats_row *rows, size_t n, bool rates);
/* "--- 14:03:05, over 1.00 s": the head of each --interval report. */
void stats_print_stamp(double seconds);
void stats_print_json(const struct stats_sample *s,
		      const struct stats_row *rows, size_t n, double seconds);

#endif /* SLOTGUARD_STATS_H */
