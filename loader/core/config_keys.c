// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One handler per configuration key, and the tables that say which keys
 * each section has. Handlers check a value and store it in the parse copy;
 * checks that involve several keys wait for the end of the file (config.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"

#define QUOTE_MAX  64 /* values quoted back in messages are cut here */
#define SEPARATORS " \t,"

static const char *quote(const char *v, char buf[QUOTE_MAX + 4])
{
	size_t n = strnlen(v, QUOTE_MAX + 1);

	if (n > QUOTE_MAX) {
		memcpy(buf, v, QUOTE_MAX);
		strcpy(buf + QUOTE_MAX, "...");
	} else {
		memcpy(buf, v, n + 1);
	}
	return buf;
}

/* Plain decimal in [min, max], no sign, no blanks. */
static bool parse_uint(const char *v, __u64 min, __u64 max, __u64 *out)
{
	__u64 n = 0;
	size_t i;

	if (!v[0])
		return false;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    n > (max - (__u64)(v[i] - '0')) / 10)
			return false;
		n = n * 10 + (__u64)(v[i] - '0');
	}
	if (n < min)
		return false;
	*out = n;
	return true;
}

static int get_uint(struct sg_conf *c, const char *key, const char *v,
		    __u64 min, __u64 max, __u64 *out)
{
	char q[QUOTE_MAX + 4];

	if (parse_uint(v, min, max, out))
		return 0;
	if (strspn(v, "0123456789") != strlen(v))
		return sg_conf_error(c, "%s: '%s' is not a whole number", key,
				     quote(v, q));
	return sg_conf_error(c, "%s: '%s' is out of range (%llu to %llu)", key,
			     quote(v, q), (unsigned long long)min,
			     (unsigned long long)max);
}

static int get_bool(struct sg_conf *c, const char *key, const char *v,
		    bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char q[QUOTE_MAX + 4];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return sg_conf_error(c, "%s: '%s' is not yes or no", key, quote(v, q));
}

/* names is NULL-terminated; *out gets the index. */
static int get_choice(struct sg_conf *c, const char *key, const char *v,
		      const char *const *names, const char *expected, int *out)
{
	char q[QUOTE_MAX + 4];
	int i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	return sg_conf_error(c, "%s: '%s' is not %s", key, quote(v, q),
			     expected);
}

static bool is_off(const char *v)
{
	return !strcmp(v, "off");
}

/* A rate "N/unit", or "off" where allow_off; count gets N. */
static int get_rate(struct sg_conf *c, const char *key, const char *v,
		    bool allow_off, __u64 *interval, __u64 *count)
{
	char why[SG_ERR_LEN / 2];

	if (allow_off && is_off(v)) {
		*interval = 0;
		*count = 0;
		return 0;
	}
	if (sg_parse_rate(v, interval, why, sizeof(why)))
		return sg_conf_error(c, "%s: %s%s", key, why,
				     allow_off ? "; off disables it" : "");
	/* sg_parse_rate accepted it, so it starts with a plain count. */
	*count = strtoull(v, NULL, 10);
	return 0;
}

static int get_duration(struct sg_conf *c, const char *key, const char *v,
			bool allow_zero, __u64 *ns)
{
	char why[SG_ERR_LEN / 2];

	if (sg_parse_duration(v, ns, why, sizeof(why)))
		return sg_conf_error(c, "%s: %s", key, why);
	if (!*ns && !allow_zero)
		return sg_conf_error(c, "%s: must be longer than 0s", key);
	return 0;
}

/*
 * Splits a list value at blanks and commas into word, one at a time.
 * Returns the rest of the list, or NULL after the last word.
 */
static const char *next_word(struct sg_conf *c, const char *key, const char *p,
			     char *word, size_t size, int *err)
{
	size_t n;

	p += strspn(p, SEPARATORS);
	n = strcspn(p, SEPARATORS);
	if (!n)
		return NULL;
	if (n >= size) {
		*err = sg_conf_error(c,
				     "%s: '%.*s' is longer than %zu characters",
				     key, (int)(n < 32 ? n : 32), p, size - 1);
		return NULL;
	}
	memcpy(word, p, n);
	word[n] = '\0';
	return p + n;
}

