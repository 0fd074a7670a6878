// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target over the data path: every input becomes a frame (see
 * frame_gen.c) that runs through the real XDP program with
 * BPF_PROG_TEST_RUN under one fixed configuration, with tight budgets and
 * a fixed clock the input moves forward, so budgets and bans come into
 * play. Invariants checked on every run are listed at check_run().
 *
 * libFuzzer sees the coverage of this harness only, not of the program
 * in the kernel; what the program did (verdict, reason, parse, bans) is
 * fed back as libFuzzer "extra counters", so new outcomes count as new
 * coverage. Needs root (CAP_BPF) to load the program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "datapath.h"
#include "dp_history.h"
#include "fuzz.h"

#define NS_PER_S       1000000000ULL
#define N_COUNTERS     SG_COUNTERS_PER_SLOT /* slot 0: every service */
#define OUTCOME_TUPLES 32768

struct dp_state {
	struct sg_counter c[SG_COUNTER_SERVICES][SG_VERDICT_COUNT]
			   [SG_REASON_COUNT];
	__u64 stats[SG_STAT_COUNT];
	__u32 trace_count;
};

static struct sg_h h;
static struct dp_state last;

/* libFuzzer adds these to its coverage features after every input. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t
	outcomes[64 + OUTCOME_TUPLES + SG_STAT_COUNT];

/* Per-CPU values summed; one batch syscall per map. */
static void read_percpu(int fd, __u32 n, size_t n_u64, __u64 *sum)
{
	static __u64 values[N_COUNTERS * 2 * 1024];
	static __u32 keys[N_COUNTERS];
	__u32 count = n, token, k, cpu, i;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err;

	FUZZ_ASSERT(n <= N_COUNTERS &&
			    (size_t)h.ncpus * n * n_u64 <= sizeof(values) / 8,
		    "too many values");
	err = bpf_map_lookup_batch(fd, NULL, &token, keys, values, &count,
				   &opts);
	FUZZ_ASSERT((!err || errno == ENOENT) && count == n,
		    "batch lookup: %d (%s), %u of %u", err, strerror(errno),
		    count, n);
	for (k = 0; k < n; k++) {
		for (i = 0; i < n_u64; i++) {
			sum[k * n_u64 + i] = 0;
			for (cpu = 0; cpu < (__u32)h.ncpus; cpu++)
				sum[k * n_u64 + i] +=
					values[(k * h.ncpus + cpu) * n_u64 + i];
		}
	}
}

static void read_state(struct dp_state *s, struct sg_trace *t)
{
	read_percpu(h.st.fds[SG_MAP_COUNTERS], N_COUNTERS, 2, (__u64 *)s->c);
	read_percpu(h.st.fds[SG_MAP_STATS], SG_STAT_COUNT, 1, s->stats);
	FUZZ_ASSERT(!sg_h_trace(&h, t), "trace lookup");
	s->trace_count = t->count;
}

