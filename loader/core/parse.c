// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Parsers for what users type: CIDRs, durations and rates (list files are
 * in listfile.c).
 * They see untrusted input and get fuzzed, so every loop is bounded by the
 * input length, every buffer by its size, and nothing recurses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sg.h"

#define CIDR_TEXT_MAX	  64 /* the longest IPv6 CIDR is 49 characters */
#define DURATION_TEXT_MAX 32
#define RATE_TEXT_MAX	  32
#define RATE_COUNT_MAX	  10000000ULL
#define NS_PER_MS	  1000000ULL
#define NS_PER_S	  1000000000ULL
#define DURATION_MAX_NS	  (365ULL * 86400 * NS_PER_S)
#define ECHO_MAX	  40 /* input quoted back in messages is cut here */
#define DIGITS		  "0123456789"

struct unit {
	const char *name;
	__u64 ns;
};

/* Largest first: compound durations must use them in this order. */
static const struct unit duration_units[] = {
	{ "d", 86400 * NS_PER_S }, { "h", 3600 * NS_PER_S },
	{ "m", 60 * NS_PER_S },	   { "s", NS_PER_S },
	{ "ms", NS_PER_MS },
};

static const struct unit rate_units[] = {
	{ "s", NS_PER_S },	   { "m", 60 * NS_PER_S },
	{ "min", 60 * NS_PER_S },  { "h", 3600 * NS_PER_S },
	{ "d", 86400 * NS_PER_S },
};

#define N_UNITS(a) (sizeof(a) / sizeof((a)[0]))

