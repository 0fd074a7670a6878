// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmarks' reference limiter: the per-source token bucket a user
 * could write in an afternoon, measured beside slotguard (issue 11). TCP and
 * UDP to port 443 over IPv4 or IPv6 (no VLAN tags, no IPv6 extension
 * headers), one bucket per source address (IPv6: per /64) in an LRU hash,
 * 1 packet/s with a burst of 5. No bans, lists or counters. bench/run.sh
 * loads it with bpftool; it shares no code with slotguard.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define REF_PORT	   443
#define REF_NS_PER_PACKET  1000000000ULL /* 1 packet per second ... */
#define REF_BURST	   5		 /* ... 5 at once after a pause */
#define REF_MAX_SOURCES	   (1 << 20)
#define REF_IP_OFFSET_MASK 0x1fff

/* IPv4 as ::ffff:a.b.c.d, IPv6 as its /64 with the rest zero. */
struct ref_key {
	__u32 addr[4];
};

/* Credit in nanoseconds: a packet costs REF_NS_PER_PACKET of it. */
struct ref_bucket {
	__u64 credit_ns;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, REF_MAX_SOURCES);
	__type(key, struct ref_key);
	__type(value, struct ref_bucket);
} ref_buckets SEC(".maps");

static __always_inline int ref_charge(const struct ref_key *key)
{
	const __u64 full = REF_BURST * REF_NS_PER_PACKET;
	struct ref_bucket *b = bpf_map_lookup_elem(&ref_buckets, key);
	__u64 now = bpf_ktime_get_ns(), credit;

	if (!b) {
		struct ref_bucket fresh = { full - REF_NS_PER_PACKET, now };

		bpf_map_update_elem(&ref_buckets, key, &fresh, BPF_ANY);
		return XDP_PASS;
	}
	credit = b->credit_ns + (now - b->last_ns);
	if (credit > full)
		credit = full;
	b->last_ns = now;
	if (credit < REF_NS_PER_PACKET) {
		b->credit_ns = credit;
		return XDP_DROP;
	}
	b->credit_ns = credit - REF_NS_PER_PACKET;
	return XDP_PASS;
}

SEC("xdp")
int refbucket_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ref_key key = {};
	struct udphdr *ports; /* TCP's ports sit at the same offsets */
	__u8 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl < 5 ||
		    (ip->frag_off & bpf_htons(REF_IP_OFFSET_MASK)))
			return XDP_PASS;
		proto = ip->protocol;
		ports = (void *)ip + ip->ihl * 4;
		key.addr[2] = bpf_htonl(0xffff);
		key.addr[3] = ip->saddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		proto = ip6->nexthdr;
		ports = (void *)(ip6 + 1);
		key.addr[0] = ip6->saddr.in6_u.u6_addr32[0];
		key.addr[1] = ip6->saddr.in6_u.u6_addr32[1];
	} else {
		return XDP_PASS;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XDP_PASS;
	if ((void *)(ports + 1) > end || ports->dest != bpf_htons(REF_PORT))
		return XDP_PASS;
	return ref_charge(&key);
}
