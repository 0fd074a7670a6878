// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The unit tests' packet builder (see pkt.h). Every byte is written field by
 * field in network order, so a test can read what it sends; the transport
 * segment is built first because IP lengths and checksums depend on it.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include "slotguard.h"
#include "pkt.h"

#define ETH_HDR_LEN  14
#define VLAN_HDR_LEN 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_HDR_LEN  20
#define UDP_HDR_LEN  8

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071 sum, not yet folded, so pseudo header and segment can add up. */
static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

int sg_pkt_addr(unsigned int family, const char *text, __u8 out[16])
{
	memset(out, 0, 16);
	if (inet_pton(family == SG_FAMILY_V6 ? AF_INET6 : AF_INET, text, out) !=
	    1)
		return -EINVAL;
	return 0;
}

static size_t ext_len(const struct sg_ext *e)
{
	if (e->len)
		return e->len;
	if (e->type == IPPROTO_ROUTING || e->type == IPPROTO_AH)
		return 24;
	return 8;
}

static bool is_later_fragment(const struct sg_pkt_spec *s)
{
	unsigned int i;

	if (s->family == SG_FAMILY_V4)
		return s->frag_offset != 0;
	for (i = 0; i < s->n_ext; i++)
		if (s->ext[i].type == IPPROTO_FRAGMENT && s->ext[i].frag_offset)
			return true;
	return false;
}

/* Transport header and payload into seg; returns its length or -EINVAL. */
static long build_l4(const struct sg_pkt_spec *s, __u8 proto, __u8 *seg,
		     size_t cap, size_t *hdr_len)
{
	size_t hlen = 0, len;

	if (!is_later_fragment(s) && proto == IPPROTO_TCP)
		hlen = TCP_HDR_LEN + s->tcp_opts_len;
	else if (!is_later_fragment(s) && proto == IPPROTO_UDP)
		hlen = UDP_HDR_LEN;
	len = hlen + s->payload_len;
	if (len > cap || s->tcp_opts_len > SG_PKT_MAX_OPTS ||
	    s->tcp_opts_len % 4)
		return -EINVAL;
	memset(seg, 0, hlen);
	if (s->payload_len)
		memcpy(seg + hlen, s->payload, s->payload_len);
	*hdr_len = hlen;
	if (hlen == TCP_HDR_LEN + s->tcp_opts_len) {
		put16(seg, s->sport);
		put16(seg + 2, s->dport);
		put32(seg + 4, s->tcp_seq ? s->tcp_seq : 0x10000000);
		put32(seg + 8, s->tcp_flags & 0x10
				       ? (s->tcp_ack ? s->tcp_ack : 0x20000000)
				       : 0);
		seg[12] = (s->set & SG_PKT_SET_DOFF ? s->doff : hlen / 4) << 4;
		seg[13] = s->tcp_flags;
		put16(seg + 14, s->tcp_window ? s->tcp_window : 64240);
		memset(seg + TCP_HDR_LEN, 1, s->tcp_opts_len); /* NOPs */
	} else if (hlen == UDP_HDR_LEN) {
		put16(seg, s->sport);
		put16(seg + 2, s->dport);
		put16(seg + 4, s->set & SG_PKT_SET_UDP_LEN ? s->udp_len : len);
	}
	return len;
}

/* TCP/UDP checksum over the pseudo header; a no-op for other segments. */
static void l4_checksum(const struct sg_pkt_spec *s, __u8 proto,
			const __u8 *src, const __u8 *dst, __u8 *seg, size_t len,
			size_t hdr_len)
{
	size_t alen = s->family == SG_FAMILY_V6 ? 16 : 4;
	__u8 pseudo[8] = { 0 };
	size_t at;
	__u32 sum;

	if (!hdr_len)
		return;
	at = proto == IPPROTO_TCP ? 16 : 6;
	put32(pseudo, len);
	pseudo[7] = proto;
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	sum = csum_add(sum, seg, len);
	put16(seg + at, csum_fold(sum) ?: 0xffff);
}

