// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What fleet mode tells: its Prometheus section (rendered in the metrics
 * thread from atomic counters), the status file `slotguard status` reads,
 * and the peer table: the names of the gateways, whose index a ban
 * imported from one carries in sg_ban.origin. The table only grows and is
 * kept in the state directory, so the indexes in pinned bans stay right
 * across restarts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "fleet_int.h"

static const double delay_bounds[SG_FLEET_DELAY_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

void sg_fleet_observe_delay(struct sg_fleet *f, __u64 delay_ms)
{
	unsigned int i;

	for (i = 0; i < SG_FLEET_DELAY_BUCKETS; i++)
		if (delay_ms <= delay_bounds[i] * 1000)
			break;
	sg_fleet_add(f, delay_bucket[i], 1);
	sg_fleet_add(f, delay_sum_us, delay_ms * 1000);
	sg_fleet_add(f, delay_count, 1);
}

/* A label value: backslash, quote and newline escaped. */
static void sg_label(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"')
			out[o++] = '\\';
		if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = *in;
	}
	out[o] = '\0';
}

static void sg_counter(FILE *out, const char *name, const char *help,
		       const char *type)
{
	fprintf(out,
		"# HELP slotguard_fleet_%s %s\n# TYPE slotguard_fleet_%s %s\n",
		name, help, name, type);
}

static void sg_render_changes(struct sg_fleet *f, FILE *out)
{
	static const char *const change[2] = { "ban", "unban" };
	unsigned int i;

	sg_counter(out, "published_total",
		   "Bans and unbans of this gateway that Redis announced to "
		   "the fleet.",
		   "counter");
	for (i = 0; i < 2; i++)
		fprintf(out,
			"slotguard_fleet_published_total{change=\"%s\"} %llu\n",
			change[i],
			(unsigned long long)sg_fleet_get(f, published[i]));
	sg_counter(out, "imported_total",
		   "Bans and unbans of other gateways applied here.",
		   "counter");
	for (i = 0; i < 2; i++)
		fprintf(out,
			"slotguard_fleet_imported_total{change=\"%s\"} %llu\n",
			change[i],
			(unsigned long long)sg_fleet_get(f, imported[i]));
	sg_counter(out, "imports_refused_total",
		   "Bans from Redis not applied, by reason.", "counter");
	for (i = 0; i < SG_REFUSED_COUNT; i++)
		fprintf(out,
			"slotguard_fleet_imports_refused_total{reason=\"%s\"} %llu\n",
			sg_fleet_refusal_names[i],
			(unsigned long long)sg_fleet_get(f, refused[i]));
}

static void sg_render_delay(struct sg_fleet *f, FILE *out)
{
	__u64 cumulative = 0;
	unsigned int i;

	sg_counter(out, "propagation_seconds",
		   "From a ban's start at the gateway that made it to its "
		   "import here (the Redis clock).",
		   "histogram");
	for (i = 0; i < SG_FLEET_DELAY_BUCKETS; i++) {
		cumulative += sg_fleet_get(f, delay_bucket[i]);
		fprintf(out,
			"slotguard_fleet_propagation_seconds_bucket{le=\"%g\"} %llu\n",
			delay_bounds[i], (unsigned long long)cumulative);
	}
	cumulative += sg_fleet_get(f, delay_bucket[SG_FLEET_DELAY_BUCKETS]);
	fprintf(out,
		"slotguard_fleet_propagation_seconds_bucket{le=\"+Inf\"} %llu\n"
		"slotguard_fleet_propagation_seconds_sum %.6f\n"
		"slotguard_fleet_propagation_seconds_count %llu\n",
		(unsigned long long)cumulative,
		sg_fleet_get(f, delay_sum_us) / 1e6,
		(unsigned long long)sg_fleet_get(f, delay_count));
}

static void sg_render_one(FILE *out, const char *name, const char *help,
			  const char *type, __u64 v)
{
	sg_counter(out, name, help, type);
	fprintf(out, "slotguard_fleet_%s %llu\n", name, (unsigned long long)v);
}

