// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Data-path tests of the source verdicts (issue #2): allow/deny lists with
 * longest-prefix semantics, empty lists, bans against the allowlist,
 * monitor mode switched at run time, and byte counting.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"

#define TCP_PORT       443
#define OPEN_PORT      8080
#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define SYN	       .sport = 40000, .dport = TCP_PORT, .tcp_flags = SG_TH_SYN
#define V6	       .family = SG_FAMILY_V6
#define LATER_FRAGMENT .frag_offset = 100, .payload_len = 8, .payload = pad8

static const __u8 pad8[8];

struct verdict_row {
	struct sg_pkt_spec spec;
	int action;
	unsigned int verdict, reason;
};

#define PASSES(r) XDP_PASS, SG_VERDICT_PASS, SG_REASON_##r
#define DROPS(r)  XDP_DROP, SG_VERDICT_DROP, SG_REASON_##r

static bool run_rows(struct sg_h *h, const struct verdict_row *rows, size_t n)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		sg_test_context("row %zu: from %s", i,
				rows[i].spec.src ? rows[i].spec.src
						 : "the default source");
		ok &= sg_h_expect_spec(h, &rows[i].spec, rows[i].action,
				       rows[i].verdict, rows[i].reason);
	}
	sg_test_context(NULL);
	return ok;
}

static int add_entries(struct sg_h *h, unsigned int list,
		       const char *const *cidrs, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = sg_h_list_add(h, list, cidrs[i]);
		if (err) {
			sg_test_log("adding %s: %d", cidrs[i], err);
			return err;
		}
	}
	return 0;
}

SG_TEST(datapath_lists_longest_prefix)
{
	static const char *const allow[] = {
		"10.1.2.3/32",
		"172.16.0.0/12",
		"2001:db8:bad:1::7/128",
	};
	static const char *const deny[] = {
		"10.0.0.0/8",
		"172.16.5.5/32",
		"2001:db8:bad:1::/64",
	};
	static const struct verdict_row rows[] = {
		{ { SYN, .src = "10.1.2.3" }, PASSES(ALLOWLIST) },
		{ { SYN, .src = "10.1.2.4" }, DROPS(DENYLIST) },
		{ { SYN, .src = "10.255.255.255" }, DROPS(DENYLIST) },
		{ { SYN, .src = "10.0.0.0" }, DROPS(DENYLIST) },
		{ { SYN, .src = "11.0.0.1" }, PASSES(WITHIN_BUDGET) },
		{ { SYN, .src = "9.255.255.255" }, PASSES(WITHIN_BUDGET) },
		/* The allowlist is asked first: a narrower deny loses. */
		{ { SYN, .src = "172.16.5.5" }, PASSES(ALLOWLIST) },
		{ { SYN, .src = "172.32.0.1" }, PASSES(WITHIN_BUDGET) },
		{ { V6, SYN, .src = "2001:db8:bad:1::7" }, PASSES(ALLOWLIST) },
		{ { V6, SYN, .src = "2001:db8:bad:1::8" }, DROPS(DENYLIST) },
		{ { V6, SYN, .src = "2001:db8:bad:1:ffff:ffff:ffff:ffff" },
		  DROPS(DENYLIST) },
		{ { V6, SYN, .src = "2001:db8:bad:2::7" },
		  PASSES(WITHIN_BUDGET) },
		/* Families are separate lists: a mapped address is IPv6. */
		{ { V6, SYN, .src = "::ffff:10.1.2.4" },
		  PASSES(WITHIN_BUDGET) },
		/* Unprotected traffic never reaches the lists. */
		{ { .sport = 1, .dport = OPEN_PORT, .src = "10.1.2.4" },
		  PASSES(UNPROTECTED) },
		/* Fragments carry a source: lists apply, budgets cannot. */
		{ { SYN, LATER_FRAGMENT, .src = "10.1.2.4" }, DROPS(DENYLIST) },
		{ { SYN, LATER_FRAGMENT, .src = "10.1.2.3" },
		  PASSES(ALLOWLIST) },
		{ { SYN, LATER_FRAGMENT, .src = "11.0.0.1" },
		  PASSES(FRAGMENT) },
		{ { V6, SYN, .src = "2001:db8:bad:1::8", .payload = pad8,
		    .payload_len = 8, .n_ext = 1,
		    .ext = { { .type = IPPROTO_FRAGMENT, .frag_offset = 9 } } },
		  DROPS(DENYLIST) },
	};
	struct sg_h h SG_H_AUTO = {};

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(add_entries(&h, SG_LIST_ALLOW, allow, ARRAY_SIZE(allow)));
	ASSERT_OK(add_entries(&h, SG_LIST_DENY, deny, ARRAY_SIZE(deny)));
	ASSERT_TRUE(run_rows(&h, rows, ARRAY_SIZE(rows)));
	return true;
}

