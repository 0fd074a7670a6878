// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard apply -c NEW --confirm-within 2m`, as JunOS's commit
 * confirmed: NEW runs through the path of a reload (refused the same way,
 * nothing changed), and unless `apply --confirm` comes before the
 * deadline the daemon goes back to the last confirmed config by itself.
 * It keeps that config's text, not only its path, so that a config edited
 * in place and applied is rolled back to what ran before. While a change
 * is pending, STATE_DIR/apply.json holds both texts and the deadline: a
 * daemon that restarts meanwhile starts with the confirmed one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "apply.h"
#include "core/control.h"
#include "core/jsonv.h"
#include "profiles.h"

#define NS_PER_S      1000000000ULL
#define RETRY_NS      (5 * NS_PER_S)
#define WITHIN_MIN_NS NS_PER_S
#define WITHIN_MAX_NS (86400 * NS_PER_S)

enum apply_result {
	APPLIED,
	CONFIRMED,
	ROLLED_BACK,
	CANCELLED,
	REFUSED,
	RESULT_COUNT,
};
static const char *const result_names[RESULT_COUNT] = {
	"applied", "confirmed", "rolled_back", "cancelled", "refused",
};

struct sg_apply {
	char state_dir[PATH_MAX];
	char confirmed_path[PATH_MAX]; /* "": the built-in defaults */
	char new_path[PATH_MAX];
	char *confirmed_text; /* NULL: the built-in defaults */
	char *running_text;   /* of the config that runs now */
	bool pending, recovered;
	__u64 applied_unix_ns, deadline_unix_ns, retry_unix_ns;
	/* Read by the metrics thread. */
	__u64 counts[RESULT_COUNT];
	__u64 deadline_seen; /* 0: none pending */
};

static __u64 unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

static void count(struct sg_apply *a, int r)
{
	__atomic_add_fetch(&a->counts[r], 1, __ATOMIC_RELAXED);
}

static void time_text(__u64 at_unix_ns, char *buf, size_t len)
{
	sg_log_time(at_unix_ns, buf, len);
}

static char *text_of(const char *path)
{
	char *text = NULL;

	if (!path || sg_file_text(path, &text, NULL))
		return NULL;
	return text;
}

/* The record of the daemon in the pins: its config and the deadline. */
static void record(struct sg_daemon *d)
{
	struct sg_apply *a = d->apply;
	struct sg_daemon_info info;

	__atomic_store_n(&a->deadline_seen,
			 a->pending ? a->deadline_unix_ns : 0,
			 __ATOMIC_RELAXED);
	if (!d->skel || sg_daemon_info_read(&d->st, &info))
		return;
	info.pending_deadline_unix_ns = a->pending ? a->deadline_unix_ns : 0;
	snprintf(info.config_path, sizeof(info.config_path), "%.*s",
		 (int)sizeof(info.config_path) - 1,
		 d->config_path ? d->config_path : "");
	sg_daemon_info_write(&d->st, &info);
}

static void save(struct sg_daemon *d)
{
	struct sg_apply *a = d->apply;
	struct json_object *o;
	char path[PATH_MAX + 16];
	int ret;

	snprintf(path, sizeof(path), "%s/" SG_APPLY_FILE, a->state_dir);
	if (!a->pending) {
		if (unlink(path) && errno != ENOENT)
			sg_log(d, "error", "removing %s: %s", path,
			       strerror(errno));
		record(d);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "format",
			       json_object_new_string("slotguard-apply"));
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "state", json_object_new_string("pending"));
	json_object_object_add(o, "config",
			       json_object_new_string(a->new_path));
	json_object_object_add(
		o, "config_text",
		json_object_new_string(a->running_text ? a->running_text : ""));
	json_object_object_add(o, "confirmed_config",
			       json_object_new_string(a->confirmed_path));
	json_object_object_add(
		o, "confirmed_text",
		a->confirmed_text ? json_object_new_string(a->confirmed_text)
				  : NULL);
	json_object_object_add(o, "applied",
			       sg_json_unix_time(a->applied_unix_ns));
	json_object_object_add(o, "deadline",
			       sg_json_unix_time(a->deadline_unix_ns));
	json_object_object_add(o, "applied_unix_ns",
			       json_object_new_uint64(a->applied_unix_ns));
	json_object_object_add(o, "deadline_unix_ns",
			       json_object_new_uint64(a->deadline_unix_ns));
	ret = sg_json_file_write(a->state_dir, SG_APPLY_FILE, o);
	json_object_put(o);
	if (ret)
		sg_log(d, "error",
		       "writing %s: %s: a restart would not know of the "
		       "pending change",
		       path, strerror(-ret));
	record(d);
}

