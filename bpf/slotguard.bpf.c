// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * slotguard's XDP program: per-source budgets for booking traffic at the NIC.
 * Order per frame (DESIGN.md): parse, protected service?, allow sets, deny
 * sets, bans, limit sets, budgets at source and subnet level, service
 * ceiling. Everything tunable is read from maps at run time; nothing reloads.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"
#include "slotguard_maps.bpf.h"
#include "parse.h"
#include "budget.h"
#include "bans.h"
#include "track.h"
#include "sets.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* What the end of the program needs to know about the frame. */
struct sg_frame {
	__u64 bytes;
	__u32 service;	    /* counter service slot: index + 1, 0: none */
	__u32 set;	    /* set the source is in, SG_TRACE_NO_SET: none */
	__u32 request_slot; /* sg_recent_requests slot, with: */
	__u32 request_fp;   /* fingerprint to remember if it passes; 0: none */
	struct sg_ask ask;
};

static __always_inline void sg_count(struct xdp_md *ctx,
				     const struct sg_frame *fr, __u32 verdict,
				     __u32 reason)
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
	idx = sg_counter_index(slot, fr->service, verdict, reason);
	c = bpf_map_lookup_elem(&sg_counters, &idx);
	if (c) {
		c->packets++;
		c->bytes += fr->bytes;
	}
	if (fr->set >= SG_MAX_SETS)
		return;
	idx = sg_set_counter_index(fr->set, verdict);
	c = bpf_map_lookup_elem(&sg_set_counters, &idx);
	if (c) {
		c->packets++;
		c->bytes += fr->bytes;
	}
}

static __always_inline void sg_trace_parse(const struct sg_pkt *p,
					   const struct sg_frame *fr,
					   __u32 reason, __u32 verdict)
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
	t->request = fr->ask.request;
	t->set = fr->set;
	t->payload_len = p->payload_len;
	__builtin_memcpy(t->src, p->src, 16);
	__builtin_memcpy(t->dst, p->dst, 16);
}

