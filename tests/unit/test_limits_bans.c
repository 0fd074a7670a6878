// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rate-limit tests (issue #3) of what follows the budgets: bans and their
 * escalation, expiry and memory, the allowlist and monitor mode over them,
 * tracking eviction, ban events and their budget, full maps.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "limits_common.h"

/*
 * Ban after 3 violations within 10 s; 60 s doubling per repeat offence up
 * to 200 s; expired bans remembered for an hour.
 */
static void ban_config(struct sg_config *c)
{
	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 2);
	c->ban_after = 3;
	c->ban_window_ns = 10 * SEC;
	c->ban_time_ns = 60 * SEC;
	c->ban_max_ns = 200 * SEC;
	c->ban_memory_ns = 3600 * SEC;
}

/* Two admitted SYNs and three violations at one instant: a ban. */
static bool offend(struct sg_h *h, const char *src)
{
	bool ok = true;
	int i;

	for (i = 0; i < 2; i++)
		ok &= admitted(syn(h, src));
	for (i = 0; i < 3; i++)
		ok &= sg_h_dropped(h, syn(h, src), SG_REASON_CONN_RATE);
	ok &= sg_h_dropped(h, syn(h, src), SG_REASON_BANNED);
	return ok;
}

SG_TEST(limits_ban_after_violations)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.40";
	__u64 t0;
	struct sg_ban b;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	t0 = h.cfg.time_offset_ns;
	/* 10 ms apart: two admitted, then violations 1, 2 and 3 (the ban). */
	for (i = 0; i < 5; i++) {
		sg_test_context("SYN %d", i);
		if (i < 2)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_CONN_RATE));
		if (i < 2)
			ASSERT_EQ(sg_h_ban_get(&h, "192.0.2.40/32", &b),
				  -ENOENT);
		ASSERT_OK(sg_h_advance(&h, i < 4 ? 10 * MSEC : 0));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_ban_get(&h, "192.0.2.40/32", &b));
	ASSERT_EQ(b.reason, SG_REASON_CONN_RATE);
	ASSERT_EQ(b.prefixlen, 32);
	ASSERT_EQ(b.offences, 1);
	ASSERT_EQ(b.flags, 0);
	ASSERT_EQ(b.since_ns, t0 + 40 * MSEC);
	ASSERT_EQ(b.until_ns, t0 + 40 * MSEC + 60 * SEC);
	ASSERT_EQ(b.limit_milli, 10 * 1000);
	/* 5 new connections in the 40 ms since the window opened. */
	ASSERT_EQ(b.observed_milli, 5 * 1000000 / 40);

	/* Banned now: every frame to the service, SYN or not. */
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_BANNED));
	ASSERT_TRUE(sg_h_dropped(&h, send_tcp(&h, src, SG_TH_ACK),
				 SG_REASON_BANNED));
	ASSERT_TRUE(admitted(syn(&h, "192.0.2.41")));
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_BANS_FIRST + SG_BUDGET_CONN),
		  1);
	ASSERT_EQ(after.c[SG_VERDICT_DROP][SG_REASON_BANNED].packets -
			  before.c[SG_VERDICT_DROP][SG_REASON_BANNED].packets,
		  2);
	return true;
}

/* Repeat offences double the ban up to ban_max; memory runs out. */
SG_TEST(limits_ban_escalation_and_expiry)
{
	static const __u64 want_s[] = { 60, 120, 200, 200 };
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.45";
	unsigned int i;
	struct sg_ban b;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 4; i++) {
		sg_test_context("offence %u", i + 1);
		ASSERT_TRUE(offend(&h, src));
		ASSERT_OK(sg_h_ban_get(&h, "192.0.2.45/32", &b));
		ASSERT_EQ(b.offences, i + 1);
		ASSERT_EQ(b.since_ns, h.cfg.time_offset_ns);
		ASSERT_EQ(b.until_ns - b.since_ns, want_s[i] * SEC);
		/* Still banned 1 ns before until_ns; free at until_ns. */
		ASSERT_OK(sg_h_clock(&h, b.until_ns - 1));
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_BANNED));
		ASSERT_OK(sg_h_clock(&h, b.until_ns));
		ASSERT_TRUE(admitted(send_tcp(&h, src, SG_TH_ACK)));
		ASSERT_OK(sg_h_advance(&h, 20 * SEC)); /* a fresh window */
	}
	/* Past ban_memory_ns the record no longer counts: a first offence. */
	ASSERT_OK(sg_h_advance(&h, 3600 * SEC));
	sg_test_context("after the memory");
	ASSERT_TRUE(offend(&h, src));
	ASSERT_OK(sg_h_ban_get(&h, "192.0.2.45/32", &b));
	ASSERT_EQ(b.offences, 1);
	ASSERT_EQ(b.until_ns - b.since_ns, 60 * SEC);
	return true;
}

