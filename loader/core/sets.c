// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prefix sets: the allowlist (set 0), the denylist (set 1) and the config's
 * named sets share one LPM trie per family, so the XDP program finds the
 * longest prefix of any set with one lookup. Every change builds fresh
 * tries from the whole content and swaps each family's in with one map
 * update: readers see all of the old content or all of the new, and a
 * killed writer leaves the old in place.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sets_int.h"
#include "pins.h"

static int sg_outer_map(unsigned int family)
{
	return family == SG_FAMILY_V4 ? SG_MAP_SETS_V4 : SG_MAP_SETS_V6;
}

size_t sg_sets_key_size(unsigned int family)
{
	return family == SG_FAMILY_V4 ? sizeof(struct sg_lpm_v4_key)
				      : sizeof(struct sg_lpm_v6_key);
}

static int sg_trie_create(unsigned int family)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	fd = bpf_map_create(
		BPF_MAP_TYPE_LPM_TRIE,
		family == SG_FAMILY_V4 ? "sg_entries_v4" : "sg_entries_v6",
		sg_sets_key_size(family), sizeof(struct sg_set_entry),
		SG_SET_MAX_ENTRIES, &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * The tries are pinned as PIN_DIR/sg_entries_v4|v6, so that opening one
 * needs no CAP_SYS_ADMIN (BPF_MAP_GET_FD_BY_ID does). A swap pins the new
 * trie as NAME_new, switches the slot, then renames NAME_new over NAME;
 * whichever of the two holds the map now in the slot is the live one.
 * Pins go through the pin directory's fd (pins.c), never a symlink.
 * Unpinned state (tests) falls back to opening by id.
 */
static void sg_trie_name(unsigned int family, bool fresh, char *buf, size_t len)
{
	snprintf(buf, len, "sg_entries_v%c%s",
		 family == SG_FAMILY_V4 ? '4' : '6', fresh ? "_new" : "");
}

int sg_sets_pin_owner(const char *name)
{
	unsigned int family, fresh;
	char want[32];

	for (family = 0; family < SG_FAMILY_COUNT; family++)
		for (fresh = 0; fresh < 2; fresh++) {
			sg_trie_name(family, fresh, want, sizeof(want));
			if (!strcmp(name, want))
				return sg_outer_map(family);
		}
	return -1;
}

static int sg_pinned_with_id(const struct sg_state *st, const char *name,
			     __u32 id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = sg_pin_get(st->dir_fd, name);

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.id != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int sg_sets_trie_fd(const struct sg_state *st, unsigned int family)
{
	char name[32];
	__u32 zero = 0, id;
	int fd, fresh;

	if (bpf_map_lookup_elem(st->fds[sg_outer_map(family)], &zero, &id))
		return -errno;
	for (fresh = 0; st->dir_fd >= 0 && fresh < 2; fresh++) {
		sg_trie_name(family, fresh, name, sizeof(name));
		fd = sg_pinned_with_id(st, name, id);
		if (fd >= 0)
			return fd;
	}
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

static int sg_trie_install(const struct sg_state *st, unsigned int family,
			   int fd)
{
	char fresh[32], live[32];
	__u32 zero = 0;
	int ret;

	sg_trie_name(family, true, fresh, sizeof(fresh));
	sg_trie_name(family, false, live, sizeof(live));
	if (st->dir_fd >= 0) {
		sg_pin_remove(st->dir_fd, fresh); /* a killed writer's */
		ret = sg_pin_put(st->dir_fd, fd, fresh);
		if (ret)
			return ret;
	}
	if (bpf_map_update_elem(st->fds[sg_outer_map(family)], &zero, &fd,
				BPF_ANY))
		return -errno;
	if (st->dir_fd >= 0)
		return sg_pin_rename(st->dir_fd, fresh, live);
	return 0;
}

int sg_sets_ensure(const struct sg_state *st)
{
	unsigned int family;
	__u32 zero = 0, id;
	int fd, ret;

	for (family = 0; family < SG_FAMILY_COUNT; family++) {
		if (!bpf_map_lookup_elem(st->fds[sg_outer_map(family)], &zero,
					 &id))
			continue;
		if (errno != ENOENT)
			return -errno;
		fd = sg_trie_create(family);
		if (fd < 0)
			return fd;
		ret = sg_trie_install(st, family, fd);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

void sg_sets_key_of(const struct sg_cidr *c, struct sg_lpm_v6_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, c->family == SG_FAMILY_V4 ? 4 : 16);
}

int sg_sets_item_cmp(const void *a, const void *b)
{
	const struct sg_set_item *x = a, *y = b;

	return sg_cidr_cmp(&x->cidr, &y->cidr);
}

static int sg_item_ptr_cmp(const void *a, const void *b)
{
	const struct sg_set_item *const *x = a, *const *y = b;

	return sg_cidr_cmp(&(*x)->cidr, &(*y)->cidr);
}

/*
 * Mark every entry that an allow entry covers (or is), so that one lookup
 * answers "allowed" whatever longer deny or limit entry matched: each
 * entry, cut to every length some allow entry has, is looked up among the
 * (sorted) allow entries.
 */
static int sg_mark_allowed(struct sg_set_item *items, size_t n,
			   const __u8 *action, __u8 *allowed)
{
	struct sg_set_item **allow = NULL, key;
	bool lens[SG_FAMILY_COUNT][129] = {};
	size_t i, na = 0;
	unsigned int f, l;

	allow = malloc((n ? n : 1) * sizeof(*allow));
	if (!allow)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		allowed[i] = action[items[i].set] == SG_SET_ALLOW;
		if (allowed[i]) {
			allow[na++] = &items[i];
			lens[items[i].cidr.family & 1][items[i].cidr.prefixlen] =
				true;
		}
	}
	for (i = 0; na && i < n; i++) {
		f = items[i].cidr.family & 1;
		for (l = 0; !allowed[i] && l < items[i].cidr.prefixlen; l++) {
			struct sg_set_item *want = &key;

			if (!lens[f][l])
				continue;
			key.cidr = items[i].cidr;
			sg_cidr_truncate(&key.cidr, l);
			allowed[i] = bsearch(&want, allow, na, sizeof(*allow),
					     sg_item_ptr_cmp) != NULL;
		}
	}
	free(allow);
	return 0;
}

static int sg_trie_fill(int fd, unsigned int family,
			const struct sg_set_item *items, size_t n,
			const __u8 *allowed)
{
	size_t klen = sg_sets_key_size(family), i, b = 0;
	struct sg_set_entry *vals = malloc(SG_SETS_BATCH * sizeof(*vals));
	char *keys = malloc(SG_SETS_BATCH * klen);
	struct sg_lpm_v6_key key;
	__u32 count;
	int ret = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!vals || !keys)
		ret = -ENOMEM;
	for (i = 0; !ret && i <= n; i++) {
		if (i < n && items[i].cidr.family == family) {
			sg_sets_key_of(&items[i].cidr, &key);
			memcpy(keys + b * klen, &key, klen);
			vals[b] = (struct sg_set_entry){
				.added_ns = items[i].added_ns,
				.prefixlen = items[i].cidr.prefixlen,
				.set = items[i].set,
				.flags = (items[i].flags & SG_ENTRY_RUNTIME) |
					 (allowed[i] ? SG_ENTRY_ALLOWED : 0),
			};
			b++;
		}
		if (b && (b == SG_SETS_BATCH || i == n)) {
			count = b;
			if (bpf_map_update_batch(fd, keys, vals, &count,
						 &opts)) {
				ret = -errno;
				for (count = 0; ret == -EINVAL && count < b;
				     count++)
					ret = bpf_map_update_elem(
						      fd, keys + count * klen,
						      &vals[count], BPF_ANY)
						      ? -errno
						      : 0;
				if (ret == -EINVAL && count == b)
					ret = 0;
			}
			b = 0;
		}
	}
	free(vals);
	free(keys);
	return ret;
}

/*
 * Every set's action, from sg_set_conf (unused ids: SG_SET_UNUSED). The
 * built-in lists act as such before any config names them.
 */
static int sg_set_actions(const struct sg_state *st, __u8 *action)
{
	struct sg_set_conf conf;
	__u32 id;

	for (id = 0; id < SG_MAX_SETS; id++) {
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SET_CONF], &id, &conf))
			return -errno;
		if (id < SG_LIST_COUNT && conf.action == SG_SET_UNUSED) {
			memset(&conf, 0, sizeof(conf));
			conf.action = id == SG_LIST_ALLOW ? SG_SET_ALLOW
							  : SG_SET_DENY;
			strcpy(conf.name, sg_list_name(id));
			if (bpf_map_update_elem(st->fds[SG_MAP_SET_CONF], &id,
						&conf, BPF_ANY))
				return -errno;
		}
		action[id] = conf.action;
	}
	return 0;
}

