// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the XDP program knows about one source, read from the pinned maps
 * without changing them: the set entry it falls in, a live ban covering
 * it, its tracking state at both levels with the tokens left in each
 * budget. Exact-key lookups only, so it answers as fast with a million
 * tracked sources as with one. `slotguard explain` prints it.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "sg.h"
#include "explain.h"

/* Units the program keeps each kind's arrival time in (slotguard.h). */
static unsigned int sg_kind_shift(unsigned int kind)
{
	if (kind == SG_BUDGET_REQUEST)
		return SG_TAT_FINE_SHIFT;
	if (kind == SG_BUDGET_QUOTA || kind == SG_BUDGET_REQUEST_QUOTA)
		return SG_TAT_COARSE_SHIFT;
	return 0;
}

/*
 * How far the arrival time is ahead of now, in the units the program
 * keeps it in (2^shift ns; 0: the bucket is full).
 */
static __u64 sg_ahead(const struct sg_track *t, unsigned int kind, __u64 now,
		      const struct sg_budget *b, unsigned int shift)
{
	__u32 tat32, now32, limit32;
	__u64 tat;

	if (kind == SG_BUDGET_PACKET || kind == SG_BUDGET_CONN) {
		tat = kind == SG_BUDGET_PACKET ? t->packet_tat : t->conn_tat;
		return tat > now ? tat - now : 0;
	}
	tat32 = kind == SG_BUDGET_REQUEST ? t->request_tat
		: kind == SG_BUDGET_QUOTA ? t->conn_quota_tat
					  : t->request_quota_tat;
	now32 = (__u32)(now >> shift);
	limit32 = (__u32)(b->limit_ns >> shift);
	/* As the program reads it: more than the limit ahead is stale. */
	if (tat32 - now32 - 1 >= limit32)
		return 0;
	return tat32 - now32;
}

/*
 * Tokens left with the arrival time `ahead` units of 2^shift ns ahead,
 * counted as the program's rule does (bpf/budget.h): one more fits while
 * ahead + interval <= limit, both in those units.
 */
static void sg_explain_units(const struct sg_budget *b, __u64 ahead,
			     unsigned int shift, struct sg_explain_budget *out)
{
	__u64 interval = b->interval_ns >> shift, limit = b->limit_ns >> shift;

	memset(out, 0, sizeof(*out));
	out->on = b->interval_ns != 0;
	if (!out->on)
		return;
	if (!interval) /* finer than the units: never over, as in the program */
		interval = 1;
	/* The burst as configured; the tokens as the program counts them. */
	out->burst = b->limit_ns / b->interval_ns;
	out->tokens = ahead >= limit ? 0 : (limit - ahead) / interval;
	if (out->tokens > out->burst)
		out->tokens = out->burst;
	out->next_token_ns = out->tokens ? 0
					 : (ahead + interval - limit) << shift;
}

void sg_explain_budget(const struct sg_budget *b, __u64 ahead,
		       struct sg_explain_budget *out)
{
	sg_explain_units(b, ahead, 0, out);
}

static void sg_explain_key(const struct sg_config *cfg,
			   const struct sg_cidr *addr, unsigned int level,
			   struct sg_prefix_key *key, struct sg_cidr *prefix)
{
	unsigned int plen = cfg->prefix_len[addr->family & 1][level & 1];

	*prefix = *addr;
	sg_cidr_truncate(prefix, plen);
	memset(key, 0, sizeof(*key));
	key->family = addr->family;
	key->prefixlen = prefix->prefixlen;
	key->level = level;
	memcpy(key->addr, prefix->addr, SG_TRACK_ADDR_LEN);
}

static void sg_explain_level(const struct sg_state *st,
			     const struct sg_config *cfg,
			     const struct sg_budget *b, unsigned int level,
			     struct sg_explain *e)
{
	struct sg_explain_level *l = &e->level[level];
	struct sg_prefix_key key;
	struct sg_track t = {};
	__u32 now_ms = (__u32)(e->now / 1000000ULL), age;
	unsigned int k;

	sg_explain_key(cfg, &e->addr, level, &key, &l->prefix);
	/* The program charges [source]'s level for a member's own budgets. */
	l->on = (cfg->flags & SG_FLAG_LEVEL_ON(level)) != 0 ||
		(level == SG_LEVEL_SOURCE && e->in_set &&
		 e->set.action == SG_SET_LIMIT &&
		 (e->set.flags & SG_SET_MEMBER_BUDGETS));
	l->tracked = !bpf_map_lookup_elem(st->fds[SG_MAP_TRACK], &key, &t);
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		unsigned int shift = sg_kind_shift(k);

		sg_explain_units(
			&b[k],
			l->tracked ? sg_ahead(&t, k, e->now, &b[k], shift) : 0,
			shift, &l->budget[k]);
	}
	if (!l->tracked)
		return;
	age = now_ms - t.window_start_ms;
	l->window_live = (__u64)age * 1000000ULL <= cfg->ban_window_ns;
	if (l->window_live) {
		l->window_ms = age;
		l->packets = t.window_packets;
		l->conns = t.window_conns;
		l->requests = t.window_requests;
		l->violations = t.violations;
		l->limited = (t.flags & SG_TRACK_LIMITED) != 0;
	}
	for (k = 0; k < 16; k++)
		l->stacks += (t.signatures >> k) & 1;
}

