// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The INI configuration: built-in defaults and loading a file over them.
 * libinih splits "key = value"; the line reader here adds what it lacks:
 * line numbers for every message, sections without keys, '#' comments
 * after a value, and a refusal of binary junk and overlong lines.
 */
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "control.h"

/* Room for "allowlist = " and a path of PATH_MAX bytes. */
#define CONF_LINE_MAX (PATH_MAX + 256)

static const char *const section_names[SG_SEC_COUNT] = {
	[SG_SEC_SLOTGUARD] = "slotguard",
	[SG_SEC_SERVICE] = "service",
	[SG_SEC_SOURCE] = "source",
	[SG_SEC_SUBNET] = "subnet",
	[SG_SEC_BAN] = "ban",
	[SG_SEC_EVENTS] = "events",
	[SG_SEC_SET] = "set",
	[SG_SEC_FLEET] = "fleet",
	[SG_SEC_PROFILE] = "profile",
};

int sg_conf_error_at(struct sg_conf *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->failed)
		return -EINVAL;
	c->failed = true;
	n = snprintf(c->err, sizeof(c->err), "%s:%u: ", c->path, line);
	if (n < 0 || (size_t)n >= sizeof(c->err))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	/*
	 * Messages quote the file's text, which may hold a carriage return
	 * or a tab: replace them, as parse.c's echo() does, so a message
	 * cannot garble a terminal or forge a log line.
	 */
	for (; c->err[n]; n++)
		if ((unsigned char)c->err[n] < 0x20 || c->err[n] == 0x7f)
			c->err[n] = '?';
	return -EINVAL;
}

static bool valid_service_name(const char *name)
{
	size_t n = strlen(name);

	return n && n < sizeof(((struct sg_service_conf *)0)->name) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int begin_service(struct sg_conf *c, const char *name)
{
	unsigned int i;

	if (!*name)
		return sg_conf_error(
			c, "[service] needs a name, e.g. [service booking]");
	if (!valid_service_name(name))
		return sg_conf_error(
			c,
			"'%.40s' is not a service name (up to 31 letters, digits, '_', '-' or '.')",
			name);
	/* The file's services replace the built-in https one. */
	if (!c->section_line[SG_SEC_SERVICE])
		c->s.n_services = 0;
	for (i = 0; i < c->s.n_services; i++)
		if (!strcmp(c->s.services[i].name, name))
			return sg_conf_error(
				c,
				"duplicate section [service %s] (first at line %u)",
				name, c->svc[i].line);
	if (c->s.n_services == SG_MAX_SERVICES)
		return sg_conf_error(c, "more than %d services",
				     SG_MAX_SERVICES);
	i = c->s.n_services++;
	memset(&c->s.services[i], 0, sizeof(c->s.services[i]));
	strcpy(c->s.services[i].name, name);
	memset(&c->svc[i], 0, sizeof(c->svc[i]));
	c->svc[i].line = c->line;
	return 0;
}

/* "[type]" or "[service NAME]"; line has no comment and no edge blanks. */
int sg_conf_begin_section(struct sg_conf *c, const char *line)
{
	char head[96], type[16] = "", name[64] = "", extra[2] = "";
	size_t n = strlen(line);
	int i, err;

	if (line[n - 1] != ']')
		return sg_conf_error(
			c, strchr(line, ']') ? "text after the section header"
					     : "section header without ']'");
	if (n - 2 >= sizeof(head))
		return sg_conf_error(c, "unknown section %.40s...", line);
	memcpy(head, line + 1, n - 2);
	head[n - 2] = '\0';
	sscanf(head, "%15s %63s %1s", type, name, extra);
	for (i = 1; i < SG_SEC_COUNT; i++)
		if (!strcmp(type, section_names[i]))
			break;
	if (i == SG_SEC_COUNT || extra[0] ||
	    (i != SG_SEC_SERVICE && i != SG_SEC_SET && i != SG_SEC_PROFILE &&
	     name[0]))
		return sg_conf_error(
			c,
			"unknown section [%s] (expected [slotguard], [service NAME], [source], [subnet], [ban], [events], [set NAME], [fleet] or [profile NAME])",
			head);
	if (i == SG_SEC_SERVICE || i == SG_SEC_SET || i == SG_SEC_PROFILE) {
		err = i == SG_SEC_SERVICE ? begin_service(c, name)
		      : i == SG_SEC_SET	  ? sg_conf_begin_set(c, name)
					  : sg_conf_begin_profile(c, name);
		if (err)
			return err;
	} else if (c->section_line[i]) {
		return sg_conf_error(
			c, "duplicate section [%s] (first at line %u)", type,
			c->section_line[i]);
	}
	if (!c->section_line[i])
		c->section_line[i] = c->line;
	c->section = i;
	snprintf(c->section_name, sizeof(c->section_name), "%s%s%s", type,
		 name[0] ? " " : "", name);
	memset(c->key_line, 0, sizeof(c->key_line));
	c->header_line = c->line;
	c->section_keys = 0;
	return 0;
}

static int conf_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct sg_conf *c = user;
	const struct sg_conf_key *keys = sg_conf_keys[c->section], *k;
	unsigned int i;

	(void)section; /* begin_section() keeps its own, checked, state */
	if (c->failed)
		return 0;
	if (!keys)
		return !sg_conf_error(
			c,
			"'%s' comes before any section (start with [slotguard])",
			name);
	if (!name[0])
		return !sg_conf_error(c, "no key before '='");
	for (k = keys; k->name && strcmp(k->name, name); k++)
		;
	if (!k->name)
		return !sg_conf_error(c, "unknown key '%.40s' in [%s]", name,
				      c->section_name);
	i = (unsigned int)(k - keys);
	if (c->key_line[i])
		return !sg_conf_error(
			c, "duplicate key '%s' in [%s] (first at line %u)",
			name, c->section_name, c->key_line[i]);
	c->key_line[i] = c->line;
	c->section_keys++;
	c->keys++;
	if (!value[0])
		return !sg_conf_error(c, "%s: empty value", name);
	return !k->set(c, name, value);
}

