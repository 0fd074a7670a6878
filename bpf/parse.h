/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing for slotguard: Ethernet with up to two VLAN tags, IPv4 with
 * options, IPv6 with a bounded extension-header walk, TCP and UDP. One small
 * parse_*() per layer; each bounds check sits right before the access.
 */
#ifndef SLOTGUARD_PARSE_H
#define SLOTGUARD_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"

#define SG_TCP_FIN 0x01
#define SG_TCP_SYN 0x02
#define SG_TCP_PSH 0x08
#define SG_TCP_ACK 0x10

#define SG_QUIC_V1 0x00000001
#define SG_QUIC_V2 0x6b3343cf

/* What the parser found; ports only when frag != SG_FRAG_LATER. */
struct sg_pkt {
	__u8 family; /* enum sg_family */
	__u8 proto;  /* IPPROTO_* of the transport header (after extensions) */
	__u8 frag;   /* enum sg_frag */
	__u8 vlans;
	__u8 tcp_flags;
	__u8 quic_initial; /* UDP payload is a QUIC long-header Initial */
	__u8 has_ports;
	__u8 ttl;    /* IPv4 TTL or IPv6 hop limit */
	__u16 sport; /* host byte order */
	__u16 dport;
	__u16 l3_off;	  /* from the start of the frame */
	__u16 tcp_window; /* host byte order */
	__u32 l4_off;
	__u32 l4_len;	   /* bytes of IP payload from l4_off */
	__u32 tcp_seq;	   /* host byte order */
	__u32 tcp_ack;	   /* host byte order */
	__u16 payload_len; /* TCP payload bytes (saturating) */
	__u8 tcp_doff;	   /* TCP header length in bytes */
	__u8 pad0;
	__u32 pad1;
	__u8 src[16] __attribute__((aligned(8))); /* IPv4: first 4 bytes */
	__u8 dst[16];
};

struct sg_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct sg_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3, low bit: more fragments
			  */
	__be32 identification;
};

/*
 * Offsets rather than pointers cross the stage boundaries: each stage below
 * is a global function, verified once on its own, that rebuilds its packet
 * pointer from ctx and a bounded offset. That keeps the verifier from
 * multiplying the branches of one layer with those of the next.
 */
#define SG_MAX_L4_OFF 0x3fff /* IPv6 fixed header + walked extensions */

/*
 * Bound an offset where the verifier can see it: clang may otherwise move
 * the range check onto a copy of the register and add the unchecked one.
 * mask must be 2^n - 1 and the caller has already rejected larger values.
 */
static __always_inline __u32 sg_bounded(__u32 off, const __u32 mask)
{
	asm volatile("%0 &= %1" : "+r"(off) : "i"(mask));
	return off;
}

/* Frame start to IP header; fills vlans. 0 or the reason. */
static __always_inline int sg_parse_eth(void *data, void *end, struct sg_pkt *p,
					__u16 *eth_proto, void **l3)
{
	struct ethhdr *eth = data;
	struct sg_vlan_hdr *vlan;
	void *pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return SG_REASON_MALFORMED;
	proto = eth->h_proto;
	pos = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		vlan = pos;
		if ((void *)(vlan + 1) > end)
			return SG_REASON_MALFORMED;
		proto = vlan->encap_proto;
		pos = vlan + 1;
		p->vlans++;
	}
	/* Counted, not pos - data: pointer subtraction needs CAP_PERFMON. */
	p->l3_off = sizeof(*eth) + p->vlans * sizeof(*vlan);
	*eth_proto = proto;
	*l3 = pos;
	return 0;
}

static __always_inline int sg_parse_ipv4(struct iphdr *iph, void *end,
					 struct sg_pkt *p)
{
	__u32 hdr_len, total_len;
	__u16 frag_off;

	if ((void *)(iph + 1) > end)
		return SG_REASON_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return SG_REASON_MALFORMED;
	hdr_len = iph->ihl * 4;
	total_len = bpf_ntohs(iph->tot_len);
	if (total_len < hdr_len || (void *)iph + total_len > end)
		return SG_REASON_MALFORMED;

