// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * This gateway's bans out to the fleet. A ban the program makes is
 * published as soon as its event arrives; everything else (manual bans
 * and unbans, bans whose event was suppressed) is found by comparing the
 * ban map with what it held last time, every second and whenever the
 * policy generation moves. After a (re)connect every live ban goes out
 * again, which heals a Redis that restarted empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fleet_int.h"

#define NS_PER_MS 1000000ULL

static int sg_known_cmp(const void *a, const void *b)
{
	const struct sg_fleet_known *x = a, *y = b;

	return sg_cidr_cmp(&x->cidr, &y->cidr);
}

static struct sg_fleet_known *sg_known_find(struct sg_fleet_known *v, size_t n,
					    const struct sg_cidr *c)
{
	struct sg_fleet_known key = { .cidr = *c };

	return n ? bsearch(&key, v, n, sizeof(*v), sg_known_cmp) : NULL;
}

void sg_fleet_forget_known(struct sg_fleet *f, const struct sg_cidr *c)
{
	struct sg_fleet_known *k = sg_known_find(f->known, f->n_known, c);

	if (k)
		k->until_ns = 0; /* expired: the comparison ignores it */
}

/* The bans of one script call, sent when full or at the end. */
struct sg_batch {
	struct sg_fleet_args a;
	unsigned int n;
	enum sg_fleet_script script;
};

static void sg_batch_begin(struct sg_fleet *f, struct sg_batch *b,
			   enum sg_fleet_script script)
{
	struct sg_config cfg = {};

	memset(b, 0, sizeof(*b));
	b->script = script;
	sg_fleet_arg(&b->a, "%s", f->cfg.key_prefix);
	if (script == SG_SCRIPT_PUT) {
		sg_config_read(&f->st, &cfg);
		sg_fleet_arg(
			&b->a, "%llu",
			(unsigned long long)(cfg.ban_memory_ns / NS_PER_MS));
	}
}

static void sg_batch_send(struct sg_fleet *f, struct sg_batch *b)
{
	if (b->n)
		sg_fleet_eval(
			f, b->script == SG_SCRIPT_PUT ? SG_OP_PUT : SG_OP_DEL,
			b->script, &b->a);
	sg_fleet_args_free(&b->a);
	b->n = 0;
}

/* Who a ban is published as: this gateway, or the peer it came from. */
static const char *sg_fleet_origin(struct sg_fleet *f, const struct sg_ban *b)
{
	if ((b->flags & SG_BAN_FLEET) && b->origin && b->origin < f->n_peers)
		return f->peers[b->origin].name;
	return (b->flags & SG_BAN_FLEET) ? NULL : f->gateway;
}

static void sg_batch_put(struct sg_fleet *f, struct sg_batch *b,
			 const struct sg_ban_entry *e)
{
	const char *origin = sg_fleet_origin(f, &e->ban);
	char cidr[64], note[SG_NOTE_LEN];
	size_t i;

	if (!origin)
		return;
	sg_format_cidr(&e->cidr, cidr, sizeof(cidr));
	snprintf(note, sizeof(note), "%s", e->note);
	for (i = 0; note[i]; i++)
		if ((unsigned char)note[i] < 0x20 || note[i] == 0x7f)
			note[i] = '?';
	sg_fleet_arg(&b->a, "%s", cidr);
	sg_fleet_arg(&b->a, "%llu",
		     (unsigned long long)sg_fleet_from_sg_ns(f,
							     e->ban.until_ns));
	sg_fleet_arg(&b->a, "%llu",
		     (unsigned long long)sg_fleet_from_sg_ns(f,
							     e->ban.since_ns));
	sg_fleet_arg(&b->a, "%u", e->ban.offences);
	sg_fleet_arg(&b->a, "%s", sg_reason_name(e->ban.reason));
	sg_fleet_arg(&b->a, "%s", origin);
	sg_fleet_arg(&b->a, "%s", note);
	sg_fleet_arg(&b->a, "%s", (e->ban.flags & SG_BAN_MANUAL) ? "r" : "x");
	if (++b->n == SG_FLEET_BATCH) {
		sg_batch_send(f, b);
		sg_batch_begin(f, b, SG_SCRIPT_PUT);
	}
}

static void sg_batch_del(struct sg_fleet *f, struct sg_batch *b,
			 const struct sg_cidr *c)
{
	char cidr[64];

	sg_format_cidr(c, cidr, sizeof(cidr));
	sg_fleet_arg(&b->a, "%s", cidr);
	sg_fleet_arg(&b->a, "%s", f->gateway);
	if (++b->n == SG_FLEET_BATCH) {
		sg_batch_send(f, b);
		sg_batch_begin(f, b, SG_SCRIPT_DEL);
	}
}

