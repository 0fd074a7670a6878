/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI shared by the XDP program (bpf/) and the slotguard loader: map keys
 * and values, verdicts and reasons, the runtime configuration, pin names.
 * Both sides include this one header; any layout change bumps SG_ABI_VERSION.
 */
#ifndef SLOTGUARD_ABI_H
#define SLOTGUARD_ABI_H

#include <linux/types.h>

#define SG_ABI_VERSION 3

/* Pinned state lives here unless --pin-dir says otherwise. */
#define SG_PIN_DIR_DEFAULT "/sys/fs/bpf/slotguard"
#define SG_PIN_LOCK_FILE   ".lock"
#define SG_PIN_LINK_PREFIX "link_" /* link_<ifname>: the pinned bpf_link */

/* Sizes that bound the maps; changing one changes the ABI. */
#define SG_MAX_SERVICES	    64
#define SG_MAX_IFACES	    32 /* counter slots; slot 0 is "other interface" */
#define SG_IFINDEX_MAX	    65536 /* ifindexes at or above this count as slot 0 */
#define SG_IPV6_EXT_MAX	    8 /* extension headers walked before giving up */
#define SG_BAN_LOOKUP_DEPTH 8 /* expired covering bans looked past */
#define SG_LIST_MAX_ENTRIES 1048576
#define SG_BAN_MAX_ENTRIES  65536
#define SG_DST_MAX_ENTRIES  4096
#define SG_TRACK_DEFAULT_ENTRIES                    \
	262144 /* overridden by max_tracked_sources \
		*/
#define SG_EVENT_RING_BYTES (256 * 1024)
#define SG_NOTE_LEN	    24
#define SG_IFNAME_LEN	    16

enum sg_family {
	SG_FAMILY_V4 = 0,
	SG_FAMILY_V6 = 1,
	SG_FAMILY_COUNT,
};

enum sg_mode {
	SG_MODE_MONITOR = 0, /* a zeroed config drops nothing */
	SG_MODE_ENFORCE = 1,
};

enum sg_verdict {
	SG_VERDICT_PASS = 0,
	SG_VERDICT_DROP,
	SG_VERDICT_WOULD_DROP, /* monitor mode: would have been dropped */
	SG_VERDICT_COUNT,
};

/* Aggregation levels of the per-source budgets. */
enum sg_level {
	SG_LEVEL_SOURCE = 0, /* the source's own prefix: /32, /64 by default */
	SG_LEVEL_SUBNET = 1, /* its subnet: /24, /48 by default */
	SG_LEVEL_COUNT,
};

enum sg_budget_kind {
	SG_BUDGET_CONN = 0, /* new connections: TCP SYN w/o ACK, QUIC Initial */
	SG_BUDGET_PACKET = 1, /* every packet to a protected service */
	SG_BUDGET_QUOTA = 2,  /* new connections over a long window */
	SG_BUDGET_KIND_COUNT,
};

/*
 * Why a frame got its verdict. The budget reasons are laid out so that
 * SG_REASON_BUDGET_FIRST + level * SG_BUDGET_KIND_COUNT + kind names the
 * budget that was exceeded.
 */
enum sg_reason {
	/* 0 on purpose: the parser returns 0 for "parsed", never this. */
	SG_REASON_UNPROTECTED = 0, /* not addressed to a protected service */
	SG_REASON_NOT_IP,	   /* not IPv4/IPv6: passes */
	SG_REASON_MALFORMED,	   /* truncated or invalid headers: passes */
	SG_REASON_FRAGMENT,	   /* non-first fragment: no ports to match */
	SG_REASON_ALLOWLIST,	   /* source on the allowlist */
	SG_REASON_DENYLIST,	   /* source on the denylist */
	SG_REASON_BANNED,	   /* source (or its subnet) is banned */
	SG_REASON_WITHIN_BUDGET,   /* charged and within every budget */
	SG_REASON_BUDGET_FIRST,
	SG_REASON_CONN_RATE = SG_REASON_BUDGET_FIRST,
	SG_REASON_PACKET_RATE,
	SG_REASON_CONN_QUOTA,
	SG_REASON_SUBNET_CONN_RATE,
	SG_REASON_SUBNET_PACKET_RATE,
	SG_REASON_SUBNET_CONN_QUOTA,
	SG_REASON_SERVICE_CEILING, /* the service's total new-connection ceiling
				    */
	SG_REASON_UNTRACKED, /* tracking entry could not be made: passes */
	SG_REASON_COUNT,
	SG_REASON_MANUAL = 255, /* only in sg_ban.reason: `slotguard ban add` */
};

