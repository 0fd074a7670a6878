// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The harness's view of the program's state maps: lists and bans written
 * through the loader core, bans, tracking entries and ring-buffer events
 * read back for assertions (see harness.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"

int sg_h_cidr(const char *text, struct sg_cidr *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long plen;
	char *end;

	memset(out, 0, sizeof(*out));
	if (alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	out->family = strchr(addr, ':') ? SG_FAMILY_V6 : SG_FAMILY_V4;
	if (sg_pkt_addr(out->family, addr, out->addr))
		return -EINVAL;
	plen = out->family == SG_FAMILY_V6 ? 128 : 32;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 ||
		    plen > (out->family == SG_FAMILY_V6 ? 128u : 32u))
			return -EINVAL;
	}
	out->prefixlen = plen;
	return 0;
}

int sg_h_list_add(struct sg_h *h, unsigned int list, const char *cidr)
{
	struct sg_set_change ch = { .set = list, .n_add = 1 };
	struct sg_cidr c;
	int err;

	err = sg_h_cidr(cidr, &c);
	if (err)
		return err;
	ch.add = &c;
	return sg_set_change(&h->st, &ch, NULL);
}

int sg_h_set(struct sg_h *h, unsigned int id, unsigned int action,
	     unsigned int flags, const struct sg_budget *budget,
	     const struct sg_budget *member)
{
	struct sg_set_conf conf = { .action = action, .flags = flags };
	__u32 key = id;

	snprintf(conf.name, sizeof(conf.name), "set%u", id);
	if (budget)
		memcpy(conf.budget, budget, sizeof(conf.budget));
	if (member)
		memcpy(conf.member_budget, member, sizeof(conf.member_budget));
	if (bpf_map_update_elem(h->st.fds[SG_MAP_SET_CONF], &key, &conf,
				BPF_ANY))
		return -errno;
	return sg_policy_changed(&h->st);
}

int sg_h_ban_get(struct sg_h *h, const char *cidr, struct sg_ban *out)
{
	struct sg_ban_entry e;
	struct sg_cidr c;
	int err;

	err = sg_h_cidr(cidr, &c);
	if (err)
		return err;
	err = sg_ban_get(&h->st, &c, &e);
	if (!err)
		*out = e.ban;
	return err;
}

static int count_keys(int fd, size_t key_size, size_t *out)
{
	__u8 key[64], next[64];
	void *prev = NULL;
	size_t n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	if (errno != ENOENT)
		return -errno;
	*out = n;
	return 0;
}

int sg_h_ban_count(struct sg_h *h, unsigned int family, size_t *out)
{
	struct sg_ban_entry *v = NULL;
	size_t n = 0, i;
	int err = sg_ban_dump(&h->st, &v, &n);

	*out = 0;
	for (i = 0; !err && i < n; i++)
		*out += v[i].cidr.family == family;
	free(v);
	return err;
}

int sg_h_track_count(struct sg_h *h, size_t *out)
{
	return count_keys(h->st.fds[SG_MAP_TRACK], sizeof(struct sg_prefix_key),
			  out);
}

static int collect_event(void *ctx, void *data, size_t size)
{
	struct sg_h *h = ctx;
	struct sg_event *grown;

	if (size < sizeof(struct sg_event))
		return -EINVAL;
	if (h->n_events == h->cap_events) {
		h->cap_events = h->cap_events ? h->cap_events * 2 : 64;
		grown = realloc(h->events, h->cap_events * sizeof(*h->events));
		if (!grown)
			return -ENOMEM;
		h->events = grown;
	}
	memcpy(&h->events[h->n_events++], data, sizeof(struct sg_event));
	return 0;
}

int sg_h_events(struct sg_h *h)
{
	int err;

	if (!h->rb) {
		h->rb = ring_buffer__new(h->st.fds[SG_MAP_EVENTS],
					 collect_event, h, NULL);
		if (!h->rb)
			return -errno;
	}
	err = ring_buffer__consume(h->rb);
	return err < 0 ? err : 0;
}

int sg_h_ban_add(struct sg_h *h, const char *cidr, __u64 duration_ns)
{
	struct sg_cidr c;
	int err = sg_h_cidr(cidr, &c);
	struct sg_ban_spec spec = { .duration_ns = duration_ns,
				    .note = "test" };

	if (err)
		return err;
	return sg_ban_add(&h->st, &c, &spec);
}
