// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Named prefix sets (issue 13) and member budgets (issue 17) on the real
 * program: the precedence of allow, deny, bans and limit sets, the longest
 * prefix between sets, a limit set's shared budget across many members,
 * member bans, budgets that replace [source] for members only, IPv4 and
 * IPv6.
 */
#include <stdio.h>
#include <netinet/in.h>
#include "harness.h"
#include "limits_common.h"

#define SET_A 2 /* the first named set id */
#define SET_B 3

static struct sg_budget conn_budget[SG_BUDGET_KIND_COUNT];

/* Budgets of one kind: new connections at per/s with this burst. */
static const struct sg_budget *conns(__u64 per, __u64 burst)
{
	memset(conn_budget, 0, sizeof(conn_budget));
	conn_budget[SG_BUDGET_CONN] = sg_h_budget(per, SEC, burst);
	return conn_budget;
}

SG_TEST(sets_precedence)
{
	struct sg_h h SG_H_AUTO = {};

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_set(&h, SET_A, SG_SET_LIMIT, 0, conns(1, 1), NULL));
	/* An allow /16 covering a deny /24 and a limit /28: allowed. */
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "10.1.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.1.2.0/24"));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "10.1.3.0/28"));
	ASSERT_TRUE(sg_h_passed(syn(&h, "10.1.2.7"), SG_REASON_ALLOWLIST));
	ASSERT_TRUE(sg_h_passed(syn(&h, "10.1.3.7"), SG_REASON_ALLOWLIST));
	ASSERT_TRUE(sg_h_passed(syn(&h, "10.1.3.7"), SG_REASON_ALLOWLIST));
	/* A deny /16 with a limit /24 inside: the longer prefix decides. */
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.9.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "10.9.9.0/24"));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.9.1.1"), SG_REASON_DENYLIST));
	ASSERT_TRUE(admitted(syn(&h, "10.9.9.1")));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.9.9.2"), SG_REASON_SET_LIMIT));
	/* Deny comes before a ban; a ban before the limit set. */
	ASSERT_OK(sg_h_ban_add(&h, "10.9.1.0/24", 3600 * SEC));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.9.1.1"), SG_REASON_DENYLIST));
	ASSERT_OK(sg_h_ban_add(&h, "10.9.9.3", 3600 * SEC));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.9.9.3"), SG_REASON_BANNED));
	/* Allow beats a ban too. */
	ASSERT_OK(sg_h_ban_add(&h, "10.1.2.0/24", 3600 * SEC));
	ASSERT_TRUE(sg_h_passed(syn(&h, "10.1.2.8"), SG_REASON_ALLOWLIST));
	/* IPv6: an allow /48 over a limit /64. */
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "2001:db8:1::/48"));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "2001:db8:1:5::/64"));
	ASSERT_TRUE(
		sg_h_passed(syn(&h, "2001:db8:1:5::9"), SG_REASON_ALLOWLIST));
	return true;
}

/*
 * One lookup, longest prefix: a member of B's /16 inside A's /8 is
 * charged to B only; equal prefixes in two sets are refused.
 */
SG_TEST(sets_longest_prefix_between_sets)
{
	struct sg_set_change ch = { .set = SET_B, .n_add = 1 };
	struct sg_set_conflict cf = {};
	struct sg_h h SG_H_AUTO = {};
	struct sg_cidr c;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_set(&h, SET_A, SG_SET_LIMIT, 0, conns(1, 2), NULL));
	ASSERT_OK(sg_h_set(&h, SET_B, SG_SET_LIMIT, 0, conns(1, 3), NULL));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "10.0.0.0/8"));
	ASSERT_OK(sg_h_list_add(&h, SET_B, "10.20.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "2001:db8::/32"));
	ASSERT_OK(sg_h_list_add(&h, SET_B, "2001:db8:20::/48"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(syn(&h, "10.20.1.1").set, SET_B);
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "10.20.1.1"), SG_REASON_SET_LIMIT));
	/* A's budget is untouched by B's members. */
	ASSERT_TRUE(admitted(syn(&h, "10.30.1.1")));
	ASSERT_EQ(syn(&h, "10.30.1.2").set, SET_A);
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "10.30.1.3"), SG_REASON_SET_LIMIT));
	/* A set's budget is one for both families: let B's fill up again. */
	ASSERT_OK(sg_h_advance(&h, 3 * SEC));
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(admitted(syn(&h, "2001:db8:20::1")));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "2001:db8:20::1"),
				 SG_REASON_SET_LIMIT));
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:30::1")));
	/* The same prefix in A and B: refused, nothing changes. */
	ASSERT_OK(sg_h_cidr("10.0.0.0/8", &c));
	ch.add = &c;
	ASSERT_EQ(sg_set_change(&h.st, &ch, &cf), -EEXIST);
	ASSERT_EQ(cf.other_set, SET_A);
	ASSERT_EQ(syn(&h, "10.40.1.1").set, SET_A);
	return true;
}

/*
 * A limit set is one source: 64 members in 64 /24s share its budget (the
 * hosting farm of the issue), and it is never banned as a whole.
 */