/* Count the frame, apply monitor mode, return the XDP action. */
static __always_inline int sg_finish(struct xdp_md *ctx,
				     const struct sg_config *cfg,
				     const struct sg_pkt *p,
				     const struct sg_frame *fr, __u32 reason,
				     int drop)
{
	__u32 verdict = SG_VERDICT_PASS, slot;
	__u32 *recent;

	if (drop)
		verdict = cfg->mode == SG_MODE_ENFORCE ? SG_VERDICT_DROP
						       : SG_VERDICT_WOULD_DROP;
	sg_count(ctx, fr, verdict, reason);
	/* A request that got through: its retransmission is not another. */
	if (fr->request_fp && verdict != SG_VERDICT_DROP) {
		slot = fr->request_slot;
		recent = bpf_map_lookup_elem(&sg_recent_requests, &slot);
		if (recent)
			*recent = fr->request_fp;
	}
	if (cfg->flags & SG_FLAG_TRACE_PARSE)
		sg_trace_parse(p, fr, reason, verdict);
	return verdict == SG_VERDICT_DROP ? XDP_DROP : XDP_PASS;
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

/*
 * Charge one level's budgets. Returns SG_REASON_WITHIN_BUDGET, a budget
 * reason, or SG_REASON_UNTRACKED. A member of a set with member budgets is
 * charged those at the source level instead of [source]'s.
 */
__noinline __u32 sg_charge_level(const struct sg_config *cfg,
				 const struct sg_pkt *p,
				 const struct sg_ask *ask, __u32 level)
{
	struct sg_ban_request req = {};
	const struct sg_budget *b;
	struct sg_set_conf *conf;
	struct sg_prefix_key key;
	struct sg_ask a;
	struct sg_track *t;
	__u32 kind, id;
	int first;

	if (!cfg || !p || !ask)
		return SG_REASON_UNTRACKED;
	a = *ask;
	level &= 1;
	b = cfg->budget[level];
	if (level == SG_LEVEL_SOURCE && a.member_budgets) {
		id = a.set;
		conf = bpf_map_lookup_elem(&sg_set_conf, &id);
		if (conf)
			b = conf->member_budget;
	}
	if (level != SG_LEVEL_SOURCE)
		a.no_ban = 0; /* member_ban concerns the member's own prefix */
	sg_level_key(cfg, p->family, p->src, level, level, &key);
	t = sg_track_get(cfg, &key, b, &a, &first, 0);
	if (!t)
		return first ? SG_REASON_WITHIN_BUDGET : SG_REASON_UNTRACKED;
	sg_track_account(t, cfg, a.new_conn, a.request, a.now);
	if (a.signature)
		t->signatures |= 1U << ((a.signature - 1) & 15);
	kind = sg_track_charge(t, b, a.new_conn, a.request, a.now);
	if (kind >= SG_BUDGET_KIND_COUNT) {
		sg_fleet_report(cfg, &key, t, &a);
		return SG_REASON_WITHIN_BUDGET;
	}
	req.key = key;
	req.key.level = 0;
	req.level = level;
	req.budget_index = level * SG_BUDGET_KIND_COUNT + kind;
	req.reason = SG_REASON_BUDGET_FIRST + req.budget_index;
	sg_violation(cfg, t, &req, b, kind, &a);
	return req.reason;
}

/*
 * A member of a limit set with ban_member was dropped for the set's
 * budget `kind`: a violation of its own source prefix, which `after` of
 * them ban (flagrant ones only, and never with member_ban = no).
 */
__noinline int sg_set_member_over(const struct sg_config *cfg,
				  const struct sg_pkt *p,
				  const struct sg_ask *ask, __u32 kind)
{
	struct sg_ban_request req = {};
	struct sg_set_conf *conf;
	struct sg_prefix_key key;
	struct sg_track *t;
	__u32 id;
	int first;

	if (!cfg || !p || !ask || kind >= SG_BUDGET_KIND_COUNT)
		return 0;
	id = ask->set;
	conf = bpf_map_lookup_elem(&sg_set_conf, &id);
	if (!conf)
		return 0;
	sg_level_key(cfg, p->family, p->src, SG_LEVEL_SOURCE, SG_LEVEL_SOURCE,
		     &key);
	t = sg_track_get(cfg, &key,
			 ask->member_budgets ? conf->member_budget
					     : cfg->budget[SG_LEVEL_SOURCE],
			 ask, &first, 1);
	if (!t)
		return 0;
	sg_track_account(t, cfg, ask->new_conn, ask->request, ask->now);
	req.key = key;
	req.key.level = 0;
	req.level = SG_LEVEL_SOURCE;
	req.budget_index = SG_BUDGETS;
	req.reason = SG_REASON_SET_LIMIT;
	req.set = ask->set;
	/* A bound the verifier keeps through the spills above. */
	asm volatile("%0 &= 7" : "+r"(kind));
	if (kind >= SG_BUDGET_KIND_COUNT)
		return 0;
	sg_violation(cfg, t, &req, conf->budget, kind, ask);
	return 0;
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
					   const struct sg_pkt *p, __u64 now)
{
	const __u64 *a = (const __u64 *)p->src;

	if (!e || e->generation != cfg->generation || e->family != p->family ||
	    e->addr[0] != a[0] || e->addr[1] != a[1])
		return SG_VCACHE_EMPTY;
	if (e->verdict == SG_VCACHE_BANNED && now >= e->until_ns)
		return SG_VCACHE_EMPTY;
	return e->verdict;
}

static __always_inline void sg_vcache_put(struct sg_vcache_entry *e,
					  const struct sg_config *cfg,
					  const struct sg_pkt *p, __u32 verdict,
					  __u32 set, __u64 until_ns)
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
	e->set = set;
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

/*
 * A request: a client-to-server TCP segment with payload and PSH (the end
 * of an application write) that is the first such segment since the
 * server last sent the client data, i.e. with an acknowledgment number
 * not seen before on that connection. A request follows the previous
 * response; the PSH segments of one upload share one acknowledgment
 * number and count once; so does a retransmission of a request that
 * passed. docs/INTERNALS.md says why and where it falls short.
 */
static __always_inline void sg_request(const struct sg_config *cfg,
				       const struct sg_pkt *p,
				       struct sg_frame *fr)
{
	const __u64 *a = (const __u64 *)p->src;
	__u32 slot, fp, *recent;
	__u64 h;

	if (p->proto != IPPROTO_TCP || !p->payload_len ||
	    !(p->tcp_flags & SG_TCP_PSH))
		return;
	h = a[0] ^ (a[1] * 0x9e3779b97f4a7c15ULL) ^
	    ((__u64)p->sport << 48 | (__u64)p->dport << 32 | p->tcp_ack) ^
	    cfg->hash_seed;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	slot = h & (SG_RECENT_REQUEST_SLOTS - 1);
	fp = (__u32)(h >> 32) | 1;
	recent = bpf_map_lookup_elem(&sg_recent_requests, &slot);
	if (recent && *recent == fp)
		return; /* the same request, or more of it */
	fr->request_slot = slot;
	fr->request_fp = fp;
	fr->ask.request = 1;
}

/* 1 + a bit for the SYN's stack: TTL, window and header length. */
static __always_inline __u8 sg_syn_signature(const struct sg_pkt *p)
{
	__u32 x = p->ttl | (__u32)p->tcp_window << 8 | (__u32)p->tcp_doff << 24;

	return (__u8)(((x * 0x9e3779b1U) >> 28) + 1);
}

/* Set, ban and cache: the policy class of the source for this frame. */
static __always_inline __u32 sg_policy(const struct sg_config *cfg,
				       const struct sg_pkt *p,
				       struct sg_frame *fr)
{
	struct sg_vcache_entry *cache = sg_vcache_slot(p);
	__u32 class = sg_vcache_get(cache, cfg, p, fr->ask.now);
	__u16 set = SG_TRACE_NO_SET;
	struct sg_ban *ban;
	int fresh = 0;

	if (class != SG_VCACHE_EMPTY) {
		fr->set = cache->set;
		if (class != SG_VCACHE_CLEAR && class != SG_VCACHE_MEMBER)
			return class;
	} else {
		fresh = 1;
		class = sg_set_class(cfg, p, &set);
		if (class == SG_VCACHE_CLEAR)
			set = SG_TRACE_NO_SET;
		fr->set = set;
		if (class == SG_VCACHE_ALLOW || class == SG_VCACHE_DENY) {
			sg_vcache_put(cache, cfg, p, class, set, 0);
			return class;
		}
	}
	ban = sg_ban_find(cfg, p, fr->ask.now);
	if (ban) {
		sg_vcache_put(cache, cfg, p, SG_VCACHE_BANNED, fr->set,
			      ban->until_ns);
		return SG_VCACHE_BANNED;
	}
	if (fresh)
		sg_vcache_put(cache, cfg, p, class, fr->set, 0);
	return class;
}

/* Budgets: the limit set's, then the source's and the subnet's. */
static __always_inline __u32 sg_budgets(const struct sg_config *cfg,
					const struct sg_pkt *p,
					const struct sg_port *port,
					struct sg_frame *fr, __u32 class)
{
	struct sg_ask *ask = &fr->ask;
	struct sg_set_conf *conf;
	__u32 reason, kind, id;

	ask->new_conn = sg_is_new_conn(p, port);
	if (ask->new_conn && p->proto == IPPROTO_TCP)
		ask->signature = sg_syn_signature(p);
	sg_request(cfg, p, fr);
	if (class == SG_VCACHE_MEMBER) {
		id = fr->set;
		conf = bpf_map_lookup_elem(&sg_set_conf, &id);
		if (conf) {
			ask->set = id;
			ask->member_budgets =
				!!(conf->flags & SG_SET_MEMBER_BUDGETS);
			ask->no_ban = !!(conf->flags & SG_SET_MEMBER_NO_BAN);
			kind = sg_set_charge(cfg, conf, ask);
			if (kind < SG_BUDGET_KIND_COUNT) {
				if (conf->flags & SG_SET_BAN_MEMBER)
					sg_set_member_over(cfg, p, ask, kind);
				return SG_REASON_SET_LIMIT;
			}
		}
	}
	reason = SG_REASON_WITHIN_BUDGET;
	if ((cfg->flags & SG_FLAG_LEVEL_ON(SG_LEVEL_SOURCE)) ||
	    ask->member_budgets)
		reason = sg_charge_level(cfg, p, ask, SG_LEVEL_SOURCE);
	if (reason == SG_REASON_WITHIN_BUDGET &&
	    (cfg->flags & SG_FLAG_LEVEL_ON(SG_LEVEL_SUBNET)))
		reason = sg_charge_level(cfg, p, ask, SG_LEVEL_SUBNET);
	if (reason == SG_REASON_WITHIN_BUDGET && ask->new_conn &&
	    sg_ceiling_over(port, ask->now))
		reason = SG_REASON_SERVICE_CEILING;
	return reason;
}

SEC("xdp")
int slotguard_xdp(struct xdp_md *ctx)
{
	struct sg_pkt pkt = {}; /* initialised: a global func reads it */
	struct sg_frame fr = {};
	struct sg_port *port = NULL;
	struct sg_config *cfg;
	__u32 zero = 0, reason, class;

	cfg = bpf_map_lookup_elem(&sg_config, &zero);
	if (!cfg)
		return XDP_PASS;
	/*
	 * Pointer subtraction (and the parser's variable-offset packet
	 * pointers) need CAP_PERFMON at load time; slotguard run has it then.
	 */
	fr.bytes = (__u64)((long)ctx->data_end - (long)ctx->data);
	fr.set = SG_TRACE_NO_SET;
	reason = sg_parse_frame(ctx, &pkt);
	if (reason)
		return sg_finish(ctx, cfg, &pkt, &fr, reason, 0);

	/*
	 * A non-first fragment has no ports, so it cannot be matched to a
	 * service and cannot open a connection: it is never charged, but the
	 * source-wide verdicts (allow, deny, ban) still apply to it.
	 */
	if (pkt.frag != SG_FRAG_LATER) {
		port = sg_port_of(&pkt);
		if (!port)
			return sg_finish(ctx, cfg, &pkt, &fr,
					 SG_REASON_UNPROTECTED, 0);
		fr.service = port->service;
	}
	fr.ask.now = sg_now(cfg);
	class = sg_policy(cfg, &pkt, &fr);
	if (class == SG_VCACHE_ALLOW)
		return sg_finish(ctx, cfg, &pkt, &fr, SG_REASON_ALLOWLIST, 0);
	if (class == SG_VCACHE_DENY)
		return sg_finish(ctx, cfg, &pkt, &fr, SG_REASON_DENYLIST, 1);
	if (class == SG_VCACHE_BANNED)
		return sg_finish(ctx, cfg, &pkt, &fr, SG_REASON_BANNED, 1);
	if (!port)
		return sg_finish(ctx, cfg, &pkt, &fr, SG_REASON_FRAGMENT, 0);
	reason = sg_budgets(cfg, &pkt, port, &fr, class);
	return sg_finish(ctx, cfg, &pkt, &fr, reason,
			 reason != SG_REASON_WITHIN_BUDGET &&
				 reason != SG_REASON_UNTRACKED);
}
