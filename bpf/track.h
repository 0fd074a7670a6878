/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-source tracking: first sightings that cost no tracking entry, the
 * entry of a source prefix at one level, charging its budgets, and the
 * violations that make a ban (only for flagrant excess: min_excess).
 */
#ifndef SLOTGUARD_TRACK_H
#define SLOTGUARD_TRACK_H

#include <linux/errno.h>
#include "budget.h"
#include "bans.h"

/* What one frame asks of the budgets. */
struct sg_ask {
	__u64 now;
	__u16 set;	     /* limit set of the source, 0: none */
	__u8 new_conn;	     /* TCP SYN without ACK, or QUIC Initial */
	__u8 request;	     /* a request (see sg_pkt_request) */
	__u8 signature;	     /* SYN: 1 + bit of its TTL/window/options hash */
	__u8 member_budgets; /* the set's member budgets replace [source] */
	__u8 no_ban;	     /* the set says: members are never banned */
	__u8 pad0;
};

static __always_inline __u64 sg_seen_fingerprint(__u64 h)
{
	return (h * 0xff51afd7ed558ccdULL) >> SG_SEEN_FP_SHIFT;
}

/*
 * A prefix without a tracking entry. The first time: remember it in one of
 * its two slots (the older) and return 0, the frame passes untracked. The
 * second time: return 1 with *first_ms and *first_flags of the first frame.
 * 2: track it, but no first frame passed untracked (a lost race, below).
 */
static __always_inline int sg_seen_before(const struct sg_config *cfg,
					  const struct sg_prefix_key *key,
					  const struct sg_ask *ask,
					  __u32 *first_ms, __u64 *first_flags)
{
	__u64 h = sg_hash(key, cfg->hash_seed), fp = sg_seen_fingerprint(h);
	__u32 i1 = h & (SG_FIRST_SEEN_SLOTS - 1);
	__u32 i2 = (h >> SG_FIRST_SEEN_SHIFT) & (SG_FIRST_SEEN_SLOTS - 1);
	__u32 now_ms = ask->now / SG_NS_PER_MS;
	__u64 *s1, *s2, *hit, v1, v2, old, slot, cur;

	s1 = bpf_map_lookup_elem(&sg_first_seen, &i1);
	s2 = bpf_map_lookup_elem(&sg_first_seen, &i2);
	if (!s1 || !s2)
		return 1; /* cannot happen: track it */
	v1 = *(volatile __u64 *)s1;
	v2 = *(volatile __u64 *)s2;
	if (v1 >> SG_SEEN_FP_SHIFT == fp)
		cur = v1;
	else if (v2 >> SG_SEEN_FP_SHIFT == fp)
		cur = v2;
	else {
		/*
		 * Replace the slot written longer ago, with compare-and-swap:
		 * two CPUs that both found neither slot must not both pass a
		 * first sighting, as only one first frame is charged when the
		 * entry is made. The loser tracks the prefix: seen before if
		 * the winner wrote its fingerprint, else (another prefix took
		 * the slot) with no first frame to charge (2).
		 */
		hit = s1;
		old = v1;
		if ((__u32)(now_ms - (__u32)v1) < (__u32)(now_ms - (__u32)v2)) {
			hit = s2;
			old = v2;
		}
		slot = fp << SG_SEEN_FP_SHIFT |
		       (ask->new_conn ? SG_SEEN_CONN : 0) |
		       (ask->request ? SG_SEEN_REQUEST : 0) | now_ms;
		cur = __sync_val_compare_and_swap(hit, old, slot);
		if (cur == old) {
			sg_stat_add(SG_STAT_FIRST_SIGHTINGS);
			return 0;
		}
		if (cur >> SG_SEEN_FP_SHIFT != fp)
			return 2;
	}
	*first_ms = (__u32)cur;
	*first_flags = cur & (SG_SEEN_CONN | SG_SEEN_REQUEST);
	return 1;
}

