// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Profiles at run time. The loop sleeps until the next boundary of any
 * schedule (sg_profiles_wake_ms) and, there, writes the runtime config of
 * the profile due (one map update: bans, tracking and counters stay).
 * A profile activated by hand holds, through reloads and restarts (it is
 * kept in profile.json), until `slotguard profile auto`.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/control.h"
#include "core/jsonv.h"
#include "profiles.h"

#define NS_PER_S 1000000000ULL

struct sg_profiles {
	struct sg_tz tzs[SG_MAX_PROFILES]; /* of d->settings.profiles */
	unsigned int n_tzs;
	int active;  /* index in d->settings.profiles, -1: default */
	int pick;    /* what sg_profiles_effective chose for the new ones */
	bool manual; /* held by `profile activate` */
	char manual_name[SG_PROFILE_NAME_LEN];
	const char *why; /* "schedule" or "manual" */
	__s64 next;	 /* the next boundary, Unix seconds */
	__u64 since_unix_ns;
	/* For the metrics thread. */
	pthread_mutex_t lock;
	char names[SG_MAX_PROFILES][SG_PROFILE_NAME_LEN];
	unsigned int n_names;
	int active_seen;
	__u64 switches;
};

static __u64 unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

static const char *name_of(const struct sg_settings *s, int i)
{
	return i < 0 ? SG_PROFILE_DEFAULT : s->profiles[i].name;
}

/* The index of name in s: -1 for "default", -2 when absent. */
static int index_of(const struct sg_settings *s, const char *name)
{
	unsigned int i;

	if (!strcmp(name, SG_PROFILE_DEFAULT))
		return -1;
	for (i = 0; i < s->n_profiles; i++)
		if (!strcmp(s->profiles[i].name, name))
			return (int)i;
	return -2;
}

static void load_zones(struct sg_daemon *d, const struct sg_settings *s,
		       struct sg_tz *tzs)
{
	char err[SG_ERR_LEN / 2];
	unsigned int i;

	for (i = 0; i < s->n_profiles; i++)
		if (sg_tz_load(NULL, s->profiles[i].timezone, &tzs[i], err,
			       sizeof(err))) {
			sg_log(d, "error",
			       "profile %s: time zone %s: %s; its schedule is "
			       "off",
			       s->profiles[i].name, s->profiles[i].timezone,
			       err);
			/* An empty zone at UTC with no days never picks. */
			tzs[i].n_times = 0;
		}
}

static void free_zones(struct sg_tz *tzs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sg_tz_free(&tzs[i]);
}

/* A hand held a profile in an earlier run: it still holds. */
static struct sg_profiles *profiles_get(struct sg_daemon *d)
{
	struct sg_profiles *p = d->profiles;
	struct json_object *o = NULL;

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	p->active = p->active_seen = -1;
	p->why = "schedule";
	if (!sg_json_file_read(d->settings.state_dir, SG_PROFILE_FILE, &o) &&
	    sg_json_str(o, "manual")[0]) {
		p->manual = true;
		snprintf(p->manual_name, sizeof(p->manual_name), "%s",
			 sg_json_str(o, "manual"));
	}
	json_object_put(o);
	d->profiles = p;
	return p;
}

/* The schedule's pick in s at now, and the next boundary. */
static int scheduled(struct sg_daemon *d, const struct sg_settings *s,
		     const struct sg_tz *tzs, __s64 now, __s64 *next)
{
	(void)d;
	return sg_schedule_pick(s->profiles, tzs, s->n_profiles, now, next);
}

