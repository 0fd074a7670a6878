// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's log on stderr: "TIME slotguard LEVEL: message" lines, or
 * one JSON object per line (--log-format json) with a "level" on every
 * event. When stderr is the journal, each line starts with its syslog
 * priority (<3> error, <4> warning, <6> info) for `journalctl -p`, and
 * carries no time of its own: the journal stamps every line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "daemon.h"

static int sg_priority(const char *level)
{
	if (!strcmp(level, "error"))
		return 3;
	if (!strcmp(level, "warning"))
		return 4;
	return 6;
}

/* RFC 3339 UTC with milliseconds. */
void sg_log_time(__u64 unix_ns, char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	time_t sec;

	if (!unix_ns) {
		clock_gettime(CLOCK_REALTIME, &ts);
		unix_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	sec = (time_t)(unix_ns / 1000000000ULL);
	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec,
		 (unsigned int)(unix_ns / 1000000ULL % 1000));
}

void sg_log_line(const struct sg_daemon *d, const char *level, const char *head,
		 const char *text)
{
	char ts[48];

	if (d && d->journal) {
		fprintf(stderr, "<%d>%s: %s\n", sg_priority(level), head, text);
		return;
	}
	sg_log_time(0, ts, sizeof(ts));
	fprintf(stderr, "%s slotguard %s: %s\n", ts, head, text);
}

struct json_object *sg_log_json_begin(const struct sg_daemon *d,
				      const char *level)
{
	struct json_object *o = json_object_new_object();
	char ts[48];

	if (!d->journal) {
		sg_log_time(0, ts, sizeof(ts));
		json_object_object_add(o, "time", json_object_new_string(ts));
	}
	json_object_object_add(o, "level", json_object_new_string(level));
	return o;
}

void sg_log_json_end(const struct sg_daemon *d, const char *level,
		     struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (d->journal)
		fprintf(stderr, "<%d>%s\n", sg_priority(level), text);
	else
		fprintf(stderr, "%s\n", text);
	json_object_put(o);
}

void sg_log(const struct sg_daemon *d, const char *level, const char *fmt, ...)
{
	struct json_object *o;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!d || d->log_format == SG_LOG_TEXT) {
		sg_log_line(d, level, level, msg);
		return;
	}
	o = sg_log_json_begin(d, level);
	json_object_object_add(o, "msg", json_object_new_string(msg));
	sg_log_json_end(d, level, o);
}

/* A manual change a command queued: who, when, what. */
void sg_log_audit(const struct sg_daemon *d, const struct sg_audit_record *r)
{
	struct json_object *o;
	char when[48], text[512];

	sg_log_time(r->time_unix_ns, when, sizeof(when));
	if (d->log_format == SG_LOG_TEXT) {
		snprintf(text, sizeof(text),
			 "manual change by uid %u (%s%s, pid %u) at %s: %s",
			 r->uid, r->login[0] ? "login " : "no login name",
			 r->login, r->pid, when, r->text);
		sg_log_line(d, "info", "info", text);
		return;
	}
	o = sg_log_json_begin(d, "info");
	json_object_object_add(o, "event",
			       json_object_new_string("manual_change"));
	json_object_object_add(o, "uid", json_object_new_int64(r->uid));
	json_object_object_add(o, "login",
			       r->login[0] ? json_object_new_string(r->login)
					   : NULL);
	json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	json_object_object_add(o, "changed_at", json_object_new_string(when));
	json_object_object_add(o, "change", json_object_new_string(r->text));
	sg_log_json_end(d, "info", o);
}

void sg_settings_log_notes(const struct sg_daemon *d,
			   const struct sg_settings *s)
{
	if (s->notes.count)
		sg_log(d, "warning", "%s%s", s->notes.first,
		       s->notes.count > 1 ? " (and more IPv4-mapped prefixes)"
					  : "");
}
