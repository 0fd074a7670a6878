// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Data-path tests of the parser (issue #2): a fixture table of frame shapes
 * with the action, reason, counter delta and parse trace each must give,
 * truncation at every length, and which traffic counts as protected.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <unistd.h>
#include "harness.h"

#define TCP_PORT      443  /* service 0 */
#define UDP_PORT      443  /* service 1, with SG_SERVICE_QUIC */
#define TCP_ONLY_PORT 8443 /* service 2: protected for TCP only */
#define OPEN_PORT     8080
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The usual row: a TCP SYN from port 40000 to the protected service. */
#define SYN .sport = 40000, .dport = TCP_PORT, .tcp_flags = SG_TH_SYN
#define UDP .proto = IPPROTO_UDP, .sport = 40000, .dport = UDP_PORT
#define V6  .family = SG_FAMILY_V6
#define EXT(t)                      \
	{                           \
		.type = IPPROTO_##t \
	}

/* What sg_trace must hold after the frame, when the row checks it. */
struct trace_want {
	__u8 family, proto, frag, vlans, tcp_flags, new_conn;
	__u16 sport, dport;
};

struct parse_case {
	const char *name;
	struct sg_pkt_spec spec;
	int action;
	unsigned int verdict, reason;
	/* With want, compare the whole trace and the addresses too. */
	const struct trace_want *want;
	void (*fixup)(struct sg_frame *f); /* bytes the builder cannot say */
};

/* Parser rows never drop: the frame passes, counted under a reason. */
#define PASSES(r) XDP_PASS, SG_VERDICT_PASS, SG_REASON_##r
/* The sg_trace a row expects (TRACE), or only its reason (NO_TRACE). */
#define TRACE(fam, proto, frag, vlans, flags, new_conn, sport, dport)        \
	(&(const struct trace_want){ SG_FAMILY_##fam, IPPROTO_##proto,       \
				     SG_FRAG_##frag, vlans, flags, new_conn, \
				     sport, dport })
#define NO_TRACE NULL

static __u8 quic_v1[SG_QUIC_INITIAL_LEN], quic_v2[SG_QUIC_INITIAL_LEN];
static __u8 quic_vneg[SG_QUIC_INITIAL_LEN], quic_handshake[SG_QUIC_INITIAL_LEN];
static __u8 quic_1rtt[100];
static const char hello[] = "hello, slot";

static void make_quic(void)
{
	sg_quic_initial(quic_v1, sizeof(quic_v1), 1);
	sg_quic_initial(quic_v2, sizeof(quic_v2), 0x6b3343cf);
	/* Version negotiation: version 0; its type bits mean nothing. */
	sg_quic_initial(quic_vneg, sizeof(quic_vneg), 0);
	sg_quic_initial(quic_handshake, sizeof(quic_handshake), 1);
	quic_handshake[0] = (quic_handshake[0] & ~0x30) | 2 << 4;
	sg_quic_short(quic_1rtt, sizeof(quic_1rtt), sizeof(quic_1rtt));
}

/* Turn the frame into an ARP request after its Ethernet/VLAN header. */
static void make_arp(struct sg_frame *f)
{
	static const __u8 arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4,	 0x00, 0x01, /* who-has */
		0x02, 0,    0,	  0,	0, 0x01, 192,  0,
		2,    1, /* sender */
		0,    0,    0,	  0,	0, 0,	 198,  51,
		100,  1, /* target */
	};

	memcpy(f->data + f->l3_off, arp, sizeof(arp));
	f->len = f->l3_off + sizeof(arp);
}

/* Claim an IP version other than the Ethernet type says. */
static void swap_ip_version(struct sg_frame *f)
{
	f->data[f->l3_off] ^= (4 ^ 6) << 4;
}

