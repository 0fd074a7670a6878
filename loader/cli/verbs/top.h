/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to cmd_top.c and top_sets.c: `slotguard top --sets`, the limit
 * sets' shared budgets (tokens left, counts of the window).
 */
#ifndef SLOTGUARD_TOP_H
#define SLOTGUARD_TOP_H

#include <stdbool.h>
#include "core/sg.h"

/* Prints every limit set's budget state; returns an sg_exit code. */
int sg_top_sets(const struct sg_state *st, bool json);

/* Whole tokens a budget has left at now (GCRA: limit - (tat - now)). */
__u64 sg_tokens_left(const struct sg_budget *b, __u64 tat, __u64 now);

#endif /* SLOTGUARD_TOP_H */
