// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Program cost per path: runs the real slotguard XDP program and the
 * reference programs (bare pass, parse-only) through BPF_PROG_TEST_RUN with
 * a large repeat, in one run, and prints ns/packet with ratios. A benchmark,
 * never a test: it asserts nothing about time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include "core/sg.h"
#include "pkt.h"
#include "slotguard.skel.h"
#include "baseline.skel.h"

struct bench_case {
	const char *name;
	int prog; /* 0 slotguard, 1 bare pass, 2 parse-only */
	struct sg_pkt_spec spec;
};

static struct sg_cidr cidr(const char *text)
{
	struct sg_cidr c;
	char why[256];

	if (sg_parse_cidr(text, &c, why, sizeof(why))) {
		fprintf(stderr, "sg_progbench: %s\n", why);
		exit(2);
	}
	return c;
}

/* Every budget on, generous unless over is set; no bans unless asked. */
static void configure(struct sg_state *st, bool over)
{
	struct sg_config cfg = { .abi_version = SG_ABI_VERSION,
				 .mode = SG_MODE_ENFORCE };
	struct sg_service svc = { .proto = IPPROTO_TCP, .port = 443 };
	struct sg_port slot = { .service = 1 };
	__u32 idx = 0, key = sg_port_key(0, 443);
	int l, k;

	cfg.prefix_len[SG_FAMILY_V4][0] = 32;
	cfg.prefix_len[SG_FAMILY_V4][1] = 24;
	cfg.prefix_len[SG_FAMILY_V6][0] = 64;
	cfg.prefix_len[SG_FAMILY_V6][1] = 48;
	for (l = 0; l < SG_LEVEL_COUNT; l++) {
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
			cfg.budget[l][k].interval_ns = over ? 1000000000ULL : 1;
			cfg.budget[l][k].limit_ns = over ? 1000000000ULL
							 : 1ULL << 62;
		}
	}
	cfg.ban_window_ns = 60ULL * 1000000000ULL;
	cfg.hash_seed = 0x5eed;
	cfg.min_excess_milli = 1000;
	cfg.flags = SG_FLAG_LEVEL_ON(0) | SG_FLAG_LEVEL_ON(1);
	sg_config_write(st, &cfg); /* keeps the set and ban bits */
	sg_bans_sync_levels(st, false);
	bpf_map_update_elem(st->fds[SG_MAP_SERVICES], &idx, &svc, BPF_ANY);
	bpf_map_update_elem(st->fds[SG_MAP_PORTS], &key, &slot, BPF_ANY);
}

static double run_once(int prog_fd, const struct sg_frame *f, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data,
		    .data_size_in = f->len, .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		fprintf(stderr, "sg_progbench: test run: %s\n",
			strerror(errno));
		exit(1);
	}
	return opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One row: median ns of runs, the ratios, the spread. */
static double row(const char *name, int prog_fd, const struct sg_frame *f,
		  int repeat, int runs, double parse_ns, double pass_ns)
{
	double t[99], med;
	int r;

	for (r = 0; r < runs; r++)
		t[r] = run_once(prog_fd, f, repeat);
	qsort(t, runs, sizeof(t[0]), cmp_double);
	med = t[runs / 2];
	printf("%-26s %10.1f %10.2f %10.2f   (min %.0f max %.0f)\n", name, med,
	       med / parse_ns, med / pass_ns, t[0], t[runs - 1]);
	return med;
}

/* Set id a limit set whose shared budget never runs out. */
static void limit_set(struct sg_state *st, __u32 id)
{
	struct sg_set_conf conf = { .action = SG_SET_LIMIT };
	int k;

	snprintf(conf.name, sizeof(conf.name), "bench%u", id);
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		conf.budget[k].interval_ns = 1;
		conf.budget[k].limit_ns = 1ULL << 62;
	}
	bpf_map_update_elem(st->fds[SG_MAP_SET_CONF], &id, &conf, BPF_ANY);
}

/*
 * Issue 13: a member of a limit set with 1 set (one entry) and with 64
 * sets of 15,000 CIDRs each; the frame's cost must not grow with the sets
 * (one trie lookup). Also times installing the 960,000 entries and a
 * replace of 500,000 in one set while the others stay.
 */
