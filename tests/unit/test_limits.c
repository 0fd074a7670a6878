// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rate-limit tests (issue #3) of the budgets, on the fixed test clock:
 * token-bucket conformance, refill, source and subnet levels, IPv6 /64
 * sources, the long-window quota and the service ceiling.
 */
#define _GNU_SOURCE /* CPU_SET, sched_setaffinity */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <unistd.h>
#include "harness.h"
#include "limits_common.h"

/* Burst at once, then exactly one per interval: never two, never none. */
SG_TEST(limits_bucket_conformance)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.10";
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	/* 10/s with a burst of 5: a token every 100 ms. */
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 5);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(admitted(syn(&h, src)));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
	/* Segments that open no connection are not charged to it. */
	ASSERT_TRUE(admitted(send_tcp(&h, src, SG_TH_ACK)));
	ASSERT_TRUE(admitted(send_tcp(&h, src, SG_TH_SYN | SG_TH_ACK)));
	for (i = 0; i < 20; i++) {
		sg_test_context("interval %d", i);
		ASSERT_OK(sg_h_advance(&h, 50 * MSEC));
		ASSERT_TRUE(
			sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
		ASSERT_OK(sg_h_advance(&h, 50 * MSEC));
		ASSERT_TRUE(admitted(syn(&h, src)));
		ASSERT_TRUE(
			sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
	}
	/* Another source has its own bucket. */
	ASSERT_TRUE(admitted(syn(&h, "192.0.2.11")));
	return true;
}

/* The packet budget charges every frame to the service, SYN or not. */
SG_TEST(limits_packet_rate)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "2001:db8:7::1";
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_PACKET] =
		sg_h_budget(100, SEC, 20);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 20; i++)
		ASSERT_TRUE(
			admitted(send_tcp(&h, src, i ? SG_TH_ACK : SG_TH_SYN)));
	ASSERT_TRUE(sg_h_dropped(&h, send_tcp(&h, src, SG_TH_ACK),
				 SG_REASON_PACKET_RATE));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_PACKET_RATE));
	ASSERT_OK(sg_h_advance(&h, 10 * MSEC));
	ASSERT_TRUE(admitted(send_tcp(&h, src, SG_TH_ACK)));
	ASSERT_TRUE(sg_h_dropped(&h, send_tcp(&h, src, SG_TH_ACK),
				 SG_REASON_PACKET_RATE));
	return true;
}

/* However long the idle time, the bank holds the burst and no more. */
SG_TEST(limits_refill_caps_at_burst)
{
	static const __u64 idle[] = { 3600 * SEC, 400ULL * 24 * 3600 * SEC,
				      (1ULL << 62) };
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.20";
	unsigned int i, k;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 3);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		sg_test_context("idle %llu ns", (unsigned long long)idle[i]);
		ASSERT_OK(sg_h_advance(&h, idle[i]));
		for (k = 0; k < 3; k++)
			ASSERT_TRUE(admitted(syn(&h, src)));
		ASSERT_TRUE(
			sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_RATE));
	}
	return true;
}

/* 20 addresses of one /24, each under its own budget, meet the subnet's. */
SG_TEST(limits_subnet_level)
{
	struct sg_h h SG_H_AUTO = {};
	char src[32];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 5);
	h.cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN] =
		sg_h_budget(10, SEC, 10);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "198.18.7.%d", 10 + i);
		sg_test_context("%s", src);
		if (i < 10)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_SUBNET_CONN_RATE));
	}
	sg_test_context(NULL);
	ASSERT_TRUE(admitted(syn(&h, "198.18.8.1")));
	return true;
}

/* Rotating addresses inside one /64 is one IPv6 source. */
SG_TEST(limits_ipv6_rotation_in_64)
{
	struct sg_h h SG_H_AUTO = {};
	char src[64];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 5);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "2001:db8:1:2:%x:%x::%x",
			 (i * 7919) & 0xffff, i, i + 1);
		sg_test_context("%s", src);
		if (i < 5)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_CONN_RATE));
	}
	sg_test_context(NULL);
	/* The neighbouring /64 in the same /48 is another source. */
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:1:3::1")));
	return true;
}

