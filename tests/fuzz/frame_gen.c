// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzzer input to frames for the data-path fuzzer (see datapath.h). Built
 * inputs describe a well-formed frame through the unit tests' builder
 * (tests/lib/pkt.c) and then bend it with a few targeted mutations, so
 * the fuzzer reaches deep parser paths; raw inputs reach the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include "slotguard.h"
#include "pkt.h"
#include "datapath.h"

#define SPEC_BYTES 12
#define OP_BYTES   3
#define OPS_MAX	   8

/* Byte 0 of an input. */
#define CTL_RAW		 0x01
#define CTL_MONITOR	 0x02
#define CTL_REPEAT_SHIFT 2    /* 2 bits: index into repeats[] */
#define CTL_STEP_SHIFT	 4    /* 3 bits: index into steps[] */
#define CTL_APPLY	 0x80 /* bump the policy generation first */

static const unsigned int repeats[4] = { 1, 2, 4, DP_REPEAT_MAX };
/* Mostly short steps, so budgets and bans outlive a few inputs. */
static const __u64 steps[8] = {
	0, 0, 1000, 100000, 1000000, 10000000, 100000000, 2000000000ULL,
};

/* Sources around the lists' edges; see DP_ALLOW_* and DP_DENY_*. */
static const char *const sources_v4[16] = {
	"203.0.113.10", "203.0.113.11", "192.0.2.1",	   "192.0.2.15",
	"192.0.2.16",	"192.0.2.130",	"192.0.2.159",	   "192.0.2.160",
	"198.51.100.7", "0.0.0.0",	"255.255.255.255", "10.1.2.3",
	"192.0.2.0",	"192.0.2.128",	"203.0.114.10",	   "127.0.0.1",
};
static const char *const sources_v6[16] = {
	"2001:db8:bad::10",
	"2001:db8:bad::11",
	"2001:db8:1::1",
	"2001:db8:1:0:ffff:ffff:ffff:ffff",
	"2001:db8:1:1::1",
	"2001:db8:1:dead::1",
	"2001:db8:1:dead:ffff:ffff:ffff:ffff",
	"2001:db8:1:deae::1",
	"::",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"::ffff:192.0.2.1",
	"fe80::1",
	"2001:db8:1::",
	"2001:db8:bad:1::10",
	"2001:db8:bae::10",
	"::1",
};
/* In and out of service 1's destination prefixes. */
static const char *const dsts_v4[4] = { "198.51.100.1", "198.51.101.1",
					"198.51.100.255", "203.0.113.1" };
static const char *const dsts_v6[4] = { "2001:db8:ffff::1", "2001:db8:fffe::1",
					"2001:db8:ffff:ffff::1", "::1" };
static const __u16 ports[8] = { 443, 80, 8443, 53, 0, 65535, 444, 442 };
static const __u8 ext_types[4] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
				   IPPROTO_ROUTING, IPPROTO_AH };

static __u8 payloads[7][SG_QUIC_INITIAL_LEN];
static size_t payload_lens[7];

/* QUIC v1, v2, version negotiation, handshake, short; text; 4 bytes. */
static void make_payloads(void)
{
	if (payload_lens[0])
		return;
	payload_lens[0] = sg_quic_initial(payloads[0], SG_QUIC_INITIAL_LEN, 1);
	payload_lens[1] =
		sg_quic_initial(payloads[1], SG_QUIC_INITIAL_LEN, 0x6b3343cf);
	payload_lens[2] = sg_quic_initial(payloads[2], SG_QUIC_INITIAL_LEN, 0);
	payload_lens[3] = sg_quic_initial(payloads[3], SG_QUIC_INITIAL_LEN, 1);
	payloads[3][0] = (payloads[3][0] & ~0x30) | 2 << 4; /* handshake */
	payload_lens[4] = sg_quic_short(payloads[4], 100, 100);
	memcpy(payloads[5], "hello, slot", 11);
	payload_lens[5] = 11;
	memcpy(payloads[6], payloads[0], 4);
	payload_lens[6] = 4;
}