static void set_rows(struct sg_state *st, int prog_fd, int repeat, int runs,
		     double parse_ns, double pass_ns)
{
	struct sg_pkt_spec spec = { .sport = 40000,
				    .dport = 443,
				    .tcp_flags = SG_TH_SYN,
				    .src = "198.18.0.5" };
	const size_t per_set = 15000, n_sets = 64;
	struct sg_set_change ch = { .set = SG_SET_FIRST_NAMED,
				    .replace = true };
	struct sg_set_item *items;
	struct sg_cidr *repl;
	struct sg_frame f;
	double t0, install, replace;
	size_t i, s, n = 0;

	items = calloc(per_set * n_sets, sizeof(*items));
	repl = calloc(500000, sizeof(*repl));
	if (!items || !repl || sg_pkt_build(&spec, &f)) {
		fprintf(stderr, "sg_progbench: set rows: out of memory\n");
		exit(1);
	}
	configure(st, false);
	for (s = 0; s < n_sets; s++)
		limit_set(st, SG_SET_FIRST_NAMED + s);
	items[n].cidr = cidr("198.18.0.0/24");
	items[n++].set = SG_SET_FIRST_NAMED;
	if (sg_sets_install(st, items, n)) {
		fprintf(stderr, "sg_progbench: set rows: installing\n");
		exit(1);
	}
	row("limit set member, 1 set", prog_fd, &f, repeat, runs, parse_ns,
	    pass_ns);
	/* 64 sets of 15,000 /32s each (10.S.x.y), the member's /24 in set 0. */
	for (s = 0; s < n_sets; s++)
		for (i = s ? 0 : 1; i < per_set; i++) {
			items[n].cidr.family = SG_FAMILY_V4;
			items[n].cidr.prefixlen = 32;
			items[n].cidr.addr[0] = 10;
			items[n].cidr.addr[1] = (__u8)(100 + s);
			items[n].cidr.addr[2] = (__u8)(i >> 8);
			items[n].cidr.addr[3] = (__u8)i;
			items[n++].set = (__u16)(SG_SET_FIRST_NAMED + s);
		}
	t0 = now_ms();
	if (sg_sets_install(st, items, n)) {
		fprintf(stderr, "sg_progbench: set rows: installing %zu\n", n);
		exit(1);
	}
	install = now_ms() - t0;
	row("limit set member, 64 sets", prog_fd, &f, repeat, runs, parse_ns,
	    pass_ns);
	/*
	 * Room for the replace (a family holds 1,048,576): keep 32 sets of
	 * 15,000, then swap the first set's entries for 500,000 others
	 * (11.x.y.z/32): 980,000 entries after.
	 */
	if (sg_sets_install(st, items + per_set, per_set * 32)) {
		fprintf(stderr, "sg_progbench: set rows: installing 32 sets\n");
		exit(1);
	}
	for (i = 0; i < 500000; i++) {
		repl[i].family = SG_FAMILY_V4;
		repl[i].prefixlen = 32;
		repl[i].addr[0] = 11;
		repl[i].addr[1] = (__u8)(i >> 16);
		repl[i].addr[2] = (__u8)(i >> 8);
		repl[i].addr[3] = (__u8)i;
	}
	ch.add = repl;
	ch.n_add = 500000;
	t0 = now_ms();
	if (sg_set_change(st, &ch, NULL)) {
		fprintf(stderr, "sg_progbench: set rows: replace\n");
		exit(1);
	}
	replace = now_ms() - t0;
	printf("\nsets: 64 sets of 15,000 CIDRs (%zu entries) installed in "
	       "%.0f ms; one set's entries replaced by 500,000 CIDRs beside 32 "
	       "sets of 15,000 (%zu entries after) in %.0f ms\n",
	       n, install, per_set * 32 + 500000, replace);
	free(items);
	free(repl);
}

/* A small HTTP request, as a data segment with PSH carries one. */
static const char request_bytes[] = "POST /book HTTP/1.1\r\nHost: x\r\n\r\n";