/* Budgets of a few tokens, so a handful of inputs from one source hit them. */
static void configure(void)
{
	struct sg_budget *src = h.cfg.budget[SG_LEVEL_SOURCE];
	struct sg_budget *net = h.cfg.budget[SG_LEVEL_SUBNET];
	struct sg_service quic = {
		.proto = IPPROTO_UDP,
		.flags = SG_SERVICE_QUIC | SG_SERVICE_DST_RESTRICTED,
		.port = DP_UDP_PORT,
		.ceiling = sg_h_budget(4, NS_PER_S, 6),
	};

	dp_policy_init();
	FUZZ_ASSERT(!sg_h_protect(&h, 0, IPPROTO_TCP, DP_TCP_PORT, 0),
		    "service 0");
	FUZZ_ASSERT(!sg_h_service(&h, 1, &quic), "service 1");
	FUZZ_ASSERT(!sg_h_dst(&h, 1, DP_UDP_DST_V4) &&
			    !sg_h_dst(&h, 1, DP_UDP_DST_V6),
		    "destinations");
	FUZZ_ASSERT(!sg_h_list_add(&h, SG_LIST_ALLOW, DP_ALLOW_V4) &&
			    !sg_h_list_add(&h, SG_LIST_ALLOW, DP_ALLOW_V6) &&
			    !sg_h_list_add(&h, SG_LIST_DENY, DP_DENY_V4) &&
			    !sg_h_list_add(&h, SG_LIST_DENY, DP_DENY_V6),
		    "lists");
	/* Subnets barely above a source, so two sources reach them. */
	src[SG_BUDGET_CONN] = sg_h_budget(2, NS_PER_S, 3);
	src[SG_BUDGET_PACKET] = sg_h_budget(20, NS_PER_S, 8);
	src[SG_BUDGET_QUOTA] = sg_h_budget(10, 60 * NS_PER_S, 10);
	net[SG_BUDGET_CONN] = sg_h_budget(3, NS_PER_S, 4);
	net[SG_BUDGET_PACKET] = sg_h_budget(25, NS_PER_S, 10);
	net[SG_BUDGET_QUOTA] = sg_h_budget(15, 60 * NS_PER_S, 15);
	h.cfg.ban_after = 3;
	h.cfg.ban_window_ns = 10 * NS_PER_S;
	h.cfg.ban_time_ns = NS_PER_S / 2;
	h.cfg.ban_max_ns = 4 * NS_PER_S;
	h.cfg.ban_memory_ns = 20 * NS_PER_S;
	h.cfg.events = sg_h_budget(20, NS_PER_S, 10);
	/* The last write that bumps the generation: see set_clock_and_mode. */
	FUZZ_ASSERT(!sg_h_config_write(&h), "config");
}

/* SG_FUZZ_SUMMARY=1: at exit, what the run reached in the program. */
static void print_summary(void)
{
	unsigned int s, v, r, i;
	__u64 bans = 0, would = 0;

	fprintf(stderr, "fuzz_datapath: frames by service/verdict/reason:");
	for (s = 0; s < SG_COUNTER_SERVICES; s++)
		for (v = 0; v < SG_VERDICT_COUNT; v++)
			for (r = 0; r < SG_REASON_COUNT; r++)
				if (last.c[s][v][r].packets)
					fprintf(stderr, " %u/%s/%s=%llu", s,
						sg_verdict_name(v),
						sg_reason_name(r),
						(unsigned long long)last
							.c[s][v][r]
							.packets);
	for (i = 0; i < SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT; i++) {
		bans += last.stats[SG_STAT_BANS_FIRST + i];
		would += last.stats[SG_STAT_WOULD_BANS_FIRST + i];
	}
	fprintf(stderr,
		"\nfuzz_datapath: %llu bans, %llu would-bans, %llu events sent, %llu suppressed\n",
		(unsigned long long)bans, (unsigned long long)would,
		(unsigned long long)last.stats[SG_STAT_EVENTS_SENT],
		(unsigned long long)last.stats[SG_STAT_EVENTS_SUPPRESSED]);
}

/* Load the program and write the fixed configuration; exits on error. */
static void open_program(void)
{
	struct sg_h_opts opts = { .track_entries = 4096 };
	struct sg_trace t;
	int err;

	err = sg_h_open_opts(&h, &opts);
	if (err) {
		fprintf(stderr,
			"fuzz_datapath: cannot load the program: %s%s\n",
			strerror(-err), err == -EPERM ? " (needs root)" : "");
		exit(1);
	}
	configure();
	read_state(&last, &t);
}

static void run_input(const uint8_t *data, size_t size);

static int replay(const struct dp_record *v, const unsigned int *keep,
		  unsigned int n)
{
	unsigned int i;

	open_program();
	for (i = 0; i < n; i++)
		run_input(v[keep ? keep[i] : i].data,
			  v[keep ? keep[i] : i].len);
	return 0;
}