/* One field the builder writes wrong on purpose (0: none). */
static void override(struct sg_pkt_spec *s, unsigned int which, __u8 v)
{
	static const unsigned int knobs[8] = {
		0,
		SG_PKT_SET_IHL,
		SG_PKT_SET_TOT_LEN,
		SG_PKT_SET_PAYLOAD_LEN,
		SG_PKT_SET_DOFF,
		SG_PKT_SET_UDP_LEN,
		SG_PKT_SET_L4_KEEP,
		SG_PKT_SET_VERSION,
	};

	s->set = knobs[which & 7];
	s->ihl = v & 15;
	s->tot_len = v;
	s->payload_len_field = v;
	s->doff = v & 15;
	s->udp_len = v;
	s->l4_keep = v & 31;
	s->version = v & 15;
}

/*
 * The 12 description bytes:
 *  0: family (bit 0), proto (bits 1-2: tcp udp icmp gre), vlans (3-4),
 *     not IP (5), fragment (6-7: none, first, later, later with M)
 *  1: source (bits 0-3), last source byte from byte 2 (bit 4), 802.1Q
 *     outer tag (bit 5), destination (bits 6-7)
 *  3: destination port (bits 0-2), source port (3-7)
 *  4: TCP flags
 *  5: IPv4 option words (bits 0-3), TCP option words (4-6)
 *  6: IPv6 extension count (bits 0-3), each next type from byte 7
 *  8: an override (bits 0-2) with value byte 9, payload (bits 3-5)
 * 10: Ethernet padding
 * 11: first extension's length (bits 0-2), sweep the source (bit 3)
 */
static void describe(const __u8 *d, struct sg_pkt_spec *s, char *src,
		     size_t src_len)
{
	static const __u8 protos[4] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					IPPROTO_GRE };
	bool v6 = d[0] & 1;
	unsigned int i, n_ext, payload;

	memset(s, 0, sizeof(*s));
	s->family = v6 ? SG_FAMILY_V6 : SG_FAMILY_V4;
	s->proto = protos[(d[0] >> 1) & 3];
	s->n_vlans = (d[0] >> 3) & 3;
	if (d[1] & 0x20)
		s->vlan_tpid[0] = ETH_P_8021Q;
	if (d[0] & 0x20)
		s->ethertype = d[9] & 1 ? ETH_P_ARP : 0x88cc;
	snprintf(src, src_len, "%s",
		 v6 ? sources_v6[d[1] & 15] : sources_v4[d[1] & 15]);
	s->src = src;
	s->dst = v6 ? dsts_v6[d[1] >> 6] : dsts_v4[d[1] >> 6];
	s->dport = ports[d[3] & 7];
	s->sport = 40000 + (d[3] >> 3);
	s->tcp_flags = d[4];
	s->ip_opts_len = v6 ? 0 : (size_t)(d[5] & 15) * 4 % 44;
	memset(s->ip_opts, 1, sizeof(s->ip_opts)); /* NOPs */
	s->tcp_opts_len = (size_t)((d[5] >> 4) & 7) * 4;
	n_ext = v6 ? (d[6] & 15) % 11 : 0;
	for (i = 0; i < n_ext; i++) {
		s->ext[i].type = ext_types[(d[7] >> (2 * (i % 4))) & 3];
		if (i == 0 && d[11] & 7)
			s->ext[i].len = (size_t)(d[11] & 7) * 8 + 8;
	}
	s->n_ext = n_ext;
	/* Fragments: IPv4 fields, or a fragment header last in the chain. */
	if (d[0] >> 6) {
		bool later = d[0] >> 6 >= 2, more = d[0] >> 6 != 2;

		if (!v6) {
			s->frag_offset = later ? 1 + d[9] : 0;
			s->more_fragments = more;
		} else if (s->n_ext < SG_PKT_MAX_EXT) {
			s->ext[s->n_ext].type = IPPROTO_FRAGMENT;
			s->ext[s->n_ext].frag_offset = later ? 1 + d[9] : 0;
			s->ext[s->n_ext].more = more;
			s->n_ext++;
		}
	}
	override(s, d[8] & 7, d[9]);
	payload = (d[8] >> 3) & 7;
	if (payload < 7) {
		make_payloads();
		s->payload = payloads[payload];
		s->payload_len = payload_lens[payload];
	}
	s->eth_pad = d[10] & 63;
}

