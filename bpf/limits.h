/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Budgets, bans and ban events. Budgets are GCRA token buckets whose whole
 * state is one 64-bit "theoretical arrival time", so CPUs sharing a source
 * update it with compare-and-swap instead of a lock.
 */
#ifndef SLOTGUARD_LIMITS_H
#define SLOTGUARD_LIMITS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"
#include "slotguard_maps.bpf.h"
#include "parse.h"

#define SG_NS_PER_MS 1000000ULL
#define SG_CAS_TRIES 3

static __always_inline void sg_stat_add(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sg_stats, &stat);

	if (v)
		*v += 1;
}

/*
 * Charge one token. Returns 1 when over budget (nothing is charged then).
 * GCRA: a token is due every interval; admit while the arrival time we would
 * move to is at most limit_ns ahead of now. max(tat, now) caps the bank at
 * the burst after any idle time, and no remainder is ever rounded away
 * because nothing is "refilled": time itself is the bucket. CPUs sharing
 * the budget race with compare-and-swap, so it is never over-spent; a
 * frame whose CPU loses SG_CAS_TRIES races in a row (only a flood on one
 * source does that) is refused as over budget without spending a token.
 */
static __always_inline int sg_gcra_over(__u64 *tat, const struct sg_budget *b,
					__u64 now)
{
	__u64 old, next;
	int i;

	if (!b->interval_ns)
		return 0;
#pragma unroll
	for (i = 0; i < SG_CAS_TRIES; i++) {
		old = *(volatile __u64 *)tat;
		next = (old > now ? old : now) + b->interval_ns;
		if (next - now > b->limit_ns)
			return 1;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return 0;
	}
	return 1;
}

/* Rate per 1000 s: events per second, three decimals. */
static __always_inline __u32 sg_budget_milli(const struct sg_budget *b)
{
	__u64 v;

	if (!b->interval_ns)
		return 0;
	v = 1000000000000ULL / b->interval_ns;
	return v > 0xffffffffULL ? 0xffffffffU : (__u32)v;
}

/* Copy the first prefixlen bits of src into dst (len bytes, rest zero). */
static __always_inline void sg_mask_addr(__u8 *dst, const __u8 *src,
					 __u32 prefixlen, const int len)
{
	int i;

#pragma unroll
	for (i = 0; i < len; i++) {
		__u32 bits = i * 8;

		if (prefixlen >= bits + 8)
			dst[i] = src[i];
		else if (prefixlen > bits)
			dst[i] = src[i] &
				 (__u8)(0xff << (8 - (prefixlen - bits)));
		else
			dst[i] = 0;
	}
}

/* Longest ban covering the source that has not expired, or NULL. */
static __always_inline struct sg_ban *sg_ban_find(const struct sg_pkt *p,
						  __u64 now)
{
	struct sg_lpm_v6_key k6 = {};
	struct sg_lpm_v4_key k4 = {};
	struct sg_ban *ban;
	int i;

	if (p->family == SG_FAMILY_V4) {
		k4.prefixlen = 32;
		__builtin_memcpy(k4.addr, p->src, 4);
	} else {
		k6.prefixlen = 128;
		__builtin_memcpy(k6.addr, p->src, 16);
	}
	/*
	 * An expired (remembered) ban may hide a shorter, live one: look on,
	 * past up to SG_BAN_LOOKUP_DEPTH - 1 expired ones.
	 */
	for (i = 0; i < SG_BAN_LOOKUP_DEPTH; i++) {
		if (p->family == SG_FAMILY_V4)
			ban = bpf_map_lookup_elem(&sg_bans_v4, &k4);
		else
			ban = bpf_map_lookup_elem(&sg_bans_v6, &k6);
		if (!ban)
			return NULL;
		if (now < ban->until_ns)
			return ban;
		if (!ban->prefixlen)
			return NULL;
		k4.prefixlen = ban->prefixlen - 1;
		k6.prefixlen = ban->prefixlen - 1;
	}
	return NULL;
}

struct sg_ban_request {
	struct sg_track_key key; /* the prefix to ban (at most /64) */
	__u32 reason;		 /* budget reason */
	__u32 observed_milli;
	__u32 limit_milli;
	__u32 budget_index; /* level * kinds + kind */
};

