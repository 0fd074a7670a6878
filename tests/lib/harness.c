// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data-path test harness (see harness.h): one freshly loaded, unpinned
 * copy of the XDP program per test, so no test sees another's state, and
 * the loader's own core functions to write into it.
 */
#define _GNU_SOURCE /* sched_getcpu, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "slotguard.skel.h"
#include "harness.h"
#include "core/mapread.h"

/* Per-CPU values are laid out 8-byte aligned, one per possible CPU. */
#define SG_H_PERCPU_MAX 1024

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	/* Warnings carry the verifier log of a failed load: keep those. */
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void sg_h_config_defaults(struct sg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->abi_version = SG_ABI_VERSION;
	cfg->mode = SG_MODE_ENFORCE;
	cfg->flags = SG_FLAG_TRACE_PARSE | SG_FLAG_FIXED_CLOCK;
	cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE] = 32;
	cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SUBNET] = 24;
	cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE] = 64;
	cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SUBNET] = 48;
	cfg->time_offset_ns = SG_H_START_NS;
	cfg->hash_seed = 0x5eed;
	/* Bans at any excess, as before min_excess: tests set it to test it. */
	cfg->min_excess_milli = 1000;
}

/* The level bits follow from the budgets, as the daemon computes them. */
static __u32 level_flags(const struct sg_config *cfg)
{
	__u32 flags = 0;
	unsigned int l, k;

	for (l = 0; l < SG_LEVEL_COUNT; l++)
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			if (cfg->budget[l][k].interval_ns)
				flags |= SG_FLAG_LEVEL_ON(l);
	return flags;
}

struct sg_budget sg_h_budget(__u64 per, __u64 period_ns, __u64 burst)
{
	struct sg_budget b = {};

	if (!per)
		return b;
	b.interval_ns = period_ns / per;
	b.limit_ns = burst * b.interval_ns;
	return b;
}

/*
 * Stay on one CPU: the program keeps per-CPU state (a verdict cache), and
 * a test should exercise it the same way on every run, not only when the
 * scheduler happens to leave us where we were.
 */
static void pin_to_current_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int sg_h_open_opts(struct sg_h *h, const struct sg_h_opts *opts)
{
	int err;

	memset(h, 0, sizeof(*h));
	libbpf_set_print(quiet_print);
	pin_to_current_cpu();
	h->ncpus = libbpf_num_possible_cpus();
	if (h->ncpus <= 0 || h->ncpus > SG_H_PERCPU_MAX)
		return h->ncpus < 0 ? h->ncpus : -ERANGE;
	h->skel = slotguard__open();
	if (!h->skel)
		return -errno;
	err = bpf_map__set_max_entries(h->skel->maps.sg_counters,
				       SG_MAX_IFACES * SG_COUNTERS_PER_SLOT);
	if (err)
		goto fail;
	if (opts && opts->bans_entries) {
		err = bpf_map__set_max_entries(h->skel->maps.sg_bans,
					       opts->bans_entries);
		if (err)
			goto fail;
	}
	if (opts && opts->track_entries) {
		err = bpf_map__set_max_entries(h->skel->maps.sg_track,
					       opts->track_entries);
		if (err)
			goto fail;
	}
	err = slotguard__load(h->skel);
	if (err)
		goto fail;
	h->prog_fd = bpf_program__fd(h->skel->progs.slotguard_xdp);
	err = sg_state_from_object(&h->st, h->skel->obj);
	h->st_filled = true; /* every fd is ours or -1 now, even on error */
	if (err)
		goto fail;
	sg_h_config_defaults(&h->cfg);
	err = sg_h_config_write(h);
	if (err)
		goto fail;
	return 0;
fail:
	sg_h_close(h);
	return err < 0 ? err : -EINVAL;
}

int sg_h_open(struct sg_h *h)
{
	return sg_h_open_opts(h, NULL);
}

void sg_h_close(struct sg_h *h)
{
	if (!h->skel)
		return;
	ring_buffer__free(h->rb);
	free(h->events);
	if (h->st_filled) /* else st is zeroes, and fd 0 is not ours */
		sg_state_close(&h->st);
	slotguard__destroy(h->skel);
	memset(h, 0, sizeof(*h));
}

