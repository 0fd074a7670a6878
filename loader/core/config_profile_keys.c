// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * [profile NAME] sections: a schedule (days, start, end, timezone) and
 * overrides of the mode, the [source] and [subnet] budgets (subnet_ keys)
 * and the [ban] settings. Overrides are laid over the finished base
 * config, so a profile that names conn_rate keeps the base's conn_burst.
 * Two profiles whose windows meet: the first in the file wins.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

enum { BAN_AFTER, BAN_WINDOW, BAN_TIME, BAN_MAX, BAN_MIN_EXCESS };

static struct sg_profile_settings *cur(struct sg_conf *c)
{
	return &c->s.profiles[c->s.n_profiles - 1];
}

static struct sg_conf_profile *cur_parse(struct sg_conf *c)
{
	return &c->profile[c->s.n_profiles - 1];
}

int sg_conf_begin_profile(struct sg_conf *c, const char *name)
{
	size_t n = strlen(name);
	unsigned int i;

	if (!n)
		return sg_conf_error(
			c, "[profile] needs a name, e.g. [profile release]");
	if (n >= SG_PROFILE_NAME_LEN ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return sg_conf_error(
			c,
			"'%.40s' is not a profile name (up to %d letters, digits, '_', '-' or '.')",
			name, SG_PROFILE_NAME_LEN - 1);
	if (!strcmp(name, SG_PROFILE_DEFAULT))
		return sg_conf_error(
			c,
			"[profile %s]: '%s' is the name of the config without a profile",
			name, name);
	for (i = 0; i < c->s.n_profiles; i++)
		if (!strcmp(c->s.profiles[i].name, name))
			return sg_conf_error(
				c,
				"duplicate section [profile %s] (first at line %u)",
				name, c->s.profiles[i].line);
	if (c->s.n_profiles == SG_MAX_PROFILES)
		return sg_conf_error(c, "more than %d profiles",
				     SG_MAX_PROFILES);
	i = c->s.n_profiles++;
	memset(&c->s.profiles[i], 0, sizeof(c->s.profiles[i]));
	memset(&c->profile[i], 0, sizeof(c->profile[i]));
	strcpy(c->s.profiles[i].name, name);
	c->s.profiles[i].line = c->line;
	c->s.profiles[i].days = 0x7f;
	return 0;
}

static const char *const day_names[7] = { "mon", "tue", "wed", "thu",
					  "fri", "sat", "sun" };

static int day_of(const char *w, size_t n)
{
	int i;

	for (i = 0; i < 7; i++)
		if (n == 3 && !strncmp(w, day_names[i], 3))
			return i;
	return -1;
}

/* "mon-fri", "sat,sun", "fri-mon" (through the weekend). */
static int set_days(struct sg_conf *c, const char *key, const char *v)
{
	char word[16], q[SG_CONF_QUOTE_MAX + 4];
	const char *dash;
	int from, to, err = 0;
	__u8 days = 0;

	cur_parse(c)->days_line = c->line;
	while ((v = sg_conf_next_word(c, key, v, word, sizeof(word), &err))) {
		dash = strchr(word, '-');
		from = day_of(word,
			      dash ? (size_t)(dash - word) : strlen(word));
		to = dash ? day_of(dash + 1, strlen(dash + 1)) : from;
		if (from < 0 || to < 0)
			return sg_conf_error(
				c,
				"%s: '%s' is not a day or a range of days (mon, tue, ..., sun; mon-fri)",
				key, sg_conf_quote(word, q));
		for (;; from = (from + 1) % 7) {
			days |= 1U << from;
			if (from == to)
				break;
		}
	}
	if (err)
		return err;
	if (!days)
		return sg_conf_error(c, "%s: no day named", key);
	cur(c)->days = days;
	return 0;
}

/* HH:MM or HH:MM:SS; 24:00 only where allow_24. */
static int parse_clock(struct sg_conf *c, const char *key, const char *v,
		       bool allow_24, __u32 *out)
{
	unsigned int h, m, s = 0;
	char q[SG_CONF_QUOTE_MAX + 4], tail;
	int n = sscanf(v, "%2u:%2u:%2u%c", &h, &m, &s, &tail);

	if (n == 2 || n == 3) {
		if (strlen(v) != (n == 2 ? 5U : 8U) || v[2] != ':')
			n = 0;
	}
	if ((n != 2 && n != 3) || m > 59 || s > 59 || h > 24 ||
	    (h == 24 && (!allow_24 || m || s)))
		return sg_conf_error(
			c,
			"%s: '%s' is not a time of day (HH:MM or HH:MM:SS)%s",
			key, sg_conf_quote(v, q),
			allow_24 ? ", 24:00 for midnight at the end" : "");
	*out = h * 3600 + m * 60 + s;
	return 0;
}

static int set_start(struct sg_conf *c, const char *key, const char *v)
{
	cur_parse(c)->start_line = c->line;
	return parse_clock(c, key, v, false, &cur(c)->start);
}

static int set_end(struct sg_conf *c, const char *key, const char *v)
{
	int err;

	cur_parse(c)->end_line = c->line;
	err = parse_clock(c, key, v, true, &cur(c)->end);
	if (!err && cur(c)->end == 86400)
		cur(c)->end = 0; /* the next midnight */
	return err;
}

static int set_timezone(struct sg_conf *c, const char *key, const char *v)
{
	char why[SG_ERR_LEN / 2], q[SG_CONF_QUOTE_MAX + 4];
	struct sg_tz tz;

	cur_parse(c)->timezone_line = c->line;
	if (sg_tz_load(NULL, v, &tz, why, sizeof(why)))
		return sg_conf_error(
			c,
			"%s: '%s' is not a time zone (e.g. Europe/Madrid, UTC): %s",
			key, sg_conf_quote(v, q), why);
	sg_tz_free(&tz);
	snprintf(cur(c)->timezone, sizeof(cur(c)->timezone), "%s", v);
	return 0;
}

static int set_mode(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "monitor", "enforce", NULL };
	int mode;

	cur_parse(c)->mode_line = c->line;
	if (sg_conf_choice(c, key, v, names, "monitor or enforce", &mode))
		return -EINVAL;
	cur_parse(c)->mode = (__u32)mode;
	return 0;
}

