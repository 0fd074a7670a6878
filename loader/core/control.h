/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Commands that ask the running daemon to do something (apply, confirm,
 * cancel, profile activate and auto) leave a request in its state
 * directory, send SIGUSR1, and wait for the result the daemon leaves
 * there. The state directory is the daemon user's and mode 0700: only
 * whoever may change what slotguard drops can write a request.
 * Also the small JSON files the daemon keeps there (apply.json,
 * profile.json), written atomically.
 */
#ifndef SLOTGUARD_CONTROL_H
#define SLOTGUARD_CONTROL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "sg.h"

#define SG_APPLY_FILE	"apply.json"   /* a change waiting for --confirm */
#define SG_PROFILE_FILE "profile.json" /* the daemon's profiles, as run */

enum sg_control_op {
	SG_OP_APPLY,
	SG_OP_CONFIRM,
	SG_OP_CANCEL,
	SG_OP_PROFILE_ACTIVATE,
	SG_OP_PROFILE_AUTO,
	SG_OP_COUNT,
};

struct sg_control_request {
	int op;			 /* enum sg_control_op */
	__u32 pid, uid;		 /* who asks: names the files */
	__u64 id;		 /* told back in the result */
	char config[PATH_MAX];	 /* apply: the new config, absolute */
	__u64 confirm_within_ns; /* apply */
	char profile[32];	 /* profile activate */
};

enum sg_control_outcome {
	SG_CONTROL_OK,
	SG_CONTROL_INVALID, /* bad input: the config refused (exit 2) */
	SG_CONTROL_FAILED,  /* nothing to confirm, maps unwritable (exit 1) */
};

struct sg_control_result {
	__u64 id;
	int outcome; /* enum sg_control_outcome */
	char message[SG_ERR_LEN];
	__u64 deadline_unix_ns; /* apply: when it rolls back */
};

const char *sg_control_op_name(int op); /* "apply", "confirm", ... */
/* DIR/request.PID.json; 0 or -errno. */
int sg_control_request_write(const char *dir,
			     const struct sg_control_request *r);
/* The oldest request left in dir, taken (removed): 0, -ENOENT. */
int sg_control_request_take(const char *dir, struct sg_control_request *r);
int sg_control_result_write(const char *dir, __u32 pid,
			    const struct sg_control_result *r);
/* The result for (pid, id), taken: 0, or -ENOENT while none. */
int sg_control_result_take(const char *dir, __u32 pid, __u64 id,
			   struct sg_control_result *r);

/* DIR/NAME written whole (temporary file, fsync, rename), mode 0600. */
int sg_json_file_write(const char *dir, const char *name,
		       struct json_object *o);
/* DIR/NAME parsed: 0, -ENOENT, or -EINVAL when it is not JSON. */
int sg_json_file_read(const char *dir, const char *name,
		      struct json_object **out);
/* DIR/NAME's bytes, NUL-terminated, at most 1 MiB: 0 or -errno. */
int sg_file_text(const char *path, char **text, size_t *len);
/*
 * sg_settings_load from text held in memory (a saved copy of a config);
 * path names it in messages and anchors its relative paths.
 */
int sg_settings_load_text(const char *path, const char *text,
			  struct sg_settings *s, char *err, size_t err_len);
/* Members of a JSON object, "" / 0 when absent. */
const char *sg_json_str(struct json_object *o, const char *key);
__u64 sg_json_u64(struct json_object *o, const char *key);

#endif /* SLOTGUARD_CONTROL_H */
