// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The reports of `slotguard replay`: frames by verdict and reason (one
 * column per config and their difference), bans in the order they were
 * made, the heaviest prefixes, services, sets and --allow-check, as text
 * or as one JSON object (docs/JSON.md).
 */
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "report.h"
#include "replay_out.h"

static const struct sg_replay_tally *tally_of(const struct sg_replay_report *r,
					      unsigned int i)
{
	return sg_replay_run_tally(r->runs[i]);
}

/* Frames with a verdict and reason, over every service. */
static __u64 row(const struct sg_replay_tally *t, unsigned int v,
		 unsigned int reason)
{
	unsigned int s;
	__u64 n = 0;

	for (s = 0; s < SG_COUNTER_SERVICES; s++)
		n += t->counts[s][v][reason].packets;
	return n;
}

static __u64 service_frames(const struct sg_replay_tally *t, unsigned int s,
			    unsigned int v)
{
	unsigned int reason;
	__u64 n = 0;

	for (reason = 0; reason < SG_REASON_COUNT; reason++)
		n += t->counts[s][v][reason].packets;
	return n;
}

static const char *ban_event(const struct sg_replay_ban *b)
{
	if (b->type == SG_EVENT_WOULD_BAN)
		return "would_ban";
	return b->offences > 1 ? "ban_escalated" : "ban";
}

size_t sg_replay_allow_dropped(const struct sg_replay_report *r)
{
	size_t e, n = 0;
	unsigned int i;

	for (e = 0; r->allow && e < r->allow->n; e++)
		for (i = 0; i < r->n; i++)
			if (r->allow->dropped[e * r->allow->configs + i]) {
				n++;
				break;
			}
	return n;
}

/* Is there a ban of this prefix and reason in t? */
static bool has_ban(const struct sg_replay_tally *t,
		    const struct sg_replay_ban *b)
{
	size_t i;

	for (i = 0; i < t->n_bans; i++)
		if (t->bans[i].reason == b->reason &&
		    !sg_cidr_cmp(&t->bans[i].prefix, &b->prefix))
			return true;
	return false;
}

/* ---- text ------------------------------------------------------------- */

static void text_head(const struct sg_replay_report *r)
{
	char a[48], b[48];

	sg_log_time(r->first_ts ? r->first_ts : 1, a, sizeof(a));
	sg_log_time(r->last_ts ? r->last_ts : 1, b, sizeof(b));
	printf("replay of %s (%s, %s): %llu frames", r->capture, r->format,
	       r->link, (unsigned long long)r->frames);
	if (r->frames)
		printf(" from %s to %s (%.3f s)", a, b,
		       (r->last_ts - r->first_ts) / 1e9);
	printf("\n");
	if (r->outgoing)
		printf("  %llu sent by the capturing host (cooked capture): "
		       "no XDP program sees them, not replayed\n",
		       (unsigned long long)r->outgoing);
	if (r->out_of_order)
		printf("  %llu stamped before an earlier frame: replayed at "
		       "the earlier time\n",
		       (unsigned long long)r->out_of_order);
}

static void text_verdicts(const struct sg_replay_report *r)
{
	unsigned int v, reason, i;
	__u64 n[SG_REPLAY_CONFIGS], any, total[SG_REPLAY_CONFIGS] = {};
	char label[64];

	printf("\n%-34s", "frames by verdict and reason");
	for (i = 0; i < r->n; i++)
		printf(" %16.16s", r->conf[i]);
	printf("%s\n", r->n > 1 ? "       change" : "");
	for (v = 0; v < SG_VERDICT_COUNT; v++)
		for (reason = 0; reason < SG_REASON_COUNT; reason++) {
			for (i = 0, any = 0; i < r->n; i++)
				any |= n[i] = row(tally_of(r, i), v, reason);
			if (!any)
				continue;
			snprintf(label, sizeof(label), "  %-10s %s",
				 sg_verdict_name(v), sg_reason_name(reason));
			printf("%-34s", label);
			for (i = 0; i < r->n; i++) {
				printf(" %16llu", (unsigned long long)n[i]);
				if (v != SG_VERDICT_PASS)
					total[i] += n[i];
			}
			if (r->n > 1)
				printf(" %+12lld", (long long)(n[1] - n[0]));
			printf("\n");
		}
	printf("%-34s", "  dropped or would-be dropped");
	for (i = 0; i < r->n; i++)
		printf(" %16llu", (unsigned long long)total[i]);
	if (r->n > 1)
		printf(" %+12lld", (long long)(total[1] - total[0]));
	printf("\n");
}

static void text_bans(const struct sg_replay_report *r, unsigned int i)
{
	const struct sg_replay_tally *t = tally_of(r, i), *o;
	const struct sg_replay_ban *b;
	char when[48], prefix[64], dur[32];
	size_t k;

	printf("\nbans with %s: %zu%s\n", r->conf[i],
	       t->n_bans + t->bans_missed,
	       t->n_bans ? " (capture time, in the order made)" : "");
	o = r->n > 1 ? tally_of(r, 1 - i) : NULL;
	for (k = 0; k < t->n_bans; k++) {
		b = &t->bans[k];
		sg_log_time(b->time_ns, when, sizeof(when));
		sg_format_cidr(&b->prefix, prefix, sizeof(prefix));
		sg_format_duration(b->duration_ns, dur, sizeof(dur));
		printf("  %s %-13s %-28s %-18s observed %.3f/s limit %.3f/s "
		       "for %s offences %u%s\n",
		       when, ban_event(b), prefix, sg_reason_name(b->reason),
		       b->observed_milli / 1e3, b->limit_milli / 1e3, dur,
		       b->offences,
		       o && !has_ban(o, b) ? "  (only with this config)" : "");
	}
	if (t->bans_missed)
		printf("  ... and %zu more not listed (the list keeps %d)\n",
		       t->bans_missed, SG_REPLAY_BANS_MAX);
	if (t->limited)
		printf("  %llu times a source went over a budget below "
		       "min_excess: limited, not banned\n",
		       (unsigned long long)t->limited);
}

