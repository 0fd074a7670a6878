// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading the prefix sets back from the live tries (sets.c builds them):
 * the whole content in batches, one set, counts per set, and the entry
 * that decides for one address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sets_int.h"

static void sg_item_of(unsigned int family, const void *k,
		       const struct sg_set_entry *e, struct sg_set_item *it)
{
	const struct sg_lpm_v6_key *key = k;

	memset(it, 0, sizeof(*it));
	it->cidr.family = family;
	it->cidr.prefixlen = key->prefixlen;
	memcpy(it->cidr.addr, key->addr, family == SG_FAMILY_V4 ? 4 : 16);
	it->set = e->set;
	it->flags = e->flags & SG_ENTRY_RUNTIME;
	it->added_ns = e->added_ns;
}

struct sg_item_vec {
	struct sg_set_item *v;
	size_t n, cap;
};

static int sg_vec_reserve(struct sg_item_vec *vec, size_t more)
{
	struct sg_set_item *grown;
	size_t cap = vec->cap ? vec->cap : 256;

	while (cap < vec->n + more)
		cap *= 2;
	if (cap == vec->cap)
		return 0;
	grown = realloc(vec->v, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	vec->v = grown;
	vec->cap = cap;
	return 0;
}

/* Element by element, for kernels without batch ops on LPM tries. */
static int sg_trie_walk(int fd, unsigned int family, struct sg_item_vec *vec)
{
	struct sg_lpm_v6_key key, next;
	struct sg_set_entry e;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &e)) {
			ret = sg_vec_reserve(vec, 1);
			if (ret)
				return ret;
			sg_item_of(family, &next, &e, &vec->v[vec->n++]);
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int sg_trie_read(int fd, unsigned int family, struct sg_item_vec *vec)
{
	size_t klen = sg_sets_key_size(family);
	struct sg_set_entry *vals = malloc(SG_SETS_BATCH * sizeof(*vals));
	char *keys = malloc(SG_SETS_BATCH * klen);
	struct sg_lpm_v6_key in, out;
	void *pin = NULL;
	__u32 i, count;
	int ret = 0, done = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!vals || !keys)
		ret = -ENOMEM;
	while (!ret && !done) {
		count = SG_SETS_BATCH;
		if (bpf_map_lookup_batch(fd, pin, &out, keys, vals, &count,
					 &opts)) {
			if (errno == EINVAL || errno == 524 /* ENOTSUPP */ ||
			    errno == EOPNOTSUPP) {
				ret = pin ? -errno
					  : sg_trie_walk(fd, family, vec);
				break;
			}
			if (errno != ENOENT)
				ret = -errno;
			done = 1;
		}
		if (!ret)
			ret = sg_vec_reserve(vec, count);
		for (i = 0; !ret && i < count; i++)
			sg_item_of(family, keys + i * klen, &vals[i],
				   &vec->v[vec->n++]);
		in = out;
		pin = &in;
	}
	free(vals);
	free(keys);
	return ret;
}

int sg_sets_dump(const struct sg_state *st, struct sg_set_item **out,
		 size_t *count)
{
	struct sg_item_vec vec = {};
	unsigned int family;
	int fd, ret = 0;

	for (family = 0; family < SG_FAMILY_COUNT && !ret; family++) {
		fd = sg_sets_trie_fd(st, family);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			ret = fd;
			break;
		}
		ret = sg_trie_read(fd, family, &vec);
		close(fd);
	}
	if (!ret)
		ret = sg_vec_reserve(&vec, 1); /* never NULL for callers */
	if (ret) {
		free(vec.v);
		return ret;
	}
	*out = vec.v;
	*count = vec.n;
	return 0;
}

int sg_set_dump(const struct sg_state *st, unsigned int set,
		struct sg_set_item **out, size_t *count)
{
	size_t n, i, kept = 0;
	int ret = sg_sets_dump(st, out, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if ((*out)[i].set == set)
			(*out)[kept++] = (*out)[i];
	qsort(*out, kept, sizeof(**out), sg_sets_item_cmp);
	*count = kept;
	return 0;
}

int sg_set_counts(const struct sg_state *st,
		  size_t counts[SG_MAX_SETS][SG_FAMILY_COUNT])
{
	struct sg_set_item *items;
	size_t n, i;
	int ret = sg_sets_dump(st, &items, &n);

	if (ret)
		return ret;
	memset(counts, 0, sizeof(size_t) * SG_MAX_SETS * SG_FAMILY_COUNT);
	for (i = 0; i < n; i++)
		if (items[i].set < SG_MAX_SETS)
			counts[items[i].set][items[i].cidr.family & 1]++;
	free(items);
	return 0;
}

int sg_set_contains(const struct sg_state *st, unsigned int set,
		    const struct sg_cidr *c)
{
	struct sg_set_entry e;
	struct sg_lpm_v6_key key;
	int fd = sg_sets_trie_fd(st, c->family), found;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	sg_sets_key_of(c, &key);
	found = !bpf_map_lookup_elem(fd, &key, &e) &&
		e.prefixlen == c->prefixlen && e.set == set;
	close(fd);
	return found;
}

int sg_set_match(const struct sg_state *st, const struct sg_cidr *addr,
		 struct sg_set_item *out)
{
	struct sg_set_entry e;
	struct sg_lpm_v6_key key;
	int fd = sg_sets_trie_fd(st, addr->family), ret = 0;

	if (fd == -ENOENT)
		return -ENOENT;
	if (fd < 0)
		return fd;
	sg_sets_key_of(addr, &key);
	if (bpf_map_lookup_elem(fd, &key, &e))
		ret = -errno;
	else
		sg_item_of(addr->family, &key, &e, out);
	if (!ret) {
		sg_cidr_truncate(&out->cidr, e.prefixlen);
		out->flags |= e.flags & SG_ENTRY_ALLOWED;
	}
	close(fd);
	return ret;
}