/*
 * Besides fuzzing (the libFuzzer flags), by environment:
 * SG_FUZZ_WRITE_SEEDS=DIR writes the seed corpus and exits;
 * SG_FUZZ_REPLAY=FILE runs a history (or one input) on a fresh program,
 * exit 0 when every invariant held, and with SG_FUZZ_MINIMIZE=1 shrinks
 * it to FILE.min instead; SG_FUZZ_HISTORY_DIR says where a failure's
 * history goes; SG_FUZZ_SUMMARY=1 prints what the run reached.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("SG_FUZZ_WRITE_SEEDS");
	const char *history = getenv("SG_FUZZ_REPLAY");
	struct dp_record *v;
	unsigned int n;
	int err;

	(void)argc;
	(void)argv;
	if (seeds) {
		err = dp_write_seeds(seeds);
		if (err)
			fprintf(stderr, "fuzz_datapath: seeds in %s: %s\n",
				seeds, strerror(-err));
		exit(err ? 1 : 0);
	}
	if (history && getenv("SG_FUZZ_MINIMIZE"))
		exit(dp_history_minimize(history, replay) ? 1 : 0);
	if (history) {
		err = dp_history_load(history, &v, &n);
		if (err) {
			fprintf(stderr, "fuzz_datapath: %s: %s\n", history,
				strerror(-err));
			exit(1);
		}
		replay(v, NULL, n);
		fprintf(stderr,
			"fuzz_datapath: %s: %u inputs, every invariant held\n",
			history, n);
		free(v);
		exit(0);
	}
	open_program();
	fuzz_on_fail = dp_history_save;
	if (getenv("SG_FUZZ_SUMMARY"))
		atexit(print_summary);
	return 0;
}

/*
 * Move the fixed clock and set the mode without bumping the policy
 * generation: neither changes a list or a ban, and the program's verdict
 * cache must keep working across inputs as it does across packets.
 */
static void set_clock_and_mode(const struct dp_input *in)
{
	__u32 mode = in->monitor ? SG_MODE_MONITOR : SG_MODE_ENFORCE;

	if (!in->advance_ns && h.cfg.mode == mode)
		return;
	h.cfg.time_offset_ns += in->advance_ns;
	h.cfg.mode = mode;
	FUZZ_ASSERT(!sg_config_write(&h.st, &h.cfg), "config write");
}

/* One service's counters: did exactly one move, by one frame of len? */
static unsigned int moved_in(const struct dp_state *now, unsigned int s,
			     size_t len, unsigned int *verdict,
			     unsigned int *reason)
{
	unsigned int v, r, moved = 0;
	__u64 dp, db;

	for (v = 0; v < SG_VERDICT_COUNT; v++) {
		for (r = 0; r < SG_REASON_COUNT; r++) {
			dp = now->c[s][v][r].packets - last.c[s][v][r].packets;
			db = now->c[s][v][r].bytes - last.c[s][v][r].bytes;
			if (!dp && !db)
				continue;
			FUZZ_ASSERT(
				dp == 1 && db == len,
				"%u/%s/%s moved by %llu packets, %llu bytes for one frame of %zu",
				s, sg_verdict_name(v), sg_reason_name(r),
				(unsigned long long)dp, (unsigned long long)db,
				len);
			*verdict = v;
			*reason = r;
			moved++;
		}
	}
	return moved;
}

/*
 * The one counter that moved: by one packet of len bytes, nothing else,
 * under the frame's service (0 when it reached none).
 */
static void moved_counter(const struct dp_state *now, size_t len,
			  unsigned int *verdict, unsigned int *reason,
			  unsigned int *service)
{
	unsigned int s, moved = 0, n;

	for (s = 0; s < SG_COUNTER_SERVICES; s++) {
		n = moved_in(now, s, len, verdict, reason);
		if (n)
			*service = s;
		moved += n;
	}
	FUZZ_ASSERT(moved == 1, "%u counters moved for one frame", moved);
}