/* "subnet_conn_rate" is [subnet]'s conn_rate; the rest are [source]'s. */
static struct sg_conf_budget *budget_of(struct sg_conf *c, const char **key)
{
	int level = SG_LEVEL_SOURCE;

	if (!strncmp(*key, "subnet_", 7)) {
		level = SG_LEVEL_SUBNET;
		*key += 7;
	}
	return &cur_parse(c)->budget[level][sg_conf_kind_of(*key)];
}

static int set_rate(struct sg_conf *c, const char *key, const char *v)
{
	const char *name = key;
	struct sg_conf_budget *b = budget_of(c, &name);

	return sg_conf_set_rate(c, key, v, b);
}

static int set_burst(struct sg_conf *c, const char *key, const char *v)
{
	const char *name = key;
	struct sg_conf_budget *b = budget_of(c, &name);

	return sg_conf_set_burst(c, key, v, b);
}

static int set_quota(struct sg_conf *c, const char *key, const char *v)
{
	const char *name = key;
	struct sg_conf_budget *b = budget_of(c, &name);

	return sg_conf_set_quota(c, key, v, b);
}

static int set_ban_after(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	cur_parse(c)->ban_line[BAN_AFTER] = c->line;
	if (sg_conf_uint(c, key, v, 0, SG_TRACK_VIOLATIONS_MAX, &n))
		return -EINVAL;
	cur_parse(c)->ban_after = (__u32)n;
	return 0;
}

static int set_ban_duration(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_profile *p = cur_parse(c);
	int which = !strcmp(key, "ban_window") ? BAN_WINDOW
		    : !strcmp(key, "ban_time") ? BAN_TIME
					       : BAN_MAX;
	__u64 *out = which == BAN_WINDOW ? &p->ban_window_ns
		     : which == BAN_TIME ? &p->ban_time_ns
					 : &p->ban_max_ns;

	p->ban_line[which] = c->line;
	return sg_conf_duration(c, key, v, false, out);
}

static int set_min_excess(struct sg_conf *c, const char *key, const char *v)
{
	cur_parse(c)->ban_line[BAN_MIN_EXCESS] = c->line;
	return sg_conf_min_excess(c, key, v, &cur_parse(c)->min_excess_milli);
}

const struct sg_conf_key sg_conf_profile_keys[] = {
	{ "days", set_days },
	{ "start", set_start },
	{ "end", set_end },
	{ "timezone", set_timezone },
	{ "mode", set_mode },
	{ "conn_rate", set_rate },
	{ "conn_burst", set_burst },
	{ "packet_rate", set_rate },
	{ "packet_burst", set_burst },
	{ "conn_quota", set_quota },
	{ "request_rate", set_rate },
	{ "request_burst", set_burst },
	{ "request_quota", set_quota },
	{ "subnet_conn_rate", set_rate },
	{ "subnet_conn_burst", set_burst },
	{ "subnet_packet_rate", set_rate },
	{ "subnet_packet_burst", set_burst },
	{ "subnet_conn_quota", set_quota },
	{ "subnet_request_rate", set_rate },
	{ "subnet_request_burst", set_burst },
	{ "subnet_request_quota", set_quota },
	{ "ban_after", set_ban_after },
	{ "ban_window", set_ban_duration },
	{ "ban_time", set_ban_duration },
	{ "ban_max", set_ban_duration },
	{ "min_excess", set_min_excess },
	{ NULL, NULL },
};

