// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bans for flagrant abuse only (issue 17): at the `after`-th violation a
 * source is banned when its rate over the window is at least min_excess
 * times the budget's, and only limited below that: at the boundary, at
 * both levels, and in monitor mode. Events and counters tell the two
 * apart.
 */
#include <netinet/in.h>
#include "harness.h"
#include "limits_common.h"

/*
 * 10 new connections/s with a burst of 1, ban after 3 violations,
 * min_excess 5: a ban needs 50/s over the window.
 */
static void excess_config(struct sg_h *h, unsigned int level)
{
	h->cfg.budget[level][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 1);
	h->cfg.ban_after = 3;
	h->cfg.ban_window_ns = 10 * SEC;
	h->cfg.ban_time_ns = 60 * SEC;
	h->cfg.ban_max_ns = 60 * SEC;
	h->cfg.events = sg_h_budget(100, SEC, 100);
	h->cfg.min_excess_milli = 5000;
}

/*
 * One SYN opens the window at t0; `gap` ms later four more: one token
 * has come back, then three violations. The third sees 5 connections
 * over gap ms: 50/s at 100 ms (5x the limit), 49.5/s at 101 ms.
 */
static bool offend_after(struct sg_h *h, const char *src, __u64 gap_ms,
			 unsigned int over_reason)
{
	bool ok = admitted(syn(h, src));
	int i;

	ok &= !sg_h_advance(h, gap_ms * MSEC);
	ok &= admitted(syn(h, src));
	for (i = 0; i < 3; i++)
		ok &= sg_h_dropped(h, syn(h, src), over_reason);
	return ok;
}

static unsigned int level_reason(unsigned int level)
{
	return SG_REASON_BUDGET_FIRST + level * SG_BUDGET_KIND_COUNT +
	       SG_BUDGET_CONN;
}

static bool check_level(unsigned int level, const char *src, const char *prefix)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	unsigned int budget = level * SG_BUDGET_KIND_COUNT + SG_BUDGET_CONN;
	struct sg_ban b;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	excess_config(&h, level);
	ASSERT_OK(sg_h_config_write(&h));
	/* Just under: 4.95x, limited, not banned. */
	ASSERT_OK(sg_h_snap(&h, &before));
	ASSERT_TRUE(offend_after(&h, src, 101, level_reason(level)));
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_ban_get(&h, prefix, &b), -ENOENT);
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_LIMITED_FIRST + budget),
		  1);
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_BANS_FIRST + budget),
		  0);
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 1);
	ASSERT_EQ(h.events[0].type, SG_EVENT_LIMITED);
	ASSERT_EQ(h.events[0].observed_milli, 5 * 1000000 / 101);
	/* A new window, exactly at the factor: 5.0x, banned. */
	ASSERT_OK(sg_h_advance(&h, 11 * SEC));
	ASSERT_TRUE(offend_after(&h, src, 100, level_reason(level)));
	ASSERT_OK(sg_h_ban_get(&h, prefix, &b));
	ASSERT_EQ(b.observed_milli, 50000);
	ASSERT_EQ(b.limit_milli, 10000);
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_BANNED));
	return true;
}

SG_TEST(excess_boundary_source_level)
{
	return check_level(SG_LEVEL_SOURCE, "192.0.2.61", "192.0.2.61/32");
}

SG_TEST(excess_boundary_subnet_level)
{
	return check_level(SG_LEVEL_SUBNET, "2001:db8:61::1",
			   "2001:db8:61::/48");
}

/* Monitor mode: a would-ban at the factor, a limited event just under. */
SG_TEST(excess_boundary_monitor_mode)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	const unsigned int budget = SG_BUDGET_CONN;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	excess_config(&h, SG_LEVEL_SOURCE);
	h.cfg.mode = SG_MODE_MONITOR;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	ASSERT_TRUE(offend_after(&h, "192.0.2.62", 101, SG_REASON_CONN_RATE));
	ASSERT_TRUE(offend_after(&h, "192.0.2.63", 100, SG_REASON_CONN_RATE));
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_LIMITED_FIRST + budget),
		  1);
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_WOULD_BANS_FIRST + budget),
		  1);
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 2);
	ASSERT_EQ(h.events[0].type, SG_EVENT_LIMITED);
	ASSERT_EQ(h.events[1].type, SG_EVENT_WOULD_BAN);
	return true;
}

/* min_excess 1 is the behaviour before it existed: any excess bans. */
SG_TEST(excess_factor_one_bans_any_excess)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_ban b;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	excess_config(&h, SG_LEVEL_SOURCE);
	h.cfg.min_excess_milli = 1000;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_TRUE(offend_after(&h, "192.0.2.64", 900, SG_REASON_CONN_RATE));
	ASSERT_OK(sg_h_ban_get(&h, "192.0.2.64/32", &b));
	return true;
}
