// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The parts of `slotguard status` about changes in time: a change that
 * waits for `apply --confirm` (STATE_DIR/apply.json) and the profile that
 * runs (STATE_DIR/profile.json), as the daemon last wrote them.
 */
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "core/control.h"
#include "core/jsonv.h"
#include "status.h"

static __u64 unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct json_object *state_file(const struct sg_status_daemon *sd,
				      const char *name)
{
	struct json_object *o = NULL;

	if (!sd->info.state_dir[0] ||
	    sg_json_file_read(sd->info.state_dir, name, &o))
		return NULL;
	return o;
}

static struct json_object *str_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

struct json_object *sg_status_pending_json(const struct sg_status_daemon *sd)
{
	struct json_object *f = state_file(sd, SG_APPLY_FILE), *o;
	__u64 deadline, now = unix_now_ns();

	if (!f)
		return NULL;
	deadline = sg_json_u64(f, "deadline_unix_ns");
	o = json_object_new_object();
	json_object_object_add(o, "config",
			       str_or_null(sg_json_str(f, "config")));
	json_object_object_add(o, "confirmed_config",
			       str_or_null(sg_json_str(f, "confirmed_config")));
	json_object_object_add(
		o, "applied",
		sg_json_unix_time(sg_json_u64(f, "applied_unix_ns")));
	json_object_object_add(o, "deadline", sg_json_unix_time(deadline));
	json_object_object_add(o, "seconds_left",
			       sg_json_seconds(deadline > now ? deadline - now
							      : 0));
	json_object_put(f);
	return o;
}

struct json_object *sg_status_profile_json(const struct sg_status_daemon *sd)
{
	struct json_object *f = state_file(sd, SG_PROFILE_FILE), *o, *v;
	static const char *const keys[] = { "active",	   "why",
					    "since",	   "manual",
					    "next_switch", "next_profile" };
	size_t i;

	if (!f)
		return NULL;
	o = json_object_new_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(o, keys[i],
				       json_object_object_get_ex(f, keys[i], &v)
					       ? json_object_get(v)
					       : NULL);
	json_object_put(f);
	return o;
}

void sg_status_apply_print(const struct sg_status_daemon *sd)
{
	struct json_object *p = sg_status_pending_json(sd);
	struct json_object *q = sg_status_profile_json(sd);

	if (p) {
		printf("  pending change: %s since %s; rolls back to %s at %s "
		       "(in %ss) unless `slotguard apply --confirm`\n",
		       sg_json_str(p, "config"), sg_json_str(p, "applied"),
		       sg_json_str(p, "confirmed_config")[0]
			       ? sg_json_str(p, "confirmed_config")
			       : "the built-in defaults",
		       sg_json_str(p, "deadline"),
		       json_object_get_string(
			       json_object_object_get(p, "seconds_left")));
		if (!sd->alive)
			printf("  (no daemon runs: the next start rolls it "
			       "back)\n");
	}
	if (q) {
		printf("  profile: %s (%s) since %s; next switch: ",
		       sg_json_str(q, "active"), sg_json_str(q, "why"),
		       sg_json_str(q, "since"));
		if (sg_json_str(q, "next_switch")[0])
			printf("%s to %s\n", sg_json_str(q, "next_switch"),
			       sg_json_str(q, "next_profile"));
		else
			printf("none%s\n",
			       sg_json_str(q, "manual")[0]
				       ? " (held by hand until `slotguard "
					 "profile auto`)"
				       : "");
	}
	json_object_put(p);
	json_object_put(q);
}
