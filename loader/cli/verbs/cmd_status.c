// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard status`: what runs where, read from the pins and the kernel
 * (interfaces, XDP attachment, map fill levels, the live config and the
 * protected services) and from the daemon's record (status_daemon.c).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "core/mapread.h"
#include "cli/report.h"
#include "status.h"

#define PROG_MAPS_MAX 64

static const char status_usage[] =
	"Usage: slotguard status [--json]\n"
	"\n"
	"What runs where: the daemon (pid, alive or not, uptime, config,\n"
	"metrics address, last reload and its outcome; \"filter attached, no\n"
	"daemon\" after a kill -9), the interfaces slotguard counts for, whether each has\n"
	"its pinned link and which XDP program is attached in which mode; how\n"
	"full the tracking, ban and list tables are; the live config (mode,\n"
	"budgets, bans) and the protected services, as the XDP program sees\n"
	"them. Works with or without the daemon running.\n"
	"\n"
	"Options:\n"
	"  -j, --json   one JSON object: state, daemon{}, abi_version, pin_dir,\n"
	"               mode, generation, interfaces[], maps{}, config{},\n"
	"               services[], fleet{} (null unless fleet mode ran),\n"
	"               stray_pins[] (name, kind: what slotguard did not pin;\n"
	"               docs/JSON.md)\n"
	"  -h, --help   this text\n"
	"\n"
	"Examples:\n"
	"  slotguard status\n"
	"  slotguard --pin-dir /sys/fs/bpf/slotguard-lab status\n"
	"  slotguard status --json | jq '.interfaces[] | {name, xdp_mode}'\n";

struct status_iface {
	__u32 slot;
	struct sg_iface iface;
	bool present;	  /* the ifindex still names an interface */
	bool link_pinned; /* PIN_DIR/link_<name> exists */
	bool link_stale;  /* ... but holds another interface (or none) */
	__u32 link_id;
	__u32 link_prog_id; /* the program our pinned link holds */
	__u8 attach_mode;   /* XDP_ATTACHED_* */
	__u32 prog_id;
	char prog_name[BPF_OBJ_NAME_LEN];
	bool ours; /* the attached program uses these pinned maps */
};

struct status {
	struct sg_status_daemon daemon;
	struct sg_config cfg;
	struct status_iface ifaces[SG_MAX_IFACES];
	unsigned int n_ifaces;
	__u64 tracked;
	__u32 tracked_max;
	size_t bans_active, bans_remembered;
	__u32 bans_max;
	size_t lists[SG_MAX_SETS][SG_FAMILY_COUNT]; /* entries by set id */
	char set_names[SG_MAX_SETS][SG_SET_NAME_LEN];
	struct sg_service services[SG_MAX_SERVICES];
	unsigned int dsts[SG_MAX_SERVICES]; /* destination prefixes each */
	struct sg_strays strays;
};

static void json_add(struct json_object *o, const char *key,
		     struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/* ---- status: gathering --------------------------------------------- */

static int map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : (int)info.id;
}

/* The pinned link of the interface, checked: an error is the pin's fault. */
static int status_link(const struct sg_state *st, struct status_iface *si,
		       char *err, size_t len)
{
	char name[sizeof(SG_PIN_LINK_PREFIX) + SG_IFNAME_LEN];
	struct bpf_link_info info;
	int fd, ret;

	snprintf(name, sizeof(name), SG_PIN_LINK_PREFIX "%.*s", SG_IFNAME_LEN,
		 si->iface.name);
	ret = sg_state_link_open(st, name, &fd, &info, err, len);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	si->link_pinned = true;
	si->link_id = info.id;
	si->link_prog_id = info.prog_id;
	si->link_stale = info.xdp.ifindex != si->iface.ifindex;
	close(fd);
	return 0;
}

/* Name of the program, and whether it uses our sg_config map. */
static void status_prog(struct status_iface *si, int config_map_id)
{
	__u32 map_ids[PROG_MAPS_MAX], len, i;
	struct bpf_prog_info info;
	int fd;

	/* Our own pinned link holding it settles it, without CAP_SYS_ADMIN. */
	if (si->link_prog_id && si->link_prog_id == si->prog_id &&
	    !si->link_stale)
		si->ours = true;
	fd = bpf_prog_get_fd_by_id(si->prog_id); /* needs CAP_SYS_ADMIN */
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = PROG_MAPS_MAX;
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(si->prog_name, sizeof(si->prog_name), "%s", info.name);
		for (i = 0; i < info.nr_map_ids && i < PROG_MAPS_MAX; i++)
			if ((int)map_ids[i] == config_map_id)
				si->ours = true;
	}
	close(fd);
}