static bool valid_ifname(const char *name)
{
	return strcmp(name, ".") && strcmp(name, "..") && !strpbrk(name, "/:");
}

static int set_interfaces(struct sg_conf *c, const char *key, const char *v)
{
	char name[SG_IFNAME_LEN];
	unsigned int i, n = 0;
	int err = 0;

	while ((v = next_word(c, key, v, name, sizeof(name), &err))) {
		if (!valid_ifname(name))
			return sg_conf_error(
				c, "%s: '%s' is not an interface name", key,
				name);
		for (i = 0; i < n; i++)
			if (!strcmp(c->s.interfaces[i], name))
				return sg_conf_error(
					c, "%s: %s is listed twice", key, name);
		/* Counter slot 0 counts frames of unknown interfaces. */
		if (n == SG_MAX_IFACES - 1)
			return sg_conf_error(c, "%s: more than %d interfaces",
					     key, SG_MAX_IFACES - 1);
		strcpy(c->s.interfaces[n++], name);
	}
	if (err)
		return err;
	c->s.n_interfaces = n;
	return n ? 0 : sg_conf_error(c, "%s: no interface named", key);
}

static int set_xdp_mode(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "auto", "native", "generic",
					     NULL };

	return get_choice(c, key, v, names, "auto, native or generic",
			  &c->s.xdp_mode);
}

static int set_mode(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "monitor", "enforce", NULL };
	int mode;

	if (get_choice(c, key, v, names, "monitor or enforce", &mode))
		return -EINVAL;
	c->s.cfg.mode = (__u32)mode;
	c->s.mode_line = c->line; /* a reload into monitor names it */
	return 0;
}

/*
 * An address literal, not a name: a config check must not need DNS.
 * "off" leaves it empty, which the daemon reads as "serve no metrics".
 */
static int set_metrics_listen(struct sg_conf *c, const char *key, const char *v)
{
	char host[INET6_ADDRSTRLEN + 2], q[QUOTE_MAX + 4];
	unsigned char addr[16];
	const char *colon = strrchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : 0;
	__u64 port;
	bool ok;

	if (is_off(v)) {
		c->s.metrics_listen[0] = '\0';
		return 0;
	}
	if (!colon || n >= sizeof(host) ||
	    strlen(v) >= sizeof(c->s.metrics_listen))
		goto bad;
	memcpy(host, v, n);
	host[n] = '\0';
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		ok = inet_pton(AF_INET6, host + 1, addr) == 1;
	} else {
		ok = inet_pton(AF_INET, host, addr) == 1;
	}
	if (!ok || !parse_uint(colon + 1, 1, 65535, &port))
		goto bad;
	strcpy(c->s.metrics_listen, v);
	return 0;
bad:
	return sg_conf_error(
		c,
		"%s: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9717 or [::1]:9717)",
		key, quote(v, q));
}

/* Relative to the directory of the config file, as other daemons do. */
static int set_path(struct sg_conf *c, const char *key, const char *v,
		    char out[PATH_MAX])
{
	const char *slash = strrchr(c->path, '/');
	int dir = v[0] != '/' && slash ? (int)(slash - c->path) : -1;
	int n;

	if (dir >= 0)
		n = snprintf(out, PATH_MAX, "%.*s/%s", dir, c->path, v);
	else
		n = snprintf(out, PATH_MAX, "%s", v);
	if (n < 0 || n >= PATH_MAX)
		return sg_conf_error(c, "%s: path is too long", key);
	return 0;
}

static int set_allowlist(struct sg_conf *c, const char *key, const char *v)
{
	return set_path(c, key, v, c->s.allow_file);
}

static int set_denylist(struct sg_conf *c, const char *key, const char *v)
{
	return set_path(c, key, v, c->s.deny_file);
}

static int set_pin_dir(struct sg_conf *c, const char *key, const char *v)
{
	char q[QUOTE_MAX + 4];

	if (v[0] != '/')
		return sg_conf_error(c, "%s: '%s' is not an absolute path", key,
				     quote(v, q));
	return set_path(c, key, v, c->s.pin_dir);
}

