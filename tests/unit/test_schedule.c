// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Time zones and profile schedules (loader/core/tz.c, schedule.c), driven
 * by a fake clock: the instants are arguments, so a daylight-saving change
 * in Europe/Madrid and a window across midnight are checked to the second
 * at their boundaries. The zone reader is also held to the C library's
 * localtime_r over 30 years (TZ set here: the unit tests run one thread).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/sg.h"
#include "test.h"

#define HOUR 3600LL
#define DAY  86400LL

/* Unix seconds of a UTC date and time. */
static __s64 utc(__s64 y, unsigned int mo, unsigned int d, unsigned int h,
		 unsigned int mi, unsigned int s)
{
	return sg_days_from_civil(y, mo, d) * DAY + h * HOUR + mi * 60 + s;
}

static bool load(const char *name, struct sg_tz *tz)
{
	char err[256];

	if (sg_tz_load(NULL, name, tz, err, sizeof(err))) {
		sg_test_fail_at(__FILE__, __LINE__, "%s: %s", name, err);
		return false;
	}
	return true;
}

SG_TEST(tz_calendar_round_trip)
{
	__s64 day, y;
	unsigned int m, d;

	ASSERT_EQ(sg_days_from_civil(1970, 1, 1), 0);
	ASSERT_EQ(sg_days_from_civil(2000, 3, 1), 11017);
	ASSERT_EQ(sg_weekday(0), 3); /* Thursday */
	ASSERT_EQ(sg_weekday(sg_days_from_civil(2026, 3, 29)), 6); /* Sun */
	for (day = -800000; day < 800000; day += 97) {
		sg_civil_from_days(day, &y, &m, &d);
		ASSERT_EQ(sg_days_from_civil(y, m, d), day);
	}
	return true;
}

SG_TEST(tz_rules_parse)
{
	struct sg_tz_rule r;

	ASSERT_OK(sg_tz_parse_rule("CET-1CEST,M3.5.0,M10.5.0/3", &r));
	ASSERT_EQ(r.std_offset, 3600);
	ASSERT_EQ(r.dst_offset, 7200);
	ASSERT_EQ(r.end.time, 3 * 3600);
	ASSERT_OK(sg_tz_parse_rule("<+0530>-5:30", &r));
	ASSERT_EQ(r.std_offset, 19800);
	ASSERT_TRUE(!r.has_dst);
	ASSERT_OK(sg_tz_parse_rule("AEST-10AEDT,M10.1.0,M4.1.0/3", &r));
	ASSERT_OK(sg_tz_parse_rule("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", &r));
	ASSERT_EQ(r.start.time, -7200);
	ASSERT_TRUE(sg_tz_parse_rule("CET-1CEST,M13.5.0,M10.5.0", &r) != 0);
	ASSERT_TRUE(sg_tz_parse_rule("", &r) != 0);
	ASSERT_TRUE(sg_tz_parse_rule("CET-1CEST,M3.5.0", &r) != 0);
	return true;
}

SG_TEST(tz_names_refused)
{
	static const char *const bad[] = { "../../etc/shadow", "/etc/localtime",
					   "Europe/Madrid;", "",
					   "Nowhere/Else" };
	struct sg_tz tz;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sg_test_context("%s", bad[i]);
		ASSERT_TRUE(sg_tz_load(NULL, bad[i], &tz, err, sizeof(err)) <
			    0);
	}
	return true;
}

/* Every 7 hours from 2010 to 2040 and at each hour of the changes. */
static bool same_as_libc(const char *name)
{
	struct sg_tz tz;
	struct tm tm;
	time_t t;
	__s64 x;
	bool ok = true;

	if (!load(name, &tz))
		return false;
	setenv("TZ", name, 1);
	tzset();
	for (x = utc(2010, 1, 1, 0, 0, 0); x < utc(2040, 1, 1, 0, 0, 0) && ok;
	     x += 7 * HOUR + 1) {
		t = (time_t)x;
		localtime_r(&t, &tm);
		if (tm.tm_gmtoff != sg_tz_offset(&tz, x)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"%s at %lld: libc %ld, ours %d", name,
					(long long)x, tm.tm_gmtoff,
					sg_tz_offset(&tz, x));
			ok = false;
		}
	}
	unsetenv("TZ");
	tzset();
	sg_tz_free(&tz);
	return ok;
}

