// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Ban events from the XDP program's ring buffer, and unbans found by a
 * periodic sweep, as one log line each on stderr. Lines are capped per
 * second; the rest become one summary line, so a ban storm cannot flood
 * the journal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "core/jsonv.h"
#include "daemon.h"

#define SG_LOG_LINES_PER_SECOND 20

struct sg_ban_seen {
	struct sg_ban_entry *v; /* sorted by cidr */
	size_t n;
};

/* Per-second line budget; true if this line may be printed. */
static bool sg_log_budget(struct sg_daemon *d)
{
	__u64 second = (__u64)time(NULL);

	if (second != d->last_log_second) {
		if (d->suppressed_this_second)
			sg_log(d, "warning",
			       "%u more ban events in the last second were not "
			       "logged (see `slotguard ban list`)",
			       d->suppressed_this_second);
		d->last_log_second = second;
		d->logged_this_second = 0;
		d->suppressed_this_second = 0;
	}
	if (d->logged_this_second >= SG_LOG_LINES_PER_SECOND) {
		d->suppressed_this_second++;
		return false;
	}
	d->logged_this_second++;
	return true;
}

struct sg_ban_line {
	const char *event; /* ban, would_ban, unban */
	const struct sg_cidr *cidr;
	const char *budget;
	__u32 observed_milli, limit_milli; /* 0: n/a */
	__u64 duration_ns;
	unsigned int offences;
};

static void sg_log_ban(struct sg_daemon *d, const struct sg_ban_line *l)
{
	struct json_object *o;
	char cidr[64], dur[32], text[256];

	if (!sg_log_budget(d))
		return;
	sg_format_cidr(l->cidr, cidr, sizeof(cidr));
	if (d->log_format == SG_LOG_TEXT && !strcmp(l->event, "limited")) {
		snprintf(text, sizeof(text),
			 "%s budget=%s observed=%.3f/s limit=%.3f/s (under "
			 "min_excess: limited, not banned)",
			 cidr, l->budget, l->observed_milli / 1e3,
			 l->limit_milli / 1e3);
		sg_log_line(d, "info", l->event, text);
		return;
	}
	if (d->log_format == SG_LOG_TEXT) {
		sg_format_duration(l->duration_ns, dur, sizeof(dur));
		snprintf(text, sizeof(text),
			 "%s budget=%s observed=%.3f/s limit=%.3f/s "
			 "duration=%s offences=%u",
			 cidr, l->budget, l->observed_milli / 1e3,
			 l->limit_milli / 1e3, dur, l->offences);
		sg_log_line(d, "info", l->event, text);
		return;
	}
	o = sg_log_json_begin(d, "info");
	json_object_object_add(o, "event", json_object_new_string(l->event));
	json_object_object_add(o, "prefix", json_object_new_string(cidr));
	json_object_object_add(o, "budget", json_object_new_string(l->budget));
	json_object_object_add(o, "observed_per_second",
			       sg_json_rate_or_null(l->observed_milli));
	json_object_object_add(o, "limit_per_second",
			       sg_json_rate_or_null(l->limit_milli));
	json_object_object_add(o, "duration_seconds",
			       sg_json_seconds(l->duration_ns));
	json_object_object_add(o, "offences",
			       json_object_new_int64(l->offences));
	sg_log_json_end(d, "info", o);
}

static int sg_on_event(void *ctx, void *data, size_t size)
{
	const struct sg_event *ev = data;
	struct sg_daemon *d = ctx;
	struct sg_ban_line l = {};
	struct sg_cidr c = {};

	if (size < sizeof(*ev))
		return 0;
	c.family = ev->family;
	c.prefixlen = ev->prefixlen;
	memcpy(c.addr, ev->addr, 16);
	l.event = ev->type == SG_EVENT_WOULD_BAN ? "would_ban"
		  : ev->type == SG_EVENT_LIMITED ? "limited"
		  : ev->offences > 1		 ? "ban_escalated"
						 : "ban";
	l.cidr = &c;
	l.budget = sg_reason_name(ev->reason);
	l.observed_milli = ev->observed_milli;
	l.limit_milli = ev->limit_milli;
	l.duration_ns = ev->duration_ns;
	l.offences = ev->offences;
	sg_log_ban(d, &l);
	if (ev->type == SG_EVENT_BAN && d->ban_hook)
		d->ban_hook(d->hook_ctx, ev);
	return 0;
}

int sg_events_open(struct sg_daemon *d)
{
	d->events = ring_buffer__new(d->st.fds[SG_MAP_EVENTS], sg_on_event, d,
				     NULL);
	if (!d->events)
		return -errno;
	d->seen = calloc(1, sizeof(*d->seen));
	return d->seen ? 0 : -ENOMEM;
}

int sg_events_poll(struct sg_daemon *d, int timeout_ms)
{
	int ret = ring_buffer__poll(d->events, timeout_ms);

	return ret == -EINTR ? 0 : ret;
}

static int sg_entry_cmp(const void *a, const void *b)
{
	const struct sg_ban_entry *x = a, *y = b;
	int diff = x->cidr.family - y->cidr.family;

	if (diff)
		return diff;
	diff = x->cidr.prefixlen - y->cidr.prefixlen;
	return diff ? diff : memcmp(x->cidr.addr, y->cidr.addr, 16);
}

void sg_events_sweep(struct sg_daemon *d)
{
	struct sg_ban_entry *v = NULL, *was;
	struct sg_config cfg = {};
	struct sg_ban_line l = {};
	size_t n = 0, i, active = 0;
	__u64 now;

	if (sg_ban_dump(&d->st, &v, &n))
		return;
	sg_persist_bans_seen(d, v, n);
	sg_config_read(&d->st, &cfg);
	now = sg_state_now(&d->st);
	for (i = 0; i < n; i++) {
		if (now < v[i].ban.until_ns) {
			v[active++] = v[i];
			continue;
		}
		was = d->seen->n ? bsearch(&v[i], d->seen->v, d->seen->n,
					   sizeof(*was), sg_entry_cmp)
				 : NULL;
		if (was) {
			l.event = "unban";
			l.cidr = &v[i].cidr;
			l.budget = sg_reason_name(v[i].ban.reason);
			l.duration_ns = v[i].ban.until_ns - v[i].ban.since_ns;
			l.observed_milli = v[i].ban.observed_milli;
			l.limit_milli = v[i].ban.limit_milli;
			l.offences = v[i].ban.offences;
			sg_log_ban(d, &l);
		}
		if (now - v[i].ban.until_ns >= cfg.ban_memory_ns &&
		    !sg_ban_forget(&d->st, &v[i].cidr))
			d->forgotten++;
	}
	/*
	 * Forgotten bans leave their bits in the ban filter: rebuild it now
	 * and then, so that it keeps saying "surely not banned" for most.
	 */
	if (d->forgotten && time(NULL) - d->filter_rebuilt >= 10 &&
	    !sg_state_lock(&d->st, 0)) {
		if (!sg_ban_filter_rebuild(&d->st)) {
			d->forgotten = 0;
			d->filter_rebuilt = time(NULL);
		}
		close(d->st.lock_fd);
		d->st.lock_fd = -1;
	}
	if (active) /* v is NULL when there are no bans: no qsort(NULL, 0) */
		qsort(v, active, sizeof(*v), sg_entry_cmp);
	free(d->seen->v);
	d->seen->v = v;
	d->seen->n = active;
}

void sg_events_close(struct sg_daemon *d)
{
	ring_buffer__free(d->events);
	d->events = NULL;
	if (d->seen)
		free(d->seen->v);
	free(d->seen);
	d->seen = NULL;
}
