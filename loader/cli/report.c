// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What `status` and `config check` share: budgets and the runtime config
 * in the words of the config file ("conn 2/s burst 20", "quota 600/h") and
 * as JSON, and the JSON printer of every read command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/in.h>
#include "cli.h"
#include "report.h"
#include "fleet/fleet.h"

#define NS_PER_SEC 1000000000ULL

static void json_add(struct json_object *o, const char *key,
		     struct json_object *v)
{
	json_object_object_add(o, key, v);
}

void sg_json_print(struct json_object *root)
{
	printf("%s\n", json_object_to_json_string_ext(
			       root, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

void sg_rate_text(__u64 interval_ns, __u64 count, char *buf, size_t len)
{
	static const struct {
		char name;
		__u64 ns;
	} units[] = { { 's', NS_PER_SEC },
		      { 'm', 60 * NS_PER_SEC },
		      { 'h', 3600 * NS_PER_SEC },
		      { 'd', 86400 * NS_PER_SEC } };
	unsigned int i;
	__u64 n;

	if (!interval_ns) {
		snprintf(buf, len, "off");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = count ? count : units[i].ns / interval_ns;
		if (n && units[i].ns / n == interval_ns) {
			snprintf(buf, len, "%llu/%c", (unsigned long long)n,
				 units[i].name);
			return;
		}
	}
	snprintf(buf, len, "%.4g/s", (double)NS_PER_SEC / interval_ns);
}

void sg_budget_text(const char *label, const struct sg_budget *b, bool quota,
		    char *buf, size_t len)
{
	__u64 burst;
	char rate[48];

	if (!b->interval_ns) {
		snprintf(buf, len, "%s off", label);
		return;
	}
	burst = b->limit_ns / b->interval_ns;
	sg_rate_text(b->interval_ns, quota ? burst : 0, rate, sizeof(rate));
	if (quota)
		snprintf(buf, len, "%s %s", label, rate);
	else
		snprintf(buf, len, "%s %s burst %llu", label, rate,
			 (unsigned long long)burst);
}

struct json_object *sg_budget_json(const struct sg_budget *b, bool quota)
{
	struct json_object *o;
	char rate[48];
	__u64 burst;

	if (!b->interval_ns)
		return NULL; /* off */
	burst = b->limit_ns / b->interval_ns;
	sg_rate_text(b->interval_ns, quota ? burst : 0, rate, sizeof(rate));
	o = json_object_new_object();
	json_add(o, "rate", json_object_new_string(rate));
	json_add(o, "per_second",
		 sg_json_per_second((double)NS_PER_SEC / b->interval_ns));
	json_add(o, "burst", json_object_new_uint64(burst));
	return o;
}

static const char *const level_names[SG_LEVEL_COUNT] = { "source", "subnet" };
static const char *const kind_names[SG_BUDGET_KIND_COUNT] = {
	"conn", "packet", "quota", "request", "request_quota"
};

/* In JSON, as in `top --sets` and the config's keys: conn_quota. */
static const char *const kind_json_names[SG_BUDGET_KIND_COUNT] = {
	"conn", "packet", "conn_quota", "request", "request_quota"
};

static bool is_quota(unsigned int kind)
{
	return kind == SG_BUDGET_QUOTA || kind == SG_BUDGET_REQUEST_QUOTA;
}

void sg_config_text(const struct sg_config *cfg, FILE *f)
{
	char b[SG_BUDGET_KIND_COUNT][96], window[32], first[32], max[32],
		memory[32];
	unsigned int l, k;

	for (l = 0; l < SG_LEVEL_COUNT; l++) {
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			sg_budget_text(kind_names[k], &cfg->budget[l][k],
				       is_quota(k), b[k], sizeof(b[k]));
		fprintf(f, "%s /%u /%u: %s, %s, %s, %s, %s\n", level_names[l],
			cfg->prefix_len[SG_FAMILY_V4][l],
			cfg->prefix_len[SG_FAMILY_V6][l], b[0], b[1], b[2],
			b[3], b[4]);
	}
	sg_format_duration(cfg->ban_window_ns, window, sizeof(window));
	sg_format_duration(cfg->ban_time_ns, first, sizeof(first));
	sg_format_duration(cfg->ban_max_ns, max, sizeof(max));
	sg_format_duration(cfg->ban_memory_ns, memory, sizeof(memory));
	if (cfg->ban_after)
		fprintf(f,
			"bans: after %u violations within %s at %u.%03ux the "
			"limit or more, for %s doubling up to %s, remembered "
			"%s\n",
			cfg->ban_after, window, cfg->min_excess_milli / 1000,
			cfg->min_excess_milli % 1000, first, max, memory);
	else
		fprintf(f, "bans: never (after = 0)\n");
	sg_budget_text("events:", &cfg->events, false, b[0], sizeof(b[0]));
	fprintf(f, "%s\n", b[0]);
}

struct json_object *sg_config_json(const struct sg_config *cfg)
{
	struct json_object *o = json_object_new_object(), *p, *f, *bud, *lv;
	unsigned int fam, l, k;

	json_add(o, "mode", json_object_new_string(sg_mode_name(cfg->mode)));
	json_add(o, "generation", json_object_new_uint64(cfg->generation));
	p = json_object_new_object();
	for (fam = 0; fam < SG_FAMILY_COUNT; fam++) {
		f = json_object_new_object();
		for (l = 0; l < SG_LEVEL_COUNT; l++)
			json_add(f, level_names[l],
				 json_object_new_int(cfg->prefix_len[fam][l]));
		json_add(p, sg_family_name(fam), f);
	}
	json_add(o, "prefix_len", p);
	bud = json_object_new_object();
	for (l = 0; l < SG_LEVEL_COUNT; l++) {
		lv = json_object_new_object();
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			json_add(lv, kind_json_names[k],
				 sg_budget_json(&cfg->budget[l][k],
						is_quota(k)));
		json_add(bud, level_names[l], lv);
	}
	json_add(o, "budgets", bud);
	lv = json_object_new_object();
	json_add(lv, "after", json_object_new_uint64(cfg->ban_after));
	json_add(lv, "window_seconds", sg_json_seconds(cfg->ban_window_ns));
	json_add(lv, "time_seconds", sg_json_seconds(cfg->ban_time_ns));
	json_add(lv, "max_seconds", sg_json_seconds(cfg->ban_max_ns));
	json_add(lv, "memory_seconds", sg_json_seconds(cfg->ban_memory_ns));
	json_add(lv, "min_excess",
		 sg_json_per_second(cfg->min_excess_milli / 1e3));
	json_add(o, "bans", lv);
	json_add(o, "events", sg_budget_json(&cfg->events, false));
	return o;
}

struct json_object *sg_service_json(const struct sg_service *svc,
				    unsigned int index, const char *name,
				    int dsts)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "index", json_object_new_int(index));
	if (name)
		json_add(o, "name", json_object_new_string(name));
	json_add(o, "protocol",
		 json_object_new_string(svc->proto == IPPROTO_UDP ? "udp"
								  : "tcp"));
	json_add(o, "port", json_object_new_int(svc->port));
	json_add(o, "dst_restricted",
		 json_object_new_boolean(svc->flags &
					 SG_SERVICE_DST_RESTRICTED));
	if (dsts >= 0)
		json_add(o, "dst_prefixes", json_object_new_int(dsts));
	json_add(o, "quic",
		 json_object_new_boolean(svc->flags & SG_SERVICE_QUIC));
	json_add(o, "ceiling", sg_budget_json(&svc->ceiling, false));
	return o;
}

/* The gateway a fleet ban came from, from the daemon's peer table. */
static void fleet_origin(const struct sg_state *st, __u16 origin, char *buf,
			 size_t len)
{
	static struct sg_daemon_info info;
	static int have = -1;
	char name[SG_FLEET_NAME_LEN];

	if (have < 0)
		have = !sg_daemon_info_read(st, &info) && info.state_dir[0];
	info.state_dir[sizeof(info.state_dir) - 1] = '\0';
	if (have &&
	    !sg_fleet_peer_name(info.state_dir, origin, name, sizeof(name)))
		snprintf(buf, len, "fleet:%s", name);
	else
		snprintf(buf, len, "fleet");
}

/* Where a ban came from: "local", "manual", "fleet:GATEWAY", "set:NAME". */
void sg_ban_origin(const struct sg_state *st, const struct sg_ban *b, char *buf,
		   size_t len)
{
	struct sg_set_conf conf;

	if (b->flags & SG_BAN_FLEET)
		fleet_origin(st, b->origin, buf, len);
	else if (b->flags & SG_BAN_MANUAL)
		snprintf(buf, len, "manual");
	else if ((b->flags & SG_BAN_SET) &&
		 !sg_set_conf_read(st, b->origin, &conf) && conf.name[0])
		snprintf(buf, len, "set:%s", conf.name);
	else
		snprintf(buf, len, "local");
}
