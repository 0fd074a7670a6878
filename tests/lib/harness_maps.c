// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The harness's view of the program's state maps: lists and bans written
 * through the loader core, bans, tracking entries and ring-buffer events
 * read back for assertions (see harness.h).
 */
#include <errno.h>
#include <stdlib.h>
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
	struct sg_cidr c;
	int err;

	err = sg_h_cidr(cidr, &c);
	if (err)
		return err;
	err = sg_list_ensure(&h->st, list);
	if (err)
		return err;
	return sg_list_add(&h->st, list, &c);
}

int sg_h_ban_get(struct sg_h *h, const char *cidr, struct sg_ban *out)
{
	struct sg_lpm_v6_key key = {};
	struct sg_cidr c;
	int err, fd;

	err = sg_h_cidr(cidr, &c);
	if (err)
		return err;
	key.prefixlen = c.prefixlen;
	memcpy(key.addr, c.addr, 16);
	fd = h->st.fds[c.family == SG_FAMILY_V4 ? SG_MAP_BANS_V4
						: SG_MAP_BANS_V6];
	/* An LPM lookup answers with the longest cover: insist on ours. */
	if (bpf_map_lookup_elem(fd, &key, out))
		return -errno;
	return out->prefixlen == c.prefixlen ? 0 : -ENOENT;
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
	if (family == SG_FAMILY_V4)
		return count_keys(h->st.fds[SG_MAP_BANS_V4],
				  sizeof(struct sg_lpm_v4_key), out);
	return count_keys(h->st.fds[SG_MAP_BANS_V6],
			  sizeof(struct sg_lpm_v6_key), out);
}

int sg_h_track_count(struct sg_h *h, size_t *out)
{
	return count_keys(h->st.fds[SG_MAP_TRACK], sizeof(struct sg_track_key),
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

	if (err)
		return err;
	return sg_ban_add(&h->st, &c, duration_ns, "test");
}
