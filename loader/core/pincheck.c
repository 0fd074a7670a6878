// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What sg_state_open checks beyond the maps it opens by name: the inner
 * maps of the maps-of-maps (pinned by the set code, or in a slot), the
 * links, and the entries of the pin directory slotguard did not make,
 * which `status` reports. Expectations come from the compiled object.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pincheck.h"
#include "pins.h"

#define SG_INNER_SEEN_MAX 64
#define SG_OUTER_KEY_MAX  64

int sg_state_check_map(const struct sg_state *st, const char *name,
		       const char *what, int fd, const struct bpf_map *want,
		       bool check_max, char *why, size_t why_len, char *err,
		       size_t err_len)
{
	struct sg_map_shape have, exp;
	int kind = sg_fd_kind(fd), ret;

	if (kind != SG_PIN_MAP) {
		snprintf(why, why_len, "a BPF %s, not a map",
			 sg_pin_kind_name(kind));
		snprintf(err, err_len,
			 "%s/%s: %s: not made by this slotguard; not touched "
			 "(remove it if no slotguard runs here)",
			 st->pin_dir, name, why);
		return -EPROTO;
	}
	ret = sg_map_shape_fd(fd, &have);
	if (ret) {
		snprintf(why, why_len, "%s", strerror(-ret));
		snprintf(err, err_len, "%s/%s: %s", st->pin_dir, name, why);
		return ret;
	}
	sg_map_shape_of(want, &exp);
	ret = sg_map_shape_cmp(&have, &exp, check_max, why, why_len);
	if (ret)
		snprintf(err, err_len,
			 "%s/%s: %s does not match this slotguard (%s); not "
			 "touched: stop the daemon that made it and remove %s",
			 st->pin_dir, name, what, why, st->pin_dir);
	return ret;
}

typedef int (*sg_entry_fn)(int dir_fd, const char *name, void *arg);

/* fn for every entry of the pin directory but "." and "..". */
static int sg_scan(int dir_fd, sg_entry_fn fn, void *arg)
{
	struct dirent *e;
	DIR *dir;
	int fd, ret = 0;

	/* A fresh open file: readdir's position is its own. */
	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = fn(dir_fd, e->d_name, arg);
	closedir(dir);
	return ret;
}

/* ---- inner maps ------------------------------------------------------ */

struct sg_inner_check {
	const struct sg_state *st;
	struct bpf_object *obj;
	__u32 ids[SG_INNER_SEEN_MAX]; /* pinned inner maps found fit */
	unsigned int n_ids;
	char *err;
	size_t err_len;
};

/* The template every inner map of the outer map i must match, or NULL. */
static struct bpf_map *sg_inner_template(struct bpf_object *obj, unsigned int i)
{
	struct bpf_map *outer;

	outer = bpf_object__find_map_by_name(obj, sg_map_names[i]);
	if (!outer || (bpf_map__type(outer) != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
		       bpf_map__type(outer) != BPF_MAP_TYPE_HASH_OF_MAPS))
		return NULL;
	return bpf_map__inner_map(outer);
}

/* A pin the set code names: a map of its outer map's inner shape. */
static int sg_inner_pin(int dir_fd, const char *name, void *arg)
{
	struct sg_inner_check *c = arg;
	const struct sg_state *st = c->st;
	int owner = sg_sets_pin_owner(name), fd, ret;
	struct sg_map_shape have;
	struct bpf_map *tmpl;
	char what[64], why[SG_ERR_LEN / 2];

	/* Checked even without its outer map: a list swap may write it. */
	if (owner < 0 || owner >= SG_MAP_COUNT)
		return 0;
	tmpl = sg_inner_template(c->obj, owner);
	if (!tmpl)
		return 0;
	fd = sg_pin_get(dir_fd, name);
	if (fd == -ENOENT)
		return 0; /* renamed away by a list swap meanwhile */
	if (fd < 0)
		return sg_pin_error(dir_fd, st->pin_dir, name, fd, c->err,
				    c->err_len);
	snprintf(what, sizeof(what), "inner map of %s", sg_map_names[owner]);
	ret = sg_state_check_map(st, name, what, fd, tmpl, true, why,
				 sizeof(why), c->err, c->err_len);
	if (!ret && !sg_map_shape_fd(fd, &have) && c->n_ids < SG_INNER_SEEN_MAX)
		c->ids[c->n_ids++] = have.id;
	close(fd);
	return ret;
}