	p->family = SG_FAMILY_V4;
	p->proto = iph->protocol;
	p->ttl = iph->ttl;
	__builtin_memcpy(p->src, &iph->saddr, 4);
	__builtin_memcpy(p->dst, &iph->daddr, 4);
	frag_off = bpf_ntohs(iph->frag_off);
	if (frag_off & 0x1fff)
		p->frag = SG_FRAG_LATER;
	else if (frag_off & 0x2000)
		p->frag = SG_FRAG_FIRST;
	p->l4_off = p->l3_off + hdr_len; /* options are skipped, never read */
	p->l4_len = total_len - hdr_len;
	return 0;
}

static __always_inline int sg_ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT ||
	       nexthdr == IPPROTO_AH;
}

static __always_inline int sg_parse_ipv6(struct ipv6hdr *ip6, void *end,
					 struct sg_pkt *p)
{
	__u32 payload_len;

	if ((void *)(ip6 + 1) > end)
		return SG_REASON_MALFORMED;
	if (ip6->version != 6)
		return SG_REASON_MALFORMED;
	payload_len = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + payload_len > end)
		return SG_REASON_MALFORMED;

	p->family = SG_FAMILY_V6;
	p->proto = ip6->nexthdr;
	p->ttl = ip6->hop_limit;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	p->l4_off = p->l3_off + sizeof(*ip6);
	p->l4_len = payload_len;
	return 0;
}

/*
 * Walk at most SG_IPV6_EXT_MAX extension headers, stopping at the transport
 * header or after a non-first fragment header (what follows it is payload
 * of the middle of a datagram, not a header).
 */
static __always_inline int sg_walk_ipv6_ext(void *data, void *end,
					    struct sg_pkt *p)
{
	struct sg_ipv6_frag_hdr *frag;
	struct ipv6_opt_hdr *opt;
	__u32 off = p->l4_off, left = p->l4_len, len;
	__u8 nexthdr = p->proto;
	__u16 fo;
	int i;

	for (i = 0; i < SG_IPV6_EXT_MAX; i++) {
		if (!sg_ipv6_is_ext(nexthdr) || p->frag == SG_FRAG_LATER)
			break;
		if (off > SG_MAX_L4_OFF)
			return SG_REASON_MALFORMED;
		opt = data + sg_bounded(off, SG_MAX_L4_OFF);
		if ((void *)opt + 8 > end) /* every extension is >= 8 bytes */
			return SG_REASON_MALFORMED;
		if (nexthdr == IPPROTO_FRAGMENT) {
			frag = (void *)opt;
			fo = bpf_ntohs(frag->frag_off);
			if (fo & 0xfff8)
				p->frag = SG_FRAG_LATER;
			else if (fo & 1)
				p->frag = SG_FRAG_FIRST;
			len = 8;
		} else if (nexthdr == IPPROTO_AH) {
			len = (opt->hdrlen + 2) * 4;
		} else {
			len = (opt->hdrlen + 1) * 8;
		}
		if (len > left)
			return SG_REASON_MALFORMED;
		nexthdr = opt->nexthdr;
		off += len;
		left -= len;
	}
	if (sg_ipv6_is_ext(nexthdr) && p->frag != SG_FRAG_LATER)
		return SG_REASON_MALFORMED; /* chain longer than we walk */
	p->proto = nexthdr;
	p->l4_off = off;
	p->l4_len = left;
	return 0;
}

static __always_inline void sg_parse_quic(__u8 *b, void *end, __u32 left,
					  struct sg_pkt *p)
{
	__u32 version;
	__u8 type;

	if ((void *)(b + 5) > end || left < 5)
		return;
	if ((b[0] & 0xc0) != 0xc0) /* long header with the fixed bit */
		return;
	version = ((__u32)b[1] << 24) | ((__u32)b[2] << 16) |
		  ((__u32)b[3] << 8) | b[4];
	type = (b[0] >> 4) & 3;
	if (version == SG_QUIC_V2)
		p->quic_initial = type == 1;
	else if (version != 0) /* 0 is version negotiation */
		p->quic_initial = type == 0;
}