void sg_fleet_render_metrics(void *ctx, FILE *out)
{
	struct sg_fleet *f = ctx;
	char gateway[2 * SG_FLEET_NAME_LEN], redis[2 * PATH_MAX];

	sg_label(f->gateway, gateway, sizeof(gateway));
	sg_label(f->cfg.redis, redis, sizeof(redis));
	sg_counter(out, "info", "This gateway's name and its Redis.", "gauge");
	fprintf(out, "slotguard_fleet_info{gateway=\"%s\",redis=\"%s\"} 1\n",
		gateway, redis);
	sg_render_one(out, "connected",
		      "1 while connected to Redis (commands and subscription).",
		      "gauge", sg_fleet_get(f, connected));
	sg_render_one(out, "peers",
		      "Gateways heard from in the last 3.5 s, this one too.",
		      "gauge", sg_fleet_get(f, peers));
	sg_render_changes(f, out);
	sg_render_one(out, "sync_errors_total",
		      "Connections lost or refused and error replies.",
		      "counter", sg_fleet_get(f, sync_errors));
	sg_render_one(out, "connects_total", "Connections made to Redis.",
		      "counter", sg_fleet_get(f, connects));
	sg_render_one(out, "redis_commands_total",
		      "Commands sent to Redis (script calls count one).",
		      "counter", sg_fleet_get(f, commands));
	sg_render_one(out, "reports_total",
		      "Heavy prefixes' hits sent for fleet budgets.", "counter",
		      sg_fleet_get(f, reports));
	sg_render_one(out, "reports_dropped_total",
		      "Hits not sent: Redis down, or over the per-sync cap.",
		      "counter", sg_fleet_get(f, unreported));
	sg_render_one(out, "budget_bans_total",
		      "Bans (monitor: would-bans) this gateway's reports made "
		      "over a fleet budget.",
		      "counter", sg_fleet_get(f, fleet_bans));
	sg_render_one(out, "last_sync_timestamp_seconds",
		      "When the last sync with Redis ran (0: never).", "gauge",
		      sg_fleet_get(f, last_sync_unix_ms) / 1000);
	sg_render_delay(f, out);
}

unsigned int sg_fleet_live_peers(struct sg_fleet *f)
{
	__u64 now = sg_fleet_mono_ms();
	unsigned int i, live = 0;

	for (i = 1; i < f->n_peers; i++)
		if (f->peers[i].seen_ms &&
		    now - f->peers[i].seen_ms < SG_FLEET_PEER_TTL_MS)
			live++;
	if (!live || f->state != SG_FLEET_UP)
		live = 1;
	sg_fleet_set(f, peers, f->state == SG_FLEET_UP ? live : 0);
	return live;
}

void sg_fleet_peer_heard(struct sg_fleet *f, const char *name)
{
	__u16 i = sg_fleet_peer_index(f, name);

	if (i)
		f->peers[i].seen_ms = sg_fleet_mono_ms();
}

__u16 sg_fleet_peer_index(struct sg_fleet *f, const char *name)
{
	unsigned int i;

	for (i = 1; i < f->n_peers; i++)
		if (!strcmp(f->peers[i].name, name))
			return (__u16)i;
	if (f->n_peers >= SG_FLEET_MAX_PEERS)
		return 0; /* "unknown": they share one import budget */
	snprintf(f->peers[i].name, sizeof(f->peers[i].name), "%s", name);
	f->n_peers++;
	f->peers_dirty = true;
	return (__u16)i;
}