static size_t build_eth(const struct sg_pkt_spec *s, __u8 *p)
{
	static const __u8 dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	__u16 type = s->ethertype;
	size_t off = 12;
	unsigned int i;

	if (!type)
		type = s->family == SG_FAMILY_V6 ? ETH_P_IPV6 : ETH_P_IP;
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	for (i = 0; i < s->n_vlans; i++) {
		__u16 tpid = s->vlan_tpid[i];

		if (!tpid)
			tpid = s->n_vlans > 1 && i == 0 ? ETH_P_8021AD
							: ETH_P_8021Q;
		put16(p + off, tpid);
		put16(p + off + 2, s->vlan_id[i] ? s->vlan_id[i] : 100 + i);
		off += VLAN_HDR_LEN;
	}
	put16(p + off, type);
	return off + 2;
}

static int build_ipv4(const struct sg_pkt_spec *s, __u8 *p, const __u8 *src,
		      const __u8 *dst, __u8 proto, size_t l4_len,
		      size_t *hdr_len)
{
	size_t opts = (s->ip_opts_len + 3) & ~(size_t)3;
	size_t hlen = IPV4_HDR_LEN + opts;
	__u16 frag = s->frag_offset & 0x1fff;

	if (s->ip_opts_len > SG_PKT_MAX_OPTS)
		return -EINVAL;
	if (s->more_fragments)
		frag |= 0x2000;
	p[0] = (s->set & SG_PKT_SET_VERSION ? s->version : 4) << 4 |
	       ((s->set & SG_PKT_SET_IHL ? s->ihl : hlen / 4) & 0xf);
	p[1] = 0;
	put16(p + 2, s->set & SG_PKT_SET_TOT_LEN ? s->tot_len : hlen + l4_len);
	put16(p + 4, 0x1234);
	put16(p + 6, frag);
	p[8] = s->ttl ? s->ttl : 64;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	memset(p + IPV4_HDR_LEN, 0, opts); /* 0 is End of Options List */
	memcpy(p + IPV4_HDR_LEN, s->ip_opts, s->ip_opts_len);
	put16(p + 10, csum_fold(csum_add(0, p, hlen)));
	*hdr_len = hlen;
	return 0;
}

/* One extension header of len bytes whose next header is next. */
static void build_ext(const struct sg_ext *e, __u8 next, __u8 *p, size_t len)
{
	memset(p, 0, len);
	p[0] = next;
	if (e->type == IPPROTO_FRAGMENT) {
		p[1] = 0;
		put16(p + 2, (e->frag_offset << 3) | (e->more ? 1 : 0));
		put32(p + 4, 0xabcd1234);
		return;
	}
	if (e->type == IPPROTO_AH) {
		p[1] = e->hdrlen_set ? e->hdrlen : len / 4 - 2;
		put32(p + 4, 0x100); /* SPI */
		put32(p + 8, 1);     /* sequence number; ICV stays zero */
		return;
	}
	p[1] = e->hdrlen_set ? e->hdrlen : len / 8 - 1;
	if (e->type == IPPROTO_ROUTING) {
		p[2] = 2; /* type 2 (Mobile IPv6), segments left 0: skipped */
		return;
	}
	/* Options: one PadN filling what follows the two-byte header. */
	p[2] = 1;
	p[3] = len - 4;
}

static int build_ipv6(const struct sg_pkt_spec *s, __u8 *p, const __u8 *src,
		      const __u8 *dst, __u8 proto, size_t l4_len,
		      size_t *hdr_len)
{
	size_t off = IPV6_HDR_LEN, len;
	unsigned int i;

	if (s->n_ext > SG_PKT_MAX_EXT)
		return -EINVAL;
	memset(p, 0, IPV6_HDR_LEN);
	p[0] = (s->set & SG_PKT_SET_VERSION ? s->version : 6) << 4;
	p[6] = s->n_ext ? s->ext[0].type : proto;
	p[7] = s->ttl ? s->ttl : 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	for (i = 0; i < s->n_ext; i++) {
		len = ext_len(&s->ext[i]);
		if (off + len > SG_PKT_MAX_LEN / 2 || len < 8)
			return -EINVAL;
		build_ext(&s->ext[i],
			  i + 1 < s->n_ext ? s->ext[i + 1].type : proto,
			  p + off, len);
		off += len;
	}
	put16(p + 4, s->set & SG_PKT_SET_PAYLOAD_LEN
			     ? s->payload_len_field
			     : off - IPV6_HDR_LEN + l4_len);
	*hdr_len = off;
	return 0;
}

