// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading over existing pins (bans, lists and counters survive a restart),
 * pinning what is new, writing the settings, and attaching to interfaces
 * through pinned bpf_links so that a killed daemon leaves the filter up.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "profiles.h"
#include "slotguard.skel.h"
#include "core/pins.h"

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

int sg_private_dir(const char *dir, const char *what, char *err, size_t len)
{
	struct stat sb;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, len, "%s%s: %s", what, dir, strerror(errno));
		return -errno;
	}
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(err, len, "%s%s: not a directory", what, dir);
		return -ENOTDIR;
	}
	/* Whoever can write in it can change what slotguard drops. */
	if (sb.st_uid != geteuid() || (sb.st_mode & 0022)) {
		snprintf(err, len,
			 "%s%s: refusing a directory that is group- or "
			 "world-writable or owned by another user (mode %04o, "
			 "uid %u); chmod 0700 it",
			 what, dir, sb.st_mode & 07777, sb.st_uid);
		return -EPERM;
	}
	return 0;
}

int sg_daemon_prepare_dir(struct sg_daemon *d, char *err, size_t len)
{
	const char *dir = d->settings.pin_dir;
	int tries, ret;

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
	/* `status` probes the lock for a moment: try a little while. */
	for (tries = 0;
	     tries < 20 && flock(d->daemon_lock_fd, LOCK_EX | LOCK_NB); tries++)
		usleep(10000);
	if (tries == 20) {
		snprintf(err, len,
			 "%s: another `slotguard run` is using this pin "
			 "directory",
			 dir);
		return -EBUSY;
	}
	return 0;
}

/* The bans of a resized ban table, read before it goes. */
static int sg_carry_bans_read(struct sg_daemon *d, int fd)
{
	struct sg_prefix_key key, next;
	struct sg_ban ban;
	void *prev = NULL, *grown;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &ban)) {
			grown = realloc(d->carried, (d->n_carried +
						     1) * sizeof(*d->carried));
			if (!grown)
				return -ENOMEM;
			d->carried = grown;
			d->carried[d->n_carried].key = next;
			d->carried[d->n_carried++].ban = ban;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

static int sg_carry_bans_write(struct sg_daemon *d)
{
	size_t i, lost = 0;

	for (i = 0; i < d->n_carried; i++)
		if (bpf_map_update_elem(d->st.fds[SG_MAP_BANS],
					&d->carried[i].key, &d->carried[i].ban,
					BPF_ANY))
			lost++;
	if (d->n_carried)
		sg_log(d, lost ? "warning" : "info",
		       "ban table resized: %zu bans carried over%s", i - lost,
		       lost ? ", some did not fit (max_bans)" : "");
	free(d->carried);
	d->carried = NULL;
	d->n_carried = 0;
	/* The filter of the new table is empty: fill it from the bans. */
	return i ? sg_ban_filter_rebuild(&d->st) : 0;
}

/*
 * A map the config sizes, pinned at another size: the ban table is carried
 * over into the new one, the tracking and counter tables start over.
 */
static int sg_resized(struct sg_daemon *d, int i, int fd, __u32 was, __u32 now,
		      char *err, size_t len)
{
	int ret = 0;

	if (i == SG_MAP_BANS)
		ret = sg_carry_bans_read(d, fd);
	else
		sg_log(d, "warning",
		       "%s resized (%u entries, configured %u): %s start over; "
		       "bans and sets are kept",
		       sg_map_names[i], was, now,
		       i == SG_MAP_TRACK ? "per-source budgets" : "counters");
	if (ret) {
		snprintf(err, len, "%s/%s: %s", d->settings.pin_dir,
			 sg_map_names[i], strerror(-ret));
		return ret;
	}
	sg_pin_remove(d->pin_dir_fd, sg_map_names[i]);
	return 0;
}

/* Reuse each pinned map: sg_state_open checked them all. */
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
			ret = sg_resized(d, i, pinned->fds[i], have.max_entries,
					 bpf_map__max_entries(map), err, len);
			if (ret)
				return ret;
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
	bpf_map__set_max_entries(d->skel->maps.sg_bans, d->settings.max_bans);
	bpf_map__set_max_entries(d->skel->maps.sg_counters,
				 (d->settings.n_interfaces + 1) *
					 SG_COUNTERS_PER_SLOT);
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
	if (!ret)
		ret = sg_carry_bans_write(d);
	if (ret)
		snprintf(err, len, "opening maps: %s", strerror(-ret));
	return ret;
}