const struct sg_config *sg_profiles_effective(struct sg_daemon *d,
					      const struct sg_settings *s)
{
	struct sg_profiles *p = profiles_get(d);
	struct sg_tz *tzs;
	__s64 next;
	int i;

	if (!p || !s->n_profiles) {
		if (p)
			p->pick = -1;
		return &s->cfg;
	}
	if (p->manual && (i = index_of(s, p->manual_name)) >= -1) {
		p->pick = i;
		return i < 0 ? &s->cfg : &s->profiles[i].cfg;
	}
	tzs = calloc(SG_MAX_PROFILES, sizeof(*tzs));
	if (!tzs)
		return &s->cfg;
	load_zones(d, s, tzs);
	p->pick = scheduled(d, s, tzs, (__s64)(unix_ns() / NS_PER_S), &next);
	free_zones(tzs, s->n_profiles);
	free(tzs);
	return p->pick < 0 ? &s->cfg : &s->profiles[p->pick].cfg;
}

/* The profile that runs after the next boundary(ies) where one changes. */
static __s64 next_change(struct sg_daemon *d, int *to)
{
	struct sg_profiles *p = d->profiles;
	const struct sg_settings *s = &d->settings;
	__s64 t = p->next, next;
	int i, pick;

	*to = p->active;
	if (p->manual || !s->n_profiles)
		return 0;
	for (i = 0; i < 64; i++) {
		pick = scheduled(d, s, p->tzs, t, &next);
		if (pick != p->active) {
			*to = pick;
			return t;
		}
		t = next;
	}
	return 0;
}

static void profile_json(struct sg_daemon *d, struct json_object *arr)
{
	const struct sg_settings *s = &d->settings;
	char days[48], start[16], end[16], *text = NULL;
	struct json_object *o;
	unsigned int i;
	size_t len;
	FILE *f;

	for (i = 0; i < s->n_profiles; i++) {
		const struct sg_profile_settings *ps = &s->profiles[i];

		o = json_object_new_object();
		sg_profile_days_text(ps->days, days, sizeof(days));
		sg_profile_time_text(ps->start, start, sizeof(start));
		sg_profile_time_text(ps->end, end, sizeof(end));
		json_object_object_add(o, "name",
				       json_object_new_string(ps->name));
		json_object_object_add(o, "days", json_object_new_string(days));
		json_object_object_add(o, "start",
				       json_object_new_string(start));
		json_object_object_add(o, "end", json_object_new_string(end));
		json_object_object_add(o, "timezone",
				       json_object_new_string(ps->timezone));
		json_object_object_add(
			o, "active",
			json_object_new_boolean((int)i == d->profiles->active));
		f = open_memstream(&text, &len);
		if (f) {
			sg_profile_print_changes(f, ps, &s->cfg);
			fclose(f);
		}
		json_object_object_add(
			o, "changes", json_object_new_string(text ? text : ""));
		free(text);
		text = NULL;
		json_object_array_add(arr, o);
	}
}

/* profile.json, the daemon's record and the metrics' copy. */
static void publish(struct sg_daemon *d)
{
	struct sg_profiles *p = d->profiles;
	const struct sg_settings *s = &d->settings;
	struct json_object *o = json_object_new_object(), *arr;
	struct sg_daemon_info info;
	__s64 at;
	unsigned int i;
	int to;

	at = next_change(d, &to);
	json_object_object_add(o, "active",
			       json_object_new_string(name_of(s, p->active)));
	json_object_object_add(o, "why", json_object_new_string(p->why));
	json_object_object_add(o, "since", sg_json_unix_time(p->since_unix_ns));
	json_object_object_add(
		o, "manual",
		p->manual ? json_object_new_string(p->manual_name) : NULL);
	json_object_object_add(o, "next_switch",
			       at ? sg_json_unix_time((__u64)at * NS_PER_S)
				  : NULL);
	json_object_object_add(o, "next_profile",
			       at ? json_object_new_string(name_of(s, to))
				  : NULL);
	arr = json_object_new_array();
	profile_json(d, arr);
	json_object_object_add(o, "profiles", arr);
	if (sg_json_file_write(s->state_dir, SG_PROFILE_FILE, o))
		sg_log(d, "warning", "writing %s/" SG_PROFILE_FILE ": %s",
		       s->state_dir, strerror(errno));
	json_object_put(o);
	if (d->skel && !sg_daemon_info_read(&d->st, &info)) {
		snprintf(info.profile, sizeof(info.profile), "%s",
			 name_of(s, p->active));
		sg_daemon_info_write(&d->st, &info);
	}
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < s->n_profiles; i++)
		memcpy(p->names[i], s->profiles[i].name, SG_PROFILE_NAME_LEN);
	p->n_names = s->n_profiles;
	p->active_seen = p->active;
	pthread_mutex_unlock(&p->lock);
}

