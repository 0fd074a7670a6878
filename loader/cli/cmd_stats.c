// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard stats`: what the XDP program counted, by interface, verdict and
 * reason, once or as rates every --interval. Only reads the pins, so it takes
 * no lock and runs beside the daemon.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "cli.h"
#include "core/mapread.h"

#define NS_PER_SEC	1000000000ULL
#define STATS_BAN_KINDS (SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT)

static const char stats_usage[] =
	"Usage: slotguard stats [--json] [--interval SECONDS [--count N]]\n"
	"\n"
	"Packets and bytes the XDP program counted, by interface, verdict\n"
	"(pass, drop, would_drop) and reason, since it was loaded. Only rows\n"
	"that counted something are shown; \"other\" is traffic on interfaces\n"
	"slotguard does not know by name. Below the table: ban events, bans and\n"
	"monitor-mode would-bans by budget.\n"
	"\n"
	"Options:\n"
	"  -j, --json             one JSON object (see below)\n"
	"  -i, --interval SECONDS report every SECONDS (fractions allowed) with\n"
	"                         packets/s and bits/s over the interval, until\n"
	"                         --count reports or Ctrl-C; with --json, one\n"
	"                         object per line (JSON Lines)\n"
	"  -c, --count N          stop after N reports (needs --interval)\n"
	"  -h, --help             this text\n"
	"\n"
	"JSON:\n"
	"  {\"interfaces\": [{\"name\", \"ifindex\",\n"
	"                   \"counters\": [{\"verdict\", \"reason\", \"packets\",\n"
	"                                 \"bytes\"}]}],\n"
	"   \"totals\": {VERDICT: {\"packets\", \"bytes\"}},\n"
	"   \"bans_total\": {BUDGET: n}, \"would_bans_total\": {BUDGET: n},\n"
	"   \"events\": {\"sent\", \"suppressed\", \"lost\"}, \"ban_failures\"}\n"
	"  VERDICT is pass, drop or would_drop (all three always present);\n"
	"  BUDGET is a budget reason: conn_rate, packet_rate, conn_quota,\n"
	"  subnet_conn_rate, subnet_packet_rate, subnet_conn_quota. With\n"
	"  --interval each counter also has \"packets_per_second\" and\n"
	"  \"bits_per_second\", and the object \"time\" (Unix seconds) and\n"
	"  \"interval_seconds\" (as measured).\n"
	"\n"
	"Examples:\n"
	"  slotguard stats\n"
	"  slotguard stats --interval 1 --count 10\n"
	"  slotguard stats --json | jq '.totals.drop.packets'\n"
	"  slotguard stats --json -i 5 | jq -c '.interfaces[].counters[]'\n";

/* Everything one reading of the pins gives; rates compare two of them. */
struct stats_sample {
	struct sg_iface ifaces[SG_MAX_IFACES];
	struct sg_counter counters[SG_COUNTER_ENTRIES];
	__u64 stats[SG_STAT_COUNT];
	__u64 mono_ns; /* CLOCK_MONOTONIC when read */
};

/* One non-zero (slot, verdict, reason) counter; rates only with --interval. */
struct stats_row {
	__u32 slot, verdict, reason;
	__u64 packets, bytes;
	double packets_per_second, bits_per_second;
};

struct stats_opts {
	bool json;
	__u64 interval_ns; /* 0: one report */
	unsigned long count;
};

static volatile sig_atomic_t stats_stop;

static __u64 stats_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static int stats_read(const struct sg_state *st, struct stats_sample *s)
{
	__u32 slot;
	int ret;

	for (slot = 0; slot < SG_MAX_IFACES; slot++)
		if (bpf_map_lookup_elem(st->fds[SG_MAP_IFACES], &slot,
					&s->ifaces[slot]))
			return -errno;
	ret = sg_percpu_array_sum(st->fds[SG_MAP_COUNTERS], SG_COUNTER_ENTRIES,
				  sizeof(struct sg_counter) / sizeof(__u64),
				  (__u64 *)s->counters);
	if (!ret)
		ret = sg_percpu_array_sum(st->fds[SG_MAP_STATS], SG_STAT_COUNT,
					  1, s->stats);
	s->mono_ns = stats_monotonic_ns();
	return ret;
}

/* A counter that went backwards was reset (a reload): count from zero. */
static __u64 stats_delta(__u64 now, __u64 before)
{
	return now >= before ? now - before : now;
}