/* A seed nobody outside can guess: first sightings, the ban filter. */
static __u32 sg_new_seed(void)
{
	__u32 seed = 0;

	while (!seed)
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = (__u32)time(NULL) ^ (__u32)getpid();
	return seed;
}

static bool sg_member_bans(const struct sg_settings *s)
{
	unsigned int i;

	for (i = 0; i < s->n_sets; i++)
		if (s->sets[i].conf.flags & SG_SET_BAN_MEMBER)
			return true;
	return false;
}

/* What a reload did to the sets, in one line. */
static void sg_log_sets(struct sg_daemon *d, const struct sg_settings *s,
			const struct sg_sets_report *rep)
{
	char line[768];
	size_t o = 0;
	unsigned int i, id, n = SG_SET_FIRST_NAMED + s->n_sets;

	for (i = 0; i < n && o < sizeof(line) - 64; i++) {
		id = rep->ids[i];
		if (!rep->added[id] && !rep->removed[id])
			continue;
		o += snprintf(line + o, sizeof(line) - o,
			      "%s%s +%zu -%zu (%zu -> %zu)", o ? ", " : "",
			      sg_settings_set_name(s, i), rep->added[id],
			      rep->removed[id], rep->before[id],
			      rep->after[id]);
	}
	if (o)
		sg_log(d, "info", "sets: %s entries%s", line,
		       rep->runtime_kept ? " (runtime additions kept)" : "");
	if (rep->runtime_shadowed)
		sg_log(d, "info",
		       "sets: %zu entries added by commands are now in a file",
		       rep->runtime_shadowed);
	if (rep->dropped)
		sg_log(d, "warning",
		       "sets: %zu entries of sets no longer in the config removed",
		       rep->dropped);
}

/* The runtime config want, keeping what belongs to the live state. */
static void sg_live_config(struct sg_daemon *d, const struct sg_config *want,
			   const struct sg_config *old, struct sg_config *cfg)
{
	unsigned int k;

	*cfg = *want;
	cfg->abi_version = SG_ABI_VERSION;
	cfg->generation = old->generation + 1;
	cfg->time_offset_ns = old->time_offset_ns;
	cfg->hash_seed = old->hash_seed ? old->hash_seed : sg_new_seed();
	cfg->ban_filter_half = old->ban_filter_half;
	cfg->flags =
		(cfg->flags & ~SG_FLAG_LEVEL_ON(0) & ~SG_FLAG_LEVEL_ON(1)) |
		sg_config_level_flags(want) |
		(old->flags & SG_FLAG_FIXED_CLOCK);
	if (d->mode_override >= 0)
		cfg->mode = d->mode_override;
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
		cfg->fleet_report[k] =
			__atomic_load_n(&d->fleet_report[k], __ATOMIC_ACQUIRE);
}

/*
 * A profile switch: the runtime config alone, in one map update (the
 * sets and services stay as they are). The lock is held by the caller.
 */
static int sg_write_config(struct sg_daemon *d, const struct sg_settings *s,
			   const struct sg_config *want)
{
	struct sg_config cfg, old = {};

	sg_config_read(&d->st, &old);
	sg_live_config(d, want, &old, &cfg);
	return sg_config_write(&d->st, &cfg);
}

