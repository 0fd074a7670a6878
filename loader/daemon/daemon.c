// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading over existing pins (bans, lists and counters survive a restart),
 * pinning what is new, writing the settings, and attaching to interfaces
 * through pinned bpf_links so that a killed daemon leaves the filter up.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "slotguard.skel.h"

int sg_daemon_prepare_dir(struct sg_daemon *d, char *err, size_t len)
{
	const char *dir = d->settings.pin_dir;
	char lock_dir[PATH_MAX + 16];
	struct statfs fs;
	struct stat sb;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (statfs(dir, &fs) || fs.f_type != BPF_FS_MAGIC) {
		snprintf(err, len,
			 "%s is not on a BPF filesystem (mount -t bpf bpf "
			 "/sys/fs/bpf)",
			 dir);
		return -EINVAL;
	}
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(err, len, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 0022)) {
		snprintf(err, len,
			 "%s: refusing a pin directory that is group- or "
			 "world-writable or owned by another user (mode %04o, "
			 "uid %u); chmod 0700 it",
			 dir, sb.st_mode & 07777, sb.st_uid);
		return -EPERM;
	}
	/* One daemon per pin directory: it holds this lock for its life. */
	snprintf(lock_dir, sizeof(lock_dir), "%s/daemon", dir);
	if (mkdir(lock_dir, 0700) && errno != EEXIST) {
		snprintf(err, len, "%s: %s", lock_dir, strerror(errno));
		return -errno;
	}
	d->daemon_lock_fd = open(lock_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->daemon_lock_fd < 0 ||
	    flock(d->daemon_lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, len,
			 "%s: another `slotguard run` is using this pin "
			 "directory",
			 dir);
		return -EBUSY;
	}
	return 0;
}

/* Does the pinned map fit what this program was compiled against? */
static int sg_pin_compatible(int fd, const struct bpf_map *map, char *why,
			     size_t len)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	if (info.type != bpf_map__type(map) ||
	    info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map)) {
		snprintf(why, len,
			 "type %u key %u value %u bytes, expected type %u key "
			 "%u value %u",
			 info.type, info.key_size, info.value_size,
			 bpf_map__type(map), bpf_map__key_size(map),
			 bpf_map__value_size(map));
		return -EPROTO;
	}
	if (info.max_entries != bpf_map__max_entries(map)) {
		snprintf(why, len, "%u entries, configured %u",
			 info.max_entries, bpf_map__max_entries(map));
		return -ERANGE;
	}
	return 0;
}

static int sg_check_pinned_abi(const char *dir, char *err, size_t len)
{
	char path[PATH_MAX + 32];
	struct sg_state probe;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/sg_config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	close(fd);
	ret = sg_state_open(&probe, dir, err, len);
	if (ret == -ENOENT)
		return 0; /* partly pinned: the missing maps are made anew */
	if (!ret)
		sg_state_close(&probe);
	return ret;
}

