// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard top --sets`: for every limit set, how much of its shared
 * budget is left now and what its members sent in the current window.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "cli/report.h"
#include "top.h"

static const char *const kind_names[SG_BUDGET_KIND_COUNT] = {
	"conn", "packet", "conn_quota", "request", "request_quota"
};

__u64 sg_tokens_left(const struct sg_budget *b, __u64 tat, __u64 now)
{
	__u64 ahead = tat > now ? tat - now : 0;

	if (!b->interval_ns || ahead >= b->limit_ns)
		return 0;
	return (b->limit_ns - ahead) / b->interval_ns;
}

static struct json_object *set_json(const struct sg_set_conf *conf,
				    const struct sg_set_state *ss, __u64 now)
{
	struct json_object *o = json_object_new_object(), *t;
	unsigned int k;

	json_object_object_add(o, "set", json_object_new_string(conf->name));
	t = json_object_new_object();
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
		json_object_object_add(
			t, kind_names[k],
			conf->budget[k].interval_ns
				? json_object_new_uint64(sg_tokens_left(
					  &conf->budget[k], ss->tat[k], now))
				: NULL);
	json_object_object_add(o, "tokens_left", t);
	json_object_object_add(o, "packets",
			       json_object_new_uint64(ss->window_packets));
	json_object_object_add(o, "conns",
			       json_object_new_uint64(ss->window_conns));
	json_object_object_add(o, "requests",
			       json_object_new_uint64(ss->window_requests));
	json_object_object_add(o, "drops",
			       json_object_new_uint64(ss->window_drops));
	return o;
}

static void set_line(const struct sg_set_conf *conf,
		     const struct sg_set_state *ss, __u64 now)
{
	char left[160] = "";
	size_t o = 0;
	unsigned int k;

	for (k = 0; k < SG_BUDGET_KIND_COUNT && o < sizeof(left) - 40; k++)
		if (conf->budget[k].interval_ns)
			o += snprintf(left + o, sizeof(left) - o, "%s%s %llu",
				      o ? ", " : "", kind_names[k],
				      (unsigned long long)sg_tokens_left(
					      &conf->budget[k], ss->tat[k],
					      now));
	printf("%-20s  %10u  %8u  %8u  %8u  %s\n", conf->name,
	       ss->window_packets, ss->window_conns, ss->window_requests,
	       ss->window_drops, o ? left : "(member budgets only)");
}

int sg_top_sets(const struct sg_state *st, bool json)
{
	struct json_object *root = NULL, *arr = NULL;
	struct sg_set_state ss;
	struct sg_set_conf conf;
	__u64 now = sg_state_now(st);
	__u32 id;

	if (json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	} else {
		printf("%-20s  %10s  %8s  %8s  %8s  %s\n", "SET", "PACKETS",
		       "CONNS", "REQUESTS", "DROPS", "TOKENS LEFT");
	}
	for (id = SG_SET_FIRST_NAMED; id < SG_MAX_SETS; id++) {
		if (sg_set_conf_read(st, id, &conf) ||
		    conf.action != SG_SET_LIMIT ||
		    bpf_map_lookup_elem(st->fds[SG_MAP_SET_STATE], &id, &ss))
			continue;
		if (json)
			json_object_array_add(arr, set_json(&conf, &ss, now));
		else
			set_line(&conf, &ss, now);
	}
	if (json) {
		json_object_object_add(root, "sets", arr);
		sg_json_print(root);
	}
	return SG_EXIT_OK;
}