static void log_switch(struct sg_daemon *d, int from)
{
	struct sg_profiles *p = d->profiles;
	const struct sg_settings *s = &d->settings;
	char when[40] = "", days[48], start[16], end[16];
	int to;
	__s64 at = next_change(d, &to);

	if (at)
		sg_log_time((__u64)at * NS_PER_S, when, sizeof(when));
	if (p->active >= 0) {
		const struct sg_profile_settings *ps = &s->profiles[p->active];

		sg_profile_days_text(ps->days, days, sizeof(days));
		sg_profile_time_text(ps->start, start, sizeof(start));
		sg_profile_time_text(ps->end, end, sizeof(end));
		sg_log(d, "info",
		       "profile: %s -> %s (%s%s%s %s %s-%s %s), mode %s%s%s",
		       name_of(s, from), ps->name, p->why,
		       p->manual ? "" : ": ", p->manual ? "" : "window", days,
		       start, end, ps->timezone, sg_mode_name(ps->cfg.mode),
		       at ? "; next switch " : "", when);
	} else {
		sg_log(d, "info", "profile: %s -> %s (%s), mode %s%s%s",
		       name_of(s, from), SG_PROFILE_DEFAULT, p->why,
		       sg_mode_name(s->cfg.mode), at ? "; next switch " : "",
		       when);
	}
	__atomic_add_fetch(&p->switches, 1, __ATOMIC_RELAXED);
}

void sg_profiles_settings_changed(struct sg_daemon *d)
{
	struct sg_profiles *p = profiles_get(d);
	const struct sg_settings *s = &d->settings;
	int from;

	if (!p)
		return;
	free_zones(p->tzs, p->n_tzs);
	memset(p->tzs, 0, sizeof(p->tzs));
	load_zones(d, s, p->tzs);
	p->n_tzs = s->n_profiles;
	if (p->manual && index_of(s, p->manual_name) < -1) {
		sg_log(d, "warning",
		       "profile: %s, activated by hand, is no longer in the "
		       "config: back to the schedule",
		       p->manual_name);
		p->manual = false;
	}
	from = p->active;
	p->active = p->pick;
	p->why = p->manual ? "manual" : "schedule";
	scheduled(d, s, p->tzs, (__s64)(unix_ns() / NS_PER_S), &p->next);
	if (!p->since_unix_ns || from != p->active ||
	    strcmp(name_of(s, from), name_of(s, p->active))) {
		p->since_unix_ns = unix_ns();
		if (from != p->active)
			log_switch(d, from);
	}
	publish(d);
}

/* Write the config of profile i (-1: default) and say so. */
static int activate(struct sg_daemon *d, int i, char *err, size_t len)
{
	struct sg_profiles *p = d->profiles;
	const struct sg_settings *s = &d->settings;
	int from = p->active, ret;

	ret = sg_daemon_write_config(
		d, s, i < 0 ? &s->cfg : &s->profiles[i].cfg, err, len);
	if (ret) {
		sg_log(d, "error", "profile: switching to %s failed: %s",
		       name_of(s, i), err);
		return ret;
	}
	p->active = i;
	p->since_unix_ns = unix_ns();
	log_switch(d, from);
	return 0;
}