SG_TEST(sets_limit_shared_budget)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	struct sg_counter dropped;
	char src[32];
	int i, passed = 0;
	size_t bans;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(2, SEC, 20);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] =
		sg_h_budget(20, SEC, 100);
	h.cfg.ban_after = 3;
	h.cfg.ban_window_ns = 10 * SEC;
	h.cfg.ban_time_ns = 60 * SEC;
	h.cfg.ban_max_ns = 60 * SEC;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_set(&h, SET_A, SG_SET_LIMIT, 0, conns(10, 10), NULL));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "198.18.0.0/15"));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "198.18.%d.7", i * 3);
		sg_test_context("%s", src);
		passed += admitted(syn(&h, src));
	}
	sg_test_context(NULL);
	/* Each member is far under its own budgets: only the set's hits. */
	ASSERT_EQ(passed, 10);
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_OK(sg_h_set_counter(&h, SET_A, SG_VERDICT_DROP, &dropped));
	ASSERT_EQ(dropped.packets, 54);
	ASSERT_EQ(
		after.c[SG_VERDICT_DROP][SG_REASON_SET_LIMIT].packets -
			before.c[SG_VERDICT_DROP][SG_REASON_SET_LIMIT].packets,
		54);
	/* Without ban_member nobody is banned, however far over the set is. */
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 0);
	/* A second later, 10 more members get through. */
	ASSERT_OK(sg_h_advance(&h, SEC));
	for (i = 0, passed = 0; i < 30; i++) {
		snprintf(src, sizeof(src), "198.19.%d.9", i);
		passed += admitted(syn(&h, src));
	}
	ASSERT_EQ(passed, 10);
	return true;
}

/* ban_member: the member that keeps going over the set's budget is banned. */
SG_TEST(sets_ban_member)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_ban b;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.ban_after = 3;
	h.cfg.ban_window_ns = 10 * SEC;
	h.cfg.ban_time_ns = 60 * SEC;
	h.cfg.ban_max_ns = 60 * SEC;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_set(&h, SET_A, SG_SET_LIMIT, SG_SET_BAN_MEMBER,
			   conns(1, 2), NULL));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "2001:db8:f::/48"));
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:f:1::1")));
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:f:2::1")));
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "2001:db8:f:1::1"),
					 SG_REASON_SET_LIMIT));
	ASSERT_OK(sg_h_ban_get(&h, "2001:db8:f:1::/64", &b));
	ASSERT_EQ(b.reason, SG_REASON_SET_LIMIT);
	ASSERT_EQ(b.flags & SG_BAN_SET, SG_BAN_SET);
	ASSERT_EQ(b.origin, SET_A);
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "2001:db8:f:1::1"), SG_REASON_BANNED));
	/* The set is not banned: another member is only over the budget. */
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "2001:db8:f:3::1"),
				 SG_REASON_SET_LIMIT));
	ASSERT_EQ(sg_h_ban_get(&h, "2001:db8:f::/48", &b), -ENOENT);
	return true;
}

/*
 * Member budgets replace [source] for members only; [subnet] still
 * applies to them; member_ban = no limits them but never bans.
 */
SG_TEST(sets_member_budgets)
{
	struct sg_budget member[SG_BUDGET_KIND_COUNT] = {};
	struct sg_h h SG_H_AUTO = {};
	struct sg_ban b;
	int i, passed = 0;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(2, SEC, 5);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] =
		sg_h_budget(50, SEC, 40);
	h.cfg.ban_after = 3;
	h.cfg.ban_window_ns = 10 * SEC;
	h.cfg.ban_time_ns = 60 * SEC;
	h.cfg.ban_max_ns = 60 * SEC;
	ASSERT_OK(sg_h_config_write(&h));
	member[SG_BUDGET_CONN] = sg_h_budget(20, SEC, 30);
	ASSERT_OK(sg_h_set(&h, SET_A, SG_SET_LIMIT,
			   SG_SET_MEMBER_BUDGETS | SG_SET_MEMBER_NO_BAN, NULL,
			   member));
	ASSERT_OK(sg_h_list_add(&h, SET_A, "100.64.0.0/24"));
	/* A member: 30 at once, then limited, never banned. */
	for (i = 0; i < 30; i++)
		passed += admitted(syn(&h, "100.64.0.1"));
	ASSERT_EQ(passed, 30);
	for (i = 0; i < 20; i++)
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "100.64.0.1"),
					 SG_REASON_CONN_RATE));
	ASSERT_EQ(sg_h_ban_get(&h, "100.64.0.1/32", &b), -ENOENT);
	/* A non-member next door: [source]'s 5, then banned. */
	for (i = 0, passed = 0; i < 5; i++)
		passed += admitted(syn(&h, "100.64.1.1"));
	ASSERT_EQ(passed, 5);
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "100.64.1.1"),
					 SG_REASON_CONN_RATE));
	ASSERT_OK(sg_h_ban_get(&h, "100.64.1.1/32", &b));
	/* The subnet still applies to members: 40 in all, 30 spent. */
	for (i = 0, passed = 0; i < 10; i++)
		passed += admitted(syn(&h, "100.64.0.2"));
	ASSERT_EQ(passed, 10);
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "100.64.0.3"),
				 SG_REASON_SUBNET_CONN_RATE));
	return true;
}
