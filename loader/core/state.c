// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Pinned state: open every map from the pin directory (or from a freshly
 * loaded object), check the ABI version, lock the directory against a second
 * writer, and write the runtime config and the protected services.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/in.h>
#include "sg.h"

const char *const sg_map_names[SG_MAP_COUNT] = {
	[SG_MAP_CONFIG] = "sg_config",
	[SG_MAP_PORTS] = "sg_ports",
	[SG_MAP_SERVICES] = "sg_services",
	[SG_MAP_SVC_STATE] = "sg_svc_state",
	[SG_MAP_DST_V4] = "sg_dst_v4",
	[SG_MAP_DST_V6] = "sg_dst_v6",
	[SG_MAP_SETS_V4] = "sg_sets_v4",
	[SG_MAP_SETS_V6] = "sg_sets_v6",
	[SG_MAP_SET_CONF] = "sg_set_conf",
	[SG_MAP_SET_STATE] = "sg_set_state",
	[SG_MAP_SET_COUNTERS] = "sg_set_counters",
	[SG_MAP_BANS] = "sg_bans",
	[SG_MAP_BANS_LPM_V4] = "sg_bans_lpm_v4",
	[SG_MAP_BANS_LPM_V6] = "sg_bans_lpm_v6",
	[SG_MAP_BAN_NOTES] = "sg_ban_notes",
	[SG_MAP_BAN_FILTER] = "sg_ban_filter",
	[SG_MAP_TRACK] = "sg_track",
	[SG_MAP_FIRST_SEEN] = "sg_first_seen",
	[SG_MAP_RECENT_REQUESTS] = "sg_recent_requests",
	[SG_MAP_FLEET_HITS] = "sg_fleet_hits",
	[SG_MAP_GLOBALS] = "sg_globals",
	[SG_MAP_COUNTERS] = "sg_counters",
	[SG_MAP_STATS] = "sg_stats",
	[SG_MAP_IFSLOTS] = "sg_ifslots",
	[SG_MAP_IFACES] = "sg_ifaces",
	[SG_MAP_DAEMON] = "sg_daemon",
	[SG_MAP_AUDIT] = "sg_audit",
	[SG_MAP_EVENTS] = "sg_events",
	[SG_MAP_TRACE] = "sg_trace",
	[SG_MAP_VCACHE] = "sg_vcache",
};

static void sg_state_init(struct sg_state *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < SG_MAP_COUNT; i++)
		st->fds[i] = -1;
	st->lock_fd = -1;
}

int sg_state_from_object(struct sg_state *st, struct bpf_object *obj)
{
	struct bpf_map *map;
	int i;

	sg_state_init(st);
	for (i = 0; i < SG_MAP_COUNT; i++) {
		map = bpf_object__find_map_by_name(obj, sg_map_names[i]);
		if (!map || bpf_map__fd(map) < 0)
			return -ENOENT;
		/* dup so that sg_state_close never closes libbpf's fds */
		st->fds[i] = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
		if (st->fds[i] < 0)
			return -errno;
	}
	return 0;
}

/* The config map's value size tells an old layout from ours. */
static int sg_state_check_abi(struct sg_state *st, char *err, size_t err_len)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct sg_config cfg;
	int ret;

	ret = bpf_obj_get_info_by_fd(st->fds[SG_MAP_CONFIG], &info, &len);
	if (ret)
		return -errno;
	if (info.value_size == sizeof(cfg)) {
		ret = sg_config_read(st, &cfg);
		if (ret)
			return ret;
		if (cfg.abi_version == SG_ABI_VERSION)
			return 0;
	}
	snprintf(err, err_len,
		 "%s: pinned state is of another ABI version (config %u bytes, "
		 "version %u; this slotguard speaks version %d): stop the "
		 "daemon that made it and remove the directory",
		 st->pin_dir, info.value_size,
		 info.value_size == sizeof(cfg) ? cfg.abi_version : 0,
		 SG_ABI_VERSION);
	return -EPROTO;
}

