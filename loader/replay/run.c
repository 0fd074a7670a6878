// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One config's private copy of the XDP program for replay: loaded from the
 * skeleton, never attached or pinned, filled by the daemon's own apply,
 * its clock fixed (SG_FLAG_FIXED_CLOCK) and moved to each frame's capture
 * time through the mmap'ed config, each frame run with BPF_PROG_TEST_RUN
 * and read back from the program's parse trace, its ban events drained
 * after every frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon/daemon.h"
#include "replay.h"
#include "slotguard.skel.h"

/*
 * The program's clock at the first frame: far from 0, as a host's
 * monotonic clock is, so that no budget starts in debt. The seed is fixed
 * so that two replays of one capture give the same answer.
 */
#define SG_REPLAY_CLOCK_BASE_NS (1000ULL * 1000000000ULL)
#define SG_REPLAY_HASH_SEED	0x51075eedU

struct sg_replay_run {
	struct slotguard *skel;
	struct sg_daemon *d; /* d->st: the private maps */
	struct sg_settings *s;
	struct ring_buffer *events;
	struct sg_config *cfg;	/* mmap'ed sg_config[0] */
	struct sg_trace *trace; /* mmap'ed sg_trace[0] */
	size_t cfg_len, trace_len;
	int prog_fd;
	union bpf_attr attr; /* BPF_PROG_TEST_RUN's, but for the frame */
	__u64 first_ts, last_ts;
	int event_err;
	__u8 service_of[2][65536]; /* (udp, port) -> service index + 1 */
	char set_names[SG_MAX_SETS][SG_SET_NAME_LEN]; /* "": no such set */
	struct sg_replay_tally tally;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct sg_replay_run *r = ctx;
	const struct sg_event *ev = data;
	__u64 at;

	if (size < sizeof(*ev))
		return 0;
	at = r->first_ts + (ev->time_ns - SG_REPLAY_CLOCK_BASE_NS);
	if (sg_replay_tally_event(&r->tally, ev, at))
		r->event_err = -ENOMEM;
	return 0;
}

static void *map_mmap(struct bpf_map *map, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	*len = (bpf_map__value_size(map) + page - 1) / page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(map), 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * The daemon's apply, on the private maps. Its log lines (what the sets
 * got) say nothing to someone replaying: stderr is quiet meanwhile, and
 * what goes wrong comes back in err.
 */
static int apply_quietly(struct sg_replay_run *r, char *err, size_t len)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	int ret;

	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	ret = sg_daemon_apply(r->d, r->s, err, len);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (null >= 0)
		close(null);
	return ret;
}

static int load(struct sg_replay_run *r, char *err, size_t len)
{
	struct sg_config cfg = { .abi_version = SG_ABI_VERSION };
	int ret;

	r->skel = slotguard__open();
	if (!r->skel) {
		ret = -errno;
		snprintf(err, len, "opening the BPF object: %s",
			 strerror(errno));
		return ret;
	}
	bpf_map__set_max_entries(r->skel->maps.sg_track,
				 r->s->max_tracked_sources);
	bpf_map__set_max_entries(r->skel->maps.sg_bans, r->s->max_bans);
	bpf_map__set_max_entries(r->skel->maps.sg_counters,
				 2 * SG_COUNTERS_PER_SLOT);
	ret = slotguard__load(r->skel);
	if (ret) {
		snprintf(err, len,
			 "loading the XDP program failed: %s (replay needs "
			 "root: CAP_BPF and CAP_PERFMON)",
			 strerror(-ret));
		return ret;
	}
	r->prog_fd = bpf_program__fd(r->skel->progs.slotguard_xdp);
	r->attr.test.prog_fd = (__u32)r->prog_fd;
	r->attr.test.repeat = 1;
	ret = sg_state_from_object(&r->d->st, r->skel->obj);
	if (ret) {
		snprintf(err, len, "opening maps: %s", strerror(-ret));
		return ret;
	}
	/* apply keeps these: the fixed clock, its start, the seed. */
	cfg.flags = SG_FLAG_FIXED_CLOCK;
	cfg.time_offset_ns = SG_REPLAY_CLOCK_BASE_NS;
	cfg.hash_seed = SG_REPLAY_HASH_SEED;
	ret = sg_config_write(&r->d->st, &cfg);
	if (ret)
		snprintf(err, len, "writing the config: %s", strerror(-ret));
	return ret;
}

