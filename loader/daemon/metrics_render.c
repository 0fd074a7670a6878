// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Prometheus text exposition, read straight from the maps: per-CPU
 * counters summed across CPUs, fill levels, list sizes, bans. No per-source
 * labels, so cardinality stays bounded whatever the traffic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/mapread.h"
#include "metrics.h"

/* Interface name as a label value: '\\', '"' and newline escaped. */
static void sg_iface_label(const struct sg_state *st, __u32 slot, char *buf,
			   size_t len)
{
	struct sg_iface iface = {};
	size_t i, o = 0;

	if (!slot ||
	    bpf_map_lookup_elem(st->fds[SG_MAP_IFACES], &slot, &iface) ||
	    !iface.name[0]) {
		snprintf(buf, len, "other");
		return;
	}
	for (i = 0; i < SG_IFNAME_LEN && iface.name[i] && o + 3 < len; i++) {
		char c = iface.name[i];

		if (c == '\\' || c == '"' || c == '\n')
			buf[o++] = '\\';
		buf[o++] = c == '\n' ? 'n' : c;
	}
	buf[o] = '\0';
}

static void sg_render_packets(const struct sg_state *st, FILE *f)
{
	static const char *const kinds[2] = { "packets", "bytes" };
	const __u32 words = sizeof(struct sg_counter) / sizeof(__u64);
	char name[2 * SG_IFNAME_LEN + 8];
	__u32 slot, v, r, k, idx;
	__u64 *sum;

	sum = calloc(SG_COUNTER_ENTRIES, sizeof(struct sg_counter));
	if (!sum || sg_percpu_array_sum(st->fds[SG_MAP_COUNTERS],
					SG_COUNTER_ENTRIES, words, sum)) {
		free(sum);
		return;
	}
	for (k = 0; k < 2; k++) {
		fprintf(f,
			"# HELP slotguard_%s_total %s seen by the XDP filter, "
			"by interface, verdict and reason.\n"
			"# TYPE slotguard_%s_total counter\n",
			kinds[k], k ? "Bytes" : "Packets", kinds[k]);
		for (slot = 0; slot < SG_MAX_IFACES; slot++) {
			sg_iface_label(st, slot, name, sizeof(name));
			for (v = 0; v < SG_VERDICT_COUNT; v++) {
				for (r = 0; r < SG_REASON_COUNT; r++) {
					idx = sg_counter_index(slot, v, r);
					if (!sum[idx * words])
						continue;
					fprintf(f,
						"slotguard_%s_total{interface=\"%s\","
						"verdict=\"%s\",reason=\"%s\"} %llu\n",
						kinds[k], name,
						sg_verdict_name(v),
						sg_reason_name(r),
						(unsigned long long)
							sum[idx * words + k]);
				}
			}
		}
	}
	free(sum);
}

static __u64 sg_stat(const struct sg_state *st, __u32 idx)
{
	__u64 v[SG_STAT_COUNT] = {};

	/* The whole array in one read: it is a handful of words. */
	if (idx >= SG_STAT_COUNT ||
	    sg_percpu_array_sum(st->fds[SG_MAP_STATS], SG_STAT_COUNT, 1, v))
		return 0;
	return v[idx];
}

static void sg_render_stats(const struct sg_state *st, FILE *f)
{
	static const char *const outcome[] = { "sent", "suppressed", "lost" };
	__u32 i;

	fprintf(f, "# HELP slotguard_bans_total Bans made by the filter, by "
		   "the budget that was exceeded.\n"
		   "# TYPE slotguard_bans_total counter\n");
	for (i = 0; i < SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT; i++)
		fprintf(f, "slotguard_bans_total{budget=\"%s\"} %llu\n",
			sg_reason_name(SG_REASON_BUDGET_FIRST + i),
			(unsigned long long)sg_stat(st,
						    SG_STAT_BANS_FIRST + i));
	fprintf(f, "# HELP slotguard_would_bans_total Bans monitor mode "
		   "would have made.\n"
		   "# TYPE slotguard_would_bans_total counter\n");
	for (i = 0; i < SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT; i++)
		fprintf(f, "slotguard_would_bans_total{budget=\"%s\"} %llu\n",
			sg_reason_name(SG_REASON_BUDGET_FIRST + i),
			(unsigned long long)sg_stat(
				st, SG_STAT_WOULD_BANS_FIRST + i));
	fprintf(f,
		"# HELP slotguard_ban_failures_total Bans not made "
		"because the ban table was full.\n"
		"# TYPE slotguard_ban_failures_total counter\n"
		"slotguard_ban_failures_total %llu\n",
		(unsigned long long)sg_stat(st, SG_STAT_BAN_FAILED));
	fprintf(f, "# HELP slotguard_events_total Ban events for userspace: "
		   "sent, suppressed by the events budget, or lost (ring "
		   "full).\n# TYPE slotguard_events_total counter\n");
	for (i = 0; i < 3; i++)
		fprintf(f, "slotguard_events_total{outcome=\"%s\"} %llu\n",
			outcome[i],
			(unsigned long long)sg_stat(st,
						    SG_STAT_EVENTS_SENT + i));
}

