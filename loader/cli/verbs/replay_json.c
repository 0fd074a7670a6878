// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard replay --json`: one object with the capture, one entry per
 * config (verdicts, counters, bans in order, heaviest prefixes, services,
 * sets) and the --allow-check entries; docs/JSON.md names every field.
 */
#include <stdlib.h>
#include <string.h>
#include "cli/report.h"
#include "replay_out.h"

/* ---- JSON ------------------------------------------------------------- */

#define JADD	json_object_object_add
#define JINT(v) json_object_new_int64((int64_t)(v))

static struct json_object *j_capture(const struct sg_replay_report *r)
{
	struct json_object *o = json_object_new_object();

	JADD(o, "file", json_object_new_string(r->capture));
	JADD(o, "format", json_object_new_string(r->format));
	JADD(o, "link_type", json_object_new_string(r->link));
	JADD(o, "frames", JINT(r->frames));
	JADD(o, "replayed", JINT(r->frames - r->outgoing));
	JADD(o, "outgoing", JINT(r->outgoing));
	JADD(o, "out_of_order", JINT(r->out_of_order));
	JADD(o, "first", sg_json_unix_time(r->first_ts));
	JADD(o, "last", sg_json_unix_time(r->last_ts));
	JADD(o, "duration_seconds", sg_json_seconds(r->last_ts - r->first_ts));
	return o;
}

static struct json_object *j_verdicts(const __u64 *n)
{
	struct json_object *o = json_object_new_object();
	unsigned int v;

	for (v = 0; v < SG_VERDICT_COUNT; v++)
		JADD(o, sg_verdict_name(v), JINT(n[v]));
	return o;
}

static struct json_object *j_counters(const struct sg_replay_report *r,
				      unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	struct json_object *arr = json_object_new_array(), *o;
	const struct sg_counter *c;
	unsigned int sv, v, reason;

	for (sv = 0; sv < SG_COUNTER_SERVICES; sv++)
		for (v = 0; v < SG_VERDICT_COUNT; v++)
			for (reason = 0; reason < SG_REASON_COUNT; reason++) {
				c = &t->counts[sv][v][reason];
				if (!c->packets)
					continue;
				o = json_object_new_object();
				JADD(o, "service",
				     sv && sv <= s->n_services
					     ? json_object_new_string(
						       s->services[sv - 1].name)
					     : NULL);
				JADD(o, "verdict",
				     json_object_new_string(
					     sg_verdict_name(v)));
				JADD(o, "reason",
				     json_object_new_string(
					     sg_reason_name(reason)));
				JADD(o, "packets", JINT(c->packets));
				JADD(o, "bytes", JINT(c->bytes));
				json_object_array_add(arr, o);
			}
	return arr;
}

static struct json_object *j_bans(const struct sg_replay_tally *t)
{
	struct json_object *arr = json_object_new_array(), *o;
	const struct sg_replay_ban *b;
	char prefix[64];
	size_t k;

