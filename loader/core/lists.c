// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Allow and deny lists. Each list is an LPM trie per family held in a slot
 * of sg_lists_v4/v6 (array of maps). `replace` fills a fresh trie and swaps
 * the slot in one update, so the XDP program sees the whole old list or the
 * whole new one, and a killed replace leaves the old list untouched.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sg.h"

static int sg_outer_map(unsigned int family)
{
	return family == SG_FAMILY_V4 ? SG_MAP_LISTS_V4 : SG_MAP_LISTS_V6;
}

static size_t sg_lpm_key_size(unsigned int family)
{
	return family == SG_FAMILY_V4 ? sizeof(struct sg_lpm_v4_key)
				      : sizeof(struct sg_lpm_v6_key);
}

static void sg_lpm_key(const struct sg_cidr *c, struct sg_lpm_v6_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, c->family == SG_FAMILY_V4 ? 4 : 16);
}

static int sg_list_create_inner(unsigned int list, unsigned int family)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char name[16];
	int fd;

	snprintf(name, sizeof(name), "sg_%s_%s", sg_list_name(list),
		 family == SG_FAMILY_V4 ? "v4" : "v6");
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, name,
			    sg_lpm_key_size(family),
			    sizeof(struct sg_list_value), SG_LIST_MAX_ENTRIES,
			    &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * Inner maps are pinned as PIN_DIR/sg_<list>_<family>, so that opening one
 * needs no CAP_SYS_ADMIN (BPF_MAP_GET_FD_BY_ID does). A swap pins the new
 * trie as NAME_new, switches the slot, then renames NAME_new over NAME
 * whichever of the two holds the map now in the slot is the live one.
 * Unpinned state (tests) falls back to opening by id.
 */
static void sg_inner_name(unsigned int list, unsigned int family, bool fresh,
			  char *buf, size_t len)
{
	snprintf(buf, len, "sg_%s_%s%s", sg_list_name(list),
		 family == SG_FAMILY_V4 ? "v4" : "v6", fresh ? "_new" : "");
}