int sg_sets_install(const struct sg_state *st, struct sg_set_item *items,
		    size_t n)
{
	int fds[SG_FAMILY_COUNT] = { -1, -1 }, ret;
	__u8 action[SG_MAX_SETS], *allowed;
	__u32 bits = 0, all = SG_FLAG_SETS_NONEMPTY(SG_FAMILY_V4) |
			      SG_FLAG_SETS_NONEMPTY(SG_FAMILY_V6);
	unsigned int family;
	size_t i, kept;

	allowed = calloc(n ? n : 1, 1);
	if (!allowed)
		return -ENOMEM;
	qsort(items, n, sizeof(*items), sg_sets_item_cmp);
	for (i = 1, kept = n ? 1 : 0; i < n; i++) /* a prefix once */
		if (sg_sets_item_cmp(&items[kept - 1], &items[i]))
			items[kept++] = items[i];
	n = kept;
	ret = sg_set_actions(st, action);
	if (!ret)
		ret = sg_mark_allowed(items, n, action, allowed);
	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++) {
		fds[family] = sg_trie_create(family);
		if (fds[family] < 0)
			ret = fds[family];
		else
			ret = sg_trie_fill(fds[family], family, items, n,
					   allowed);
	}
	for (i = 0; i < n; i++)
		bits |= SG_FLAG_SETS_NONEMPTY(items[i].cidr.family & 1);
	/*
	 * Only now, with both tries complete, does anything visible change.
	 * A family that gains entries gets its bit before its swap, one that
	 * becomes empty loses it after: the program may walk an empty trie,
	 * never skip a full one.
	 */
	if (!ret)
		ret = sg_config_flags(st, bits, 0);
	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++)
		ret = sg_trie_install(st, family, fds[family]);
	if (!ret)
		ret = sg_config_flags(st, 0, all & ~bits);
	if (!ret) /* the verdict cache forgets what it knew */
		ret = sg_policy_changed(st);
	for (family = 0; family < SG_FAMILY_COUNT; family++)
		if (fds[family] >= 0)
			close(fds[family]);
	free(allowed);
	return ret;
}