/* The spec's addresses, or the documentation-range defaults. */
int sg_pkt_addrs(const struct sg_pkt_spec *s, __u8 src[16], __u8 dst[16])
{
	bool v6 = s->family == SG_FAMILY_V6;

	if (sg_pkt_addr(s->family,
			s->src ? s->src
			: v6   ? "2001:db8:1::1"
			       : "192.0.2.1",
			src))
		return -EINVAL;
	return sg_pkt_addr(s->family,
			   s->dst ? s->dst
			   : v6	  ? "2001:db8:ffff::1"
				  : "198.51.100.1",
			   dst);
}

static int build_l3(const struct sg_pkt_spec *s, struct sg_frame *f, __u8 proto,
		    const __u8 *src, const __u8 *dst, const __u8 *seg,
		    size_t seg_len)
{
	size_t hlen = 0;
	int err;

	if (s->family == SG_FAMILY_V6)
		err = build_ipv6(s, f->data + f->l3_off, src, dst, proto,
				 seg_len, &hlen);
	else
		err = build_ipv4(s, f->data + f->l3_off, src, dst, proto,
				 seg_len, &hlen);
	if (err)
		return err;
	f->l4_off = f->l3_off + hlen;
	if (f->l4_off + seg_len + s->eth_pad > SG_PKT_MAX_LEN)
		return -EINVAL;
	memcpy(f->data + f->l4_off, seg, seg_len);
	f->ip_end = f->l4_off + seg_len;
	memset(f->data + f->ip_end, 0, s->eth_pad);
	f->len = f->ip_end + s->eth_pad;
	return 0;
}

int sg_pkt_build(const struct sg_pkt_spec *s, struct sg_frame *f)
{
	__u8 seg[SG_PKT_MAX_LEN], src[16], dst[16];
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	size_t hdr_len;
	long seg_len;
	int err;

	memset(f, 0, sizeof(*f));
	if (s->n_vlans > SG_PKT_MAX_VLANS)
		return -EINVAL;
	seg_len = build_l4(s, proto, seg, SG_PKT_MAX_LEN / 2, &hdr_len);
	if (seg_len < 0)
		return seg_len;
	err = sg_pkt_addrs(s, src, dst);
	if (err)
		return err;
	/* The checksum covers the whole segment, before any l4_keep cut. */
	l4_checksum(s, proto, src, dst, seg, seg_len, hdr_len);
	if ((s->set & SG_PKT_SET_L4_KEEP) && s->l4_keep < (size_t)seg_len)
		seg_len = s->l4_keep;

	f->l3_off = build_eth(s, f->data);
	err = build_l3(s, f, proto, src, dst, seg, seg_len);
	if (err)
		return err;
	f->payload_off = f->l4_off + hdr_len;
	return 0;
}

void sg_frame_cut(struct sg_frame *f, size_t len)
{
	if (len < f->len)
		f->len = len;
}

/* A QUIC variable-length integer in two bytes (values below 16384). */
static void put_varint2(__u8 *p, __u16 v)
{
	put16(p, 0x4000 | v);
}

size_t sg_quic_initial(__u8 *buf, size_t cap, __u32 version)
{
	const size_t total = SG_QUIC_INITIAL_LEN, dcid_len = 8;
	size_t off = 0, i;
	/* Initial is long-header type 0 in v1, type 1 in v2 (RFC 9369). */
	__u8 type = version == 0x6b3343cf ? 1 : 0;

	if (cap < total)
		return 0;
	memset(buf, 0, total);
	buf[off++] = 0xc0 | type << 4 | 0x03; /* 4-byte packet number */
	put32(buf + off, version);
	off += 4;
	buf[off++] = dcid_len;
	for (i = 0; i < dcid_len; i++)
		buf[off++] = 0xa0 + i;
	buf[off++] = 0;				 /* SCID length */
	buf[off++] = 0;				 /* token length (varint 0) */
	put_varint2(buf + off, total - off - 2); /* packet number + payload */
	off += 2;
	put32(buf + off, 0); /* packet number */
	/* The protected payload stays zero: the parser never looks there. */
	return total;
}

size_t sg_quic_short(__u8 *buf, size_t cap, size_t len)
{
	size_t i;

	if (cap < len || len < 9)
		return 0;
	memset(buf, 0, len);
	buf[0] = 0x40 | 0x03; /* fixed bit, 4-byte packet number */
	for (i = 1; i < 9; i++)
		buf[i] = 0xa0 + i - 1; /* the DCID */
	return len;
}