/*
 * One mutation: op[0] holds the kind (bits 0-2), the layer its offset
 * counts from (bits 4-5: frame, IP, transport, payload) and a fill bit
 * (6); op[1] is the offset, op[2] the value.
 */
static void mutate(struct dp_input *in, const struct sg_frame *f,
		   const __u8 *op)
{
	size_t bases[4] = { 0, f->l3_off, f->l4_off, f->payload_off };
	size_t at = bases[(op[0] >> 4) & 3] + op[1], n;
	__u8 fill = op[0] & 0x40 ? 0x81 : 0;

	if (at > in->len)
		return;
	switch (op[0] & 7) {
	case 0:
		if (at < in->len)
			in->frame[at] = op[2];
		break;
	case 1:
		if (at < in->len)
			in->frame[at] ^= op[2];
		break;
	case 2:
		if (at < in->len)
			in->frame[at] += op[2];
		break;
	case 3: /* cut */
		in->len = at;
		break;
	case 4: /* Ethernet padding */
		for (n = op[2] & 63; n && in->len < DP_FRAME_MAX; n--)
			in->frame[in->len++] = fill;
		break;
	case 5: /* a 16-bit field: a length, a port, a type */
		if (at + 1 < in->len) {
			in->frame[at] = op[2] >> 4;
			in->frame[at + 1] = (__u8)(op[2] << 4);
		}
		break;
	case 6: /* insert bytes, e.g. where a VLAN tag would go */
		n = (op[2] & 15) + 1;
		if (in->len + n > DP_FRAME_MAX)
			break;
		memmove(in->frame + at + n, in->frame + at, in->len - at);
		memset(in->frame + at, fill, n);
		in->len += n;
		break;
	default: /* 7: none, so a mutation can be switched off */
		break;
	}
}

void dp_decode(const uint8_t *data, size_t size, struct dp_input *in)
{
	__u8 d[SPEC_BYTES] = { 0 };
	struct sg_pkt_spec spec;
	struct sg_frame f;
	char src[64];
	size_t i, n;
	__u8 ctl = size ? data[0] : 0;

	in->raw = ctl & CTL_RAW;
	in->monitor = ctl & CTL_MONITOR;
	in->apply = ctl & CTL_APPLY;
	in->repeat = repeats[(ctl >> CTL_REPEAT_SHIFT) & 3];
	in->advance_ns = steps[(ctl >> CTL_STEP_SHIFT) & 7];
	in->sweep = false;
	in->src_last = 0;
	data += size ? 1 : 0;
	size -= size ? 1 : 0;
	if (in->raw) {
		in->len = size < DP_FRAME_MAX ? size : DP_FRAME_MAX;
		memcpy(in->frame, data, in->len);
		return;
	}
	memcpy(d, data, size < SPEC_BYTES ? size : SPEC_BYTES);
	describe(d, &spec, src, sizeof(src));
	if (sg_pkt_build(&spec, &f) || f.len > DP_FRAME_MAX) {
		in->len = 0; /* a description the builder refuses: no frame */
		return;
	}
	memcpy(in->frame, f.data, f.len);
	in->len = f.len;
	in->sweep = d[11] & 8;
	/* The source's last byte: IPv4 at 12 + 3, IPv6 at 8 + 15. */
	in->src_last = f.l3_off + (spec.family == SG_FAMILY_V6 ? 23 : 15);
	if (size <= SPEC_BYTES)
		return;
	n = (size - SPEC_BYTES) / OP_BYTES;
	for (i = 0; i < n && i < OPS_MAX; i++)
		mutate(in, &f, data + SPEC_BYTES + i * OP_BYTES);
}

