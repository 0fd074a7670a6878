/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bans: finding a live one for a source (a bitmap, then one hash lookup per
 * level, then the LPM trie of odd-length bans only when it has entries),
 * making one at a level's prefix, and telling the daemon through events.
 */
#ifndef SLOTGUARD_BANS_H
#define SLOTGUARD_BANS_H

#include "budget.h"
#include "parse.h"

/* Word and bit of a prefix in one half of sg_ban_filter. */
static __always_inline __u32 sg_filter_word(__u64 h, __u32 half)
{
	return (half & 1) * SG_BAN_FILTER_WORDS +
	       (__u32)((h >> (64 - SG_BAN_FILTER_SHIFT)) >> 6);
}

static __always_inline __u64 sg_filter_bit(__u64 h)
{
	return 1ULL << ((h >> (64 - SG_BAN_FILTER_SHIFT)) & 63);
}

/* May the prefix be banned? False means surely not. */
static __always_inline int sg_filter_test(const struct sg_config *cfg,
					  const struct sg_prefix_key *key)
{
	__u64 h = sg_hash(key, cfg->hash_seed), *w;
	__u32 word = sg_filter_word(h, cfg->ban_filter_half);

	w = bpf_map_lookup_elem(&sg_ban_filter, &word);
	return w && (*w & sg_filter_bit(h));
}

static __always_inline void sg_filter_set(const struct sg_config *cfg,
					  const struct sg_prefix_key *key)
{
	__u64 h = sg_hash(key, cfg->hash_seed), *w;
	__u32 half, word;

#pragma unroll
	for (half = 0; half < 2; half++) {
		word = sg_filter_word(h, half);
		w = bpf_map_lookup_elem(&sg_ban_filter, &word);
		if (w)
			__sync_fetch_and_or(w, sg_filter_bit(h));
	}
}

/* Longest live LPM ban covering the source, looking past expired ones. */
static __always_inline struct sg_ban *sg_ban_find_lpm(const struct sg_pkt *p,
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
	for (i = 0; i < SG_BAN_LOOKUP_DEPTH; i++) {
		if (p->family == SG_FAMILY_V4)
			ban = bpf_map_lookup_elem(&sg_bans_lpm_v4, &k4);
		else
			ban = bpf_map_lookup_elem(&sg_bans_lpm_v6, &k6);
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

/*
 * A live ban covering the source, or NULL. Each level is its own exact
 * key, so an expired ban at one level never hides a live one at another,
 * and the cost does not grow with the number of bans.
 */
static __always_inline struct sg_ban *
sg_ban_find(const struct sg_config *cfg, const struct sg_pkt *p, __u64 now)
{
	struct sg_prefix_key key;
	struct sg_ban *ban;
	__u32 level;

#pragma unroll
	for (level = 0; level < SG_LEVEL_COUNT; level++) {
		if (!(cfg->flags & SG_FLAG_BAN_HASH(level, p->family & 1)))
			continue;
		sg_level_key(cfg, p->family, p->src, level, 0, &key);
		if (!sg_filter_test(cfg, &key))
			continue;
		ban = bpf_map_lookup_elem(&sg_bans, &key);
		if (ban && now < ban->until_ns)
			return ban;
	}
	if (cfg->flags & SG_FLAG_BAN_LPM(p->family & 1))
		return sg_ban_find_lpm(p, now);
	return NULL;
}

/* What a ban (or would-ban, or limited event) is about. */
struct sg_ban_request {
	struct sg_prefix_key key; /* the prefix to ban, level 0 */
	__u32 reason;		  /* budget reason */
	__u32 observed_milli;
	__u32 limit_milli;
	__u32 budget_index; /* level * kinds + kind; SG_BUDGETS: a set's */
	__u16 set;	    /* SG_REASON_SET_LIMIT: the set */
	__u8 level;
	__u8 pad0;
};

static __always_inline void sg_emit_event(const struct sg_config *cfg,
					  const struct sg_ban_request *req,
					  __u64 duration_ns, __u32 offences,
					  __u32 type, __u64 now)
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
	ev->duration_ns = duration_ns;
	ev->type = type;
	ev->offences = offences;
	ev->observed_milli = req->observed_milli;
	ev->limit_milli = req->limit_milli;
	ev->family = req->key.family;
	ev->prefixlen = req->key.prefixlen;
	ev->reason = req->reason;
	ev->level = req->level;
	ev->set = req->set;
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

static __always_inline void sg_ban_count(const struct sg_ban_request *req,
					 int enforce)
{
	if (req->budget_index >= SG_BUDGETS)
		sg_stat_add(enforce ? SG_STAT_SET_BANS
				    : SG_STAT_SET_WOULD_BANS);
	else
		sg_stat_add((enforce ? SG_STAT_BANS_FIRST
				     : SG_STAT_WOULD_BANS_FIRST) +
			    req->budget_index);
}

/*
 * Ban (or, in monitor mode, count a would-ban of) the requested prefix in
 * sg_bans. A ban remembered from an earlier offence makes this one longer.
 */
static __always_inline void sg_ban(const struct sg_config *cfg,
				   const struct sg_ban_request *req, __u64 now)
{
	struct sg_ban ban = {}, *old;
	int enforce = cfg->mode == SG_MODE_ENFORCE;

	ban.offences = 1;
	old = bpf_map_lookup_elem(&sg_bans, &req->key);
	if (old) {
		if (now < old->until_ns)
			return; /* another CPU banned it first */
		if (now - old->until_ns < cfg->ban_memory_ns &&
		    old->offences < 0xffff)
			ban.offences = old->offences + 1;
	}
	ban.since_ns = now;
	ban.until_ns = now + sg_ban_duration(cfg, ban.offences);
	ban.observed_milli = req->observed_milli;
	ban.limit_milli = req->limit_milli;
	ban.reason = req->reason;
	ban.prefixlen = req->key.prefixlen;
	ban.level = req->level;
	if (req->reason == SG_REASON_SET_LIMIT) {
		ban.flags = SG_BAN_SET;
		ban.origin = req->set;
	}
	if (enforce) {
		if (bpf_map_update_elem(&sg_bans, &req->key, &ban, BPF_ANY)) {
			sg_stat_add(SG_STAT_BAN_FAILED);
			return;
		}
		/*
		 * The bit after the ban: a frame in between may pass, but the
		 * daemon's rebuild of the other half (clear, then read
		 * sg_bans) cannot lose the bit of a ban it did not read.
		 */
		sg_filter_set(cfg, &req->key);
	}
	sg_ban_count(req, enforce);
	sg_emit_event(cfg, req, ban.until_ns - ban.since_ns, ban.offences,
		      enforce ? SG_EVENT_BAN : SG_EVENT_WOULD_BAN, now);
}

#endif /* SLOTGUARD_BANS_H */