/* The violation window: restart it when it is over, count this frame. */
static __always_inline void sg_track_account(struct sg_track *t,
					     const struct sg_config *cfg,
					     int new_conn, int request,
					     __u64 now)
{
	__u32 now_ms = now / SG_NS_PER_MS;

	if ((__u64)(now_ms - t->window_start_ms) * SG_NS_PER_MS >
	    cfg->ban_window_ns) {
		t->window_start_ms = now_ms;
		t->window_packets = 0;
		t->window_conns = 0;
		t->window_requests = 0;
		t->violations = 0;
		t->flags &= ~(SG_TRACK_WOULD_BANNED | SG_TRACK_LIMITED);
	}
	if (t->window_packets != 0xffffffff)
		t->window_packets++;
	if (new_conn && t->window_conns != 0xffff)
		t->window_conns++;
	if (request && t->window_requests != 0xffff)
		t->window_requests++;
}

/* Charge every budget that applies; the kind that says no, or KIND_COUNT. */
static __always_inline __u32 sg_track_charge(struct sg_track *t,
					     const struct sg_budget *b,
					     int new_conn, int request,
					     __u64 now)
{
	if (sg_gcra_over(&t->packet_tat, &b[SG_BUDGET_PACKET], now))
		return SG_BUDGET_PACKET;
	if (new_conn) {
		if (sg_gcra_over(&t->conn_tat, &b[SG_BUDGET_CONN], now))
			return SG_BUDGET_CONN;
		if (sg_gcra32_over(&t->conn_quota_tat, &b[SG_BUDGET_QUOTA], now,
				   SG_TAT_COARSE_SHIFT))
			return SG_BUDGET_QUOTA;
	}
	if (request) {
		if (sg_gcra32_over(&t->request_tat, &b[SG_BUDGET_REQUEST], now,
				   SG_TAT_FINE_SHIFT))
			return SG_BUDGET_REQUEST;
		if (sg_gcra32_over(&t->request_quota_tat,
				   &b[SG_BUDGET_REQUEST_QUOTA], now,
				   SG_TAT_COARSE_SHIFT))
			return SG_BUDGET_REQUEST_QUOTA;
	}
	return SG_BUDGET_KIND_COUNT;
}

/*
 * Find or make the tracking entry of a prefix. NULL with *first set: a
 * first sighting, nothing to charge (unless must_track: a violation to
 * count). NULL without: the table refused it. A new entry is charged for
 * the first frame, at its own time.
 */
static __always_inline struct sg_track *
sg_track_get(const struct sg_config *cfg, const struct sg_prefix_key *key,
	     const struct sg_budget *b, const struct sg_ask *ask, int *first,
	     int must_track)
{
	struct sg_track zero = {}, *t;
	__u64 first_flags = 0, first_ns;
	__u32 first_ms = 0, now_ms;
	int made, seen = 1;

	*first = 0;
	t = bpf_map_lookup_elem(&sg_track, key);
	if (t)
		return t;
	if (must_track) {
		first_ms = ask->now / SG_NS_PER_MS;
	} else {
		seen = sg_seen_before(cfg, key, ask, &first_ms, &first_flags);
		if (!seen) {
			*first = 1;
			return NULL;
		}
	}
	zero.set = ask->set;
	made = !bpf_map_update_elem(&sg_track, key, &zero, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&sg_track, key);
	if (!t) {
		sg_stat_add(SG_STAT_TRACK_FAILED);
		return NULL;
	}
	/* Another CPU made it (and charged the first frame) meanwhile. */
	if (!made || must_track || seen != 1)
		return t;
	now_ms = ask->now / SG_NS_PER_MS;
	first_ns = ask->now - (__u64)(now_ms - first_ms) * SG_NS_PER_MS;
	if (first_ns > ask->now)
		first_ns = ask->now;
	sg_track_account(t, cfg, !!(first_flags & SG_SEEN_CONN),
			 !!(first_flags & SG_SEEN_REQUEST), first_ns);
	sg_track_charge(t, b, !!(first_flags & SG_SEEN_CONN),
			!!(first_flags & SG_SEEN_REQUEST), first_ns);
	return t;
}

