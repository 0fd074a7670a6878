// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The request budget (issue 19) on the real program: what counts as a
 * request (payload and PSH, once per acknowledgment number: a request
 * follows a response; pure ACKs, PSH-less segments and the rest of an
 * upload do not), a retransmission counted once, IPv4 and IPv6, both
 * levels, the quota and monitor mode.
 */
#include <netinet/in.h>
#include "harness.h"
#include "limits_common.h"

#define PSH_ACK (SG_TH_PSH | SG_TH_ACK)

/*
 * A data segment; the server's answer to the previous request moved the
 * acknowledgment number: request i of a test acknowledges 1000 * (i + 1).
 */
static struct sg_h_hit data(struct sg_h *h, const char *src, __u8 flags,
			    __u32 seq, size_t len)
{
	return sg_h_send_data(h, src, TCP_PORT, flags, seq, seq * 1000 + 7,
			      len);
}

/* More segments of one write, or a retransmission: the same ack. */
static struct sg_h_hit more(struct sg_h *h, const char *src, __u8 flags,
			    __u32 seq, __u32 ack_of, size_t len)
{
	return sg_h_send_data(h, src, TCP_PORT, flags, seq, ack_of * 1000 + 7,
			      len);
}

/* Requests at 1/s with a burst of 2, nothing else limited. */
static void request_budget(struct sg_h *h, unsigned int level)
{
	h->cfg.budget[level][SG_BUDGET_REQUEST] = sg_h_budget(1, SEC, 2);
}

SG_TEST(requests_payload_and_psh_count_pure_acks_do_not)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.20";
	struct sg_h_hit r;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	request_budget(&h, SG_LEVEL_SOURCE);
	ASSERT_OK(sg_h_config_write(&h));
	/* A page download's ACKs, and segments of an upload without PSH. */
	for (i = 0; i < 50; i++) {
		sg_test_context("ACK %d", i);
		r = send_tcp(&h, src, SG_TH_ACK);
		ASSERT_TRUE(admitted(r));
		ASSERT_EQ(r.request, 0);
		r = data(&h, src, SG_TH_ACK, 1000 + i * 1400, 1400);
		ASSERT_TRUE(admitted(r));
		ASSERT_EQ(r.request, 0);
	}
	sg_test_context(NULL);
	/* SYN, FIN and RST carry no request either. */
	ASSERT_EQ(syn(&h, src).request, 0);
	ASSERT_EQ(send_tcp(&h, src, SG_TH_FIN | SG_TH_ACK).request, 0);
	/* Two requests are the burst; the third is over. */
	r = data(&h, src, PSH_ACK, 5000, 300);
	ASSERT_TRUE(admitted(r));
	ASSERT_EQ(r.request, 1);
	ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, 5300, 300)));
	r = data(&h, src, PSH_ACK, 5600, 300);
	ASSERT_TRUE(sg_h_dropped(&h, r, SG_REASON_REQUEST_RATE));
	/* Pure ACKs still pass: the budget is for requests only. */
	ASSERT_TRUE(admitted(send_tcp(&h, src, SG_TH_ACK)));
	/* A second later, one more request. */
	ASSERT_OK(sg_h_advance(&h, SEC));
	ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, 5900, 300)));
	ASSERT_TRUE(sg_h_dropped(&h, data(&h, src, PSH_ACK, 6200, 300),
				 SG_REASON_REQUEST_RATE));
	return true;
}

/*
 * A segment that passed and comes again (same source, ports, sequence and
 * length: a retransmission) is no new request; a dropped one is charged
 * again when it is retransmitted, so retransmitting is no way around it.
 */
SG_TEST(requests_retransmission_counted_once)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "2001:db8:19::5";
	struct sg_h_hit r;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	request_budget(&h, SG_LEVEL_SOURCE);
	ASSERT_OK(sg_h_config_write(&h));
	r = data(&h, src, PSH_ACK, 7000, 200);
	ASSERT_TRUE(admitted(r));
	ASSERT_EQ(r.request, 1);
	for (i = 0; i < 5; i++) {
		sg_test_context("retransmission %d", i);
		r = more(&h, src, PSH_ACK, 7000, 7000, 200);
		ASSERT_TRUE(admitted(r));
		ASSERT_EQ(r.request, 0);
	}
	sg_test_context(NULL);
	ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, 7200, 200)));
	/* Over budget: dropped, and so is every retransmission of it. */
	for (i = 0; i < 3; i++) {
		sg_test_context("dropped request, try %d", i);
		r = data(&h, src, PSH_ACK, 7400, 200);
		ASSERT_TRUE(sg_h_dropped(&h, r, SG_REASON_REQUEST_RATE));
		ASSERT_EQ(r.request, 1);
	}
	sg_test_context(NULL);
	/* Once a token is back, it goes through, counted once. */
	ASSERT_OK(sg_h_advance(&h, SEC));
	ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, 7400, 200)));
	r = more(&h, src, PSH_ACK, 7400, 7400, 200);
	ASSERT_TRUE(admitted(r));
	ASSERT_EQ(r.request, 0);
	return true;
}

