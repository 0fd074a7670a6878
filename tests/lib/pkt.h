/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A packet builder for the unit tests: describe a frame in a struct
 * sg_pkt_spec (Ethernet, VLAN tags, IPv4/IPv6 with options or extension
 * headers, TCP/UDP, payload), get its bytes with valid lengths and
 * checksums; the override knobs make single fields wrong on purpose.
 */
#ifndef SLOTGUARD_TEST_PKT_H
#define SLOTGUARD_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SG_PKT_MAX_LEN	    4096 /* BPF_PROG_TEST_RUN takes under a page */
#define SG_PKT_MAX_VLANS    3	 /* one more than the parser accepts */
#define SG_PKT_MAX_EXT	    12	 /* more than SG_IPV6_EXT_MAX */
#define SG_PKT_MAX_OPTS	    40	 /* IPv4 options and TCP options alike */
#define SG_QUIC_INITIAL_LEN 1200 /* what sg_quic_initial() writes */

/* TCP flag bits as they sit in byte 13 of the header. */
#define SG_TH_FIN 0x01
#define SG_TH_SYN 0x02
#define SG_TH_RST 0x04
#define SG_TH_PSH 0x08
#define SG_TH_ACK 0x10

/* A built frame and where each layer starts, for tests that cut or poke. */
struct sg_frame {
	__u8 data[SG_PKT_MAX_LEN];
	size_t len;
	size_t l3_off;	    /* IPv4/IPv6 header */
	size_t l4_off;	    /* transport header (or fragment payload) */
	size_t payload_off; /* transport payload */
	size_t ip_end; /* end of the IP datagram, before Ethernet padding */
};

/* One IPv6 extension header. */
struct sg_ext {
	__u8 type; /* IPPROTO_HOPOPTS, _ROUTING, _DSTOPTS, _FRAGMENT, _AH */
	/*
	 * Total length in bytes, 0 for the usual size of the type: 8 for
	 * options and fragment, 24 for a type 2 routing header, 24 for AH
	 * with a 96-bit ICV. A multiple of 8 (of 4 for AH).
	 */
	size_t len;
	bool hdrlen_set; /* write hdrlen instead of deriving it from len */
	__u8 hdrlen;
	__u16 frag_offset; /* fragment: offset in 8-byte units */
	bool more;	   /* fragment: M flag */
};

/* Which override knobs of struct sg_pkt_spec are in force. */
enum sg_pkt_set {
	SG_PKT_SET_IHL = 1U << 0,	  /* IPv4 IHL field */
	SG_PKT_SET_TOT_LEN = 1U << 1,	  /* IPv4 total length */
	SG_PKT_SET_PAYLOAD_LEN = 1U << 2, /* IPv6 payload length */
	SG_PKT_SET_DOFF = 1U << 3,	  /* TCP data offset (32-bit words) */
	SG_PKT_SET_UDP_LEN = 1U << 4,	  /* UDP length field */
	SG_PKT_SET_L4_KEEP = 1U << 5,	  /* keep only l4_keep bytes of L4 */
	SG_PKT_SET_VERSION = 1U << 6,	  /* IP version nibble */
};

struct sg_pkt_spec {
	/* Ethernet: n_vlans tags; tpid 0 means 802.1ad outside, 802.1Q in. */
	unsigned int n_vlans;
	__u16 vlan_tpid[SG_PKT_MAX_VLANS];
	__u16 vlan_id[SG_PKT_MAX_VLANS];
	__u16 ethertype; /* 0: IPv4 or IPv6 from family; e.g. ETH_P_ARP */

	/* IP: family is enum sg_family; addresses as text, 0 for defaults */
	unsigned int family;
	const char *src; /* default 192.0.2.1 / 2001:db8:1::1 */
	const char *dst; /* default 198.51.100.1 / 2001:db8:ffff::1 */
	__u8 proto;	 /* transport: 0 means IPPROTO_TCP */
	__u8 ttl;	 /* 0: 64 */

	/* IPv4 only */
	__u8 ip_opts[SG_PKT_MAX_OPTS]; /* padded to 4 bytes with EOL */
	size_t ip_opts_len;
	__u16 frag_offset; /* in 8-byte units; non-zero: no L4 header */
	bool more_fragments;

	/* IPv6 only: the chain between the fixed header and transport */
	struct sg_ext ext[SG_PKT_MAX_EXT];
	unsigned int n_ext;

	/* Transport */
	__u16 sport, dport;
	__u8 tcp_flags;	     /* TH_* bits: 0x02 SYN, 0x10 ACK ... */
	__u32 tcp_seq;	     /* 0: 0x10000000 */
	__u32 tcp_ack;	     /* with ACK; 0: 0x20000000 */
	__u16 tcp_window;    /* 0: 64240 */
	size_t tcp_opts_len; /* NOP-filled, a multiple of 4 */
	const void *payload;
	size_t payload_len;

	/* Overrides, each valid only with its bit in .set */
	unsigned int set; /* enum sg_pkt_set */
	__u8 ihl;
	__u16 tot_len;
	__u16 payload_len_field;
	__u8 doff;
	__u16 udp_len;
	size_t l4_keep; /* L4 bytes kept; IP lengths shrink to match */
	__u8 version;

	size_t eth_pad; /* zero bytes after the IP datagram */
};

/*
 * Build the frame. Returns 0 or -EINVAL when the spec does not fit
 * SG_PKT_MAX_LEN or names an unknown address or extension.
 */
int sg_pkt_build(const struct sg_pkt_spec *s, struct sg_frame *f);

/* Cut the frame at len bytes (no-op when it is shorter already). */
void sg_frame_cut(struct sg_frame *f, size_t len);

/*
 * A QUIC long-header Initial (version v, 8-byte DCID, empty SCID and
 * token) padded to the 1200 bytes clients must send; returns its length.
 */
size_t sg_quic_initial(__u8 *buf, size_t cap, __u32 version);
/* A QUIC short-header (1-RTT) packet of len bytes. */
size_t sg_quic_short(__u8 *buf, size_t cap, size_t len);

/* IPv4/IPv6 text to 16 network-order bytes (IPv4 in the first four). */
int sg_pkt_addr(unsigned int family, const char *text, __u8 out[16]);
/* The addresses a spec puts in the frame, defaults included. */
int sg_pkt_addrs(const struct sg_pkt_spec *s, __u8 src[16], __u8 dst[16]);

#endif /* SLOTGUARD_TEST_PKT_H */