static unsigned int later(unsigned int a, unsigned int b)
{
	return a > b ? a : b;
}

int sg_conf_finish_budget(struct sg_conf *c, const char *section,
			  const char *rate_key, const char *burst_key,
			  const struct sg_conf_budget *b, struct sg_budget *out)
{
	char rate[48];

	if (!b->interval_ns) {
		if (b->burst_line)
			return sg_conf_error_at(
				c, b->burst_line,
				"[%s] %s is set but %s is off or missing",
				section, burst_key, rate_key);
		*out = (struct sg_budget){ 0, 0 };
		return 0;
	}
	if (b->burst > SG_CONF_LIMIT_MAX_NS / b->interval_ns) {
		sg_conf_format_rate(b->interval_ns, 0, rate, sizeof(rate));
		return sg_conf_error_at(
			c, later(b->rate_line, b->burst_line),
			"[%s] %s = %llu at %s banks more than 365d of tokens",
			section, burst_key ? burst_key : rate_key,
			(unsigned long long)b->burst, rate);
	}
	out->interval_ns = b->interval_ns;
	out->limit_ns = b->burst * b->interval_ns;
	return 0;
}

static int finish_service(struct sg_conf *c, unsigned int i)
{
	struct sg_service_conf *sc = &c->s.services[i], *o;
	struct sg_conf_service *cs = &c->svc[i];
	char section[48];
	unsigned int j;

	snprintf(section, sizeof(section), "service %s", sc->name);
	if (!sc->svc.proto || !sc->svc.port)
		return sg_conf_error_at(
			c, cs->line, "[%s] needs %s", section,
			sc->svc.proto ? "a port" : "a protocol (tcp or udp)");
	if (cs->quic_line && sc->svc.proto != IPPROTO_UDP)
		return sg_conf_error_at(
			c, cs->quic_line,
			"[%s] quic applies to udp services only", section);
	/* QUIC Initials are the new connections of HTTP/3 on UDP. */
	if (sc->svc.proto == IPPROTO_UDP && (!cs->quic_line || cs->quic))
		sc->svc.flags |= SG_SERVICE_QUIC;
	for (j = 0; j < i; j++) {
		o = &c->s.services[j];
		if (o->svc.proto == sc->svc.proto &&
		    o->svc.port == sc->svc.port)
			return sg_conf_error_at(
				c, cs->line,
				"[%s] protects %s/%u, as [service %s] (line %u) does already",
				section,
				sc->svc.proto == IPPROTO_UDP ? "udp" : "tcp",
				sc->svc.port, o->name, c->svc[j].line);
	}
	/* Without a ceiling_burst, a ceiling "N/unit" banks N. */
	if (!cs->ceiling.burst_line)
		cs->ceiling.burst = cs->ceiling.count;
	return sg_conf_finish_budget(c, section, "ceiling", "ceiling_burst",
				     &cs->ceiling, &sc->svc.ceiling);
}