/* A subnet that keeps going over is banned as a whole (/24, /48). */
SG_TEST(limits_subnet_ban)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_ban b;
	char src[64];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = (struct sg_budget){};
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 3);
	h.cfg.ban_after = 2;
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 5; i++) {
		snprintf(src, sizeof(src), "198.18.9.%d", i + 1);
		sg_test_context("%s", src);
		if (i < 3)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_SUBNET_CONN_RATE));
		snprintf(src, sizeof(src), "2001:db8:4:%x::1", i);
		sg_test_context("%s", src);
		if (i < 3)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_SUBNET_CONN_RATE));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_ban_get(&h, "198.18.9.0/24", &b));
	ASSERT_EQ(b.reason, SG_REASON_SUBNET_CONN_RATE);
	ASSERT_EQ(b.prefixlen, 24);
	ASSERT_OK(sg_h_ban_get(&h, "2001:db8:4::/48", &b));
	ASSERT_EQ(b.reason, SG_REASON_SUBNET_CONN_RATE);
	ASSERT_EQ(b.prefixlen, 48);
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "198.18.9.200"), SG_REASON_BANNED));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "2001:db8:4:ffff::9"),
				 SG_REASON_BANNED));
	ASSERT_TRUE(admitted(syn(&h, "198.18.10.1")));
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:5::1")));
	return true;
}

/* Allowlisted: over every budget and inside a ban, and still passing. */
SG_TEST(limits_allowlist_over_every_limit)
{
	struct sg_service svc = { .proto = IPPROTO_TCP, .port = TCP_PORT };
	struct sg_h h SG_H_AUTO = {};
	unsigned int level, kind;
	size_t bans;
	int i;

	ASSERT_OPEN(&h, NULL);
	svc.ceiling = sg_h_budget(1, 3600 * SEC, 1);
	ASSERT_OK(sg_h_service(&h, 0, &svc));
	ban_config(&h.cfg);
	for (level = 0; level < SG_LEVEL_COUNT; level++)
		for (kind = 0; kind < SG_BUDGET_KIND_COUNT; kind++)
			h.cfg.budget[level][kind] =
				sg_h_budget(1, 3600 * SEC, 1);
	h.cfg.ban_after = 1;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "192.0.2.50/32"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "2001:db8:50::/64"));
	for (i = 0; i < 100; i++) {
		sg_test_context("frame %d", i);
		ASSERT_TRUE(sg_h_passed(syn(&h, "192.0.2.50"),
					SG_REASON_ALLOWLIST));
		ASSERT_TRUE(
			sg_h_passed(send_tcp(&h, "2001:db8:50::1", SG_TH_ACK),
				    SG_REASON_ALLOWLIST));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 0);
	/* A manual ban of its whole /24 does not touch it either. */
	ASSERT_OK(sg_h_ban_add(&h, "192.0.2.0/24", 60 * SEC));
	ASSERT_TRUE(sg_h_passed(syn(&h, "192.0.2.50"), SG_REASON_ALLOWLIST));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.51"), SG_REASON_BANNED));
	return true;
}

/* Monitor mode: would-drops and would-bans counted, nothing else done. */
SG_TEST(limits_monitor_mode)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.60";
	size_t bans, i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	h.cfg.mode = SG_MODE_MONITOR;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 11; i++) {
		sg_test_context("SYN %zu", i);
		if (i < 2)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_CONN_RATE));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_snap(&h, &after));
	/*
	 * 9 violations with ban_after 3 in one window: one would-ban, as
	 * enforcing would ban once and then drop as banned.
	 */
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_WOULD_BANS_FIRST + SG_BUDGET_CONN),
		  1);
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_BANS_FIRST + SG_BUDGET_CONN),
		  0);
	ASSERT_EQ(after.c[SG_VERDICT_WOULD_DROP][SG_REASON_CONN_RATE].packets -
			  before.c[SG_VERDICT_WOULD_DROP][SG_REASON_CONN_RATE]
				  .packets,
		  9);
	for (i = 0; i < SG_REASON_COUNT; i++)
		ASSERT_EQ(after.c[SG_VERDICT_DROP][i].packets, 0);
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 0);
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 1);
	for (i = 0; i < h.n_events; i++)
		ASSERT_EQ(h.events[i].type, SG_EVENT_WOULD_BAN);
	/* A new window may would-ban again. */
	ASSERT_OK(sg_h_advance(&h, h.cfg.ban_window_ns + SEC));
	for (i = 0; i < 40; i++)
		syn(&h, src);
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_WOULD_BANS_FIRST + SG_BUDGET_CONN),
		  2);
	return true;
}

