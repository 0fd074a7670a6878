// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the data-path fuzzer expects of the program for a frame it parsed
 * itself (see datapath.h): the parse the program traces, and the verdict
 * the policy order of DESIGN.md gives under the fixed configuration.
 */
#include <string.h>
#include <netinet/in.h>
#include "slotguard.h"
#include "core/sg.h"
#include "pkt.h"
#include "datapath.h"
#include "fuzz.h"

static struct sg_cidr lists[SG_LIST_COUNT][2], udp_dst[2];

static void parse_or_die(const char *text, struct sg_cidr *out)
{
	char why[SG_ERR_LEN];

	FUZZ_ASSERT(!sg_parse_cidr(text, out, why, sizeof(why)), "%s: %s", text,
		    why);
}

void dp_policy_init(void)
{
	parse_or_die(DP_ALLOW_V4, &lists[SG_LIST_ALLOW][0]);
	parse_or_die(DP_ALLOW_V6, &lists[SG_LIST_ALLOW][1]);
	parse_or_die(DP_DENY_V4, &lists[SG_LIST_DENY][0]);
	parse_or_die(DP_DENY_V6, &lists[SG_LIST_DENY][1]);
	parse_or_die(DP_UDP_DST_V4, &udp_dst[0]);
	parse_or_die(DP_UDP_DST_V6, &udp_dst[1]);
}

static bool in_prefix(const struct sg_cidr *c, __u8 family, const __u8 *addr)
{
	unsigned int bit;

	if (c->family != family)
		return false;
	for (bit = 0; bit < c->prefixlen; bit++)
		if ((c->addr[bit / 8] ^ addr[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool in_any(const struct sg_cidr *set, __u8 family, const __u8 *addr)
{
	return in_prefix(&set[0], family, addr) ||
	       in_prefix(&set[1], family, addr);
}

bool dp_listed(unsigned int list, __u8 family, const __u8 *addr)
{
	return in_any(lists[list], family, addr);
}

bool dp_is_budget_reason(unsigned int r)
{
	return r >= SG_REASON_BUDGET_FIRST && r <= SG_REASON_SERVICE_CEILING;
}

static bool is_conn_reason(unsigned int r)
{
	return r == SG_REASON_CONN_RATE || r == SG_REASON_CONN_QUOTA ||
	       r == SG_REASON_SUBNET_CONN_RATE ||
	       r == SG_REASON_SUBNET_CONN_QUOTA ||
	       r == SG_REASON_SERVICE_CEILING;
}

/* The program's parse, as traced, is ours. */
void dp_check_parse(const struct dp_oracle *o, const struct sg_trace *t)
{
	bool new_conn = o->quic_initial ||
			(o->proto == IPPROTO_TCP &&
			 (o->tcp_flags & (SG_TH_SYN | SG_TH_ACK)) == SG_TH_SYN);

	FUZZ_ASSERT(
		t->family == o->family && t->proto == o->proto &&
			t->frag == o->frag && t->vlans == o->vlans,
		"traced family %u proto %u frag %u vlans %u, ours %u %u %u %u",
		t->family, t->proto, t->frag, t->vlans, o->family, o->proto,
		o->frag, o->vlans);
	FUZZ_ASSERT(!memcmp(t->src, o->src, 16) && !memcmp(t->dst, o->dst, 16),
		    "traced addresses differ from ours");
	FUZZ_ASSERT(t->sport == o->sport && t->dport == o->dport &&
			    t->tcp_flags == o->tcp_flags &&
			    t->new_conn == new_conn,
		    "traced ports %u>%u flags %#x new %u, ours %u>%u %#x %u",
		    t->sport, t->dport, t->tcp_flags, t->new_conn, o->sport,
		    o->dport, o->tcp_flags, new_conn);
}

/* The service the frame is for: 0 (TCP), 1 (QUIC), or -1 (none). */
static int service_of(const struct dp_oracle *o)
{
	if (!o->has_ports || o->dport != DP_TCP_PORT)
		return -1;
	if (o->proto == IPPROTO_TCP)
		return 0;
	if (o->proto == IPPROTO_UDP && in_any(udp_dst, o->family, o->dst))
		return 1;
	return -1;
}

/* Verdict and reason for a parsed frame, from the policy order. */
void dp_check_policy(const struct dp_oracle *o, unsigned int mode,
		     unsigned int verdict, unsigned int reason)
{
	unsigned int drop = mode == SG_MODE_ENFORCE ? SG_VERDICT_DROP
						    : SG_VERDICT_WOULD_DROP;
	int svc = service_of(o);
	bool new_conn;

	if (o->frag != SG_FRAG_LATER && svc < 0) {
		FUZZ_ASSERT(verdict == SG_VERDICT_PASS &&
				    reason == SG_REASON_UNPROTECTED,
			    "unprotected traffic got %s/%s",
			    sg_verdict_name(verdict), sg_reason_name(reason));
		return;
	}
	if (dp_listed(SG_LIST_ALLOW, o->family, o->src)) {
		FUZZ_ASSERT(verdict == SG_VERDICT_PASS &&
				    reason == SG_REASON_ALLOWLIST,
			    "allowlisted source got %s/%s",
			    sg_verdict_name(verdict), sg_reason_name(reason));
		return;
	}
	if (dp_listed(SG_LIST_DENY, o->family, o->src)) {
		FUZZ_ASSERT(verdict == drop && reason == SG_REASON_DENYLIST,
			    "denylisted source got %s/%s",
			    sg_verdict_name(verdict), sg_reason_name(reason));
		return;
	}
	if (reason == SG_REASON_BANNED) {
		FUZZ_ASSERT(verdict == drop, "banned source got %s",
			    sg_verdict_name(verdict));
		return;
	}
	if (o->frag == SG_FRAG_LATER) {
		FUZZ_ASSERT(verdict == SG_VERDICT_PASS &&
				    reason == SG_REASON_FRAGMENT,
			    "non-first fragment got %s/%s",
			    sg_verdict_name(verdict), sg_reason_name(reason));
		return;
	}
	FUZZ_ASSERT(reason == SG_REASON_WITHIN_BUDGET ||
			    reason == SG_REASON_UNTRACKED ||
			    dp_is_budget_reason(reason),
		    "charged frame got reason %s", sg_reason_name(reason));
	FUZZ_ASSERT(verdict == (dp_is_budget_reason(reason) ? drop
							    : SG_VERDICT_PASS),
		    "%s with reason %s", sg_verdict_name(verdict),
		    sg_reason_name(reason));
	new_conn = o->proto == IPPROTO_TCP
			   ? (o->tcp_flags & (SG_TH_SYN | SG_TH_ACK)) ==
				     SG_TH_SYN
			   : o->quic_initial;
	FUZZ_ASSERT(new_conn || !is_conn_reason(reason),
		    "no new connection, but dropped for %s",
		    sg_reason_name(reason));
	FUZZ_ASSERT(svc == 1 || reason != SG_REASON_SERVICE_CEILING,
		    "service %d has no ceiling", svc);
}
