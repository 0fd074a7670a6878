// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard replay`'s capture reader on good captures (pcap and pcapng;
 * Ethernet, VLAN, SLL, SLL2, raw IP; snap-length and oversized frames)
 * and bad ones (truncated, unknown link type, absurd lengths, not a
 * capture), each refused naming the frame and its byte offset; and one
 * capture through the private program, whose ban lands at the capture
 * time of the frame that made it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include "replay/replay.h"
#include "pkt.h"
#include "test.h"

#define T0_NS (1767225600ULL * 1000000000ULL) /* 2026-01-01T00:00:00Z */

/* A capture being written in memory. */
struct cap {
	__u8 *buf;
	size_t len;
	char path[32];
};

static void cap_put(struct cap *c, const void *p, size_t n)
{
	c->buf = realloc(c->buf, c->len + n);
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void cap_u32(struct cap *c, __u32 v)
{
	cap_put(c, &v, 4);
}

/* A nanosecond pcap header of link type dlt. */
static void pcap_head(struct cap *c, __u32 dlt)
{
	__u16 version[2] = { 2, 4 };

	cap_u32(c, 0xa1b23c4d);
	cap_put(c, version, 4);
	cap_u32(c, 0);
	cap_u32(c, 0);
	cap_u32(c, 262144);
	cap_u32(c, dlt);
}

static void pcap_rec(struct cap *c, __u64 ts, const void *p, __u32 caplen,
		     __u32 len)
{
	cap_u32(c, (__u32)(ts / 1000000000ULL));
	cap_u32(c, (__u32)(ts % 1000000000ULL));
	cap_u32(c, caplen);
	cap_u32(c, len);
	cap_put(c, p, caplen);
}

static void pcapng_head(struct cap *c, __u16 dlt)
{
	static const __u8 tsresol[8] = { 9, 0, 1, 0, 9, 0, 0, 0 };
	__u16 v[2] = { 1, 0 };

	cap_u32(c, 0x0a0d0d0a);
	cap_u32(c, 28);
	cap_u32(c, 0x1a2b3c4d);
	cap_put(c, v, 4);
	cap_u32(c, 0xffffffff);
	cap_u32(c, 0xffffffff);
	cap_u32(c, 28);
	cap_u32(c, 1);
	cap_u32(c, 32);
	v[0] = dlt;
	v[1] = 0;
	cap_put(c, v, 4);
	cap_u32(c, 262144);
	cap_put(c, tsresol, 8);
	cap_u32(c, 0);
	cap_u32(c, 32);
}

static void pcapng_rec(struct cap *c, __u64 ts, const void *p, __u32 len)
{
	static const __u8 pad[4];
	__u32 padded = (len + 3) & ~3U;

	cap_u32(c, 6);
	cap_u32(c, 32 + padded);
	cap_u32(c, 0);
	cap_u32(c, (__u32)(ts >> 32));
	cap_u32(c, (__u32)ts);
	cap_u32(c, len);
	cap_u32(c, len);
	cap_put(c, p, len);
	cap_put(c, pad, padded - len);
	cap_u32(c, 32 + padded);
}

/* A SYN from src to 198.51.100.10:443, as an Ethernet frame. */
static bool syn(const char *src, unsigned int vlans, struct sg_frame *f)
{
	struct sg_pkt_spec s = { .src = src,
				 .dst = "198.51.100.10",
				 .dport = 443,
				 .sport = 40000,
				 .tcp_flags = SG_TH_SYN,
				 .n_vlans = vlans };

	if (strchr(src, ':')) {
		s.family = SG_FAMILY_V6;
		s.dst = "2001:db8::10";
	}
	return !sg_pkt_build(&s, f);
}

/* Open c's bytes as a capture; the caller closes it and unlinks path. */
static bool cap_open(struct cap *c, struct sg_capture **out, char *err,
		     size_t len)
{
	int ret;

	if (!sg_test_write_temp(c->path, c->buf, c->len))
		return false;
	ret = sg_capture_open(c->path, out, err, len);
	if (ret)
		sg_test_log("open: %s", err);
	return !ret;
}

static void cap_done(struct cap *c, struct sg_capture *k)
{
	sg_capture_close(k);
	unlink(c->path);
	free(c->buf);
}

SG_TEST(replay_capture_link_types)
{
	static const struct {
		const char *name;
		__u32 dlt;
		bool ng;
	} kinds[] = {
		{ "ether", 1, false }, { "vlan", 1, true },
		{ "sll", 113, false }, { "sll2", 276, true },
		{ "raw", 101, false },
	};
	struct sg_capture_frame got;
	struct sg_capture *k;
	struct sg_frame f, v;
	char err[SG_ERR_LEN];
	__u8 rec[2048];
	unsigned int i;
	size_t l3;

	ASSERT_TRUE(syn("10.66.0.7", 0, &f));
	ASSERT_TRUE(syn("10.66.0.7", 1, &v));
	l3 = f.len - ETH_HLEN;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct cap c = {};
		size_t n;

		sg_test_context("%s", kinds[i].name);
		memset(rec, 0, 32);
		if (kinds[i].dlt == 1) { /* two frames: a plain one, a tagged */
			memcpy(rec, i ? v.data : f.data, i ? v.len : f.len);
			n = i ? v.len : f.len;
		} else if (kinds[i].dlt == 113) {
			rec[1] = PACKET_OUTGOING; /* the host sent it */
			memcpy(rec + 14, f.data + 12, 2 + l3);
			n = 16 + l3;
		} else if (kinds[i].dlt == 276) {
			memcpy(rec, f.data + 12, 2);
			memcpy(rec + 20, f.data + 14, l3);
			n = 20 + l3;
		} else {
			memcpy(rec, f.data + 14, l3);
			n = l3;
		}
		if (kinds[i].ng) {
			pcapng_head(&c, (__u16)kinds[i].dlt);
			pcapng_rec(&c, T0_NS + 7, rec, (__u32)n);
		} else {
			pcap_head(&c, kinds[i].dlt);
			pcap_rec(&c, T0_NS + 7, rec, (__u32)n, (__u32)n);
		}
		ASSERT_TRUE(cap_open(&c, &k, err, sizeof(err)));
		ASSERT_EQ(sg_capture_next(k, &got, err, sizeof(err)), 1);
		ASSERT_EQ(got.number, 1);
		ASSERT_EQ(got.ts_ns, T0_NS + 7);
		ASSERT_EQ(got.offset, kinds[i].ng ? 60 : 24);
		ASSERT_EQ(got.outgoing, kinds[i].dlt == 113);
		if (i == 1) {
			ASSERT_EQ(got.eth_len, v.len);
			ASSERT_MEMEQ(got.eth, v.data, v.len);
		} else {
			/* The synthesized header keeps the type and the packet.
			 */
			ASSERT_EQ(got.eth_len, f.len);
			ASSERT_MEMEQ(got.eth + 12, f.data + 12, f.len - 12);
		}
		ASSERT_EQ(sg_capture_next(k, &got, err, sizeof(err)), 0);
		cap_done(&c, k);
	}
	return true;
}