/*
 * A spoofed-source flood churns a tiny tracking table; lists and bans
 * live in their own maps and must all still hold afterwards.
 */
SG_TEST(limits_tracking_eviction)
{
	struct sg_h_opts opts = { .track_entries = 64 };
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	size_t tracked, bans;
	char src[32];
	int i;

	ASSERT_OPEN(&h, &opts);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "192.0.2.70"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "192.0.2.71"));
	ASSERT_OK(sg_h_ban_add(&h, "192.0.2.72", 3600 * SEC));
	ASSERT_TRUE(offend(&h, "192.0.2.73"));

	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 5000; i++) {
		snprintf(src, sizeof(src), "10.%d.%d.%d", i >> 8 & 0xff,
			 i & 0xff, 1 + i % 250);
		sg_test_context("%s", src);
		ASSERT_EQ(syn(&h, src).action, XDP_PASS);
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_snap(&h, &after));
	sg_test_log(
		"flood: %llu admitted, %llu untracked",
		(unsigned long long)(after.c[0][SG_REASON_WITHIN_BUDGET].packets -
				     before.c[0][SG_REASON_WITHIN_BUDGET]
					     .packets),
		(unsigned long long)(after.c[0][SG_REASON_UNTRACKED].packets -
				     before.c[0][SG_REASON_UNTRACKED].packets));
	ASSERT_OK(sg_h_track_count(&h, &tracked));
	ASSERT_TRUE(tracked <= 64);

	ASSERT_TRUE(sg_h_passed(syn(&h, "192.0.2.70"), SG_REASON_ALLOWLIST));
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "192.0.2.71"), SG_REASON_DENYLIST));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.72"), SG_REASON_BANNED));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.73"), SG_REASON_BANNED));
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 2);
	return true;
}

static bool check_event(const struct sg_event *e, __u64 now,
			unsigned int family, const char *prefix,
			unsigned int prefixlen)
{
	__u8 addr[16];
	bool ok = true;

	sg_pkt_addr(family, prefix, addr);
	ok &= EXPECT_EQ(e->type, SG_EVENT_BAN);
	ok &= EXPECT_EQ(e->time_ns, now);
	ok &= EXPECT_EQ(e->duration_ns, 60 * SEC);
	ok &= EXPECT_EQ(e->offences, 1);
	ok &= EXPECT_EQ(e->reason, SG_REASON_CONN_RATE);
	ok &= EXPECT_EQ(e->family, family);
	ok &= EXPECT_EQ(e->prefixlen, prefixlen);
	ok &= EXPECT_EQ(memcmp(e->addr, addr, 16), 0);
	/* 10/s budget; 2 new connections in the 50 ms of the window. */
	ok &= EXPECT_EQ(e->limit_milli, 10 * 1000);
	ok &= EXPECT_EQ(e->observed_milli, 2 * 1000000 / 50);
	return ok;
}

/* One admitted SYN, one 50 ms later over budget: banned at once. */
static bool ban_now(struct sg_h *h, const char *src)
{
	bool ok = admitted(syn(h, src));

	ok &= EXPECT_EQ(sg_h_advance(h, 50 * MSEC), 0);
	ok &= sg_h_dropped(h, syn(h, src), SG_REASON_CONN_RATE);
	return ok;
}

SG_TEST(limits_ban_events)
{
	struct sg_h h SG_H_AUTO = {};

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 1);
	h.cfg.ban_after = 1;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_TRUE(ban_now(&h, "192.0.2.80"));
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 1);
	ASSERT_TRUE(check_event(&h.events[0], h.cfg.time_offset_ns,
				SG_FAMILY_V4, "192.0.2.80", 32));
	/* IPv6: the event names the /64, host bits cleared. */
	ASSERT_TRUE(ban_now(&h, "2001:db8:9:9:1:2:3:4"));
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 2);
	ASSERT_TRUE(check_event(&h.events[1], h.cfg.time_offset_ns,
				SG_FAMILY_V6, "2001:db8:9:9::", 64));
	return true;
}