int sg_list_pin_owner(const char *name)
{
	unsigned int list, family, fresh;
	char want[32];

	for (list = 0; list < SG_LIST_COUNT; list++)
		for (family = 0; family < SG_FAMILY_COUNT; family++)
			for (fresh = 0; fresh < 2; fresh++) {
				sg_inner_name(list, family, fresh, want,
					      sizeof(want));
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

/* fd of the inner map now in the slot, -ENOENT if the slot is empty. */
static int sg_list_inner_fd(const struct sg_state *st, unsigned int list,
			    unsigned int family)
{
	char name[32];
	__u32 id;
	int fd, fresh;

	if (bpf_map_lookup_elem(st->fds[sg_outer_map(family)], &list, &id))
		return -errno;
	for (fresh = 0; st->dir_fd >= 0 && fresh < 2; fresh++) {
		sg_inner_name(list, family, fresh, name, sizeof(name));
		fd = sg_pinned_with_id(st, name, id);
		if (fd >= 0)
			return fd;
	}
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

static int sg_list_install(const struct sg_state *st, unsigned int list,
			   unsigned int family, int inner_fd)
{
	char fresh[32], live[32];
	int ret;

	sg_inner_name(list, family, true, fresh, sizeof(fresh));
	sg_inner_name(list, family, false, live, sizeof(live));
	if (st->dir_fd >= 0) {
		sg_pin_remove(st->dir_fd, fresh); /* a killed writer's */
		ret = sg_pin_put(st->dir_fd, inner_fd, fresh);
		if (ret)
			return ret;
	}
	if (bpf_map_update_elem(st->fds[sg_outer_map(family)], &list, &inner_fd,
				BPF_ANY))
		return -errno;
	if (st->dir_fd >= 0)
		return sg_pin_rename(st->dir_fd, fresh, live);
	return 0;
}

int sg_list_ensure(const struct sg_state *st, unsigned int list)
{
	unsigned int family;
	int fd, ret;

	if (list >= SG_LIST_COUNT)
		return -EINVAL;
	for (family = 0; family < SG_FAMILY_COUNT; family++) {
		__u32 id;

		if (!bpf_map_lookup_elem(st->fds[sg_outer_map(family)], &list,
					 &id))
			continue;
		if (errno != ENOENT)
			return -errno;
		fd = sg_list_create_inner(list, family);
		if (fd < 0)
			return fd;
		ret = sg_list_install(st, list, family, fd);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

static __u64 sg_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int sg_inner_put(int fd, const struct sg_cidr *c, __u64 now)
{
	struct sg_list_value value = { .added_ns = now,
				       .prefixlen = c->prefixlen };
	struct sg_lpm_v6_key key;

	sg_lpm_key(c, &key);
	if (bpf_map_update_elem(fd, &key, &value, BPF_ANY))
		return -errno;
	return 0;
}

/* Is exactly this prefix (not just a cover of it) in the trie? */
static bool sg_inner_has(int fd, const struct sg_cidr *c)
{
	struct sg_list_value value;
	struct sg_lpm_v6_key key;

	sg_lpm_key(c, &key);
	return !bpf_map_lookup_elem(fd, &key, &value) &&
	       value.prefixlen == c->prefixlen;
}

static int sg_inner_remove(int fd, const struct sg_cidr *c)
{
	struct sg_lpm_v6_key key;

	sg_lpm_key(c, &key);
	return bpf_map_delete_elem(fd, &key) ? -errno : 0;
}

/*
 * Add all or nothing: entries already present are left alone, new ones
 * are added, and if one fails (a full list) the new ones are taken out
 * again. *failed gets the index of the entry that failed.
 */
int sg_list_add_many(const struct sg_state *st, unsigned int list,
		     const struct sg_cidr *cidrs, size_t count, size_t *failed)
{
	int fds[SG_FAMILY_COUNT] = { -1, -1 }, ret;
	bool *added = calloc(count ? count : 1, sizeof(*added));
	__u32 bits = 0;
	__u64 now = sg_monotonic_ns();
	unsigned int family;
	size_t i;

	ret = added ? sg_list_ensure(st, list) : -ENOMEM;
	for (family = 0; !ret && family < SG_FAMILY_COUNT; family++) {
		fds[family] = sg_list_inner_fd(st, list, family);
		if (fds[family] < 0)
			ret = fds[family];
	}
	for (i = 0; !ret && i < count; i++) {
		int fd = fds[cidrs[i].family & 1];

		if (sg_inner_has(fd, &cidrs[i]))
			continue;
		ret = sg_inner_put(fd, &cidrs[i], now);
		added[i] = !ret;
		if (ret && failed)
			*failed = i;
	}
	for (i = 0; ret && added && i < count; i++)
		if (added[i])
			sg_inner_remove(fds[cidrs[i].family & 1], &cidrs[i]);
	for (family = 0; family < SG_FAMILY_COUNT; family++)
		if (fds[family] >= 0)
			close(fds[family]);
	free(added);
	if (ret)
		return ret;
	/* Present or added, these families now have entries. */
	for (i = 0; i < count; i++)
		bits |= SG_FLAG_LIST_NONEMPTY(list, cidrs[i].family & 1);
	return sg_config_list_bits(st, bits, 0);
}

int sg_list_contains(const struct sg_state *st, unsigned int list,
		     const struct sg_cidr *c)
{
	int fd = sg_list_inner_fd(st, list, c->family), ret;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	ret = sg_inner_has(fd, c);
	close(fd);
	return ret;
}

int sg_list_add(const struct sg_state *st, unsigned int list,
		const struct sg_cidr *c)
{
	return sg_list_add_many(st, list, c, 1, NULL);
}

int sg_list_del(const struct sg_state *st, unsigned int list,
		const struct sg_cidr *c)
{
	struct sg_lpm_v6_key key;
	int fd, ret = 0;

	fd = sg_list_inner_fd(st, list, c->family);
	if (fd < 0)
		return fd;
	sg_lpm_key(c, &key);
	if (bpf_map_delete_elem(fd, &key))
		ret = -errno;
	close(fd);
	return ret ? ret : sg_policy_changed(st);
}

int sg_list_replace(const struct sg_state *st, unsigned int list,
		    const struct sg_cidr *cidrs, size_t count)
{
	int fds[SG_FAMILY_COUNT] = { -1, -1 };
	__u32 bits = 0, all = SG_FLAG_LIST_NONEMPTY(list, SG_FAMILY_V4) |
			      SG_FLAG_LIST_NONEMPTY(list, SG_FAMILY_V6);
	unsigned int family;
	__u64 now = sg_monotonic_ns();
	size_t i;
	int ret = 0;

	if (list >= SG_LIST_COUNT)
		return -EINVAL;
	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++) {
		fds[family] = sg_list_create_inner(list, family);
		if (fds[family] < 0)
			ret = fds[family];
	}
	for (i = 0; i < count && !ret; i++) {
		ret = sg_inner_put(fds[cidrs[i].family & 1], &cidrs[i], now);
		bits |= SG_FLAG_LIST_NONEMPTY(list, cidrs[i].family & 1);
	}
	/*
	 * Only now, with both tries complete, does anything visible change.
	 * A family that gains entries gets its bit before its swap, one that
	 * becomes empty loses it after: the program may walk an empty trie,
	 * never skip a full one.
	 */
	if (!ret)
		ret = sg_config_list_bits(st, bits, 0);
	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++)
		ret = sg_list_install(st, list, family, fds[family]);
	if (!ret)
		ret = sg_config_list_bits(st, 0, all & ~bits);
	for (family = 0; family < SG_FAMILY_COUNT; family++)
		if (fds[family] >= 0)
			close(fds[family]);
	return ret;
}

int sg_list_flush(const struct sg_state *st, unsigned int list)
{
	return sg_list_replace(st, list, NULL, 0);
}

static void sg_cidr_from_key(unsigned int family, const void *k,
			     struct sg_cidr *c)
{
	const struct sg_lpm_v6_key *key = k;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->prefixlen = key->prefixlen;
	memcpy(c->addr, key->addr, family == SG_FAMILY_V4 ? 4 : 16);
}

/* Calls fn for every key of one family's trie. */
static int sg_list_walk(const struct sg_state *st, unsigned int list,
			unsigned int family,
			int (*fn)(const struct sg_cidr *, void *), void *arg)
{
	struct sg_lpm_v6_key key, next;
	struct sg_cidr c;
	void *prev = NULL;
	int fd, ret = 0;

	fd = sg_list_inner_fd(st, list, family);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	while (!ret && !bpf_map_get_next_key(fd, prev, &next)) {
		sg_cidr_from_key(family, &next, &c);
		ret = fn(&c, arg);
		key = next;
		prev = &key;
	}
	if (!ret && errno != ENOENT)
		ret = -errno;
	close(fd);
	return ret;
}

struct sg_cidr_vec {
	struct sg_cidr *v;
	size_t n, cap;
};

static int sg_vec_push(const struct sg_cidr *c, void *arg)
{
	struct sg_cidr_vec *vec = arg;
	struct sg_cidr *grown;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 64;
		grown = realloc(vec->v, vec->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		vec->v = grown;
	}
	vec->v[vec->n++] = *c;
	return 0;
}

int sg_list_dump(const struct sg_state *st, unsigned int list,
		 struct sg_cidr **out, size_t *count)
{
	struct sg_cidr_vec vec = {};
	unsigned int family;
	int ret = 0;

	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++)
		ret = sg_list_walk(st, list, family, sg_vec_push, &vec);
	if (ret) {
		free(vec.v);
		return ret;
	}
	*out = vec.v;
	*count = vec.n;
	return 0;
}

static int sg_count_one(const struct sg_cidr *c, void *arg)
{
	(void)c;
	(*(size_t *)arg)++;
	return 0;
}

int sg_list_count(const struct sg_state *st, unsigned int list,
		  unsigned int family, size_t *count)
{
	*count = 0;
	return sg_list_walk(st, list, family, sg_count_one, count);
}