int sg_apply_prepare(struct sg_daemon *d, const char *state_dir,
		     struct sg_settings *s)
{
	struct sg_apply *a = calloc(1, sizeof(*a));
	struct json_object *o = NULL;
	struct sg_settings *was;
	char err[SG_ERR_LEN], when[40];
	const char *path, *text;

	if (!a)
		return -ENOMEM;
	d->apply = a;
	snprintf(a->state_dir, sizeof(a->state_dir), "%s", state_dir);
	if (d->config_path && !realpath(d->config_path, a->confirmed_path))
		snprintf(a->confirmed_path, sizeof(a->confirmed_path), "%s",
			 d->config_path);
	if (sg_json_file_read(state_dir, SG_APPLY_FILE, &o))
		return 0;
	path = sg_json_str(o, "confirmed_config");
	text = sg_json_str(o, "confirmed_text");
	time_text(sg_json_u64(o, "deadline_unix_ns"), when, sizeof(when));
	was = malloc(sizeof(*was));
	if (strcmp(sg_json_str(o, "state"), "pending") ||
	    strcmp(path, a->confirmed_path) || !was) {
		sg_log(d, "warning",
		       "%s/" SG_APPLY_FILE " is a change over %s, not over "
		       "this run's config: ignored",
		       state_dir, path);
	} else if (!text[0] ? (sg_settings_defaults(was), 0)
			    : sg_settings_load_text(path, text, was, err,
						    sizeof(err))) {
		sg_log(d, "error",
		       "the confirmed config kept in %s/" SG_APPLY_FILE
		       " does not load (%s): starting with %s as it is",
		       state_dir, err, path);
	} else {
		sg_log(d, "warning",
		       "apply: %s was waiting for `slotguard apply --confirm` "
		       "(until %s) when the last daemon stopped: starting "
		       "with the last confirmed config, %s",
		       sg_json_str(o, "config"), when,
		       path[0] ? path : "the built-in defaults");
		*s = *was;
		s->path = d->config_path;
		a->confirmed_text = text[0] ? strdup(text) : NULL;
		a->recovered = true;
		count(a, ROLLED_BACK);
	}
	free(was);
	json_object_put(o);
	return 0;
}

void sg_apply_started(struct sg_daemon *d)
{
	struct sg_apply *a = d->apply;

	if (!a)
		return;
	if (!a->recovered)
		a->confirmed_text = text_of(d->config_path);
	if (a->confirmed_text)
		a->running_text = strdup(a->confirmed_text);
	save(d); /* nothing pending: a rolled-back file goes */
}

void sg_apply_reloaded(struct sg_daemon *d)
{
	struct sg_apply *a = d->apply;
	char when[40];

	if (!a)
		return;
	free(a->running_text);
	a->running_text = text_of(d->config_path);
	if (a->pending) {
		time_text(a->deadline_unix_ns, when, sizeof(when));
		sg_log(d, "warning",
		       "apply: reloaded %s, the pending change; it still "
		       "rolls back to %s at %s unless confirmed",
		       a->new_path,
		       a->confirmed_path[0] ? a->confirmed_path : "defaults",
		       when);
		save(d);
		return;
	}
	free(a->confirmed_text);
	a->confirmed_text = a->running_text ? strdup(a->running_text) : NULL;
}

static void answer(struct sg_control_result *res, int outcome, const char *fmt,
		   const char *a1, const char *a2)
{
	res->outcome = outcome;
	snprintf(res->message, sizeof(res->message), fmt, a1, a2);
}

static void op_apply(struct sg_daemon *d, const struct sg_control_request *q,
		     struct sg_control_result *res)
{
	struct sg_apply *a = d->apply;
	struct sg_settings *s;
	const char *was = d->config_path;
	char err[SG_ERR_LEN], when[40];
	char *text;
	int ret;

