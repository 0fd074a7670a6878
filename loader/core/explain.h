/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * explain (explain.c): one source as the program sees it, and what its
 * next frame of a kind would get. For `slotguard explain` and its tests.
 */
#ifndef SLOTGUARD_EXPLAIN_H
#define SLOTGUARD_EXPLAIN_H

#include "sg.h"

struct sg_explain_budget {
	bool on;
	__u64 burst, tokens; /* whole tokens left now */
	__u64 next_token_ns; /* when empty: until the next one */
};
struct sg_explain_level {
	bool on;      /* the level has a budget */
	bool tracked; /* it has a tracking entry (else: its budgets are full) */
	bool window_live, limited;
	struct sg_cidr prefix;
	struct sg_explain_budget budget[SG_BUDGET_KIND_COUNT];
	__u32 window_ms, packets, conns, requests, violations;
	unsigned int stacks; /* kinds of TCP stacks its SYNs came from */
};
struct sg_explain {
	struct sg_cidr addr;
	__u64 now; /* sg clock */
	bool in_set, allowed, banned;
	struct sg_set_item entry; /* the longest set entry covering addr */
	struct sg_set_conf set;	  /* its set */
	struct sg_ban_entry ban;  /* the live ban covering addr */
	struct sg_explain_level level[SG_LEVEL_COUNT];
	struct sg_explain_budget set_budget[SG_BUDGET_KIND_COUNT];
	__u32 min_excess_milli, ban_after;
	__u8 mode; /* SG_MODE_*: a drop is a would-drop in monitor mode */
};
/* Read everything the program keeps about addr; changes nothing. */
int sg_explain(const struct sg_state *st, const struct sg_cidr *addr,
	       struct sg_explain *out);
/* What the next frame of a kind would get, in the program's order. */
struct sg_explain_outcome {
	int drop;	     /* 1: dropped (or a would-drop in monitor mode) */
	unsigned int reason; /* enum sg_reason */
	int kind;	     /* the budget kind that says no, or -1 */
};
struct sg_explain_outcome
sg_explain_next(const struct sg_explain *e,
		const struct sg_explain_budget *ceiling, bool conn,
		bool request);
/* Tokens of a budget whose arrival time is ahead ns ahead of now. */
void sg_explain_budget(const struct sg_budget *b, __u64 ahead,
		       struct sg_explain_budget *out);

#endif /* SLOTGUARD_EXPLAIN_H */
