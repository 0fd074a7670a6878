// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON vocabulary of docs/JSON.md, shared by every command's --json
 * and the daemon's JSON log: times as RFC 3339 UTC with milliseconds,
 * durations as seconds rounded to the millisecond, rates per second,
 * null for what does not apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "jsonv.h"

struct json_object *sg_json_unix_time(__u64 unix_ns)
{
	char buf[64];
	struct tm tm;
	time_t sec;

	if (!unix_ns)
		return NULL;
	sec = (time_t)(unix_ns / 1000000000ULL);
	gmtime_r(&sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec,
		 (unsigned int)(unix_ns / 1000000ULL % 1000));
	return json_object_new_string(buf);
}

struct json_object *sg_json_time(__u64 at_sg, __u64 now_sg)
{
	struct timespec ts;
	char buf[64];
	struct tm tm;
	__s64 ms;
	time_t sec;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	     ((__s64)now_sg - (__s64)at_sg) / 1000000;
	sec = (time_t)(ms / 1000);
	gmtime_r(&sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_object_new_string(buf);
}

struct json_object *sg_json_seconds(__u64 ns)
{
	char buf[32];

	/* Printed, not computed in binary: 296.764, never 296.76418477099998.
	 */
	snprintf(buf, sizeof(buf), "%llu.%03llu",
		 (unsigned long long)((ns + 500000) / 1000000000ULL),
		 (unsigned long long)((ns + 500000) / 1000000 % 1000));
	return json_object_new_double_s(atof(buf), buf);
}

struct json_object *sg_json_rate_or_null(__u32 milli)
{
	char buf[32];

	if (!milli)
		return NULL;
	snprintf(buf, sizeof(buf), "%u.%03u", milli / 1000, milli % 1000);
	return json_object_new_double_s(milli / 1e3, buf);
}

struct json_object *sg_json_per_second(double v)
{
	char buf[64];

	/* Three decimals, as the rates of ban events: 0.083, not 0.0833333. */
	snprintf(buf, sizeof(buf), "%.3f", v);
	return json_object_new_double_s(atof(buf), buf);
}
