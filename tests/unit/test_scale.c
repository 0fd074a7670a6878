// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The layout for botnet scale (issue 11) on the real program: first
 * sightings that allocate nothing, bans the program makes in the exact-
 * match hash at both levels behind the ban filter, an expired longer ban
 * hiding no live shorter one, manual bans of odd lengths in the LPM tries,
 * and a level whose budgets are off costing no tracking state.
 */
#include <stdio.h>
#include <netinet/in.h>
#include "harness.h"
#include "limits_common.h"

/* Ban after 3 violations in 10 s, for 60 s. */
static void bans_on(struct sg_config *c)
{
	c->ban_after = 3;
	c->ban_window_ns = 10 * SEC;
	c->ban_time_ns = 60 * SEC;
	c->ban_max_ns = 600 * SEC;
	c->ban_memory_ns = 3600 * SEC;
}

/*
 * A source's first frame is a first sighting: it passes and makes no
 * tracking entry. The second makes the entry, charged for the first too,
 * so the burst is exact: with a burst of 3, frames 1-3 pass, 4 is over.
 */
SG_TEST(scale_first_sighting)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	const char *src = "203.0.113.50";
	size_t n;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 3);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	ASSERT_TRUE(admitted(syn(&h, src)));
	ASSERT_OK(sg_h_track_count(&h, &n));
	ASSERT_EQ(n, 0);
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_FIRST_SIGHTINGS), 1);
	ASSERT_TRUE(admitted(syn(&h, src)));
	ASSERT_OK(sg_h_track_count(&h, &n));
	ASSERT_EQ(n, 1);
	ASSERT_TRUE(admitted(syn(&h, src)));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
	/* A burst of 1: the first passes, the second is already over. */
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 1);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_TRUE(admitted(syn(&h, "203.0.113.51")));
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "203.0.113.51"), SG_REASON_CONN_RATE));
	/* A first frame long ago does not count against a later second. */
	ASSERT_TRUE(admitted(syn(&h, "203.0.113.52")));
	ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	ASSERT_TRUE(admitted(syn(&h, "203.0.113.52")));
	return true;
}

/* A spoofed flood of one-frame sources never allocates tracking state. */
SG_TEST(scale_spoofed_flood_allocates_nothing)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	char src[48];
	size_t n;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_PACKET] =
		sg_h_budget(1, SEC, 5);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_PACKET] =
		sg_h_budget(100, SEC, 500);
	bans_on(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 4000; i++) {
		snprintf(src, sizeof(src), "10.%d.%d.%d", i % 200,
			 (i / 200) % 250, 1 + i % 250);
		ASSERT_TRUE(admitted(syn(&h, src)));
		snprintf(src, sizeof(src), "2001:db8:%x:%x::1", i, i * 7);
		ASSERT_TRUE(admitted(syn(&h, src)));
	}
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_OK(sg_h_track_count(&h, &n));
	/* Sources: none. Subnets: only those seen twice (few collisions). */
	sg_test_log("tracking entries after 8000 one-frame sources: %zu", n);
	ASSERT_TRUE(n < 100);
	ASSERT_TRUE(sg_h_stat_delta(&before, &after, SG_STAT_FIRST_SIGHTINGS) >=
		    8000);
	return true;
}

/* The program's bans: /32 and /24 (and /64, /48) in the hash. */
SG_TEST(scale_auto_bans_at_both_levels)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_ban b;
	char src[32];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 2);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 6);
	bans_on(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	/* One source: 2 pass, 3 violations, banned at its /32. */
	for (i = 0; i < 5; i++)
		syn(&h, "192.0.2.9");
	ASSERT_OK(sg_h_ban_get(&h, "192.0.2.9/32", &b));
	ASSERT_EQ(b.level, SG_LEVEL_SOURCE);
	ASSERT_EQ(b.reason, SG_REASON_CONN_RATE);
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.9"), SG_REASON_BANNED));
	/* Many sources of one /24, each at 1 SYN: the subnet is banned. */
	for (i = 0; i < 9; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", 10 + i);
		syn(&h, src);
	}
	ASSERT_OK(sg_h_ban_get(&h, "198.51.100.0/24", &b));
	ASSERT_EQ(b.level, SG_LEVEL_SUBNET);
	ASSERT_EQ(b.reason, SG_REASON_SUBNET_CONN_RATE);
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "198.51.100.200"), SG_REASON_BANNED));
	/* IPv6: the source's /64 and the /48 of its subnet. */
	for (i = 0; i < 5; i++)
		syn(&h, "2001:db8:5:6::1");
	ASSERT_OK(sg_h_ban_get(&h, "2001:db8:5:6::/64", &b));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "2001:db8:5:6:ffff::9"),
				 SG_REASON_BANNED));
	/* Both kinds come back from the listing with their lengths. */
	ASSERT_TRUE(
		sg_h_passed(syn(&h, "192.0.2.10"), SG_REASON_WITHIN_BUDGET));
	return true;
}