/*
 * An upload: many full segments, every few with PSH (the sender's stack
 * marks each of its large buffers), all acknowledging the same server
 * data: one request, however large the upload.
 */
SG_TEST(requests_upload_counts_once)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.21";
	struct sg_h_hit r;
	int i, counted = 0;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	request_budget(&h, SG_LEVEL_SOURCE);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 700; i++) {
		sg_test_context("segment %d", i);
		r = more(&h, src, i % 4 == 3 ? PSH_ACK : SG_TH_ACK,
			 100000 + i * 1400, 50, 1400);
		ASSERT_TRUE(admitted(r));
		counted += r.request;
	}
	sg_test_context(NULL);
	ASSERT_EQ(counted, 1);
	/* The next request, after the server's answer, is one more. */
	ASSERT_EQ(data(&h, src, PSH_ACK, 2000000, 300).request, 1);
	return true;
}

/* The subnet's request budget is shared by its sources, both families. */
SG_TEST(requests_subnet_level)
{
	static const char *const v4[] = { "198.51.100.1", "198.51.100.2",
					  "198.51.100.3" };
	static const char *const v6[] = { "2001:db8:aa:1::1",
					  "2001:db8:aa:2::1",
					  "2001:db8:aa:3::1" };
	struct sg_h h SG_H_AUTO = {};
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	request_budget(&h, SG_LEVEL_SUBNET);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(admitted(data(&h, v4[i], PSH_ACK, 100, 50)));
		ASSERT_TRUE(admitted(data(&h, v6[i], PSH_ACK, 100, 50)));
	}
	ASSERT_TRUE(sg_h_dropped(&h, data(&h, v4[2], PSH_ACK, 100, 50),
				 SG_REASON_SUBNET_REQUEST_RATE));
	ASSERT_TRUE(sg_h_dropped(&h, data(&h, v6[2], PSH_ACK, 100, 50),
				 SG_REASON_SUBNET_REQUEST_RATE));
	/* Another /24 and /48 has its own. */
	ASSERT_TRUE(admitted(data(&h, "198.51.101.1", PSH_ACK, 100, 50)));
	ASSERT_TRUE(admitted(data(&h, "2001:db8:ab::1", PSH_ACK, 100, 50)));
	return true;
}

/* 5 requests per hour, all at once; then one per 12 minutes. */
SG_TEST(requests_quota)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.77";
	__u32 seq = 1;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_REQUEST_QUOTA] =
		sg_h_budget(5, 3600 * SEC, 5);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 5; i++, seq += 10)
		ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, seq, 10)));
	ASSERT_TRUE(sg_h_dropped(&h, data(&h, src, PSH_ACK, seq, 10),
				 SG_REASON_REQUEST_QUOTA));
	ASSERT_OK(sg_h_advance(&h, 11 * 60 * SEC));
	ASSERT_TRUE(sg_h_dropped(&h, data(&h, src, PSH_ACK, seq + 10, 10),
				 SG_REASON_REQUEST_QUOTA));
	ASSERT_OK(sg_h_advance(&h, 61 * SEC));
	ASSERT_TRUE(admitted(data(&h, src, PSH_ACK, seq + 20, 10)));
	return true;
}

/* Monitor mode: over-budget requests pass as would-drops, and a bot at
 * many times the rate makes a would-ban. */
SG_TEST(requests_monitor_mode)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.88";
	struct sg_h_snap before, after;
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	request_budget(&h, SG_LEVEL_SOURCE);
	h.cfg.mode = SG_MODE_MONITOR;
	h.cfg.ban_after = 3;
	h.cfg.ban_window_ns = 10 * SEC;
	h.cfg.ban_time_ns = 60 * SEC;
	h.cfg.ban_max_ns = 60 * SEC;
	h.cfg.events = sg_h_budget(100, SEC, 100);
	h.cfg.min_excess_milli = 5000;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_h_snap(&h, &before));
	for (i = 0; i < 10; i++) {
		sg_test_context("request %d", i);
		if (i < 2)
			ASSERT_TRUE(admitted(
				data(&h, src, PSH_ACK, 100 + i * 10, 10)));
		else
			ASSERT_TRUE(sg_h_dropped(
				&h, data(&h, src, PSH_ACK, 100 + i * 10, 10),
				SG_REASON_REQUEST_RATE));
		ASSERT_OK(sg_h_advance(&h, 10 * MSEC));
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_h_snap(&h, &after));
	ASSERT_EQ(sg_h_stat_delta(&before, &after,
				  SG_STAT_WOULD_BANS_FIRST + SG_BUDGET_REQUEST),
		  1);
	return true;
}
