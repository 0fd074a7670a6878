// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * slotguard's XDP program: per-source budgets for booking traffic at the NIC.
 * Order per frame (DESIGN.md): parse, protected service?, allowlist,
 * denylist, ban, budgets at source and subnet level, service ceiling.
 * Everything tunable is read from sg_config at run time; nothing reloads.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"
#include "slotguard_maps.bpf.h"
#include "parse.h"
#include "limits.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void sg_count(struct xdp_md *ctx, __u32 verdict,
				     __u32 reason, __u64 bytes)
{
	__u32 ifindex = ctx->ingress_ifindex;
	struct sg_counter *c;
	__u32 slot = 0, idx;
	__u32 *s;

	if (ifindex < SG_IFINDEX_MAX) {
		s = bpf_map_lookup_elem(&sg_ifslots, &ifindex);
		if (s && *s < SG_MAX_IFACES)
			slot = *s;
	}
	idx = sg_counter_index(slot, verdict, reason);
	c = bpf_map_lookup_elem(&sg_counters, &idx);
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void sg_trace_parse(const struct sg_pkt *p, __u32 reason,
					   __u32 verdict)
{
	struct sg_trace *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&sg_trace, &zero);
	if (!t)
		return;
	t->count++;
	t->reason = reason;
	t->verdict = verdict;
	t->sport = p->sport;
	t->dport = p->dport;
	t->family = p->family;
	t->proto = p->proto;
	t->frag = p->frag;
	t->vlans = p->vlans;
	t->tcp_flags = p->tcp_flags;
	t->new_conn =
		p->quic_initial ||
		(p->proto == IPPROTO_TCP &&
		 (p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN);
	__builtin_memcpy(t->src, p->src, 16);
	__builtin_memcpy(t->dst, p->dst, 16);
}

/* Count the frame, apply monitor mode, return the XDP action. */
static __always_inline int sg_finish(struct xdp_md *ctx,
				     const struct sg_config *cfg,
				     const struct sg_pkt *p, __u64 bytes,
				     __u32 reason, int drop)
{
	__u32 verdict = SG_VERDICT_PASS;

	if (drop)
		verdict = cfg->mode == SG_MODE_ENFORCE ? SG_VERDICT_DROP
						       : SG_VERDICT_WOULD_DROP;
	sg_count(ctx, verdict, reason, bytes);
	if (cfg->flags & SG_FLAG_TRACE_PARSE)
		sg_trace_parse(p, reason, verdict);
	return verdict == SG_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

static __always_inline int sg_list_has(const struct sg_config *cfg, __u32 list,
				       const struct sg_pkt *p)
{
	struct sg_lpm_v6_key k6;
	struct sg_lpm_v4_key k4;
	void *inner;

	/* An empty list costs no walk (a spoofed flood meets one per frame). */
	if (!(cfg->flags & SG_FLAG_LIST_NONEMPTY(list, p->family & 1)))
		return 0;

	if (p->family == SG_FAMILY_V4) {
		inner = bpf_map_lookup_elem(&sg_lists_v4, &list);
		if (!inner)
			return 0;
		k4.prefixlen = 32;
		__builtin_memcpy(k4.addr, p->src, 4);
		return bpf_map_lookup_elem(inner, &k4) != NULL;
	}
	inner = bpf_map_lookup_elem(&sg_lists_v6, &list);
	if (!inner)
		return 0;
	k6.prefixlen = 128;
	__builtin_memcpy(k6.addr, p->src, 16);
	return bpf_map_lookup_elem(inner, &k6) != NULL;
}

/* Is the destination inside the service's protected prefixes? */
static __always_inline int sg_dst_protected(__u32 service,
					    const struct sg_pkt *p)
{
	struct sg_dst_v6_key k6;
	struct sg_dst_v4_key k4;

	if (p->family == SG_FAMILY_V4) {
		k4.prefixlen = 64;
		k4.service = service;
		__builtin_memcpy(k4.addr, p->dst, 4);
		return bpf_map_lookup_elem(&sg_dst_v4, &k4) != NULL;
	}
	k6.prefixlen = 160;
	k6.service = service;
	__builtin_memcpy(k6.addr, p->dst, 16);
	return bpf_map_lookup_elem(&sg_dst_v6, &k6) != NULL;
}

/* The sg_ports entry of the protected service the frame is for, or NULL. */
static __always_inline struct sg_port *sg_port_of(const struct sg_pkt *p)
{
	struct sg_port *port;
	__u32 key;

	if (!p->has_ports)
		return NULL;
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return NULL;
	key = sg_port_key(p->proto == IPPROTO_UDP, p->dport);
	port = bpf_map_lookup_elem(&sg_ports, &key);
	if (!port || !port->service)
		return NULL;
	if ((port->flags & SG_SERVICE_DST_RESTRICTED) &&
	    !sg_dst_protected(port->service - 1, p))
		return NULL;
	return port;
}

/* Find or make the tracking entry of the source's prefix at one level. */
static __always_inline struct sg_track *
sg_track_get(const struct sg_config *cfg, const struct sg_pkt *p, __u32 level,
	     struct sg_track_key *key)
{
	struct sg_track zero = {}, *t;
	__u32 plen;

	plen = cfg->prefix_len[p->family & 1][level & 1];
	if (p->family == SG_FAMILY_V6 && plen > SG_TRACK_V6_PREFIX_MAX)
		plen = SG_TRACK_V6_PREFIX_MAX; /* config refuses it anyway */
	key->family = p->family;
	key->prefixlen = plen;
	key->level = level;
	key->pad0 = 0;
	sg_mask_addr(key->addr, p->src, plen, SG_TRACK_ADDR_LEN);
	t = bpf_map_lookup_elem(&sg_track, key);
	if (t)
		return t;
	bpf_map_update_elem(&sg_track, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sg_track, key);
}

/* Observed rate over the violation window, per 1000 s. */
static __always_inline __u32 sg_observed_milli(const struct sg_track *t,
					       __u32 kind, __u32 now_ms)
{
	__u32 elapsed = now_ms - t->window_start_ms;
	__u64 n = kind == SG_BUDGET_PACKET ? t->window_packets
					   : t->window_conns;
	__u64 v;

	if (!elapsed)
		elapsed = 1;
	v = n * 1000000ULL / elapsed;
	return v > 0xffffffffULL ? 0xffffffffU : (__u32)v;
}

/*
 * Charge one level's budgets. Returns SG_REASON_WITHIN_BUDGET, a budget
 * reason, or SG_REASON_UNTRACKED. Violations within the window ban the
 * level's prefix. Counters in the entry are plain adds: approximate under
 * contention, which `top` can live with.
 */
__noinline __u32 sg_charge_level(const struct sg_config *cfg,
				 const struct sg_pkt *p, __u32 level,
				 int new_conn, __u64 now)
{
	struct sg_ban_request req = {};
	__u32 now_ms = now / SG_NS_PER_MS;
	__u32 kind = SG_BUDGET_KIND_COUNT;
	const struct sg_budget *b;
	struct sg_track *t;

	if (!cfg || !p)
		return SG_REASON_UNTRACKED;
	b = cfg->budget[level & 1];
	t = sg_track_get(cfg, p, level, &req.key);
	if (!t)
		return SG_REASON_UNTRACKED;
	t->packets++;
	if ((__u64)(now_ms - t->window_start_ms) * SG_NS_PER_MS >
	    cfg->ban_window_ns) {
		t->window_start_ms = now_ms;
		t->window_packets = 0;
		t->window_conns = 0;
		t->violations = 0;
	}
	t->window_packets++;
	if (new_conn) {
		t->conns++;
		t->window_conns++;
	}

	if (sg_gcra_over(&t->tat[SG_BUDGET_PACKET], &b[SG_BUDGET_PACKET], now))
		kind = SG_BUDGET_PACKET;
	else if (new_conn &&
		 sg_gcra_over(&t->tat[SG_BUDGET_CONN], &b[SG_BUDGET_CONN], now))
		kind = SG_BUDGET_CONN;
	else if (new_conn && sg_gcra_over(&t->tat[SG_BUDGET_QUOTA],
					  &b[SG_BUDGET_QUOTA], now))
		kind = SG_BUDGET_QUOTA;
	if (kind == SG_BUDGET_KIND_COUNT)
		return SG_REASON_WITHIN_BUDGET;

	t->drops++;
	req.budget_index = (level & 1) * SG_BUDGET_KIND_COUNT + kind;
	req.reason = SG_REASON_BUDGET_FIRST + req.budget_index;
	if (t->violations & SG_TRACK_WOULD_BANNED)
		return req.reason; /* monitor: one would-ban per window */
	t->violations++;
	if (cfg->ban_after && t->violations >= cfg->ban_after) {
		t->violations = cfg->mode == SG_MODE_ENFORCE
					? 0
					: SG_TRACK_WOULD_BANNED;
		req.observed_milli = sg_observed_milli(t, kind, now_ms);
		req.limit_milli = sg_budget_milli(&b[kind]);
		sg_ban(cfg, &req, now);
	}
	return req.reason;
}

/* The whole-service ceiling on new connections. */
static __always_inline int sg_ceiling_over(const struct sg_port *port,
					   __u64 now)
{
	__u32 index = port->service - 1;
	struct sg_service_state *st;
	struct sg_service *svc;

	svc = bpf_map_lookup_elem(&sg_services, &index);
	if (!svc || !svc->ceiling.interval_ns)
		return 0;
	st = bpf_map_lookup_elem(&sg_svc_state, &index);
	return st && sg_gcra_over(&st->conn_tat, &svc->ceiling, now);
}

static __always_inline struct sg_vcache_entry *
sg_vcache_slot(const struct sg_pkt *p)
{
	const __u64 *a = (const __u64 *)p->src;
	__u64 h = (a[0] ^ a[1]) * 0x9e3779b97f4a7c15ULL;
	__u32 slot = (h >> 40) & (SG_VCACHE_SLOTS - 1);

	return bpf_map_lookup_elem(&sg_vcache, &slot);
}

/* The cached verdict for this source, or SG_VCACHE_EMPTY. */
static __always_inline __u32 sg_vcache_get(const struct sg_vcache_entry *e,
					   const struct sg_config *cfg,
					   const struct sg_pkt *p)
{
	const __u64 *a = (const __u64 *)p->src;

	if (!e || e->generation != cfg->generation || e->family != p->family ||
	    e->addr[0] != a[0] || e->addr[1] != a[1])
		return SG_VCACHE_EMPTY;
	return e->verdict;
}

static __always_inline void sg_vcache_put(struct sg_vcache_entry *e,
					  const struct sg_config *cfg,
					  const struct sg_pkt *p, __u32 verdict,
					  __u64 until_ns)
{
	const __u64 *a = (const __u64 *)p->src;

	if (!e)
		return;
	e->generation = cfg->generation;
	e->until_ns = until_ns;
	e->addr[0] = a[0];
	e->addr[1] = a[1];
	e->family = p->family;
	e->verdict = verdict;
}

static __always_inline __u64 sg_now(const struct sg_config *cfg)
{
	__u64 now = cfg->time_offset_ns;

	if (!(cfg->flags & SG_FLAG_FIXED_CLOCK))
		now += bpf_ktime_get_coarse_ns();
	return now;
}

static __always_inline int sg_is_new_conn(const struct sg_pkt *p,
					  const struct sg_port *port)
{
	if (p->proto == IPPROTO_TCP)
		return (p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN;
	return (port->flags & SG_SERVICE_QUIC) && p->quic_initial;
}

SEC("xdp")
int slotguard_xdp(struct xdp_md *ctx)
{
	/*
	 * Pointer subtraction (and the parser's variable-offset packet
	 * pointers) need CAP_PERFMON at load time; slotguard run has it then.
	 */
	__u64 bytes = (__u64)((long)ctx->data_end - (long)ctx->data);
	struct sg_vcache_entry *cache;
	struct sg_port *port = NULL;
	struct sg_config *cfg;
	struct sg_ban *ban;
	__u32 cached;
	struct sg_pkt pkt = {}; /* initialised: a global func reads it */
	__u32 zero = 0, reason;
	int new_conn;
	__u64 now;

	cfg = bpf_map_lookup_elem(&sg_config, &zero);
	if (!cfg)
		return XDP_PASS;
	reason = sg_parse_frame(ctx, &pkt);
	if (reason)
		return sg_finish(ctx, cfg, &pkt, bytes, reason, 0);

	/*
	 * A non-first fragment has no ports, so it cannot be matched to a
	 * service and cannot open a connection: it is never charged, but the
	 * source-wide verdicts (allow, deny, ban) still apply to it.
	 */
	if (pkt.frag != SG_FRAG_LATER) {
		port = sg_port_of(&pkt);
		if (!port)
			return sg_finish(ctx, cfg, &pkt, bytes,
					 SG_REASON_UNPROTECTED, 0);
	}
	/* Policy verdicts first from the per-CPU cache, then from the maps. */
	cache = sg_vcache_slot(&pkt);
	cached = sg_vcache_get(cache, cfg, &pkt);
	if (cached == SG_VCACHE_ALLOW)
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_ALLOWLIST, 0);
	if (cached == SG_VCACHE_DENY)
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_DENYLIST, 1);
	now = sg_now(cfg);
	if (cached == SG_VCACHE_BANNED && now < cache->until_ns)
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_BANNED, 1);

	if (sg_list_has(cfg, SG_LIST_ALLOW, &pkt)) {
		sg_vcache_put(cache, cfg, &pkt, SG_VCACHE_ALLOW, 0);
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_ALLOWLIST, 0);
	}
	if (sg_list_has(cfg, SG_LIST_DENY, &pkt)) {
		sg_vcache_put(cache, cfg, &pkt, SG_VCACHE_DENY, 0);
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_DENYLIST, 1);
	}
	ban = sg_ban_find(&pkt, now);
	if (ban) {
		sg_vcache_put(cache, cfg, &pkt, SG_VCACHE_BANNED,
			      ban->until_ns);
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_BANNED, 1);
	}
	if (!port)
		return sg_finish(ctx, cfg, &pkt, bytes, SG_REASON_FRAGMENT, 0);

	new_conn = sg_is_new_conn(&pkt, port);
	reason = sg_charge_level(cfg, &pkt, SG_LEVEL_SOURCE, new_conn, now);
	if (reason == SG_REASON_WITHIN_BUDGET)
		reason = sg_charge_level(cfg, &pkt, SG_LEVEL_SUBNET, new_conn,
					 now);
	if (reason == SG_REASON_WITHIN_BUDGET && new_conn &&
	    sg_ceiling_over(port, now))
		reason = SG_REASON_SERVICE_CEILING;
	return sg_finish(ctx, cfg, &pkt, bytes, reason,
			 reason != SG_REASON_WITHIN_BUDGET &&
				 reason != SG_REASON_UNTRACKED);
}