/* Reuse each pinned map that fits; a resized tracking table starts over. */
static int sg_reuse_pins(struct sg_daemon *d, bool *reused, char *err,
			 size_t len)
{
	char path[PATH_MAX + 32], why[256];
	struct bpf_map *map;
	int i, fd, ret;

	for (i = 0; i < SG_MAP_COUNT; i++) {
		reused[i] = false;
		snprintf(path, sizeof(path), "%s/%s", d->settings.pin_dir,
			 sg_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		map = bpf_object__find_map_by_name(d->skel->obj,
						   sg_map_names[i]);
		ret = sg_pin_compatible(fd, map, why, sizeof(why));
		if (ret == -ERANGE && i == SG_MAP_TRACK) {
			sg_log(d, "warning",
			       "tracking table resized (%s): per-source "
			       "tracking starts over; bans and lists are kept",
			       why);
			close(fd);
			unlink(path);
			continue;
		}
		if (ret) {
			snprintf(err, len,
				 "%s: pinned map does not match this slotguard "
				 "(%s); stop the old daemon and remove %s",
				 path, why, d->settings.pin_dir);
			close(fd);
			return ret;
		}
		ret = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (ret) {
			snprintf(err, len, "%s: %s", path, strerror(-ret));
			return ret;
		}
		reused[i] = true;
	}
	return 0;
}

int sg_daemon_load(struct sg_daemon *d, char *err, size_t len)
{
	bool reused[SG_MAP_COUNT];
	char path[PATH_MAX + 32];
	struct bpf_map *map;
	int i, ret;

	ret = sg_check_pinned_abi(d->settings.pin_dir, err, len);
	if (ret)
		return ret;
	d->skel = slotguard__open();
	if (!d->skel) {
		snprintf(err, len, "opening the BPF object: %s",
			 strerror(errno));
		return -errno;
	}
	bpf_map__set_max_entries(d->skel->maps.sg_track,
				 d->settings.max_tracked_sources);
	ret = sg_reuse_pins(d, reused, err, len);
	if (ret)
		return ret;
	d->fresh_pins = !reused[SG_MAP_CONFIG];
	ret = slotguard__load(d->skel);
	if (ret) {
		snprintf(err, len,
			 "loading the XDP program failed: %s (run with -v for "
			 "the verifier log)",
			 strerror(-ret));
		return ret;
	}
	for (i = 0; i < SG_MAP_COUNT; i++) {
		if (reused[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->settings.pin_dir,
			 sg_map_names[i]);
		map = bpf_object__find_map_by_name(d->skel->obj,
						   sg_map_names[i]);
		if (bpf_obj_pin(bpf_map__fd(map), path)) {
			snprintf(err, len, "pinning %s: %s", path,
				 strerror(errno));
			return -errno;
		}
	}
	ret = sg_state_from_object(&d->st, d->skel->obj);
	snprintf(d->st.pin_dir, sizeof(d->st.pin_dir), "%s",
		 d->settings.pin_dir);
	if (ret)
		snprintf(err, len, "opening maps: %s", strerror(-ret));
	return ret;
}

/* Write settings to the maps; lists come from their files when named. */
int sg_daemon_apply(struct sg_daemon *d, const struct sg_settings *s, char *err,
		    size_t len)
{
	struct sg_config cfg = s->cfg, old = {};
	const char *files[SG_LIST_COUNT] = { s->allow_file, s->deny_file };
	struct sg_cidr *v[SG_LIST_COUNT] = { NULL, NULL };
	size_t n[SG_LIST_COUNT] = { 0, 0 };
	int i, ret = 0;

	/* Read every list file before changing anything. */
	for (i = 0; i < SG_LIST_COUNT && !ret; i++)
		if (files[i][0])
			ret = sg_read_list_file(files[i], &v[i], &n[i], err,
						len)
				      ? -EINVAL
				      : 0;
	if (!ret)
		ret = sg_state_lock(&d->st, 5000);
	if (ret == -EBUSY)
		snprintf(err, len, "%s is locked by another command",
			 d->st.pin_dir);
	if (!ret) {
		sg_config_read(&d->st, &old);
		cfg.abi_version = SG_ABI_VERSION;
		cfg.generation = old.generation + 1;
		cfg.time_offset_ns = old.time_offset_ns;
		cfg.flags |= old.flags & SG_FLAG_FIXED_CLOCK;
		if (d->mode_override >= 0)
			cfg.mode = d->mode_override;
		ret = sg_services_apply(&d->st, s);
		if (!ret)
			ret = sg_config_write(&d->st, &cfg);
		for (i = 0; i < SG_LIST_COUNT && !ret; i++) {
			ret = sg_list_ensure(&d->st, i);
			if (!ret && files[i][0])
				ret = sg_list_replace(&d->st, i, v[i], n[i]);
		}
		if (ret)
			snprintf(err, len, "writing settings: %s",
				 strerror(-ret));
		close(d->st.lock_fd);
		d->st.lock_fd = -1;
	}
	for (i = 0; i < SG_LIST_COUNT; i++)
		free(v[i]);
	return ret;
}
