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

/* Service names as label values, [0] for frames of no service. */
static void sg_service_labels(const struct sg_state *st,
			      char names[SG_COUNTER_SERVICES][40])
{
	struct sg_service svc;
	__u32 i;

	snprintf(names[0], 40, "none");
	for (i = 0; i < SG_MAX_SERVICES; i++) {
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SERVICES], &i, &svc) ||
		    !svc.name[0] || strpbrk(svc.name, "\\\"\n"))
			snprintf(names[i + 1], 40, "#%u", i);
		else
			snprintf(names[i + 1], 40, "%s", svc.name);
	}
}

static void sg_render_counter(FILE *f, const char *kind, const char *iface,
			      const char *service, __u32 v, __u32 r, __u64 n)
{
	fprintf(f,
		"slotguard_%s_total{interface=\"%s\",service=\"%s\","
		"verdict=\"%s\",reason=\"%s\"} %llu\n",
		kind, iface, service, sg_verdict_name(v), sg_reason_name(r),
		(unsigned long long)n);
}

static void sg_render_packets(const struct sg_state *st, FILE *f)
{
	static const char *const kinds[2] = { "packets", "bytes" };
	const __u32 words = sizeof(struct sg_counter) / sizeof(__u64);
	char name[2 * SG_IFNAME_LEN + 8], (*svc)[40];
	__u32 slot, slots, service, v, r, k, idx, entries;
	__u64 *sum;

	if (sg_counter_slots(st, &slots))
		return;
	entries = slots * SG_COUNTERS_PER_SLOT;
	sum = calloc(entries, sizeof(struct sg_counter));
	svc = calloc(SG_COUNTER_SERVICES, sizeof(*svc));
	if (!sum || !svc ||
	    sg_percpu_array_sum(st->fds[SG_MAP_COUNTERS], entries, words,
				sum)) {
		free(sum);
		free(svc);
		return;
	}
	sg_service_labels(st, svc);
	for (k = 0; k < 2; k++) {
		fprintf(f,
			"# HELP slotguard_%s_total %s seen by the XDP filter, "
			"by interface, service, verdict and reason.\n"
			"# TYPE slotguard_%s_total counter\n",
			kinds[k], k ? "Bytes" : "Packets", kinds[k]);
		for (slot = 0; slot < slots; slot++) {
			sg_iface_label(st, slot, name, sizeof(name));
			for (service = 0; service < SG_COUNTER_SERVICES;
			     service++)
				for (v = 0; v < SG_VERDICT_COUNT; v++)
					for (r = 0; r < SG_REASON_COUNT; r++) {
						idx = sg_counter_index(
							slot, service, v, r);
						if (sum[idx * words])
							sg_render_counter(
								f, kinds[k],
								name,
								svc[service], v,
								r,
								sum[idx * words +
								    k]);
					}
		}
	}
	free(sum);
	free(svc);
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

static void sg_render_by_budget(const struct sg_state *st, FILE *f,
				const char *name, const char *help, __u32 first)
{
	__u32 i;

	fprintf(f, "# HELP slotguard_%s %s\n# TYPE slotguard_%s counter\n",
		name, help, name);
	for (i = 0; i < SG_BUDGETS; i++)
		fprintf(f, "slotguard_%s{budget=\"%s\"} %llu\n", name,
			sg_reason_name(SG_REASON_BUDGET_FIRST + i),
			(unsigned long long)sg_stat(st, first + i));
}

static void sg_render_stats(const struct sg_state *st, FILE *f)
{
	static const char *const outcome[] = { "sent", "suppressed", "lost" };
	__u32 i;

	sg_render_by_budget(st, f, "bans_total",
			    "Bans made by the filter, by the budget that was "
			    "exceeded.",
			    SG_STAT_BANS_FIRST);
	sg_render_by_budget(st, f, "would_bans_total",
			    "Bans monitor mode would have made.",
			    SG_STAT_WOULD_BANS_FIRST);
	sg_render_by_budget(st, f, "limited_total",
			    "Sources over budget `after` times in a window but "
			    "below min_excess: limited, not banned.",
			    SG_STAT_LIMITED_FIRST);
	fprintf(f,
		"# HELP slotguard_set_bans_total Members banned for their "
		"limit set's budget (monitor: would-bans).\n"
		"# TYPE slotguard_set_bans_total counter\n"
		"slotguard_set_bans_total{mode=\"enforce\"} %llu\n"
		"slotguard_set_bans_total{mode=\"monitor\"} %llu\n",
		(unsigned long long)sg_stat(st, SG_STAT_SET_BANS),
		(unsigned long long)sg_stat(st, SG_STAT_SET_WOULD_BANS));
	fprintf(f,
		"# HELP slotguard_ban_failures_total Bans not made "
		"because the ban table was full.\n"
		"# TYPE slotguard_ban_failures_total counter\n"
		"slotguard_ban_failures_total %llu\n",
		(unsigned long long)sg_stat(st, SG_STAT_BAN_FAILED));
	fprintf(f,
		"# HELP slotguard_first_sightings_total Frames of sources "
		"seen for the first time, passed without a tracking entry.\n"
		"# TYPE slotguard_first_sightings_total counter\n"
		"slotguard_first_sightings_total %llu\n",
		(unsigned long long)sg_stat(st, SG_STAT_FIRST_SIGHTINGS));
	fprintf(f,
		"# HELP slotguard_tracking_failures_total Tracking entries "
		"that could not be made (the frame passed untracked).\n"
		"# TYPE slotguard_tracking_failures_total counter\n"
		"slotguard_tracking_failures_total %llu\n",
		(unsigned long long)sg_stat(st, SG_STAT_TRACK_FAILED));
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

static void sg_count_one(const struct sg_prefix_key *key,
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

/* Entries and packets of every set; the lists keep their own metric. */
static void sg_render_sets(const struct sg_state *st, FILE *f)
{
	size_t(*count)[SG_FAMILY_COUNT] = calloc(SG_MAX_SETS, sizeof(*count));
	__u64 *sum = calloc(SG_MAX_SETS * SG_VERDICT_COUNT * 2, sizeof(*sum));
	char names[SG_MAX_SETS][SG_SET_NAME_LEN] = {};
	struct sg_set_conf conf;
	unsigned int id, fam, v, k;

	if (!count || !sum || sg_set_counts(st, count) ||
	    sg_percpu_array_sum(st->fds[SG_MAP_SET_COUNTERS],
				SG_MAX_SETS * SG_VERDICT_COUNT, 2, sum))
		goto out;
	for (id = 0; id < SG_MAX_SETS; id++)
		if (!sg_set_conf_read(st, id, &conf) &&
		    (id < SG_LIST_COUNT || conf.action != SG_SET_UNUSED))
			snprintf(names[id], sizeof(names[id]), "%s",
				 id < SG_LIST_COUNT ? sg_list_name(id)
						    : conf.name);
	fprintf(f, "# HELP slotguard_list_entries Entries on the allow and "
		   "deny lists.\n# TYPE slotguard_list_entries gauge\n");
	for (id = 0; id < SG_LIST_COUNT; id++)
		for (fam = 0; fam < SG_FAMILY_COUNT; fam++)
			fprintf(f,
				"slotguard_list_entries{list=\"%s\","
				"family=\"%s\"} %zu\n",
				names[id], sg_family_name(fam), count[id][fam]);
	fprintf(f, "# HELP slotguard_set_entries Entries of every set (allow "
		   "and deny are the built-in ones).\n"
		   "# TYPE slotguard_set_entries gauge\n");
	for (id = 0; id < SG_MAX_SETS; id++)
		for (fam = 0; names[id][0] && fam < SG_FAMILY_COUNT; fam++)
			fprintf(f,
				"slotguard_set_entries{set=\"%s\","
				"family=\"%s\"} %zu\n",
				names[id], sg_family_name(fam), count[id][fam]);
	for (k = 0; k < 2; k++) {
		fprintf(f,
			"# HELP slotguard_set_%s_total %s from members of each "
			"set, by verdict.\n# TYPE slotguard_set_%s_total "
			"counter\n",
			k ? "bytes" : "packets", k ? "Bytes" : "Packets",
			k ? "bytes" : "packets");
		for (id = 0; id < SG_MAX_SETS; id++)
			for (v = 0; names[id][0] && v < SG_VERDICT_COUNT; v++)
				fprintf(f,
					"slotguard_set_%s_total{set=\"%s\","
					"verdict=\"%s\"} %llu\n",
					k ? "bytes" : "packets", names[id],
					sg_verdict_name(v),
					(unsigned long long)
						sum[(id * SG_VERDICT_COUNT +
						     v) * 2 +
						    k]);
	}
out:
	free(count);
	free(sum);
}

static void sg_render_levels(const struct sg_state *st, FILE *f)
{
	struct sg_ban_entry *bans = NULL;
	__u64 now = sg_state_now(st);
	size_t n = 0, i, active[2] = { 0, 0 };
	unsigned int fam;

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
	sg_render_sets(st, f);
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
