// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bans from userspace: manual and imported bans, the ban listing, and
 * keeping the maps where the XDP program looks. A ban at a level's prefix
 * length (/32 or /24, /64 or /48 by default) lives in the sg_bans hash with
 * the program's own bans, so it shares their offence count; other lengths
 * live in the LPM tries. Reason texts live in sg_ban_notes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "sg.h"
#include "bans.h"

/* The level whose prefix length c has, or -1 (an LPM ban). */
static int sg_ban_level(const struct sg_config *cfg, const struct sg_cidr *c)
{
	unsigned int level;

	if (c->family == SG_FAMILY_V6 && c->prefixlen > SG_TRACK_V6_PREFIX_MAX)
		return -1;
	for (level = 0; level < SG_LEVEL_COUNT; level++)
		if (cfg->prefix_len[c->family & 1][level] == c->prefixlen)
			return (int)level;
	return -1;
}

static void sg_hash_key(const struct sg_cidr *c, struct sg_prefix_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = c->family;
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, SG_TRACK_ADDR_LEN);
}

static void sg_lpm_key(const struct sg_cidr *c, struct sg_lpm_v6_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, c->family == SG_FAMILY_V4 ? 4 : 16);
}

static int sg_lpm_map(const struct sg_cidr *c)
{
	return c->family == SG_FAMILY_V4 ? SG_MAP_BANS_LPM_V4
					 : SG_MAP_BANS_LPM_V6;
}

/* Where c's ban is: its map and key (hash or LPM). */
struct sg_ban_place {
	int map;
	union {
		struct sg_prefix_key hash;
		struct sg_lpm_v6_key lpm;
	} key;
};

static void sg_ban_locate(const struct sg_config *cfg, const struct sg_cidr *c,
			  struct sg_ban_place *pl)
{
	if (sg_ban_level(cfg, c) >= 0) {
		pl->map = SG_MAP_BANS;
		sg_hash_key(c, &pl->key.hash);
	} else {
		pl->map = sg_lpm_map(c);
		sg_lpm_key(c, &pl->key.lpm);
	}
}

#define SG_FILTER_BYTES (2ULL * SG_BAN_FILTER_WORDS * sizeof(__u64))

static __u64 *sg_filter_map(const struct sg_state *st)
{
	void *words = mmap(NULL, SG_FILTER_BYTES, PROT_READ | PROT_WRITE,
			   MAP_SHARED, st->fds[SG_MAP_BAN_FILTER], 0);

	return words == MAP_FAILED ? NULL : words;
}

/* Set the key's bit in both halves of the filter (atomically). */
static int sg_filter_mark(const struct sg_state *st, __u64 *mapped, __u32 seed,
			  const struct sg_prefix_key *key)
{
	__u64 h = sg_hash(key, seed), bit = h >> (64 - SG_BAN_FILTER_SHIFT);
	__u64 *words = mapped ? mapped : sg_filter_map(st);
	int half;

	if (!words)
		return -errno;
	for (half = 0; half < 2; half++)
		__atomic_fetch_or(&words[half * SG_BAN_FILTER_WORDS + bit / 64],
				  1ULL << (bit % 64), __ATOMIC_SEQ_CST);
	if (!mapped)
		munmap(words, SG_FILTER_BYTES);
	return 0;
}

/*
 * Put a ban where the program looks: flag, entry, then filter bit (the
 * order the program's own bans keep, see bpf/bans.h).
 */
static int sg_ban_put_mapped(const struct sg_state *st,
			     const struct sg_config *cfg,
			     const struct sg_cidr *c, const struct sg_ban *ban,
			     __u64 *filter)
{
	struct sg_ban_place pl;
	int level = sg_ban_level(cfg, c), ret;

	sg_ban_locate(cfg, c, &pl);
	ret = sg_config_flags(st,
			      level >= 0 ? SG_FLAG_BAN_HASH(level, c->family)
					 : SG_FLAG_BAN_LPM(c->family),
			      0);
	if (ret)
		return ret;
	if (bpf_map_update_elem(st->fds[pl.map], &pl.key, ban, BPF_ANY))
		return -errno;
	return level >= 0 ? sg_filter_mark(st, filter, cfg->hash_seed,
					   &pl.key.hash)
			  : 0;
}

static int sg_ban_put(const struct sg_state *st, const struct sg_config *cfg,
		      const struct sg_cidr *c, const struct sg_ban *ban)
{
	return sg_ban_put_mapped(st, cfg, c, ban, NULL);
}