/* The non-zero counters of cur, with rates against prev if given. */
static size_t stats_rows(const struct stats_sample *cur,
			 const struct stats_sample *prev,
			 struct stats_row *rows)
{
	double seconds = prev ? (cur->mono_ns - prev->mono_ns) / 1e9 : 0;
	const struct sg_counter *c, *p;
	size_t n = 0;
	__u32 i;

	/* The index order is slot, then verdict, then reason. */
	for (i = 0; i < SG_COUNTER_ENTRIES; i++) {
		c = &cur->counters[i];
		if (!c->packets && !c->bytes)
			continue;
		rows[n] = (struct stats_row){
			.slot = i / (SG_VERDICT_COUNT * SG_REASON_COUNT),
			.verdict = i / SG_REASON_COUNT % SG_VERDICT_COUNT,
			.reason = i % SG_REASON_COUNT,
			.packets = c->packets,
			.bytes = c->bytes,
		};
		if (prev && seconds > 0) {
			p = &prev->counters[i];
			rows[n].packets_per_second =
				stats_delta(c->packets, p->packets) / seconds;
			rows[n].bits_per_second =
				stats_delta(c->bytes, p->bytes) * 8 / seconds;
		}
		n++;
	}
	return n;
}

static const char *stats_iface_name(const struct stats_sample *s, __u32 slot)
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
 * Fixed widths: interface names are at most 15 bytes, reasons 18, and
 * --interval reports stay aligned with each other.
 */
#define STATS_ROW_FMT "%-15s  %-10s  %-18s  %14s  %16s"

