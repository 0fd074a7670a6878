// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Protected services into the maps: sg_services by index, sg_ports from
 * (protocol, port) to index + 1, and the optional destination prefixes.
 * New entries go in before stale ones go out, so a service that stays
 * protected is never briefly unprotected during an apply.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/in.h>
#include "sg.h"

static __u32 sg_service_port_key(const struct sg_service *svc)
{
	return sg_port_key(svc->proto == IPPROTO_UDP, svc->port);
}

static int sg_dst_key(const struct sg_cidr *c, __u32 service, void *key)
{
	struct sg_dst_v4_key *k4 = key;
	struct sg_dst_v6_key *k6 = key;

	if (c->family == SG_FAMILY_V4) {
		memset(k4, 0, sizeof(*k4));
		k4->prefixlen = 32 + c->prefixlen;
		k4->service = service;
		memcpy(k4->addr, c->addr, 4);
		return SG_MAP_DST_V4;
	}
	memset(k6, 0, sizeof(*k6));
	k6->prefixlen = 32 + c->prefixlen;
	k6->service = service;
	memcpy(k6->addr, c->addr, 16);
	return SG_MAP_DST_V6;
}

static bool sg_dst_wanted(const struct sg_settings *s, int map, const void *key)
{
	struct sg_dst_v6_key want;
	unsigned int i, j;
	size_t len;
	int m;

	len = map == SG_MAP_DST_V4 ? sizeof(struct sg_dst_v4_key)
				   : sizeof(struct sg_dst_v6_key);
	for (i = 0; i < s->n_services; i++) {
		struct sg_service svc = s->services[i].svc;

		/* The name travels with the service, for labels and stats. */
		snprintf(svc.name, sizeof(svc.name), "%s", s->services[i].name);
		for (j = 0; j < s->services[i].n_dsts; j++) {
			m = sg_dst_key(&s->services[i].dsts[j], i, &want);
			if (m == map && !memcmp(&want, key, len))
				return true;
		}
	}
	return false;
}

/* Delete destination prefixes that the new settings no longer name. */
static int sg_dst_prune(const struct sg_state *st, const struct sg_settings *s,
			int map)
{
	struct sg_dst_v6_key key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(st->fds[map], prev, &next)) {
		if (!sg_dst_wanted(s, map, &next)) {
			if (bpf_map_delete_elem(st->fds[map], &next))
				return -errno;
			prev = NULL; /* restart: the deleted key is gone */
			continue;
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

static bool sg_port_wanted(const struct sg_settings *s, __u32 port_key)
{
	unsigned int i;

	for (i = 0; i < s->n_services; i++)
		if (sg_service_port_key(&s->services[i].svc) == port_key)
			return true;
	return false;
}

int sg_services_apply(const struct sg_state *st, const struct sg_settings *s)
{
	struct sg_service old[SG_MAX_SERVICES], none = {};
	struct sg_dst_v6_key key;
	struct sg_port port = {}, unset = {};
	__u32 i, j, pkey, unused = 0;
	int map;

	for (i = 0; i < SG_MAX_SERVICES; i++)
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SERVICES], &i, &old[i]))
			return -errno;
	for (i = 0; i < s->n_services; i++) {
		struct sg_service svc = s->services[i].svc;

		/* The name travels with the service, for labels and stats. */
		snprintf(svc.name, sizeof(svc.name), "%s", s->services[i].name);
		for (j = 0; j < s->services[i].n_dsts; j++) {
			map = sg_dst_key(&s->services[i].dsts[j], i, &key);
			if (bpf_map_update_elem(st->fds[map], &key, &unused,
						BPF_ANY))
				return -errno;
		}
		if (bpf_map_update_elem(st->fds[SG_MAP_SERVICES], &i, &svc,
					BPF_ANY))
			return -errno;
		port.service = i + 1;
		port.flags = s->services[i].svc.flags;
		pkey = sg_service_port_key(&s->services[i].svc);
		if (bpf_map_update_elem(st->fds[SG_MAP_PORTS], &pkey, &port,
					BPF_ANY))
			return -errno;
	}
	for (i = 0; i < SG_MAX_SERVICES; i++) {
		if (!old[i].proto)
			continue;
		pkey = sg_service_port_key(&old[i]);
		if (!sg_port_wanted(s, pkey) &&
		    bpf_map_update_elem(st->fds[SG_MAP_PORTS], &pkey, &unset,
					BPF_ANY))
			return -errno;
	}
	for (i = s->n_services; i < SG_MAX_SERVICES; i++)
		if (bpf_map_update_elem(st->fds[SG_MAP_SERVICES], &i, &none,
					BPF_ANY))
			return -errno;
	map = sg_dst_prune(st, s, SG_MAP_DST_V4);
	return map ? map : sg_dst_prune(st, s, SG_MAP_DST_V6);
}
