// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Synthetic captures for `slotguard replay`'s tests and benchmark: people
 * (a SYN now and then, requests, ACKs, IPv4 and IPv6) and bots (a new
 * connection every frame) to one protected port, plus unprotected UDP,
 * written as pcap or pcapng with the link type asked for. Deterministic
 * for a seed. Written by hand, not through libpcap, which writes no
 * pcapng.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include "pkt.h"
#include "tool.h"

enum link { L_ETHER, L_VLAN, L_SLL, L_SLL2, L_RAW };
static const struct {
	const char *name;
	__u32 dlt;
} links[] = {
	[L_ETHER] = { "ether", 1 }, [L_VLAN] = { "vlan", 1 },
	[L_SLL] = { "sll", 113 },   [L_SLL2] = { "sll2", 276 },
	[L_RAW] = { "raw", 101 },
};

struct gen {
	FILE *out;
	bool pcapng;
	int link;
	long long frames, people, bots, rate, port, start, bot_pct;
	__u64 seed, ts_ns;
	__u32 *acks; /* per person: the next request's acknowledgment */
};

static const char usage[] =
	"Usage: sg_pcapgen -o FILE [-n FRAMES] [--format pcap|pcapng]\n"
	"                  [--link ether|vlan|sll|sll2|raw] [--people N]\n"
	"                  [--bots N] [--bot-share PERCENT] [--rate FRAMES/S]\n"
	"                  [--port PORT] [--start UNIX_SECONDS] [--seed N]\n"
	"Writes FRAMES frames (100000) of people (2000, from 10.10.0.0/16 on, a\n"
	"few per /24, and 2001:db8::/32 on, one per /48) and bots (4, each alone\n"
	"in 10.66.B.0/24) hitting 198.51.100.10 on TCP PORT (443), bots sending PERCENT (60) of the\n"
	"frames, one every 1/RATE s (10000/s) of capture time, and 1 frame in\n"
	"20 unprotected (UDP 53).\n";

static __u64 next_rand(struct gen *g)
{
	g->seed ^= g->seed << 13;
	g->seed ^= g->seed >> 7;
	g->seed ^= g->seed << 17;
	return g->seed;
}

static void put(struct gen *g, const void *p, size_t n)
{
	if (fwrite(p, 1, n, g->out) != n) {
		perror("sg_pcapgen: write");
		exit(1);
	}
}

static void put32(struct gen *g, __u32 v)
{
	put(g, &v, 4);
}

static void header(struct gen *g)
{
	static const __u8 tsresol[8] = { 9, 0, 1, 0, 9, 0, 0, 0 };
	__u16 v16[2];

	if (!g->pcapng) {
		put32(g, 0xa1b23c4d); /* nanosecond pcap */
		v16[0] = 2;
		v16[1] = 4;
		put(g, v16, 4);
		put32(g, 0);
		put32(g, 0);
		put32(g, 262144);
		put32(g, links[g->link].dlt);
		return;
	}
	put32(g, 0x0a0d0d0a); /* section header block */
	put32(g, 28);
	put32(g, 0x1a2b3c4d);
	v16[0] = 1;
	v16[1] = 0;
	put(g, v16, 4);
	put32(g, 0xffffffff);
	put32(g, 0xffffffff);
	put32(g, 28);
	put32(g, 1); /* interface description, if_tsresol 9: ns */
	put32(g, 32);
	v16[0] = (__u16)links[g->link].dlt;
	v16[1] = 0;
	put(g, v16, 4);
	put32(g, 262144);
	put(g, tsresol, 8);
	put32(g, 0); /* end of options */
	put32(g, 32);
}

static void record(struct gen *g, const __u8 *data, __u32 len)
{
	static const __u8 pad[4];
	__u32 padded = (len + 3) & ~3U;

	if (!g->pcapng) {
		put32(g, (__u32)(g->ts_ns / 1000000000ULL));
		put32(g, (__u32)(g->ts_ns % 1000000000ULL));
		put32(g, len);
		put32(g, len);
		put(g, data, len);
		return;
	}
	put32(g, 6); /* enhanced packet block */
	put32(g, 32 + padded);
	put32(g, 0);
	put32(g, (__u32)(g->ts_ns >> 32));
	put32(g, (__u32)g->ts_ns);
	put32(g, len);
	put32(g, len);
	put(g, data, len);
	put(g, pad, padded - len);
	put32(g, 32 + padded);
}

/* The frame as the link type has it. */
static void emit(struct gen *g, const struct sg_frame *f)
{
	__u8 buf[SG_PKT_MAX_LEN + 32];
	size_t l3 = f->len - 14;

	memset(buf, 0, 20);
	switch (g->link) {
	case L_SLL: /* incoming, Ethernet, 6-byte address, then the type */
		buf[3] = 1;
		buf[5] = 6;
		memcpy(buf + 6, f->data + 6, 6);
		memcpy(buf + 14, f->data + 12, 2 + l3);
		record(g, buf, 16 + l3);
		break;
	case L_SLL2: /* type, reserved, ifindex 2, ARPHRD_ETHER, host */
		memcpy(buf, f->data + 12, 2);
		buf[7] = 2;
		buf[9] = 1;
		buf[11] = 6;
		memcpy(buf + 12, f->data + 6, 6);
		memcpy(buf + 20, f->data + 14, l3);
		record(g, buf, 20 + l3);
		break;
	case L_RAW:
		record(g, f->data + 14, (__u32)l3);
		break;
	default:
		record(g, f->data, (__u32)f->len);
	}
}

