// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `replay --allow-check FILE`: the people who must not be hurt, as a list
 * file (the allowlist's parser), and for each entry the frames of the
 * sources it covers and how many of them each config dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

int sg_replay_allow_read(struct sg_replay_allow *a, const char *path,
			 unsigned int configs, char *err, size_t err_len)
{
	bool seen[SG_FAMILY_COUNT][129] = {};
	unsigned int f, l;
	size_t i;
	int ret;

	memset(a, 0, sizeof(*a));
	ret = sg_read_list_file(path, &a->entries, &a->n, err, err_len);
	if (ret)
		return ret;
	a->configs = configs;
	a->packets = calloc(a->n * configs + 1, sizeof(*a->packets));
	a->dropped = calloc(a->n * configs + 1, sizeof(*a->dropped));
	if (!a->packets || !a->dropped) {
		sg_replay_allow_free(a);
		return -ENOMEM;
	}
	for (i = 0; i < a->n; i++)
		seen[a->entries[i].family & 1][a->entries[i].prefixlen] = true;
	for (f = 0; f < SG_FAMILY_COUNT; f++)
		for (l = 129; l-- > 0;)
			if (seen[f][l])
				a->lens[f][a->n_lens[f]++] = (__u8)l;
	return 0;
}

void sg_replay_allow_free(struct sg_replay_allow *a)
{
	free(a->entries);
	free(a->packets);
	free(a->dropped);
	memset(a, 0, sizeof(*a));
}

static int cidr_cmp(const void *a, const void *b)
{
	return sg_cidr_cmp(a, b);
}

/* Every entry covering the frame's source counts it. */
void sg_replay_allow_hit(struct sg_replay_allow *a, unsigned int config,
			 const struct sg_replay_hit *h)
{
	struct sg_cidr key = { .family = h->family };
	const struct sg_cidr *e;
	unsigned int i, f = h->family & 1;
	size_t at;

	for (i = 0; i < a->n_lens[f]; i++) {
		key.prefixlen = h->family == SG_FAMILY_V4 ? 32 : 128;
		memcpy(key.addr, h->src, 16);
		sg_cidr_truncate(&key, a->lens[f][i]);
		e = bsearch(&key, a->entries, a->n, sizeof(*e), cidr_cmp);
		if (!e)
			continue;
		at = (size_t)(e - a->entries) * a->configs + config;
		a->packets[at]++;
		if (h->verdict != SG_VERDICT_PASS)
			a->dropped[at]++;
	}
}