/* Settings into the maps, then what only a replay sets. */
static int install(struct sg_replay_run *r, char *err, size_t len)
{
	struct sg_set_conf conf;
	unsigned int i;
	int ret;

	r->d->mode_override = -1;
	ret = apply_quietly(r, err, len);
	if (ret)
		return ret;
	r->cfg = map_mmap(r->skel->maps.sg_config, &r->cfg_len);
	r->trace = map_mmap(r->skel->maps.sg_trace, &r->trace_len);
	if (!r->cfg || !r->trace) {
		ret = -errno;
		snprintf(err, len, "mapping the config: %s", strerror(errno));
		return ret;
	}
	/*
	 * The parse trace tells the verdict of each frame; the event budget
	 * limits the daemon's log, not what the program does: off, so that
	 * every ban is seen.
	 */
	r->cfg->flags |= SG_FLAG_TRACE_PARSE;
	r->cfg->events.interval_ns = 0;
	r->events = ring_buffer__new(r->d->st.fds[SG_MAP_EVENTS], on_event, r,
				     NULL);
	if (!r->events) {
		ret = -errno;
		snprintf(err, len, "opening the event ring: %s",
			 strerror(errno));
		return ret;
	}
	for (i = 0; i < SG_MAX_SETS; i++)
		if (!sg_set_conf_read(&r->d->st, i, &conf) &&
		    conf.action != SG_SET_UNUSED)
			snprintf(r->set_names[i], sizeof(r->set_names[i]),
				 "%.*s", (int)sizeof(r->set_names[i]) - 1,
				 conf.name);
	for (i = 0; i < r->s->n_services && i < SG_MAX_SERVICES; i++)
		r->service_of[r->s->services[i].svc.proto == IPPROTO_UDP]
			     [r->s->services[i].svc.port] = (__u8)(i + 1);
	return sg_replay_tally_init(&r->tally, r->cfg);
}

int sg_replay_run_open(const char *conf_path, __u64 first_ts_ns,
		       struct sg_replay_run **out, char *err, size_t err_len)
{
	struct sg_replay_run *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;

	if (r) {
		r->d = calloc(1, sizeof(*r->d));
		r->s = calloc(1, sizeof(*r->s));
	}
	if (!r || !r->d || !r->s) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	sg_state_init(&r->d->st);
	r->first_ts = r->last_ts = first_ts_ns;
	ret = sg_settings_load(conf_path, r->s, err, err_len);
	if (ret) {
		ret = -EINVAL;
		goto fail;
	}
	ret = load(r, err, err_len);
	if (!ret)
		ret = install(r, err, err_len);
	if (ret)
		goto fail;
	*out = r;
	return 0;
fail:
	sg_replay_run_close(r);
	return ret;
}

int sg_replay_run_frame(struct sg_replay_run *r,
			const struct sg_capture_frame *f,
			struct sg_replay_hit *hit)
{
	const struct sg_trace *t = r->trace;
	__u32 count = t->count;
	int ret;

	/* A capture's clock may step back a little (CPUs): never the sg one. */
	if (f->ts_ns > r->last_ts)
		r->last_ts = f->ts_ns;
	r->cfg->time_offset_ns =
		SG_REPLAY_CLOCK_BASE_NS + (r->last_ts - r->first_ts);
	/*
	 * The syscall itself, with the attributes made once: at a few
	 * microseconds a frame, libbpf's checks of its options show.
	 */
	r->attr.test.data_in = (__u64)(unsigned long)f->eth;
	r->attr.test.data_size_in = f->eth_len;
	r->attr.test.data_size_out = 0; /* the kernel wrote the last ones */
	r->attr.test.ctx_size_out = 0;
	ret = (int)syscall(__NR_bpf, BPF_PROG_TEST_RUN, &r->attr,
			   sizeof(r->attr.test));
	if (ret)
		return -errno;
	if (t->count == count)
		return -EIO; /* the program did not trace the frame */
	memset(hit, 0, sizeof(*hit));
	hit->verdict = t->verdict;
	hit->reason = t->reason;
	hit->set = t->set;
	hit->family = t->family;
	hit->new_conn = t->new_conn;
	hit->request = t->request;
	memcpy(hit->src, t->src, 16);
	if (t->reason != SG_REASON_UNPROTECTED &&
	    t->reason != SG_REASON_NOT_IP && t->reason != SG_REASON_MALFORMED &&
	    t->frag != SG_FRAG_LATER)
		hit->service = r->service_of[t->proto == IPPROTO_UDP][t->dport];
	sg_replay_tally_hit(&r->tally, hit, f->len);
	ring_buffer__consume(r->events);
	return r->event_err;
}

void sg_replay_run_finish(struct sg_replay_run *r)
{
	ring_buffer__consume(r->events);
}

const struct sg_replay_tally *sg_replay_run_tally(const struct sg_replay_run *r)
{
	return &r->tally;
}

const struct sg_settings *sg_replay_run_settings(const struct sg_replay_run *r)
{
	return r->s;
}

const char *sg_replay_run_set_name(const struct sg_replay_run *r,
				   unsigned int id)
{
	return id < SG_MAX_SETS && r->set_names[id][0] ? r->set_names[id]
						       : NULL;
}

void sg_replay_run_close(struct sg_replay_run *r)
{
	if (!r)
		return;
	ring_buffer__free(r->events);
	if (r->cfg)
		munmap(r->cfg, r->cfg_len);
	if (r->trace)
		munmap(r->trace, r->trace_len);
	sg_replay_tally_free(&r->tally);
	if (r->d)
		sg_state_close(&r->d->st);
	slotguard__destroy(r->skel);
	free(r->d);
	free(r->s);
	free(r);
}