SG_TEST(tz_offsets_match_libc)
{
	static const char *const zones[] = {
		"Europe/Madrid",    "UTC",	     "America/New_York",
		"Australia/Sydney", "Asia/Kolkata",  "America/Santiago",
		"Pacific/Chatham",  "Europe/London", "Africa/Casablanca",
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		ASSERT_TRUE(same_as_libc(zones[i]));
	return true;
}

SG_TEST(tz_madrid_changes_to_the_second)
{
	struct sg_tz tz;
	/* 2026: forward on 29 March at 01:00 UTC, back on 25 October. */
	__s64 fwd = utc(2026, 3, 29, 1, 0, 0),
	      back = utc(2026, 10, 25, 1, 0, 0);
	__s64 d29 = sg_days_from_civil(2026, 3, 29) * DAY;
	__s64 d25 = sg_days_from_civil(2026, 10, 25) * DAY;

	ASSERT_TRUE(load("Europe/Madrid", &tz));
	ASSERT_EQ(sg_tz_offset(&tz, fwd - 1), 3600);
	ASSERT_EQ(sg_tz_offset(&tz, fwd), 7200);
	ASSERT_EQ(sg_tz_offset(&tz, back - 1), 7200);
	ASSERT_EQ(sg_tz_offset(&tz, back), 3600);
	/* 01:59:59 local, then 03:00:00: 02:30 is the jump itself. */
	ASSERT_EQ(sg_tz_local_to_utc(&tz, d29 + 1 * HOUR + 59 * 60 + 59),
		  fwd - 1);
	ASSERT_EQ(sg_tz_local_to_utc(&tz, d29 + 2 * HOUR + 30 * 60), fwd);
	ASSERT_EQ(sg_tz_local_to_utc(&tz, d29 + 3 * HOUR), fwd);
	/* 02:30 shows twice in October: the first time, in summer time. */
	ASSERT_EQ(sg_tz_local_to_utc(&tz, d25 + 2 * HOUR + 30 * 60),
		  back - 30 * 60);
	ASSERT_EQ(sg_tz_local_to_utc(&tz, d25 + 3 * HOUR), back + HOUR);
	sg_tz_free(&tz);
	return true;
}

/* At t: active or not, and the next boundary, exactly. */
static bool expect_at(const struct sg_profile_settings *p,
		      const struct sg_tz *tz, __s64 t, bool active, __s64 next)
{
	__s64 got_next;
	bool got = sg_schedule_at(p, tz, t, &got_next);

	if (got == active && got_next == next)
		return true;
	sg_test_fail_at(__FILE__, __LINE__,
			"at %lld: active %d next %lld, want %d and %lld",
			(long long)t, got, (long long)got_next, active,
			(long long)next);
	return false;
}

static struct sg_profile_settings window(__u8 days, __u32 start, __u32 end,
					 const char *zone)
{
	struct sg_profile_settings p;

	memset(&p, 0, sizeof(p));
	strcpy(p.name, "release");
	p.days = days;
	p.start = start;
	p.end = end;
	snprintf(p.timezone, sizeof(p.timezone), "%s", zone);
	return p;
}

#define EVERY_DAY 0x7f
#define MON_FRI	  0x1f
#define FRIDAY	  0x10

/* 07:55-08:30 every day: 06:55 UTC in winter, 05:55 UTC in summer. */
SG_TEST(schedule_across_the_spring_change)
{
	struct sg_profile_settings p =
		window(EVERY_DAY, 7 * HOUR + 55 * 60, 8 * HOUR + 30 * 60, "");
	__s64 sat = utc(2026, 3, 28, 6, 55, 0),
	      sun = utc(2026, 3, 29, 5, 55, 0);
	struct sg_tz tz;

	ASSERT_TRUE(load("Europe/Madrid", &tz));
	ASSERT_TRUE(expect_at(&p, &tz, sat - 1, false, sat));
	ASSERT_TRUE(expect_at(&p, &tz, sat, true, sat + 35 * 60));
	ASSERT_TRUE(expect_at(&p, &tz, sat + 35 * 60 - 1, true, sat + 35 * 60));
	/* After Saturday's window: Sunday's, an hour earlier in UTC. */
	ASSERT_TRUE(expect_at(&p, &tz, sat + 35 * 60, false, sun));
	ASSERT_TRUE(expect_at(&p, &tz, sun - 1, false, sun));
	ASSERT_TRUE(expect_at(&p, &tz, sun, true, sun + 35 * 60));
	ASSERT_TRUE(expect_at(&p, &tz, sun + 35 * 60, false, sun + DAY));
	sg_tz_free(&tz);
	return true;
}

SG_TEST(schedule_across_the_autumn_change)
{
	/* 01:30-03:30 on Sundays: 25 October 2026 has 02:00-03:00 twice. */
	struct sg_profile_settings p =
		window(0x40, 1 * HOUR + 30 * 60, 3 * HOUR + 30 * 60, "");
	__s64 start = utc(2026, 10, 24, 23, 30, 0); /* 01:30 CEST */
	__s64 end = utc(2026, 10, 25, 2, 30, 0);    /* 03:30 CET */
	struct sg_tz tz;

	ASSERT_TRUE(load("Europe/Madrid", &tz));
	ASSERT_TRUE(expect_at(&p, &tz, start - 1, false, start));
	ASSERT_TRUE(expect_at(&p, &tz, start, true, end));
	/* Three hours long that night, and active through the repeat. */
	ASSERT_TRUE(expect_at(&p, &tz, utc(2026, 10, 25, 1, 15, 0), true, end));
	ASSERT_TRUE(expect_at(&p, &tz, end - 1, true, end));
	ASSERT_TRUE(expect_at(&p, &tz, end, false, utc(2026, 11, 1, 0, 30, 0)));
	sg_tz_free(&tz);
	return true;
}

SG_TEST(schedule_across_midnight)
{
	/* Fridays 23:00 to 01:00: the window runs into Saturday. */
	struct sg_profile_settings p = window(FRIDAY, 23 * HOUR, 1 * HOUR, "");
	__s64 fri = utc(2026, 12, 4, 22, 0, 0); /* 23:00 CET, a Friday */
	struct sg_tz tz;

	ASSERT_TRUE(load("Europe/Madrid", &tz));
	ASSERT_TRUE(expect_at(&p, &tz, fri - 1, false, fri));
	ASSERT_TRUE(expect_at(&p, &tz, fri, true, fri + 2 * HOUR));
	ASSERT_TRUE(expect_at(&p, &tz, fri + HOUR, true, fri + 2 * HOUR));
	ASSERT_TRUE(
		expect_at(&p, &tz, fri + 2 * HOUR - 1, true, fri + 2 * HOUR));
	ASSERT_TRUE(expect_at(&p, &tz, fri + 2 * HOUR, false, fri + 7 * DAY));
	/* A Saturday 00:30 that no Friday window covers. */
	p.days = 0x20;
	ASSERT_TRUE(expect_at(&p, &tz, fri + 90 * 60, false, fri + DAY));
	/* end = 24:00 is stored as 0: the next midnight. */
	p = window(MON_FRI, 22 * HOUR, 0, "");
	ASSERT_TRUE(expect_at(&p, &tz, fri + HOUR - 1, true, fri + HOUR));
	ASSERT_TRUE(
		expect_at(&p, &tz, fri + HOUR, false, fri + 3 * DAY - HOUR));
	sg_tz_free(&tz);
	return true;
}

SG_TEST(schedule_in_the_spring_gap)
{
	/* 02:30-04:00 never shows on 29 March: it starts at the jump. */
	struct sg_profile_settings p =
		window(0x40, 2 * HOUR + 30 * 60, 4 * HOUR, "");
	__s64 jump = utc(2026, 3, 29, 1, 0, 0);
	struct sg_tz tz;

	ASSERT_TRUE(load("Europe/Madrid", &tz));
	ASSERT_TRUE(expect_at(&p, &tz, jump - 1, false, jump));
	ASSERT_TRUE(expect_at(&p, &tz, jump, true, jump + HOUR));
	sg_tz_free(&tz);
	return true;
}

SG_TEST(schedule_first_profile_wins)
{
	struct sg_profile_settings ps[2] = {
		window(EVERY_DAY, 8 * HOUR, 9 * HOUR, ""),
		window(EVERY_DAY, 7 * HOUR, 10 * HOUR, ""),
	};
	struct sg_tz tzs[2];
	__s64 day = utc(2026, 12, 2, 0, 0, 0), next;

	ASSERT_TRUE(load("UTC", &tzs[0]));
	ASSERT_TRUE(load("UTC", &tzs[1]));
	ASSERT_EQ(sg_schedule_pick(ps, tzs, 2, day + 7 * HOUR - 1, &next), -1);
	ASSERT_EQ(next, day + 7 * HOUR);
	ASSERT_EQ(sg_schedule_pick(ps, tzs, 2, day + 7 * HOUR, &next), 1);
	ASSERT_EQ(next, day + 8 * HOUR);
	ASSERT_EQ(sg_schedule_pick(ps, tzs, 2, day + 8 * HOUR, &next), 0);
	ASSERT_EQ(next, day + 9 * HOUR);
	ASSERT_EQ(sg_schedule_pick(ps, tzs, 2, day + 9 * HOUR, &next), 1);
	ASSERT_EQ(next, day + 10 * HOUR);
	ASSERT_EQ(sg_schedule_pick(ps, tzs, 2, day + 10 * HOUR, &next), -1);
	ASSERT_EQ(next, day + DAY + 7 * HOUR);
	sg_tz_free(&tzs[0]);
	sg_tz_free(&tzs[1]);
	return true;
}

/* [profile NAME] over the base: what it names changes, the rest stays. */
SG_TEST(schedule_profile_config)
{
	static const char text[] =
		"[slotguard]\nmode = monitor\n"
		"[source]\nconn_rate = 5/s\nconn_burst = 10\n"
		"[profile release]\n"
		"days = mon-fri\nstart = 07:55\nend = 24:00\n"
		"timezone = Europe/Madrid\nmode = enforce\n"
		"conn_rate = 1/s\nsubnet_conn_burst = 50\n"
		"ban_time = 1h\nmin_excess = 2.5\n";
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[profile x]\nstart = 07:00\nend = 08:00\n",
		  ":1: [profile x] needs start, end and timezone" },
		{ "[profile x]\nstart = 7:00\n",
		  ":2: start: '7:00' is not a time of day" },
		{ "[profile x]\ndays = mon-fry\n",
		  ":2: days: 'mon-fry' is not a day" },
		{ "[profile x]\ntimezone = Mars/Base\n",
		  ":2: timezone: 'Mars/Base' is not a time zone" },
		{ "[profile default]\n",
		  ":1: [profile default]: 'default' is the name" },
		{ "[profile x]\nstart = 08:00\nend = 08:00\ntimezone = UTC\n",
		  ":3: [profile x] start and end are the same time" },
		{ "[profile x]\nstart = 08:00\nend = 09:00\ntimezone = UTC\n[profile x]\n",
		  ":5: duplicate section [profile x] (first at line 1)" },
		{ "[profile x]\nstart = 08:00\nend = 09:00\ntimezone = UTC\nban_time = 2d\n",
		  ":5: [profile x] ban_max (1d) must be at least ban_time (2d)" },
	};
	struct sg_settings *s = calloc(1, sizeof(*s));
	const struct sg_profile_settings *p;
	char path[32], err[SG_ERR_LEN];
	size_t i;

	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(sg_test_write_temp(path, text, sizeof(text) - 1));
	ASSERT_OK(sg_settings_load(path, s, err, sizeof(err)));
	unlink(path);
	ASSERT_EQ(s->n_profiles, 1);
	p = &s->profiles[0];
	ASSERT_STREQ(p->name, "release");
	ASSERT_EQ(p->days, 0x1f);
	ASSERT_EQ(p->start, 7 * 3600 + 55 * 60);
	ASSERT_EQ(p->end, 0); /* 24:00: the next midnight */
	ASSERT_EQ(p->cfg.mode, SG_MODE_ENFORCE);
	ASSERT_EQ(s->cfg.mode, SG_MODE_MONITOR);
	/* conn_rate changed, conn_burst the base's 10 tokens of it. */
	ASSERT_EQ(p->cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN].interval_ns,
		  1000000000ULL);
	ASSERT_EQ(p->cfg.budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN].limit_ns,
		  10 * 1000000000ULL);
	ASSERT_EQ(
		p->cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN].limit_ns,
		50 * s->cfg.budget[SG_LEVEL_SUBNET][SG_BUDGET_CONN].interval_ns);
	ASSERT_EQ(p->cfg.ban_time_ns, 3600 * 1000000000ULL);
	ASSERT_EQ(p->cfg.min_excess_milli, 2500);
	ASSERT_EQ(p->cfg.ban_after, s->cfg.ban_after);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sg_test_context("%s", bad[i].why);
		ASSERT_TRUE(sg_test_write_temp(path, bad[i].text,
					       strlen(bad[i].text)));
		err[0] = '\0';
		ASSERT_TRUE(sg_settings_load(path, s, err, sizeof(err)) < 0);
		unlink(path);
		if (!strstr(err, bad[i].why)) {
			sg_test_fail_at(__FILE__, __LINE__, "got '%s'", err);
			free(s);
			return false;
		}
	}
	free(s);
	return true;
}