/* 20 bans in one instant against a budget of 3: 3 events, 17 counted. */
SG_TEST(limits_ban_events_budget)
{
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	char src[32];
	size_t bans;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 1);
	h.cfg.ban_after = 1;
	h.cfg.events = sg_h_budget(1, SEC, 3);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "198.18.%d.1", i);
		sg_test_context("%s", src);
		ASSERT_TRUE(admitted(syn(&h, src)));
		ASSERT_TRUE(
			sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 20);
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 3);
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_EVENTS_SENT), 3);
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_EVENTS_SUPPRESSED),
		  17);
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_EVENTS_LOST), 0);
	/* A second later the budget has one event again. */
	ASSERT_OK(sg_h_advance(&h, SEC));
	ASSERT_TRUE(admitted(syn(&h, "198.18.99.1")));
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "198.18.99.1"), SG_REASON_CONN_RATE));
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, 4);
	return true;
}

/*
 * Expired bans stay in the trie (remembered for escalation) and sit in
 * front of shorter prefixes: a live ban behind them must still hold.
 */
SG_TEST(limits_expired_bans_hide_no_live_ban)
{
	static const char *const expired[] = {
		"10.20.30.40/32",     "10.20.30.32/28",	  "10.20.30.0/24",
		"2001:db8:30::1/128", "2001:db8:30::/64",
	};
	struct sg_h h SG_H_AUTO = {};
	unsigned int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	for (i = 0; i < sizeof(expired) / sizeof(expired[0]); i++)
		ASSERT_OK(sg_h_ban_add(&h, expired[i], SEC));
	ASSERT_OK(sg_h_ban_add(&h, "10.20.0.0/16", 3600 * SEC));
	ASSERT_OK(sg_h_ban_add(&h, "2001:db8::/32", 3600 * SEC));
	ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	/* Behind one and two expired bans. */
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.20.31.1"), SG_REASON_BANNED));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.20.30.1"), SG_REASON_BANNED));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.20.30.33"), SG_REASON_BANNED));
	ASSERT_TRUE(
		sg_h_dropped(&h, syn(&h, "2001:db8:30::1"), SG_REASON_BANNED));
	/* Behind three: /32, /28 and /24 all expired, the /16 live. */
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "10.20.30.40"), SG_REASON_BANNED));
	return true;
}

/* A full ban map is counted, and budgets keep dropping the offender. */
SG_TEST(limits_ban_map_full)
{
	const struct sg_h_opts opts = { .bans_entries = 1024 };
	struct sg_prefix_key key = { .family = SG_FAMILY_V4, .prefixlen = 32 };
	struct sg_ban b = { .until_ns = ~0ULL, .prefixlen = 32 };
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	__u32 i;

	ASSERT_OPEN(&h, &opts);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	ASSERT_OK(sg_h_config_write(&h));
	/* Fill it with bans of 100.64.0.0/10 addresses. */
	for (i = 0; i < opts.bans_entries; i++) {
		key.addr[0] = 100;
		key.addr[1] = 64 | (i >> 16 & 0x3f);
		key.addr[2] = i >> 8 & 0xff;
		key.addr[3] = i & 0xff;
		ASSERT_OK(bpf_map_update_elem(h.st.fds[SG_MAP_BANS], &key, &b,
					      BPF_NOEXIST)
				  ? -errno
				  : 0);
	}
	ASSERT_OK(sg_h_snap(&h, &before));
	ASSERT_TRUE(admitted(syn(&h, "192.0.2.90")));
	ASSERT_TRUE(admitted(syn(&h, "192.0.2.90")));
	for (i = 0; i < 6; i++)
		ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "192.0.2.90"),
					 SG_REASON_CONN_RATE));
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_BAN_FAILED), 2);
	ASSERT_EQ(sg_h_stat_delta(&before, &after, SG_STAT_BANS_FIRST), 0);
	return true;
}

/* Events nobody reads fill the ring; the rest are counted as lost. */
SG_TEST(limits_event_ring_full)
{
	const unsigned int n = 5000; /* more than 256 KiB of 64-byte slots */
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	__u64 sent, lost;
	unsigned int i;
	char src[32];

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h.cfg);
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 1);
	h.cfg.ban_after = 1;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "10.99.%u.%u", i >> 8, i & 0xff);
		ASSERT_EQ(syn(&h, src).action, XDP_PASS);
		ASSERT_EQ(syn(&h, src).action, XDP_DROP);
	}
	ASSERT_OK(sg_h_snap(&h, &after));
	sent = sg_h_stat_delta(&before, &after, SG_STAT_EVENTS_SENT);
	lost = sg_h_stat_delta(&before, &after, SG_STAT_EVENTS_LOST);
	sg_test_log("%llu events sent, %llu lost", (unsigned long long)sent,
		    (unsigned long long)lost);
	ASSERT_EQ(sent + lost, n);
	ASSERT_NE(lost, 0);
	ASSERT_OK(sg_h_events(&h));
	ASSERT_EQ(h.n_events, sent);
	return true;
}