static void person(struct gen *g, struct sg_pkt_spec *s, char *src, size_t len)
{
	long long k = (long long)(next_rand(g) % (__u64)g->people);
	__u64 r = next_rand(g);

	if (k % 5 == 4) {
		s->family = 1;
		snprintf(src, len, "2001:%llx:%llx::2", 0xdb8 + k / 0x10000,
			 k % 0x10000);
		s->dst = "2001:db8:ffff::10";
	} else {
		snprintf(src, len, "10.%lld.%lld.%lld", 10 + k / 62500, k % 250,
			 k / 250 % 250 + 2);
	}
	s->sport = (__u16)(20000 + k % 40000);
	if (r % 8 == 0) {
		s->tcp_flags = SG_TH_SYN;
	} else if (r % 8 < 4) {
		s->tcp_flags = SG_TH_ACK | SG_TH_PSH;
		s->tcp_ack = g->acks[k] += 1000;
		s->payload_len = 200;
	} else {
		s->tcp_flags = SG_TH_ACK;
	}
}

static void one_frame(struct gen *g)
{
	static const __u8 payload[256];
	struct sg_pkt_spec s = {};
	struct sg_frame f;
	char src[64];
	__u64 r = next_rand(g);

	s.dst = "198.51.100.10";
	s.dport = (__u16)g->port;
	s.payload = payload;
	s.src = src;
	if (g->link == L_VLAN) {
		s.n_vlans = 1;
		s.vlan_tpid[0] = ETH_P_8021Q;
		s.vlan_id[0] = 66;
	}
	if (r % 20 == 0) {
		snprintf(src, sizeof(src), "10.20.0.%u",
			 (unsigned)(r >> 8) % 250);
		s.proto = IPPROTO_UDP;
		s.sport = 5353;
		s.dport = 53;
	} else if ((long long)((r >> 8) % 100) < g->bot_pct && g->bots) {
		snprintf(src, sizeof(src), "10.66.%u.7",
			 (unsigned)((r >> 20) % (__u64)g->bots));
		s.sport = (__u16)(1024 + (r >> 32) % 60000);
		s.tcp_flags = SG_TH_SYN;
	} else {
		person(g, &s, src, sizeof(src));
	}
	if (sg_pkt_build(&s, &f)) {
		fprintf(stderr, "sg_pcapgen: building a frame from %s failed\n",
			src);
		exit(1);
	}
	emit(g, &f);
	g->ts_ns += 1000000000ULL / (__u64)g->rate;
}

static int opt_link(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (!strcmp(name, links[i].name))
			return (int)i;
	fprintf(stderr,
		"sg_pcapgen: --link %s: ether, vlan, sll, sll2 or raw\n", name);
	exit(2);
}

static long long num(const char *text, long long min, long long max)
{
	long long v;

	if (sg_tool_parse_int(text, min, max, &v)) {
		fprintf(stderr,
			"sg_pcapgen: '%s' is not a number in %lld..%lld\n",
			text, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "frames", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "link", required_argument, NULL, 'l' },
		{ "people", required_argument, NULL, 'p' },
		{ "bots", required_argument, NULL, 'b' },
		{ "bot-share", required_argument, NULL, 'B' },
		{ "rate", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'P' },
		{ "start", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g = { .frames = 100000,
			 .people = 2000,
			 .bots = 4,
			 .rate = 10000,
			 .port = 443,
			 .start = 1767225600,
			 .bot_pct = 60,
			 .seed = 0x5107 };
	const char *out = NULL;
	long long i;
	int c;

	while ((c = getopt_long(argc, argv, "o:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			g.frames = num(optarg, 0, 1LL << 40);
			break;
		case 'f':
			if (strcmp(optarg, "pcap") &&
			    strcmp(optarg, "pcapng")) {
				fprintf(stderr,
					"sg_pcapgen: --format pcap or pcapng\n");
				return 2;
			}
			g.pcapng = !strcmp(optarg, "pcapng");
			break;
		case 'l':
			g.link = opt_link(optarg);
			break;
		case 'p':
			g.people = num(optarg, 1, 1000000);
			break;
		case 'b':
			g.bots = num(optarg, 0, 200);
			break;
		case 'B':
			g.bot_pct = num(optarg, 0, 100);
			break;
		case 'r':
			g.rate = num(optarg, 1, 1000000000);
			break;
		case 'P':
			g.port = num(optarg, 1, 65535);
			break;
		case 's':
			g.start = num(optarg, 0, 1LL << 33);
			break;
		case 'S':
			g.seed = (__u64)num(optarg, 1, 1LL << 62);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!out || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	g.out = !strcmp(out, "-") ? stdout : fopen(out, "wb");
	g.acks = calloc((size_t)g.people, sizeof(*g.acks));
	if (!g.out || !g.acks) {
		fprintf(stderr, "sg_pcapgen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	g.ts_ns = (__u64)g.start * 1000000000ULL;
	header(&g);
	for (i = 0; i < g.frames; i++)
		one_frame(&g);
	if (fclose(g.out)) {
		fprintf(stderr, "sg_pcapgen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	free(g.acks);
	return 0;
}
