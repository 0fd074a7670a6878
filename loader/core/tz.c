// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TZif files (RFC 8536) and POSIX TZ rules, read by hand so that the
 * daemon can turn "07:55 Europe/Madrid" into instants from any thread.
 * Debian ships "slim" files: transitions up to the last rule change, then
 * the footer's rule (CET-1CEST,M3.5.0,M10.5.0/3) for every later year.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tz.h"

#define DAY	    86400
#define TZ_FILE_MAX (1 << 20)

__s64 sg_days_from_civil(__s64 y, unsigned int m, unsigned int d)
{
	__s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void sg_civil_from_days(__s64 z, __s64 *y, unsigned int *m, unsigned int *d)
{
	__s64 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

unsigned int sg_weekday(__s64 days)
{
	/* 1970-01-01 was a Thursday (3 counting from Monday). */
	return (unsigned int)(((days + 3) % 7 + 7) % 7);
}

static __s64 floor_div(__s64 a, __s64 b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- the POSIX TZ rule ------------------------------------------------ */

static const char *rule_name(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		p = strchr(p, '>');
		return p && p - s > 1 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hours up to 167 (RFC 8536 section 3.3.1). */
static const char *rule_time(const char *p, __s32 *out)
{
	int sign = 1, part = 0;
	__s32 v[3] = { 0, 0, 0 };
	char *end;
	long n;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (;;) {
		if (*p < '0' || *p > '9')
			return NULL;
		n = strtol(p, &end, 10);
		if (n > (part ? 59 : 167))
			return NULL;
		v[part] = (__s32)n;
		p = end;
		if (*p != ':' || part == 2)
			break;
		p++;
		part++;
	}
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *rule_date(const char *p, struct sg_tz_date *d)
{
	char *end;

	memset(d, 0, sizeof(*d));
	d->time = 7200;
	if (*p == 'M') {
		d->kind = 'M';
		d->month = (int)strtol(p + 1, &end, 10);
		if (*end != '.')
			return NULL;
		d->week = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		d->wday = (int)strtol(end + 1, &end, 10);
		if (d->month < 1 || d->month > 12 || d->week < 1 ||
		    d->week > 5 || d->wday < 0 || d->wday > 6)
			return NULL;
	} else {
		d->kind = *p == 'J' ? 'J' : 'n';
		if (*p == 'J')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		d->day = (int)strtol(p, &end, 10);
		if (d->day > 365 || (d->kind == 'J' && d->day < 1))
			return NULL;
	}
	p = end;
	if (*p == '/')
		p = rule_time(p + 1, &d->time);
	return p;
}

int sg_tz_parse_rule(const char *text, struct sg_tz_rule *rule)
{
	const char *p = rule_name(text);
	__s32 off;

	memset(rule, 0, sizeof(*rule));
	if (!p || !(p = rule_time(p, &off)))
		return -EINVAL;
	rule->std_offset = -off;
	if (!*p)
		return 0;
	if (!(p = rule_name(p)))
		return -EINVAL;
	rule->has_dst = true;
	rule->dst_offset = rule->std_offset + 3600;
	if (*p && *p != ',') {
		if (!(p = rule_time(p, &off)))
			return -EINVAL;
		rule->dst_offset = -off;
	}
	if (!*p) /* POSIX's default: the US rules */
		p = ",M3.2.0,M11.1.0";
	if (*p != ',' || !(p = rule_date(p + 1, &rule->start)) || *p != ',' ||
	    !(p = rule_date(p + 1, &rule->end)) || *p)
		return -EINVAL;
	return 0;
}

static bool leap_year(__s64 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (since 1970) a rule date falls on in year y. */
static __s64 rule_day(const struct sg_tz_date *d, __s64 y)
{
	__s64 first, day, next;
	unsigned int wday;

	if (d->kind == 'J')
		return sg_days_from_civil(y, 1, 1) + d->day - 1 +
		       (leap_year(y) && d->day >= 60);
	if (d->kind == 'n')
		return sg_days_from_civil(y, 1, 1) + d->day;
	first = sg_days_from_civil(y, (unsigned int)d->month, 1);
	wday = (sg_weekday(first) + 1) % 7; /* POSIX counts from Sunday */
	day = first + (d->wday - (int)wday + 7) % 7 + (d->week - 1) * 7;
	next = d->month == 12 ? sg_days_from_civil(y + 1, 1, 1)
			      : sg_days_from_civil(y, d->month + 1, 1);
	while (day >= next)
		day -= 7;
	return day;
}

static __s32 rule_offset(const struct sg_tz_rule *r, __s64 utc)
{
	__s64 y, start, end;
	unsigned int m, d;

	if (!r->has_dst)
		return r->std_offset;
	sg_civil_from_days(floor_div(utc + r->std_offset, DAY), &y, &m, &d);
	start = rule_day(&r->start, y) * DAY + r->start.time - r->std_offset;
	end = rule_day(&r->end, y) * DAY + r->end.time - r->dst_offset;
	if (start < end)
		return utc >= start && utc < end ? r->dst_offset
						 : r->std_offset;
	/* The southern hemisphere: summer spans the new year. */
	return utc >= end && utc < start ? r->std_offset : r->dst_offset;
}

/* ---- TZif ---------------------------------------------------------------- */

static __u32 be32(const unsigned char *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __s64 be64(const unsigned char *p)
{
	return (__s64)((__u64)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
	__u32 isut, isstd, leap, time, type, chars;
};

static bool tzif_header(const unsigned char *p, size_t len,
			struct tzif_counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return false;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return c->type >= 1 && c->type <= 256 && c->time <= 100000 &&
	       c->leap <= 100000 && c->chars <= 100000;
}

static size_t tzif_block(const struct tzif_counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars +
	       c->leap * (tsize + 4) + c->isstd + c->isut;
}

static int tz_fail(char *err, size_t len, const char *why)
{
	snprintf(err, len, "%s", why);
	return -EINVAL;
}

int sg_tz_parse(const unsigned char *buf, size_t len, struct sg_tz *tz,
		char *err, size_t err_len)
{
	struct tzif_counts c;
	const unsigned char *p = buf, *end = buf + len, *nl;
	size_t tsize = 4, i;
	char footer[128];

	if (!tzif_header(p, len, &c))
		return tz_fail(err, err_len, "not a TZif file");
	if (p[4] >= '2') { /* skip the 32-bit block for the 64-bit one */
		p += 44 + tzif_block(&c, 4);
		if (p > end || !tzif_header(p, (size_t)(end - p), &c))
			return tz_fail(err, err_len, "truncated TZif file");
		tsize = 8;
	}
	p += 44;
	if ((size_t)(end - p) < tzif_block(&c, tsize))
		return tz_fail(err, err_len, "truncated TZif file");
	tz->n_times = c.time;
	tz->n_types = c.type;
	tz->times = calloc(c.time + 1, sizeof(*tz->times));
	tz->types = calloc(c.time + 1, 1);
	tz->offsets = calloc(c.type, sizeof(*tz->offsets));
	if (!tz->times || !tz->types || !tz->offsets)
		return -ENOMEM;
	for (i = 0; i < c.time; i++, p += tsize)
		tz->times[i] = tsize == 8 ? be64(p) : (__s32)be32(p);
	for (i = 0; i < c.time; i++, p++) {
		if (*p >= c.type)
			return tz_fail(err, err_len, "bad TZif type index");
		tz->types[i] = *p;
	}
	for (i = 0; i < c.type; i++, p += 6)
		tz->offsets[i] = (__s32)be32(p);
	tz->first_offset = tz->offsets[0];
	p += c.chars + c.leap * (tsize + 4) + c.isstd + c.isut;
	/* The footer, "\nRULE\n", in version 2 files and later. */
	if (tsize == 8 && p < end && *p == '\n') {
		nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
		if (nl && nl - p - 1 > 0 && (size_t)(nl - p) < sizeof(footer)) {
			memcpy(footer, p + 1, (size_t)(nl - p - 1));
			footer[nl - p - 1] = '\0';
			if (sg_tz_parse_rule(footer, &tz->rule))
				return tz_fail(err, err_len,
					       "bad TZ rule in the footer");
			tz->has_rule = true;
		}
	}
	return 0;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	return n && n < SG_TZ_NAME_LEN && name[0] != '/' &&
	       !strstr(name, "..") &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-") == n;
}

int sg_tz_load(const char *dir, const char *name, struct sg_tz *tz, char *err,
	       size_t err_len)
{
	char path[SG_TZ_NAME_LEN + 256];
	unsigned char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	memset(tz, 0, sizeof(*tz));
	if (!valid_name(name))
		return tz_fail(err, err_len, "not a time zone name");
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : SG_TZ_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (no such time zone? tzdata "
					   "installed?)"
					 : "");
		return ret;
	}
	buf = malloc(TZ_FILE_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < TZ_FILE_MAX &&
	       (n = read(fd, buf + len, TZ_FILE_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	ret = sg_tz_parse(buf, len, tz, err, err_len);
	free(buf);
	if (ret == -EINVAL) {
		char why[128];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, err_len, "%s: %s", path, why);
	}
	if (ret)
		sg_tz_free(tz);
	return ret;
}

void sg_tz_free(struct sg_tz *tz)
{
	free(tz->times);
	free(tz->types);
	free(tz->offsets);
	tz->times = NULL;
	tz->types = NULL;
	tz->offsets = NULL;
	tz->n_times = tz->n_types = 0;
}

__s32 sg_tz_offset(const struct sg_tz *tz, __s64 utc)
{
	size_t lo = 0, hi = tz->n_times, mid;

	if (!tz->n_times || utc < tz->times[0])
		return tz->n_times || !tz->has_rule
			       ? tz->first_offset
			       : rule_offset(&tz->rule, utc);
	if (utc >= tz->times[tz->n_times - 1] && tz->has_rule)
		return rule_offset(&tz->rule, utc);
	/* The last transition at or before utc. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->times[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return tz->offsets[tz->types[lo]];
}

__s64 sg_tz_local_to_utc(const struct sg_tz *tz, __s64 local)
{
	/* Offsets lie within +-26 h: look 1.5 days either side. */
	__s32 seen[3] = { sg_tz_offset(tz, local - DAY - DAY / 2),
			  sg_tz_offset(tz, local),
			  sg_tz_offset(tz, local + DAY + DAY / 2) };
	__s64 best = 0, u, lo, hi, mid;
	bool found = false;
	int i;

	for (i = 0; i < 3; i++) {
		u = local - seen[i];
		if (sg_tz_offset(tz, u) == seen[i] && (!found || u < best)) {
			best = u;
			found = true;
		}
	}
	if (found)
		return best;
	/*
	 * Clocks jumped over local: the first instant whose local time is
	 * at or past it. Around one forward jump local time only grows.
	 */
	lo = local - DAY - DAY / 2;
	hi = local + DAY + DAY / 2;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (mid + sg_tz_offset(tz, mid) >= local)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}