static __always_inline void sg_emit_event(const struct sg_config *cfg,
					  const struct sg_ban_request *req,
					  const struct sg_ban *ban, __u32 type,
					  __u64 now)
{
	struct sg_globals *g;
	struct sg_event *ev;
	__u32 zero = 0;

	g = bpf_map_lookup_elem(&sg_globals, &zero);
	if (!g)
		return;
	if (sg_gcra_over(&g->event_tat, &cfg->events, now)) {
		sg_stat_add(SG_STAT_EVENTS_SUPPRESSED);
		return;
	}
	ev = bpf_ringbuf_reserve(&sg_events, sizeof(*ev), 0);
	if (!ev) {
		sg_stat_add(SG_STAT_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->time_ns = now;
	ev->duration_ns = ban->until_ns - ban->since_ns;
	ev->type = type;
	ev->offences = ban->offences;
	ev->observed_milli = req->observed_milli;
	ev->limit_milli = req->limit_milli;
	ev->family = req->key.family;
	ev->prefixlen = req->key.prefixlen;
	ev->reason = req->reason;
	__builtin_memcpy(ev->addr, req->key.addr, SG_TRACK_ADDR_LEN);
	bpf_ringbuf_submit(ev, 0);
	sg_stat_add(SG_STAT_EVENTS_SENT);
}

/*
 * Ban time for the n-th offence: ban_time doubled n-1 times, capped at
 * ban_max (0: no cap, but never past 2^62 ns so until_ns cannot wrap).
 */
static __always_inline __u64 sg_ban_duration(const struct sg_config *cfg,
					     __u32 offences)
{
	__u64 cap = cfg->ban_max_ns ? cfg->ban_max_ns : 1ULL << 62;
	__u64 d = cfg->ban_time_ns;
	int i;

	for (i = 1; i < 63; i++) {
		if ((__u32)i >= offences || d >= cap / 2)
			break;
		d *= 2;
	}
	if (offences > (__u32)i && d < cap)
		d = cap; /* stopped at cap / 2 with doublings left */
	return d < cap ? d : cap;
}

/* Ban (or, in monitor mode, count a would-ban of) the requested prefix. */
static __always_inline void sg_ban(const struct sg_config *cfg,
				   const struct sg_ban_request *req, __u64 now)
{
	struct sg_lpm_v6_key k6 = { .prefixlen = req->key.prefixlen };
	struct sg_lpm_v4_key k4 = { .prefixlen = req->key.prefixlen };
	struct sg_ban ban = {}, *old;
	void *key;
	void *map;

	if (req->key.family == SG_FAMILY_V4) {
		__builtin_memcpy(k4.addr, req->key.addr, 4);
		key = &k4;
		map = &sg_bans_v4;
	} else {
		__builtin_memcpy(k6.addr, req->key.addr, SG_TRACK_ADDR_LEN);
		key = &k6;
		map = &sg_bans_v6;
	}
	ban.offences = 1;
	old = bpf_map_lookup_elem(map, key);
	if (old && old->prefixlen == req->key.prefixlen) {
		if (now < old->until_ns)
			return; /* another CPU banned it first */
		if (now - old->until_ns < cfg->ban_memory_ns)
			ban.offences = old->offences + 1;
	}
	ban.since_ns = now;
	ban.until_ns = now + sg_ban_duration(cfg, ban.offences);
	ban.observed_milli = req->observed_milli;
	ban.limit_milli = req->limit_milli;
	ban.reason = req->reason;
	ban.prefixlen = req->key.prefixlen;

	if (cfg->mode != SG_MODE_ENFORCE) {
		sg_stat_add(SG_STAT_WOULD_BANS_FIRST + req->budget_index);
		sg_emit_event(cfg, req, &ban, SG_EVENT_WOULD_BAN, now);
		return;
	}
	if (bpf_map_update_elem(map, key, &ban, BPF_ANY)) {
		sg_stat_add(SG_STAT_BAN_FAILED);
		return;
	}
	sg_stat_add(SG_STAT_BANS_FIRST + req->budget_index);
	sg_emit_event(cfg, req, &ban, SG_EVENT_BAN, now);
}

#endif /* SLOTGUARD_LIMITS_H */