SG_TEST(replay_capture_snap_and_oversize)
{
	struct sg_capture_frame got;
	struct cap c = {};
	struct sg_capture *k;
	struct sg_frame f;
	char err[SG_ERR_LEN];
	static __u8 big[9000];
	__u16 tot;

	ASSERT_TRUE(syn("10.66.0.7", 0, &f));
	pcap_head(&c, 1);
	/* Cut by a 40-byte snap length: zeros up to the wire length. */
	pcap_rec(&c, T0_NS, f.data, 40, (__u32)f.len);
	/* A 9,000-byte GRO frame: cut to what the program takes. */
	memcpy(big, f.data, f.len);
	tot = htons(9000 - ETH_HLEN);
	memcpy(big + ETH_HLEN + 2, &tot, 2);
	pcap_rec(&c, T0_NS + 1, big, sizeof(big), sizeof(big));
	ASSERT_TRUE(cap_open(&c, &k, err, sizeof(err)));
	ASSERT_EQ(sg_capture_next(k, &got, err, sizeof(err)), 1);
	ASSERT_EQ(got.eth_len, f.len);
	ASSERT_MEMEQ(got.eth, f.data, 40);
	ASSERT_EQ(got.eth[40] | got.eth[f.len - 1], 0);
	ASSERT_EQ(sg_capture_next(k, &got, err, sizeof(err)), 1);
	ASSERT_EQ(got.len, 9000);
	ASSERT_EQ(got.eth_len, SG_REPLAY_FRAME_MAX);
	memcpy(&tot, got.eth + ETH_HLEN + 2, 2);
	ASSERT_EQ(ntohs(tot), SG_REPLAY_FRAME_MAX - ETH_HLEN);
	cap_done(&c, k);
	return true;
}

/* The capture must be refused: at open (frame 0) or at frame `frame`. */
static bool refused(struct cap *c, unsigned int frame, const char *words)
{
	struct sg_capture_frame got;
	struct sg_capture *k = NULL;
	char err[SG_ERR_LEN] = "", want[64];
	unsigned int n = 0;
	int ret;

	if (!sg_test_write_temp(c->path, c->buf, c->len))
		return false;
	ret = sg_capture_open(c->path, &k, err, sizeof(err));
	while (!ret) {
		ret = sg_capture_next(k, &got, err, sizeof(err));
		if (ret != 1)
			break;
		n++;
		ret = 0;
	}
	cap_done(c, k);
	snprintf(want, sizeof(want), "frame %u at byte", frame);
	if (ret >= 0 || !strstr(err, c->path) || !strstr(err, words) ||
	    (frame && !strstr(err, want)) || (frame && n != frame - 1)) {
		sg_test_fail_at(__FILE__, __LINE__,
				"want '%s' (frame %u), got %d after %u frames: "
				"'%s'",
				words, frame, ret, n, err);
		return false;
	}
	return true;
}