static int sg_fleet_path(const struct sg_fleet *f, const char *file, char *buf,
			 size_t len)
{
	int n = snprintf(buf, len, "%s/%s", f->state_dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sg_fleet_peers_load(struct sg_fleet *f, char *err, size_t len)
{
	char path[PATH_MAX + 32], line[256];
	FILE *in;

	f->peers = calloc(SG_FLEET_MAX_PEERS, sizeof(*f->peers));
	if (!f->peers)
		return -ENOMEM;
	f->n_peers = 1;
	if (sg_fleet_path(f, SG_FLEET_PEERS_FILE, path, sizeof(path)))
		return -ENAMETOOLONG;
	in = fopen(path, "re");
	if (!in) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	/* A bad line keeps its index, without a name. */
	while (f->n_peers < SG_FLEET_MAX_PEERS &&
	       fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (sg_fleet_valid_name(line))
			strcpy(f->peers[f->n_peers].name, line);
		f->n_peers++;
	}
	fclose(in);
	return 0;
}

/* Write FILE whole or not at all: a temporary file, then rename. */
static int sg_fleet_replace(const struct sg_fleet *f, const char *file,
			    const char *text)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
	FILE *out;
	int ok;

	if (sg_fleet_path(f, file, path, sizeof(path)))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "we");
	if (!out)
		return -errno;
	fputs(text, out);
	ok = !ferror(out);
	ok = !fclose(out) && ok;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

void sg_fleet_peers_save(struct sg_fleet *f)
{
	char *text = calloc(f->n_peers, SG_FLEET_NAME_LEN + 1);
	size_t o = 0;
	unsigned int i;

	if (!text)
		return;
	for (i = 1; i < f->n_peers; i++)
		o += (size_t)sprintf(text + o, "%s\n", f->peers[i].name);
	if (!sg_fleet_replace(f, SG_FLEET_PEERS_FILE, text))
		f->peers_dirty = false;
	free(text);
}

static struct json_object *sg_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

static struct json_object *sg_fleet_counts_json(struct sg_fleet *f)
{
	struct json_object *o = json_object_new_object(), *r;
	unsigned int i;

	json_object_object_add(o, "bans_published",
			       sg_u64(sg_fleet_get(f, published[0])));
	json_object_object_add(o, "unbans_published",
			       sg_u64(sg_fleet_get(f, published[1])));
	json_object_object_add(o, "bans_imported",
			       sg_u64(sg_fleet_get(f, imported[0])));
	json_object_object_add(o, "unbans_imported",
			       sg_u64(sg_fleet_get(f, imported[1])));
	json_object_object_add(o, "budget_bans",
			       sg_u64(sg_fleet_get(f, fleet_bans)));
	json_object_object_add(o, "sync_errors",
			       sg_u64(sg_fleet_get(f, sync_errors)));
	r = json_object_new_object();
	for (i = 0; i < SG_REFUSED_COUNT; i++)
		json_object_object_add(r, sg_fleet_refusal_names[i],
				       sg_u64(sg_fleet_get(f, refused[i])));
	json_object_object_add(o, "imports_refused", r);
	return o;
}

static int sg_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The live gateways' names, sorted. */
static struct json_object *sg_fleet_peers_json(struct sg_fleet *f)
{
	struct json_object *peers = json_object_new_array();
	const char **names = calloc(f->n_peers, sizeof(*names));
	__u64 now = sg_fleet_mono_ms();
	unsigned int i, n = 0;

	for (i = 1; names && i < f->n_peers && f->state == SG_FLEET_UP; i++)
		if (f->peers[i].seen_ms &&
		    now - f->peers[i].seen_ms < SG_FLEET_PEER_TTL_MS)
			names[n++] = f->peers[i].name;
	if (n)
		qsort(names, n, sizeof(*names), sg_name_cmp);
	for (i = 0; i < n; i++)
		json_object_array_add(peers, json_object_new_string(names[i]));
	free(names);
	return peers;
}

void sg_fleet_write_status(struct sg_fleet *f, bool running)
{
	static const char *const states[] = { "down", "connecting", "up" };
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", sg_u64((__u64)getpid()));
	json_object_object_add(o, "running", json_object_new_boolean(running));
	json_object_object_add(o, "updated_unix_ms",
			       sg_u64(sg_fleet_real_ms()));
	json_object_object_add(o, "gateway",
			       json_object_new_string(f->gateway));
	json_object_object_add(o, "redis",
			       json_object_new_string(f->cfg.redis));
	json_object_object_add(o, "state",
			       json_object_new_string(running ? states[f->state]
							      : "stopped"));
	json_object_object_add(
		o, "connected_since_unix_ms",
		sg_u64(f->state == SG_FLEET_UP ? f->up_since_unix_ms : 0));
	json_object_object_add(o, "last_sync_unix_ms",
			       sg_u64(sg_fleet_get(f, last_sync_unix_ms)));
	json_object_object_add(o, "peers", sg_fleet_peers_json(f));
	json_object_object_add(o, "report_conn_threshold",
			       sg_u64(f->report[SG_BUDGET_CONN]));
	json_object_object_add(o, "report_request_threshold",
			       sg_u64(f->report[SG_BUDGET_REQUEST]));
	json_object_object_add(o, "counts", sg_fleet_counts_json(f));
	sg_fleet_replace(f, SG_FLEET_STATUS_FILE,
			 json_object_to_json_string_ext(
				 o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