static const struct parse_case ethernet_cases[] = {
	{ "ipv4 tcp syn",
	  { SYN },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "ipv4 tcp ack (no new connection)",
	  { .sport = 40001, .dport = TCP_PORT, .tcp_flags = SG_TH_ACK },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_ACK, 0, 40001, TCP_PORT),
	  NULL },
	{ "ipv4 tcp syn+ack",
	  { .sport = 40001,
	    .dport = TCP_PORT,
	    .tcp_flags = SG_TH_SYN | SG_TH_ACK },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN | SG_TH_ACK, 0, 40001, TCP_PORT),
	  NULL },
	{ "ipv6 tcp syn",
	  { V6, SYN },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "ipv4 udp",
	  { UDP, .payload = hello, .payload_len = 11 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "ipv6 udp",
	  { V6, UDP, .payload = hello, .payload_len = 11 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "802.1Q tag",
	  { SYN, .n_vlans = 1 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 1, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "QinQ 802.1ad + 802.1Q",
	  { V6, SYN, .n_vlans = 2 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 2, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "two 802.1Q tags",
	  { SYN, .n_vlans = 2, .vlan_tpid = { ETH_P_8021Q, ETH_P_8021Q } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 2, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "third VLAN tag is not IP",
	  { SYN, .n_vlans = 3 },
	  PASSES(NOT_IP),
	  NO_TRACE,
	  NULL },
	{ "ARP",
	  { .ethertype = ETH_P_ARP },
	  PASSES(NOT_IP),
	  NO_TRACE,
	  make_arp },
	{ "ARP in 802.1Q",
	  { .ethertype = ETH_P_ARP, .n_vlans = 1 },
	  PASSES(NOT_IP),
	  NO_TRACE,
	  make_arp },
	{ "IPv4 ethertype, version 6 header",
	  { SYN },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  swap_ip_version },
	{ "IPv6 ethertype, version 4 header",
	  { V6, SYN },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  swap_ip_version },
	{ "ICMP has no ports: unprotected",
	  { .proto = IPPROTO_ICMP, .payload = hello, .payload_len = 8 },
	  PASSES(UNPROTECTED),
	  TRACE(V4, ICMP, NONE, 0, 0, 0, 0, 0),
	  NULL },
	{ "unprotected tcp port",
	  { .sport = 40000, .dport = OPEN_PORT, .tcp_flags = SG_TH_SYN },
	  PASSES(UNPROTECTED),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, OPEN_PORT),
	  NULL },
	{ "tcp to the tcp-only service",
	  { V6, .sport = 1, .dport = TCP_ONLY_PORT },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, 0, 0, 1, TCP_ONLY_PORT),
	  NULL },
	{ "udp to the tcp-only service's port is unprotected",
	  { V6, .proto = IPPROTO_UDP, .sport = 1, .dport = TCP_ONLY_PORT },
	  PASSES(UNPROTECTED),
	  TRACE(V6, UDP, NONE, 0, 0, 0, 1, TCP_ONLY_PORT),
	  NULL },
	{ "udp to port 0",
	  { .proto = IPPROTO_UDP, .sport = 40000, .dport = 0 },
	  PASSES(UNPROTECTED),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, 0),
	  NULL },
};

/* Router Alert with value 0x01bb: "443" where a careless parser looks. */
#define RA_443                         \
	{                              \
		0x94, 0x04, 0x01, 0xbb \
	}

static const struct parse_case ipv4_cases[] = {
	{ "IHL 0",
	  { SYN, .set = SG_PKT_SET_IHL, .ihl = 0 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "IHL 4",
	  { SYN, .set = SG_PKT_SET_IHL, .ihl = 4 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "options: ports read after them",
	  { .sport = 40000,
	    .dport = OPEN_PORT,
	    .tcp_flags = SG_TH_SYN,
	    .ip_opts = RA_443,
	    .ip_opts_len = 4 },
	  PASSES(UNPROTECTED),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, OPEN_PORT),
	  NULL },
	{ "40 bytes of options, protected port after them",
	  { SYN, .ip_opts = RA_443, .ip_opts_len = 40 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "IHL longer than the total length",
	  { SYN, .set = SG_PKT_SET_IHL, .ihl = 15 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "total length beyond the frame",
	  { SYN, .set = SG_PKT_SET_TOT_LEN, .tot_len = 41 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "total length below the header",
	  { SYN, .set = SG_PKT_SET_TOT_LEN, .tot_len = 19 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "Ethernet padding after a short datagram",
	  { SYN, .eth_pad = 6 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "padding after a short udp datagram",
	  { UDP, .payload = hello, .payload_len = 2, .eth_pad = 16 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "TCP data offset 2",
	  { SYN, .set = SG_PKT_SET_DOFF, .doff = 2 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "TCP data offset 4",
	  { SYN, .set = SG_PKT_SET_DOFF, .doff = 4 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "TCP data offset beyond the segment",
	  { SYN, .payload = hello, .payload_len = 11, .set = SG_PKT_SET_DOFF,
	    .doff = 15 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "TCP options (data offset 8)",
	  { SYN, .tcp_opts_len = 12 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "UDP length below its header",
	  { UDP, .set = SG_PKT_SET_UDP_LEN, .udp_len = 7 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "non-first fragment to the protected port",
	  { SYN, .frag_offset = 185, .payload = hello, .payload_len = 11 },
	  PASSES(FRAGMENT),
	  TRACE(V4, TCP, LATER, 0, 0, 0, 0, 0),
	  NULL },
	{ "last fragment of a udp datagram",
	  { UDP, .frag_offset = 1, .payload = hello, .payload_len = 8 },
	  PASSES(FRAGMENT),
	  TRACE(V4, UDP, LATER, 0, 0, 0, 0, 0),
	  NULL },
	{ "first fragment: ports read",
	  { SYN, .more_fragments = true, .payload = hello, .payload_len = 8 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, TCP, FIRST, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "first fragment shorter than the TCP header",
	  { SYN, .more_fragments = true, .set = SG_PKT_SET_L4_KEEP,
	    .l4_keep = 8 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "first fragment shorter than the UDP header",
	  { UDP, .more_fragments = true, .set = SG_PKT_SET_L4_KEEP,
	    .l4_keep = 4 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
};

static const struct parse_case ipv6_cases[] = {
	{ "hop-by-hop + routing + dstopts + tcp",
	  { V6, SYN, .n_ext = 3,
	    .ext = { EXT(HOPOPTS), EXT(ROUTING), EXT(DSTOPTS) } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "long dstopts (hdrlen 3) + udp",
	  { V6, UDP, .n_ext = 1,
	    .ext = { { .type = IPPROTO_DSTOPTS, .len = 32 } } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "AH + tcp",
	  { V6, SYN, .n_ext = 1, .ext = { EXT(AH) } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "hop-by-hop + AH + dstopts + tcp",
	  { V6, SYN, .n_ext = 3,
	    .ext = { EXT(HOPOPTS), EXT(AH), EXT(DSTOPTS) } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "exactly SG_IPV6_EXT_MAX extension headers",
	  { V6, SYN, .n_ext = SG_IPV6_EXT_MAX,
	    .ext = { EXT(HOPOPTS), EXT(DSTOPTS), EXT(ROUTING), EXT(DSTOPTS),
		     EXT(DSTOPTS), EXT(DSTOPTS), EXT(DSTOPTS), EXT(DSTOPTS) } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "a chain longer than SG_IPV6_EXT_MAX",
	  { V6, SYN, .n_ext = SG_IPV6_EXT_MAX + 1,
	    .ext = { EXT(HOPOPTS), EXT(DSTOPTS), EXT(ROUTING), EXT(DSTOPTS),
		     EXT(DSTOPTS), EXT(DSTOPTS), EXT(DSTOPTS), EXT(DSTOPTS),
		     EXT(DSTOPTS) } },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "extension header longer than the payload",
	  { V6, SYN, .n_ext = 1,
	    .ext = { { .type = IPPROTO_DSTOPTS,
		       .hdrlen_set = true,
		       .hdrlen = 10 } } },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "payload length beyond the frame",
	  { V6, SYN, .set = SG_PKT_SET_PAYLOAD_LEN, .payload_len_field = 21 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "payload length ending inside the extension chain",
	  { V6, SYN, .n_ext = 1, .ext = { EXT(HOPOPTS) },
	    .set = SG_PKT_SET_PAYLOAD_LEN, .payload_len_field = 8 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
	{ "Ethernet padding after a short datagram",
	  { V6, UDP, .eth_pad = 10 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "non-first fragment to the protected port",
	  { V6, SYN, .payload = hello, .payload_len = 8, .n_ext = 1,
	    .ext = { { .type = IPPROTO_FRAGMENT,
		       .frag_offset = 3,
		       .more = true } } },
	  PASSES(FRAGMENT),
	  TRACE(V6, TCP, LATER, 0, 0, 0, 0, 0),
	  NULL },
	{ "hop-by-hop + non-first fragment",
	  { V6, UDP, .payload = hello, .payload_len = 8, .n_ext = 2,
	    .ext = { EXT(HOPOPTS),
		     { .type = IPPROTO_FRAGMENT, .frag_offset = 1 } } },
	  PASSES(FRAGMENT),
	  TRACE(V6, UDP, LATER, 0, 0, 0, 0, 0),
	  NULL },
	{ "first fragment: ports read",
	  { V6, SYN, .payload = hello, .payload_len = 8, .n_ext = 1,
	    .ext = { { .type = IPPROTO_FRAGMENT, .more = true } } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, FIRST, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "atomic fragment (offset 0, no M): not a fragment",
	  { V6, SYN, .n_ext = 1, .ext = { EXT(FRAGMENT) } },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, TCP, NONE, 0, SG_TH_SYN, 1, 40000, TCP_PORT),
	  NULL },
	{ "first fragment shorter than the TCP header",
	  { V6, SYN, .n_ext = 1,
	    .ext = { { .type = IPPROTO_FRAGMENT, .more = true } },
	    .set = SG_PKT_SET_L4_KEEP, .l4_keep = 8 },
	  PASSES(MALFORMED),
	  NO_TRACE,
	  NULL },
};

static const struct parse_case quic_cases[] = {
	{ "QUIC v1 Initial",
	  { UDP, .payload = quic_v1, .payload_len = sizeof(quic_v1) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 1, 40000, UDP_PORT),
	  NULL },
	{ "QUIC v1 Initial over ipv6",
	  { V6, UDP, .payload = quic_v1, .payload_len = sizeof(quic_v1) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V6, UDP, NONE, 0, 0, 1, 40000, UDP_PORT),
	  NULL },
	{ "QUIC v2 Initial (long-header type 1)",
	  { UDP, .payload = quic_v2, .payload_len = sizeof(quic_v2) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 1, 40000, UDP_PORT),
	  NULL },
	{ "QUIC v1 Handshake",
	  { UDP, .payload = quic_handshake,
	    .payload_len = sizeof(quic_handshake) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "QUIC version negotiation",
	  { UDP, .payload = quic_vneg, .payload_len = sizeof(quic_vneg) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "QUIC short header",
	  { UDP, .payload = quic_1rtt, .payload_len = sizeof(quic_1rtt) },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
	{ "UDP payload of 4 bytes",
	  { UDP, .payload = quic_v1, .payload_len = 4 },
	  PASSES(WITHIN_BUDGET),
	  TRACE(V4, UDP, NONE, 0, 0, 0, 40000, UDP_PORT),
	  NULL },
};

static bool check_trace(struct sg_h *h, const struct parse_case *c,
			__u32 count_before)
{
	const struct trace_want *w = c->want;
	__u8 src[16], dst[16];
	struct sg_trace t;
	bool ok = true;

	if (!EXPECT_EQ(sg_h_trace(h, &t), 0))
		return false;
	ok &= EXPECT_EQ(t.count, count_before + 1);
	ok &= EXPECT_EQ(t.reason, c->reason);
	ok &= EXPECT_EQ(t.verdict, c->verdict);
	if (!w)
		return ok;
	ok &= EXPECT_EQ(t.family, w->family);
	ok &= EXPECT_EQ(t.proto, w->proto);
	ok &= EXPECT_EQ(t.sport, w->sport);
	ok &= EXPECT_EQ(t.dport, w->dport);
	ok &= EXPECT_EQ(t.frag, w->frag);
	ok &= EXPECT_EQ(t.vlans, w->vlans);
	ok &= EXPECT_EQ(t.tcp_flags, w->tcp_flags);
	ok &= EXPECT_EQ(t.new_conn, w->new_conn);
	sg_pkt_addrs(&c->spec, src, dst);
	ok &= EXPECT_EQ(memcmp(t.src, src, 16), 0);
	ok &= EXPECT_EQ(memcmp(t.dst, dst, 16), 0);
	return ok;
}

static bool run_cases(const struct parse_case *cases, size_t n)
{
	struct sg_h h SG_H_AUTO = {};
	struct sg_trace t;
	struct sg_frame f;
	bool ok = true;
	size_t i;

	make_quic();
	if (!EXPECT_EQ(sg_h_open(&h), 0) ||
	    !EXPECT_EQ(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0), 0) ||
	    !EXPECT_EQ(sg_h_protect(&h, 1, IPPROTO_UDP, UDP_PORT,
				    SG_SERVICE_QUIC),
		       0) ||
	    !EXPECT_EQ(sg_h_protect(&h, 2, IPPROTO_TCP, TCP_ONLY_PORT, 0), 0))
		return false;
	for (i = 0; i < n; i++) {
		sg_test_context("%s", cases[i].name);
		if (!EXPECT_EQ(sg_pkt_build(&cases[i].spec, &f), 0) ||
		    !EXPECT_EQ(sg_h_trace(&h, &t), 0)) {
			ok = false;
			continue;
		}
		if (cases[i].fixup)
			cases[i].fixup(&f);
		ok &= sg_h_expect(&h, &f, cases[i].action, cases[i].verdict,
				  cases[i].reason);
		ok &= check_trace(&h, &cases[i], t.count);
	}
	sg_test_context(NULL);
	return ok;
}

SG_TEST(datapath_parse_ethernet)
{
	if (geteuid())
		TEST_SKIP("loading BPF needs root (CAP_BPF)");
	ASSERT_TRUE(run_cases(ethernet_cases, ARRAY_SIZE(ethernet_cases)));
	return true;
}

SG_TEST(datapath_parse_ipv4)
{
	if (geteuid())
		TEST_SKIP("loading BPF needs root (CAP_BPF)");
	ASSERT_TRUE(run_cases(ipv4_cases, ARRAY_SIZE(ipv4_cases)));
	return true;
}

SG_TEST(datapath_parse_ipv6)
{
	if (geteuid())
		TEST_SKIP("loading BPF needs root (CAP_BPF)");
	ASSERT_TRUE(run_cases(ipv6_cases, ARRAY_SIZE(ipv6_cases)));
	return true;
}

SG_TEST(datapath_parse_quic)
{
	if (geteuid())
		TEST_SKIP("loading BPF needs root (CAP_BPF)");
	ASSERT_TRUE(run_cases(quic_cases, ARRAY_SIZE(quic_cases)));
	return true;
}

/* Valid frames whose every prefix the truncation test runs. */
static const struct sg_pkt_spec truncation_shapes[] = {
	{ SYN, .ip_opts = RA_443, .ip_opts_len = 4, .tcp_opts_len = 8 },
	{ V6, SYN, .n_ext = 3, .ext = { EXT(HOPOPTS), EXT(ROUTING), EXT(AH) } },
	{ UDP, .n_vlans = 2, .payload = hello, .payload_len = 11 },
	{ V6, UDP, .n_vlans = 1, .payload = quic_v1, .payload_len = 64,
	  .n_ext = 1, .ext = { { .type = IPPROTO_FRAGMENT, .more = true } } },
	{ SYN, .eth_pad = 6 },
};

/*
 * Cut one valid frame at every length. The kernel refuses test frames
 * shorter than an Ethernet header (-EINVAL), so cuts start at 14; any cut
 * inside the IP datagram must pass as malformed, and cutting only the
 * Ethernet padding must change nothing.
 */
static bool run_truncations(struct sg_h *h, const struct sg_pkt_spec *s,
			    unsigned int shape)
{
	struct sg_frame full, f;
	bool ok = true;
	size_t cut;

	if (!EXPECT_EQ(sg_pkt_build(s, &full), 0))
		return false;
	f = full;
	sg_frame_cut(&f, 13);
	ok &= EXPECT_EQ(sg_h_run(h, &f), -EINVAL);
	for (cut = 14; cut < full.len; cut++) {
		sg_test_context(
			"shape %u cut at %zu of %zu (datagram ends at %zu)",
			shape, cut, full.len, full.ip_end);
		f = full;
		sg_frame_cut(&f, cut);
		if (cut < full.ip_end)
			ok &= sg_h_expect(h, &f, XDP_PASS, SG_VERDICT_PASS,
					  SG_REASON_MALFORMED);
		else
			ok &= sg_h_expect(h, &f, XDP_PASS, SG_VERDICT_PASS,
					  SG_REASON_WITHIN_BUDGET);
	}
	sg_test_context("shape %u uncut", shape);
	ok &= sg_h_expect(h, &full, XDP_PASS, SG_VERDICT_PASS,
			  SG_REASON_WITHIN_BUDGET);
	sg_test_context(NULL);
	return ok;
}

SG_TEST(datapath_truncation)
{
	struct sg_h h SG_H_AUTO = {};
	bool ok = true;
	unsigned int i;

	make_quic();
	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_protect(&h, 1, IPPROTO_UDP, UDP_PORT, SG_SERVICE_QUIC));
	for (i = 0; i < ARRAY_SIZE(truncation_shapes); i++)
		ok &= run_truncations(&h, &truncation_shapes[i], i);
	ASSERT_TRUE(ok);
	return true;
}

/*
 * A service restricted to destination prefixes protects only those; the
 * same port to any other address passes untouched.
 */
SG_TEST(datapath_destination_prefixes)
{
	static const struct {
		struct sg_pkt_spec spec;
		unsigned int reason;
	} rows[] = {
		{ { SYN, .dst = "203.0.113.7" }, SG_REASON_WITHIN_BUDGET },
		{ { SYN, .dst = "203.0.113.255" }, SG_REASON_WITHIN_BUDGET },
		{ { SYN, .dst = "203.0.114.1" }, SG_REASON_UNPROTECTED },
		{ { SYN, .dst = "198.51.100.9" }, SG_REASON_WITHIN_BUDGET },
		{ { SYN, .dst = "198.51.100.10" }, SG_REASON_UNPROTECTED },
		{ { V6, SYN, .dst = "2001:db8:aa::1" },
		  SG_REASON_WITHIN_BUDGET },
		{ { V6, SYN, .dst = "2001:db8:ab::1" }, SG_REASON_UNPROTECTED },
		{ { .sport = 1, .dport = OPEN_PORT, .dst = "203.0.113.7" },
		  SG_REASON_UNPROTECTED },
	};
	struct sg_h h SG_H_AUTO = {};
	bool ok = true;
	unsigned int i;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 3, IPPROTO_TCP, TCP_PORT,
			       SG_SERVICE_DST_RESTRICTED));
	ASSERT_OK(sg_h_dst(&h, 3, "203.0.113.0/24"));
	ASSERT_OK(sg_h_dst(&h, 3, "198.51.100.9/32"));
	ASSERT_OK(sg_h_dst(&h, 3, "2001:db8:aa::/48"));
	/* Another service's prefix must not open this one. */
	ASSERT_OK(sg_h_dst(&h, 4, "203.0.114.0/24"));
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		sg_test_context("row %u to %s", i, rows[i].spec.dst);
		ok &= sg_h_expect_spec(&h, &rows[i].spec, XDP_PASS,
				       SG_VERDICT_PASS, rows[i].reason);
	}
	ASSERT_TRUE(ok);
	return true;
}

/* Counters land in the slot sg_ifslots gives the ingress interface. */
SG_TEST(datapath_counter_slot)
{
	struct sg_pkt_spec s = { SYN };
	struct sg_h h SG_H_AUTO = {};
	struct sg_counter c;

	ASSERT_OPEN(&h, NULL);
	ASSERT_OK(sg_h_protect(&h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ASSERT_OK(sg_h_use_slot(&h, 7));
	ASSERT_TRUE(sg_h_expect_spec(&h, &s, XDP_PASS, SG_VERDICT_PASS,
				     SG_REASON_WITHIN_BUDGET));
	h.slot = 0;
	ASSERT_OK(
		sg_h_counter(&h, SG_VERDICT_PASS, SG_REASON_WITHIN_BUDGET, &c));
	ASSERT_EQ(c.packets, 0);
	return true;
}