int sg_h_config_write(struct sg_h *h)
{
	struct sg_config live;
	int err;

	/*
	 * The loader core bumps the live generation on list and ban changes;
	 * writing back our older copy would roll it back and could make
	 * stale cached verdicts current again. Every write is an apply.
	 */
	err = sg_config_read(&h->st, &live);
	if (err)
		return err;
	if (live.generation > h->cfg.generation)
		h->cfg.generation = live.generation;
	h->cfg.generation++;
	h->cfg.flags &= ~(SG_FLAG_LEVEL_ON(0) | SG_FLAG_LEVEL_ON(1));
	h->cfg.flags |= level_flags(&h->cfg);
	err = sg_config_write(&h->st, &h->cfg);
	/* Look for bans at every level, as member bans need at the source. */
	if (!err && !h->own_ban_flags)
		err = sg_config_flags(
			&h->st,
			SG_FLAG_BAN_HASH(0, 0) | SG_FLAG_BAN_HASH(0, 1) |
				SG_FLAG_BAN_HASH(1, 0) | SG_FLAG_BAN_HASH(1, 1),
			0);
	if (!err)
		err = sg_config_read(&h->st, &live);
	if (!err)
		h->cfg.generation = live.generation;
	return err;
}

int sg_h_clock(struct sg_h *h, __u64 now_ns)
{
	h->cfg.time_offset_ns = now_ns;
	return sg_h_config_write(h);
}

int sg_h_advance(struct sg_h *h, __u64 delta_ns)
{
	return sg_h_clock(h, h->cfg.time_offset_ns + delta_ns);
}

int sg_h_service(struct sg_h *h, unsigned int index,
		 const struct sg_service *svc)
{
	__u32 key = sg_port_key(svc->proto == IPPROTO_UDP, svc->port);
	struct sg_port value = { .service = index + 1, .flags = svc->flags };

	if (bpf_map_update_elem(h->st.fds[SG_MAP_SERVICES], &index, svc,
				BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(h->st.fds[SG_MAP_PORTS], &key, &value, BPF_ANY))
		return -errno;
	return 0;
}

int sg_h_protect(struct sg_h *h, unsigned int index, __u8 proto, __u16 port,
		 __u8 flags)
{
	struct sg_service svc = {
		.proto = proto,
		.flags = flags,
		.port = port,
	};

	return sg_h_service(h, index, &svc);
}

int sg_h_dst(struct sg_h *h, unsigned int index, const char *cidr)
{
	struct sg_dst_v6_key k6 = { .service = index };
	struct sg_dst_v4_key k4 = { .service = index };
	__u32 one = 1;
	struct sg_cidr c;
	int err;

	err = sg_h_cidr(cidr, &c);
	if (err)
		return err;
	if (c.family == SG_FAMILY_V4) {
		k4.prefixlen = 32 + c.prefixlen;
		memcpy(k4.addr, c.addr, 4);
		err = bpf_map_update_elem(h->st.fds[SG_MAP_DST_V4], &k4, &one,
					  BPF_ANY);
	} else {
		k6.prefixlen = 32 + c.prefixlen;
		memcpy(k6.addr, c.addr, 16);
		err = bpf_map_update_elem(h->st.fds[SG_MAP_DST_V6], &k6, &one,
					  BPF_ANY);
	}
	return err ? -errno : 0;
}

int sg_h_use_slot(struct sg_h *h, unsigned int slot)
{
	__u32 lo = 1;

	if (slot >= SG_MAX_IFACES)
		return -EINVAL;
	if (bpf_map_update_elem(h->st.fds[SG_MAP_IFSLOTS], &lo, &slot, BPF_ANY))
		return -errno;
	h->slot = slot;
	return 0;
}

int sg_h_run_raw(struct sg_h *h, const void *data, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
		    .data_size_in = len, .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(h->prog_fd, &opts);
	if (err)
		return -errno;
	return opts.retval;
}

int sg_h_run(struct sg_h *h, const struct sg_frame *f)
{
	return sg_h_run_raw(h, f->data, f->len);
}

/* Sum a per-CPU value made of n_u64 counters. */
static int percpu_sum(int fd, __u32 key, __u64 *sum, size_t n_u64)
{
	__u64 values[SG_H_PERCPU_MAX * 2];
	int ncpus = libbpf_num_possible_cpus();
	size_t i, cpu;

	if (n_u64 > 2 || ncpus <= 0 || ncpus > SG_H_PERCPU_MAX)
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &key, values))
		return -errno;
	for (i = 0; i < n_u64; i++) {
		sum[i] = 0;
		for (cpu = 0; cpu < (size_t)ncpus; cpu++)
			sum[i] += values[cpu * n_u64 + i];
	}
	return 0;
}

int sg_h_counter(struct sg_h *h, unsigned int verdict, unsigned int reason,
		 struct sg_counter *out)
{
	unsigned int svc;
	__u64 sum[2];
	int err;

