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
#include "cli/cli.h"
#include "core/mapread.h"
#include "stats.h"

#define NS_PER_SEC 1000000000ULL

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
	"  {\"time\", \"interfaces\": [{\"name\", \"ifindex\",\n"
	"     \"counters\": [{\"service\", \"verdict\", \"reason\", \"packets\",\n"
	"                   \"bytes\"}]}],\n"
	"   \"totals\": {VERDICT: {\"packets\", \"bytes\"}},\n"
	"   \"sets\": [{\"set\", \"verdicts\": {VERDICT: {\"packets\", \"bytes\"}}}],\n"
	"   \"bans_total\": {BUDGET: n}, \"would_bans_total\": {BUDGET: n},\n"
	"   \"limited_total\": {BUDGET: n}, \"set_bans\", \"set_would_bans\",\n"
	"   \"first_sightings\", \"events\": {\"sent\", \"suppressed\", \"lost\"},\n"
	"   \"ban_failures\"}\n"
	"  VERDICT is pass, drop or would_drop (all three always present);\n"
	"  BUDGET is a budget reason: conn_rate, packet_rate, conn_quota,\n"
	"  request_rate, request_quota and the same with subnet_. \"time\" is\n"
	"  RFC 3339. With --interval each counter also has\n"
	"  \"packets_per_second\" and \"bits_per_second\", and the object\n"
	"  \"interval_seconds\" (as measured).\n"
	"\n"
	"Examples:\n"
	"  slotguard stats\n"
	"  slotguard stats --interval 1 --count 10\n"
	"  slotguard stats --json | jq '.totals.drop.packets'\n"
	"  slotguard stats --json -i 5 | jq -c '.interfaces[].counters[]'\n";

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

/* Names of services and sets, for labels. */
static void stats_names(const struct sg_state *st, struct stats_sample *s)
{
	struct sg_service svc;
	struct sg_set_conf conf;
	__u32 i;

	snprintf(s->services[0], sizeof(s->services[0]), "none");
	for (i = 0; i < SG_MAX_SERVICES; i++) {
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SERVICES], &i, &svc) ||
		    !svc.name[0])
			snprintf(s->services[i + 1], sizeof(s->services[0]),
				 "#%u", i);
		else
			snprintf(s->services[i + 1], sizeof(s->services[0]),
				 "%s", svc.name);
	}
	for (i = 0; i < SG_MAX_SETS; i++) {
		s->sets[i][0] = '\0';
		if (sg_set_conf_read(st, i, &conf) ||
		    (i >= SG_LIST_COUNT && conf.action == SG_SET_UNUSED))
			continue;
		snprintf(s->sets[i], sizeof(s->sets[i]), "%s",
			 i < SG_LIST_COUNT ? sg_list_name(i) : conf.name);
	}
}

static int stats_read(const struct sg_state *st, struct stats_sample *s)
{
	const __u32 words = sizeof(struct sg_counter) / sizeof(__u64);
	__u32 slot, slots;
	int ret;

	for (slot = 0; slot < SG_MAX_IFACES; slot++)
		if (bpf_map_lookup_elem(st->fds[SG_MAP_IFACES], &slot,
					&s->ifaces[slot]))
			return -errno;
	ret = sg_counter_slots(st, &slots);
	if (ret)
		return ret;
	if (!s->counters) {
		s->n_counters = slots * SG_COUNTERS_PER_SLOT;
		s->counters = calloc(s->n_counters, sizeof(*s->counters));
		if (!s->counters)
			return -ENOMEM;
	}
	stats_names(st, s);
	ret = sg_percpu_array_sum(st->fds[SG_MAP_COUNTERS], s->n_counters,
				  words, (__u64 *)s->counters);
	if (!ret)
		ret = sg_percpu_array_sum(st->fds[SG_MAP_SET_COUNTERS],
					  SG_MAX_SETS * SG_VERDICT_COUNT, words,
					  (__u64 *)s->set_counters);
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

	/* The index order is slot, service, verdict, then reason. */
	for (i = 0; i < cur->n_counters; i++) {
		c = &cur->counters[i];
		if (!c->packets && !c->bytes)
			continue;
		rows[n] = (struct stats_row){
			.slot = i / SG_COUNTERS_PER_SLOT,
			.service = i / (SG_VERDICT_COUNT * SG_REASON_COUNT) %
				   SG_COUNTER_SERVICES,
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

static int stats_report(const struct stats_sample *cur,
			const struct stats_sample *prev, bool json)
{
	struct stats_row *rows;
	double seconds = 0;
	size_t n;

	rows = calloc(cur->n_counters + 1, sizeof(*rows));
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
	free(s[0].counters);
	free(s[1].counters);
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
		if (s)
			free(s->counters);
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