	for (k = 0; k < t->n_bans; k++) {
		b = &t->bans[k];
		sg_format_cidr(&b->prefix, prefix, sizeof(prefix));
		o = json_object_new_object();
		JADD(o, "time", sg_json_unix_time(b->time_ns));
		JADD(o, "event",
		     json_object_new_string(sg_replay_ban_event(b)));
		JADD(o, "prefix", json_object_new_string(prefix));
		JADD(o, "budget",
		     json_object_new_string(sg_reason_name(b->reason)));
		JADD(o, "observed_per_second",
		     sg_json_rate_or_null(b->observed_milli));
		JADD(o, "limit_per_second",
		     sg_json_rate_or_null(b->limit_milli));
		JADD(o, "duration_seconds", sg_json_seconds(b->duration_ns));
		JADD(o, "offences", JINT(b->offences));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *j_top(const struct sg_replay_report *r,
				 unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	struct json_object *arr = json_object_new_array(), *o;
	struct sg_replay_prefix *v = NULL;
	struct sg_cidr c;
	char prefix[64];
	size_t n = 0, k;

	if (sg_replay_tally_top(t, r->top, &v, &n))
		return arr;
	for (k = 0; k < n; k++) {
		c.family = v[k].family;
		c.prefixlen = t->prefix_len[c.family & 1];
		memcpy(c.addr, v[k].addr, 16);
		sg_format_cidr(&c, prefix, sizeof(prefix));
		o = json_object_new_object();
		JADD(o, "prefix", json_object_new_string(prefix));
		JADD(o, "family",
		     json_object_new_string(sg_family_name(c.family)));
		JADD(o, "packets", JINT(v[k].packets));
		JADD(o, "dropped", JINT(v[k].dropped));
		JADD(o, "conns", JINT(v[k].conns));
		JADD(o, "requests", JINT(v[k].requests));
		JADD(o, "last_drop_reason",
		     v[k].dropped ? json_object_new_string(
					    sg_reason_name(v[k].drop_reason))
				  : NULL);
		json_object_array_add(arr, o);
	}
	free(v);
	return arr;
}

static struct json_object *j_services_sets(const struct sg_replay_report *r,
					   unsigned int i, bool sets)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	struct json_object *arr = json_object_new_array(), *o;
	__u64 n[SG_VERDICT_COUNT];
	unsigned int k, v;
	const char *name;

	for (k = 0; sets && k < SG_MAX_SETS; k++) {
		name = sg_replay_run_set_name(r->runs[i], k);
		if (!name)
			continue;
		o = json_object_new_object();
		JADD(o, "set", json_object_new_string(name));
		JADD(o, "verdicts", j_verdicts(t->sets[k]));
		json_object_array_add(arr, o);
	}
	for (k = 0; !sets && k < s->n_services && k < SG_MAX_SERVICES; k++) {
		for (v = 0; v < SG_VERDICT_COUNT; v++)
			n[v] = sg_replay_service_frames(t, k + 1, v);
		o = json_object_new_object();
		JADD(o, "service", json_object_new_string(s->services[k].name));
		JADD(o, "protocol",
		     json_object_new_string(
			     s->services[k].svc.proto == 17 ? "udp" : "tcp"));
		JADD(o, "port", JINT(s->services[k].svc.port));
		JADD(o, "verdicts", j_verdicts(n));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *j_config(const struct sg_replay_report *r,
				    unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	struct json_object *o = json_object_new_object();
	__u64 n[SG_VERDICT_COUNT] = {};
	unsigned int v, reason;

	for (v = 0; v < SG_VERDICT_COUNT; v++)
		for (reason = 0; reason < SG_REASON_COUNT; reason++)
			n[v] += sg_replay_row(t, v, reason);
	JADD(o, "config", json_object_new_string(r->conf[i]));
	JADD(o, "mode", json_object_new_string(sg_mode_name(s->cfg.mode)));
	JADD(o, "verdicts", j_verdicts(n));
	JADD(o, "dropped", JINT(sg_replay_tally_dropped(t)));
	JADD(o, "counters", j_counters(r, i));
	JADD(o, "bans", j_bans(t));
	JADD(o, "bans_not_listed", JINT(t->bans_missed));
	JADD(o, "limited", JINT(t->limited));
	JADD(o, "top", j_top(r, i));
	JADD(o, "prefixes_seen", JINT(t->n_prefixes));
	JADD(o, "prefixes_not_tracked", JINT(t->prefixes_missed));
	JADD(o, "services", j_services_sets(r, i, false));
	JADD(o, "sets", j_services_sets(r, i, true));
	return o;
}

static struct json_object *j_allow(const struct sg_replay_report *r)
{
	const struct sg_replay_allow *a = r->allow;
	struct json_object *root, *arr, *o, *per, *c;
	char prefix[64];
	unsigned int i;
	size_t e;

	if (!a)
		return NULL;
	root = json_object_new_object();
	arr = json_object_new_array();
	for (e = 0; e < a->n; e++) {
		sg_format_cidr(&a->entries[e], prefix, sizeof(prefix));
		o = json_object_new_object();
		JADD(o, "prefix", json_object_new_string(prefix));
		per = json_object_new_array();
		for (i = 0; i < r->n; i++) {
			c = json_object_new_object();
			JADD(c, "config", json_object_new_string(r->conf[i]));
			JADD(c, "packets",
			     JINT(a->packets[e * a->configs + i]));
			JADD(c, "dropped",
			     JINT(a->dropped[e * a->configs + i]));
			json_object_array_add(per, c);
		}
		JADD(o, "configs", per);
		json_object_array_add(arr, o);
	}
	JADD(root, "file", json_object_new_string(r->allow_path));
	JADD(root, "dropped_entries", JINT(sg_replay_allow_dropped(r)));
	JADD(root, "entries", arr);
	return root;
}

void sg_replay_print_json(const struct sg_replay_report *r)
{
	struct json_object *root = json_object_new_object(), *arr;
	unsigned int i;

	JADD(root, "capture", j_capture(r));
	arr = json_object_new_array();
	for (i = 0; i < r->n; i++)
		json_object_array_add(arr, j_config(r, i));
	JADD(root, "configs", arr);
	JADD(root, "allow_check", j_allow(r));
	sg_json_print(root);
}
