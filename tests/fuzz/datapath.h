/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data-path fuzzer's pieces: the fixed configuration it loads, the
 * decoding of a fuzzer input into frames (frame_gen.c) and an independent
 * parse of a frame that says what the XDP program must make of it
 * (frame_oracle.c).
 */
#ifndef SLOTGUARD_FUZZ_DATAPATH_H
#define SLOTGUARD_FUZZ_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* Protected: TCP 443 anywhere (service 0), UDP 443 QUIC (service 1). */
#define DP_TCP_PORT 443
#define DP_UDP_PORT 443
/* Service 1 protects only these destinations. */
#define DP_UDP_DST_V4 "198.51.100.0/24"
#define DP_UDP_DST_V6 "2001:db8:ffff::/48"
/* Narrower than the /24 and /48 subnets, so subnet bans cover them. */
#define DP_ALLOW_V4 "192.0.2.0/28"
#define DP_ALLOW_V6 "2001:db8:1::/64"
#define DP_DENY_V4  "192.0.2.128/27"
#define DP_DENY_V6  "2001:db8:1:dead::/64"

/* Frames the kernel takes in BPF_PROG_TEST_RUN, with room to spare. */
#define DP_FRAME_MAX  2048
#define DP_FRAME_MIN  14 /* shorter test frames are refused (-EINVAL) */
#define DP_REPEAT_MAX 16

/* One fuzzer input: how to run it and the frame. */
struct dp_input {
	bool monitor;	     /* monitor mode for this input */
	bool apply;	     /* bump the policy generation first, as the
			      * loader does after a list or ban change */
	unsigned int repeat; /* runs of the frame, 1..DP_REPEAT_MAX */
	bool sweep;	     /* each run steps the source's last byte */
	size_t src_last;     /* offset of that byte in frame */
	__u64 advance_ns;    /* the fixed clock moves this much first */
	bool raw;	     /* the frame is the input's bytes as they are */
	__u8 frame[DP_FRAME_MAX];
	size_t len;
};

/*
 * Input layout: byte 0 says raw or built, mode, policy apply, repeats and
 * clock step; a raw input's frame is the rest of the bytes; a built one
 * reads a 12-byte frame description (missing bytes are 0) and then
 * mutations of 3 bytes each (set, xor, add, cut, pad, insert) relative to
 * a layer.
 */
void dp_decode(const uint8_t *data, size_t size, struct dp_input *in);
/* Writes a seed corpus of every frame shape into dir; 0 or -errno. */
int dp_write_seeds(const char *dir);

/* What the program must make of a frame, from our own parse. */
enum dp_class {
	DP_NOT_IP,    /* must pass as not_ip */
	DP_MALFORMED, /* must pass as malformed */
	DP_PARSED,    /* the program's reason depends on policy */
};

struct dp_oracle {
	int cls;      /* enum dp_class */
	bool has_src; /* the IP header is whole: the program reads src */
	__u8 family;  /* enum sg_family */
	__u8 proto;   /* after IPv6 extension headers */
	__u8 frag;    /* enum sg_frag */
	__u8 vlans;
	__u8 tcp_flags;
	bool has_ports;
	bool quic_initial;
	__u16 sport, dport;
	__u8 src[16], dst[16];
};

/*
 * Parse a frame from the rules in docs/INTERNALS.md ("Parsing"), written
 * apart from bpf/parse.h so that the two can disagree.
 */
void dp_oracle_parse(const __u8 *p, size_t len, struct dp_oracle *o);

/* The lists and destinations above as prefixes (dp_policy.c). */
void dp_policy_init(void);
/* Is addr in list (enum sg_list) of the fixed configuration? */
bool dp_listed(unsigned int list, __u8 family, const __u8 *addr);
bool dp_is_budget_reason(unsigned int reason);

struct sg_trace;
/* The program's trace of a parsed frame matches our parse; else aborts. */
void dp_check_parse(const struct dp_oracle *o, const struct sg_trace *t);
/*
 * The verdict and reason the policy order gives a parsed frame in mode
 * (enum sg_mode); aborts otherwise.
 */
void dp_check_policy(const struct dp_oracle *o, unsigned int mode,
		     unsigned int verdict, unsigned int reason);

#endif /* SLOTGUARD_FUZZ_DATAPATH_H */