/* The base's budget as written, with what the profile wrote over it. */
static int finish_budget(struct sg_conf *c, const char *section,
			 const struct sg_conf_budget *base,
			 const struct sg_conf_budget *over, unsigned int level,
			 unsigned int kind, struct sg_budget *out)
{
	static const char *const pre[] = { "", "subnet_" };
	struct sg_conf_budget b = *base;
	char rate[48], burst[48];
	int err;

	if (!over->rate_line && !over->burst_line)
		return 0;
	if (over->rate_line) {
		b.interval_ns = over->interval_ns;
		b.count = over->count;
		b.rate_line = over->rate_line;
		if (!over->burst_line)
			b.burst_line = 0; /* the base's burst, not its line */
		if (!sg_conf_burst_keys[kind]) /* a quota banks its count */
			b.burst = over->burst;
	}
	if (over->burst_line) {
		b.burst = over->burst;
		b.burst_line = over->burst_line;
	}
	snprintf(rate, sizeof(rate), "%s%s", pre[level],
		 sg_conf_rate_keys[kind]);
	snprintf(burst, sizeof(burst), "%s%s", pre[level],
		 sg_conf_burst_keys[kind] ? sg_conf_burst_keys[kind] : "");
	err = sg_conf_finish_budget(c, section, rate,
				    sg_conf_burst_keys[kind] ? burst : NULL, &b,
				    out);
	return err ? err : sg_conf_check_resolution(c, section, kind, &b);
}

static int finish_profile(struct sg_conf *c, unsigned int i)
{
	struct sg_profile_settings *p = &c->s.profiles[i];
	struct sg_conf_profile *cp = &c->profile[i];
	struct sg_config *cfg = &p->cfg;
	char section[48];
	unsigned int l, k;
	int err = 0;

	snprintf(section, sizeof(section), "profile %s", p->name);
	if (!cp->start_line || !cp->end_line || !cp->timezone_line)
		return sg_conf_error_at(
			c, p->line,
			"[%s] needs start, end and timezone (e.g. start = 07:55, end = 08:30, timezone = Europe/Madrid)",
			section);
	if (p->start == p->end)
		return sg_conf_error_at(
			c, cp->end_line,
			"[%s] start and end are the same time: a window needs a length",
			section);
	*cfg = c->s.cfg;
	if (cp->mode_line)
		cfg->mode = cp->mode;
	for (l = 0; l < SG_LEVEL_COUNT && !err; l++)
		for (k = 0; k < SG_BUDGET_KIND_COUNT && !err; k++)
			err = finish_budget(c, section, &c->budget[l][k],
					    &cp->budget[l][k], l, k,
					    &cfg->budget[l][k]);
	if (err)
		return err;
	if (cp->ban_line[BAN_AFTER])
		cfg->ban_after = cp->ban_after;
	if (cp->ban_line[BAN_WINDOW])
		cfg->ban_window_ns = cp->ban_window_ns;
	if (cp->ban_line[BAN_TIME])
		cfg->ban_time_ns = cp->ban_time_ns;
	if (cp->ban_line[BAN_MAX])
		cfg->ban_max_ns = cp->ban_max_ns;
	if (cp->ban_line[BAN_MIN_EXCESS])
		cfg->min_excess_milli = cp->min_excess_milli;
	if (cfg->ban_max_ns < cfg->ban_time_ns) {
		char max[32], time[32];

		sg_format_duration(cfg->ban_max_ns, max, sizeof(max));
		sg_format_duration(cfg->ban_time_ns, time, sizeof(time));
		return sg_conf_error_at(
			c,
			cp->ban_line[BAN_MAX] ? cp->ban_line[BAN_MAX]
					      : cp->ban_line[BAN_TIME],
			"[%s] ban_max (%s) must be at least ban_time (%s)",
			section, max, time);
	}
	return 0;
}

int sg_conf_finish_profiles(struct sg_conf *c)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < c->s.n_profiles && !err; i++)
		err = finish_profile(c, i);
	return err;
}