/* Observed rate of a kind over the violation window, per 1000 s. */
static __always_inline __u32 sg_observed_milli(const struct sg_track *t,
					       __u32 kind, __u32 now_ms)
{
	__u32 elapsed = now_ms - t->window_start_ms;
	__u64 n, v;

	if (kind == SG_BUDGET_PACKET)
		n = t->window_packets;
	else if (kind == SG_BUDGET_CONN || kind == SG_BUDGET_QUOTA)
		n = t->window_conns;
	else
		n = t->window_requests;
	if (!elapsed)
		elapsed = 1;
	v = n * 1000000ULL / elapsed;
	return v > 0xffffffffULL ? 0xffffffffU : (__u32)v;
}

/*
 * Is the observed rate flagrant enough to ban (min_excess)? A factor of 1
 * bans at any excess, as before min_excess existed.
 */
static __always_inline int sg_flagrant(const struct sg_config *cfg,
				       __u32 observed_milli, __u32 limit_milli)
{
	return cfg->min_excess_milli <= 1000 ||
	       (__u64)observed_milli * 1000 >=
		       (__u64)limit_milli * cfg->min_excess_milli;
}

/*
 * One more violation of t's budget `kind`: after `after` of them within
 * the window, ban the prefix when its rate is flagrant, else mark it as
 * limited (once a window). Monitor mode marks a would-ban the same way.
 */
static __always_inline void sg_violation(const struct sg_config *cfg,
					 struct sg_track *t,
					 struct sg_ban_request *req,
					 const struct sg_budget *b, __u32 kind,
					 const struct sg_ask *ask)
{
	__u32 now_ms = ask->now / SG_NS_PER_MS;

	if (t->violations != SG_TRACK_VIOLATIONS_MAX)
		t->violations++;
	if (!cfg->ban_after || t->violations < cfg->ban_after ||
	    (t->flags & SG_TRACK_WOULD_BANNED))
		return;
	req->observed_milli = sg_observed_milli(t, kind, now_ms);
	req->limit_milli = sg_budget_milli(&b[kind]);
	if (ask->no_ban ||
	    !sg_flagrant(cfg, req->observed_milli, req->limit_milli)) {
		if (t->flags & SG_TRACK_LIMITED)
			return;
		t->flags |= SG_TRACK_LIMITED;
		if (req->budget_index < SG_BUDGETS)
			sg_stat_add(SG_STAT_LIMITED_FIRST + req->budget_index);
		sg_emit_event(cfg, req, 0, 0, SG_EVENT_LIMITED, ask->now);
		return;
	}
	if (cfg->mode == SG_MODE_ENFORCE)
		t->violations = 0;
	else
		t->flags |= SG_TRACK_WOULD_BANNED;
	sg_ban(cfg, req, ask->now);
}

/* Fleet mode: a heavy source's frames go to the daemon's report. */
static __always_inline void sg_fleet_report(const struct sg_config *cfg,
					    const struct sg_prefix_key *key,
					    const struct sg_track *t,
					    const struct sg_ask *ask)
{
	struct sg_fleet_hits zero = {}, *hits;
	__u32 conn = 0, request = 0;

	if (ask->new_conn && cfg->fleet_report[SG_BUDGET_CONN] &&
	    t->window_conns >= cfg->fleet_report[SG_BUDGET_CONN])
		conn = 1;
	if (ask->request && cfg->fleet_report[SG_BUDGET_REQUEST] &&
	    t->window_requests >= cfg->fleet_report[SG_BUDGET_REQUEST])
		request = 1;
	if (!conn && !request)
		return;
	hits = bpf_map_lookup_elem(&sg_fleet_hits, key);
	if (!hits) {
		if (bpf_map_update_elem(&sg_fleet_hits, key, &zero,
					BPF_NOEXIST) == -E2BIG)
			sg_stat_add(SG_STAT_FLEET_HITS_FULL);
		hits = bpf_map_lookup_elem(&sg_fleet_hits, key);
		if (!hits)
			return;
	}
	if (conn)
		__sync_fetch_and_add(&hits->hits[SG_BUDGET_CONN], 1);
	if (request)
		__sync_fetch_and_add(&hits->hits[SG_BUDGET_REQUEST], 1);
}

#endif /* SLOTGUARD_TRACK_H */
