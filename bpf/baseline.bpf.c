// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reference programs that benchmarks measure beside slotguard in the same
 * run: a bare pass, a bare drop, and slotguard's own parser followed by a
 * pass or a drop (what the filter costs before any policy).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int baseline_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int baseline_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

static __always_inline int parse_then(struct xdp_md *ctx, int action)
{
	struct sg_pkt pkt = {};

	if (sg_parse_frame(ctx, &pkt))
		return XDP_PASS;
	/* Keep the parse from being optimised away. */
	return pkt.dport == 0 && pkt.proto == 0 ? XDP_PASS : action;
}

SEC("xdp")
int baseline_parse_pass(struct xdp_md *ctx)
{
	return parse_then(ctx, XDP_PASS);
}

SEC("xdp")
int baseline_parse_drop(struct xdp_md *ctx)
{
	return parse_then(ctx, XDP_DROP);
}
