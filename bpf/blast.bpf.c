// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmarks' traffic generator (tests/tools/sg_blast.c): run through
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, it gives each frame its
 * own IPv4 source and redirects it out of a veth, so the kernel transmits
 * millions of frames per second without a socket. Benchmark labs only.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * A prime, so that seq * BLAST_SPREAD is a permutation modulo any power of
 * two and modulo any smaller count: every source comes once per round, in
 * an order that jumps between subnets the way a spoofed flood does, not 256
 * in a row from each /24.
 */
#define BLAST_SPREAD 0x9e3779b1U

/* Set by sg_blast before load. Addresses in host byte order. */
const volatile __u32 blast_ifindex;	/* redirect target (the veth) */
const volatile __u32 blast_src_base;	/* first source */
const volatile __u32 blast_src_mask;	/* sources - 1, a power of two - 1 */
const volatile __u32 blast_src_count;	/* sources, if not a power of two */
const volatile __u32 blast_allow_src;	/* the allowlisted source ... */
const volatile __u32 blast_allow_every; /* ... every Nth frame; 0: never */
const volatile __u32 blast_l4_check; /* transport checksum offset in L4, 0: none
				      */

/* Frames generated. One sender thread runs the program, so a plain add. */
__u64 blast_seq;

/* RFC 1624 incremental update of a checksum for a changed 32-bit word. */
static __always_inline __u16 blast_csum_replace(__u16 check, __u32 from,
						__u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16) ~(from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int blast_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 from, to, seq = blast_seq++;
	__u16 *l4_check;

	/* sg_blast builds an IPv4 frame without options: IHL is 5. */
	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	/*
	 * One allowlisted frame per blast_allow_every, at a position that
	 * moves from block to block: a full veth ring drops the tail of each
	 * bulk of frames, and a fixed position would be kept more often.
	 */
	if (blast_allow_every &&
	    seq % blast_allow_every ==
		    (seq / blast_allow_every) % blast_allow_every)
		to = bpf_htonl(blast_allow_src);
	else if (blast_src_count)
		to = bpf_htonl(blast_src_base +
			       (__u32)((__u64)(seq % blast_src_count) *
				       BLAST_SPREAD % blast_src_count));
	else
		to = bpf_htonl(blast_src_base +
			       ((seq * BLAST_SPREAD) & blast_src_mask));
	from = ip->saddr;
	ip->saddr = to;
	ip->check = blast_csum_replace(ip->check, from, to);
	if (blast_l4_check) {
		/* The source is in the TCP and UDP pseudo-header. */
		l4_check = (void *)(ip + 1) + (blast_l4_check & 0x1f);
		if ((void *)(l4_check + 1) > end)
			return XDP_ABORTED;
		*l4_check = blast_csum_replace(*l4_check, from, to);
		if (ip->protocol == IPPROTO_UDP && !*l4_check)
			*l4_check = 0xffff; /* 0 would mean "no checksum" */
	}
	return bpf_redirect(blast_ifindex, 0);
}
