// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * [set NAME] sections: a named prefix set with its file, its action (allow,
 * deny or limit), a limit set's shared budgets, and the member budgets that
 * replace each member's [source] budgets (carrier NAT ranges).
 */
#include <errno.h>
#include <string.h>
#include "config.h"

static struct sg_set_settings *cur(struct sg_conf *c)
{
	return &c->s.sets[c->s.n_sets - 1];
}

static struct sg_conf_set *cur_parse(struct sg_conf *c)
{
	return &c->set[c->s.n_sets - 1];
}

static bool valid_set_name(const char *name)
{
	size_t n = strlen(name);

	return n && n < SG_SET_NAME_LEN &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int sg_conf_begin_set(struct sg_conf *c, const char *name)
{
	unsigned int i;

	if (!*name)
		return sg_conf_error(c,
				     "[set] needs a name, e.g. [set hosting]");
	if (!valid_set_name(name))
		return sg_conf_error(
			c,
			"'%.40s' is not a set name (up to %d letters, digits, '_', '-' or '.')",
			name, SG_SET_NAME_LEN - 1);
	if (!strcmp(name, "allow") || !strcmp(name, "deny"))
		return sg_conf_error(
			c,
			"[set %s] is built in: name its file with %slist = in [slotguard]",
			name, name);
	for (i = 0; i < c->s.n_sets; i++)
		if (!strcmp(c->s.sets[i].conf.name, name))
			return sg_conf_error(
				c,
				"duplicate section [set %s] (first at line %u)",
				name, c->s.sets[i].line);
	if (c->s.n_sets == SG_MAX_NAMED_SETS)
		return sg_conf_error(c, "more than %d sets", SG_MAX_NAMED_SETS);
	i = c->s.n_sets++;
	memset(&c->s.sets[i], 0, sizeof(c->s.sets[i]));
	memset(&c->set[i], 0, sizeof(c->set[i]));
	strcpy(c->s.sets[i].conf.name, name);
	c->s.sets[i].line = c->line;
	return 0;
}

/* Relative to the directory of the config file, as other paths are. */
static int set_file(struct sg_conf *c, const char *key, const char *v)
{
	const char *slash = strrchr(c->path, '/');
	int dir = v[0] != '/' && slash ? (int)(slash - c->path) : -1;
	int n;

	if (dir >= 0)
		n = snprintf(cur(c)->file, PATH_MAX, "%.*s/%s", dir, c->path,
			     v);
	else
		n = snprintf(cur(c)->file, PATH_MAX, "%s", v);
	if (n < 0 || n >= PATH_MAX)
		return sg_conf_error(c, "%s: path is too long", key);
	return 0;
}

static int set_action(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "allow", "deny", "limit", NULL };
	static const __u8 actions[] = { SG_SET_ALLOW, SG_SET_DENY,
					SG_SET_LIMIT };
	int i;

	cur_parse(c)->action_line = c->line;
	if (sg_conf_choice(c, key, v, names, "allow, deny or limit", &i))
		return -EINVAL;
	cur(c)->conf.action = actions[i];
	return 0;
}

static struct sg_conf_budget *budget_of(struct sg_conf *c, const char *key)
{
	struct sg_conf_set *cs = cur_parse(c);
	int kind = sg_conf_kind_of(key);

	return strncmp(key, "member_", 7) ? &cs->budget[kind]
					  : &cs->member[kind];
}

static int set_rate(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_rate(c, key, v, budget_of(c, key));
}

static int set_burst(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_burst(c, key, v, budget_of(c, key));
}

static int set_quota(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_quota(c, key, v, budget_of(c, key));
}

static int set_flag(struct sg_conf *c, const char *key, const char *v,
		    __u8 flag, bool flag_means_yes, unsigned int *line)
{
	bool yes;

	*line = c->line;
	if (sg_conf_bool(c, key, v, &yes))
		return -EINVAL;
	if (yes == flag_means_yes)
		cur(c)->conf.flags |= flag;
	else
		cur(c)->conf.flags &= ~flag;
	return 0;
}

static int set_ban_member(struct sg_conf *c, const char *key, const char *v)
{
	return set_flag(c, key, v, SG_SET_BAN_MEMBER, true,
			&cur_parse(c)->ban_member_line);
}

static int set_member_ban(struct sg_conf *c, const char *key, const char *v)
{
	return set_flag(c, key, v, SG_SET_MEMBER_NO_BAN, false,
			&cur_parse(c)->member_ban_line);
}

