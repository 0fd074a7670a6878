// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Pinned state: open every map from the pin directory (or from a freshly
 * loaded object), checking each against the compiled object before anyone
 * reads or writes it, lock the directory against a second writer, and
 * write the runtime config.
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
#include "pincheck.h"
#include "slotguard.skel.h"
#include "pins.h"

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

bool sg_map_sized_at_load(unsigned int id)
{
	/* max_tracked_sources, max_bans, the number of interfaces */
	return id == SG_MAP_TRACK || id == SG_MAP_BANS || id == SG_MAP_COUNTERS;
}

void sg_state_init(struct sg_state *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < SG_MAP_COUNT; i++)
		st->fds[i] = -1;
	st->lock_fd = -1;
	st->dir_fd = -1;
}

/* The links slotguard pins hold its XDP program: remember its name. */
static void sg_state_prog_name(struct sg_state *st, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			snprintf(st->prog_name, sizeof(st->prog_name), "%s",
				 bpf_program__name(prog));
			return;
		}
	}
}

int sg_state_from_object(struct sg_state *st, struct bpf_object *obj)
{
	struct bpf_map *map;
	int i;

	sg_state_init(st);
	sg_state_prog_name(st, obj);
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

/* The config map's shape and version tell an old layout from ours. */
static int sg_state_check_abi(struct sg_state *st, int ret, const char *why,
			      char *err, size_t err_len)
{
	struct sg_config cfg;

	if (!ret) {
		ret = sg_config_read(st, &cfg);
		if (ret || cfg.abi_version == SG_ABI_VERSION)
			return ret;
		snprintf(err, err_len,
			 "%s/%s: pinned state is of ABI version %u; this "
			 "slotguard speaks version %d: stop the daemon that "
			 "made it and remove %s",
			 st->pin_dir, sg_map_names[SG_MAP_CONFIG],
			 cfg.abi_version, SG_ABI_VERSION, st->pin_dir);
		return -EPROTO;
	}
	snprintf(err, err_len,
		 "%s/%s: pinned state of another ABI version, or not "
		 "slotguard's (%s; this slotguard speaks version %d): stop the "
		 "daemon that made it and remove %s",
		 st->pin_dir, sg_map_names[SG_MAP_CONFIG], why, SG_ABI_VERSION,
		 st->pin_dir);
	return -EPROTO;
}

static int sg_state_open_map(struct sg_state *st, unsigned int i,
			     struct bpf_object *obj, unsigned int flags,
			     char *err, size_t err_len)
{
	const struct bpf_map *want;
	char why[SG_ERR_LEN / 2];
	int fd, ret;

	want = bpf_object__find_map_by_name(obj, sg_map_names[i]);
	if (!want) {
		snprintf(err, err_len, "%s: not in the BPF object",
			 sg_map_names[i]);
		return -ENOENT;
	}
	fd = sg_pin_get(st->dir_fd, sg_map_names[i]);
	if (fd == -ENOENT && (flags & SG_STATE_PARTIAL))
		return 0;
	if (fd == -ENOENT) {
		snprintf(err, err_len,
			 "%s/%s is missing: the pinned state is incomplete "
			 "(is `slotguard run` loaded?)",
			 st->pin_dir, sg_map_names[i]);
		return fd;
	}
	if (fd < 0)
		return sg_pin_error(st->dir_fd, st->pin_dir, sg_map_names[i],
				    fd, err, err_len);
	st->fds[i] = fd;
	ret = sg_state_check_map(st, sg_map_names[i], "pinned map", fd, want,
				 !sg_map_sized_at_load(i), why, sizeof(why),
				 err, err_len);
	/* sg_config first: its ABI version explains any other mismatch. */
	if (i == SG_MAP_CONFIG)
		ret = sg_state_check_abi(st, ret, why, err, err_len);
	return ret;
}

int sg_state_open(struct sg_state *st, const char *dir, unsigned int flags,
		  char *err, size_t err_len)
{
	struct slotguard *skel;
	unsigned int i;
	int ret;

	sg_state_init(st);
	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", dir);
	ret = sg_pin_dir_open(dir, false, &st->dir_fd, err, err_len);
	if (ret == -ENOENT)
		snprintf(err, err_len,
			 "%s: nothing pinned here: is `slotguard run` loaded?",
			 dir);
	if (ret)
		return ret;
	/* What the pins must be: the object this slotguard was built with. */
	skel = slotguard__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, err_len, "opening the BPF object: %s",
			 strerror(errno));
		goto out;
	}
	sg_state_prog_name(st, skel->obj);
	ret = sg_state_open_map(st, SG_MAP_CONFIG, skel->obj, flags, err,
				err_len);
	for (i = 0; i < SG_MAP_COUNT && !ret; i++)
		if (i != SG_MAP_CONFIG)
			ret = sg_state_open_map(st, i, skel->obj, flags, err,
						err_len);
	if (!ret)
		ret = sg_state_check_inner(st, skel->obj, err, err_len);
	slotguard__destroy(skel);
out:
	if (ret)
		sg_state_close(st);
	return ret;
}

int sg_state_lock(struct sg_state *st, int timeout_ms)
{
	int waited = 0;

	if (st->lock_fd >= 0)
		return 0;
	if (st->dir_fd < 0)
		return -EBADF;
	/* A new open file: the lock is released by closing lock_fd alone. */
	st->lock_fd =
		openat(st->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	st->dir_fd = -1;
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