/* No inner map at all, then empty inner maps, then one family only. */
SG_TEST(datapath_lists_empty)
{
	static const struct verdict_row clean[] = {
		{ { SYN, .src = "10.1.2.3" }, PASSES(WITHIN_BUDGET) },
		{ { V6, SYN, .src = "2001:db8::1" }, PASSES(WITHIN_BUDGET) },
		{ { SYN, LATER_FRAGMENT, .src = "10.1.2.3" },
		  PASSES(FRAGMENT) },
	};
	static const struct verdict_row v4_denied[] = {
		{ { SYN, .src = "10.1.2.3" }, DROPS(DENYLIST) },
		{ { V6, SYN, .src = "2001:db8::1" }, PASSES(WITHIN_BUDGET) },
	};
	struct sg_h h SG_H_AUTO = {};
	__u32 zero = 0, id;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	/* A fresh program has no trie in either outer map. */
	ASSERT_NE(bpf_map_lookup_elem(h.st.fds[SG_MAP_SETS_V4], &zero, &id), 0);
	ASSERT_TRUE(run_rows(&h, clean, ARRAY_SIZE(clean)));
	ASSERT_OK(sg_sets_ensure(&h.st));
	ASSERT_OK(bpf_map_lookup_elem(h.st.fds[SG_MAP_SETS_V6], &zero, &id));
	ASSERT_TRUE(run_rows(&h, clean, ARRAY_SIZE(clean)));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.0.0.0/8"));
	ASSERT_TRUE(run_rows(&h, v4_denied, ARRAY_SIZE(v4_denied)));
	return true;
}

static int ban(struct sg_h *h, const char *cidr, __u64 seconds)
{
	return sg_h_ban_add(h, cidr, seconds * SG_H_NS_PER_SEC);
}

/* An allowlisted source passes through a ban covering it; others do not. */
SG_TEST(datapath_allowlist_beats_ban)
{
	static const struct verdict_row banned[] = {
		{ { SYN, .src = "10.1.2.3" }, PASSES(ALLOWLIST) },
		{ { SYN, .src = "10.1.2.9" }, DROPS(BANNED) },
		{ { SYN, LATER_FRAGMENT, .src = "10.1.2.9" }, DROPS(BANNED) },
		{ { SYN, .src = "10.1.3.9" }, PASSES(WITHIN_BUDGET) },
		{ { V6, SYN, .src = "2001:db8:5::1" }, PASSES(ALLOWLIST) },
		{ { V6, SYN, .src = "2001:db8:5::2" }, DROPS(BANNED) },
		{ { .sport = 1, .dport = OPEN_PORT, .src = "10.1.2.9" },
		  PASSES(UNPROTECTED) },
	};
	static const struct verdict_row expired[] = {
		{ { SYN, .src = "10.1.2.9" }, PASSES(WITHIN_BUDGET) },
		{ { V6, SYN, .src = "2001:db8:5::2" }, PASSES(WITHIN_BUDGET) },
	};
	struct sg_h h SG_H_AUTO = {};

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "10.1.2.3"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "2001:db8:5::1"));
	ASSERT_OK(ban(&h, "10.1.2.0/24", 60));
	ASSERT_OK(ban(&h, "2001:db8:5::/64", 60));
	ASSERT_TRUE(run_rows(&h, banned, ARRAY_SIZE(banned)));
	ASSERT_OK(sg_h_advance(&h, 60 * SG_H_NS_PER_SEC));
	ASSERT_TRUE(run_rows(&h, expired, ARRAY_SIZE(expired)));
	return true;
}

