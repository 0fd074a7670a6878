// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What one config did to a capture, in tables whose size does not grow
 * with the capture: counters by service, verdict and reason, by set, the
 * per-prefix table (at most SG_REPLAY_PREFIXES_MAX prefixes, then only
 * counted) and the ban events in the order the program made them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

/*
 * Slots: a power of two, at least twice the prefixes held, so probes stay
 * short. The table starts small (a capture of a few thousand sources
 * stays in the CPU's cache) and doubles up to twice the cap.
 */
#define SLOTS_FIRST 4096
#define SLOTS_MAX   (2 * SG_REPLAY_PREFIXES_MAX)

int sg_replay_tally_init(struct sg_replay_tally *t, const struct sg_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->slots = SLOTS_FIRST;
	t->prefixes = calloc(t->slots, sizeof(*t->prefixes));
	if (!t->prefixes)
		return -ENOMEM;
	t->prefix_len[SG_FAMILY_V4] =
		cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE];
	t->prefix_len[SG_FAMILY_V6] =
		cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE];
	return 0;
}

void sg_replay_tally_free(struct sg_replay_tally *t)
{
	free(t->prefixes);
	free(t->bans);
	t->prefixes = NULL;
	t->bans = NULL;
}

static __u64 hash_addr(__u8 family, const __u8 *addr)
{
	__u64 a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	a ^= (b + family) * 0x9e3779b97f4a7c15ULL;
	a *= 0xbf58476d1ce4e5b9ULL;
	return a ^ (a >> 31);
}

static struct sg_replay_prefix *find(struct sg_replay_prefix *v, size_t slots,
				     __u8 family, const __u8 *addr)
{
	struct sg_replay_prefix *p;
	__u64 i;

	for (i = hash_addr(family, addr);; i++) {
		p = &v[i & (slots - 1)];
		if (!p->used ||
		    (p->family == family && !memcmp(p->addr, addr, 16)))
			return p;
	}
}

/* Twice the slots; false (and the table as it was) without memory. */
static bool grow(struct sg_replay_tally *t)
{
	size_t slots = 2 * t->slots, i;
	struct sg_replay_prefix *v = calloc(slots, sizeof(*v));

	if (!v)
		return false;
	for (i = 0; i < t->slots; i++)
		if (t->prefixes[i].used)
			*find(v, slots, t->prefixes[i].family,
			      t->prefixes[i].addr) = t->prefixes[i];
	free(t->prefixes);
	t->prefixes = v;
	t->slots = slots;
	return true;
}

static struct sg_replay_prefix *prefix_slot(struct sg_replay_tally *t,
					    const struct sg_replay_hit *h)
{
	struct sg_cidr c = { .family = h->family };
	struct sg_replay_prefix *p;

	c.prefixlen = h->family == SG_FAMILY_V4 ? 32 : 128;
	memcpy(c.addr, h->src, 16);
	sg_cidr_truncate(&c, t->prefix_len[h->family & 1]);
	p = find(t->prefixes, t->slots, c.family, c.addr);
	if (p->used)
		return p;
	if (t->n_prefixes >= SG_REPLAY_PREFIXES_MAX)
		return NULL;
	/* Half full at most. */
	if (2 * (t->n_prefixes + 1) > t->slots) {
		if (t->slots >= SLOTS_MAX || !grow(t))
			return NULL;
		p = find(t->prefixes, t->slots, c.family, c.addr);
	}
	t->n_prefixes++;
	p->used = 1;
	p->family = c.family;
	memcpy(p->addr, c.addr, 16);
	return p;
}

void sg_replay_tally_hit(struct sg_replay_tally *t,
			 const struct sg_replay_hit *h, __u64 bytes)
{
	struct sg_replay_prefix *p;
	struct sg_counter *c;
	bool dropped = h->verdict != SG_VERDICT_PASS;

	c = &t->counts[h->service % SG_COUNTER_SERVICES]
		      [h->verdict % SG_VERDICT_COUNT]
		      [h->reason % SG_REASON_COUNT];
	c->packets++;
	c->bytes += bytes;
	if (h->set < SG_MAX_SETS)
		t->sets[h->set][h->verdict % SG_VERDICT_COUNT]++;
	/* Frames of no service (not IP, unprotected) have no source to weigh.
	 */
	if (!h->service && h->reason != SG_REASON_FRAGMENT)
		return;
	p = prefix_slot(t, h);
	if (!p) {
		t->prefixes_missed++;
		return;
	}
	p->packets++;
	p->conns += h->new_conn;
	p->requests += h->request;
	if (dropped) {
		p->dropped++;
		p->drop_reason = h->reason;
	}
}

int sg_replay_tally_event(struct sg_replay_tally *t, const struct sg_event *ev,
			  __u64 time_ns)
{
	struct sg_replay_ban *b, *grown;
	size_t cap;

	if (ev->type == SG_EVENT_LIMITED) {
		t->limited++;
		return 0;
	}
	if (t->n_bans >= SG_REPLAY_BANS_MAX) {
		t->bans_missed++;
		return 0;
	}
	if (t->n_bans == t->cap_bans) {
		cap = t->cap_bans ? 2 * t->cap_bans : 64;
		grown = realloc(t->bans, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->bans = grown;
		t->cap_bans = cap;
	}
	b = &t->bans[t->n_bans++];
	memset(b, 0, sizeof(*b));
	b->time_ns = time_ns;
	b->duration_ns = ev->duration_ns;
	b->prefix.family = ev->family;
	b->prefix.prefixlen = ev->prefixlen;
	memcpy(b->prefix.addr, ev->addr, 16);
	b->type = ev->type;
	b->offences = ev->offences;
	b->observed_milli = ev->observed_milli;
	b->limit_milli = ev->limit_milli;
	b->reason = ev->reason;
	return 0;
}

static int by_packets(const void *a, const void *b)
{
	const struct sg_replay_prefix *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, 16);
}

int sg_replay_tally_top(const struct sg_replay_tally *t, size_t n,
			struct sg_replay_prefix **out, size_t *count)
{
	struct sg_replay_prefix *v;
	size_t i, k = 0;

	v = malloc((t->n_prefixes + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->slots; i++)
		if (t->prefixes[i].used)
			v[k++] = t->prefixes[i];
	qsort(v, k, sizeof(*v), by_packets);
	*out = v;
	*count = k < n ? k : n;
	return 0;
}

__u64 sg_replay_tally_dropped(const struct sg_replay_tally *t)
{
	unsigned int s, r;
	__u64 n = 0;

	for (s = 0; s < SG_COUNTER_SERVICES; s++)
		for (r = 0; r < SG_REASON_COUNT; r++)
			n += t->counts[s][SG_VERDICT_DROP][r].packets +
			     t->counts[s][SG_VERDICT_WOULD_DROP][r].packets;
	return n;
}
