/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Budgets as GCRA token buckets, whose whole state is one "theoretical
 * arrival time" per budget, so CPUs sharing a source update it with
 * compare-and-swap instead of a lock; and the small helpers every stage uses.
 */
#ifndef SLOTGUARD_BUDGET_H
#define SLOTGUARD_BUDGET_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"
#include "slotguard_maps.bpf.h"

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

/*
 * The same on a 32-bit arrival time in units of 2^shift ns that wraps. A
 * live arrival time is never more than the limit ahead of now (that is
 * what admitting means), so one that looks further ahead, or behind, is
 * stale: the bucket is full. Rounding is downwards, in the source's favour.
 */
static __always_inline int sg_gcra32_over(__u32 *tat, const struct sg_budget *b,
					  __u64 now_ns, const int shift)
{
	__u32 interval, limit, now, old, base, next;
	int i;

	if (!b->interval_ns)
		return 0;
	interval = b->interval_ns >> shift;
	limit = b->limit_ns >> shift;
	now = now_ns >> shift;
#pragma unroll
	for (i = 0; i < SG_CAS_TRIES; i++) {
		old = *(volatile __u32 *)tat;
		base = old - now - 1 < limit ? old : now;
		next = base + interval;
		if (next - now > limit)
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

/* The key of the source's prefix at a level (masked, level recorded). */
static __always_inline void sg_level_key(const struct sg_config *cfg,
					 __u8 family, const __u8 *src,
					 __u32 level, __u8 key_level,
					 struct sg_prefix_key *key)
{
	__u32 plen = cfg->prefix_len[family & 1][level & 1];

	if (family == SG_FAMILY_V6 && plen > SG_TRACK_V6_PREFIX_MAX)
		plen = SG_TRACK_V6_PREFIX_MAX; /* config refuses it anyway */
	key->family = family;
	key->prefixlen = plen;
	key->level = key_level;
	key->pad0 = 0;
	sg_mask_addr(key->addr, src, plen, SG_TRACK_ADDR_LEN);
}

#endif /* SLOTGUARD_BUDGET_H */
