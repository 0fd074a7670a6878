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

static bool valid_ifname(const char *name)
{
	return strcmp(name, ".") && strcmp(name, "..") && !strpbrk(name, "/:");
}

static int set_interfaces(struct sg_conf *c, const char *key, const char *v)
{
	char name[SG_IFNAME_LEN];
	unsigned int i, n = 0;
	int err = 0;

	while ((v = sg_conf_next_word(c, key, v, name, sizeof(name), &err))) {
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
	c->s.interfaces_line = c->line;
	return n ? 0 : sg_conf_error(c, "%s: no interface named", key);
}

static int set_xdp_mode(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "auto", "native", "generic",
					     NULL };

	return sg_conf_choice(c, key, v, names, "auto, native or generic",
			      &c->s.xdp_mode);
}

static int set_mode(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "monitor", "enforce", NULL };
	int mode;

	if (sg_conf_choice(c, key, v, names, "monitor or enforce", &mode))
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
	char host[INET6_ADDRSTRLEN + 2], q[SG_CONF_QUOTE_MAX + 4];
	unsigned char addr[16];
	const char *colon = strrchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : 0;
	__u64 port;
	bool ok;

	if (sg_conf_is_off(v)) {
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
	if (!ok || !sg_conf_parse_uint(colon + 1, 1, 65535, &port))
		goto bad;
	strcpy(c->s.metrics_listen, v);
	return 0;
bad:
	return sg_conf_error(
		c,
		"%s: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9717 or [::1]:9717)",
		key, sg_conf_quote(v, q));
}

/* Relative to the directory of the config file, as other daemons do. */
int sg_conf_path(struct sg_conf *c, const char *key, const char *v,
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
	return sg_conf_path(c, key, v, c->s.allow_file);
}

static int set_denylist(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_path(c, key, v, c->s.deny_file);
}

static int set_pin_dir(struct sg_conf *c, const char *key, const char *v)
{
	char q[SG_CONF_QUOTE_MAX + 4];

	if (v[0] != '/')
		return sg_conf_error(c, "%s: '%s' is not an absolute path", key,
				     sg_conf_quote(v, q));
	return sg_conf_path(c, key, v, c->s.pin_dir);
}

static int set_state_dir(struct sg_conf *c, const char *key, const char *v)
{
	char q[SG_CONF_QUOTE_MAX + 4];

	if (v[0] != '/')
		return sg_conf_error(c, "%s: '%s' is not an absolute path", key,
				     sg_conf_quote(v, q));
	return sg_conf_path(c, key, v, c->s.state_dir);
}

static int set_max_tracked(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	if (sg_conf_uint(c, key, v, 1024, 16777216, &n))
		return -EINVAL;
	c->s.max_tracked_sources = (__u32)n;
	return 0;
}

static int set_keep_attached(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_bool(c, key, v, &c->s.keep_attached);
}

static int set_protocol(struct sg_conf *c, const char *key, const char *v)
{
	static const char *const names[] = { "tcp", "udp", NULL };
	int i;

	if (sg_conf_choice(c, key, v, names, "tcp or udp", &i))
		return -EINVAL;
	sg_conf_service(c)->svc.proto = i ? IPPROTO_UDP : IPPROTO_TCP;
	return 0;
}