/* Misc per-CPU statistics (sg_stats), indexed by this enum. */
enum sg_stat {
	SG_STAT_EVENTS_SENT = 0,
	SG_STAT_EVENTS_SUPPRESSED, /* over the events-per-second budget */
	SG_STAT_EVENTS_LOST,	   /* ring buffer full */
	SG_STAT_BAN_FAILED,	   /* ban map full */
	SG_STAT_BANS_FIRST,	   /* + level * kinds + kind: bans made */
	SG_STAT_WOULD_BANS_FIRST =
		SG_STAT_BANS_FIRST + SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT,
	SG_STAT_COUNT = SG_STAT_WOULD_BANS_FIRST +
			SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT,
};

enum sg_list {
	SG_LIST_ALLOW = 0,
	SG_LIST_DENY = 1,
	SG_LIST_COUNT,
};

/* sg_config.flags */
#define SG_FLAG_TRACE_PARSE                                                   \
	(1U << 0)		      /* tests: record each parse in sg_trace \
				       */
#define SG_FLAG_FIXED_CLOCK (1U << 1) /* tests: the clock is time_offset_ns */
/*
 * "This list may have entries in this family": clear, the program skips
 * the LPM walk. Owned by the list code (lists.c), which sets a bit when it
 * adds and sets or clears it on a replace; config writers keep them.
 */
#define SG_FLAG_LIST_NONEMPTY(list, family) (1U << (8 + (list)*2 + (family)))
#define SG_FLAGS_LISTS_MASK		    (0xfU << 8)

/*
 * One budget as a GCRA (virtual-scheduling token bucket): a token every
 * interval_ns, at most limit_ns / interval_ns tokens banked (the burst).
 * interval_ns == 0 disables the budget.
 */
struct sg_budget {
	__u64 interval_ns;
	__u64 limit_ns; /* burst * interval_ns */
};

/* sg_config[0]: everything that changes at runtime without a reload. */
struct sg_config {
	__u32 abi_version; /* SG_ABI_VERSION of whoever wrote the pins */
	__u32 mode;	   /* enum sg_mode */
	__u32 flags;	   /* SG_FLAG_* */
	__u32 ban_after;   /* violations within ban_window_ns that ban; 0: never
			    */
	__u8 prefix_len[SG_FAMILY_COUNT][SG_LEVEL_COUNT];
	__u8 pad0[4];
	struct sg_budget budget[SG_LEVEL_COUNT][SG_BUDGET_KIND_COUNT];
	__u64 ban_window_ns;
	__u64 ban_time_ns;	 /* first ban; doubles per repeat offence */
	__u64 ban_max_ns;	 /* cap of the doubling */
	__u64 ban_memory_ns;	 /* expired bans are remembered this long */
	struct sg_budget events; /* ban events to userspace */
	__s64 time_offset_ns;	 /* added to the kernel clock (or, with
				  * SG_FLAG_FIXED_CLOCK, the clock itself) */
	__u64 generation;	 /* policy generation: bumped by every apply and
				  * every list change or unban; invalidates
				  * sg_vcache */
};

/* sg_services[i]: a protected service, found through sg_ports. */
#define SG_SERVICE_DST_RESTRICTED                                  \
	(1U << 0)		  /* only to sg_dst_v4/v6 prefixes \
				   */
#define SG_SERVICE_QUIC (1U << 1) /* UDP: QUIC Initial = new conn */
struct sg_service {
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP; 0: slot unused */
	__u8 flags; /* SG_SERVICE_* */
	__u16 port; /* host byte order */
	__u32 pad0;
	struct sg_budget ceiling; /* new connections to the whole service */
};