/*
 * Request budgets and quotas are tracked in coarser units than ns (to fit
 * a source in 128 bytes): refuse what those units would round by more
 * than 1%, or a burst longer than their wrap-around allows.
 */
int sg_conf_check_resolution(struct sg_conf *c, const char *section,
			     unsigned int kind, const struct sg_conf_budget *b)
{
	unsigned int shift = kind == SG_BUDGET_REQUEST ? SG_TAT_FINE_SHIFT
						       : SG_TAT_COARSE_SHIFT;
	__u64 max_limit = kind == SG_BUDGET_REQUEST
				  ? SG_TAT_FINE_LIMIT_MAX_NS
				  : SG_TAT_COARSE_LIMIT_MAX_NS;
	char rate[48], most[48];

	if (kind != SG_BUDGET_REQUEST && kind != SG_BUDGET_QUOTA &&
	    kind != SG_BUDGET_REQUEST_QUOTA)
		return 0;
	if (!b->interval_ns)
		return 0;
	sg_conf_format_rate(b->interval_ns, 0, rate, sizeof(rate));
	if (b->interval_ns < (100ULL << shift)) {
		sg_conf_format_rate(100ULL << shift, 0, most, sizeof(most));
		return sg_conf_error_at(
			c, b->rate_line,
			"[%s] %s = %s is finer than slotguard tracks it (at most one per %s)",
			section, sg_conf_rate_keys[kind], rate, most);
	}
	if (b->burst > max_limit / b->interval_ns) {
		sg_format_duration(max_limit, most, sizeof(most));
		return sg_conf_error_at(
			c, b->burst_line ? b->burst_line : b->rate_line,
			"[%s] %s: %llu at %s banks more than %s of tokens",
			section,
			sg_conf_burst_keys[kind] ? sg_conf_burst_keys[kind]
						 : sg_conf_rate_keys[kind],
			(unsigned long long)b->burst, rate, most);
	}
	return 0;
}

static int finish_levels(struct sg_conf *c)
{
	static const char *const levels[] = { "source", "subnet" };
	struct sg_config *cfg = &c->s.cfg;
	unsigned int i, k;
	int err = 0;

	for (i = 0; i < SG_LEVEL_COUNT && !err; i++) {
		for (k = 0; k < SG_BUDGET_KIND_COUNT && !err; k++) {
			err = sg_conf_finish_budget(c, levels[i],
						    sg_conf_rate_keys[k],
						    sg_conf_burst_keys[k],
						    &c->budget[i][k],
						    &cfg->budget[i][k]);
			if (!err)
				err = sg_conf_check_resolution(
					c, levels[i], k, &c->budget[i][k]);
		}
	}
	return err;
}

/*
 * A writer caught mid-file leaves a prefix: nothing, or text up to some
 * line. Refuse what only a cut file looks like (the parse already refused
 * a last line without its newline).
 */
static int finish_whole(struct sg_conf *c)
{
	if (c->header_line && !c->section_keys)
		return sg_conf_error_at(
			c, c->header_line,
			"[%s] is the last section and has no key: half written? "
			"(remove the empty section)",
			c->section_name);
	if (!c->keys)
		return sg_conf_error_at(
			c, 1,
			"no key in the file (empty, or only comments): half "
			"written? (with no -c, slotguard runs on its defaults)");
	return 0;
}

