// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Manual bans and the ban listing. Bans share the LPM tries the XDP program
 * writes, so a manual ban on a prefix the program banned before inherits its
 * offence count, and `ban list` shows both kinds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "sg.h"

static int sg_ban_map(const struct sg_cidr *c)
{
	return c->family == SG_FAMILY_V4 ? SG_MAP_BANS_V4 : SG_MAP_BANS_V6;
}

static void sg_ban_key(const struct sg_cidr *c, struct sg_lpm_v6_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, c->family == SG_FAMILY_V4 ? 4 : 16);
}

int sg_ban_add(const struct sg_state *st, const struct sg_cidr *c,
	       __u64 duration_ns, const char *note)
{
	struct sg_ban ban = {}, old;
	struct sg_lpm_v6_key key;
	__u64 now = sg_state_now(st);
	int fd = st->fds[sg_ban_map(c)];

	sg_ban_key(c, &key);
	ban.offences = 1;
	/* LPM lookup returns the longest cover; only an exact match counts. */
	if (!bpf_map_lookup_elem(fd, &key, &old) &&
	    old.prefixlen == c->prefixlen)
		ban.offences = old.offences + 1;
	ban.since_ns = now;
	ban.until_ns = now + duration_ns;
	ban.reason = SG_REASON_MANUAL;
	ban.prefixlen = c->prefixlen;
	ban.flags = SG_BAN_MANUAL;
	if (note)
		strncpy(ban.note, note, sizeof(ban.note) - 1);
	if (bpf_map_update_elem(fd, &key, &ban, BPF_ANY))
		return -errno;
	return sg_policy_changed(st);
}

int sg_ban_del(const struct sg_state *st, const struct sg_cidr *c)
{
	struct sg_lpm_v6_key key;

	sg_ban_key(c, &key);
	if (bpf_map_delete_elem(st->fds[sg_ban_map(c)], &key))
		return -errno;
	return sg_policy_changed(st);
}

static int sg_ban_collect(int fd, unsigned int family, struct sg_ban_entry **v,
			  size_t *n, size_t *cap)
{
	struct sg_lpm_v6_key key, next;
	struct sg_ban_entry *e, *grown;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			grown = realloc(*v, *cap * sizeof(**v));
			if (!grown)
				return -ENOMEM;
			*v = grown;
		}
		e = &(*v)[*n];
		memset(e, 0, sizeof(*e));
		/* An LPM lookup with the full key returns this very entry. */
		if (bpf_map_lookup_elem(fd, &next, &e->ban) == 0) {
			e->cidr.family = family;
			e->cidr.prefixlen = next.prefixlen;
			memcpy(e->cidr.addr, next.addr,
			       family == SG_FAMILY_V4 ? 4 : 16);
			(*n)++;
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sg_ban_dump(const struct sg_state *st, struct sg_ban_entry **out,
		size_t *count)
{
	struct sg_ban_entry *v = NULL;
	size_t n = 0, cap = 0;
	int ret;

	ret = sg_ban_collect(st->fds[SG_MAP_BANS_V4], SG_FAMILY_V4, &v, &n,
			     &cap);
	if (!ret)
		ret = sg_ban_collect(st->fds[SG_MAP_BANS_V6], SG_FAMILY_V6, &v,
				     &n, &cap);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*count = n;
	return 0;
}
