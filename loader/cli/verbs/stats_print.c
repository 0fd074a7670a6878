// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard stats` output: the counters as a table (with rates under
 * --interval) or as JSON, per interface and service, per set, and the
 * ban, would-ban and limited totals by budget.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "cli/report.h"
#include "stats.h"

const char *stats_iface_name(const struct stats_sample *s, __u32 slot)
{
	static char unnamed[16];

	if (!slot)
		return "other";
	if (s->ifaces[slot].name[0])
		return s->ifaces[slot].name;
	snprintf(unnamed, sizeof(unnamed), "slot%u", slot);
	return unnamed;
}

/* 1234567 -> "1.23M": rates read at a glance; totals stay exact. */
static void stats_si(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	unsigned int u = 0;
	int decimals;

	while (v >= 999.5 && u < sizeof(units) - 2) {
		v /= 1000;
		u++;
	}
	if (!u) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	decimals = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
	snprintf(buf, len, "%.*f%c", decimals, v, units[u]);
}

/*
 * Fixed widths: interface names are at most 15 bytes, reasons 20, and
 * --interval reports stay aligned with each other.
 */
#define STATS_ROW_FMT "%-15s  %-14s  %-10s  %-20s  %14s  %16s"

static void stats_print_table(const struct stats_sample *s,
			      const struct stats_row *rows, size_t n,
			      bool rates)
{
	char packets[24], bytes[24], pps[16], bps[16];
	size_t i;

	printf(STATS_ROW_FMT, "INTERFACE", "SERVICE", "VERDICT", "REASON",
	       "PACKETS", "BYTES");
	printf(rates ? "  %8s  %8s\n" : "\n", "PKT/S", "BIT/S");
	for (i = 0; i < n; i++) {
		snprintf(packets, sizeof(packets), "%llu",
			 (unsigned long long)rows[i].packets);
		snprintf(bytes, sizeof(bytes), "%llu",
			 (unsigned long long)rows[i].bytes);
		printf(STATS_ROW_FMT, stats_iface_name(s, rows[i].slot),
		       s->services[rows[i].service],
		       sg_verdict_name(rows[i].verdict),
		       sg_reason_name(rows[i].reason), packets, bytes);
		stats_si(rows[i].packets_per_second, pps, sizeof(pps));
		stats_si(rows[i].bits_per_second, bps, sizeof(bps));
		printf(rates ? "  %8s  %8s\n" : "\n", pps, bps);
	}
	if (!n)
		printf("(nothing counted yet)\n");
}

/* "conn_rate 3, subnet_conn_rate 1", or "none". */
static void stats_print_bans(const char *what, const __u64 *by_budget)
{
	bool any = false;
	unsigned int i;

	printf("%s:", what);
	for (i = 0; i < STATS_BAN_KINDS; i++) {
		if (!by_budget[i])
			continue;
		printf("%s %s %llu", any ? "," : "",
		       sg_reason_name(SG_REASON_BUDGET_FIRST + i),
		       (unsigned long long)by_budget[i]);
		any = true;
	}
	printf("%s\n", any ? "" : " none");
}

/* Per-set rows: packets by verdict of every set that counted any. */
static void stats_print_sets(const struct stats_sample *s)
{
	const struct sg_counter *c;
	bool head = false;
	unsigned int id;

	for (id = 0; id < SG_MAX_SETS; id++) {
		c = &s->set_counters[id * SG_VERDICT_COUNT];
		if (!s->sets[id][0] ||
		    !(c[0].packets + c[1].packets + c[2].packets))
			continue;
		if (!head)
			printf("\n%-20s  %14s  %14s  %14s\n", "SET", "PASS",
			       "DROP", "WOULD_DROP");
		head = true;
		printf("%-20s  %14llu  %14llu  %14llu\n", s->sets[id],
		       (unsigned long long)c[SG_VERDICT_PASS].packets,
		       (unsigned long long)c[SG_VERDICT_DROP].packets,
		       (unsigned long long)c[SG_VERDICT_WOULD_DROP].packets);
	}
}

void stats_print_human(const struct stats_sample *s,
		       const struct stats_row *rows, size_t n, bool rates)
{
	const __u64 *v = s->stats;

	stats_print_table(s, rows, n, rates);
	stats_print_sets(s);
	printf("\nevents: %llu sent, %llu suppressed, %llu lost; "
	       "ban failures: %llu\n",
	       (unsigned long long)v[SG_STAT_EVENTS_SENT],
	       (unsigned long long)v[SG_STAT_EVENTS_SUPPRESSED],
	       (unsigned long long)v[SG_STAT_EVENTS_LOST],
	       (unsigned long long)v[SG_STAT_BAN_FAILED]);
	stats_print_bans("bans", v + SG_STAT_BANS_FIRST);
	stats_print_bans("would-bans", v + SG_STAT_WOULD_BANS_FIRST);
	stats_print_bans("limited, not banned (below min_excess)",
			 v + SG_STAT_LIMITED_FIRST);
	printf("set bans: %llu, set would-bans: %llu; first sightings: %llu\n",
	       (unsigned long long)v[SG_STAT_SET_BANS],
	       (unsigned long long)v[SG_STAT_SET_WOULD_BANS],
	       (unsigned long long)v[SG_STAT_FIRST_SIGHTINGS]);
}

static void json_add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void json_add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *stats_json_counter(const struct stats_sample *s,
					      const struct stats_row *r,
					      bool rates)
{
	struct json_object *o = json_object_new_object();

	json_add_str(o, "service", s->services[r->service]);
	json_add_str(o, "verdict", sg_verdict_name(r->verdict));
	json_add_str(o, "reason", sg_reason_name(r->reason));
	json_add_u64(o, "packets", r->packets);
	json_add_u64(o, "bytes", r->bytes);
	if (rates) {
		json_object_object_add(
			o, "packets_per_second",
			sg_json_per_second(r->packets_per_second));
		json_object_object_add(o, "bits_per_second",
				       sg_json_per_second(r->bits_per_second));
	}
	return o;
}