	if (a->pending) {
		time_text(a->deadline_unix_ns, when, sizeof(when));
		answer(res, SG_CONTROL_FAILED,
		       "%.300s is pending until %s: confirm it (apply --confirm) "
		       "or cancel it (apply --cancel) first",
		       a->new_path, when);
		return;
	}
	if (q->config[0] != '/' || q->confirm_within_ns < WITHIN_MIN_NS ||
	    q->confirm_within_ns > WITHIN_MAX_NS) {
		answer(res, SG_CONTROL_INVALID,
		       "%.300s: needs an absolute path and a deadline of 1s to "
		       "1d%s",
		       q->config, "");
		return;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		answer(res, SG_CONTROL_FAILED, "out of memory%s%s", "", "");
		return;
	}
	sg_settings_defaults(s);
	text = text_of(q->config);
	ret = sg_settings_load_whole(q->config, s, err, sizeof(err));
	if (ret) {
		sg_daemon_refused(d, "apply", err);
	} else {
		snprintf(a->new_path, sizeof(a->new_path), "%s", q->config);
		d->config_path = a->new_path;
		ret = sg_daemon_switch(d, s, "apply", err, sizeof(err));
		if (ret)
			d->config_path = was;
	}
	free(s);
	if (ret) {
		free(text);
		count(a, REFUSED);
		answer(res,
		       ret == -EINVAL ? SG_CONTROL_INVALID : SG_CONTROL_FAILED,
		       "%s%s", err, "");
		return;
	}
	a->pending = true;
	a->applied_unix_ns = unix_ns();
	a->deadline_unix_ns = a->applied_unix_ns + q->confirm_within_ns;
	a->retry_unix_ns = 0;
	free(a->running_text);
	a->running_text = text;
	save(d);
	count(a, APPLIED);
	time_text(a->deadline_unix_ns, when, sizeof(when));
	sg_log(d, "warning",
	       "apply: running %s (mode %s) until %s: it rolls back to %s "
	       "then unless `slotguard apply --confirm` comes first",
	       a->new_path, sg_mode_name(d->settings.cfg.mode), when,
	       a->confirmed_path[0] ? a->confirmed_path
				    : "the built-in defaults");
	res->outcome = SG_CONTROL_OK;
	res->deadline_unix_ns = a->deadline_unix_ns;
	snprintf(res->message, sizeof(res->message), "%.500s", a->new_path);
}

static void op_confirm(struct sg_daemon *d, struct sg_control_result *res)
{
	struct sg_apply *a = d->apply;

	if (!a->pending) {
		answer(res, SG_CONTROL_FAILED, "no change is pending%s%s", "",
		       "");
		return;
	}
	a->pending = false;
	memcpy(a->confirmed_path, a->new_path, sizeof(a->confirmed_path));
	d->config_path = a->confirmed_path;
	free(a->confirmed_text);
	a->confirmed_text = a->running_text ? strdup(a->running_text) : NULL;
	save(d);
	count(a, CONFIRMED);
	sg_log(d, "info",
	       "apply: %s confirmed: it is the running config (a restart "
	       "reads the file `run -c` names)",
	       a->confirmed_path);
	res->outcome = SG_CONTROL_OK;
	snprintf(res->message, sizeof(res->message), "%.500s",
		 a->confirmed_path);
}

/* Back to the confirmed config: at the deadline, or on --cancel. */
static int roll_back(struct sg_daemon *d, bool cancel, char *err, size_t len)
{
	struct sg_apply *a = d->apply;
	const char *path = a->confirmed_path[0] ? a->confirmed_path : NULL;
	struct sg_settings *s = malloc(sizeof(*s));
	char when[40], *on_disk;
	int ret;

	if (!s)
		return -ENOMEM;
	sg_settings_defaults(s);
	ret = a->confirmed_text
		      ? sg_settings_load_text(path ? path : "(kept)",
					      a->confirmed_text, s, err, len)
		      : 0;
	if (!ret) {
		d->config_path = path;
		ret = sg_daemon_switch(d, s, "rollback", err, len);
	}
	free(s);
	if (ret) {
		d->config_path = a->new_path;
		a->retry_unix_ns = unix_ns() + RETRY_NS;
		sg_log(d, "error",
		       "apply: rolling back to %s failed: %s; still running "
		       "%s, trying again in 5 s",
		       path ? path : "defaults", err, a->new_path);
		return ret;
	}
	a->pending = false;
	free(a->running_text);
	a->running_text = a->confirmed_text ? strdup(a->confirmed_text) : NULL;
	save(d);
	count(a, cancel ? CANCELLED : ROLLED_BACK);
	time_text(a->deadline_unix_ns, when, sizeof(when));
	if (cancel)
		sg_log(d, "warning",
		       "apply: cancelled: rolled back from %s to %s (mode %s)",
		       a->new_path, path ? path : "the built-in defaults",
		       sg_mode_name(d->settings.cfg.mode));
	else
		sg_log(d, "warning",
		       "apply: rolled back from %s to %s (mode %s): the "
		       "deadline %s passed without `slotguard apply --confirm`",
		       a->new_path, path ? path : "the built-in defaults",
		       sg_mode_name(d->settings.cfg.mode), when);
	on_disk = text_of(path);
	if (path && a->confirmed_text &&
	    (!on_disk || strcmp(on_disk, a->confirmed_text)))
		sg_log(d, "warning",
		       "apply: %s on disk is not the confirmed config that "
		       "runs now (changed since): a reload would read it",
		       path);
	free(on_disk);
	return 0;
}

