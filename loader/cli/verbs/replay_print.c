// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The reports of `slotguard replay`: frames by verdict and reason (one
 * column per config and their difference), bans in the order they were
 * made, the heaviest prefixes, services, sets and --allow-check, as text
 * or as one JSON object (docs/JSON.md).
 */
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "cli/report.h"
#include "replay_out.h"

const struct sg_replay_tally *
sg_replay_tally_of(const struct sg_replay_report *r, unsigned int i)
{
	return sg_replay_run_tally(r->runs[i]);
}

/* Frames with a verdict and reason, over every service. */
__u64 sg_replay_row(const struct sg_replay_tally *t, unsigned int v,
		    unsigned int reason)
{
	unsigned int s;
	__u64 n = 0;

	for (s = 0; s < SG_COUNTER_SERVICES; s++)
		n += t->counts[s][v][reason].packets;
	return n;
}

__u64 sg_replay_service_frames(const struct sg_replay_tally *t, unsigned int s,
			       unsigned int v)
{
	unsigned int reason;
	__u64 n = 0;

	for (reason = 0; reason < SG_REASON_COUNT; reason++)
		n += t->counts[s][v][reason].packets;
	return n;
}

const char *sg_replay_ban_event(const struct sg_replay_ban *b)
{
	if (b->type == SG_EVENT_WOULD_BAN)
		return "would_ban";
	return b->offences > 1 ? "ban_escalated" : "ban";
}

size_t sg_replay_allow_dropped(const struct sg_replay_report *r)
{
	size_t e, n = 0;
	unsigned int i;

	for (e = 0; r->allow && e < r->allow->n; e++)
		for (i = 0; i < r->n; i++)
			if (r->allow->dropped[e * r->allow->configs + i]) {
				n++;
				break;
			}
	return n;
}

/* Is there a ban of this prefix and reason in t? */
static bool has_ban(const struct sg_replay_tally *t,
		    const struct sg_replay_ban *b)
{
	size_t i;

	for (i = 0; i < t->n_bans; i++)
		if (t->bans[i].reason == b->reason &&
		    !sg_cidr_cmp(&t->bans[i].prefix, &b->prefix))
			return true;
	return false;
}

/* ---- text ------------------------------------------------------------- */

static void text_head(const struct sg_replay_report *r)
{
	char a[48], b[48];

	sg_log_time(r->first_ts ? r->first_ts : 1, a, sizeof(a));
	sg_log_time(r->last_ts ? r->last_ts : 1, b, sizeof(b));
	printf("replay of %s (%s, %s): %llu frames", r->capture, r->format,
	       r->link, (unsigned long long)r->frames);
	if (r->frames)
		printf(" from %s to %s (%.3f s)", a, b,
		       (r->last_ts - r->first_ts) / 1e9);
	printf("\n");
	if (r->outgoing)
		printf("  %llu sent by the capturing host (cooked capture): "
		       "no XDP program sees them, not replayed\n",
		       (unsigned long long)r->outgoing);
	if (r->out_of_order)
		printf("  %llu stamped before an earlier frame: replayed at "
		       "the earlier time\n",
		       (unsigned long long)r->out_of_order);
}

static void text_verdicts(const struct sg_replay_report *r)
{
	unsigned int v, reason, i;
	__u64 n[SG_REPLAY_CONFIGS], any, total[SG_REPLAY_CONFIGS] = {};
	int w[SG_REPLAY_CONFIGS];
	char label[64];

	/* A column as wide as its config's name: paths are never cut. */
	printf("\n%-34s", "frames by verdict and reason");
	for (i = 0; i < r->n; i++) {
		w[i] = (int)strlen(r->conf[i]) > 16 ? (int)strlen(r->conf[i])
						    : 16;
		printf(" %*s", w[i], r->conf[i]);
	}
	printf("%s\n", r->n > 1 ? "       change" : "");
	for (v = 0; v < SG_VERDICT_COUNT; v++)
		for (reason = 0; reason < SG_REASON_COUNT; reason++) {
			for (i = 0, any = 0; i < r->n; i++)
				any |= n[i] = sg_replay_row(
					sg_replay_tally_of(r, i), v, reason);
			if (!any)
				continue;
			snprintf(label, sizeof(label), "  %-10s %s",
				 sg_verdict_name(v), sg_reason_name(reason));
			printf("%-34s", label);
			for (i = 0; i < r->n; i++) {
				printf(" %*llu", w[i],
				       (unsigned long long)n[i]);
				if (v != SG_VERDICT_PASS)
					total[i] += n[i];
			}
			if (r->n > 1)
				printf(" %+12lld", (long long)(n[1] - n[0]));
			printf("\n");
		}
	printf("%-34s", "  dropped or would-be dropped");
	for (i = 0; i < r->n; i++)
		printf(" %*llu", w[i], (unsigned long long)total[i]);
	if (r->n > 1)
		printf(" %+12lld", (long long)(total[1] - total[0]));
	printf("\n");
}