int sg_ban_get(const struct sg_state *st, const struct sg_cidr *c,
	       struct sg_ban_entry *out)
{
	struct sg_ban_note_key nkey;
	struct sg_ban_place pl;
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->cidr = *c;
	sg_ban_locate(&cfg, c, &pl);
	if (bpf_map_lookup_elem(st->fds[pl.map], &pl.key, &out->ban))
		return errno == ENOENT ? -ENOENT : -errno;
	/* An LPM lookup returns the longest cover; only an exact one counts. */
	if (out->ban.prefixlen != c->prefixlen)
		return -ENOENT;
	sg_note_key(c, &nkey);
	if (out->ban.flags & SG_BAN_NOTE)
		bpf_map_lookup_elem(st->fds[SG_MAP_BAN_NOTES], &nkey,
				    out->note);
	return 0;
}

static int sg_note_put(const struct sg_state *st, const struct sg_cidr *c,
		       const char *note)
{
	struct sg_ban_note_key key;
	struct sg_ban_note text = {};

	sg_note_key(c, &key);
	if (!note || !*note) {
		bpf_map_delete_elem(st->fds[SG_MAP_BAN_NOTES], &key);
		return 0;
	}
	strncpy(text.text, note, sizeof(text.text) - 1);
	if (bpf_map_update_elem(st->fds[SG_MAP_BAN_NOTES], &key, &text,
				BPF_ANY))
		return -errno;
	return 0;
}

/* One manual or imported ban; the caller bumps the generation. */
static int sg_ban_add_one(const struct sg_state *st,
			  const struct sg_config *cfg, const struct sg_cidr *c,
			  const struct sg_ban_spec *spec, __u64 now,
			  __u64 *filter)
{
	struct sg_ban_entry old;
	struct sg_ban ban = {};
	bool had = !sg_ban_get(st, c, &old);
	int ret;

	ban.since_ns = now;
	ban.until_ns = spec->until_ns ? spec->until_ns
				      : now + spec->duration_ns;
	if (had && now < old.ban.until_ns && old.ban.until_ns > ban.until_ns &&
	    !spec->replace)
		return -EEXIST;
	/* A manual ban is no offence of its own; it keeps what was counted. */
	ban.offences = spec->offences ? spec->offences
		       : had	      ? old.ban.offences
				      : 0;
	ban.reason = spec->fleet ? spec->reason : SG_REASON_MANUAL;
	ban.prefixlen = c->prefixlen;
	ban.flags = (spec->fleet ? SG_BAN_FLEET : SG_BAN_MANUAL) |
		    (spec->local ? SG_BAN_LOCAL : 0);
	ban.origin = spec->origin;
	ban.level = sg_ban_level(cfg, c) > 0 ? SG_LEVEL_SUBNET
					     : SG_LEVEL_SOURCE;
	if (spec->note && *spec->note)
		ban.flags |= SG_BAN_NOTE;
	ret = sg_note_put(st, c, spec->note);
	return ret ? ret : sg_ban_put_mapped(st, cfg, c, &ban, filter);
}

int sg_ban_add(const struct sg_state *st, const struct sg_cidr *c,
	       const struct sg_ban_spec *spec)
{
	return sg_ban_add_many(st, c, 1, spec, NULL);
}

int sg_ban_add_many(const struct sg_state *st, const struct sg_cidr *c,
		    size_t n, const struct sg_ban_spec *spec, size_t *done)
{
	__u64 now = sg_state_now(st), *filter;
	struct sg_config cfg;
	size_t i, added = 0;
	int ret = sg_config_read(st, &cfg);

	if (done)
		*done = 0;
	if (ret)
		return ret;
	filter = sg_filter_map(st);
	if (!filter)
		return -errno;
	for (i = 0; !ret && i < n; i++) {
		ret = sg_ban_add_one(st, &cfg, &c[i], spec, now, filter);
		added += !ret;
	}
	munmap(filter, SG_FILTER_BYTES);
	if (done)
		*done = added;
	/* What was added stays added: the verdict cache must forget. */
	if (added)
		sg_policy_changed(st);
	return ret;
}

int sg_ban_restore(const struct sg_state *st, const struct sg_ban_entry *v,
		   size_t n, size_t *done)
{
	__u64 *filter;
	struct sg_config cfg;
	struct sg_ban ban;
	size_t i, put = 0;
	int ret = sg_config_read(st, &cfg);

	*done = 0;
	if (ret)
		return ret;
	filter = sg_filter_map(st);
	if (!filter)
		return -errno;
	for (i = 0; !ret && i < n; i++) {
		ban = v[i].ban;
		ban.prefixlen = v[i].cidr.prefixlen;
		ban.flags &= ~SG_BAN_NOTE;
		if (v[i].note[0])
			ban.flags |= SG_BAN_NOTE;
		ret = sg_note_put(st, &v[i].cidr, v[i].note);
		if (!ret)
			ret = sg_ban_put_mapped(st, &cfg, &v[i].cidr, &ban,
						filter);
		put += !ret;
	}
	munmap(filter, SG_FILTER_BYTES);
	*done = put;
	if (put)
		sg_policy_changed(st);
	return ret;
}