/* A live ban covering addr: at a level's prefix, or of another length. */
static void sg_explain_ban(const struct sg_state *st,
			   const struct sg_config *cfg, struct sg_explain *e)
{
	struct sg_ban_entry b;
	struct sg_cidr c;
	unsigned int level, len;

	for (level = 0; level < SG_LEVEL_COUNT; level++) {
		c = e->addr;
		sg_cidr_truncate(&c, cfg->prefix_len[c.family & 1][level]);
		if (!sg_ban_get(st, &c, &b) && e->now < b.ban.until_ns) {
			e->banned = true;
			e->ban = b;
			return;
		}
	}
	/* Other lengths, longest first: what the program's trie walk finds. */
	for (len = e->addr.family == SG_FAMILY_V4 ? 32 : 128;; len--) {
		c = e->addr;
		sg_cidr_truncate(&c, len);
		if (!sg_ban_get(st, &c, &b) && e->now < b.ban.until_ns) {
			e->banned = true;
			e->ban = b;
			return;
		}
		if (!len)
			return;
	}
}

int sg_explain(const struct sg_state *st, const struct sg_cidr *addr,
	       struct sg_explain *e)
{
	const struct sg_budget *source;
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	e->now = sg_state_now(st);
	e->min_excess_milli = cfg.min_excess_milli;
	e->ban_after = cfg.ban_after;
	e->mode = cfg.mode;
	ret = sg_set_match(st, addr, &e->entry);
	if (!ret) {
		e->in_set = true;
		e->allowed = (e->entry.flags & SG_ENTRY_ALLOWED) != 0;
		ret = sg_set_conf_read(st, e->entry.set, &e->set);
	} else if (ret == -ENOENT) {
		ret = 0;
	}
	if (ret)
		return ret;
	sg_explain_ban(st, &cfg, e);
	source = cfg.budget[SG_LEVEL_SOURCE];
	if (e->in_set && e->set.action == SG_SET_LIMIT &&
	    (e->set.flags & SG_SET_MEMBER_BUDGETS))
		source = e->set.member_budget;
	sg_explain_level(st, &cfg, source, SG_LEVEL_SOURCE, e);
	sg_explain_level(st, &cfg, cfg.budget[SG_LEVEL_SUBNET], SG_LEVEL_SUBNET,
			 e);
	if (e->in_set && e->set.action == SG_SET_LIMIT) {
		struct sg_set_state ss = {};
		__u32 id = e->entry.set;
		unsigned int k;

		bpf_map_lookup_elem(st->fds[SG_MAP_SET_STATE], &id, &ss);
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			sg_explain_budget(
				&e->set.budget[k],
				ss.tat[k] > e->now ? ss.tat[k] - e->now : 0,
				&e->set_budget[k]);
	}
	return 0;
}

/* The first budget in the program's order that has no token left. */
static int sg_first_empty(const struct sg_explain_budget *b, bool conn,
			  bool request)
{
	static const unsigned int order[] = { SG_BUDGET_PACKET, SG_BUDGET_CONN,
					      SG_BUDGET_QUOTA,
					      SG_BUDGET_REQUEST,
					      SG_BUDGET_REQUEST_QUOTA };
	unsigned int i, k;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		k = order[i];
		if ((k == SG_BUDGET_CONN || k == SG_BUDGET_QUOTA) && !conn)
			continue;
		if ((k == SG_BUDGET_REQUEST || k == SG_BUDGET_REQUEST_QUOTA) &&
		    !request)
			continue;
		if (b[k].on && !b[k].tokens)
			return (int)k;
	}
	return -1;
}

struct sg_explain_outcome
sg_explain_next(const struct sg_explain *e,
		const struct sg_explain_budget *ceiling, bool conn,
		bool request)
{
	struct sg_explain_outcome o = { .kind = -1 };
	unsigned int l;
	int k;

	if (e->in_set && e->allowed)
		return (struct sg_explain_outcome){ 0, SG_REASON_ALLOWLIST,
						    -1 };
	if (e->in_set && e->set.action == SG_SET_DENY)
		return (struct sg_explain_outcome){ 1, SG_REASON_DENYLIST, -1 };
	if (e->banned)
		return (struct sg_explain_outcome){ 1, SG_REASON_BANNED, -1 };
	if (e->in_set && e->set.action == SG_SET_LIMIT &&
	    (k = sg_first_empty(e->set_budget, conn, request)) >= 0)
		return (struct sg_explain_outcome){ 1, SG_REASON_SET_LIMIT, k };
	for (l = 0; l < SG_LEVEL_COUNT; l++) {
		if (!e->level[l].on)
			continue;
		k = sg_first_empty(e->level[l].budget, conn, request);
		if (k >= 0)
			return (struct sg_explain_outcome){
				1,
				SG_REASON_BUDGET_FIRST +
					l * SG_BUDGET_KIND_COUNT + (unsigned)k,
				k
			};
	}
	if (conn && ceiling && ceiling->on && !ceiling->tokens)
		return (struct sg_explain_outcome){ 1,
						    SG_REASON_SERVICE_CEILING,
						    -1 };
	o.reason = SG_REASON_WITHIN_BUDGET;
	return o;
}