int sg_daemon_write_config(struct sg_daemon *d, const struct sg_settings *s,
			   const struct sg_config *want, char *err, size_t len)
{
	int ret = sg_state_lock(&d->st, 5000);

	if (ret == -EBUSY) {
		snprintf(err, len, "%s is locked by another command",
			 d->st.pin_dir);
		return ret;
	}
	if (!ret)
		ret = sg_write_config(d, s, want);
	if (!ret)
		ret = sg_bans_sync_levels(&d->st, sg_member_bans(s));
	if (ret)
		snprintf(err, len, "writing the runtime config: %s",
			 strerror(-ret));
	close(d->st.lock_fd);
	d->st.lock_fd = -1;
	return ret;
}

/* Write settings to the maps; sets come from their files when named. */
int sg_daemon_apply(struct sg_daemon *d, const struct sg_settings *s, char *err,
		    size_t len)
{
	struct sg_set_item *files = NULL;
	struct sg_sets_report *rep = calloc(1, sizeof(*rep));
	struct sg_notes notes = {};
	size_t n_files = 0;
	int ret;

	/* Read every file before changing anything. */
	ret = rep ? sg_settings_read_sets(s, &files, &n_files, &notes, err, len)
		  : -ENOMEM;
	if (notes.count)
		sg_log(d, "warning", "%s%s", notes.first,
		       notes.count > 1 ? " (and more IPv4-mapped entries)"
				       : "");
	if (ret) {
		free(rep);
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	/* A private, unpinned copy (replay) has no directory to lock. */
	ret = d->st.dir_fd < 0 ? 0 : sg_state_lock(&d->st, 5000);
	if (ret == -EBUSY)
		snprintf(err, len, "%s is locked by another command",
			 d->st.pin_dir);
	if (!ret) {
		ret = sg_services_apply(&d->st, s);
		/* The profile the schedule (or a hand) picks in s, if any. */
		if (!ret)
			ret = sg_write_config(d, s,
					      sg_profiles_effective(d, s));
		if (!ret)
			ret = sg_sets_apply(&d->st, s, files, n_files, rep);
		if (!ret)
			sg_log_sets(d, s, rep);
		if (!ret)
			ret = sg_bans_sync_levels(&d->st, sg_member_bans(s));
		if (ret)
			snprintf(err, len, "writing settings: %s",
				 strerror(-ret));
		if (d->st.lock_fd >= 0)
			close(d->st.lock_fd);
		d->st.lock_fd = -1;
	}
	free(files);
	free(rep);
	return ret;
}

static __u64 sg_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sg_daemon_record_start(struct sg_daemon *d)
{
	struct sg_daemon_info info = {};
	char path[PATH_MAX];

	info.pid = (__u64)getpid();
	info.started_unix_ns = sg_unix_ns();
	if (d->config_path)
		snprintf(info.config_path, sizeof(info.config_path), "%.*s",
			 (int)sizeof(info.config_path) - 1,
			 realpath(d->config_path, path) ? path
							: d->config_path);
	snprintf(info.metrics_listen, sizeof(info.metrics_listen), "%.*s",
		 (int)sizeof(info.metrics_listen) - 1,
		 d->settings.metrics_listen);
	snprintf(info.state_dir, sizeof(info.state_dir), "%.*s",
		 (int)sizeof(info.state_dir) - 1, d->settings.state_dir);
	info.last_reload_ok = 1;
	if (sg_daemon_info_write(&d->st, &info))
		sg_log(d, "warning", "recording the daemon in %s/sg_daemon: %s",
		       d->st.pin_dir, strerror(errno));
}

void sg_daemon_record_reload(struct sg_daemon *d, bool ok, const char *err)
{
	struct sg_daemon_info info = {};

	if (sg_daemon_info_read(&d->st, &info))
		return;
	info.last_reload_unix_ns = sg_unix_ns();
	info.last_reload_ok = ok;
	info.reloads++;
	snprintf(info.last_reload_error, sizeof(info.last_reload_error), "%.*s",
		 (int)sizeof(info.last_reload_error) - 1, ok ? "" : err);
	snprintf(info.metrics_listen, sizeof(info.metrics_listen), "%.*s",
		 (int)sizeof(info.metrics_listen) - 1,
		 d->settings.metrics_listen);
	sg_daemon_info_write(&d->st, &info);
}