/* TCP and UDP headers; a first fragment must hold the whole header. */
static __always_inline int sg_parse_l4(void *data, void *end, struct sg_pkt *p)
{
	struct tcphdr *tcp;
	struct udphdr *udp;
	__u32 doff;

	if (p->frag == SG_FRAG_LATER)
		return 0;
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return 0;
	if (p->l4_off > SG_MAX_L4_OFF)
		return SG_REASON_MALFORMED;
	data += sg_bounded(p->l4_off, SG_MAX_L4_OFF);
	if (p->proto == IPPROTO_TCP) {
		tcp = data;
		if ((void *)(tcp + 1) > end || p->l4_len < sizeof(*tcp))
			return SG_REASON_MALFORMED;
		doff = tcp->doff * 4;
		if (doff < sizeof(*tcp) || doff > p->l4_len)
			return SG_REASON_MALFORMED;
		p->sport = bpf_ntohs(tcp->source);
		p->dport = bpf_ntohs(tcp->dest);
		p->tcp_flags = ((__u8 *)tcp)[13];
		p->tcp_seq = bpf_ntohl(tcp->seq);
		p->tcp_ack = bpf_ntohl(tcp->ack_seq);
		p->tcp_window = bpf_ntohs(tcp->window);
		p->tcp_doff = doff;
		doff = p->l4_len - doff;
		p->payload_len = doff > 0xffff ? 0xffff : doff;
		p->has_ports = 1;
		return 0;
	}
	udp = data;
	if ((void *)(udp + 1) > end || p->l4_len < sizeof(*udp))
		return SG_REASON_MALFORMED;
	if (bpf_ntohs(udp->len) < sizeof(*udp))
		return SG_REASON_MALFORMED;
	p->sport = bpf_ntohs(udp->source);
	p->dport = bpf_ntohs(udp->dest);
	p->has_ports = 1;
	sg_parse_quic((__u8 *)(udp + 1), end, p->l4_len - sizeof(*udp), p);
	return 0;
}

/*
 * Global (non-inlined) functions are verified once on their own; keeping the
 * parser and the per-level charge out of line stops their branches from
 * multiplying with the rest of the program in the verifier.
 */
__noinline int sg_parse_headers(struct xdp_md *ctx, struct sg_pkt *p)
{
	void *end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u16 eth_proto;
	void *l3;
	int err;

	if (!p) /* the caller passes *p zeroed */
		return SG_REASON_MALFORMED;
	err = sg_parse_eth(data, end, p, &eth_proto, &l3);
	if (err)
		return err;
	if (eth_proto == bpf_htons(ETH_P_IP))
		return sg_parse_ipv4(l3, end, p);
	if (eth_proto == bpf_htons(ETH_P_IPV6))
		return sg_parse_ipv6(l3, end, p);
	return SG_REASON_NOT_IP;
}

__noinline int sg_parse_ipv6_ext(struct xdp_md *ctx, struct sg_pkt *p)
{
	if (!p)
		return SG_REASON_MALFORMED;
	return sg_walk_ipv6_ext((void *)(long)ctx->data,
				(void *)(long)ctx->data_end, p);
}

__noinline int sg_parse_transport(struct xdp_md *ctx, struct sg_pkt *p)
{
	if (!p)
		return SG_REASON_MALFORMED;
	return sg_parse_l4((void *)(long)ctx->data, (void *)(long)ctx->data_end,
			   p);
}

/* The whole frame: 0 with *p filled, or the reason it could not be. */
static __always_inline int sg_parse_frame(struct xdp_md *ctx, struct sg_pkt *p)
{
	int err = sg_parse_headers(ctx, p);

	if (err)
		return err;
	if (p->family == SG_FAMILY_V6 && sg_ipv6_is_ext(p->proto)) {
		err = sg_parse_ipv6_ext(ctx, p);
		if (err)
			return err;
	}
	return sg_parse_transport(ctx, p);
}

#endif /* SLOTGUARD_PARSE_H */