static int set_port(struct sg_conf *c, const char *key, const char *v)
{
	__u64 port;

	if (sg_conf_uint(c, key, v, 1, 65535, &port))
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

	while ((v = sg_conf_next_word(c, key, v, word, sizeof(word), &err))) {
		if (sg_parse_cidr(word, &cidr, why, sizeof(why)))
			return sg_conf_error(c, "%s: %s", key, why);
		snprintf(why, sizeof(why), "%s:%u: %s", c->path, c->line, key);
		sg_cidr_unmap_noted(&cidr, word, why, &c->s.notes);
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
	return sg_conf_bool(c, key, v, &cs->quic);
}

static int set_ceiling(struct sg_conf *c, const char *key, const char *v)
{
	struct sg_conf_budget *b = &c->svc[c->s.n_services - 1].ceiling;

	b->rate_line = c->line;
	return sg_conf_rate(c, key, v, true, &b->interval_ns, &b->count);
}

int sg_conf_set_burst(struct sg_conf *c, const char *key, const char *v,
		      struct sg_conf_budget *b)
{
	b->burst_line = c->line;
	return sg_conf_uint(c, key, v, 1, SG_CONF_RATE_MAX, &b->burst);
}

int sg_conf_set_rate(struct sg_conf *c, const char *key, const char *v,
		     struct sg_conf_budget *b)
{
	b->rate_line = c->line;
	return sg_conf_rate(c, key, v, true, &b->interval_ns, &b->count);
}

/* N/period: the whole N may be spent at once, then one per period / N. */
int sg_conf_set_quota(struct sg_conf *c, const char *key, const char *v,
		      struct sg_conf_budget *b)
{
	int err = sg_conf_set_rate(c, key, v, b);

	b->burst = b->count;
	return err;
}

static int set_ceiling_burst(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_burst(c, key, v,
				 &c->svc[c->s.n_services - 1].ceiling);
}

static const struct sg_conf_key slotguard_keys[] = {
	{ "interfaces", set_interfaces },
	{ "xdp_mode", set_xdp_mode },
	{ "mode", set_mode },
	{ "metrics_listen", set_metrics_listen },
	{ "allowlist", set_allowlist },
	{ "denylist", set_denylist },
	{ "pin_dir", set_pin_dir },
	{ "state_dir", set_state_dir },
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

const char *const sg_conf_rate_keys[SG_BUDGET_KIND_COUNT] = {
	[SG_BUDGET_CONN] = "conn_rate",
	[SG_BUDGET_PACKET] = "packet_rate",
	[SG_BUDGET_QUOTA] = "conn_quota",
	[SG_BUDGET_REQUEST] = "request_rate",
	[SG_BUDGET_REQUEST_QUOTA] = "request_quota",
};

const char *const sg_conf_burst_keys[SG_BUDGET_KIND_COUNT] = {
	[SG_BUDGET_CONN] = "conn_burst",
	[SG_BUDGET_PACKET] = "packet_burst",
	[SG_BUDGET_REQUEST] = "request_burst",
};

/* The budget keys share handlers; the name says which budget. */
int sg_conf_kind_of(const char *key)
{
	int k;

	if (!strncmp(key, "member_", 7))
		key += 7;
	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++)
		if (!strcmp(key, sg_conf_rate_keys[k]) ||
		    (sg_conf_burst_keys[k] &&
		     !strcmp(key, sg_conf_burst_keys[k])))
			return k;
	return SG_BUDGET_PACKET; /* not reached: the tables name them all */
}

static int set_prefix(struct sg_conf *c, const char *key, const char *v)
{
	int family = strcmp(key, "prefix_v6") ? SG_FAMILY_V4 : SG_FAMILY_V6;
	int level = level_of(c);
	__u64 n;
	int err;

	/* Network engineers write prefixes as "/24" as often as "24". */
	/* IPv6 sources are tracked at /64 at most: a host owns its /64. */
	err = sg_conf_uint(c, key, v[0] == '/' ? v + 1 : v, 1,
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
	return sg_conf_set_rate(c, key, v,
				&c->budget[level_of(c)][sg_conf_kind_of(key)]);
}

static int set_level_burst(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_burst(c, key, v,
				 &c->budget[level_of(c)][sg_conf_kind_of(key)]);
}

static int set_level_quota(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_quota(c, key, v,
				 &c->budget[level_of(c)][sg_conf_kind_of(key)]);
}

static int set_ban_after(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	/* The XDP program counts violations in 16 bits. */
	if (sg_conf_uint(c, key, v, 0, SG_TRACK_VIOLATIONS_MAX, &n))
		return -EINVAL;
	c->s.cfg.ban_after = (__u32)n;
	return 0;
}

static int set_ban_window(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_duration(c, key, v, false, &c->s.cfg.ban_window_ns);
}

static int set_ban_time(struct sg_conf *c, const char *key, const char *v)
{
	c->ban_time_line = c->line;
	return sg_conf_duration(c, key, v, false, &c->s.cfg.ban_time_ns);
}

static int set_ban_max(struct sg_conf *c, const char *key, const char *v)
{
	c->ban_max_line = c->line;
	return sg_conf_duration(c, key, v, false, &c->s.cfg.ban_max_ns);
}

static int set_ban_memory(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_duration(c, key, v, true, &c->s.cfg.ban_memory_ns);
}

/*
 * A factor like "5" or "2.5": ban only rates at least this many times the
 * limit. Three decimals at most, from 1 (any excess) to 1000.
 */
int sg_conf_min_excess(struct sg_conf *c, const char *key, const char *v,
		       __u32 *out)
{
	char whole[16] = "", frac[8] = "", q[SG_CONF_QUOTE_MAX + 4];
	const char *dot = strchr(v, '.');
	size_t nw = dot ? (size_t)(dot - v) : strlen(v);
	__u64 w, f = 0, scale = 1000;

	if (nw && nw < sizeof(whole))
		memcpy(whole, v, nw);
	if (dot && strlen(dot + 1) <= 3 && dot[1])
		strcpy(frac, dot + 1);
	if (!sg_conf_parse_uint(whole, 1, 1000, &w) ||
	    (dot && (!frac[0] || !sg_conf_parse_uint(frac, 0, 999, &f))))
		return sg_conf_error(
			c,
			"%s: '%s' is not a factor from 1 to 1000 (e.g. 5 or 2.5)",
			key, sg_conf_quote(v, q));
	for (nw = strlen(frac); nw < 3; nw++)
		f *= 10;
	if (w * scale + f > 1000 * scale)
		return sg_conf_error(c, "%s: '%s' is more than 1000", key,
				     sg_conf_quote(v, q));
	*out = (__u32)(w * scale + f);
	return 0;
}

static int set_min_excess(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_min_excess(c, key, v, &c->s.cfg.min_excess_milli);
}

static int set_max_bans(struct sg_conf *c, const char *key, const char *v)
{
	__u64 n;

	if (sg_conf_uint(c, key, v, 1024, 16777216, &n))
		return -EINVAL;
	c->s.max_bans = (__u32)n;
	return 0;
}

/* No "off": an unlimited event rate would let a flood fill the ring. */
static int set_events_rate(struct sg_conf *c, const char *key, const char *v)
{
	c->events.rate_line = c->line;
	return sg_conf_rate(c, key, v, false, &c->events.interval_ns,
			    &c->events.count);
}

static int set_events_burst(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_set_burst(c, key, v, &c->events);
}

static const struct sg_conf_key level_keys[] = {
	{ "prefix_v4", set_prefix },
	{ "prefix_v6", set_prefix },
	{ "conn_rate", set_level_rate },
	{ "conn_burst", set_level_burst },
	{ "packet_rate", set_level_rate },
	{ "packet_burst", set_level_burst },
	{ "conn_quota", set_level_quota },
	{ "request_rate", set_level_rate },
	{ "request_burst", set_level_burst },
	{ "request_quota", set_level_quota },
	{ NULL, NULL },
};

static const struct sg_conf_key ban_keys[] = {
	{ "after", set_ban_after },   { "window", set_ban_window },
	{ "time", set_ban_time },     { "max", set_ban_max },
	{ "memory", set_ban_memory }, { "min_excess", set_min_excess },
	{ "max_bans", set_max_bans }, { NULL, NULL },
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
	[SG_SEC_SET] = sg_conf_set_keys,
	[SG_SEC_FLEET] = sg_conf_fleet_keys,
	[SG_SEC_PROFILE] = sg_conf_profile_keys,
};
