// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * [fleet]: the Redis that gateways share bans and budgets through, how this
 * gateway signs in and names itself, and the bounds on what it takes from
 * the others (shortest prefix, imports per second). loader/fleet/ runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "config.h"

#define NS_PER_MS 1000000ULL

void sg_conf_fleet_defaults(struct sg_fleet_settings *f)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->key_prefix, "slotguard:");
	f->shared_bans = true;
	f->shared_budgets = true;
	f->sync_interval_ns = 250 * NS_PER_MS;
	f->timeout_ns = 2000 * NS_PER_MS;
	f->min_prefix[SG_FAMILY_V4] = 16;
	f->min_prefix[SG_FAMILY_V6] = 32;
	f->import_interval_ns = 1000000; /* 1000/s */
	f->import_burst = 10000;
	f->report_factor = 4;
}

bool sg_fleet_valid_name(const char *name)
{
	size_t n = strlen(name);

	return n && n < SG_FLEET_NAME_LEN &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static struct sg_fleet_settings *fleet(struct sg_conf *c)
{
	return &c->s.fleet;
}

/* HOST:PORT (a name, an IPv4 address or [IPv6]) or an absolute path. */
static int set_redis(struct sg_conf *c, const char *key, const char *v)
{
	const char *colon = strrchr(v, ':'), *host_end;
	char q[SG_CONF_QUOTE_MAX + 4];
	size_t host_len;
	__u64 port;

	if (strlen(v) >= sizeof(fleet(c)->redis))
		return sg_conf_error(c, "%s: too long", key);
	if (v[0] == '/') {
		strcpy(fleet(c)->redis, v);
		fleet(c)->enabled = true;
		return 0;
	}
	if (!colon || !sg_conf_parse_uint(colon + 1, 1, 65535, &port))
		goto bad;
	host_end = colon;
	if (v[0] == '[') {
		if (colon == v || colon[-1] != ']' ||
		    strspn(v + 1, "0123456789abcdefABCDEF:.") !=
			    (size_t)(colon - v - 2))
			goto bad;
	} else {
		host_len = (size_t)(host_end - v);
		if (!host_len || strspn(v, "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789.-") != host_len)
			goto bad;
	}
	strcpy(fleet(c)->redis, v);
	fleet(c)->enabled = true;
	return 0;
bad:
	return sg_conf_error(
		c,
		"%s: '%s' is not HOST:PORT or the absolute path of a unix socket (e.g. 10.0.0.5:6379, [2001:db8::5]:6379, /run/redis/redis.sock)",
		key, sg_conf_quote(v, q));
}

static int set_name(struct sg_conf *c, const char *key, const char *v,
		    char out[SG_FLEET_NAME_LEN], const char *what)
{
	char q[SG_CONF_QUOTE_MAX + 4];

	if (!sg_fleet_valid_name(v))
		return sg_conf_error(
			c,
			"%s: '%s' is not %s (1 to %d letters, digits, '_', '-' or '.')",
			key, sg_conf_quote(v, q), what, SG_FLEET_NAME_LEN - 1);
	strcpy(out, v);
	return 0;
}

static int set_user(struct sg_conf *c, const char *key, const char *v)
{
	return set_name(c, key, v, fleet(c)->user, "a user name");
}

static int set_gateway(struct sg_conf *c, const char *key, const char *v)
{
	return set_name(c, key, v, fleet(c)->gateway, "a gateway name");
}

static int set_password_file(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_path(c, key, v, fleet(c)->password_file);
}

static int set_key_prefix(struct sg_conf *c, const char *key, const char *v)
{
	char q[SG_CONF_QUOTE_MAX + 4];
	size_t n = strlen(v);

	if (n >= SG_FLEET_PREFIX_LEN ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-{}") != n)
		return sg_conf_error(
			c,
			"%s: '%s' is not a key prefix (up to %d letters, digits, '_', '.', ':', '-', '{' or '}')",
			key, sg_conf_quote(v, q), SG_FLEET_PREFIX_LEN - 1);
	strcpy(fleet(c)->key_prefix, v);
	return 0;
}

static int set_shared_bans(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_bool(c, key, v, &fleet(c)->shared_bans);
}

static int set_shared_budgets(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_bool(c, key, v, &fleet(c)->shared_budgets);
}

static int set_sync_interval(struct sg_conf *c, const char *key, const char *v)
{
	__u64 ns;

	if (sg_conf_duration(c, key, v, false, &ns))
		return -EINVAL;
	if (ns < SG_FLEET_SYNC_MIN_NS || ns > SG_FLEET_SYNC_MAX_NS)
		return sg_conf_error(c, "%s: %s is not within 10ms to 5s", key,
				     v);
	fleet(c)->sync_interval_ns = ns;
	return 0;
}

static int set_timeout(struct sg_conf *c, const char *key, const char *v)
{
	__u64 ns;

	if (sg_conf_duration(c, key, v, false, &ns))
		return -EINVAL;
	if (ns < 100 * NS_PER_MS || ns > 60000 * NS_PER_MS)
		return sg_conf_error(c, "%s: %s is not within 100ms to 60s",
				     key, v);
	fleet(c)->timeout_ns = ns;
	return 0;
}

static int set_min_prefix(struct sg_conf *c, const char *key, const char *v)
{
	int family = !strcmp(key, "min_prefix_v6");
	__u64 len;

	if (sg_conf_uint(c, key, v, 1, family ? 128 : 32, &len))
		return -EINVAL;
	fleet(c)->min_prefix[family] = (__u8)len;
	return 0;
}

static int set_import_rate(struct sg_conf *c, const char *key, const char *v)
{
	__u64 count;

	return sg_conf_rate(c, key, v, false, &fleet(c)->import_interval_ns,
			    &count);
}

static int set_import_burst(struct sg_conf *c, const char *key, const char *v)
{
	return sg_conf_uint(c, key, v, 1, 10000000, &fleet(c)->import_burst);
}

static int set_report_factor(struct sg_conf *c, const char *key, const char *v)
{
	__u64 k;

	if (sg_conf_uint(c, key, v, 1, 1000, &k))
		return -EINVAL;
	fleet(c)->report_factor = (__u32)k;
	return 0;
}

const struct sg_conf_key sg_conf_fleet_keys[] = {
	{ "redis", set_redis },
	{ "user", set_user },
	{ "password_file", set_password_file },
	{ "gateway", set_gateway },
	{ "key_prefix", set_key_prefix },
	{ "shared_bans", set_shared_bans },
	{ "shared_budgets", set_shared_budgets },
	{ "sync_interval", set_sync_interval },
	{ "timeout", set_timeout },
	{ "min_prefix_v4", set_min_prefix },
	{ "min_prefix_v6", set_min_prefix },
	{ "import_rate", set_import_rate },
	{ "import_burst", set_import_burst },
	{ "report_factor", set_report_factor },
	{ NULL, NULL },
};

/* Whoever can read the password file can write bans for the fleet. */
static int check_mode(const char *path, const struct stat *sb, char *err,
		      size_t err_len)
{
	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, err_len, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (sb->st_mode & 0044) {
		snprintf(
			err, err_len,
			"%s: refusing a password file readable by %s (mode %04o); chmod 600 it",
			path, sb->st_mode & 0004 ? "everyone" : "its group",
			sb->st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

int sg_fleet_password_read(const char *path, char *buf, size_t len, char *err,
			   size_t err_len)
{
	struct stat sb;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb)) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = check_mode(path, &sb, err, err_len);
	n = ret ? 0 : read(fd, buf, len - 1);
	close(fd);
	if (ret)
		return ret;
	if (n < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0] || (size_t)n == len - 1) {
		snprintf(err, err_len, "%s: %s", path,
			 buf[0] ? "password longer than 255 bytes"
				: "empty first line");
		return -EINVAL;
	}
	return 0;
}

static unsigned int key_line(struct sg_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; sg_conf_fleet_keys[i].name; i++)
		if (!strcmp(sg_conf_fleet_keys[i].name, name))
			return c->key_line[i];
	return 0;
}

/*
 * Once the file is read (the [fleet] section may not be the last one,
 * so key_line[] is only right when it is: lines are then best effort).
 */
int sg_conf_finish_fleet(struct sg_conf *c)
{
	struct sg_fleet_settings *f = fleet(c);
	unsigned int line = c->section_line[SG_SEC_FLEET];
	char err[SG_ERR_LEN];
	struct stat sb;

	if (!f->enabled)
		return sg_conf_error_at(
			c, line,
			"[fleet] needs redis = HOST:PORT or the path of a unix socket");
	if (f->user[0] && !f->password_file[0])
		return sg_conf_error_at(c, line,
					"[fleet] user needs a password_file");
	if (!f->password_file[0])
		return 0;
	if (c->section == SG_SEC_FLEET && key_line(c, "password_file"))
		line = key_line(c, "password_file");
	if (stat(f->password_file, &sb))
		return sg_conf_error_at(c, line, "password_file %s: %s",
					f->password_file, strerror(errno));
	if (check_mode(f->password_file, &sb, err, sizeof(err)))
		return sg_conf_error_at(c, line, "password_file %s", err);
	return 0;
}
