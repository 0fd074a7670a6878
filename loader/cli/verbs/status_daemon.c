// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon part of `slotguard status`: who runs the filter (pid, alive,
 * uptime, config, metrics address, state directory) and how its last
 * reload went; and the one-word state of the whole: running, attached
 * without a daemon (after a kill -9 or a kept stop), or detached.
 */
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "cli/report.h"
#include "status.h"

static __u64 unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *sg_status_state(const struct sg_status_daemon *sd)
{
	if (sd->alive)
		return "running";
	return sd->attached ? "attached_no_daemon" : "detached";
}

static void print_time(const char *label, __u64 unix_ns)
{
	struct json_object *t = sg_json_unix_time(unix_ns);

	printf("%s%s", label, t ? json_object_get_string(t) : "never");
	json_object_put(t);
}

void sg_status_daemon_print(const struct sg_status_daemon *sd)
{
	const struct sg_daemon_info *i = &sd->info;
	char up[48];

	if (!sd->alive) {
		printf("daemon: NOT RUNNING%s", sd->attached ? "; filter "
							       "attached, no "
							       "daemon"
							     : "");
		if (i->pid)
			printf(" (pid %llu recorded, gone)",
			       (unsigned long long)i->pid);
		printf("\n");
		if (sd->attached)
			printf("  the XDP program still enforces the pinned "
			       "state, but nobody logs bans, sweeps expired "
			       "ones, saves state, serves metrics or reloads: "
			       "start `slotguard run` (it takes over)\n");
		if (!i->pid)
			return;
	} else {
		sg_format_duration((unix_now_ns() - i->started_unix_ns) /
					   1000000000ULL * 1000000000ULL,
				   up, sizeof(up));
		printf("daemon: running, pid %llu, up %s",
		       (unsigned long long)i->pid, up);
		print_time(" (since ", i->started_unix_ns);
		printf(")\n");
	}
	printf("  config %s, metrics %s, state in %s\n",
	       i->config_path[0] ? i->config_path : "(built-in defaults)",
	       i->metrics_listen[0] ? i->metrics_listen : "off",
	       i->state_dir[0] ? i->state_dir : "-");
	if (!i->last_reload_unix_ns) {
		printf("  no reload since the start\n");
	} else {
		print_time("  last reload ", i->last_reload_unix_ns);
		printf(": %s%s (%u reloads)\n",
		       i->last_reload_ok ? "ok" : "REFUSED: ",
		       i->last_reload_ok ? "" : i->last_reload_error,
		       i->reloads);
	}
	sg_status_apply_print(sd);
}

static struct json_object *str_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

struct json_object *sg_status_daemon_json(const struct sg_status_daemon *sd)
{
	const struct sg_daemon_info *i = &sd->info;
	struct json_object *o = json_object_new_object(), *r = NULL;
	bool known = i->pid != 0;

	json_object_object_add(o, "state",
			       json_object_new_string(sg_status_state(sd)));
	json_object_object_add(o, "alive", json_object_new_boolean(sd->alive));
	json_object_object_add(
		o, "pid", known ? json_object_new_int64((__s64)i->pid) : NULL);
	json_object_object_add(o, "started",
			       sg_json_unix_time(i->started_unix_ns));
	json_object_object_add(
		o, "uptime_seconds",
		sd->alive ? sg_json_seconds(unix_now_ns() - i->started_unix_ns)
			  : NULL);
	json_object_object_add(o, "config", str_or_null(i->config_path));
	json_object_object_add(o, "metrics_listen",
			       str_or_null(i->metrics_listen));
	json_object_object_add(o, "state_dir", str_or_null(i->state_dir));
	json_object_object_add(
		o, "reloads", known ? json_object_new_int64(i->reloads) : NULL);
	if (i->last_reload_unix_ns) {
		r = json_object_new_object();
		json_object_object_add(
			r, "time", sg_json_unix_time(i->last_reload_unix_ns));
		json_object_object_add(
			r, "ok", json_object_new_boolean(i->last_reload_ok));
		json_object_object_add(
			r, "error",
			i->last_reload_ok ? NULL
					  : str_or_null(i->last_reload_error));
	}
	json_object_object_add(o, "last_reload", r);
	json_object_object_add(o, "pending_change", sg_status_pending_json(sd));
	json_object_object_add(o, "profile", sg_status_profile_json(sd));
	return o;
}
