// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The state file (STATE_DIR/state.json): what must outlive the pins when
 * the daemon stops and detaches — every ban (live, or expired and still
 * remembered for escalation) with its times, offences, reason and note,
 * and every set entry a command added. Times are kept on the wall clock,
 * since the sg clock (CLOCK_MONOTONIC + offset) starts again at boot.
 * Written whole to a temporary file and renamed over the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "sg.h"
#include "statefile.h"

#define SG_STATE_FORMAT	 "slotguard-state"
#define SG_STATE_VERSION 1

static __u64 sg_unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A time on the sg clock as wall-clock ns, or back; 0 stays "never". */
static __u64 sg_to_unix(__u64 at_sg, __u64 now_sg, __u64 now_unix)
{
	__s64 v = (__s64)now_unix + ((__s64)at_sg - (__s64)now_sg);

	return at_sg && v > 0 ? (__u64)v : 0;
}

static int sg_saved_entries(const struct sg_state *st,
			    struct sg_saved_state *out)
{
	struct sg_set_item *items = NULL;
	struct sg_set_conf conf;
	size_t n = 0, i;
	int ret = sg_sets_dump(st, &items, &n);

	out->entries = ret ? NULL : calloc(n + 1, sizeof(*out->entries));
	if (!ret && !out->entries)
		ret = -ENOMEM;
	for (i = 0; !ret && i < n; i++) {
		if (!(items[i].flags & SG_ENTRY_RUNTIME) ||
		    sg_set_conf_read(st, items[i].set, &conf))
			continue;
		if (items[i].set < SG_LIST_COUNT)
			snprintf(conf.name, sizeof(conf.name), "%s",
				 sg_list_name(items[i].set));
		if (!conf.name[0])
			continue;
		out->entries[out->n_entries].cidr = items[i].cidr;
		out->entries[out->n_entries].added_unix_ns = items[i].added_ns;
		memcpy(out->entries[out->n_entries++].set, conf.name,
		       SG_SET_NAME_LEN);
	}
	free(items);
	return ret;
}

int sg_saved_state_collect(const struct sg_state *st,
			   struct sg_saved_state *out)
{
	__u64 now_sg = sg_state_now(st), now_unix = sg_unix_now_ns();
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->written_unix_ns = now_unix;
	ret = sg_ban_dump(st, &out->bans, &out->n_bans);
	for (i = 0; !ret && i < out->n_bans; i++) {
		struct sg_ban *b = &out->bans[i].ban;

		b->since_ns = sg_to_unix(b->since_ns, now_sg, now_unix);
		b->until_ns = sg_to_unix(b->until_ns, now_sg, now_unix);
	}
	if (!ret)
		ret = sg_saved_entries(st, out);
	if (ret)
		sg_saved_state_free(out);
	return ret;
}

void sg_saved_state_free(struct sg_saved_state *s)
{
	free(s->bans);
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

/* ---- JSON ------------------------------------------------------------ */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *ban_json(const struct sg_ban_entry *e)
{
	struct json_object *o = json_object_new_object();
	char prefix[64];

	sg_format_cidr(&e->cidr, prefix, sizeof(prefix));
	add(o, "prefix", json_object_new_string(prefix));
	add(o, "since_unix_ns", json_object_new_uint64(e->ban.since_ns));
	add(o, "until_unix_ns", json_object_new_uint64(e->ban.until_ns));
	add(o, "offences", json_object_new_int(e->ban.offences));
	add(o, "budget", json_object_new_string(sg_reason_name(e->ban.reason)));
	add(o, "flags", json_object_new_int(e->ban.flags));
	add(o, "level", json_object_new_int(e->ban.level));
	add(o, "origin", json_object_new_int(e->ban.origin));
	add(o, "observed_milli", json_object_new_uint64(e->ban.observed_milli));
	add(o, "limit_milli", json_object_new_uint64(e->ban.limit_milli));
	add(o, "note", e->note[0] ? json_object_new_string(e->note) : NULL);
	return o;
}

static struct json_object *state_json(const struct sg_saved_state *s)
{
	struct json_object *root = json_object_new_object(), *arr, *o;
	char prefix[64];
	size_t i;

	add(root, "format", json_object_new_string(SG_STATE_FORMAT));
	add(root, "version", json_object_new_int(SG_STATE_VERSION));
	add(root, "written_unix_ns",
	    json_object_new_uint64(s->written_unix_ns));
	arr = json_object_new_array();
	for (i = 0; i < s->n_bans; i++)
		json_object_array_add(arr, ban_json(&s->bans[i]));
	add(root, "bans", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->n_entries; i++) {
		o = json_object_new_object();
		sg_format_cidr(&s->entries[i].cidr, prefix, sizeof(prefix));
		add(o, "set", json_object_new_string(s->entries[i].set));
		add(o, "prefix", json_object_new_string(prefix));
		add(o, "added_unix_ns",
		    json_object_new_uint64(s->entries[i].added_unix_ns));
		json_object_array_add(arr, o);
	}
	add(root, "entries", arr);
	return root;
}

/* Write all of buf to fd, then make it durable. */
static int sg_write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return fsync(fd) ? -errno : 0;
}

int sg_saved_state_write(const char *dir, const struct sg_saved_state *s,
			 char *err, size_t err_len)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	struct json_object *root = state_json(s);
	const char *text;
	int fd, dfd, ret;

	snprintf(path, sizeof(path), "%s/" SG_STATE_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s/." SG_STATE_FILE ".tmp", dir);
	text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	ret = fd < 0 ? -errno : sg_write_all(fd, text, strlen(text));
	if (fd >= 0)
		close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	json_object_put(root);
	if (ret) {
		snprintf(err, err_len, "%s: %s", fd < 0 ? tmp : path,
			 strerror(-ret));
		unlink(tmp);
		return ret;
	}
	/* The rename itself must survive a crash: sync the directory. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
