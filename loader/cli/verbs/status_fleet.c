// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet part of `slotguard status`: what the daemon's fleet thread last
 * wrote in its state directory (connected or not, the live peers, the last
 * sync), told apart from a report a stopped daemon left behind.
 */
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "status.h"
#include "fleet/fleet.h"

#define SG_FLEET_STALE_MS 5000 /* the daemon rewrites it every second */

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

static __u64 get_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v)
						     : 0;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "?";
}

/*
 * The daemon's last fleet report, with "state" set to "stopped" when its
 * daemon is gone or it is stale; NULL when fleet mode never ran here.
 */
struct json_object *sg_status_fleet_json(const struct sg_state *st)
{
	struct sg_daemon_info info = {};
	struct json_object *o;
	char *text = NULL;
	bool live;

	if (sg_daemon_info_read(st, &info) || !info.state_dir[0])
		return NULL;
	info.state_dir[sizeof(info.state_dir) - 1] = '\0';
	if (sg_fleet_status_text(info.state_dir, &text))
		return NULL;
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	live = get_u64(o, "pid") == info.pid && kill((pid_t)info.pid, 0) == 0 &&
	       now_ms() - get_u64(o, "updated_unix_ms") < SG_FLEET_STALE_MS;
	if (!live)
		json_object_object_add(o, "state",
				       json_object_new_string("stopped"));
	return o;
}

static void print_ago(const char *what, __u64 at_ms)
{
	__u64 now = now_ms();

	if (!at_ms)
		printf(", %s never", what);
	else
		printf(", %s %.1fs ago", what,
		       now > at_ms ? (now - at_ms) / 1000.0 : 0.0);
}

void sg_status_fleet_print(const struct sg_state *st)
{
	struct json_object *o = sg_status_fleet_json(st), *peers, *counts;
	const char *state;
	size_t i, n;

	if (!o)
		return;
	state = get_str(o, "state");
	printf("fleet: gateway %s, redis %s %s", get_str(o, "gateway"),
	       get_str(o, "redis"),
	       !strcmp(state, "up") ? "connected"
	       : !strcmp(state, "stopped")
		       ? "(daemon not running)"
		       : "NOT connected: enforcing locally");
	if (!strcmp(state, "up"))
		printf(" for %.0fs",
		       (now_ms() - get_u64(o, "connected_since_unix_ms")) /
			       1000.0);
	print_ago("last sync", get_u64(o, "last_sync_unix_ms"));
	if (json_object_object_get_ex(o, "peers", &peers) &&
	    (n = json_object_array_length(peers))) {
		printf(", peers ");
		for (i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "",
			       json_object_get_string(
				       json_object_array_get_idx(peers, i)));
	}
	putchar('\n');
	if (json_object_object_get_ex(o, "counts", &counts))
		printf("fleet bans: %llu published, %llu imported, %llu "
		       "unbans published, %llu imported; %llu fleet budget "
		       "bans; %llu sync errors\n",
		       (unsigned long long)get_u64(counts, "bans_published"),
		       (unsigned long long)get_u64(counts, "bans_imported"),
		       (unsigned long long)get_u64(counts, "unbans_published"),
		       (unsigned long long)get_u64(counts, "unbans_imported"),
		       (unsigned long long)get_u64(counts, "budget_bans"),
		       (unsigned long long)get_u64(counts, "sync_errors"));
	json_object_put(o);
}
