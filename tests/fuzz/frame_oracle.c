// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data-path fuzzer's own frame parser: what slotguard's XDP program
 * must find in a frame, written from docs/INTERNALS.md and the RFCs with
 * plain byte offsets, not from bpf/parse.h, so a disagreement shows a bug
 * in one of them.
 */
#include <string.h>
#include <netinet/in.h>
#include "slotguard.h"
#include "datapath.h"

#define ETH_HLEN  14
#define VLAN_HLEN 4
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN  20
#define UDP_HLEN  8
#define QUIC_V2	  0x6b3343cf

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static bool is_ipv6_ext(__u8 type)
{
	return type == IPPROTO_HOPOPTS || type == IPPROTO_ROUTING ||
	       type == IPPROTO_DSTOPTS || type == IPPROTO_FRAGMENT ||
	       type == IPPROTO_AH;
}

/* The IP datagram's transport: [l4, l4 + l4_len) of p. */
struct l4_span {
	size_t off, len;
};

/* IPv4: IHL >= 5, header <= total length <= what the frame holds. */
static int parse_ipv4(const __u8 *p, size_t len, size_t l3, struct dp_oracle *o,
		      struct l4_span *l4)
{
	size_t ihl, total;
	__u16 frag;

	if (l3 + IPV4_HLEN > len || p[l3] >> 4 != 4)
		return DP_MALFORMED;
	ihl = (size_t)(p[l3] & 0xf) * 4;
	total = be16(p + l3 + 2);
	if (ihl < IPV4_HLEN || total < ihl || l3 + total > len)
		return DP_MALFORMED;
	o->has_src = true;
	o->family = SG_FAMILY_V4;
	o->proto = p[l3 + 9];
	memcpy(o->src, p + l3 + 12, 4);
	memcpy(o->dst, p + l3 + 16, 4);
	frag = be16(p + l3 + 6);
	if (frag & 0x1fff) /* an offset: not the first fragment */
		o->frag = SG_FRAG_LATER;
	else if (frag & 0x2000) /* more fragments, offset 0 */
		o->frag = SG_FRAG_FIRST;
	l4->off = l3 + ihl;
	l4->len = total - ihl;
	return DP_PARSED;
}

/*
 * IPv6 and up to SG_IPV6_EXT_MAX extension headers. Options headers are
 * (hdrlen + 1) * 8 bytes, AH (hdrlen + 2) * 4, a fragment header 8; the
 * walk stops after a non-first fragment header.
 */
static int parse_ipv6(const __u8 *p, size_t len, size_t l3, struct dp_oracle *o,
		      struct l4_span *l4)
{
	size_t off, left, ext_len;
	unsigned int n;
	__u8 next;

	if (l3 + IPV6_HLEN > len || p[l3] >> 4 != 6)
		return DP_MALFORMED;
	left = be16(p + l3 + 4);
	if (l3 + IPV6_HLEN + left > len)
		return DP_MALFORMED;
	o->has_src = true;
	o->family = SG_FAMILY_V6;
	memcpy(o->src, p + l3 + 8, 16);
	memcpy(o->dst, p + l3 + 24, 16);
	next = p[l3 + 6];
	off = l3 + IPV6_HLEN;
	for (n = 0; is_ipv6_ext(next) && o->frag != SG_FRAG_LATER; n++) {
		if (n == SG_IPV6_EXT_MAX || off + 8 > len)
			return DP_MALFORMED;
		if (next == IPPROTO_FRAGMENT) {
			__u16 fo = be16(p + off + 2);

			if (fo & 0xfff8)
				o->frag = SG_FRAG_LATER;
			else if (fo & 1)
				o->frag = SG_FRAG_FIRST;
			ext_len = 8;
		} else if (next == IPPROTO_AH) {
			ext_len = ((size_t)p[off + 1] + 2) * 4;
		} else {
			ext_len = ((size_t)p[off + 1] + 1) * 8;
		}
		if (ext_len > left)
			return DP_MALFORMED;
		next = p[off];
		off += ext_len;
		left -= ext_len;
	}
	o->proto = next;
	l4->off = off;
	l4->len = left;
	return DP_PARSED;
}

/* A QUIC long-header Initial: type 0 in v1 and others, type 1 in v2. */
static bool is_quic_initial(const __u8 *b, size_t avail)
{
	__u32 version;
	__u8 type;

	if (avail < 5 || (b[0] & 0xc0) != 0xc0)
		return false;
	version = be32(b + 1);
	type = (b[0] >> 4) & 3;
	if (version == QUIC_V2)
		return type == 1;
	return version != 0 && type == 0; /* 0: version negotiation */
}

/* TCP (data offset within the segment) or UDP (length >= 8). */
static int parse_l4(const __u8 *p, const struct l4_span *l4,
		    struct dp_oracle *o)
{
	const __u8 *h = p + l4->off;
	size_t doff;

	if (o->frag == SG_FRAG_LATER ||
	    (o->proto != IPPROTO_TCP && o->proto != IPPROTO_UDP))
		return DP_PARSED;
	if (o->proto == IPPROTO_TCP) {
		if (l4->len < TCP_HLEN)
			return DP_MALFORMED;
		doff = (size_t)(h[12] >> 4) * 4;
		if (doff < TCP_HLEN || doff > l4->len)
			return DP_MALFORMED;
		o->tcp_flags = h[13];
	} else {
		if (l4->len < UDP_HLEN || be16(h + 4) < UDP_HLEN)
			return DP_MALFORMED;
		o->quic_initial =
			is_quic_initial(h + UDP_HLEN, l4->len - UDP_HLEN);
	}
	o->sport = be16(h);
	o->dport = be16(h + 2);
	o->has_ports = true;
	return DP_PARSED;
}

void dp_oracle_parse(const __u8 *p, size_t len, struct dp_oracle *o)
{
	struct l4_span l4 = { 0, 0 };
	size_t l3 = ETH_HLEN;
	__u16 type;

	memset(o, 0, sizeof(*o));
	o->cls = DP_MALFORMED;
	if (len < ETH_HLEN)
		return;
	type = be16(p + 12);
	/* Two tags, 802.1Q or 802.1ad in any order; a third is not IP. */
	while ((type == 0x8100 || type == 0x88a8) && o->vlans < 2) {
		if (l3 + VLAN_HLEN > len)
			return;
		type = be16(p + l3 + 2);
		l3 += VLAN_HLEN;
		o->vlans++;
	}
	if (type == 0x0800)
		o->cls = parse_ipv4(p, len, l3, o, &l4);
	else if (type == 0x86dd)
		o->cls = parse_ipv6(p, len, l3, o, &l4);
	else
		o->cls = DP_NOT_IP;
	if (o->cls == DP_PARSED)
		o->cls = parse_l4(p, &l4, o);
}