/*
 * sg_ports value: the service a (protocol, port) belongs to, with its flags
 * copied so the hot path needs no second lookup.
 */
struct sg_port {
	__u8 service; /* index + 1; 0: unprotected */
	__u8 flags;   /* sg_services[index].flags */
	__u16 pad0;
};

/* sg_ports key: protocol bit and destination port (host byte order). */
static inline __u32 sg_port_key(__u8 proto_is_udp, __u16 port)
{
	return ((__u32)proto_is_udp << 16) | port;
}
#define SG_PORTS_ENTRIES (2 * 65536)

/* sg_dst_v4/v6 key: LPM over (service index, destination prefix). */
struct sg_dst_v4_key {
	__u32 prefixlen; /* 32 + prefix length of addr */
	__u32 service;
	__u8 addr[4];
};
struct sg_dst_v6_key {
	__u32 prefixlen; /* 32 + prefix length of addr */
	__u32 service;
	__u8 addr[16];
};

/* Allow/deny lists and bans: LPM tries keyed by source prefix. */
struct sg_lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4]; /* network byte order */
};
struct sg_lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * Value of an allow/deny list entry. The prefix length is kept so that a
 * userspace lookup can tell an exact entry from a covering one.
 */
struct sg_list_value {
	__u64 added_ns; /* CLOCK_MONOTONIC when added */
	__u32 prefixlen;
	__u32 pad0;
};

/* Value of a ban (sg_bans_v4/v6). Expired bans stay ban_memory_ns. */
#define SG_BAN_MANUAL (1U << 0)
struct sg_ban {
	__u64 until_ns;	      /* drop while now < until_ns (sg clock) */
	__u64 since_ns;	      /* start of the current ban */
	__u32 offences;	      /* times banned, counting this one */
	__u32 observed_milli; /* observed rate at ban, per 1000 s */
	__u32 limit_milli;    /* the budget's rate, per 1000 s */
	__u8 reason;	      /* enum sg_reason of the budget, or MANUAL */
	__u8 prefixlen;
	__u8 flags; /* SG_BAN_* */
	__u8 pad0;
	char note[SG_NOTE_LEN]; /* manual bans: --reason text */
};

/*
 * sg_track key: a source prefix at one level. Tracked IPv6 prefixes are at
 * most /64 (a host owns its /64), so 8 address bytes suffice and a tracked
 * source costs 128 bytes of kernel memory, not 144. addr is masked.
 */
#define SG_TRACK_ADDR_LEN      8
#define SG_TRACK_V6_PREFIX_MAX 64
struct sg_track_key {
	__u8 family; /* enum sg_family */
	__u8 prefixlen;
	__u8 level; /* enum sg_level */
	__u8 pad0;
	__u8 addr[SG_TRACK_ADDR_LEN];
};

/* sg_track value: budgets and counters of one source prefix. */
struct sg_track {
	__u64 tat[SG_BUDGET_KIND_COUNT]; /* GCRA theoretical arrival times */
	__u32 packets;			 /* total, for `slotguard top` */
	__u32 conns;			 /* total new connections */
	__u32 drops;	       /* total over-budget drops (or would-drops) */
	__u32 window_start_ms; /* violation window, sg clock in ms */
	__u32 window_packets;  /* packets in the window */
	__u16 window_conns;    /* new connections in the window */
	__u16 violations;      /* over-budget drops in the window, and: */
};
/*
 * Monitor mode stores no ban, so without this a source over budget would
 * make a would-ban every ban_after violations; with it, one per window.
 */
#define SG_TRACK_WOULD_BANNED	0x8000
#define SG_TRACK_VIOLATIONS_MAX 0x7fff

/* sg_svc_state[service]: shared state of a service's ceiling. */
struct sg_service_state {
	__u64 conn_tat;
};

/* sg_globals[0]: program-wide mutable state. */
struct sg_globals {
	__u64 event_tat; /* GCRA of the event budget */
};

/* sg_counters value, per CPU. */
struct sg_counter {
	__u64 packets;
	__u64 bytes;
};