/* 10 an hour: 10 admitted, the 11th refused, one more every 6 minutes. */
SG_TEST(limits_long_window_quota)
{
	struct sg_h h SG_H_AUTO = {};
	const char *src = "192.0.2.30";
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(1, SEC, 5);
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_QUOTA] =
		sg_h_budget(10, 3600 * SEC, 10);
	ASSERT_OK(sg_h_config_write(&h));
	/* Paced under the per-second budget, so only the quota bites. */
	for (i = 0; i < 10; i++) {
		ASSERT_TRUE(admitted(syn(&h, src)));
		ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	}
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_QUOTA));
	ASSERT_OK(sg_h_advance(&h, 6 * 60 * SEC - 20 * SEC));
	ASSERT_TRUE(admitted(syn(&h, src)));
	ASSERT_OK(sg_h_advance(&h, 2 * SEC));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src), SG_REASON_CONN_QUOTA));
	ASSERT_OK(sg_h_advance(&h, 6 * 60 * SEC));
	ASSERT_TRUE(admitted(syn(&h, src)));
	return true;
}

/*
 * The service's ceiling caps new connections from everyone together;
 * the allowlist is exempt and a ceiling hit is nobody's offence.
 */
SG_TEST(limits_service_ceiling)
{
	struct sg_service svc = { .proto = IPPROTO_TCP, .port = TCP_PORT };
	struct sg_h h SG_H_AUTO = {};
	char src[32];
	size_t bans;
	int i;

	ASSERT_OPEN(&h, NULL);
	svc.ceiling = sg_h_budget(10, SEC, 3);
	ASSERT_OK(sg_h_service(&h, 0, &svc));
	ASSERT_OK(sg_h_list_add(&h, SG_LIST_ALLOW, "192.0.2.99"));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 2);
	h.cfg.ban_after = 1;
	h.cfg.ban_window_ns = 10 * SEC;
	h.cfg.ban_time_ns = 60 * SEC;
	h.cfg.ban_max_ns = 60 * SEC;
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 6; i++) {
		snprintf(src, sizeof(src), "203.0.%d.1", 113 + i);
		sg_test_context("%s", src);
		if (i < 3)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_SERVICE_CEILING));
	}
	sg_test_context(NULL);
	ASSERT_TRUE(sg_h_passed(syn(&h, "192.0.2.99"), SG_REASON_ALLOWLIST));
	ASSERT_TRUE(admitted(send_tcp(&h, "203.0.200.1", SG_TH_ACK)));
	ASSERT_OK(sg_h_advance(&h, 100 * MSEC));
	ASSERT_TRUE(admitted(syn(&h, "203.0.201.1")));
	ASSERT_TRUE(sg_h_dropped(&h, syn(&h, "203.0.202.1"),
				 SG_REASON_SERVICE_CEILING));
	ASSERT_OK(sg_h_ban_count(&h, SG_FAMILY_V4, &bans));
	ASSERT_EQ(bans, 0);
	return true;
}

/* QUIC Initials are new connections only where the service says QUIC. */
SG_TEST(limits_quic_initial_is_a_new_connection)
{
	__u8 initial[SG_QUIC_INITIAL_LEN], short_hdr[64];
	struct sg_pkt_spec s = { .proto = IPPROTO_UDP, .sport = 50000 };
	struct sg_h h SG_H_AUTO = {};
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_UDP, 443, SG_SERVICE_QUIC));
	ASSERT_OK(sg_h_protect(&h, 1, IPPROTO_UDP, 4433, 0));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 2);
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_EQ(sg_quic_initial(initial, sizeof(initial), 1),
		  sizeof(initial));
	ASSERT_EQ(sg_quic_short(short_hdr, sizeof(short_hdr),
				sizeof(short_hdr)),
		  sizeof(short_hdr));

	/* Without the QUIC flag nothing on UDP opens a connection. */
	s.dport = 4433;
	s.payload = initial;
	s.payload_len = sizeof(initial);
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_PASS, SG_VERDICT_PASS,
					     SG_REASON_WITHIN_BUDGET));
	/* With it, Initials are charged and short headers are not. */
	s.dport = 443;
	s.src = "192.0.2.150";
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_PASS, SG_VERDICT_PASS,
					     SG_REASON_WITHIN_BUDGET));
	ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_DROP, SG_VERDICT_DROP,
				     SG_REASON_CONN_RATE));
	s.payload = short_hdr;
	s.payload_len = sizeof(short_hdr);
	ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_PASS, SG_VERDICT_PASS,
				     SG_REASON_WITHIN_BUDGET));
	return true;
}

