/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * BPF-side definitions of every slotguard map. Layouts come from slotguard.h;
 * the loader pins each map under its name (the map name is the pin name).
 * Addresses are in network byte order, ports in host byte order.
 */
#ifndef SLOTGUARD_MAPS_BPF_H
#define SLOTGUARD_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "slotguard.h"

/* __u32 0 -> struct sg_config: runtime settings, written by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

/* sg_port_key(udp, dport host order) -> struct sg_port (0: unprotected). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_PORTS_ENTRIES);
	__type(key, __u32);
	__type(value, struct sg_port);
} sg_ports SEC(".maps");

/* service index -> struct sg_service. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sg_service);
} sg_services SEC(".maps");

/* service index -> struct sg_service_state (ceiling GCRA). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sg_service_state);
} sg_svc_state SEC(".maps");

/* (service, IPv4 destination prefix) -> __u32 unused: protected dsts. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_DST_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_dst_v4_key);
	__type(value, __u32);
} sg_dst_v4 SEC(".maps");

/* (service, IPv6 destination prefix) -> __u32 unused: protected dsts. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_DST_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_dst_v6_key);
	__type(value, __u32);
} sg_dst_v6 SEC(".maps");

/*
 * __u32 0 -> inner LPM trie: IPv4 source prefix -> struct sg_set_entry, the
 * entries of every set. The loader builds a fresh trie and swaps it in, so
 * a change is one atomic pointer store.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(
		values, struct {
			__uint(type, BPF_MAP_TYPE_LPM_TRIE);
			__uint(max_entries, SG_SET_MAX_ENTRIES);
			__uint(map_flags, BPF_F_NO_PREALLOC);
			__uint(key_size, sizeof(struct sg_lpm_v4_key));
			__uint(value_size, sizeof(struct sg_set_entry));
		});
} sg_sets_v4 SEC(".maps");

/* __u32 0 -> inner LPM trie: IPv6 source prefix -> struct sg_set_entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(
		values, struct {
			__uint(type, BPF_MAP_TYPE_LPM_TRIE);
			__uint(max_entries, SG_SET_MAX_ENTRIES);
			__uint(map_flags, BPF_F_NO_PREALLOC);
			__uint(key_size, sizeof(struct sg_lpm_v6_key));
			__uint(value_size, sizeof(struct sg_set_entry));
		});
} sg_sets_v6 SEC(".maps");

/* set id -> struct sg_set_conf. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_SETS);
	__type(key, __u32);
	__type(value, struct sg_set_conf);
} sg_set_conf SEC(".maps");

/* set id -> struct sg_set_state (a limit set's shared budget). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_SETS);
	__type(key, __u32);
	__type(value, struct sg_set_state);
} sg_set_state SEC(".maps");

/* sg_set_counter_index(set, verdict) -> struct sg_counter, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_MAX_SETS *SG_VERDICT_COUNT);
	__type(key, __u32);
	__type(value, struct sg_counter);
} sg_set_counters SEC(".maps");

/*
 * struct sg_prefix_key (level 0) -> struct sg_ban: bans at a level's prefix
 * length. Never evicted by tracking; sized by max_bans, allocated as bans
 * are made.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_BAN_DEFAULT_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_prefix_key);
	__type(value, struct sg_ban);
} sg_bans SEC(".maps");

/* IPv4 source prefix -> struct sg_ban: bans of other prefix lengths. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_BAN_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_v4_key);
	__type(value, struct sg_ban);
} sg_bans_lpm_v4 SEC(".maps");

/* IPv6 source prefix -> struct sg_ban: bans of other prefix lengths. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_BAN_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_v6_key);
	__type(value, struct sg_ban);
} sg_bans_lpm_v6 SEC(".maps");

/* struct sg_ban_note_key -> struct sg_ban_note; userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_BAN_NOTE_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_ban_note_key);
	__type(value, struct sg_ban_note);
} sg_ban_notes SEC(".maps");

/* word -> __u64: the ban filter bitmap, two halves (see slotguard.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * SG_BAN_FILTER_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} sg_ban_filter SEC(".maps");

/* struct sg_prefix_key -> struct sg_track; LRU, sized by max_tracked_sources.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_TRACK_DEFAULT_ENTRIES);
	__type(key, struct sg_prefix_key);
	__type(value, struct sg_track);
} sg_track SEC(".maps");

/* slot -> __u64 fingerprint | flags | ms: first sightings of prefixes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_FIRST_SEEN_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} sg_first_seen SEC(".maps");

/* slot -> __u32 fingerprint of a request segment that passed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_RECENT_REQUEST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sg_recent_requests SEC(".maps");

/* struct sg_prefix_key -> struct sg_fleet_hits: heavy sources, fleet mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_FLEET_HITS_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_prefix_key);
	__type(value, struct sg_fleet_hits);
} sg_fleet_hits SEC(".maps");

/* __u32 0 -> struct sg_globals. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_globals);
} sg_globals SEC(".maps");

/*
 * sg_counter_index(slot, service, verdict, reason) -> struct sg_counter,
 * per CPU; sized by the loader for the interfaces it attaches to.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_COUNTER_SLOTS_DEFAULT *SG_COUNTERS_PER_SLOT);
	__type(key, __u32);
	__type(value, struct sg_counter);
} sg_counters SEC(".maps");

/* enum sg_stat -> __u64, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sg_stats SEC(".maps");

/* ifindex -> counter slot (0: unregistered interface). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_IFINDEX_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sg_ifslots SEC(".maps");

/* counter slot -> struct sg_iface; read by userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct sg_iface);
} sg_ifaces SEC(".maps");

/* __u32 0 -> struct sg_daemon_info; userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_daemon_info);
} sg_daemon SEC(".maps");

/* struct sg_audit_record, first in first out; userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, SG_AUDIT_ENTRIES);
	__uint(key_size, 0);
	__uint(value_size, sizeof(struct sg_audit_record));
} sg_audit SEC(".maps");

/* hash of source -> struct sg_vcache_entry, per CPU: policy verdicts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_VCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_vcache_entry);
} sg_vcache SEC(".maps");

/* Ban, would-ban and limited events (struct sg_event) to the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SG_EVENT_RING_BYTES);
} sg_events SEC(".maps");

/* __u32 0 -> struct sg_trace: the last parse, when SG_FLAG_TRACE_PARSE. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct sg_trace);
} sg_trace SEC(".maps");

#endif /* SLOTGUARD_MAPS_BPF_H */