static int sg_ban_remove(const struct sg_state *st, const struct sg_cidr *c)
{
	struct sg_ban_note_key nkey;
	struct sg_ban_place pl;
	struct sg_ban_entry e;
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	ret = sg_ban_get(st, c, &e);
	if (ret)
		return ret;
	sg_ban_locate(&cfg, c, &pl);
	if (bpf_map_delete_elem(st->fds[pl.map], &pl.key))
		return -errno;
	sg_note_key(c, &nkey);
	bpf_map_delete_elem(st->fds[SG_MAP_BAN_NOTES], &nkey);
	return 0;
}

int sg_ban_del(const struct sg_state *st, const struct sg_cidr *c)
{
	int ret = sg_ban_remove(st, c);

	return ret ? ret : sg_policy_changed(st);
}

int sg_ban_forget(const struct sg_state *st, const struct sg_cidr *c)
{
	return sg_ban_remove(st, c);
}

/* Move hash bans whose length is no level's any more into the tries. */
static int sg_bans_rehome(const struct sg_state *st,
			  const struct sg_config *cfg, bool at[2][2])
{
	struct sg_ban_entry *v = NULL;
	struct sg_prefix_key key;
	size_t n = 0, i;
	int level, ret;

	ret = sg_ban_dump(st, &v, &n);
	for (i = 0; !ret && i < n; i++) {
		level = sg_ban_level(cfg, &v[i].cidr);
		if (level >= 0) {
			/* LPM bans of this length stay where they are. */
			at[level][v[i].cidr.family & 1] = true;
			continue;
		}
		sg_hash_key(&v[i].cidr, &key);
		if (bpf_map_lookup_elem(st->fds[SG_MAP_BANS], &key, &v[i].ban))
			continue; /* already an LPM ban */
		ret = sg_ban_put(st, cfg, &v[i].cidr, &v[i].ban);
		if (!ret && bpf_map_delete_elem(st->fds[SG_MAP_BANS], &key))
			ret = -errno;
	}
	free(v);
	return ret;
}

int sg_bans_sync_levels(const struct sg_state *st, bool member_bans)
{
	bool at[SG_LEVEL_COUNT][SG_FAMILY_COUNT] = {};
	__u32 set = 0, clear = 0, bit;
	unsigned int level, family;
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (!ret)
		ret = sg_bans_rehome(st, &cfg, at);
	if (ret)
		return ret;
	for (level = 0; level < SG_LEVEL_COUNT; level++) {
		for (family = 0; family < SG_FAMILY_COUNT; family++) {
			bit = SG_FLAG_BAN_HASH(level, family);
			if (at[level][family] ||
			    (cfg.flags & SG_FLAG_LEVEL_ON(level)) ||
			    (level == SG_LEVEL_SOURCE && member_bans))
				set |= bit;
			else
				clear |= bit;
		}
	}
	return sg_config_flags(st, set, clear);
}

int sg_ban_filter_rebuild(const struct sg_state *st)
{
	size_t len = 2ULL * SG_BAN_FILTER_WORDS * sizeof(__u64);
	struct sg_ban_entry *v = NULL;
	struct sg_prefix_key key;
	struct sg_config cfg;
	__u32 spare;
	__u64 *words, *half, bit;
	size_t n = 0, i;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	spare = !(cfg.ban_filter_half & 1);
	words = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     st->fds[SG_MAP_BAN_FILTER], 0);
	if (words == MAP_FAILED)
		return -errno;
	half = words + spare * SG_BAN_FILTER_WORDS;
	/* Clear first, read after: a ban made meanwhile sets its own bit. */
	memset(half, 0, SG_BAN_FILTER_WORDS * sizeof(__u64));
	ret = sg_ban_dump(st, &v, &n);
	for (i = 0; !ret && i < n; i++) {
		if (sg_ban_level(&cfg, &v[i].cidr) < 0)
			continue;
		sg_hash_key(&v[i].cidr, &key);
		bit = sg_hash(&key, cfg.hash_seed) >>
		      (64 - SG_BAN_FILTER_SHIFT);
		__atomic_fetch_or(&half[bit / 64], 1ULL << (bit % 64),
				  __ATOMIC_SEQ_CST);
	}
	munmap(words, len);
	free(v);
	if (ret)
		return ret;
	ret = sg_config_read(st, &cfg);
	if (!ret) {
		cfg.ban_filter_half = spare;
		ret = sg_config_write(st, &cfg);
	}
	return ret;
}