/* The configured prefix lengths decide what one source and subnet are. */
SG_TEST(limits_prefix_lengths_are_configurable)
{
	struct sg_h h SG_H_AUTO = {};
	char src[64];
	int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	h.cfg.prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE] = 28;
	h.cfg.prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE] = 56;
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 4);
	ASSERT_OK(sg_h_config_write(&h));
	for (i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", 16 + i);
		sg_test_context("%s", src);
		if (i < 4)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_CONN_RATE));
		snprintf(src, sizeof(src), "2001:db8:0:%x::1", 0x100 + i);
		sg_test_context("%s", src);
		if (i < 4)
			ASSERT_TRUE(admitted(syn(&h, src)));
		else
			ASSERT_TRUE(sg_h_dropped(&h, syn(&h, src),
						 SG_REASON_CONN_RATE));
	}
	sg_test_context(NULL);
	ASSERT_TRUE(admitted(syn(&h, "192.0.2.32")));
	ASSERT_TRUE(admitted(syn(&h, "2001:db8:0:200::1")));
	return true;
}

/* ---- two CPUs, one source ---------------------------------------------- */

struct cpu_flood {
	int prog_fd, cpu, err;
	const struct sg_frame *frame;
	pthread_barrier_t *start;
};

static void *cpu_flood_run(void *arg)
{
	struct cpu_flood *c = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = c->frame->data,
		    .data_size_in = c->frame->len, .repeat = 20000);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	c->err = sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
	pthread_barrier_wait(c->start);
	/* One call, 20,000 runs back to back in the kernel: the two CPUs
	 * race on the same budget the whole time. */
	if (!c->err && bpf_prog_test_run_opts(c->prog_fd, &opts))
		c->err = -errno;
	return NULL;
}

/*
 * The same source on two CPUs at once must not get twice its budget, nor
 * one token more: the budget's arrival time is updated with compare-and-
 * swap. With time frozen a burst of 1000 admits exactly 1000 of 40,000
 * SYNs sent by two CPUs racing. (With a plain store instead, 1007 to 1017
 * got through here.)
 */
SG_TEST(limits_two_cpus_one_budget)
{
	struct sg_h h SG_H_AUTO = {};
	struct cpu_flood c[2];
	struct sg_h_snap before, after;
	struct sg_pkt_spec spec = { .src = "192.0.2.77",
				    .sport = 40000,
				    .dport = TCP_PORT,
				    .tcp_flags = SG_TH_SYN };
	pthread_barrier_t start;
	pthread_t t[2];
	struct sg_frame f;
	__u64 admitted_n, refused_n;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		TEST_SKIP("needs two CPUs");
	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	memset(h.cfg.budget, 0, sizeof(h.cfg.budget));
	h.cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] =
		sg_h_budget(1, 3600 * SEC, 1000);
	h.cfg.ban_after = 0;
	ASSERT_OK(sg_h_config_write(&h));
	ASSERT_OK(sg_pkt_build(&spec, &f));
	ASSERT_OK(sg_h_snap(&h, &before));
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		c[i] = (struct cpu_flood){ .prog_fd = h.prog_fd,
					   .cpu = i,
					   .frame = &f,
					   .start = &start };
		ASSERT_EQ(pthread_create(&t[i], NULL, cpu_flood_run, &c[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	ASSERT_OK(c[0].err);
	ASSERT_OK(c[1].err);
	ASSERT_OK(sg_h_snap(&h, &after));
	admitted_n = after.c[SG_VERDICT_PASS][SG_REASON_WITHIN_BUDGET].packets -
		     before.c[SG_VERDICT_PASS][SG_REASON_WITHIN_BUDGET].packets;
	refused_n = after.c[SG_VERDICT_DROP][SG_REASON_CONN_RATE].packets -
		    before.c[SG_VERDICT_DROP][SG_REASON_CONN_RATE].packets;
	printf("  two CPUs: %llu admitted, %llu refused of 40000\n",
	       (unsigned long long)admitted_n, (unsigned long long)refused_n);
	ASSERT_EQ(admitted_n + refused_n, 40000);
	ASSERT_EQ(admitted_n, 1000);
	return true;
}