static void text_top(const struct sg_replay_report *r, unsigned int i)
{
	const struct sg_replay_tally *t = tally_of(r, i);
	struct sg_replay_prefix *v = NULL;
	struct sg_cidr c;
	char prefix[64];
	size_t n = 0, k;

	if (!r->top || sg_replay_tally_top(t, r->top, &v, &n))
		return;
	printf("\nheaviest source prefixes with %s (%zu seen%s)\n", r->conf[i],
	       t->n_prefixes, t->prefixes_missed ? ", table full" : "");
	printf("  %-28s %10s %10s %8s %9s  %s\n", "PREFIX", "FRAMES", "DROPPED",
	       "CONNS", "REQUESTS", "LAST DROP");
	for (k = 0; k < n; k++) {
		c.family = v[k].family;
		c.prefixlen = t->prefix_len[c.family & 1];
		memcpy(c.addr, v[k].addr, 16);
		sg_format_cidr(&c, prefix, sizeof(prefix));
		printf("  %-28s %10llu %10llu %8llu %9llu  %s\n", prefix,
		       (unsigned long long)v[k].packets,
		       (unsigned long long)v[k].dropped,
		       (unsigned long long)v[k].conns,
		       (unsigned long long)v[k].requests,
		       v[k].dropped ? sg_reason_name(v[k].drop_reason) : "-");
	}
	free(v);
}

static void text_services_sets(const struct sg_replay_report *r,
			       unsigned int i)
{
	const struct sg_replay_tally *t = tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	const struct sg_service_conf *sc;
	const char *name;
	unsigned int k;

	printf("\nservices and sets with %s (pass / drop / would_drop)\n",
	       r->conf[i]);
	for (k = 0; k < s->n_services && k < SG_MAX_SERVICES; k++) {
		sc = &s->services[k];
		printf("  service %-20s %s/%-5u %10llu %10llu %10llu\n",
		       sc->name, sc->svc.proto == 17 ? "udp" : "tcp",
		       sc->svc.port,
		       (unsigned long long)service_frames(t, k + 1, 0),
		       (unsigned long long)service_frames(t, k + 1, 1),
		       (unsigned long long)service_frames(t, k + 1, 2));
	}
	for (k = 0; k < SG_MAX_SETS; k++) {
		name = sg_replay_run_set_name(r->runs[i], k);
		if (!name || !(t->sets[k][0] | t->sets[k][1] | t->sets[k][2]))
			continue;
		printf("  set %-30s %10llu %10llu %10llu\n", name,
		       (unsigned long long)t->sets[k][0],
		       (unsigned long long)t->sets[k][1],
		       (unsigned long long)t->sets[k][2]);
	}
}

static void text_allow(const struct sg_replay_report *r)
{
	const struct sg_replay_allow *a = r->allow;
	char prefix[64];
	size_t e, at;
	unsigned int i;

	printf("\nallow-check %s: %zu of %zu entries had a frame dropped\n",
	       r->allow_path, sg_replay_allow_dropped(r), a->n);
	for (e = 0; e < a->n; e++) {
		at = e * a->configs;
		for (i = 0; i < r->n && !a->dropped[at + i]; i++)
			;
		if (i == r->n)
			continue;
		sg_format_cidr(&a->entries[e], prefix, sizeof(prefix));
		printf("  %-28s", prefix);
		for (i = 0; i < r->n; i++)
			printf("  %s: %llu of %llu frames dropped", r->conf[i],
			       (unsigned long long)a->dropped[at + i],
			       (unsigned long long)a->packets[at + i]);
		printf("\n");
	}
}

void sg_replay_print_text(const struct sg_replay_report *r)
{
	unsigned int i;

	text_head(r);
	text_verdicts(r);
	for (i = 0; i < r->n; i++)
		text_bans(r, i);
	for (i = 0; i < r->n; i++)
		text_top(r, i);
	for (i = 0; i < r->n; i++)
		text_services_sets(r, i);
	if (r->allow)
		text_allow(r);
}

/* ---- JSON ------------------------------------------------------------- */

#define JADD json_object_object_add
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
	JADD(o, "duration_seconds",
	     sg_json_seconds(r->last_ts - r->first_ts));
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
	const struct sg_replay_tally *t = tally_of(r, i);
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
				     json_object_new_string(sg_verdict_name(v)));
				JADD(o, "reason", json_object_new_string(
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
		JADD(o, "event", json_object_new_string(ban_event(b)));
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
	const struct sg_replay_tally *t = tally_of(r, i);
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
	const struct sg_replay_tally *t = tally_of(r, i);
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
			n[v] = service_frames(t, k + 1, v);
		o = json_object_new_object();
		JADD(o, "service", json_object_new_string(s->services[k].name));
		JADD(o, "protocol",
		     json_object_new_string(s->services[k].svc.proto == 17
						    ? "udp"
						    : "tcp"));
		JADD(o, "port", JINT(s->services[k].svc.port));
		JADD(o, "verdicts", j_verdicts(n));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *j_config(const struct sg_replay_report *r,
				    unsigned int i)
{
	const struct sg_replay_tally *t = tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	struct json_object *o = json_object_new_object();
	__u64 n[SG_VERDICT_COUNT] = {};
	unsigned int v, reason;

	for (v = 0; v < SG_VERDICT_COUNT; v++)
		for (reason = 0; reason < SG_REASON_COUNT; reason++)
			n[v] += row(t, v, reason);
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