	/* Tests count frames of every service together, as before. */
	memset(out, 0, sizeof(*out));
	for (svc = 0; svc < SG_COUNTER_SERVICES; svc++) {
		err = percpu_sum(h->st.fds[SG_MAP_COUNTERS],
				 sg_counter_index(h->slot, svc, verdict,
						  reason),
				 sum, 2);
		if (err)
			return err;
		out->packets += sum[0];
		out->bytes += sum[1];
	}
	return 0;
}

int sg_h_counter_service(struct sg_h *h, unsigned int service,
			 unsigned int verdict, unsigned int reason,
			 struct sg_counter *out)
{
	__u64 sum[2];
	int err;

	err = percpu_sum(h->st.fds[SG_MAP_COUNTERS],
			 sg_counter_index(h->slot, service, verdict, reason),
			 sum, 2);
	out->packets = sum[0];
	out->bytes = sum[1];
	return err;
}

int sg_h_set_counter(struct sg_h *h, unsigned int set, unsigned int verdict,
		     struct sg_counter *out)
{
	__u64 sum[2];
	int err;

	err = percpu_sum(h->st.fds[SG_MAP_SET_COUNTERS],
			 sg_set_counter_index(set, verdict), sum, 2);
	out->packets = sum[0];
	out->bytes = sum[1];
	return err;
}

int sg_h_stat(struct sg_h *h, unsigned int stat, __u64 *out)
{
	return percpu_sum(h->st.fds[SG_MAP_STATS], stat, out, 1);
}

int sg_h_trace(struct sg_h *h, struct sg_trace *out)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(h->st.fds[SG_MAP_TRACE], &zero, out))
		return -errno;
	return 0;
}

/* The counters of h->slot, all services summed: one batch read. */
static int snap_counters(struct sg_h *h, struct sg_h_snap *s)
{
	const __u32 words = sizeof(struct sg_counter) / sizeof(__u64);
	__u64 *sum = calloc((size_t)SG_MAX_IFACES * SG_COUNTERS_PER_SLOT,
			    sizeof(struct sg_counter));
	unsigned int svc, v, r;
	__u64 *c;
	int err;

	if (!sum)
		return -ENOMEM;
	err = sg_percpu_array_sum(h->st.fds[SG_MAP_COUNTERS],
				  SG_MAX_IFACES * SG_COUNTERS_PER_SLOT, words,
				  sum);
	memset(s->c, 0, sizeof(s->c));
	for (svc = 0; !err && svc < SG_COUNTER_SERVICES; svc++) {
		for (v = 0; v < SG_VERDICT_COUNT; v++) {
			for (r = 0; r < SG_REASON_COUNT; r++) {
				c = sum + (size_t)sg_counter_index(h->slot, svc,
								   v, r) *
						  words;
				s->c[v][r].packets += c[0];
				s->c[v][r].bytes += c[1];
			}
		}
	}
	free(sum);
	return err;
}

int sg_h_snap(struct sg_h *h, struct sg_h_snap *s)
{
	unsigned int i;
	int err;

	err = snap_counters(h, s);
	if (err)
		return err;
	for (i = 0; i < SG_STAT_COUNT; i++) {
		err = sg_h_stat(h, i, &s->stats[i]);
		if (err)
			return err;
	}
	return 0;
}

static const struct sg_h_delta *find_delta(const struct sg_h_delta *d, size_t n,
					   unsigned int verdict,
					   unsigned int reason)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].verdict == verdict && d[i].reason == reason)
			return &d[i];
	return NULL;
}

bool sg_h_expect_deltas(const struct sg_h_snap *before,
			const struct sg_h_snap *after,
			const struct sg_h_delta *d, size_t n)
{
	const struct sg_h_delta *want;
	__u64 packets, bytes;
	unsigned int v, r;
	bool ok = true;

	for (v = 0; v < SG_VERDICT_COUNT; v++) {
		for (r = 0; r < SG_REASON_COUNT; r++) {
			want = find_delta(d, n, v, r);
			packets = after->c[v][r].packets -
				  before->c[v][r].packets;
			bytes = after->c[v][r].bytes - before->c[v][r].bytes;
			if (packets == (want ? want->packets : 0) &&
			    (!want || want->bytes == SG_H_ANY ||
			     bytes == want->bytes))
				continue;
			sg_test_log(
				"counter %s/%s: expected +%llu packets +%lld bytes, got +%llu packets +%llu bytes",
				sg_verdict_name(v), sg_reason_name(r),
				want ? (unsigned long long)want->packets : 0,
				want ? (long long)want->bytes : 0,
				(unsigned long long)packets,
				(unsigned long long)bytes);
			ok = false;
		}
	}
	return ok;
}

