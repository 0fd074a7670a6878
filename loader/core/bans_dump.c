// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The ban listing: every ban of the sg_bans hash and the two LPM tries,
 * live or remembered, with its reason text, for `ban list`, the daemon's
 * sweep and the state file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "sg.h"
#include "bans.h"

#define BATCH 4096

struct sg_ban_vec {
	struct sg_ban_entry *v;
	size_t n, cap;
};

static struct sg_ban_entry *sg_ban_vec_next(struct sg_ban_vec *vec)
{
	struct sg_ban_entry *grown;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 64;
		grown = realloc(vec->v, vec->cap * sizeof(*grown));
		if (!grown)
			return NULL;
		vec->v = grown;
	}
	memset(&vec->v[vec->n], 0, sizeof(vec->v[0]));
	return &vec->v[vec->n++];
}

static int sg_ban_collect_hash(int fd, struct sg_ban_vec *vec)
{
	struct sg_prefix_key keys[BATCH], in, out;
	struct sg_ban vals[BATCH];
	struct sg_ban_entry *e;
	void *pin = NULL;
	__u32 count, i;
	int done = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	while (!done) {
		count = BATCH;
		if (bpf_map_lookup_batch(fd, pin, &out, keys, vals, &count,
					 &opts)) {
			if (errno != ENOENT)
				return -errno;
			done = 1;
		}
		for (i = 0; i < count; i++) {
			e = sg_ban_vec_next(vec);
			if (!e)
				return -ENOMEM;
			e->cidr.family = keys[i].family;
			e->cidr.prefixlen = keys[i].prefixlen;
			memcpy(e->cidr.addr, keys[i].addr, SG_TRACK_ADDR_LEN);
			e->ban = vals[i];
		}
		in = out;
		pin = &in;
	}
	return 0;
}

static int sg_ban_collect_lpm(int fd, unsigned int family,
			      struct sg_ban_vec *vec)
{
	struct sg_lpm_v6_key key, next;
	struct sg_ban_entry *e;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		e = sg_ban_vec_next(vec);
		if (!e)
			return -ENOMEM;
		/* An LPM lookup with the full key returns this very entry. */
		if (bpf_map_lookup_elem(fd, &next, &e->ban) == 0) {
			e->cidr.family = family;
			e->cidr.prefixlen = next.prefixlen;
			memcpy(e->cidr.addr, next.addr,
			       family == SG_FAMILY_V4 ? 4 : 16);
		} else {
			vec->n--;
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sg_ban_dump(const struct sg_state *st, struct sg_ban_entry **out,
		size_t *count)
{
	struct sg_ban_vec vec = {};
	struct sg_ban_note_key nkey;
	size_t i;
	int ret;

	ret = sg_ban_collect_hash(st->fds[SG_MAP_BANS], &vec);
	if (!ret)
		ret = sg_ban_collect_lpm(st->fds[SG_MAP_BANS_LPM_V4],
					 SG_FAMILY_V4, &vec);
	if (!ret)
		ret = sg_ban_collect_lpm(st->fds[SG_MAP_BANS_LPM_V6],
					 SG_FAMILY_V6, &vec);
	for (i = 0; !ret && i < vec.n; i++) {
		if (!(vec.v[i].ban.flags & SG_BAN_NOTE))
			continue;
		sg_note_key(&vec.v[i].cidr, &nkey);
		bpf_map_lookup_elem(st->fds[SG_MAP_BAN_NOTES], &nkey,
				    vec.v[i].note);
	}
	if (ret) {
		free(vec.v);
		return ret;
	}
	*out = vec.v;
	*count = vec.n;
	return 0;
}