static int set_max_tracked(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	if (get_uint(c, key, v, 1024, 16777216, &n))
		return -EINVAL;
	c->s.max_tracked_sources = (__u32)n;
	return 0;
}

static int set_keep_attached(struct sg_conf *c, const char *key, const char *v)
{
	return get_bool(c, key, v, &c->s.keep_attached);
}

static int set_protocol(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "tcp", "udp", NULL };
	int i;

	if (get_choice(c, key, v, names, "tcp or udp", &i))
		return -EINVAL;
	sg_conf_service(c)->svc.proto = i ? IPPROTO_UDP : IPPROTO_TCP;
	return 0;
}

static int set_port(struct sg_conf *c, const char *key, const char *v)
{
	__u64 port;

	if (get_uint(c, key, v, 1, 65535, &port))
		return -EINVAL;
	sg_conf_service(c)->svc.port = (__u16)port;
	return 0;
}

static int set_destinations(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_service_conf *sc = sg_conf_service(c);
	char word[72], why[SG_ERR_LEN / 2];
	struct sg_cidr cidr;
	unsigned int i;
	int err = 0;

	while ((v = next_word(c, key, v, word, sizeof(word), &err))) {
		if (sg_parse_cidr(word, &cidr, why, sizeof(why)))
			return sg_conf_error(c, "%s: %s", key, why);
		for (i = 0; i < sc->n_dsts; i++)
			if (!memcmp(&sc->dsts[i], &cidr, sizeof(cidr)))
				break;
		if (i < sc->n_dsts)
			continue;
		if (sc->n_dsts == SG_MAX_DSTS_PER_SERVICE)
			return sg_conf_error(c, "%s: more than %d prefixes",
					     key, SG_MAX_DSTS_PER_SERVICE);
		sc->dsts[sc->n_dsts++] = cidr;
	}
	if (err)
		return err;
	sc->svc.flags |= SG_SERVICE_DST_RESTRICTED;
	return sc->n_dsts ? 0 : sg_conf_error(c, "%s: no prefix named", key);
}

static int set_quic(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_service *cs = &c->svc[c->s.n_services - 1];

	cs->quic_line = c->line;
	return get_bool(c, key, v, &cs->quic);
}

static int set_ceiling(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_budget *b = &c->svc[c->s.n_services - 1].ceiling;

	b->rate_line = c->line;
	return get_rate(c, key, v, true, &b->interval_ns, &b->count);
}

static int set_burst(struct sg_conf *c, const char *key, const char *v,
		     struct sg_conf_budget *b)
{
	b->burst_line = c->line;
	return get_uint(c, key, v, 1, SG_CONF_RATE_MAX, &b->burst);
}

static int set_ceiling_burst(struct sg_conf *c, const char *key, const char *v)
{
	return set_burst(c, key, v, &c->svc[c->s.n_services - 1].ceiling);
}

static const struct sg_conf_key slotguard_keys[] = {
	{ "interfaces", set_interfaces },
	{ "xdp_mode", set_xdp_mode },
	{ "mode", set_mode },
	{ "metrics_listen", set_metrics_listen },
	{ "allowlist", set_allowlist },
	{ "denylist", set_denylist },
	{ "pin_dir", set_pin_dir },
	{ "max_tracked_sources", set_max_tracked },
	{ "keep_attached", set_keep_attached },
	{ NULL, NULL },
};

static const struct sg_conf_key service_keys[] = {
	{ "protocol", set_protocol },
	{ "port", set_port },
	{ "destinations", set_destinations },
	{ "quic", set_quic },
	{ "ceiling", set_ceiling },
	{ "ceiling_burst", set_ceiling_burst },
	{ NULL, NULL },
};

static int level_of(const struct sg_conf *c)
{
	return c->section == SG_SEC_SUBNET ? SG_LEVEL_SUBNET : SG_LEVEL_SOURCE;
}

/* conn_* and packet_* keys share handlers; the name says which budget. */
static int kind_of(const char *key)
{
	return strncmp(key, "conn", 4) ? SG_BUDGET_PACKET : SG_BUDGET_CONN;
}