bool sg_h_expect(struct sg_h *h, const struct sg_frame *f, int action,
		 unsigned int verdict, unsigned int reason)
{
	struct sg_h_delta d = { verdict, reason, 1, f->len };
	struct sg_h_snap before, after;
	bool ok = true;
	int err;

	err = sg_h_snap(h, &before);
	if (err)
		return EXPECT_EQ(err, 0);
	ok &= EXPECT_EQ(sg_h_run(h, f), action);
	err = sg_h_snap(h, &after);
	if (err)
		return EXPECT_EQ(err, 0);
	if (!sg_h_expect_deltas(&before, &after, &d, 1)) {
		sg_test_fail_at(__FILE__, __LINE__,
				"expected the frame counted as %s/%s",
				sg_verdict_name(verdict),
				sg_reason_name(reason));
		ok = false;
	}
	return ok;
}

bool sg_h_expect_spec(struct sg_h *h, const struct sg_pkt_spec *s, int action,
		      unsigned int verdict, unsigned int reason)
{
	struct sg_frame f;

	if (!EXPECT_EQ(sg_pkt_build(s, &f), 0))
		return false;
	return sg_h_expect(h, &f, action, verdict, reason);
}

__u64 sg_h_stat_delta(const struct sg_h_snap *before,
		      const struct sg_h_snap *after, unsigned int stat)
{
	return after->stats[stat] - before->stats[stat];
}

struct sg_h_hit sg_h_send_tcp(struct sg_h *h, const char *src, __u16 dport,
			      __u8 flags)
{
	struct sg_pkt_spec s = {
		.family = strchr(src, ':') ? SG_FAMILY_V6 : SG_FAMILY_V4,
		.src = src,
		.sport = 40000,
		.dport = dport,
		.tcp_flags = flags,
	};

	return sg_h_send_spec(h, &s);
}

struct sg_h_hit sg_h_send_data(struct sg_h *h, const char *src, __u16 dport,
			       __u8 flags, __u32 seq, __u32 ack, size_t len)
{
	static const __u8 zeros[1400];
	struct sg_pkt_spec s = {
		.family = strchr(src, ':') ? SG_FAMILY_V6 : SG_FAMILY_V4,
		.src = src,
		.sport = 40000,
		.dport = dport,
		.tcp_flags = flags,
		.tcp_seq = seq,
		.tcp_ack = ack,
		.payload = zeros,
		.payload_len = len < sizeof(zeros) ? len : sizeof(zeros),
	};

	return sg_h_send_spec(h, &s);
}

struct sg_h_hit sg_h_send_spec(struct sg_h *h, const struct sg_pkt_spec *sp)
{
	struct sg_pkt_spec s = *sp;
	struct sg_h_hit r = { .action = -1, .verdict = ~0U, .reason = ~0U };
	struct sg_trace t;
	struct sg_frame f;

	if (sg_pkt_build(&s, &f))
		return r;
	r.action = sg_h_run(h, &f);
	if (!sg_h_trace(h, &t)) {
		r.verdict = t.verdict;
		r.reason = t.reason;
		r.request = t.request;
		r.set = t.set;
	}
	return r;
}

bool sg_h_dropped(const struct sg_h *h, struct sg_h_hit r, unsigned int reason)
{
	bool enforce = h->cfg.mode == SG_MODE_ENFORCE;
	bool ok = EXPECT_EQ(r.reason, reason);

	ok &= EXPECT_EQ(r.action, enforce ? XDP_DROP : XDP_PASS);
	ok &= EXPECT_EQ(r.verdict,
			enforce ? SG_VERDICT_DROP : SG_VERDICT_WOULD_DROP);
	return ok;
}

bool sg_h_passed(struct sg_h_hit r, unsigned int reason)
{
	bool ok = EXPECT_EQ(r.reason, reason);

	ok &= EXPECT_EQ(r.action, XDP_PASS);
	ok &= EXPECT_EQ(r.verdict, SG_VERDICT_PASS);
	return ok;
}

void sg_h_trace_str(const struct sg_trace *t, char *buf, size_t len)
{
	snprintf(
		buf, len,
		"family %u proto %u sport %u dport %u frag %u vlans %u flags %#x new_conn %u reason %u verdict %u",
		t->family, t->proto, t->sport, t->dport, t->frag, t->vlans,
		t->tcp_flags, t->new_conn, t->reason, t->verdict);
}
