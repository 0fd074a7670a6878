/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The JSON vocabulary of docs/JSON.md (jsonv.c), for the commands' --json
 * and the daemon's JSON log lines alike.
 */
#ifndef SLOTGUARD_JSONV_H
#define SLOTGUARD_JSONV_H

#include <json-c/json.h>
#include "sg.h"

/* A wall-clock time (CLOCK_REALTIME ns) as RFC 3339; NULL (null) for 0. */
struct json_object *sg_json_unix_time(__u64 unix_ns);
/* A time on the sg clock as RFC 3339 UTC (now_sg: the sg clock now). */
struct json_object *sg_json_time(__u64 at_sg, __u64 now_sg);
/* A duration in seconds rounded to the millisecond: 296.764. */
struct json_object *sg_json_seconds(__u64 ns);
/* A rate (or a ratio) with three decimals. */
struct json_object *sg_json_per_second(double v);
/* A rate kept in thousandths per second; NULL (null) for 0: n/a. */
struct json_object *sg_json_rate_or_null(__u32 milli);

#endif /* SLOTGUARD_JSONV_H */