/*
 * Monitor mode passes a denylisted flood and counts every frame as a
 * would-drop; switching the config to enforce (no reload) drops the next.
 */
SG_TEST(datapath_monitor_mode)
{
	struct sg_pkt_spec s = { SYN, .src = "10.9.8.7" };
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	struct sg_h_delta d = { .verdict = SG_VERDICT_WOULD_DROP,
				.reason = SG_REASON_DENYLIST };
	struct sg_frame f;
	int i, dropped = 0;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.0.0.0/8"));
	h.cfg.mode = SG_MODE_MONITOR;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_pkt_build(&s, &f));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 100; i++)
		dropped += sg_h_run(&h, &f) != XDP_PASS;
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(dropped, 0);
	d.packets = 100;
	d.bytes = 100 * f.len;
	ASSERT_TRUE(sg_h_expect_deltas(&before, &after, &d, 1));

	/* A live ban is a would-drop too. */
	ASSERT_OK(ban(&h, "192.0.2.0/24", 60));
	s.src = "192.0.2.77";
	ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_PASS, SG_VERDICT_WOULD_DROP,
				     SG_REASON_BANNED));

	h.cfg.mode = SG_MODE_ENFORCE;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_TRUE(sg_h_expect(&h, &f, XDP_DROP, SG_VERDICT_DROP,
				SG_REASON_DENYLIST));
	return true;
}

/* bytes is the sum of the frame lengths, per (verdict, reason). */
SG_TEST(datapath_counter_bytes)
{
	static const __u8 payload[1000];
	struct sg_h_delta d[] = {
		{ .verdict = SG_VERDICT_PASS,
		  .reason = SG_REASON_WITHIN_BUDGET },
		{ .verdict = SG_VERDICT_DROP, .reason = SG_REASON_DENYLIST },
		{ .verdict = SG_VERDICT_PASS, .reason = SG_REASON_UNPROTECTED },
	};
	struct sg_pkt_spec s = { SYN, .payload = payload };
	struct sg_h_snap before, after;
	struct sg_h h SG_H_AUTO = {};
	struct sg_frame f;
	unsigned int i, k;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.0.0.0/8"));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 30; i++) {
		k = i % 3;
		s.payload_len = i * 31;
		/* Both families share counters; the denylist here is v4. */
		s.family = k != 1 && i % 2 ? SG_FAMILY_V6 : SG_FAMILY_V4;
		s.src = k == 1 ? "10.0.0.1" : NULL;
		s.dport = k == 2 ? OPEN_PORT : TCP_PORT;
		ASSERT_OK(sg_pkt_build(&s, &f));
		ASSERT_EQ(sg_h_run(&h, &f), k == 1 ? XDP_DROP : XDP_PASS);
		d[k].packets++;
		d[k].bytes += f.len;
	}
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_TRUE(sg_h_expect_deltas(&before, &after, d, ARRAY_SIZE(d)));
	return true;
}

/* One change of a list through the loader core, as `allow del` makes it. */
static int list_change(struct sg_h *h, unsigned int list, const char *cidr,
		       bool del, bool replace)
{
	struct sg_set_change ch = { .set = list, .replace = replace };
	struct sg_cidr c;
	int err = cidr ? sg_h_cidr(cidr, &c) : 0;

	if (err)
		return err;
	if (cidr && del) {
		ch.del = &c;
		ch.n_del = 1;
	} else if (cidr) {
		ch.add = &c;
		ch.n_add = 1;
	}
	return sg_set_change(&h->st, &ch, NULL);
}

