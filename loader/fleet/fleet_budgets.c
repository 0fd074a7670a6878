// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fleet budgets: the XDP program counts, in sg_fleet_hits, the frames of
 * prefixes that used more than a share of their budget in the current
 * window (the report threshold, set here from the budgets and the number
 * of live gateways). Every sync interval this gateway sends what each of
 * those prefixes got through since the last one; Redis sums the gateways'
 * hits in one GCRA a prefix and bans a prefix over its budget everywhere
 * (fleet_scripts.c). A flood of one-frame sources never reaches the
 * threshold, so it costs Redis nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <hiredis/hiredis.h>
#include "fleet_int.h"

#define NS_PER_MS  1000000ULL
#define HITS_BATCH 4096

static int sg_hit_cmp(const void *a, const void *b)
{
	const struct sg_fleet_hit *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* Every entry of sg_fleet_hits, sorted by key. */
static int sg_fleet_read_hits(struct sg_fleet *f, struct sg_fleet_hit **out,
			      size_t *count)
{
	static struct sg_prefix_key keys[HITS_BATCH];
	static struct sg_fleet_hits vals[HITS_BATCH];
	int fd = f->st.fds[SG_MAP_FLEET_HITS], done = 0;
	struct sg_fleet_hit *v = NULL, *grown;
	struct sg_prefix_key in, next;
	size_t n = 0, i;
	void *pin = NULL;
	__u32 got;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	while (!done) {
		got = HITS_BATCH;
		if (bpf_map_lookup_batch(fd, pin, &next, keys, vals, &got,
					 &opts)) {
			if (errno != ENOENT) {
				free(v);
				return -errno;
			}
			done = 1;
		}
		grown = got ? realloc(v, (n + got) * sizeof(*v)) : v;
		if (got && !grown) {
			free(v);
			return -ENOMEM;
		}
		v = grown;
		for (i = 0; i < got; i++, n++) {
			memset(&v[n], 0, sizeof(v[n]));
			v[n].key = keys[i];
			v[n].conns = vals[i].hits[SG_BUDGET_CONN];
			v[n].requests = vals[i].hits[SG_BUDGET_REQUEST];
		}
		in = next;
		pin = &in;
	}
	if (n)
		qsort(v, n, sizeof(*v), sg_hit_cmp);
	*out = v;
	*count = n;
	return 0;
}

/* One prefix's hits of one kind since the last sync. */
struct sg_report {
	struct sg_prefix_key key;
	__u32 kind;
	__u32 hits;   /* got through here (the fleet budget's arrivals) */
	__u32 seen;   /* came here, dropped or not (the rate, violations) */
	__u32 age_ms; /* ... over this long */
};

static int sg_report_cmp(const void *a, const void *b)
{
	const struct sg_report *x = a, *y = b;

	return x->hits < y->hits ? 1 : x->hits > y->hits ? -1 : 0;
}

static void sg_key_cidr(const struct sg_prefix_key *k, struct sg_cidr *c)
{
	memset(c, 0, sizeof(*c));
	c->family = k->family;
	c->prefixlen = k->prefixlen;
	memcpy(c->addr, k->addr, SG_TRACK_ADDR_LEN);
}

/*
 * The budget the program charges this prefix (a limit set's member
 * budget replaces [source]'s); NULL when the fleet must leave it alone:
 * allowlisted, or a set whose members are never banned.
 */
static const struct sg_budget *sg_fleet_budget(struct sg_fleet *f,
					       const struct sg_config *cfg,
					       const struct sg_report *r,
					       struct sg_set_conf *conf)
{
	struct sg_set_item hit;
	struct sg_cidr c;

	if (r->key.level != SG_LEVEL_SOURCE ||
	    !(cfg->flags & SG_FLAG_SETS_NONEMPTY(r->key.family & 1)))
		return &cfg->budget[r->key.level & 1][r->kind];
	sg_key_cidr(&r->key, &c);
	if (sg_set_match(&f->st, &c, &hit))
		return &cfg->budget[SG_LEVEL_SOURCE][r->kind];
	if (hit.flags & SG_ENTRY_ALLOWED)
		return NULL;
	if (sg_set_conf_read(&f->st, hit.set, conf) ||
	    conf->action != SG_SET_LIMIT)
		return &cfg->budget[SG_LEVEL_SOURCE][r->kind];
	if (conf->flags & SG_SET_MEMBER_NO_BAN)
		return NULL;
	if (conf->flags & SG_SET_MEMBER_BUDGETS)
		return &conf->member_budget[r->kind];
	return &cfg->budget[SG_LEVEL_SOURCE][r->kind];
}

static void sg_fleet_charge_begin(struct sg_fleet *f,
				  const struct sg_config *cfg,
				  struct sg_fleet_args *a)
{
	memset(a, 0, sizeof(*a));
	sg_fleet_arg(a, "%s", f->cfg.key_prefix);
	sg_fleet_arg(a, "%s", f->gateway);
	sg_fleet_arg(a, "%llu",
		     (unsigned long long)(cfg->ban_window_ns / NS_PER_MS));
	sg_fleet_arg(a, "%u", cfg->ban_after);
	sg_fleet_arg(a, "%u", cfg->min_excess_milli);
	sg_fleet_arg(a, "%llu",
		     (unsigned long long)(cfg->ban_time_ns / NS_PER_MS));
	sg_fleet_arg(a, "%llu",
		     (unsigned long long)(cfg->ban_max_ns / NS_PER_MS));
	sg_fleet_arg(a, "%llu",
		     (unsigned long long)(cfg->ban_memory_ns / NS_PER_MS));
	sg_fleet_arg(a, "%d", cfg->mode == SG_MODE_ENFORCE);
}

static void sg_fleet_charge(struct sg_fleet *f, const struct sg_config *cfg,
			    struct sg_report *r, size_t n)
{
	const struct sg_budget *b;
	struct sg_fleet_args a;
	struct sg_set_conf conf;
	struct sg_cidr c;
	char cidr[64];
	size_t i, in_batch = 0;

	sg_fleet_charge_begin(f, cfg, &a);
	for (i = 0; i < n; i++) {
		b = sg_fleet_budget(f, cfg, &r[i], &conf);
		if (!b || !b->interval_ns)
			continue;
		sg_key_cidr(&r[i].key, &c);
		sg_format_cidr(&c, cidr, sizeof(cidr));
		sg_fleet_arg(&a, "%s", cidr);
		sg_fleet_arg(&a, "%s",
			     r[i].kind == SG_BUDGET_CONN ? "conn" : "request");
		sg_fleet_arg(&a, "%u", r[i].hits);
		sg_fleet_arg(&a, "%u", r[i].seen);
		sg_fleet_arg(&a, "%u", r[i].age_ms);
		sg_fleet_arg(
			&a, "%llu",
			(unsigned long long)(b->interval_ns / 1000
						     ? b->interval_ns / 1000
						     : 1));
		sg_fleet_arg(&a, "%llu",
			     (unsigned long long)(b->limit_ns / 1000));
		sg_fleet_arg(&a, "%s",
			     sg_reason_name(SG_REASON_BUDGET_FIRST +
					    (r[i].key.level & 1) *
						    SG_BUDGET_KIND_COUNT +
					    r[i].kind));
		sg_fleet_add(f, reports, 1);
		if (++in_batch == SG_FLEET_BATCH) {
			sg_fleet_eval(f, SG_OP_CHARGE, SG_SCRIPT_CHARGE, &a);
			sg_fleet_args_free(&a);
			sg_fleet_charge_begin(f, cfg, &a);
			in_batch = 0;
		}
	}
	if (in_batch)
		sg_fleet_eval(f, SG_OP_CHARGE, SG_SCRIPT_CHARGE, &a);
	sg_fleet_args_free(&a);
}

/*
 * Frames a prefix's window here counted since the last sync (dropped
 * ones too), from its tracking entry: the whole window for a prefix new
 * to the report, what it grew by otherwise (all of it if it restarted).
 */
static void sg_fleet_seen(struct sg_fleet *f, struct sg_fleet_hit *cur,
			  const struct sg_fleet_hit *prev, __u32 *conns,
			  __u32 *requests, __u32 *age_ms)
{
	__u32 now_ms = (__u32)(sg_state_now(&f->st) / NS_PER_MS);
	struct sg_track t;
	bool same;

	if (bpf_map_lookup_elem(f->st.fds[SG_MAP_TRACK], &cur->key, &t))
		return; /* evicted: what got through is all we know */
	/* A prefix new to the report: its frames came since its window. */
	if (!prev)
		*age_ms = now_ms - t.window_start_ms;
	cur->window_start_ms = t.window_start_ms;
	cur->window_conns = t.window_conns;
	cur->window_requests = t.window_requests;
	same = prev && prev->window_start_ms == t.window_start_ms;
	*conns = t.window_conns - (same ? prev->window_conns : 0);
	*requests = t.window_requests - (same ? prev->window_requests : 0);
}

static size_t sg_report_add(struct sg_report *out, size_t o,
			    const struct sg_prefix_key *key, __u32 kind,
			    __u32 hits, __u32 seen, __u32 age_ms)
{
	if (!hits)
		return o;
	out[o] = (struct sg_report){ *key, kind, hits,
				     seen > hits ? seen : hits, age_ms };
	return o + 1;
}

/*
 * Hits since the last sync, per prefix and kind. A prefix new to the map
 * crossed the threshold just now: the frames below it were not counted
 * there, so they are added (threshold - 1). A prefix idle for a whole
 * window leaves the map; its next frames start a new window.
 */
static size_t sg_fleet_deltas(struct sg_fleet *f, struct sg_fleet_hit *cur,
			      size_t n, __u64 window_ms, struct sg_report *out)
{
	__u32 below[2] = {
		f->report[SG_BUDGET_CONN] ? f->report[SG_BUDGET_CONN] - 1 : 0,
		f->report[SG_BUDGET_REQUEST] ? f->report[SG_BUDGET_REQUEST] - 1
					     : 0,
	};
	__u32 dc, dr, sc, sr, age;
	struct sg_fleet_hit *prev;
	__u64 now = sg_fleet_mono_ms();
	size_t i, o = 0, kept = 0;

	for (i = 0; i < n; i++) {
		prev = f->n_hits ? bsearch(&cur[i], f->hits, f->n_hits,
					   sizeof(*prev), sg_hit_cmp)
				 : NULL;
		dc = prev	    ? cur[i].conns - prev->conns
		     : cur[i].conns ? cur[i].conns + below[0]
				    : 0;
		dr = prev	       ? cur[i].requests - prev->requests
		     : cur[i].requests ? cur[i].requests + below[1]
				       : 0;
		cur[i].changed_ms = dc || dr || !prev ? now : prev->changed_ms;
		if (now - cur[i].changed_ms >= window_ms) {
			bpf_map_delete_elem(f->st.fds[SG_MAP_FLEET_HITS],
					    &cur[i].key);
			continue;
		}
		sc = dc;
		sr = dr;
		age = 0;
		if (prev) {
			cur[i].window_start_ms = prev->window_start_ms;
			cur[i].window_conns = prev->window_conns;
			cur[i].window_requests = prev->window_requests;
			cur[i].reported_ms = prev->reported_ms;
			age = (__u32)(now - prev->reported_ms);
		}
		if (dc || dr) {
			sg_fleet_seen(f, &cur[i], prev, &sc, &sr, &age);
			cur[i].reported_ms = now;
		}
		if (age > window_ms)
			age = (__u32)window_ms;
		o = sg_report_add(out, o, &cur[i].key, SG_BUDGET_CONN, dc, sc,
				  age);
		o = sg_report_add(out, o, &cur[i].key, SG_BUDGET_REQUEST, dr,
				  sr, age);
		cur[kept++] = cur[i];
	}
	free(f->hits);
	f->hits = cur;
	f->n_hits = kept;
	return o;
}

void sg_fleet_sync_budgets(struct sg_fleet *f)
{
	struct sg_fleet_hit *cur = NULL;
	struct sg_report *reports;
	struct sg_config cfg;
	size_t n = 0, n_reports;

	if (!f->cfg.shared_budgets || sg_config_read(&f->st, &cfg) ||
	    sg_fleet_read_hits(f, &cur, &n))
		return;
	reports = calloc(2 * n + 1, sizeof(*reports));
	if (!reports) {
		free(cur);
		return;
	}
	n_reports = sg_fleet_deltas(f, cur, n, cfg.ban_window_ns / NS_PER_MS,
				    reports);
	if (f->state != SG_FLEET_UP) {
		sg_fleet_add(f, unreported, n_reports);
		n_reports = 0;
	}
	if (n_reports > SG_FLEET_MAX_REPORTS) {
		/* The heaviest go first; the rest wait for the threshold. */
		qsort(reports, n_reports, sizeof(*reports), sg_report_cmp);
		sg_fleet_add(f, unreported, n_reports - SG_FLEET_MAX_REPORTS);
		n_reports = SG_FLEET_MAX_REPORTS;
	}
	if (n_reports)
		sg_fleet_charge(f, &cfg, reports, n_reports);
	free(reports);
}

static __u64 sg_reply_u64(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return (__u64)r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoull(r->str, NULL, 10);
	return 0;
}

/* Bans the charge made: the ban itself comes back on the channel. */
void sg_fleet_charge_reply(struct sg_fleet *f, void *reply)
{
	redisReply *r = reply;
	struct sg_config cfg = {};
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY)
		return;
	sg_config_read(&f->st, &cfg);
	for (i = 0; i + 4 < r->elements; i += 5) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		sg_fleet_add(f, fleet_bans, 1);
		sg_fleet_log(
			f, true, "info",
			"%s %.60s: over its budget across the fleet "
			"(%.3f/s, limit %.3f/s), offences %llu",
			cfg.mode == SG_MODE_ENFORCE ? "ban" : "would ban",
			r->element[i]->str,
			sg_reply_u64(r->element[i + 3]) / 1e3,
			sg_reply_u64(r->element[i + 4]) / 1e3,
			(unsigned long long)sg_reply_u64(r->element[i + 2]));
	}
}