/* Bans made in this run: at the configured levels, for budget reasons. */
static void check_events(const struct dp_state *now, bool monitor)
{
	const struct sg_config *cfg = &h.cfg;
	size_t i;

	for (i = 0; i < SG_LEVEL_COUNT * SG_BUDGET_KIND_COUNT; i++) {
		__u64 bans = now->stats[SG_STAT_BANS_FIRST + i] -
			     last.stats[SG_STAT_BANS_FIRST + i];
		__u64 would = now->stats[SG_STAT_WOULD_BANS_FIRST + i] -
			      last.stats[SG_STAT_WOULD_BANS_FIRST + i];

		FUZZ_ASSERT(monitor ? !bans : !would,
			    "%s mode made %llu bans, %llu would-bans",
			    monitor ? "monitor" : "enforce",
			    (unsigned long long)bans,
			    (unsigned long long)would);
	}
	FUZZ_ASSERT(!sg_h_events(&h), "event ring");
	for (i = 0; i < h.n_events; i++) {
		const struct sg_event *e = &h.events[i];
		unsigned int fam = e->family & 1;
		bool source = e->prefixlen ==
			      cfg->prefix_len[fam][SG_LEVEL_SOURCE];

		FUZZ_ASSERT(e->type == (monitor ? SG_EVENT_WOULD_BAN
						: SG_EVENT_BAN),
			    "event type %u in %s mode", e->type,
			    monitor ? "monitor" : "enforce");
		FUZZ_ASSERT(
			e->family < SG_FAMILY_COUNT &&
				(source ||
				 e->prefixlen ==
					 cfg->prefix_len[fam][SG_LEVEL_SUBNET]) &&
				dp_is_budget_reason(e->reason) &&
				e->reason != SG_REASON_SERVICE_CEILING,
			"event family %u /%u reason %u", e->family,
			e->prefixlen, e->reason);
		FUZZ_ASSERT(e->duration_ns >= cfg->ban_time_ns &&
				    e->duration_ns <= cfg->ban_max_ns,
			    "ban of %llu ns",
			    (unsigned long long)e->duration_ns);
		/* Listed sources are never charged, so never banned alone. */
		FUZZ_ASSERT(!source || (!dp_listed(SG_LIST_ALLOW, e->family,
						   e->addr) &&
					!dp_listed(SG_LIST_DENY, e->family,
						   e->addr)),
			    "a listed source was banned (reason %u)",
			    e->reason);
	}
	h.n_events = 0;
}

/* What the program did, as coverage libFuzzer can see. */
static void note_outcome(const struct sg_trace *t, unsigned int verdict,
			 unsigned int reason, const struct dp_state *now)
{
	unsigned int tuple, i;

	outcomes[verdict * SG_REASON_COUNT + reason]++;
	tuple = reason | (t->family & 1) << 5 | (t->frag & 3) << 6 |
		(t->vlans & 3) << 8 | (t->new_conn & 1) << 10 |
		(t->proto == IPPROTO_TCP    ? 0
		 : t->proto == IPPROTO_UDP  ? 1
		 : t->proto == IPPROTO_ICMP ? 2
					    : 3)
			<< 11 |
		(h.cfg.mode & 1) << 13 | (verdict == SG_VERDICT_PASS) << 14;
	outcomes[64 + tuple % OUTCOME_TUPLES]++;
	for (i = 0; i < SG_STAT_COUNT; i++)
		if (now->stats[i] != last.stats[i])
			outcomes[64 + OUTCOME_TUPLES + i]++;
}

/*
 * One frame through the program. Checked:
 * - frames of 14 bytes or more run without error and get XDP_PASS or
 *   XDP_DROP; shorter ones are refused (-EINVAL) and count nothing;
 * - exactly one counter moves, by one packet and the frame's length in
 *   bytes, and it agrees with the action and with the parse trace;
 * - monitor mode drops nothing and bans nobody;
 * - a frame whose IPv4/IPv6 source our own parse finds in the allowlist
 *   is never dropped, not even as a would-drop;
 * - the program's parse matches ours (not IP, malformed, or the fields);
 * - a parsed frame gets the verdict the policy order gives: unprotected
 *   (no service, or a destination outside it) passes whatever the lists
 *   and bans say, then allowlist, denylist, ban, and for the rest a pass
 *   within budget or a drop for a budget, connection budgets only for
 *   new connections; a non-first fragment is dropped only for the
 *   denylist or a ban;
 * - ban events are of the mode's type, at a configured level, for a
 *   budget, as long as the ban settings allow, and never for a listed
 *   source alone.
 */
