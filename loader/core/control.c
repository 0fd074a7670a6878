// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Requests to the daemon and its answers, as JSON files in its state
 * directory (control.h), and the atomic writes every such file gets.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "control.h"

#define TEXT_MAX (1 << 20)

static const char *const op_names[SG_OP_COUNT] = {
	[SG_OP_APPLY] = "apply",
	[SG_OP_CONFIRM] = "confirm",
	[SG_OP_CANCEL] = "cancel",
	[SG_OP_PROFILE_ACTIVATE] = "profile_activate",
	[SG_OP_PROFILE_AUTO] = "profile_auto",
};

const char *sg_control_op_name(int op)
{
	return op >= 0 && op < SG_OP_COUNT ? op_names[op] : "unknown";
}

const char *sg_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

__u64 sg_json_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v)
						     : 0;
}

int sg_file_text(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(TEXT_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < TEXT_MAX && (r = read(fd, buf + n, TEXT_MAX - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (n == TEXT_MAX) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*text = buf;
	if (len)
		*len = n;
	return 0;
}

int sg_json_file_write(const char *dir, const char *name, struct json_object *o)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, name, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	while (off < len && (w = write(fd, text + off, len - off)) > 0)
		off += (size_t)w;
	if (off < len || write(fd, "\n", 1) != 1 || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int sg_json_file_read(const char *dir, const char *name,
		      struct json_object **out)
{
	char path[PATH_MAX + 64], *text;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = sg_file_text(path, &text, NULL);
	if (ret)
		return ret;
	*out = json_tokener_parse(text);
	free(text);
	return *out && json_object_is_type(*out, json_type_object) ? 0
								   : -EINVAL;
}

int sg_control_request_write(const char *dir,
			     const struct sg_control_request *r)
{
	struct json_object *o = json_object_new_object();
	char name[64];
	int ret;

	json_object_object_add(
		o, "op", json_object_new_string(sg_control_op_name(r->op)));
	json_object_object_add(o, "id", json_object_new_uint64(r->id));
	json_object_object_add(o, "pid", json_object_new_uint64(r->pid));
	json_object_object_add(o, "uid", json_object_new_uint64(r->uid));
	json_object_object_add(o, "config", json_object_new_string(r->config));
	json_object_object_add(o, "confirm_within_ns",
			       json_object_new_uint64(r->confirm_within_ns));
	json_object_object_add(o, "profile",
			       json_object_new_string(r->profile));
	snprintf(name, sizeof(name), "request.%u.json", r->pid);
	ret = sg_json_file_write(dir, name, o);
	json_object_put(o);
	return ret;
}

static int request_from(struct json_object *o, struct sg_control_request *r)
{
	const char *op = sg_json_str(o, "op");
	int i;

	memset(r, 0, sizeof(*r));
	r->op = -1;
	for (i = 0; i < SG_OP_COUNT; i++)
		if (!strcmp(op, op_names[i]))
			r->op = i;
	r->id = sg_json_u64(o, "id");
	r->pid = (__u32)sg_json_u64(o, "pid");
	r->uid = (__u32)sg_json_u64(o, "uid");
	r->confirm_within_ns = sg_json_u64(o, "confirm_within_ns");
	snprintf(r->config, sizeof(r->config), "%s", sg_json_str(o, "config"));
	snprintf(r->profile, sizeof(r->profile), "%s",
		 sg_json_str(o, "profile"));
	return r->op < 0 || !r->pid ? -EINVAL : 0;
}

int sg_control_request_take(const char *dir, struct sg_control_request *r)
{
	struct json_object *o = NULL;
	struct dirent *e;
	unsigned int pid;
	char name[64], tail[8], path[PATH_MAX + 64];
	int ret = -ENOENT;
	DIR *dh = opendir(dir);

	if (!dh)
		return -errno;
	while (ret == -ENOENT && (e = readdir(dh))) {
		if (sscanf(e->d_name, "request.%u.%7s", &pid, tail) != 2 ||
		    strcmp(tail, "json"))
			continue;
		snprintf(name, sizeof(name), "request.%u.json", pid);
		ret = sg_json_file_read(dir, name, &o);
		if (!ret)
			ret = request_from(o, r);
		json_object_put(o);
		o = NULL;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
		if (ret == -EINVAL) /* not a request we can answer: drop it */
			ret = -ENOENT;
	}
	closedir(dh);
	return ret;
}

int sg_control_result_write(const char *dir, __u32 pid,
			    const struct sg_control_result *r)
{
	struct json_object *o = json_object_new_object();
	char name[64];
	int ret;

	json_object_object_add(o, "id", json_object_new_uint64(r->id));
	json_object_object_add(o, "outcome", json_object_new_int(r->outcome));
	json_object_object_add(o, "message",
			       json_object_new_string(r->message));
	json_object_object_add(o, "deadline_unix_ns",
			       json_object_new_uint64(r->deadline_unix_ns));
	snprintf(name, sizeof(name), "result.%u.json", pid);
	ret = sg_json_file_write(dir, name, o);
	json_object_put(o);
	return ret;
}

int sg_control_result_take(const char *dir, __u32 pid, __u64 id,
			   struct sg_control_result *r)
{
	struct json_object *o = NULL;
	char name[64], path[PATH_MAX + 64];
	int ret;

	snprintf(name, sizeof(name), "result.%u.json", pid);
	ret = sg_json_file_read(dir, name, &o);
	if (ret == -EINVAL) /* caught while the daemon renames it in */
		ret = -ENOENT;
	if (!ret && sg_json_u64(o, "id") != id)
		ret = -ENOENT; /* an older answer to this pid */
	if (!ret) {
		memset(r, 0, sizeof(*r));
		r->id = id;
		r->outcome = (int)sg_json_u64(o, "outcome");
		snprintf(r->message, sizeof(r->message), "%s",
			 sg_json_str(o, "message"));
		r->deadline_unix_ns = sg_json_u64(o, "deadline_unix_ns");
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
	}
	json_object_put(o);
	return ret;
}