/*
 * An expired /32 ban remembered for escalation must not hide a live /24
 * ban of its subnet: each level is its own key.
 */
SG_TEST(scale_expired_longer_ban_hides_no_live_shorter)
{
	struct sg_h h SG_H_AUTO = {};

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 2);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] =
		sg_h_budget(1000, SEC, 1000);
	bans_on(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_ban_add(&h, "192.0.2.44/32", SEC));
	ASSERT_OK(sg_h_ban_add(&h, "192.0.2.0/24", 3600 * SEC));
	ASSERT_OK(sg_h_ban_add(&h, "2001:db8:9:9::/64", SEC));
	ASSERT_OK(sg_h_ban_add(&h, "2001:db8:9::/48", 3600 * SEC));
	ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.44"), SG_REASON_BANNED));
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "2001:db8:9:9::1"), SG_REASON_BANNED));
	/* And the expired one alone is no ban. */
	ASSERT_OK(sg_h_ban_add(&h, "192.0.3.44/32", SEC));
	ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	ASSERT_TRUE(admitted(syn(&h, "192.0.3.44")));
	return true;
}

/* Manual bans of other lengths live in the LPM tries, and drop. */
SG_TEST(scale_manual_bans_of_odd_lengths)
{
	static const struct {
		const char *ban, *hit, *miss;
	} cases[] = {
		{ "203.0.113.16/28", "203.0.113.20", "203.0.113.33" },
		{ "198.18.0.0/15", "198.19.255.1", "198.20.0.1" },
		{ "10.77.0.3/32", "10.77.0.3", "10.77.0.4" },
		{ "2001:db8:c0::/44", "2001:db8:cf::1", "2001:db8:d0::1" },
		{ "2001:db8:aa:bb:cc::1/128", "2001:db8:aa:bb:cc::1",
		  "2001:db8:aa:bb:cc::2" },
	};
	struct sg_h h SG_H_AUTO = {};
	struct sg_config live;
	unsigned int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sg_test_context("%s", cases[i].ban);
		ASSERT_OK(sg_h_ban_add(&h, cases[i].ban, 3600 * SEC));
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, cases[i].hit),
					 SG_REASON_BANNED));
		ASSERT_TRUE(admitted(syn(&h, cases[i].miss)));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_config_read(&h.st, &live));
	ASSERT_NE(live.flags & SG_FLAG_BAN_LPM(SG_FAMILY_V4), 0);
	ASSERT_NE(live.flags & SG_FLAG_BAN_LPM(SG_FAMILY_V6), 0);
	return true;
}

/* A level with every budget off is not looked at: no state, no bans. */
SG_TEST(scale_level_off_costs_nothing)
{
	struct sg_h h SG_H_AUTO = {};
	char src[32];
	size_t n;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_PACKET] =
		sg_h_budget(1, SEC, 5);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_EQ(h.cfg.flags & SG_FLAG_LEVEL_ON(SG_LEVEL_SUBNET), 0);
	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", 1 + i);
		syn(&h, src);
		syn(&h, src);
	}
	/* Ten sources, each tracked at its /32 only. */
	ASSERT_OK(sg_h_track_count(&h, &n));
	ASSERT_EQ(n, 10);
	return true;
}

/*
 * The ban filter forgets deleted bans when the daemon rebuilds it, and a
 * rebuild keeps every live ban visible.
 */
SG_TEST(scale_ban_filter_rebuild)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_config live;
	struct sg_cidr c;
	char src[32];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", 1 + i);
		ASSERT_OK(sg_h_ban_add(&h, src, 3600 * SEC));
	}
	for (i = 0; i < 25; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", 1 + i);
		ASSERT_OK(sg_h_cidr(src, &c));
		ASSERT_OK(sg_ban_del(&h.st, &c));
	}
	ASSERT_OK(sg_ban_filter_rebuild(&h.st));
	ASSERT_OK(sg_config_read(&h.st, &live));
	ASSERT_EQ(live.ban_filter_half, 1);
	h.cfg.ban_filter_half = 1; /* what the harness writes next */
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", 1 + i);
		sg_test_context("%s", src);
		if (i < 25)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_BANNED));
	}
	return true;
}