static void text_bans(const struct sg_replay_report *r, unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i), *o;
	const struct sg_replay_ban *b;
	char when[48], prefix[64], dur[32];
	size_t k;

	printf("\nbans with %s: %zu%s\n", r->conf[i],
	       t->n_bans + t->bans_missed,
	       t->n_bans ? " (capture time, in the order made)" : "");
	o = r->n > 1 ? sg_replay_tally_of(r, 1 - i) : NULL;
	for (k = 0; k < t->n_bans; k++) {
		b = &t->bans[k];
		sg_log_time(b->time_ns, when, sizeof(when));
		sg_format_cidr(&b->prefix, prefix, sizeof(prefix));
		sg_format_duration(b->duration_ns, dur, sizeof(dur));
		printf("  %s %-13s %-28s %-19s observed %.3f/s limit %.3f/s "
		       "for %s offences %u%s\n",
		       when, sg_replay_ban_event(b), prefix,
		       sg_reason_name(b->reason), b->observed_milli / 1e3,
		       b->limit_milli / 1e3, dur, b->offences,
		       o && !has_ban(o, b) ? "  (only with this config)" : "");
	}
	if (t->bans_missed)
		printf("  ... and %zu more not listed (the list keeps %d)\n",
		       t->bans_missed, SG_REPLAY_BANS_MAX);
	if (t->limited)
		printf("  %llu times a source went over a budget below "
		       "min_excess: limited, not banned\n",
		       (unsigned long long)t->limited);
}

static void text_top(const struct sg_replay_report *r, unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	struct sg_replay_prefix *v = NULL;
	struct sg_cidr c;
	char prefix[64];
	size_t n = 0, k;

	if (!r->top || sg_replay_tally_top(t, r->top, &v, &n))
		return;
	printf("\nheaviest source prefixes with %s (%zu seen%s)\n", r->conf[i],
	       t->n_prefixes, t->prefixes_missed ? ", table full" : "");
	printf("  %-28s %10s %10s %8s %9s  %s\n", "PREFIX", "FRAMES", "DROPPED",
	       "CONNS", "REQUESTS", "LAST DROP");
	for (k = 0; k < n; k++) {
		c.family = v[k].family;
		c.prefixlen = t->prefix_len[c.family & 1];
		memcpy(c.addr, v[k].addr, 16);
		sg_format_cidr(&c, prefix, sizeof(prefix));
		printf("  %-28s %10llu %10llu %8llu %9llu  %s\n", prefix,
		       (unsigned long long)v[k].packets,
		       (unsigned long long)v[k].dropped,
		       (unsigned long long)v[k].conns,
		       (unsigned long long)v[k].requests,
		       v[k].dropped ? sg_reason_name(v[k].drop_reason) : "-");
	}
	free(v);
}

static void text_services_sets(const struct sg_replay_report *r, unsigned int i)
{
	const struct sg_replay_tally *t = sg_replay_tally_of(r, i);
	const struct sg_settings *s = sg_replay_run_settings(r->runs[i]);
	const struct sg_service_conf *sc;
	const char *name;
	unsigned int k;

	printf("\nservices and sets with %s (pass / drop / would_drop)\n",
	       r->conf[i]);
	for (k = 0; k < s->n_services && k < SG_MAX_SERVICES; k++) {
		sc = &s->services[k];
		printf("  service %-20s %s/%-5u %10llu %10llu %10llu\n",
		       sc->name, sc->svc.proto == 17 ? "udp" : "tcp",
		       sc->svc.port,
		       (unsigned long long)sg_replay_service_frames(t, k + 1,
								    0),
		       (unsigned long long)sg_replay_service_frames(t, k + 1,
								    1),
		       (unsigned long long)sg_replay_service_frames(t, k + 1,
								    2));
	}
	for (k = 0; k < SG_MAX_SETS; k++) {
		name = sg_replay_run_set_name(r->runs[i], k);
		if (!name || !(t->sets[k][0] | t->sets[k][1] | t->sets[k][2]))
			continue;
		printf("  set %-30s %10llu %10llu %10llu\n", name,
		       (unsigned long long)t->sets[k][0],
		       (unsigned long long)t->sets[k][1],
		       (unsigned long long)t->sets[k][2]);
	}
}

static void text_allow(const struct sg_replay_report *r)
{
	const struct sg_replay_allow *a = r->allow;
	char prefix[64];
	size_t e, at;
	unsigned int i;

	printf("\nallow-check %s: %zu of %zu entries had a frame dropped\n",
	       r->allow_path, sg_replay_allow_dropped(r), a->n);
	for (e = 0; e < a->n; e++) {
		at = e * a->configs;
		for (i = 0; i < r->n && !a->dropped[at + i]; i++)
			;
		if (i == r->n)
			continue;
		sg_format_cidr(&a->entries[e], prefix, sizeof(prefix));
		printf("  %-28s", prefix);
		for (i = 0; i < r->n; i++)
			printf("  %s: %llu of %llu frames dropped", r->conf[i],
			       (unsigned long long)a->dropped[at + i],
			       (unsigned long long)a->packets[at + i]);
		printf("\n");
	}
}

void sg_replay_print_text(const struct sg_replay_report *r)
{
	unsigned int i;

	text_head(r);
	text_verdicts(r);
	for (i = 0; i < r->n; i++)
		text_bans(r, i);
	for (i = 0; i < r->n; i++)
		text_top(r, i);
	for (i = 0; i < r->n; i++)
		text_services_sets(r, i);
	if (r->allow)
		text_allow(r);
}