static __u64 sg_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The set the prefix already belongs to in the sorted items, or -1. A
 * prefix belongs to one set only: in two, which should decide?
 */
static int sg_items_find(const struct sg_set_item *items, size_t n,
			 const struct sg_cidr *c)
{
	struct sg_set_item key = { .cidr = *c };
	const struct sg_set_item *hit;

	hit = bsearch(&key, items, n, sizeof(*items), sg_sets_item_cmp);
	return hit ? (int)(hit - items) : -1;
}

int sg_set_change(const struct sg_state *st, const struct sg_set_change *ch,
		  struct sg_set_conflict *conflict)
{
	struct sg_set_item *items = NULL, *grown;
	size_t n = 0, kept = 0, i;
	__u64 now = sg_realtime_ns();
	int ret, at;

	ret = sg_sets_dump(st, &items, &n);
	if (ret)
		return ret;
	qsort(items, n, sizeof(*items), sg_sets_item_cmp);
	/* Deletions and a replace's drop first, on the sorted dump. */
	for (i = 0; i < ch->n_del && !ret; i++) {
		at = sg_items_find(items, n, &ch->del[i]);
		if (at < 0 || items[at].set != ch->set) {
			if (conflict)
				conflict->index = i;
			ret = -ENOENT;
		} else {
			items[at].set = SG_MAX_SETS; /* marked for removal */
		}
	}
	for (i = 0; i < n && !ret; i++)
		if (items[i].set != SG_MAX_SETS &&
		    !(ch->replace && items[i].set == ch->set))
			items[kept++] = items[i];
	n = kept;
	grown = ret ? NULL
		    : realloc(items, (n + ch->n_add + 1) * sizeof(*items));
	if (!ret && !grown)
		ret = -ENOMEM;
	if (grown)
		items = grown;
	for (i = 0; i < ch->n_add && !ret; i++) {
		at = sg_items_find(items, kept, &ch->add[i]);
		if (at >= 0 && items[at].set != ch->set) {
			if (conflict) {
				conflict->index = i;
				conflict->other_set = items[at].set;
			}
			ret = -EEXIST;
		} else if (at < 0) {
			items[n] = (struct sg_set_item){
				.cidr = ch->add[i],
				.set = ch->set,
				.flags = ch->runtime ? SG_ENTRY_RUNTIME : 0,
				.added_ns = now,
			};
			n++;
		}
	}
	for (i = 0, kept = 0; !ret && i < n; i++)
		kept += items[i].cidr.family == SG_FAMILY_V4;
	if (!ret &&
	    (kept > SG_SET_MAX_ENTRIES || n - kept > SG_SET_MAX_ENTRIES))
		ret = -ENOSPC;
	if (!ret)
		ret = sg_sets_install(st, items, n);
	free(items);
	return ret;
}
