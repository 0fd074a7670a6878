// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pin directory as a directory fd: reached from "/" one component at a
 * time without following a symlink, on bpffs, and every object under it
 * opened, pinned or removed relative to that fd, never by following a link.
 * Plus the shape of a map (type, sizes, flags) and of a pinned link, which
 * state.c compares with what the compiled object expects.
 */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sg.h"
#include "pins.h"

/* What a symlink at path points to, for the message that refuses it. */
static void sg_symlink_error(int parent_fd, const char *name, const char *path,
			     char *err, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(parent_fd, name, target, sizeof(target) - 1);

	target[n > 0 ? n : 0] = '\0';
	snprintf(err, len,
		 "%s is a symlink (to %s): refusing to follow it; name the "
		 "directory itself, or remove the link",
		 path, n > 0 ? target : "?");
}

/* 1 if name under parent_fd is a symlink, 0 if not (or absent). */
static int sg_is_symlink(int parent_fd, const char *name)
{
	struct stat sb;

	return !fstatat(parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) &&
	       S_ISLNK(sb.st_mode);
}

/* One step down: name under fd, a directory and no symlink. */
static int sg_walk_step(int fd, const char *name, const char *path, bool create,
			char *err, size_t len)
{
	int next =
		openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;

	if (next < 0 && e == ENOENT && create) {
		if (mkdirat(fd, name, 0700) && errno != EEXIST) {
			e = errno;
			snprintf(err, len, "%s: %s", path, strerror(e));
			return -e;
		}
		next = openat(fd, name,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		e = errno;
	}
	if (next >= 0)
		return next;
	if (sg_is_symlink(fd, name)) {
		sg_symlink_error(fd, name, path, err, len);
		return -ELOOP;
	}
	snprintf(err, len, "%s: %s", path, strerror(e));
	return -e;
}

/* path's directory as an O_PATH fd, no symlink followed on the way. */
static int sg_walk(const char *path, bool create_last, int *out, char *err,
		   size_t len)
{
	char buf[PATH_MAX], shown[PATH_MAX], *name, *save = NULL;
	size_t at;
	int fd, next;
	bool last;

	if (path[0] != '/' || strlen(path) >= sizeof(buf)) {
		snprintf(err, len, "%s: not an absolute path", path);
		return -EINVAL;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	strcpy(buf, path);
	for (name = strtok_r(buf, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		at = (size_t)(name - buf) + strlen(name);
		last = strspn(path + at, "/") == strlen(path + at);
		/* Messages name the path up to this component. */
		snprintf(shown, sizeof(shown), "%.*s", (int)at, path);
		next = sg_walk_step(fd, name, shown, create_last && last, err,
				    len);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	*out = fd;
	return 0;
}

int sg_pin_dir_open(const char *dir, bool create, int *dir_fd, char *err,
		    size_t len)
{
	struct statfs fs;
	int fd, ret;

	*dir_fd = -1;
	ret = sg_walk(dir, create, &fd, err, len);
	if (ret)
		return ret;
	*dir_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = *dir_fd < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(err, len, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (fstatfs(*dir_fd, &fs) || fs.f_type != BPF_FS_MAGIC) {
		snprintf(err, len,
			 "%s is not on a BPF filesystem (mount -t bpf bpf "
			 "/sys/fs/bpf)",
			 dir);
		close(*dir_fd);
		*dir_fd = -1;
		return -EINVAL;
	}
	return 0;
}

int sg_pin_dir_remove(const char *dir, char *err, size_t len)
{
	char parent[PATH_MAX], *base;
	int fd, ret;

	snprintf(parent, sizeof(parent), "%s", dir);
	while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/')
		parent[strlen(parent) - 1] = '\0';
	base = strrchr(parent, '/');
	if (!base || !base[1])
		return -EINVAL;
	*base++ = '\0';
	ret = sg_walk(parent[0] ? parent : "/", false, &fd, err, len);
	if (ret)
		return ret;
	ret = unlinkat(fd, base, AT_REMOVEDIR) ? -errno : 0;
	if (ret)
		snprintf(err, len, "%s: %s", dir, strerror(-ret));
	close(fd);
	return ret;
}

/*
 * The kernel resolves PATH for BPF_OBJ_GET/PIN; through the directory fd's
 * /proc link no component of the pin directory is looked up by name again.
 */
static void sg_pin_path(int dir_fd, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", dir_fd, name);
}

int sg_pin_get(int dir_fd, const char *name)
{
	char path[64 + NAME_MAX];
	int fd;

	if (sg_is_symlink(dir_fd, name))
		return -ELOOP;
	sg_pin_path(dir_fd, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int sg_pin_put(int dir_fd, int fd, const char *name)
{
	char path[64 + NAME_MAX];

	sg_pin_path(dir_fd, name, path, sizeof(path));
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

int sg_pin_remove(int dir_fd, const char *name)
{
	return unlinkat(dir_fd, name, 0) ? -errno : 0;
}

int sg_pin_rename(int dir_fd, const char *from, const char *to)
{
	return renameat(dir_fd, from, dir_fd, to) ? -errno : 0;
}

int sg_fd_kind(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (!strcmp(target, "anon_inode:bpf-map"))
		return SG_PIN_MAP;
	if (!strcmp(target, "anon_inode:bpf-prog"))
		return SG_PIN_PROG;
	/* "bpf_link" before Linux 6.x renamed it "bpf-link" */
	if (!strcmp(target, "anon_inode:bpf-link") ||
	    !strcmp(target, "anon_inode:bpf_link"))
		return SG_PIN_LINK;
	return SG_PIN_OTHER;
}

int sg_pin_kind(int dir_fd, const char *name)
{
	struct stat sb;
	int fd, kind;

	if (fstatat(dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISLNK(sb.st_mode))
		return SG_PIN_SYMLINK;
	if (S_ISDIR(sb.st_mode))
		return SG_PIN_DIR;
	fd = sg_pin_get(dir_fd, name);
	if (fd < 0)
		return SG_PIN_OTHER;
	kind = sg_fd_kind(fd);
	close(fd);
	return kind;
}

int sg_pin_error(int dir_fd, const char *dir, const char *name, int ret,
		 char *err, size_t len)
{
	char path[PATH_MAX + NAME_MAX + 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (sg_is_symlink(dir_fd, name))
		sg_symlink_error(dir_fd, name, path, err, len);
	else
		snprintf(err, len, "%s: %s", path, strerror(-ret));
	return ret;
}

const char *sg_pin_kind_name(int kind)
{
	static const char *const names[] = {
		[SG_PIN_MAP] = "map",	      [SG_PIN_PROG] = "program",
		[SG_PIN_LINK] = "link",	      [SG_PIN_DIR] = "directory",
		[SG_PIN_SYMLINK] = "symlink", [SG_PIN_OTHER] = "other",
	};

	return kind >= 0 && kind <= SG_PIN_OTHER ? names[kind] : "other";
}

/* ---- shapes ------------------------------------------------------------ */

void sg_map_shape_of(const struct bpf_map *map, struct sg_map_shape *s)
{
	s->type = bpf_map__type(map);
	s->key_size = bpf_map__key_size(map);
	s->value_size = bpf_map__value_size(map);
	s->max_entries = bpf_map__max_entries(map);
	s->flags = bpf_map__map_flags(map);
	s->id = 0;
}

int sg_map_shape_fd(int fd, struct sg_map_shape *s)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	s->type = info.type;
	s->key_size = info.key_size;
	s->value_size = info.value_size;
	s->max_entries = info.max_entries;
	s->flags = info.map_flags;
	s->id = info.id;
	return 0;
}

static const char *sg_map_type_name(__u32 type)
{
	const char *name = libbpf_bpf_map_type_str(type);

	return name ? name : "unknown";
}

/* Appends ", what" to buf; the first goes without the comma. */
static void sg_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sg_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < len) {
		strcpy(buf + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

int sg_map_shape_cmp(const struct sg_map_shape *have,
		     const struct sg_map_shape *want, bool check_max, char *why,
		     size_t len)
{
	bool other = false;

	why[0] = '\0';
	if (have->type != want->type) {
		sg_add(why, len, "type %s, expected %s",
		       sg_map_type_name(have->type),
		       sg_map_type_name(want->type));
		other = true;
	}
	if (have->key_size != want->key_size) {
		sg_add(why, len, "key %u bytes, expected %u", have->key_size,
		       want->key_size);
		other = true;
	}
	if (have->value_size != want->value_size) {
		sg_add(why, len, "value %u bytes, expected %u",
		       have->value_size, want->value_size);
		other = true;
	}
	if (have->flags != want->flags) {
		sg_add(why, len, "flags 0x%x, expected 0x%x", have->flags,
		       want->flags);
		other = true;
	}
	if (check_max && have->max_entries != want->max_entries)
		sg_add(why, len, "max_entries %u, expected %u",
		       have->max_entries, want->max_entries);
	if (other)
		return -EPROTO;
	return why[0] ? -ERANGE : 0;
}