SG_TEST(replay_capture_bad)
{
	struct cap c = {};
	struct sg_frame f;

	ASSERT_TRUE(syn("10.66.0.7", 0, &f));
	sg_test_context("not a capture");
	cap_put(&c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	ASSERT_TRUE(refused(&c, 0, "not a capture"));
	sg_test_context("file header cut");
	c = (struct cap){};
	pcap_head(&c, 1);
	c.len = 10;
	ASSERT_TRUE(refused(&c, 0, "truncated"));
	sg_test_context("unknown link type");
	c = (struct cap){};
	pcap_head(&c, 147);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, (__u32)f.len);
	ASSERT_TRUE(refused(&c, 0, "link type 147"));
	sg_test_context("record header cut");
	c = (struct cap){};
	pcap_head(&c, 1);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, (__u32)f.len);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, (__u32)f.len);
	c.len -= f.len + 8;
	ASSERT_TRUE(refused(&c, 2, "truncated"));
	sg_test_context("record data cut");
	c = (struct cap){};
	pcap_head(&c, 1);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, (__u32)f.len);
	c.len -= 10;
	ASSERT_TRUE(refused(&c, 1, "truncated"));
	sg_test_context("caplen beyond any snap length");
	c = (struct cap){};
	pcap_head(&c, 1);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, (__u32)f.len);
	memcpy(c.buf + 24 + 8, &(__u32){ 5000000 }, 4);
	ASSERT_TRUE(refused(&c, 1, "5000000"));
	sg_test_context("more captured than the frame had");
	c = (struct cap){};
	pcap_head(&c, 1);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, 20);
	ASSERT_TRUE(refused(&c, 1, "more bytes captured"));
	sg_test_context("a wire length of 100 MB");
	c = (struct cap){};
	pcap_head(&c, 1);
	pcap_rec(&c, T0_NS, f.data, (__u32)f.len, 100000000);
	ASSERT_TRUE(refused(&c, 1, "absurd"));
	sg_test_context("cooked header cut");
	c = (struct cap){};
	pcap_head(&c, 113);
	pcap_rec(&c, T0_NS, f.data, 10, 10);
	ASSERT_TRUE(refused(&c, 1, "16-byte"));
	sg_test_context("pcapng block cut");
	c = (struct cap){};
	pcapng_head(&c, 1);
	pcapng_rec(&c, T0_NS, f.data, (__u32)f.len);
	pcapng_rec(&c, T0_NS, f.data, (__u32)f.len);
	c.len -= 12;
	ASSERT_TRUE(refused(&c, 2, "truncated"));
	return true;
}

/*
 * 30 SYNs of a bot, one every 10 ms of capture time, through the real
 * program with a burst of 5 and a ban after 3 violations: the ban is made
 * by the 8th frame, at its capture time, and what follows is `banned`.
 */
SG_TEST(replay_run_bans_at_capture_time)
{
	static const char conf[] = "[slotguard]\nmode = enforce\n"
				   "[service booking]\nprotocol = tcp\n"
				   "port = 443\n[source]\nconn_rate = 1/s\n"
				   "conn_burst = 5\n[ban]\nafter = 3\n"
				   "window = 10s\ntime = 1m\nmin_excess = 1\n";
	const struct sg_replay_tally *t;
	struct sg_capture_frame fr = {};
	struct sg_replay_run *r = NULL;
	struct sg_replay_hit hit;
	char path[32], err[SG_ERR_LEN];
	struct sg_frame f;
	unsigned int i;
	int ret;

	ASSERT_TRUE(syn("10.66.0.7", 0, &f));
	ASSERT_TRUE(sg_test_write_temp(path, conf, sizeof(conf) - 1));
	ret = sg_replay_run_open(path, T0_NS, &r, err, sizeof(err));
	unlink(path);
	if (ret == -EPERM)
		TEST_SKIP("loading BPF needs root (CAP_BPF)");
	if (ret)
		sg_test_log("%s", err);
	ASSERT_OK(ret);
	fr.eth = f.data;
	fr.eth_len = (__u32)f.len;
	fr.len = (__u32)f.len;
	for (i = 0; i < 30; i++) {
		fr.number = i + 1;
		fr.ts_ns = T0_NS + i * 10000000ULL;
		ret = sg_replay_run_frame(r, &fr, &hit);
		if (ret)
			break;
	}
	sg_replay_run_finish(r);
	t = sg_replay_run_tally(r);
	ASSERT_OK(ret);
	ASSERT_EQ(t->n_bans, 1);
	ASSERT_EQ(t->bans[0].time_ns, T0_NS + 7 * 10000000ULL);
	ASSERT_EQ(t->bans[0].reason, SG_REASON_CONN_RATE);
	ASSERT_EQ(
		t->counts[1][SG_VERDICT_PASS][SG_REASON_WITHIN_BUDGET].packets,
		5);
	ASSERT_EQ(t->counts[1][SG_VERDICT_DROP][SG_REASON_CONN_RATE].packets,
		  3);
	ASSERT_EQ(t->counts[1][SG_VERDICT_DROP][SG_REASON_BANNED].packets, 22);
	sg_replay_run_close(r);
	return true;
}