void sg_profiles_tick(struct sg_daemon *d)
{
	struct sg_profiles *p = d->profiles;
	char err[SG_ERR_LEN];
	__s64 now;
	int pick;

	if (!p || p->manual || !d->settings.n_profiles)
		return;
	now = (__s64)(unix_ns() / NS_PER_S);
	if (now < p->next)
		return;
	pick = scheduled(d, &d->settings, p->tzs, now, &p->next);
	p->why = "schedule";
	if (pick != p->active && activate(d, pick, err, sizeof(err)))
		p->next = now + 1; /* try again in a second */
	publish(d);
}

long sg_profiles_wake_ms(const struct sg_daemon *d)
{
	const struct sg_profiles *p = d->profiles;
	__u64 now = unix_ns(), at;

	if (!p || p->manual || !d->settings.n_profiles)
		return -1;
	at = (__u64)p->next * NS_PER_S;
	return at <= now ? 0 : (long)((at - now + 999999) / 1000000);
}

void sg_profiles_request(struct sg_daemon *d,
			 const struct sg_control_request *q,
			 struct sg_control_result *res)
{
	struct sg_profiles *p = profiles_get(d);
	const struct sg_settings *s = &d->settings;
	__s64 now = (__s64)(unix_ns() / NS_PER_S);
	int i;

	res->outcome = SG_CONTROL_FAILED;
	if (!p ||
	    (q->op != SG_OP_PROFILE_ACTIVATE && q->op != SG_OP_PROFILE_AUTO)) {
		snprintf(res->message, sizeof(res->message), "unknown request");
		return;
	}
	if (q->op == SG_OP_PROFILE_ACTIVATE) {
		i = index_of(s, q->profile);
		if (i < -1) {
			res->outcome = SG_CONTROL_INVALID;
			snprintf(res->message, sizeof(res->message),
				 "no profile '%.31s' in %s", q->profile,
				 d->config_path ? d->config_path
						: "the built-in defaults");
			return;
		}
		p->manual = true;
		snprintf(p->manual_name, sizeof(p->manual_name), "%s",
			 name_of(s, i));
		p->why = "manual";
	} else {
		p->manual = false;
		p->why = "schedule";
		i = scheduled(d, s, p->tzs, now, &p->next);
	}
	if (i != p->active &&
	    activate(d, i, res->message, sizeof(res->message))) {
		publish(d);
		return;
	}
	if (q->op == SG_OP_PROFILE_AUTO)
		sg_log(d, "info", "profile: back to the schedule (%s runs)",
		       name_of(s, p->active));
	publish(d);
	res->outcome = SG_CONTROL_OK;
	snprintf(res->message, sizeof(res->message), "%s",
		 name_of(s, p->active));
}

void sg_profiles_render_metrics(struct sg_daemon *d, FILE *f)
{
	struct sg_profiles *p = d->profiles;
	unsigned int i;

	if (!p)
		return;
	fprintf(f, "# HELP slotguard_profile_active 1 for the profile that "
		   "runs (default: the config without a profile), 0 for the "
		   "others.\n# TYPE slotguard_profile_active gauge\n");
	pthread_mutex_lock(&p->lock);
	fprintf(f,
		"slotguard_profile_active{profile=\"" SG_PROFILE_DEFAULT
		"\"} %d\n",
		p->active_seen < 0);
	for (i = 0; i < p->n_names; i++)
		fprintf(f, "slotguard_profile_active{profile=\"%s\"} %d\n",
			p->names[i], (int)i == p->active_seen);
	pthread_mutex_unlock(&p->lock);
	fprintf(f,
		"# HELP slotguard_profile_switches_total Switches from one "
		"profile to another, by the schedule or by hand.\n"
		"# TYPE slotguard_profile_switches_total counter\n"
		"slotguard_profile_switches_total %llu\n",
		(unsigned long long)__atomic_load_n(&p->switches,
						    __ATOMIC_RELAXED));
}

void sg_profiles_free(struct sg_daemon *d)
{
	struct sg_profiles *p = d->profiles;

	if (!p)
		return;
	free_zones(p->tzs, p->n_tzs);
	pthread_mutex_destroy(&p->lock);
	free(p);
	d->profiles = NULL;
}