/*
 * List and ban changes apply to the very next frame, however often the
 * source was seen before (nothing may remember an old verdict).
 */
SG_TEST(datapath_policy_changes_apply_live)
{
	struct sg_pkt_spec a = { SYN, .src = "10.5.5.5" };
	struct sg_pkt_spec b = { V6, SYN, .src = "2001:db8:77::1" };
	struct sg_h h SG_H_AUTO = {};
	struct sg_cidr c;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.5.5.5"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "2001:db8:77::/48"));
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(sg_h_expect_spec(&h, &a, DROPS(DENYLIST)));
		ASSERT_TRUE(sg_h_expect_spec(&h, &b, PASSES(ALLOWLIST)));
	}
	/* Deleted entries. */
	ASSERT_OK(list_change(&h, SG_LIST_DENY, "10.5.5.5", true, false));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, PASSES(WITHIN_BUDGET)));
	ASSERT_OK(list_change(&h, SG_LIST_ALLOW, "2001:db8:77::/48", true,
			      false));
	ASSERT_TRUE(sg_h_expect_spec(&h, &b, PASSES(WITHIN_BUDGET)));

	/* A whole-list replace, then a flush. */
	ASSERT_OK(list_change(&h, SG_LIST_DENY, "10.5.0.0/16", false, true));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, DROPS(DENYLIST)));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, DROPS(DENYLIST)));
	ASSERT_OK(list_change(&h, SG_LIST_DENY, NULL, false, true));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, PASSES(WITHIN_BUDGET)));

	/* A manual ban, seen a few times, then lifted. */
	ASSERT_OK(ban(&h, "2001:db8:77::/64", 3600));
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(sg_h_expect_spec(&h, &b, DROPS(BANNED)));
	ASSERT_OK(sg_h_cidr("2001:db8:77::/64", &c));
	ASSERT_OK(sg_ban_del(&h.st, &c));
	ASSERT_TRUE(sg_h_expect_spec(&h, &b, PASSES(WITHIN_BUDGET)));
	/* Allowlisting a banned source lets it through at once. */
	ASSERT_OK(ban(&h, "10.5.5.0/24", 3600));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, DROPS(BANNED)));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "10.5.5.5"));
	ASSERT_TRUE(sg_h_expect_spec(&h, &a, PASSES(ALLOWLIST)));
	return true;
}

/*
 * More sources than any small per-source cache has slots, interleaved,
 * so that some must share a slot: each keeps its own verdict every round.
 */
SG_TEST(datapath_many_sources_keep_their_verdicts)
{
	static const struct {
		const char *fmt;
		int action;
		unsigned int verdict, reason;
	} kinds[] = {
		{ "10.1.%u.%u", PASSES(ALLOWLIST) },
		{ "10.2.%u.%u", DROPS(DENYLIST) },
		{ "10.3.%u.%u", DROPS(BANNED) },
		{ "10.4.%u.%u", PASSES(WITHIN_BUDGET) },
	};
	struct sg_pkt_spec s = { SYN };
	struct sg_h h SG_H_AUTO = {};
	unsigned int round, i, k;
	char src[32];
	bool ok = true;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "10.1.0.0/16"));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_DENY, "10.2.0.0/16"));
	ASSERT_OK(ban(&h, "10.3.0.0/16", 3600));
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 300; i++) {
			for (k = 0; k < ARRAY_SIZE(kinds); k++) {
				snprintf(src, sizeof(src), kinds[k].fmt,
					 i / 200, i % 200 + 1);
				sg_test_context("round %u: %s", round, src);
				s.src = src;
				ok &= sg_h_expect_spec(&h, &s, kinds[k].action,
						       kinds[k].verdict,
						       kinds[k].reason);
			}
		}
	}
	sg_test_context(NULL);
	ASSERT_TRUE(ok);
	return true;
}