static int set_prefix(struct sg_conf *c, const char *key, const char *v)
{
	int family = strcmp(key, "prefix_v6") ? SG_FAMILY_V4 : SG_FAMILY_V6;
	int level = level_of(c);
	__u64 n;
	int err;

	/* Network engineers write prefixes as "/24" as often as "24". */
	/* IPv6 sources are tracked at /64 at most: a host owns its /64. */
	err = get_uint(c, key, v[0] == '/' ? v + 1 : v, 1,
		       family == SG_FAMILY_V4 ? 32 : SG_TRACK_V6_PREFIX_MAX,
		       &n);
	if (err)
		return err;
	c->s.cfg.prefix_len[family][level] = (__u8)n;
	c->prefix_line[level][family] = c->line;
	return 0;
}

static int set_level_rate(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_budget *b = &c->budget[level_of(c)][kind_of(key)];

	b->rate_line = c->line;
	return get_rate(c, key, v, true, &b->interval_ns, &b->count);
}

static int set_level_burst(struct sg_conf *c, const char *key, const char *v)
{
	return set_burst(c, key, v, &c->budget[level_of(c)][kind_of(key)]);
}

/* N/period: the whole N may be spent at once, then one per period / N. */
static int set_quota(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_budget *b = &c->budget[level_of(c)][SG_BUDGET_QUOTA];
	int err;

	b->rate_line = c->line;
	err = get_rate(c, key, v, true, &b->interval_ns, &b->count);
	b->burst = b->count;
	return err;
}

static int set_ban_after(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	/* The XDP program counts violations in 15 bits (SG_TRACK_WOULD_BANNED).
	 */
	if (get_uint(c, key, v, 0, SG_TRACK_VIOLATIONS_MAX, &n))
		return -EINVAL;
	c->s.cfg.ban_after = (__u32)n;
	return 0;
}

static int set_ban_window(struct sg_conf *c, const char *key, const char *v)
{
	return get_duration(c, key, v, false, &c->s.cfg.ban_window_ns);
}

static int set_ban_time(struct sg_conf *c, const char *key, const char *v)
{
	c->ban_time_line = c->line;
	return get_duration(c, key, v, false, &c->s.cfg.ban_time_ns);
}

static int set_ban_max(struct sg_conf *c, const char *key, const char *v)
{
	c->ban_max_line = c->line;
	return get_duration(c, key, v, false, &c->s.cfg.ban_max_ns);
}

static int set_ban_memory(struct sg_conf *c, const char *key, const char *v)
{
	return get_duration(c, key, v, true, &c->s.cfg.ban_memory_ns);
}

/* No "off": an unlimited event rate would let a flood fill the ring. */
static int set_events_rate(struct sg_conf *c, const char *key, const char *v)
{
	c->events.rate_line = c->line;
	return get_rate(c, key, v, false, &c->events.interval_ns,
			&c->events.count);
}

static int set_events_burst(struct sg_conf *c, const char *key, const char *v)
{
	return set_burst(c, key, v, &c->events);
}

static const struct sg_conf_key level_keys[] = {
	{ "prefix_v4", set_prefix },	   { "prefix_v6", set_prefix },
	{ "conn_rate", set_level_rate },   { "conn_burst", set_level_burst },
	{ "packet_rate", set_level_rate }, { "packet_burst", set_level_burst },
	{ "conn_quota", set_quota },	   { NULL, NULL },
};

static const struct sg_conf_key ban_keys[] = {
	{ "after", set_ban_after },   { "window", set_ban_window },
	{ "time", set_ban_time },     { "max", set_ban_max },
	{ "memory", set_ban_memory }, { NULL, NULL },
};

static const struct sg_conf_key events_keys[] = {
	{ "rate", set_events_rate },
	{ "burst", set_events_burst },
	{ NULL, NULL },
};

const struct sg_conf_key *const sg_conf_keys[SG_SEC_COUNT] = {
	[SG_SEC_SLOTGUARD] = slotguard_keys,
	[SG_SEC_SERVICE] = service_keys,
	[SG_SEC_SOURCE] = level_keys,
	[SG_SEC_SUBNET] = level_keys,
	[SG_SEC_BAN] = ban_keys,
	[SG_SEC_EVENTS] = events_keys,
};