/* "interfaces": one object per slot that is registered or counted. */
static struct json_object *stats_json_ifaces(const struct stats_sample *s,
					     const struct stats_row *rows,
					     size_t n, bool rates)
{
	struct json_object *arr = json_object_new_array(), *o, *counters;
	size_t i = 0;
	__u32 slot;

	for (slot = 0; slot < SG_MAX_IFACES; slot++) {
		if (!s->ifaces[slot].name[0] &&
		    (i == n || rows[i].slot != slot))
			continue;
		o = json_object_new_object();
		counters = json_object_new_array();
		json_add_str(o, "name", stats_iface_name(s, slot));
		json_add_u64(o, "ifindex", s->ifaces[slot].ifindex);
		for (; i < n && rows[i].slot == slot; i++)
			json_object_array_add(counters,
					      stats_json_counter(s, &rows[i],
								 rates));
		json_object_object_add(o, "counters", counters);
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *stats_json_totals(const struct stats_row *rows,
					     size_t n)
{
	struct json_object *totals = json_object_new_object(), *o;
	__u64 packets[SG_VERDICT_COUNT] = {}, bytes[SG_VERDICT_COUNT] = {};
	unsigned int v;
	size_t i;

	for (i = 0; i < n; i++) {
		packets[rows[i].verdict] += rows[i].packets;
		bytes[rows[i].verdict] += rows[i].bytes;
	}
	for (v = 0; v < SG_VERDICT_COUNT; v++) {
		o = json_object_new_object();
		json_add_u64(o, "packets", packets[v]);
		json_add_u64(o, "bytes", bytes[v]);
		json_object_object_add(totals, sg_verdict_name(v), o);
	}
	return totals;
}

static struct json_object *stats_json_bans(const __u64 *by_budget)
{
	struct json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < STATS_BAN_KINDS; i++)
		json_add_u64(o, sg_reason_name(SG_REASON_BUDGET_FIRST + i),
			     by_budget[i]);
	return o;
}

static struct json_object *stats_json_sets(const struct stats_sample *s)
{
	struct json_object *arr = json_object_new_array(), *o, *pk;
	const struct sg_counter *c;
	unsigned int id, v;

	for (id = 0; id < SG_MAX_SETS; id++) {
		if (!s->sets[id][0])
			continue;
		c = &s->set_counters[id * SG_VERDICT_COUNT];
		o = json_object_new_object();
		json_add_str(o, "set", s->sets[id]);
		pk = json_object_new_object();
		for (v = 0; v < SG_VERDICT_COUNT; v++) {
			struct json_object *x = json_object_new_object();

			json_add_u64(x, "packets", c[v].packets);
			json_add_u64(x, "bytes", c[v].bytes);
			json_object_object_add(pk, sg_verdict_name(v), x);
		}
		json_object_object_add(o, "verdicts", pk);
		json_object_array_add(arr, o);
	}
	return arr;
}

void stats_print_json(const struct stats_sample *s,
		      const struct stats_row *rows, size_t n, double seconds)
{
	struct json_object *root = json_object_new_object(), *ev;
	const __u64 *v = s->stats;
	bool rates = seconds > 0;

	json_object_object_add(root, "time", sg_json_time(0, 0));
	if (rates)
		json_object_object_add(root, "interval_seconds",
				       sg_json_seconds((__u64)(seconds * 1e9)));
	json_object_object_add(root, "interfaces",
			       stats_json_ifaces(s, rows, n, rates));
	json_object_object_add(root, "totals", stats_json_totals(rows, n));
	json_object_object_add(root, "bans_total",
			       stats_json_bans(v + SG_STAT_BANS_FIRST));
	json_object_object_add(root, "would_bans_total",
			       stats_json_bans(v + SG_STAT_WOULD_BANS_FIRST));
	json_object_object_add(root, "limited_total",
			       stats_json_bans(v + SG_STAT_LIMITED_FIRST));
	json_object_object_add(root, "sets", stats_json_sets(s));
	json_add_u64(root, "set_bans", v[SG_STAT_SET_BANS]);
	json_add_u64(root, "set_would_bans", v[SG_STAT_SET_WOULD_BANS]);
	json_add_u64(root, "first_sightings", v[SG_STAT_FIRST_SIGHTINGS]);
	ev = json_object_new_object();
	json_add_u64(ev, "sent", v[SG_STAT_EVENTS_SENT]);
	json_add_u64(ev, "suppressed", v[SG_STAT_EVENTS_SUPPRESSED]);
	json_add_u64(ev, "lost", v[SG_STAT_EVENTS_LOST]);
	json_object_object_add(root, "events", ev);
	json_add_u64(root, "ban_failures", v[SG_STAT_BAN_FAILED]);
	/* With --interval every report is one line: JSON Lines. */
	printf("%s\n",
	       json_object_to_json_string_ext(
		       root, JSON_C_TO_STRING_NOSLASHESCAPE |
				     (rates ? JSON_C_TO_STRING_PLAIN
					    : JSON_C_TO_STRING_PRETTY)));
	json_object_put(root);
}

/* "--- 14:03:05, over 1.00 s": the head of each --interval report. */
void stats_print_stamp(double seconds)
{
	char when[16] = "";
	struct tm tm;
	time_t t;

	t = time(NULL);
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("--- %s, over %.2f s\n", when, seconds);
}