/*
 * Report a kind once a prefix's window count reaches its share of a
 * window's budget: (burst + rate x window) / (gateways x report_factor).
 */
static __u32 sg_fleet_threshold(const struct sg_fleet *f,
				const struct sg_config *cfg, unsigned int kind)
{
	const struct sg_budget *b = &cfg->budget[SG_LEVEL_SOURCE][kind];
	__u64 per_window, share, t;

	if (!b->interval_ns)
		b = &cfg->budget[SG_LEVEL_SUBNET][kind];
	if (!b->interval_ns)
		return 0;
	per_window = b->limit_ns / b->interval_ns +
		     cfg->ban_window_ns / b->interval_ns;
	share = (__u64)(f->gateways ? f->gateways : 1) * f->cfg.report_factor;
	t = (per_window + share - 1) / share;
	return t < 2 ? 2 : t > 0xffff ? 0xffff : (__u32)t;
}

void sg_fleet_update_report(struct sg_fleet *f, bool off)
{
	__u32 want[SG_BUDGET_KIND_COUNT] = {};
	struct sg_config cfg;
	unsigned int k;

	if (sg_config_read(&f->st, &cfg))
		return;
	off = off || !f->cfg.shared_budgets || !cfg.ban_after;
	if (!off) {
		f->gateways = sg_fleet_live_peers(f);
		want[SG_BUDGET_CONN] =
			sg_fleet_threshold(f, &cfg, SG_BUDGET_CONN);
		want[SG_BUDGET_REQUEST] =
			sg_fleet_threshold(f, &cfg, SG_BUDGET_REQUEST);
	}
	memcpy(f->report, want, sizeof(want));
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
		__atomic_store_n(&f->d->fleet_report[k], want[k],
				 __ATOMIC_RELEASE);
	if (!memcmp(cfg.fleet_report, want, sizeof(want)) || sg_fleet_lock(f))
		return;
	/* Under the lock: an apply in between has read the new values. */
	if (!sg_config_read(&f->st, &cfg)) {
		memcpy(cfg.fleet_report, want, sizeof(want));
		sg_config_write(&f->st, &cfg);
	}
	sg_fleet_unlock(f);
}