static bool sg_inner_seen(const struct sg_inner_check *c, __u32 id)
{
	unsigned int i;

	for (i = 0; i < c->n_ids; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

/* A map in a slot that no checked pin holds: open it by id and check it. */
static int sg_inner_unpinned(const struct sg_state *st, unsigned int i,
			     __u32 id, const struct bpf_map *tmpl,
			     struct sg_inner_check *c)
{
	char name[96], what[64], why[SG_ERR_LEN / 2];
	int fd, ret;

	snprintf(name, sizeof(name), "%s (map id %u in a slot)",
		 sg_map_names[i], id);
	fd = bpf_map_get_fd_by_id(id); /* CAP_SYS_ADMIN */
	if (fd < 0) {
		ret = -errno;
		snprintf(
			c->err, c->err_len,
			"%s/%s: not pinned here, and cannot be opened to check "
			"it (%s)",
			st->pin_dir, name, strerror(-ret));
		return ret;
	}
	snprintf(what, sizeof(what), "inner map of %s", sg_map_names[i]);
	ret = sg_state_check_map(st, name, what, fd, tmpl, true, why,
				 sizeof(why), c->err, c->err_len);
	close(fd);
	return ret;
}

static int sg_inner_slots(const struct sg_state *st, unsigned int i,
			  const struct bpf_map *tmpl, struct sg_inner_check *c)
{
	__u8 key[SG_OUTER_KEY_MAX], next[SG_OUTER_KEY_MAX];
	struct sg_map_shape outer;
	void *prev = NULL;
	__u32 id;
	int ret;

	ret = sg_map_shape_fd(st->fds[i], &outer);
	if (!ret && outer.key_size > SG_OUTER_KEY_MAX)
		ret = -E2BIG;
	while (!ret && !bpf_map_get_next_key(st->fds[i], prev, next)) {
		if (!bpf_map_lookup_elem(st->fds[i], next, &id)) {
			if (!sg_inner_seen(c, id))
				ret = sg_inner_unpinned(st, i, id, tmpl, c);
		} else if (errno != ENOENT) {
			ret = -errno;
		}
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	if (!ret && errno != ENOENT)
		ret = -errno;
	if (ret && !c->err[0])
		snprintf(c->err, c->err_len, "%s/%s: %s", st->pin_dir,
			 sg_map_names[i], strerror(-ret));
	return ret;
}

int sg_state_check_inner(const struct sg_state *st, struct bpf_object *obj,
			 char *err, size_t err_len)
{
	struct sg_inner_check c = {
		.st = st, .obj = obj, .err = err, .err_len = err_len
	};
	struct bpf_map *tmpl;
	unsigned int i;
	int ret;

	err[0] = '\0';
	ret = sg_scan(st->dir_fd, sg_inner_pin, &c);
	for (i = 0; i < SG_MAP_COUNT && !ret; i++) {
		tmpl = sg_inner_template(obj, i);
		if (tmpl && st->fds[i] >= 0)
			ret = sg_inner_slots(st, i, tmpl, &c);
	}
	if (ret && !err[0])
		snprintf(err, err_len, "%s: %s", st->pin_dir, strerror(-ret));
	return ret;
}

/* ---- strays ---------------------------------------------------------- */

struct sg_stray_walk {
	void (*fn)(const char *name, int kind, void *arg);
	void *arg;
};

/* Names slotguard pins under, each with the kind it pins there. */
static bool sg_pin_is_ours(const char *name, int kind)
{
	unsigned int i;

	for (i = 0; i < SG_MAP_COUNT; i++)
		if (!strcmp(name, sg_map_names[i]))
			return kind == SG_PIN_MAP;
	if (!strcmp(name, SG_PIN_DAEMON_DIR))
		return kind == SG_PIN_DIR;
	if (!strncmp(name, SG_PIN_LINK_PREFIX, strlen(SG_PIN_LINK_PREFIX)))
		return kind == SG_PIN_LINK;
	return sg_sets_pin_owner(name) >= 0 && kind == SG_PIN_MAP;
}

static int sg_stray_visit(int dir_fd, const char *name, void *arg)
{
	struct sg_stray_walk *w = arg;
	int kind = sg_pin_kind(dir_fd, name);

	if (kind >= 0 && !sg_pin_is_ours(name, kind))
		w->fn(name, kind, w->arg);
	return 0;
}

int sg_state_strays(const struct sg_state *st,
		    void (*fn)(const char *name, int kind, void *arg),
		    void *arg)
{
	struct sg_stray_walk w = { fn, arg };

	if (st->dir_fd < 0)
		return 0;
	return sg_scan(st->dir_fd, sg_stray_visit, &w);
}

/* Removes a pin slotguard made; links and strays stay. */
static int sg_unpin_visit(int dir_fd, const char *name, void *arg)
{
	int kind = sg_pin_kind(dir_fd, name);

	(void)arg;
	if (kind < 0 || kind == SG_PIN_LINK || !sg_pin_is_ours(name, kind))
		return 0;
	unlinkat(dir_fd, name, kind == SG_PIN_DIR ? AT_REMOVEDIR : 0);
	return 0;
}

int sg_pins_unpin(int dir_fd)
{
	return dir_fd < 0 ? -EBADF : sg_scan(dir_fd, sg_unpin_visit, NULL);
}

/* ---- links ----------------------------------------------------------- */

/* The program the link holds, where it can be read, is ours. */
static int sg_link_prog_check(const struct sg_state *st, const char *name,
			      __u32 prog_id, char *err, size_t err_len)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id), ret = 0;

	if (fd < 0)
		return 0; /* no CAP_SYS_ADMIN: the link type is all we know */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.type != BPF_PROG_TYPE_XDP ||
		 strncmp(info.name, st->prog_name, sizeof(info.name) - 1))
		ret = -EPROTO;
	close(fd);
	if (ret == -EPROTO)
		snprintf(err, err_len,
			 "%s/%s: the link holds program %u '%s', not this "
			 "slotguard's XDP program '%s'; not touched (remove "
			 "the link if it is not needed)",
			 st->pin_dir, name, prog_id, info.name, st->prog_name);
	else if (ret)
		snprintf(err, err_len, "%s/%s: program %u: %s", st->pin_dir,
			 name, prog_id, strerror(-ret));
	return ret;
}