int main(int argc, char **argv)
{
	struct sg_pkt_spec syn = { .sport = 40000,
				   .dport = 443,
				   .tcp_flags = SG_TH_SYN };
	struct bench_case cases[] = {
		{ "bare XDP_PASS", 1, syn },
		{ "parse-only", 2, syn },
		{ "unprotected (port 22)", 0, syn },
		{ "allowlisted", 0, syn },
		{ "within budget (SYN)", 0, syn },
		{ "over budget (SYN)", 0, syn },
		{ "banned", 0, syn },
		{ "denylisted", 0, syn },
		{ "within budget IPv6", 0, syn },
		{ "within budget QinQ", 0, syn },
		{ "request (data+PSH)", 0, syn },
	};
	int n = sizeof(cases) / sizeof(cases[0]), repeat = 1000000, runs = 5;
	struct slotguard *sg;
	struct baseline *base;
	struct sg_state st;
	double med[16], parse_ns = 0, pass_ns = 0;
	int i, r, c, fds[3];

	while ((c = getopt(argc, argv, "r:n:")) != -1) {
		if (c == 'r')
			repeat = atoi(optarg);
		else if (c == 'n')
			runs = atoi(optarg);
		else
			return 2;
	}
	if (repeat < 1 || runs < 1 || runs > 99)
		return 2;
	cases[2].spec.dport = 22;
	cases[3].spec.src = "192.0.2.10";
	cases[6].spec.src = "192.0.2.66";
	cases[7].spec.src = "203.0.113.5";
	cases[8].spec.family = SG_FAMILY_V6;
	cases[9].spec.n_vlans = 2;
	cases[10].spec.tcp_flags = SG_TH_ACK | SG_TH_PSH;
	cases[10].spec.payload = request_bytes;
	cases[10].spec.payload_len = sizeof(request_bytes);

	sg = slotguard__open_and_load();
	base = baseline__open_and_load();
	if (!sg || !base || sg_state_from_object(&st, sg->obj)) {
		fprintf(stderr, "sg_progbench: loading: %s\n", strerror(errno));
		return 1;
	}
	fds[0] = bpf_program__fd(sg->progs.slotguard_xdp);
	fds[1] = bpf_program__fd(base->progs.baseline_pass);
	fds[2] = bpf_program__fd(base->progs.baseline_parse_pass);
	{
		struct sg_cidr a = cidr("192.0.2.10/32"),
			       d = cidr("203.0.113.0/24"),
			       b = cidr("192.0.2.66/32");
		struct sg_set_change allow = { .set = SG_LIST_ALLOW,
					       .add = &a,
					       .n_add = 1 },
				     deny = { .set = SG_LIST_DENY,
					      .add = &d,
					      .n_add = 1 };
		struct sg_ban_spec spec = { .duration_ns =
						    3600ULL * 1000000000ULL };

		sg_set_change(&st, &allow, NULL);
		sg_set_change(&st, &deny, NULL);
		configure(&st, false);
		sg_ban_add(&st, &b, &spec);
	}

	printf("%-26s %10s %10s %10s\n", "path", "ns/pkt", "x parse", "x pass");
	for (i = 0; i < n; i++) {
		struct sg_frame f;
		double t[99];

		configure(&st, i == 5);
		if (sg_pkt_build(&cases[i].spec, &f)) {
			fprintf(stderr, "sg_progbench: building %s\n",
				cases[i].name);
			return 1;
		}
		for (r = 0; r < runs; r++)
			t[r] = run_once(fds[cases[i].prog], &f, repeat);
		qsort(t, runs, sizeof(t[0]), cmp_double);
		med[i] = t[runs / 2];
		if (i == 0)
			pass_ns = med[i];
		if (i == 1)
			parse_ns = med[i];
		printf("%-26s %10.1f %10.2f %10.2f   (min %.0f max %.0f)\n",
		       cases[i].name, med[i], parse_ns ? med[i] / parse_ns : 0,
		       med[i] / pass_ns, t[0], t[runs - 1]);
	}
	set_rows(&st, fds[0], repeat, runs, parse_ns, pass_ns);
	printf("\nBPF_PROG_TEST_RUN, repeat %d, median of %d runs; ns as "
	       "reported by the kernel (bpf_test_run duration).\n",
	       repeat, runs);
	sg_state_close(&st);
	slotguard__destroy(sg);
	baseline__destroy(base);
	return 0;
}