/* Checks that span keys, once the whole file is known. */
static int finish(struct sg_conf *c)
{
	struct sg_config *cfg = &c->s.cfg;
	unsigned int i, f;
	int err = 0;

	for (i = 0; i < c->s.n_services && !err; i++)
		err = finish_service(c, i);
	if (!err)
		err = finish_levels(c);
	for (i = 0; i < c->s.n_sets && !err; i++)
		err = sg_conf_finish_set(c, i);
	for (f = 0; f < SG_FAMILY_COUNT && !err; f++) {
		const __u8 *len = cfg->prefix_len[f];

		if (len[SG_LEVEL_SUBNET] >= len[SG_LEVEL_SOURCE])
			err = sg_conf_error_at(
				c,
				later(c->prefix_line[0][f],
				      c->prefix_line[1][f]),
				"[subnet] prefix_v%c = %u must be shorter than [source] prefix_v%c = %u",
				f ? '6' : '4', len[SG_LEVEL_SUBNET],
				f ? '6' : '4', len[SG_LEVEL_SOURCE]);
	}
	if (!err && cfg->ban_max_ns < cfg->ban_time_ns) {
		char max[32], time[32];

		sg_format_duration(cfg->ban_max_ns, max, sizeof(max));
		sg_format_duration(cfg->ban_time_ns, time, sizeof(time));
		err = sg_conf_error_at(
			c, later(c->ban_time_line, c->ban_max_line),
			"[ban] max (%s) must be at least time (%s)", max, time);
	}
	if (!err)
		err = sg_conf_finish_budget(c, "events", "rate", "burst",
					    &c->events, &cfg->events);
	if (!err && c->section_line[SG_SEC_FLEET])
		err = sg_conf_finish_fleet(c);
	if (!err)
		err = sg_conf_finish_profiles(c);
	return err;
}

__u32 sg_config_level_flags(const struct sg_config *cfg)
{
	__u32 flags = 0;
	unsigned int l, k;

	for (l = 0; l < SG_LEVEL_COUNT; l++)
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
			if (cfg->budget[l][k].interval_ns)
				flags |= SG_FLAG_LEVEL_ON(l);
	return flags;
}

__u32 sg_settings_level_flags(const struct sg_settings *s)
{
	return sg_config_level_flags(&s->cfg);
}

/* Budgets as the defaults wrote them, for keys to change one half. */
static void conf_init(struct sg_conf *c, const char *path)
{
	const struct sg_budget *b;
	unsigned int i, k;

	sg_settings_defaults(&c->s);
	c->path = path;
	for (i = 0; i < SG_LEVEL_COUNT; i++) {
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
			b = &c->s.cfg.budget[i][k];
			c->budget[i][k].interval_ns = b->interval_ns;
			c->budget[i][k].burst =
				b->interval_ns ? b->limit_ns / b->interval_ns
					       : 0;
		}
	}
	c->events.interval_ns = c->s.cfg.events.interval_ns;
	c->events.burst = c->s.cfg.events.limit_ns / c->events.interval_ns;
}

/* Parse f (named path in messages) over the defaults into *s. */
static int load_stream(const char *path, FILE *f, struct sg_settings *s,
		       char *err, size_t err_len)
{
	struct sg_conf *c;
	int ret, max_line;

	c = calloc(1, sizeof(*c)); /* ~100 KiB: not for the stack */
	if (!c) {
		snprintf(err, err_len, "%s: out of memory", path);
		fclose(f);
		return -ENOMEM;
	}
	conf_init(c, path);
	c->f = f;
	/* libinih sizes its line buffer from this global (Debian's build). */
	max_line = ini_max_line;
	ini_max_line = CONF_LINE_MAX;
	ret = ini_parse_stream(sg_conf_reader, c, conf_handler, c);
	ini_max_line = max_line;
	fclose(c->f);
	if (ret > 0)
		sg_conf_error_at(c, (unsigned int)ret,
				 "cannot parse this line");
	else if (ret < 0)
		sg_conf_error_at(c, c->line, "out of memory");
	if (!c->failed && !finish_whole(c) && !finish(c)) {
		c->s.path = path;
		*s = c->s;
	}
	ret = c->failed ? -EINVAL : 0;
	if (ret && err && err_len)
		snprintf(err, err_len, "%s", c->err);
	free(c);
	return ret;
}

int sg_settings_load(const char *path, struct sg_settings *s, char *err,
		     size_t err_len)
{
	FILE *f;
	int ret;

	if (!path || !s)
		return -EINVAL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	return load_stream(path, f, s, err, err_len);
}

int sg_settings_load_text(const char *path, const char *text,
			  struct sg_settings *s, char *err, size_t err_len)
{
	FILE *f;

	if (!path || !text || !s)
		return -EINVAL;
	f = fmemopen((void *)text, strlen(text), "r");
	if (!f) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -ENOMEM;
	}
	return load_stream(path, f, s, err, err_len);
}