static void stats_print_table(const struct stats_sample *s,
			      const struct stats_row *rows, size_t n,
			      bool rates)
{
	char packets[24], bytes[24], pps[16], bps[16];
	size_t i;

	printf(STATS_ROW_FMT, "INTERFACE", "VERDICT", "REASON", "PACKETS",
	       "BYTES");
	printf(rates ? "  %8s  %8s\n" : "\n", "PKT/S", "BIT/S");
	for (i = 0; i < n; i++) {
		snprintf(packets, sizeof(packets), "%llu",
			 (unsigned long long)rows[i].packets);
		snprintf(bytes, sizeof(bytes), "%llu",
			 (unsigned long long)rows[i].bytes);
		printf(STATS_ROW_FMT, stats_iface_name(s, rows[i].slot),
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

static void stats_print_human(const struct stats_sample *s,
			      const struct stats_row *rows, size_t n,
			      bool rates)
{
	const __u64 *v = s->stats;

	stats_print_table(s, rows, n, rates);
	printf("\nevents: %llu sent, %llu suppressed, %llu lost; "
	       "ban failures: %llu\n",
	       (unsigned long long)v[SG_STAT_EVENTS_SENT],
	       (unsigned long long)v[SG_STAT_EVENTS_SUPPRESSED],
	       (unsigned long long)v[SG_STAT_EVENTS_LOST],
	       (unsigned long long)v[SG_STAT_BAN_FAILED]);
	stats_print_bans("bans", v + SG_STAT_BANS_FIRST);
	stats_print_bans("would-bans", v + SG_STAT_WOULD_BANS_FIRST);
}

static void json_add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void json_add_double(struct json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

static void json_add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *stats_json_counter(const struct stats_row *r,
					      bool rates)
{
	struct json_object *o = json_object_new_object();

	json_add_str(o, "verdict", sg_verdict_name(r->verdict));
	json_add_str(o, "reason", sg_reason_name(r->reason));
	json_add_u64(o, "packets", r->packets);
	json_add_u64(o, "bytes", r->bytes);
	if (rates) {
		json_add_double(o, "packets_per_second", r->packets_per_second);
		json_add_double(o, "bits_per_second", r->bits_per_second);
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
			json_object_array_add(
				counters, stats_json_counter(&rows[i], rates));
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

static void stats_print_json(const struct stats_sample *s,
			     const struct stats_row *rows, size_t n,
			     double seconds)
{
	struct json_object *root = json_object_new_object(), *ev;
	const __u64 *v = s->stats;
	struct timespec now;
	bool rates = seconds > 0;

	if (rates) {
		clock_gettime(CLOCK_REALTIME, &now);
		json_add_double(root, "time", now.tv_sec + now.tv_nsec / 1e9);
		json_add_double(root, "interval_seconds", seconds);
	}
	json_object_object_add(root, "interfaces",
			       stats_json_ifaces(s, rows, n, rates));
	json_object_object_add(root, "totals", stats_json_totals(rows, n));
	json_object_object_add(root, "bans_total",
			       stats_json_bans(v + SG_STAT_BANS_FIRST));
	json_object_object_add(root, "would_bans_total",
			       stats_json_bans(v + SG_STAT_WOULD_BANS_FIRST));
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
static void stats_print_stamp(double seconds)
{
	char when[16] = "";
	struct tm tm;
	time_t t;

	t = time(NULL);
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("--- %s, over %.2f s\n", when, seconds);
}

static int stats_report(const struct stats_sample *cur,
			const struct stats_sample *prev, bool json)
{
	struct stats_row *rows;
	double seconds = 0;
	size_t n;

	rows = calloc(SG_COUNTER_ENTRIES, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	n = stats_rows(cur, prev, rows);
	if (prev)
		seconds = (cur->mono_ns - prev->mono_ns) / 1e9;
	if (json) {
		stats_print_json(cur, rows, n, seconds);
	} else {
		if (prev)
			stats_print_stamp(seconds);
		stats_print_human(cur, rows, n, prev != NULL);
		if (prev)
			printf("\n");
	}
	fflush(stdout);
	free(rows);
	return 0;
}

static void stats_on_signal(int sig)
{
	(void)sig;
	stats_stop = 1;
}

/* Sleeps until the CLOCK_MONOTONIC deadline; false when told to stop. */
static bool stats_sleep_until(__u64 deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NS_PER_SEC,
		.tv_nsec = deadline_ns % NS_PER_SEC,
	};

	int ret;

	while (!stats_stop) {
		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				      NULL);
		if (ret != EINTR)
			return !ret && !stats_stop;
	}
	return false;
}

static int stats_loop(const struct sg_state *st, const struct stats_opts *o)
{
	struct sigaction sa = { .sa_handler = stats_on_signal };
	struct stats_sample *s, *prev, *cur, *tmp;
	unsigned long i;
	__u64 deadline;
	int ret;

	s = calloc(2, sizeof(*s));
	if (!s)
		return -ENOMEM;
	prev = &s[0];
	cur = &s[1];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = stats_read(st, prev);
	deadline = prev->mono_ns;
	for (i = 0; !ret && (!o->count || i < o->count); i++) {
		deadline += o->interval_ns;
		if (!stats_sleep_until(deadline))
			break;
		ret = stats_read(st, cur);
		if (!ret)
			ret = stats_report(cur, prev, o->json);
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	free(s);
	return ret;
}

static int stats_parse_interval(const char *text, __u64 *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < 0.001 ||
	    v > 86400) {
		sg_errorf("--interval '%s' is not a number of seconds from "
			  "0.001 to 86400",
			  text);
		return -EINVAL;
	}
	*ns = (__u64)(v * 1e9);
	return 0;
}

static int stats_parse_args(int argc, char **argv, struct stats_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = sg_getopt(argc, argv, "ji:c:h", opts)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'i':
			if (stats_parse_interval(optarg, &o->interval_ns))
				return SG_EXIT_USAGE;
			break;
		case 'c':
			errno = 0;
			o->count = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !o->count ||
			    optarg[0] == '-') {
				sg_errorf("--count '%s' is not a whole number "
					  "> 0",
					  optarg);
				return SG_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return -1;
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	if (o->count && !o->interval_ns) {
		sg_errorf("--count needs --interval");
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}

int sg_cmd_stats(int argc, char **argv)
{
	struct stats_opts o = {};
	struct stats_sample *s;
	struct sg_state st;
	int rc, ret;

	rc = stats_parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	if (o.interval_ns) {
		ret = stats_loop(&st, &o);
	} else {
		s = calloc(1, sizeof(*s));
		ret = s ? stats_read(&st, s) : -ENOMEM;
		if (!ret)
			ret = stats_report(s, NULL, o.json);
		free(s);
	}
	sg_state_close(&st);
	if (ret) {
		sg_errorf("reading counters from %s: %s", sg_cli.pin_dir,
			  strerror(-ret));
		return SG_EXIT_FAIL;
	}
	return SG_EXIT_OK;
}
