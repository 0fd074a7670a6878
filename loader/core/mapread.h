/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to the read commands (cmd_stats.c, cmd_top.c, cmd_status.c):
 * whole-map reads that stay fast on big maps, with batch lookups where the
 * kernel has them and element-by-element reads where it does not.
 */
#ifndef SLOTGUARD_MAPREAD_H
#define SLOTGUARD_MAPREAD_H

#include "sg.h"

/*
 * Sum a per-CPU array whose values are made of __u64 words across every
 * possible CPU: sum[key * words + word], entries * words of them.
 */
int sg_percpu_array_sum(int fd, __u32 entries, __u32 words, __u64 *sum);

typedef void (*sg_track_fn)(const struct sg_prefix_key *key,
			    const struct sg_track *track, void *arg);
/*
 * Call fn for every entry of the tracking table (sg_track); *count gets
 * the number of entries seen. The table changes while it is read, so an
 * entry may be missed or, without batch lookups, seen twice.
 */
int sg_track_walk(int fd, sg_track_fn fn, void *arg, __u64 *count);

#endif /* SLOTGUARD_MAPREAD_H */