static int write_seed(const char *dir, unsigned int *n, const __u8 *data,
		      size_t len)
{
	char path[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/seed-%04u", dir, (*n)++);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* A built input, and (raw) the frame it stands for. */
static int write_shape(const char *dir, unsigned int *n, const __u8 *d,
		       bool raw_too)
{
	__u8 input[1 + DP_FRAME_MAX];
	struct dp_input in;
	int err;

	input[0] = 4 << CTL_STEP_SHIFT; /* 1 ms a frame */
	memcpy(input + 1, d, SPEC_BYTES);
	err = write_seed(dir, n, input, 1 + SPEC_BYTES);
	if (err || !raw_too)
		return err;
	dp_decode(input, 1 + SPEC_BYTES, &in);
	if (!in.len)
		return 0;
	input[0] = CTL_RAW | 4 << CTL_STEP_SHIFT;
	memcpy(input + 1, in.frame, in.len);
	return write_seed(dir, n, input, 1 + in.len);
}

/*
 * Sixteen neighbours of a subnet in one input, from its byte `first` on:
 * they overrun the subnet's budgets together, and the sweep goes on into
 * the allowlisted (or denylisted) part of the same subnet.
 */
static int write_sweep(const char *dir, unsigned int *n, __u8 source,
		       __u8 first, __u8 proto_bits, __u8 flags)
{
	__u8 input[1 + SPEC_BYTES] = { 0 };

	input[0] = CTL_APPLY | 3 << CTL_REPEAT_SHIFT; /* clock stands still */
	input[1] = proto_bits;
	input[2] = source | 0x10; /* last byte from the next one */
	input[3] = first;
	input[5] = flags;
	input[9] = proto_bits ? 0 : 5 << 3; /* UDP: a QUIC Initial */
	input[12] = 8;			    /* sweep */
	return write_seed(dir, n, input, sizeof(input));
}

/*
 * Every family x transport x VLAN depth x fragment kind as built and raw
 * inputs, then one field at a time over its values from a TCP SYN (or a
 * UDP datagram) to the protected port, then subnet sweeps.
 */
int dp_write_seeds(const char *dir)
{
	unsigned int n = 0, shape, field, v;
	__u8 d[SPEC_BYTES];
	int err = 0;

	for (shape = 0; shape < 128 && !err; shape++) {
		memset(d, 0, sizeof(d));
		d[0] = (__u8)(shape & 1) | (__u8)((shape >> 1) & 3) << 1 |
		       (__u8)((shape >> 3) & 3) << 3 |
		       (__u8)((shape >> 5) & 3) << 6;
		d[4] = 0x02;   /* SYN */
		d[8] = 5 << 3; /* a short text payload */
		err = write_shape(dir, &n, d, true);
	}
	/* field: description byte; values: those of its bits that matter */
	for (field = 1; field < SPEC_BYTES && !err; field++) {
		for (v = 1; v < 256 && !err; v += field == 1 ? 1 : 37) {
			memset(d, 0, sizeof(d));
			d[0] = field == 7 || field == 6 ? 1 : (__u8)(v & 2);
			d[4] = 0x02;
			d[field] = (__u8)v;
			err = write_shape(dir, &n, d, false);
		}
	}
	/* 192.0.2.0/24 (index 12): allowlisted .0-.15, denylisted .128-.159 */
	for (v = 0; v < 2 && !err; v++) {
		__u8 flags = v ? 0x10 : 0x02; /* ACK, SYN */

		err = write_sweep(dir, &n, 12, 240, 0, flags) ?:
		      write_sweep(dir, &n, 12, 112, 0, flags) ?:
		      write_sweep(dir, &n, 14, 0, 0, flags);
	}
	if (!err)
		err = write_sweep(dir, &n, 12, 240, 2, 0); /* QUIC */
	return err;
}
