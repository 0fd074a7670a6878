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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "slotguard.skel.h"

/* Only the user slotguard runs as may write where its filter lives. */
static int sg_check_owner(const char *dir, int fd, char *err, size_t len)
{
	struct stat sb;

	if (fstat(fd, &sb)) {
		int e = errno;

		snprintf(err, len, "%s: %s", dir, strerror(e));
		return -e;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(err, len,
			 "%s: refusing a pin directory owned by uid %u (mode "
			 "%04o): slotguard runs as uid %u; `chown %u %s` and "
			 "`chmod 0700 %s`, or remove it if nothing of yours is "
			 "pinned there",
			 dir, sb.st_uid, sb.st_mode & 07777, geteuid(),
			 geteuid(), dir, dir);
		return -EPERM;
	}
	if (sb.st_mode & 0022) {
		snprintf(err, len,
			 "%s: refusing a pin directory that is group- or "
			 "world-writable (mode %04o): `chmod 0700 %s`",
			 dir, sb.st_mode & 07777, dir);
		return -EPERM;
	}
	return 0;
}

int sg_daemon_prepare_dir(struct sg_daemon *d, char *err, size_t len)
{
	const char *dir = d->settings.pin_dir;
	int ret;

	/* Made if absent; no symlink followed anywhere on the way. */
	ret = sg_pin_dir_open(dir, true, &d->pin_dir_fd, err, len);
	if (!ret)
		ret = sg_check_owner(dir, d->pin_dir_fd, err, len);
	if (ret)
		return ret;
	/* One daemon per pin directory: it holds this lock for its life. */
	if (mkdirat(d->pin_dir_fd, SG_PIN_DAEMON_DIR, 0700) && errno != EEXIST)
		return sg_pin_error(d->pin_dir_fd, dir, SG_PIN_DAEMON_DIR,
				    -errno, err, len);
	d->daemon_lock_fd =
		openat(d->pin_dir_fd, SG_PIN_DAEMON_DIR,
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->daemon_lock_fd < 0)
		return sg_pin_error(d->pin_dir_fd, dir, SG_PIN_DAEMON_DIR,
				    -errno, err, len);
	if (flock(d->daemon_lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, len,
			 "%s: another `slotguard run` is using this pin "
			 "directory",
			 dir);
		return -EBUSY;
	}
	return 0;
}

/*
 * Reuse each pinned map (sg_state_open checked them all); a tracking
 * table of another size than configured starts over.
 */
static int sg_reuse_pins(struct sg_daemon *d, const struct sg_state *pinned,
			 bool *reused, char *err, size_t len)
{
	struct sg_map_shape have;
	struct bpf_map *map;
	int i, ret;

	for (i = 0; i < SG_MAP_COUNT; i++) {
		reused[i] = false;
		if (pinned->fds[i] < 0)
			continue;
		map = bpf_object__find_map_by_name(d->skel->obj,
						   sg_map_names[i]);
		if (sg_map_sized_at_load(i) &&
		    !sg_map_shape_fd(pinned->fds[i], &have) &&
		    have.max_entries != bpf_map__max_entries(map)) {
			sg_log(d, "warning",
			       "%s/%s resized (%u entries, configured %u): "
			       "it starts over; bans and lists are kept",
			       d->settings.pin_dir, sg_map_names[i],
			       have.max_entries, bpf_map__max_entries(map));
			sg_pin_remove(d->pin_dir_fd, sg_map_names[i]);
			continue;
		}
		ret = bpf_map__reuse_fd(map, pinned->fds[i]);
		if (ret) {
			snprintf(err, len, "%s/%s: %s", d->settings.pin_dir,
				 sg_map_names[i], strerror(-ret));
			return ret;
		}
		reused[i] = true;
	}
	return 0;
}

/* Pin what this run made; sg_pin_put never follows a symlink. */
static int sg_pin_new(struct sg_daemon *d, const bool *reused, char *err,
		      size_t len)
{
	struct bpf_map *map;
	int i, ret;

	for (i = 0; i < SG_MAP_COUNT; i++) {
		if (reused[i])
			continue;
		map = bpf_object__find_map_by_name(d->skel->obj,
						   sg_map_names[i]);
		ret = sg_pin_put(d->pin_dir_fd, bpf_map__fd(map),
				 sg_map_names[i]);
		if (ret) {
			snprintf(err, len, "pinning %s/%s: %s",
				 d->settings.pin_dir, sg_map_names[i],
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int sg_daemon_load(struct sg_daemon *d, char *err, size_t len)
{
	bool reused[SG_MAP_COUNT];
	struct sg_state pinned;
	int ret;

	/* Every pin there is, checked as every command checks it. */
	ret = sg_state_open(&pinned, d->settings.pin_dir, SG_STATE_PARTIAL, err,
			    len);
	if (ret)
		return ret;
	d->skel = slotguard__open();
	if (!d->skel) {
		ret = -errno;
		snprintf(err, len, "opening the BPF object: %s",
			 strerror(errno));
		sg_state_close(&pinned);
		return ret;
	}
	bpf_map__set_max_entries(d->skel->maps.sg_track,
				 d->settings.max_tracked_sources);
	ret = sg_reuse_pins(d, &pinned, reused, err, len);
	sg_state_close(&pinned); /* libbpf holds its own copies */
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
	ret = sg_pin_new(d, reused, err, len);
	if (ret)
		return ret;
	ret = sg_state_from_object(&d->st, d->skel->obj);
	snprintf(d->st.pin_dir, sizeof(d->st.pin_dir), "%s",
		 d->settings.pin_dir);
	if (!ret) {
		d->st.dir_fd = fcntl(d->pin_dir_fd, F_DUPFD_CLOEXEC, 3);
		if (d->st.dir_fd < 0)
			ret = -errno;
	}
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