static inline __u32 sg_counter_index(__u32 slot, __u32 verdict, __u32 reason)
{
	return (slot * SG_VERDICT_COUNT + verdict) * SG_REASON_COUNT + reason;
}
#define SG_COUNTER_ENTRIES (SG_MAX_IFACES * SG_VERDICT_COUNT * SG_REASON_COUNT)

/* sg_ifaces[slot]: which interface a counter slot belongs to. */
struct sg_iface {
	char name[SG_IFNAME_LEN];
	__u32 ifindex;
	__u32 xdp_mode; /* 0 none, 1 native, 2 generic */
};

/* Ring buffer record (sg_events). */
enum sg_event_type {
	SG_EVENT_BAN = 1,
	SG_EVENT_WOULD_BAN = 2, /* monitor mode */
};
struct sg_event {
	__u64 time_ns; /* sg clock */
	__u64 duration_ns;
	__u32 type; /* enum sg_event_type */
	__u32 offences;
	__u32 observed_milli;
	__u32 limit_milli;
	__u8 family;
	__u8 prefixlen;
	__u8 reason;
	__u8 pad0;
	__u8 addr[16];
	__u8 pad1[4];
};

/*
 * sg_vcache: a small per-CPU cache of the source's policy verdict (allow,
 * deny, banned-until), so that a flood from one source costs one lookup
 * instead of three LPM walks. Valid only while generation matches
 * sg_config.generation; bans expire through until_ns.
 */
#define SG_VCACHE_SLOTS 256
enum sg_vcache_verdict {
	SG_VCACHE_EMPTY = 0,
	SG_VCACHE_ALLOW = 1,
	SG_VCACHE_DENY = 2,
	SG_VCACHE_BANNED = 3,
};
struct sg_vcache_entry {
	__u64 generation;
	__u64 until_ns; /* SG_VCACHE_BANNED only */
	__u64 addr[2];	/* the source, as in sg_pkt.src */
	__u8 family;
	__u8 verdict; /* enum sg_vcache_verdict */
	__u8 pad0[6];
};

/* sg_trace[0]: the last parse, written only with SG_FLAG_TRACE_PARSE. */
enum sg_frag {
	SG_FRAG_NONE = 0,
	SG_FRAG_FIRST = 1,
	SG_FRAG_LATER = 2,
};
struct sg_trace {
	__u32 count;  /* frames traced */
	__u32 reason; /* enum sg_reason */
	__u32 verdict;
	__u16 sport; /* host byte order */
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 frag; /* enum sg_frag */
	__u8 vlans;
	__u8 tcp_flags;
	__u8 new_conn;
	__u8 pad0[2];
	__u8 src[16];
	__u8 dst[16];
};

_Static_assert(sizeof(struct sg_budget) == 16, "sg_budget");
_Static_assert(sizeof(struct sg_config) == 184, "sg_config");
_Static_assert(sizeof(struct sg_service) == 24, "sg_service");
_Static_assert(sizeof(struct sg_port) == 4, "sg_port");
_Static_assert(sizeof(struct sg_dst_v4_key) == 12, "sg_dst_v4_key");
_Static_assert(sizeof(struct sg_dst_v6_key) == 24, "sg_dst_v6_key");
_Static_assert(sizeof(struct sg_lpm_v4_key) == 8, "sg_lpm_v4_key");
_Static_assert(sizeof(struct sg_lpm_v6_key) == 20, "sg_lpm_v6_key");
_Static_assert(sizeof(struct sg_list_value) == 16, "sg_list_value");
_Static_assert(sizeof(struct sg_ban) == 56, "sg_ban");
_Static_assert(sizeof(struct sg_track_key) == 12, "sg_track_key");
_Static_assert(sizeof(struct sg_track) == 48, "sg_track");
_Static_assert(sizeof(struct sg_counter) == 16, "sg_counter");
_Static_assert(sizeof(struct sg_iface) == 24, "sg_iface");
_Static_assert(sizeof(struct sg_event) == 56, "sg_event");
_Static_assert(sizeof(struct sg_trace) == 56, "sg_trace");
_Static_assert(sizeof(struct sg_vcache_entry) == 40, "sg_vcache_entry");

#endif /* SLOTGUARD_ABI_H */