int sg_state_link_open(const struct sg_state *st, const char *name, int *fd,
		       struct bpf_link_info *info, char *err, size_t err_len)
{
	__u32 len = sizeof(*info);
	const char *type;
	int kind, ret;

	*fd = sg_pin_get(st->dir_fd, name);
	if (*fd == -ENOENT)
		return -ENOENT;
	if (*fd < 0)
		return sg_pin_error(st->dir_fd, st->pin_dir, name, *fd, err,
				    err_len);
	kind = sg_fd_kind(*fd);
	memset(info, 0, sizeof(*info));
	if (kind != SG_PIN_LINK) {
		snprintf(err, err_len,
			 "%s/%s: a BPF %s, not a link: not made by this "
			 "slotguard; not touched (remove it if no slotguard "
			 "runs here)",
			 st->pin_dir, name, sg_pin_kind_name(kind));
		ret = -EPROTO;
	} else if (bpf_obj_get_info_by_fd(*fd, info, &len)) {
		ret = -errno;
		snprintf(err, err_len, "%s/%s: %s", st->pin_dir, name,
			 strerror(-ret));
	} else if (info->type != BPF_LINK_TYPE_XDP) {
		type = libbpf_bpf_link_type_str(info->type);
		snprintf(err, err_len,
			 "%s/%s: a %s link, not an XDP link: not made by this "
			 "slotguard; not touched",
			 st->pin_dir, name, type ? type : "unknown");
		ret = -EPROTO;
	} else {
		ret = sg_link_prog_check(st, name, info->prog_id, err, err_len);
	}
	if (ret) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}