static bool sg_fleet_recent(const struct sg_fleet *f, const struct sg_cidr *c)
{
	size_t i;

	for (i = 0; i < f->n_recent; i++)
		if (!sg_cidr_cmp(&f->recent[i], c))
			return true;
	return false;
}

/* Should this live ban go out now? */
static bool sg_fleet_changed(struct sg_fleet *f, const struct sg_ban_entry *e)
{
	struct sg_fleet_known *k =
		sg_known_find(f->known, f->n_known, &e->cidr);

	if (e->ban.flags & SG_BAN_LOCAL)
		return false;
	if (f->republish)
		return true;
	if (e->ban.flags & SG_BAN_FLEET) /* the fleet has it */
		return false;
	if (k && k->until_ns == e->ban.until_ns &&
	    k->offences == e->ban.offences && k->flags == e->ban.flags)
		return false;
	return !sg_fleet_recent(f, &e->cidr);
}

/* Live bans of the map, as the next comparison's "last time". */
static struct sg_fleet_known *sg_fleet_live(const struct sg_ban_entry *v,
					    size_t n, __u64 now, size_t *count)
{
	struct sg_fleet_known *k = calloc(n ? n : 1, sizeof(*k));
	size_t i, o = 0;

	if (!k)
		return NULL;
	for (i = 0; i < n; i++) {
		if (v[i].ban.until_ns <= now)
			continue;
		k[o].cidr = v[i].cidr;
		k[o].until_ns = v[i].ban.until_ns;
		k[o].offences = v[i].ban.offences;
		k[o].flags = v[i].ban.flags;
		k[o++].reason = v[i].ban.reason;
	}
	qsort(k, o, sizeof(*k), sg_known_cmp);
	*count = o;
	return k;
}

void sg_fleet_diff(struct sg_fleet *f)
{
	struct sg_ban_entry *v = NULL;
	struct sg_fleet_known *live;
	struct sg_batch put, del;
	size_t n = 0, n_live = 0, i;
	__u64 now;

	if (!f->cfg.shared_bans || f->state != SG_FLEET_UP ||
	    sg_ban_dump(&f->st, &v, &n))
		return;
	now = sg_state_now(&f->st);
	live = sg_fleet_live(v, n, now, &n_live);
	if (!live) {
		free(v);
		return;
	}
	sg_batch_begin(f, &put, SG_SCRIPT_PUT);
	for (i = 0; i < n; i++)
		if (v[i].ban.until_ns > now && sg_fleet_changed(f, &v[i]))
			sg_batch_put(f, &put, &v[i]);
	sg_batch_send(f, &put);
	/* Gone before its end and not by the fleet's word: lifted here. */
	sg_batch_begin(f, &del, SG_SCRIPT_DEL);
	for (i = 0; i < f->n_known; i++) {
		const struct sg_fleet_known *k = &f->known[i];

		if (k->until_ns > now && !(k->flags & SG_BAN_LOCAL) &&
		    !sg_known_find(live, n_live, &k->cidr))
			sg_batch_del(f, &del, &k->cidr);
	}
	sg_batch_send(f, &del);
	free(f->known);
	f->known = live;
	f->n_known = n_live;
	f->n_recent = 0;
	f->republish = false;
	free(v);
}

static bool sg_fleet_remember(struct sg_fleet *f, const struct sg_cidr *c)
{
	struct sg_cidr *grown;

	if (f->n_recent == f->cap_recent) {
		size_t cap = f->cap_recent ? 2 * f->cap_recent : 64;

		grown = realloc(f->recent, cap * sizeof(*grown));
		if (!grown)
			return false;
		f->recent = grown;
		f->cap_recent = cap;
	}
	f->recent[f->n_recent++] = *c;
	return true;
}

void sg_fleet_publish_events(struct sg_fleet *f)
{
	struct sg_cidr batch[SG_FLEET_EVENTS];
	struct sg_ban_entry e;
	struct sg_batch put;
	unsigned int n, i;
	__u64 now;

	pthread_mutex_lock(&f->lock);
	n = f->queued;
	memcpy(batch, f->queue, n * sizeof(batch[0]));
	f->queued = 0;
	pthread_mutex_unlock(&f->lock);
	if (!n || !f->cfg.shared_bans || f->state != SG_FLEET_UP)
		return;
	now = sg_state_now(&f->st);
	sg_batch_begin(f, &put, SG_SCRIPT_PUT);
	for (i = 0; i < n; i++) {
		if (sg_ban_get(&f->st, &batch[i], &e) ||
		    e.ban.until_ns <= now || (e.ban.flags & SG_BAN_LOCAL))
			continue;
		if (sg_fleet_remember(f, &batch[i]))
			sg_batch_put(f, &put, &e);
	}
	sg_batch_send(f, &put);
}