static int status_iface(const struct sg_state *st, struct status_iface *si,
			int config_map_id, char *err, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[IF_NAMESIZE];
	int ret;

	ret = status_link(st, si, err, len);
	if (ret)
		return ret;
	si->present = if_indextoname(si->iface.ifindex, name) != NULL;
	if (!si->present || bpf_xdp_query(si->iface.ifindex, 0, &q))
		return 0;
	si->attach_mode = q.attach_mode;
	si->prog_id = q.prog_id	      ? q.prog_id
		      : q.drv_prog_id ? q.drv_prog_id
		      : q.skb_prog_id ? q.skb_prog_id
				      : q.hw_prog_id;
	if (si->prog_id)
		status_prog(si, config_map_id);
	return 0;
}

static int status_ifaces(const struct sg_state *st, struct status *s, char *err,
			 size_t len)
{
	int config_map_id = map_id(st->fds[SG_MAP_CONFIG]), ret;
	struct status_iface *si;
	struct sg_iface iface;
	__u32 slot;

	for (slot = 1; slot < SG_MAX_IFACES; slot++) {
		if (bpf_map_lookup_elem(st->fds[SG_MAP_IFACES], &slot, &iface))
			return -errno;
		if (!iface.name[0])
			continue;
		si = &s->ifaces[s->n_ifaces++];
		si->slot = slot;
		si->iface = iface;
		si->iface.name[SG_IFNAME_LEN - 1] = '\0';
		ret = status_iface(st, si, config_map_id, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

/* Only the number of entries matters here. */
static void status_count_one(const struct sg_prefix_key *key,
			     const struct sg_track *track, void *arg)
{
}

static int status_fill(const struct sg_state *st, struct status *s)
{
	struct sg_ban_entry *bans = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct sg_set_conf conf;
	unsigned int id;
	__u64 now;
	size_t n, i;
	int ret;

	ret = sg_track_walk(st->fds[SG_MAP_TRACK], status_count_one, NULL,
			    &s->tracked);
	if (!ret && bpf_obj_get_info_by_fd(st->fds[SG_MAP_TRACK], &info, &len))
		ret = -errno;
	s->tracked_max = info.max_entries;
	now = sg_state_now(st);
	if (!ret)
		ret = sg_ban_dump(st, &bans, &n);
	for (i = 0; !ret && i < n; i++) {
		if (now < bans[i].ban.until_ns)
			s->bans_active++;
		else
			s->bans_remembered++;
	}
	free(bans);
	len = sizeof(info);
	if (!ret && bpf_obj_get_info_by_fd(st->fds[SG_MAP_BANS], &info, &len))
		ret = -errno;
	s->bans_max = info.max_entries;
	if (!ret)
		ret = sg_set_counts(st, s->lists);
	for (id = 0; !ret && id < SG_MAX_SETS; id++) {
		if (sg_set_conf_read(st, id, &conf))
			continue;
		if (id < SG_LIST_COUNT)
			snprintf(conf.name, sizeof(conf.name), "%s",
				 sg_list_name(id));
		else if (conf.action == SG_SET_UNUSED)
			conf.name[0] = '\0';
		memcpy(s->set_names[id], conf.name, SG_SET_NAME_LEN);
	}
	return ret;
}

static int status_services(const struct sg_state *st, struct status *s)
{
	struct sg_dst_v6_key key, next; /* service sits at the same offset */
	static const int maps[] = { SG_MAP_DST_V4, SG_MAP_DST_V6 };
	unsigned int i;
	void *prev;

	for (i = 0; i < SG_MAX_SERVICES; i++)
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SERVICES], &i,
					&s->services[i]))
			return -errno;
	for (i = 0; i < 2; i++) {
		prev = NULL;
		while (!bpf_map_get_next_key(st->fds[maps[i]], prev, &next)) {
			if (next.service < SG_MAX_SERVICES)
				s->dsts[next.service]++;
			key = next;
			prev = &key;
		}
		if (errno != ENOENT)
			return -errno;
	}
	return 0;
}

static int status_daemon(const struct sg_state *st, struct status *s)
{
	unsigned int i;

	for (i = 0; i < s->n_ifaces; i++)
		if (s->ifaces[i].attach_mode && s->ifaces[i].ours)
			s->daemon.attached = true;
	return sg_daemon_probe(st, &s->daemon.info, &s->daemon.alive);
}