const struct sg_conf_key sg_conf_set_keys[] = {
	{ "file", set_file },
	{ "action", set_action },
	{ "conn_rate", set_rate },
	{ "conn_burst", set_burst },
	{ "packet_rate", set_rate },
	{ "packet_burst", set_burst },
	{ "conn_quota", set_quota },
	{ "request_rate", set_rate },
	{ "request_burst", set_burst },
	{ "request_quota", set_quota },
	{ "ban_member", set_ban_member },
	{ "member_conn_rate", set_rate },
	{ "member_conn_burst", set_burst },
	{ "member_packet_rate", set_rate },
	{ "member_packet_burst", set_burst },
	{ "member_conn_quota", set_quota },
	{ "member_request_rate", set_rate },
	{ "member_request_burst", set_burst },
	{ "member_request_quota", set_quota },
	{ "member_ban", set_member_ban },
	{ NULL, NULL },
};

static bool any_written(const struct sg_conf_budget *b)
{
	int k;

	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
		if (b[k].rate_line || b[k].burst_line)
			return true;
	return false;
}

/* The first line of a limit-only key, for "only with action = limit". */
static unsigned int first_limit_line(const struct sg_conf_set *cs)
{
	unsigned int line = 0, l;
	int k;

	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		l = cs->budget[k].rate_line ? cs->budget[k].rate_line
					    : cs->budget[k].burst_line;
		if (l && (!line || l < line))
			line = l;
		l = cs->member[k].rate_line ? cs->member[k].rate_line
					    : cs->member[k].burst_line;
		if (l && (!line || l < line))
			line = l;
	}
	if (cs->ban_member_line && (!line || cs->ban_member_line < line))
		line = cs->ban_member_line;
	if (cs->member_ban_line && (!line || cs->member_ban_line < line))
		line = cs->member_ban_line;
	return line;
}

static int finish_budgets(struct sg_conf *c, const char *section,
			  struct sg_conf_budget *in, struct sg_budget *out,
			  bool member)
{
	char rate[48], burst[48];
	int k, err = 0;

	for (k = 0; k < SG_BUDGET_KIND_COUNT && !err; k++) {
		snprintf(rate, sizeof(rate), "%s%s", member ? "member_" : "",
			 sg_conf_rate_keys[k]);
		snprintf(burst, sizeof(burst), "%s%s", member ? "member_" : "",
			 sg_conf_burst_keys[k] ? sg_conf_burst_keys[k] : "");
		/* Without a burst, a rate "N/unit" banks N at once. */
		if (in[k].interval_ns && !in[k].burst_line)
			in[k].burst = in[k].count;
		err = sg_conf_finish_budget(
			c, section, rate, sg_conf_burst_keys[k] ? burst : NULL,
			&in[k], &out[k]);
		/* A set's own state is in ns; its members' in sg_track. */
		if (!err && member)
			err = sg_conf_check_resolution(c, section, k, &in[k]);
	}
	return err;
}

int sg_conf_finish_set(struct sg_conf *c, unsigned int i)
{
	struct sg_set_settings *ss = &c->s.sets[i];
	struct sg_conf_set *cs = &c->set[i];
	unsigned int line;
	char section[48];
	int err;

	snprintf(section, sizeof(section), "set %s", ss->conf.name);
	if (!cs->action_line)
		return sg_conf_error_at(
			c, ss->line,
			"[%s] needs an action (allow, deny or limit)", section);
	line = first_limit_line(cs);
	if (ss->conf.action != SG_SET_LIMIT && line)
		return sg_conf_error_at(
			c, line,
			"[%s] has budgets or ban switches, which only action = limit uses",
			section);
	err = finish_budgets(c, section, cs->budget, ss->conf.budget, false);
	if (!err)
		err = finish_budgets(c, section, cs->member,
				     ss->conf.member_budget, true);
	if (!err && any_written(cs->member)) {
		int k;

		ss->conf.flags |= SG_SET_MEMBER_BUDGETS;
		/* A member budget not named stays the [source] one. */
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			if (!cs->member[k].rate_line &&
			    !cs->member[k].burst_line)
				ss->conf.member_budget[k] =
					c->s.cfg.budget[SG_LEVEL_SOURCE][k];
	}
	if (!err && ss->conf.action == SG_SET_LIMIT &&
	    !any_written(cs->budget) && !any_written(cs->member))
		err = sg_conf_error_at(
			c, ss->line,
			"[%s] action = limit needs a budget (conn_rate, ...) or member budgets (member_conn_rate, ...)",
			section);
	return err;
}