static void op_cancel(struct sg_daemon *d, struct sg_control_result *res)
{
	char err[SG_ERR_LEN];

	if (!d->apply->pending) {
		answer(res, SG_CONTROL_FAILED, "no change is pending%s%s", "",
		       "");
		return;
	}
	if (roll_back(d, true, err, sizeof(err))) {
		answer(res, SG_CONTROL_FAILED, "rolling back: %.480s%s", err,
		       "");
		return;
	}
	res->outcome = SG_CONTROL_OK;
	snprintf(res->message, sizeof(res->message), "%s",
		 d->config_path ? d->config_path : "the built-in defaults");
}

void sg_apply_tick(struct sg_daemon *d)
{
	struct sg_apply *a = d->apply;
	char err[SG_ERR_LEN];
	__u64 now = unix_ns();

	if (!a || !a->pending || now < a->deadline_unix_ns ||
	    now < a->retry_unix_ns)
		return;
	roll_back(d, false, err, sizeof(err));
}

long sg_apply_wake_ms(const struct sg_daemon *d)
{
	const struct sg_apply *a = d->apply;
	__u64 now = unix_ns(), at;

	if (!a || !a->pending)
		return -1;
	at = a->retry_unix_ns > a->deadline_unix_ns ? a->retry_unix_ns
						    : a->deadline_unix_ns;
	return at <= now ? 0 : (long)((at - now + 999999) / 1000000);
}

void sg_control_serve(struct sg_daemon *d)
{
	struct sg_control_request q;
	struct sg_control_result res;
	int n;

	if (!d->apply)
		return;
	for (n = 0; n < 16 && !sg_control_request_take(d->apply->state_dir, &q);
	     n++) {
		memset(&res, 0, sizeof(res));
		res.id = q.id;
		if (q.op == SG_OP_APPLY)
			op_apply(d, &q, &res);
		else if (q.op == SG_OP_CONFIRM)
			op_confirm(d, &res);
		else if (q.op == SG_OP_CANCEL)
			op_cancel(d, &res);
		else
			sg_profiles_request(d, &q, &res);
		if (sg_control_result_write(d->apply->state_dir, q.pid, &res))
			sg_log(d, "warning",
			       "answering `slotguard %s` (pid %u): %s",
			       sg_control_op_name(q.op), q.pid,
			       strerror(errno));
	}
}

void sg_apply_render_metrics(struct sg_daemon *d, FILE *f)
{
	struct sg_apply *a = d->apply;
	__u64 deadline;
	int r;

	if (!a)
		return;
	deadline = __atomic_load_n(&a->deadline_seen, __ATOMIC_RELAXED);
	fprintf(f, "# HELP slotguard_apply_total Changes made with `slotguard "
		   "apply`, by what became of them.\n"
		   "# TYPE slotguard_apply_total counter\n");
	for (r = 0; r < RESULT_COUNT; r++)
		fprintf(f, "slotguard_apply_total{result=\"%s\"} %llu\n",
			result_names[r],
			(unsigned long long)__atomic_load_n(&a->counts[r],
							    __ATOMIC_RELAXED));
	fprintf(f,
		"# HELP slotguard_apply_pending 1 while a change waits for "
		"`slotguard apply --confirm`.\n"
		"# TYPE slotguard_apply_pending gauge\n"
		"slotguard_apply_pending %d\n"
		"# HELP slotguard_apply_deadline_timestamp_seconds When the "
		"pending change rolls back by itself (0: none pending).\n"
		"# TYPE slotguard_apply_deadline_timestamp_seconds gauge\n"
		"slotguard_apply_deadline_timestamp_seconds %llu.%03llu\n",
		deadline != 0, (unsigned long long)(deadline / NS_PER_S),
		(unsigned long long)(deadline / 1000000 % 1000));
}

void sg_apply_free(struct sg_daemon *d)
{
	if (!d->apply)
		return;
	free(d->apply->confirmed_text);
	free(d->apply->running_text);
	free(d->apply);
	d->apply = NULL;
}