/* ---- status: output ------------------------------------------------ */

static const char *xdp_mode_name(__u8 attach_mode)
{
	static const char *const names[] = {
		[XDP_ATTACHED_NONE] = "none",	[XDP_ATTACHED_DRV] = "native",
		[XDP_ATTACHED_SKB] = "generic", [XDP_ATTACHED_HW] = "offload",
		[XDP_ATTACHED_MULTI] = "multi",
	};

	return attach_mode <= XDP_ATTACHED_MULTI ? names[attach_mode]
						 : "unknown";
}

static void status_print_iface(const struct status_iface *si)
{
	printf("interface %s (ifindex %u%s): ", si->iface.name,
	       si->iface.ifindex, si->present ? "" : ", gone");
	if (si->attach_mode)
		printf("xdp %s, prog %u %s%s", xdp_mode_name(si->attach_mode),
		       si->prog_id, si->prog_name,
		       si->ours ? "" : " (NOT this slotguard's program)");
	else
		printf("no XDP program attached");
	if (!si->link_pinned)
		printf(", no link pinned\n");
	else
		printf(", link %u pinned%s\n", si->link_id,
		       si->link_stale ? " (stale: not on this interface)" : "");
}

static void status_print(const struct sg_state *st, const struct status *s)
{
	char ceiling[96];
	unsigned int i;

	sg_status_daemon_print(&s->daemon);
	printf("pins: %s (ABI version %u)\n", st->pin_dir, s->cfg.abi_version);
	printf("mode: %s (config generation %llu)\n", sg_mode_name(s->cfg.mode),
	       (unsigned long long)s->cfg.generation);
	if (!s->n_ifaces)
		printf("interfaces: none registered\n");
	for (i = 0; i < s->n_ifaces; i++)
		status_print_iface(&s->ifaces[i]);
	printf("tracked sources: %llu of %u (%.1f%%)\n",
	       (unsigned long long)s->tracked, s->tracked_max,
	       s->tracked_max ? 100.0 * s->tracked / s->tracked_max : 0);
	printf("ban table: %zu active, %zu expired and remembered (room for "
	       "%u)\n",
	       s->bans_active, s->bans_remembered, s->bans_max);
	for (i = 0; i < SG_LIST_COUNT; i++)
		printf("%slist: %zu ipv4, %zu ipv6\n", sg_list_name(i),
		       s->lists[i][SG_FAMILY_V4], s->lists[i][SG_FAMILY_V6]);
	for (i = SG_LIST_COUNT; i < SG_MAX_SETS; i++)
		if (s->set_names[i][0])
			printf("set %s: %zu ipv4, %zu ipv6\n", s->set_names[i],
			       s->lists[i][SG_FAMILY_V4],
			       s->lists[i][SG_FAMILY_V6]);
	sg_strays_print(&s->strays, st->pin_dir, stdout);
	sg_config_text(&s->cfg, stdout);
	sg_status_fleet_print(st);
	for (i = 0; i < SG_MAX_SERVICES; i++) {
		const struct sg_service *svc = &s->services[i];

		if (!svc->proto)
			continue;
		sg_budget_text("ceiling", &svc->ceiling, false, ceiling,
			       sizeof(ceiling));
		printf("service %s/%u:",
		       svc->proto == IPPROTO_UDP ? "udp" : "tcp", svc->port);
		if (svc->flags & SG_SERVICE_DST_RESTRICTED)
			printf(" to %u destination prefixes,", s->dsts[i]);
		printf("%s %s\n", svc->flags & SG_SERVICE_QUIC ? " quic," : "",
		       ceiling);
	}
}

static struct json_object *status_iface_json(const struct status_iface *si)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "name", json_object_new_string(si->iface.name));
	json_add(o, "ifindex", json_object_new_uint64(si->iface.ifindex));
	json_add(o, "slot", json_object_new_int(si->slot));
	json_add(o, "present", json_object_new_boolean(si->present));
	json_add(o, "link_pinned", json_object_new_boolean(si->link_pinned));
	json_add(o, "link_id",
		 si->link_id ? json_object_new_uint64(si->link_id) : NULL);
	json_add(o, "link_stale", json_object_new_boolean(si->link_stale));
	json_add(o, "xdp_mode",
		 json_object_new_string(xdp_mode_name(si->attach_mode)));
	json_add(o, "prog_id",
		 si->prog_id ? json_object_new_uint64(si->prog_id) : NULL);
	json_add(o, "prog_name",
		 si->prog_name[0] ? json_object_new_string(si->prog_name)
				  : NULL);
	json_add(o, "prog_is_ours", json_object_new_boolean(si->ours));
	return o;
}

