// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard explain` against the real program: before every frame of a
 * long mixed run (connections and requests from sources that are
 * allowed, denied, banned by hand, banned by the program as they go, in a
 * limit set with member budgets, behind a shared subnet, IPv4 and IPv6),
 * the core's prediction (sg_explain, sg_explain_next) must name the
 * verdict and the reason the program then gives. A prediction that reads
 * a budget in the wrong units, skips a level that is off, or orders the
 * checks differently fails here on the first frame it gets wrong.
 */
#include <stdio.h>
#include <netinet/in.h>
#include "harness.h"
#include "limits_common.h"
#include "core/explain.h"

#define SET_A	4 /* a named limit set */
#define PSH_ACK (SG_TH_PSH | SG_TH_ACK)

static const char *const sources[] = {
	"10.1.0.5",	 /* allowed */
	"10.2.0.5",	 /* denied */
	"10.3.0.9",	 /* banned /32 (hash, source level) */
	"10.4.1.9",	 /* in a banned /23 (LPM, an odd length) */
	"10.5.0.1",	 /* limit set member */
	"10.5.0.2",	 /* another member: the shared budget */
	"10.6.0.1",	 /* plain sources sharing a /24 */
	"10.6.0.2",	 /*   ... */
	"10.6.0.3",	 /*   ... */
	"10.7.0.1",	 /* a plain source alone */
	"2001:db8:6::1", /* IPv6, sharing a /64 */
	"2001:db8:6::2", /*   ... */
	"2001:db8:9::1", /* IPv6 in a banned /47 */
	"2001:db8:a::1", /* IPv6 allowed */
};
#define N_SOURCES (sizeof(sources) / sizeof(sources[0]))

static __u32 lcg(__u32 *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

static void explain_config(struct sg_h *h)
{
	struct sg_budget shared[SG_BUDGET_KIND_COUNT] = {};
	struct sg_budget member[SG_BUDGET_KIND_COUNT] = {};
	struct sg_config *c = &h->cfg;

	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(2, SEC, 3);
	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_PACKET] = sg_h_budget(4, SEC, 5);
	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_REQUEST] = sg_h_budget(1, SEC, 2);
	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_REQUEST_QUOTA] =
		sg_h_budget(20, 60 * SEC, 6);
	c->budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] = sg_h_budget(4, SEC, 5);
	c->budget[SG_LEVEL_SUBNET][SG_BUDGET_QUOTA] =
		sg_h_budget(30, 60 * SEC, 12);
	c->ban_after = 4;
	c->ban_time_ns = 3 * SEC;
	shared[SG_BUDGET_CONN] = sg_h_budget(3, SEC, 4);
	member[SG_BUDGET_CONN] = sg_h_budget(1, SEC, 2);
	member[SG_BUDGET_REQUEST] = sg_h_budget(2, SEC, 3);
	sg_h_set(h, SET_A, SG_SET_LIMIT, SG_SET_MEMBER_BUDGETS, shared, member);
}

/* Predict the next frame of src, send it, and compare. */
static bool predict_and_send(struct sg_h *h, const char *src, bool request,
			     __u32 ack)
{
	struct sg_explain_outcome o;
	struct sg_explain e;
	struct sg_h_hit r;
	struct sg_cidr a;

	if (sg_h_cidr(src, &a) || sg_explain(&h->st, &a, &e)) {
		fprintf(stderr, "explain %s failed\n", src);
		return false;
	}
	o = sg_explain_next(&e, NULL, !request, request);
	r = request ? sg_h_send_data(h, src, TCP_PORT, PSH_ACK, ack, ack, 200)
		    : syn(h, src);
	if (o.drop ? !sg_h_dropped(h, r, o.reason)
		   : !sg_h_passed(r, o.reason)) {
		fprintf(stderr,
			"%s %s: explain said %s reason %u (budget kind %d), "
			"the program reason %u\n",
			src, request ? "request" : "SYN",
			o.drop ? "drop" : "pass", o.reason, o.kind, r.reason);
		return false;
	}
	return true;
}

SG_TEST(explain_predicts_every_verdict_of_a_mixed_run)
{
	unsigned int i;
	struct sg_h h SG_H_AUTO = {};
	__u32 rnd = 7, ack = 1000;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	explain_config(&h);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "10.1.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "2001:db8:a::/48"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.2.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "10.5.0.0/16"));
	ASSERT_OK(sg_h_ban_add(&h, "10.3.0.9/32", 3600 * SEC));
	ASSERT_OK(sg_h_ban_add(&h, "10.4.0.0/23", 3600 * SEC));
	ASSERT_OK(sg_h_ban_add(&h, "2001:db8:8::/47", 3600 * SEC));
	for (i = 0; i < 4000; i++) {
		const char *src = sources[lcg(&rnd) % N_SOURCES];
		bool request = lcg(&rnd) % 3 == 0;

		sg_test_context("frame %u from %s", i, src);
		ASSERT_TRUE(predict_and_send(&h, src, request, ack += 1000));
		/* Mostly a burst, now and then a pause that refills. */
		if (lcg(&rnd) % 4 == 0)
			ASSERT_OK(sg_h_advance(&h, (lcg(&rnd) % 900) * MSEC));
	}
	sg_test_context(NULL);
	/* The run must have reached every kind of verdict it claims to. */
	{
		struct sg_h_snap s;
		static const unsigned int want[] = {
			SG_REASON_ALLOWLIST,	    SG_REASON_DENYLIST,
			SG_REASON_BANNED,	    SG_REASON_WITHIN_BUDGET,
			SG_REASON_CONN_RATE,	    SG_REASON_REQUEST_RATE,
			SG_REASON_SUBNET_CONN_RATE, SG_REASON_SET_LIMIT,
			SG_REASON_PACKET_RATE,
		};
		__u64 n;

		ASSERT_OK(sg_h_snap(&h, &s));
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			sg_test_context("reason %u", want[i]);
			n = s.c[SG_VERDICT_PASS][want[i]].packets +
			    s.c[SG_VERDICT_DROP][want[i]].packets;
			ASSERT_TRUE(n > 0);
		}
		sg_test_context(NULL);
	}
	return true;
}

/*
 * Budgets taken away (a reload without [subnet] budgets): the tracking
 * state they left behind is never a reason again, in the prediction as in
 * the program.
 */
SG_TEST(explain_after_subnet_budgets_are_removed)
{
	struct sg_h h SG_H_AUTO = {};
	__u32 ack = 5000;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 2);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 6; i++) {
		sg_test_context("SYN %d", i);
		ASSERT_TRUE(predict_and_send(&h, "192.0.2.10", false, 0));
	}
	memset(&h.cfg.budget[SG_LEVEL_SUBNET], 0,
	       sizeof(h.cfg.budget[SG_LEVEL_SUBNET]));
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 6; i++) {
		sg_test_context("after, SYN %d", i);
		ASSERT_TRUE(predict_and_send(&h, "192.0.2.11", false, 0));
		ASSERT_TRUE(
			predict_and_send(&h, "192.0.2.11", true, ack += 1000));
	}
	sg_test_context(NULL);
	return true;
}