static __u32 sg_map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

static void sg_count_one(const struct sg_track_key *key,
			 const struct sg_track *track, void *arg)
{
	(void)key;
	(void)track;
	(void)arg;
}

/* Entries in the tracking LRU (a walk: the kernel keeps no count). */
static __u64 sg_count_tracked(int fd)
{
	__u64 count = 0;

	sg_track_walk(fd, sg_count_one, NULL, &count);
	return count;
}

static void sg_render_levels(const struct sg_state *st, FILE *f)
{
	struct sg_ban_entry *bans = NULL;
	__u64 now = sg_state_now(st);
	size_t n = 0, i, active[2] = { 0, 0 }, count;
	unsigned int l, fam;

	fprintf(f,
		"# HELP slotguard_tracked_sources Source prefixes in the "
		"tracking table (both levels).\n"
		"# TYPE slotguard_tracked_sources gauge\n"
		"slotguard_tracked_sources %llu\n"
		"# HELP slotguard_tracked_sources_capacity Size of the "
		"tracking table (max_tracked_sources).\n"
		"# TYPE slotguard_tracked_sources_capacity gauge\n"
		"slotguard_tracked_sources_capacity %u\n",
		(unsigned long long)sg_count_tracked(st->fds[SG_MAP_TRACK]),
		sg_map_capacity(st->fds[SG_MAP_TRACK]));
	if (!sg_ban_dump(st, &bans, &n))
		for (i = 0; i < n; i++)
			if (now < bans[i].ban.until_ns)
				active[bans[i].cidr.family & 1]++;
	free(bans);
	fprintf(f, "# HELP slotguard_bans_active Bans in force now.\n"
		   "# TYPE slotguard_bans_active gauge\n");
	for (fam = 0; fam < SG_FAMILY_COUNT; fam++)
		fprintf(f, "slotguard_bans_active{family=\"%s\"} %zu\n",
			sg_family_name(fam), active[fam]);
	fprintf(f, "# HELP slotguard_list_entries Entries on the allow and "
		   "deny lists.\n# TYPE slotguard_list_entries gauge\n");
	for (l = 0; l < SG_LIST_COUNT; l++)
		for (fam = 0; fam < SG_FAMILY_COUNT; fam++)
			if (!sg_list_count(st, l, fam, &count))
				fprintf(f,
					"slotguard_list_entries{list=\"%s\","
					"family=\"%s\"} %zu\n",
					sg_list_name(l), sg_family_name(fam),
					count);
}

static void sg_render_info(const struct sg_state *st, FILE *f)
{
	char name[2 * SG_IFNAME_LEN + 8];
	struct sg_config cfg = {};
	struct sg_iface iface;
	__u32 slot;

	sg_config_read(st, &cfg);
	fprintf(f,
		"# HELP slotguard_mode The filter's mode: 1 for the "
		"current one.\n# TYPE slotguard_mode gauge\n"
		"slotguard_mode{mode=\"monitor\"} %d\n"
		"slotguard_mode{mode=\"enforce\"} %d\n",
		cfg.mode == SG_MODE_MONITOR, cfg.mode == SG_MODE_ENFORCE);
	fprintf(f, "# HELP slotguard_interface_attached 1 while the XDP "
		   "filter is attached to the interface.\n"
		   "# TYPE slotguard_interface_attached gauge\n");
	for (slot = 1; slot < SG_MAX_IFACES; slot++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_map_lookup_elem(st->fds[SG_MAP_IFACES], &slot,
					&iface) ||
		    !iface.name[0])
			continue;
		sg_iface_label(st, slot, name, sizeof(name));
		fprintf(f,
			"slotguard_interface_attached{interface=\"%s\"} %d\n",
			name,
			!bpf_xdp_query(iface.ifindex, 0, &q) && q.prog_id);
	}
	fprintf(f,
		"# HELP slotguard_build_info Version of the running "
		"slotguard.\n# TYPE slotguard_build_info gauge\n"
		"slotguard_build_info{version=\"%s\",abi=\"%d\"} 1\n",
		SG_VERSION, SG_ABI_VERSION);
}

int sg_metrics_render(const struct sg_state *st, FILE *f)
{
	sg_render_packets(st, f);
	sg_render_stats(st, f);
	sg_render_levels(st, f);
	sg_render_info(st, f);
	return ferror(f) ? -EIO : 0;
}