static struct json_object *status_maps_json(const struct status *s)
{
	struct json_object *o = json_object_new_object(), *m, *l;
	unsigned int i, f;

	m = json_object_new_object();
	json_add(m, "entries", json_object_new_uint64(s->tracked));
	json_add(m, "max_entries", json_object_new_uint64(s->tracked_max));
	json_add(o, "tracked_sources", m);
	m = json_object_new_object();
	json_add(m, "active", json_object_new_uint64(s->bans_active));
	json_add(m, "remembered", json_object_new_uint64(s->bans_remembered));
	json_add(m, "max_entries", json_object_new_uint64(s->bans_max));
	json_add(o, "bans", m);
	m = json_object_new_object();
	for (i = 0; i < SG_LIST_COUNT; i++) {
		l = json_object_new_object();
		for (f = 0; f < SG_FAMILY_COUNT; f++)
			json_add(l, sg_family_name(f),
				 json_object_new_uint64(s->lists[i][f]));
		json_add(m, sg_list_name(i), l);
	}
	json_add(o, "lists", m);
	m = json_object_new_object();
	for (i = SG_LIST_COUNT; i < SG_MAX_SETS; i++) {
		if (!s->set_names[i][0])
			continue;
		l = json_object_new_object();
		for (f = 0; f < SG_FAMILY_COUNT; f++)
			json_add(l, sg_family_name(f),
				 json_object_new_uint64(s->lists[i][f]));
		json_add(m, s->set_names[i], l);
	}
	json_add(o, "sets", m);
	return o;
}

static void status_print_json(const struct sg_state *st, const struct status *s)
{
	struct json_object *root = json_object_new_object(), *arr;
	unsigned int i;

	json_add(root, "state",
		 json_object_new_string(sg_status_state(&s->daemon)));
	json_add(root, "daemon", sg_status_daemon_json(&s->daemon));
	json_add(root, "abi_version", json_object_new_int(s->cfg.abi_version));
	json_add(root, "pin_dir", json_object_new_string(st->pin_dir));
	json_add(root, "mode",
		 json_object_new_string(sg_mode_name(s->cfg.mode)));
	json_add(root, "generation", json_object_new_uint64(s->cfg.generation));
	arr = json_object_new_array();
	for (i = 0; i < s->n_ifaces; i++)
		json_object_array_add(arr, status_iface_json(&s->ifaces[i]));
	json_add(root, "interfaces", arr);
	json_add(root, "maps", status_maps_json(s));
	json_add(root, "config", sg_config_json(&s->cfg));
	arr = json_object_new_array();
	for (i = 0; i < SG_MAX_SERVICES; i++)
		if (s->services[i].proto)
			json_object_array_add(
				arr, sg_service_json(&s->services[i], i, NULL,
						     s->dsts[i]));
	json_add(root, "services", arr);
	json_add(root, "stray_pins", sg_strays_json(&s->strays));
	json_add(root, "fleet", sg_status_fleet_json(st));
	sg_json_print(root);
}

int sg_cmd_status(int argc, char **argv)
{
	char err[SG_ERR_LEN] = "";
	struct sg_state st;
	struct status *s;
	bool json = false;
	int rc, ret;

	rc = sg_cli_opts(argc, argv, status_usage, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	ret = s ? sg_config_read(&st, &s->cfg) : -ENOMEM;
	if (!ret)
		ret = status_ifaces(&st, s, err, sizeof(err));
	if (!ret)
		ret = status_fill(&st, s);
	if (!ret)
		ret = status_services(&st, s);
	if (!ret)
		ret = status_daemon(&st, s);
	if (!ret)
		ret = sg_strays_collect(&st, &s->strays);
	if (!ret && json)
		status_print_json(&st, s);
	else if (!ret)
		status_print(&st, s);
	sg_state_close(&st);
	free(s);
	if (ret && err[0])
		sg_errorf("%s", err);
	else if (ret)
		sg_errorf("reading %s: %s", sg_cli.pin_dir, strerror(-ret));
	return ret ? SG_EXIT_FAIL : SG_EXIT_OK;
}