static void check_run(const struct dp_input *in)
{
	unsigned int verdict = 0, reason = 0, service = 0;
	struct dp_state now;
	struct dp_oracle o;
	struct sg_trace t;
	int action;

	memset(&now, 0, sizeof(now)); /* padding too: compared with memcmp */
	action = sg_h_run_raw(&h, in->frame, in->len);
	read_state(&now, &t);
	if (in->len < DP_FRAME_MIN) {
		FUZZ_ASSERT(action == -EINVAL, "%zu-byte frame: %d", in->len,
			    action);
		FUZZ_ASSERT(!memcmp(&now, &last, sizeof(now)),
			    "a refused frame moved a counter");
		return;
	}
	FUZZ_ASSERT(action == XDP_PASS || action == XDP_DROP,
		    "%zu-byte frame: action %d", in->len, action);
	moved_counter(&now, in->len, &verdict, &reason, &service);
	FUZZ_ASSERT(!service == (reason == SG_REASON_UNPROTECTED ||
				 reason == SG_REASON_NOT_IP ||
				 reason == SG_REASON_MALFORMED ||
				 reason == SG_REASON_FRAGMENT || t.frag == 2),
		    "counted under service slot %u for %s", service,
		    sg_reason_name(reason));
	FUZZ_ASSERT(!service || service == (t.proto == IPPROTO_UDP ? 2u : 1u),
		    "a %s frame counted under service slot %u",
		    t.proto == IPPROTO_UDP ? "UDP" : "TCP", service);
	FUZZ_ASSERT((action == XDP_DROP) == (verdict == SG_VERDICT_DROP),
		    "action %d, counted %s", action, sg_verdict_name(verdict));
	FUZZ_ASSERT(now.trace_count == last.trace_count + 1 &&
			    t.verdict == verdict && t.reason == reason,
		    "trace %u: %u/%u, counted %s/%s", t.count, t.verdict,
		    t.reason, sg_verdict_name(verdict), sg_reason_name(reason));
	FUZZ_ASSERT(!in->monitor || verdict != SG_VERDICT_DROP,
		    "monitor mode dropped");
	FUZZ_ASSERT(in->monitor || verdict != SG_VERDICT_WOULD_DROP,
		    "enforce mode counted a would-drop");

	dp_oracle_parse(in->frame, in->len, &o);
	FUZZ_ASSERT(!o.has_src || !dp_listed(SG_LIST_ALLOW, o.family, o.src) ||
			    verdict == SG_VERDICT_PASS,
		    "allowlisted source: %s/%s", sg_verdict_name(verdict),
		    sg_reason_name(reason));
	if (o.cls == DP_NOT_IP || o.cls == DP_MALFORMED) {
		unsigned int want = o.cls == DP_NOT_IP ? SG_REASON_NOT_IP
						       : SG_REASON_MALFORMED;

		FUZZ_ASSERT(verdict == SG_VERDICT_PASS && reason == want,
			    "expected pass/%s, got %s/%s", sg_reason_name(want),
			    sg_verdict_name(verdict), sg_reason_name(reason));
	} else {
		FUZZ_ASSERT(reason != SG_REASON_NOT_IP &&
				    reason != SG_REASON_MALFORMED,
			    "our parse found %s %u, the program says %s",
			    o.family ? "ipv6" : "ipv4", o.proto,
			    sg_reason_name(reason));
		dp_check_parse(&o, &t);
		dp_check_policy(&o, h.cfg.mode, verdict, reason);
	}
	check_events(&now, in->monitor);
	note_outcome(&t, verdict, reason, &now);
	last = now;
}

static void run_input(const uint8_t *data, size_t size)
{
	static struct dp_input in;
	unsigned int i;

	dp_decode(data, size, &in);
	if (!in.raw && !in.len)
		return; /* a description the builder refused */
	if (in.apply)
		FUZZ_ASSERT(!sg_h_config_write(&h), "config write");
	set_clock_and_mode(&in);
	for (i = 0; i < in.repeat; i++) {
		/* A sweep: the next address of the source's subnet. */
		if (i && in.sweep && in.src_last < in.len)
			in.frame[in.src_last]++;
		check_run(&in);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dp_history_push(data, size);
	run_input(data, size);
	return 0;
}