static void set_why(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/*
 * Quote untrusted text back to the user: cut long input and replace bytes
 * that would garble a terminal or a log line.
 */
static const char *echo(const char *text, char buf[ECHO_MAX + 4])
{
	size_t i;

	for (i = 0; i < ECHO_MAX && text[i]; i++) {
		unsigned char c = text[i];

		buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (text[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Decimal digits only, no sign; -ERANGE above max. */
static int parse_decimal(const char *s, size_t n, __u64 max, __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (max - (__u64)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (__u64)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, size_t n,
				    const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(units[i].name) == len &&
		    !strncmp(units[i].name, s, len))
			return &units[i];
	return NULL;
}

/* Clears the bits beyond the prefix; true if any was set. */
static bool clear_host_bits(struct sg_cidr *c)
{
	bool had = false;
	unsigned int i;

	for (i = 0; i < sizeof(c->addr); i++) {
		unsigned int bits = i * 8;
		__u8 keep;

		if (c->prefixlen >= bits + 8)
			continue;
		keep = c->prefixlen > bits
			       ? (__u8)(0xff << (8 - (c->prefixlen - bits)))
			       : 0;
		had |= (c->addr[i] & ~keep) != 0;
		c->addr[i] &= keep;
	}
	return had;
}

/* The part after '/': plain decimal, at most max. */
static int parse_prefixlen(const char *text, const char *p, unsigned int max,
			   __u8 *out, char *why, size_t why_len)
{
	size_t n = strlen(p);
	char e[ECHO_MAX + 4];
	__u64 v;

	if (!n) {
		set_why(why, why_len, "'%s' has no prefix length after '/'",
			echo(text, e));
		return -EINVAL;
	}
	if (strspn(p, DIGITS) != n) {
		set_why(why, why_len, "'%s' is not a CIDR", echo(text, e));
		return -EINVAL;
	}
	/* inet_pton refuses leading zeros in addresses; be as strict here. */
	if (n > 1 && p[0] == '0') {
		set_why(why, why_len,
			"'%s': prefix length /%.8s has a leading zero",
			echo(text, e), p);
		return -EINVAL;
	}
	if (parse_decimal(p, n, max, &v)) {
		set_why(why, why_len, "'%s': prefix /%.8s is longer than /%u",
			echo(text, e), p, max);
		return -EINVAL;
	}
	*out = (__u8)v;
	return 0;
}

int sg_parse_cidr(const char *text, struct sg_cidr *out, char *why,
		  size_t why_len)
{
	char addr[CIDR_TEXT_MAX + 1], e[ECHO_MAX + 4], fix[64];
	struct sg_cidr c = {};
	const char *slash;
	unsigned int max;
	size_t len, alen;
	int err;

	if (!text || !out)
		return -EINVAL;
	len = strnlen(text, CIDR_TEXT_MAX + 1);
	if (!len) {
		set_why(why, why_len, "empty CIDR");
		return -EINVAL;
	}
	if (len > CIDR_TEXT_MAX) {
		set_why(why, why_len, "'%s' is too long for a CIDR",
			echo(text, e));
		return -EINVAL;
	}
	if (strpbrk(text, " \t\r\n\v\f")) {
		set_why(why, why_len,
			"'%s' has whitespace inside (one CIDR at a time)",
			echo(text, e));
		return -EINVAL;
	}
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : len;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (strspn(text, DIGITS "abcdefABCDEF.:/") != len)
		goto not_cidr;
	if (strchr(addr, ':')) {
		c.family = SG_FAMILY_V6;
		max = 128;
		err = inet_pton(AF_INET6, addr, c.addr) != 1;
	} else {
		c.family = SG_FAMILY_V4;
		max = 32;
		err = inet_pton(AF_INET, addr, c.addr) != 1;
	}
	if (err)
		goto not_cidr;
	c.prefixlen = max;
	if (slash) {
		err = parse_prefixlen(text, slash + 1, max, &c.prefixlen, why,
				      why_len);
		if (err)
			return err;
	}
	if (clear_host_bits(&c)) {
		sg_format_cidr(&c, fix, sizeof(fix));
		set_why(why, why_len,
			"'%s' has host bits set beyond /%u (did you mean %s?)",
			echo(text, e), c.prefixlen, fix);
		return -EINVAL;
	}
	*out = c;
	return 0;

not_cidr:
	set_why(why, why_len, "'%s' is not a CIDR", echo(text, e));
	return -EINVAL;
}

bool sg_cidr_unmap(struct sg_cidr *c)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0,	   0,
					 0, 0, 0, 0, 0xff, 0xff };

	if (c->family != SG_FAMILY_V6 || c->prefixlen < 96 ||
	    memcmp(c->addr, mapped, sizeof(mapped)))
		return false;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = SG_FAMILY_V4;
	c->prefixlen -= 96;
	return true;
}

void sg_notes_add(struct sg_notes *n, const char *fmt, ...)
{
	va_list ap;

	if (!n)
		return;
	if (!n->count++) {
		va_start(ap, fmt);
		vsnprintf(n->first, sizeof(n->first), fmt, ap);
		va_end(ap);
	}
}

void sg_cidr_unmap_noted(struct sg_cidr *c, const char *text, const char *where,
			 struct sg_notes *notes)
{
	char v4[64];

	if (!sg_cidr_unmap(c))
		return;
	sg_format_cidr(c, v4, sizeof(v4));
	sg_notes_add(notes,
		     "%s%s%s is the IPv4-mapped form of %s: using %s, which "
		     "is what IPv4 clients are seen as",
		     where ? where : "", where ? ": " : "", text, v4, v4);
}

int sg_cidr_cmp(const struct sg_cidr *x, const struct sg_cidr *y)
{
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	d = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (d)
		return d;
	return x->prefixlen < y->prefixlen ? -1 : x->prefixlen > y->prefixlen;
}

void sg_cidr_truncate(struct sg_cidr *c, unsigned int len)
{
	unsigned int i;

	if (len >= c->prefixlen)
		return;
	c->prefixlen = (__u8)len;
	for (i = len / 8; i < sizeof(c->addr); i++)
		c->addr[i] &= i == len / 8 ? (__u8)(0xff00 >> (len % 8)) : 0;
}

void sg_format_cidr(const struct sg_cidr *c, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int af;

	if (!buf || !len)
		return;
	af = c && c->family == SG_FAMILY_V4   ? AF_INET
	     : c && c->family == SG_FAMILY_V6 ? AF_INET6
					      : 0;
	if (!af || !inet_ntop(af, c->addr, addr, sizeof(addr))) {
		snprintf(buf, len, "invalid");
		return;
	}
	snprintf(buf, len, "%s/%u", addr, c->prefixlen);
}

/* One "<digits><unit>" step of a duration; *last orders the units. */
static int duration_part(const char *text, const char **pp, __u64 *last,
			 __u64 *total, char *why, size_t why_len)
{
	const char *p = *pp;
	size_t nd = strspn(p, DIGITS), nu;
	const struct unit *u;
	char e[ECHO_MAX + 4];
	__u64 v;

	nu = strspn(p + nd, "abcdefghijklmnopqrstuvwxyz");
	if (!nd || (!nu && p[nd])) {
		set_why(why, why_len,
			"'%s' is not a duration (whole numbers with ms, s, m, h or d, e.g. 90s, 1h30m)",
			echo(text, e));
		return -EINVAL;
	}
	if (!nu) {
		set_why(why, why_len, "'%s' has no unit (ms, s, m, h or d)",
			echo(text, e));
		return -EINVAL;
	}
	u = find_unit(duration_units, N_UNITS(duration_units), p + nd, nu);
	if (!u) {
		set_why(why, why_len,
			"'%s': unknown unit '%.*s' (ms, s, m, h or d)",
			echo(text, e), (int)(nu < 8 ? nu : 8), p + nd);
		return -EINVAL;
	}
	if (u->ns >= *last) {
		set_why(why, why_len,
			"'%s': units must go from large to small, each once (e.g. 1h30m)",
			echo(text, e));
		return -EINVAL;
	}
	if (parse_decimal(p, nd, DURATION_MAX_NS / u->ns, &v) ||
	    v * u->ns > DURATION_MAX_NS - *total) {
		set_why(why, why_len, "'%s' is longer than the maximum, 365d",
			echo(text, e));
		return -ERANGE;
	}
	*total += v * u->ns;
	*last = u->ns;
	*pp = p + nd + nu;
	return 0;
}

int sg_parse_duration(const char *text, __u64 *ns, char *why, size_t why_len)
{
	__u64 total = 0, last = UINT64_MAX;
	char e[ECHO_MAX + 4];
	const char *p;
	size_t len;
	int err;

	if (!text || !ns)
		return -EINVAL;
	len = strnlen(text, DURATION_TEXT_MAX + 1);
	if (!len) {
		set_why(why, why_len, "empty duration");
		return -EINVAL;
	}
	if (len > DURATION_TEXT_MAX) {
		set_why(why, why_len, "'%s' is too long for a duration",
			echo(text, e));
		return -EINVAL;
	}
	/* Each step consumes at least two characters: bounded by len. */
	for (p = text; *p;) {
		err = duration_part(text, &p, &last, &total, why, why_len);
		if (err)
			return err;
	}
	*ns = total;
	return 0;
}

void sg_format_duration(__u64 ns, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	if (!buf || !len)
		return;
	buf[0] = '\0';
	if (!ns) {
		snprintf(buf, len, "0s");
		return;
	}
	for (i = 0; i < N_UNITS(duration_units) && off < len; i++) {
		__u64 q = ns / duration_units[i].ns;

		if (!q)
			continue;
		ns -= q * duration_units[i].ns;
		n = snprintf(buf + off, len - off, "%llu%s",
			     (unsigned long long)q, duration_units[i].name);
		if (n < 0)
			return;
		off += (size_t)n;
	}
	/* Only rate intervals get below a millisecond. */
	if (ns && off < len)
		snprintf(buf + off, len - off, "%lluns",
			 (unsigned long long)ns);
}

int sg_parse_rate(const char *text, __u64 *interval_ns, char *why,
		  size_t why_len)
{
	char e[ECHO_MAX + 4];
	const struct unit *u;
	const char *slash;
	size_t len, nd;
	__u64 count;
	int err;

	if (!text || !interval_ns)
		return -EINVAL;
	len = strnlen(text, RATE_TEXT_MAX + 1);
	if (!len) {
		set_why(why, why_len, "empty rate");
		return -EINVAL;
	}
	if (len > RATE_TEXT_MAX) {
		set_why(why, why_len, "'%s' is too long for a rate",
			echo(text, e));
		return -EINVAL;
	}
	slash = strchr(text, '/');
	nd = strspn(text, DIGITS);
	if (!slash && nd == len) {
		set_why(why, why_len,
			"'%s' has no unit (COUNT/UNIT, e.g. 5/s, 100/m, 300/h)",
			echo(text, e));
		return -EINVAL;
	}
	if (!slash || !nd || text + nd != slash) {
		set_why(why, why_len,
			"'%s' is not a rate (COUNT/UNIT, e.g. 5/s, 100/m, 300/h, 2000/d)",
			echo(text, e));
		return -EINVAL;
	}
	err = parse_decimal(text, nd, RATE_COUNT_MAX, &count);
	if (err || !count) {
		set_why(why, why_len,
			"'%s': the count must be a whole number from 1 to %llu",
			echo(text, e), RATE_COUNT_MAX);
		return -EINVAL;
	}
	u = find_unit(rate_units, N_UNITS(rate_units), slash + 1,
		      strlen(slash + 1));
	if (!u) {
		set_why(why, why_len, "'%s': unknown unit (s, m, min, h or d)",
			echo(text, e));
		return -EINVAL;
	}
	/* Never 0: the smallest unit is 1e9 times the largest count / 100. */
	*interval_ns = u->ns / count;
	return 0;
}