int sg_state_open(struct sg_state *st, const char *dir, char *err,
		  size_t err_len)
{
	char path[PATH_MAX + 32];
	struct stat sb;
	int i;

	sg_state_init(st);
	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", dir);
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(err, err_len,
			 "%s: nothing pinned here: is `slotguard run` loaded?",
			 dir);
		return -ENOENT;
	}
	/* sg_config first: its ABI version explains any other mismatch. */
	for (i = 0; i < SG_MAP_COUNT; i++) {
		int m = i == 0 ? SG_MAP_CONFIG : i == SG_MAP_CONFIG ? 0 : i;

		snprintf(path, sizeof(path), "%s/%s", dir, sg_map_names[m]);
		st->fds[m] = bpf_obj_get(path);
		if (st->fds[m] < 0) {
			int e = errno;

			snprintf(err, err_len, "%s: %s", path, strerror(e));
			sg_state_close(st);
			return e == ENOENT ? -ENOENT : -e;
		}
		if (m == SG_MAP_CONFIG) {
			int ret = sg_state_check_abi(st, err, err_len);

			if (ret) {
				sg_state_close(st);
				return ret;
			}
		}
	}
	return 0;
}

int sg_state_lock(struct sg_state *st, int timeout_ms)
{
	int waited = 0;

	if (st->lock_fd >= 0)
		return 0;
	st->lock_fd = open(st->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->lock_fd < 0)
		return -errno;
	while (flock(st->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK || waited >= timeout_ms) {
			int e = errno == EWOULDBLOCK ? EBUSY : errno;

			close(st->lock_fd);
			st->lock_fd = -1;
			return -e;
		}
		usleep(10000);
		waited += 10;
	}
	return 0;
}

void sg_state_close(struct sg_state *st)
{
	int i;

	for (i = 0; i < SG_MAP_COUNT; i++) {
		if (st->fds[i] >= 0)
			close(st->fds[i]);
		st->fds[i] = -1;
	}
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the flock */
	st->lock_fd = -1;
}

int sg_config_read(const struct sg_state *st, struct sg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(st->fds[SG_MAP_CONFIG], &zero, cfg))
		return -errno;
	return 0;
}

static int sg_config_put(const struct sg_state *st, const struct sg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(st->fds[SG_MAP_CONFIG], &zero, cfg, BPF_ANY))
		return -errno;
	return 0;
}

/* The owned bits belong to the set and ban code: other writers keep them. */
int sg_config_write(const struct sg_state *st, const struct sg_config *cfg)
{
	struct sg_config out = *cfg, live;

	if (!sg_config_read(st, &live))
		out.flags = (out.flags & ~SG_FLAGS_OWNED_MASK) |
			    (live.flags & SG_FLAGS_OWNED_MASK);
	return sg_config_put(st, &out);
}

int sg_config_flags(const struct sg_state *st, __u32 set, __u32 clear)
{
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	set |= cfg.flags & ~clear;
	if (set == cfg.flags)
		return 0;
	cfg.flags = set;
	cfg.generation++;
	return sg_config_put(st, &cfg);
}

int sg_counter_slots(const struct sg_state *st, __u32 *slots)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(st->fds[SG_MAP_COUNTERS], &info, &len))
		return -errno;
	*slots = info.max_entries / SG_COUNTERS_PER_SLOT;
	if (*slots > SG_MAX_IFACES)
		*slots = SG_MAX_IFACES;
	return 0;
}

int sg_policy_changed(const struct sg_state *st)
{
	struct sg_config cfg;
	int ret = sg_config_read(st, &cfg);

	if (ret)
		return ret;
	cfg.generation++;
	return sg_config_write(st, &cfg);
}

int sg_daemon_info_read(const struct sg_state *st, struct sg_daemon_info *out)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(st->fds[SG_MAP_DAEMON], &zero, out))
		return -errno;
	return 0;
}

int sg_daemon_info_write(const struct sg_state *st,
			 const struct sg_daemon_info *in)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(st->fds[SG_MAP_DAEMON], &zero, in, BPF_ANY))
		return -errno;
	return 0;
}

__u64 sg_state_now(const struct sg_state *st)
{
	struct sg_config cfg = {};
	struct timespec ts;

	sg_config_read(st, &cfg);
	if (cfg.flags & SG_FLAG_FIXED_CLOCK)
		return cfg.time_offset_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
	       cfg.time_offset_ns;
}
