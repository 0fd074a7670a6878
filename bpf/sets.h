/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Named prefix sets: one LPM lookup finds the longest prefix of any set
 * (allow entries and what they cover are marked allowed), and a limit set's
 * shared budget is charged as if the whole set were one source.
 */
#ifndef SLOTGUARD_SETS_H
#define SLOTGUARD_SETS_H

#include "budget.h"
#include "track.h"

/* The set entry with the longest prefix covering the source, or NULL. */
static __always_inline struct sg_set_entry *
sg_set_find(const struct sg_config *cfg, const struct sg_pkt *p)
{
	struct sg_lpm_v6_key k6;
	struct sg_lpm_v4_key k4;
	__u32 zero = 0;
	void *inner;

	/* No sets, no walk: a spoofed flood meets this on every frame. */
	if (!(cfg->flags & SG_FLAG_SETS_NONEMPTY(p->family & 1)))
		return NULL;
	if (p->family == SG_FAMILY_V4) {
		inner = bpf_map_lookup_elem(&sg_sets_v4, &zero);
		if (!inner)
			return NULL;
		k4.prefixlen = 32;
		__builtin_memcpy(k4.addr, p->src, 4);
		return bpf_map_lookup_elem(inner, &k4);
	}
	inner = bpf_map_lookup_elem(&sg_sets_v6, &zero);
	if (!inner)
		return NULL;
	k6.prefixlen = 128;
	__builtin_memcpy(k6.addr, p->src, 16);
	return bpf_map_lookup_elem(inner, &k6);
}

/* The policy class of a source: enum sg_vcache_verdict, *set its set. */
static __always_inline __u32 sg_set_class(const struct sg_config *cfg,
					  const struct sg_pkt *p, __u16 *set)
{
	struct sg_set_entry *e = sg_set_find(cfg, p);
	struct sg_set_conf *conf;
	__u32 id;

	*set = 0;
	if (!e)
		return SG_VCACHE_CLEAR;
	*set = e->set;
	if (e->flags & SG_ENTRY_ALLOWED)
		return SG_VCACHE_ALLOW;
	id = e->set;
	conf = bpf_map_lookup_elem(&sg_set_conf, &id);
	if (!conf)
		return SG_VCACHE_CLEAR;
	if (conf->action == SG_SET_DENY)
		return SG_VCACHE_DENY;
	if (conf->action == SG_SET_LIMIT)
		return SG_VCACHE_MEMBER;
	if (conf->action == SG_SET_ALLOW)
		return SG_VCACHE_ALLOW; /* built before the entry was marked */
	return SG_VCACHE_CLEAR;
}

/* A set's shared window, for `top --sets` and the member's ban rate. */
static __always_inline void sg_set_account(struct sg_set_state *st,
					   const struct sg_config *cfg,
					   const struct sg_ask *ask)
{
	__u32 now_ms = ask->now / SG_NS_PER_MS;

	if ((__u64)(now_ms - st->window_start_ms) * SG_NS_PER_MS >
	    cfg->ban_window_ns) {
		st->window_start_ms = now_ms;
		st->window_packets = 0;
		st->window_conns = 0;
		st->window_requests = 0;
		st->window_drops = 0;
	}
	__sync_fetch_and_add(&st->window_packets, 1);
	if (ask->new_conn)
		__sync_fetch_and_add(&st->window_conns, 1);
	if (ask->request)
		__sync_fetch_and_add(&st->window_requests, 1);
}

/*
 * Charge a limit set's shared budget: the kind that says no, or
 * SG_BUDGET_KIND_COUNT. Every kind is kept in ns here: one state a set.
 */
static __always_inline __u32 sg_set_charge(const struct sg_config *cfg,
					   const struct sg_set_conf *conf,
					   const struct sg_ask *ask)
{
	const struct sg_budget *b = conf->budget;
	struct sg_set_state *st;
	__u32 id = ask->set;

	__u32 kind = SG_BUDGET_KIND_COUNT;

	st = bpf_map_lookup_elem(&sg_set_state, &id);
	if (!st)
		return kind;
	sg_set_account(st, cfg, ask);
	if (sg_gcra_over(&st->tat[SG_BUDGET_PACKET], &b[SG_BUDGET_PACKET],
			 ask->now))
		kind = SG_BUDGET_PACKET;
	else if (ask->new_conn && sg_gcra_over(&st->tat[SG_BUDGET_CONN],
					       &b[SG_BUDGET_CONN], ask->now))
		kind = SG_BUDGET_CONN;
	else if (ask->new_conn && sg_gcra_over(&st->tat[SG_BUDGET_QUOTA],
					       &b[SG_BUDGET_QUOTA], ask->now))
		kind = SG_BUDGET_QUOTA;
	else if (ask->request && sg_gcra_over(&st->tat[SG_BUDGET_REQUEST],
					      &b[SG_BUDGET_REQUEST], ask->now))
		kind = SG_BUDGET_REQUEST;
	else if (ask->request &&
		 sg_gcra_over(&st->tat[SG_BUDGET_REQUEST_QUOTA],
			      &b[SG_BUDGET_REQUEST_QUOTA], ask->now))
		kind = SG_BUDGET_REQUEST_QUOTA;
	if (kind != SG_BUDGET_KIND_COUNT)
		__sync_fetch_and_add(&st->window_drops, 1);
	return kind;
}

#endif /* SLOTGUARD_SETS_H */
