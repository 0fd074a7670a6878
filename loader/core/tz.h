/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Time zones for the schedules of [profile NAME]: a reader of the TZif
 * files under /usr/share/zoneinfo (RFC 8536) and of the POSIX TZ rule in
 * their footer, for instants past the last transition. Pure and thread
 * safe: no setenv("TZ"), no localtime_r, which share process-wide state
 * with the fleet and metrics threads.
 */
#ifndef SLOTGUARD_TZ_H
#define SLOTGUARD_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SG_TZ_DIR      "/usr/share/zoneinfo"
#define SG_TZ_NAME_LEN 64

/* The footer's rule: "CET-1CEST,M3.5.0,M10.5.0/3". */
struct sg_tz_rule {
	__s32 std_offset, dst_offset; /* seconds east of UTC */
	bool has_dst;
	/* Mm.w.d (kind 'M'), Jn (kind 'J', no Feb 29) or n (kind 'n'). */
	struct sg_tz_date {
		char kind;
		int month, week, wday, day;
		__s32 time; /* seconds after local midnight, may be < 0 */
	} start, end;
};

struct sg_tz {
	char name[SG_TZ_NAME_LEN];
	__s64 *times;	/* transitions, UTC seconds, ascending */
	__u8 *types;	/* the local time type from each transition on */
	__s32 *offsets; /* of each type, seconds east of UTC */
	size_t n_times, n_types;
	__s32 first_offset; /* before the first transition */
	bool has_rule;
	struct sg_tz_rule rule;
};

/*
 * "Europe/Madrid", "UTC": the file under dir (SG_TZ_DIR when NULL).
 * A name with "..", a leading '/' or other than [A-Za-z0-9/_+-] is
 * refused. 0, or -errno with err saying why. sg_tz_free() after.
 */
int sg_tz_load(const char *dir, const char *name, struct sg_tz *tz, char *err,
	       size_t err_len);
void sg_tz_free(struct sg_tz *tz);
/* A TZif file's bytes (the tests feed their own). */
int sg_tz_parse(const unsigned char *buf, size_t len, struct sg_tz *tz,
		char *err, size_t err_len);
/* A POSIX TZ string: 0 or -EINVAL. */
int sg_tz_parse_rule(const char *text, struct sg_tz_rule *rule);

/* Seconds east of UTC at the instant utc (Unix seconds). */
__s32 sg_tz_offset(const struct sg_tz *tz, __s64 utc);
/*
 * The first instant at which the zone's clocks show local (seconds since
 * 1970-01-01 00:00 local time) or later: the instant itself when it is
 * shown once, its first showing when clocks go back over it, and the
 * moment of the jump when clocks go forward over it.
 */
__s64 sg_tz_local_to_utc(const struct sg_tz *tz, __s64 local);

/* Calendar helpers (proleptic Gregorian, days since 1970-01-01). */
__s64 sg_days_from_civil(__s64 y, unsigned int m, unsigned int d);
void sg_civil_from_days(__s64 days, __s64 *y, unsigned int *m, unsigned int *d);
/* 0 Monday ... 6 Sunday. */
unsigned int sg_weekday(__s64 days);

#endif /* SLOTGUARD_TZ_H */
