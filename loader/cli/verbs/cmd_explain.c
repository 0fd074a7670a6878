// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard explain ADDR`: for one source, what its next frame to each
 * protected service would get and why, in the program's own order: set
 * (allow, deny), ban, limit set, source and subnet budgets, ceiling. Reads
 * the pinned maps only (core/explain.c), never changes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/in.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "cli/report.h"
#include "core/explain.h"

static const char explain_usage[] =
	"Usage: slotguard explain ADDR [--service NAME] [--json]\n"
	"\n"
	"Why a source gets what it gets: the set entry covering it (allow,\n"
	"deny or limit, with the matching CIDR), a live ban (prefix, origin,\n"
	"reason, time left, offences), its tracking state at the source and\n"
	"subnet level (tokens left in each budget, violations in the window),\n"
	"and for each protected service what its next new connection and its\n"
	"next request would get: the verdict, and the budget it would fail\n"
	"first. Reads the pinned state only; changes nothing.\n"
	"\n"
	"Options:\n"
	"  -s, --service NAME  only this service ([service NAME])\n"
	"  -j, --json          one JSON object (docs/JSON.md)\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples:\n"
	"  slotguard explain 198.51.100.7\n"
	"  slotguard explain 2001:db8:5::1 --service booking --json\n";

static const char *const kind_names[SG_BUDGET_KIND_COUNT] = {
	"conn", "packet", "conn_quota", "request", "request_quota"
};

/* A service's ceiling: its budget and state. */
static void service_ceiling(const struct sg_state *st, __u32 index,
			    const struct sg_service *svc, __u64 now,
			    struct sg_explain_budget *out)
{
	struct sg_service_state ss = {};

	bpf_map_lookup_elem(st->fds[SG_MAP_SVC_STATE], &index, &ss);
	sg_explain_budget(&svc->ceiling,
			  ss.conn_tat > now ? ss.conn_tat - now : 0, out);
}

static __u8 explain_mode; /* the live mode: drops are would-drops in monitor */

static const char *verdict_word(int drop)
{
	if (!drop)
		return "pass";
	return explain_mode == SG_MODE_MONITOR ? "would_drop" : "drop";
}

static void print_budgets(const struct sg_explain_budget *b)
{
	char next[32];
	unsigned int k;
	bool any = false;

	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		if (!b[k].on)
			continue;
		printf("%s %s %llu of %llu", any ? "," : "     ", kind_names[k],
		       (unsigned long long)b[k].tokens,
		       (unsigned long long)b[k].burst);
		if (!b[k].tokens) {
			sg_format_duration(b[k].next_token_ns / 1000000 *
						   1000000,
					   next, sizeof(next));
			printf(" (next in %s)", next);
		}
		any = true;
	}
	printf("%s\n", any ? "" : "     no budgets");
}

static void print_level(const char *name, const struct sg_explain_level *l)
{
	char prefix[64];

	sg_format_cidr(&l->prefix, prefix, sizeof(prefix));
	printf("  %s %s: %s", name, prefix,
	       !l->on	    ? "no budgets at this level"
	       : l->tracked ? "tracked"
			    : "not tracked (full budgets)");
	if (l->tracked && l->window_live)
		printf("; this window (%.1f s): %u packets, %u conns, %u "
		       "requests, %u violations%s",
		       l->window_ms / 1e3, l->packets, l->conns, l->requests,
		       l->violations, l->limited ? ", limited" : "");
	if (l->stacks >= 3)
		printf("; SYNs from %u kinds of stacks (likely shared)",
		       l->stacks);
	printf("\n");
	if (l->on)
		print_budgets(l->budget);
}

static void print_text(const struct sg_state *st, const struct sg_explain *e)
{
	char buf[64], left[32], origin[80];

	sg_format_cidr(&e->addr, buf, sizeof(buf));
	printf("%s (mode %s)\n", buf, sg_mode_name(e->mode));
	if (e->in_set) {
		sg_format_cidr(&e->entry.cidr, buf, sizeof(buf));
		printf("  set: %s (%s) by %s%s%s\n", e->set.name,
		       e->set.action == SG_SET_DENY    ? "deny"
		       : e->set.action == SG_SET_LIMIT ? "limit"
						       : "allow",
		       buf,
		       e->entry.flags & SG_ENTRY_RUNTIME ? ", runtime" : "",
		       e->allowed && e->set.action != SG_SET_ALLOW
			       ? "; an allow entry covers it: allowed"
			       : "");
	} else {
		printf("  set: none\n");
	}
	if (e->banned) {
		sg_format_cidr(&e->ban.cidr, buf, sizeof(buf));
		sg_format_duration((e->ban.ban.until_ns - e->now) / 1000000000 *
					   1000000000,
				   left, sizeof(left));
		sg_ban_origin(st, &e->ban.ban, origin, sizeof(origin));
		printf("  ban: %s, %s left, %s%s%s, offences %u, origin %s\n",
		       buf, left, sg_reason_name(e->ban.ban.reason),
		       e->ban.note[0] ? ": " : "", e->ban.note,
		       e->ban.ban.offences, origin);
	} else {
		printf("  ban: none\n");
	}
	if (e->in_set && e->set.action == SG_SET_LIMIT) {
		printf("  set %s, shared by its members:\n", e->set.name);
		print_budgets(e->set_budget);
	}
	print_level("source", &e->level[SG_LEVEL_SOURCE]);
	print_level("subnet", &e->level[SG_LEVEL_SUBNET]);
}

static struct json_object *budgets_json(const struct sg_explain_budget *b)
{
	struct json_object *o = json_object_new_object(), *x;
	unsigned int k;

	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		if (!b[k].on) {
			json_object_object_add(o, kind_names[k], NULL);
			continue;
		}
		x = json_object_new_object();
		json_object_object_add(x, "tokens",
				       json_object_new_uint64(b[k].tokens));
		json_object_object_add(x, "burst",
				       json_object_new_uint64(b[k].burst));
		json_object_object_add(
			x, "next_token_seconds",
			b[k].tokens ? NULL
				    : sg_json_seconds(b[k].next_token_ns));
		json_object_object_add(o, kind_names[k], x);
	}
	return o;
}

static struct json_object *level_json(const struct sg_explain_level *l)
{
	struct json_object *o = json_object_new_object();
	char buf[64];

	sg_format_cidr(&l->prefix, buf, sizeof(buf));
	json_object_object_add(o, "prefix", json_object_new_string(buf));
	json_object_object_add(o, "budgets_on", json_object_new_boolean(l->on));
	json_object_object_add(o, "tracked",
			       json_object_new_boolean(l->tracked));
	json_object_object_add(o, "violations",
			       json_object_new_int64(l->violations));
	json_object_object_add(
		o, "window_seconds",
		l->window_live
			? sg_json_seconds((__u64)l->window_ms * 1000000ULL)
			: NULL);
	json_object_object_add(o, "limited",
			       json_object_new_boolean(l->limited));
	json_object_object_add(o, "stacks", json_object_new_int(l->stacks));
	json_object_object_add(o, "budgets", budgets_json(l->budget));
	return o;
}

static struct json_object *outcome_json(struct sg_explain_outcome o)
{
	struct json_object *x = json_object_new_object();

	json_object_object_add(x, "verdict",
			       json_object_new_string(verdict_word(o.drop)));
	json_object_object_add(
		x, "reason", json_object_new_string(sg_reason_name(o.reason)));
	json_object_object_add(
		x, "budget",
		o.kind >= 0 ? json_object_new_string(kind_names[o.kind])
			    : NULL);
	return x;
}

static struct json_object *head_json(const struct sg_state *st,
				     const struct sg_explain *e)
{
	struct json_object *o = json_object_new_object(), *x = NULL;
	char buf[80];

	sg_format_cidr(&e->addr, buf, sizeof(buf));
	json_object_object_add(o, "prefix", json_object_new_string(buf));
	json_object_object_add(o, "mode",
			       json_object_new_string(sg_mode_name(e->mode)));
	if (e->in_set) {
		x = json_object_new_object();
		sg_format_cidr(&e->entry.cidr, buf, sizeof(buf));
		json_object_object_add(x, "name",
				       json_object_new_string(e->set.name));
		json_object_object_add(x, "prefix",
				       json_object_new_string(buf));
		json_object_object_add(
			x, "source",
			json_object_new_string(e->entry.flags & SG_ENTRY_RUNTIME
						       ? "runtime"
						       : "file"));
	}
	json_object_object_add(o, "set", x);
	json_object_object_add(o, "allowed",
			       json_object_new_boolean(e->allowed));
	x = NULL;
	if (e->banned) {
		x = json_object_new_object();
		sg_format_cidr(&e->ban.cidr, buf, sizeof(buf));
		json_object_object_add(x, "prefix",
				       json_object_new_string(buf));
		json_object_object_add(x, "budget",
				       json_object_new_string(sg_reason_name(
					       e->ban.ban.reason)));
		json_object_object_add(
			x, "seconds_left",
			sg_json_seconds(e->ban.ban.until_ns - e->now));
		json_object_object_add(
			x, "offences",
			json_object_new_int64(e->ban.ban.offences));
		json_object_object_add(
			x, "note",
			e->ban.note[0] ? json_object_new_string(e->ban.note)
				       : NULL);
		sg_ban_origin(st, &e->ban.ban, buf, sizeof(buf));
		json_object_object_add(x, "origin",
				       json_object_new_string(buf));
	}
	json_object_object_add(o, "ban", x);
	json_object_object_add(o, "set_budgets",
			       e->in_set && e->set.action == SG_SET_LIMIT
				       ? budgets_json(e->set_budget)
				       : NULL);
	x = json_object_new_object();
	json_object_object_add(x, "source",
			       level_json(&e->level[SG_LEVEL_SOURCE]));
	json_object_object_add(x, "subnet",
			       level_json(&e->level[SG_LEVEL_SUBNET]));
	json_object_object_add(o, "levels", x);
	return o;
}

/* Every service (or the one named): what its next frames would get. */
static int explain_services(const struct sg_state *st,
			    const struct sg_explain *e, const char *only,
			    struct json_object *arr)
{
	struct sg_explain_budget ceiling;
	struct sg_service svc;
	struct sg_explain_outcome c, r;
	bool tcp;
	__u32 i;
	int found = 0;

	for (i = 0; i < SG_MAX_SERVICES; i++) {
		if (bpf_map_lookup_elem(st->fds[SG_MAP_SERVICES], &i, &svc) ||
		    !svc.proto || (only && strcmp(svc.name, only)))
			continue;
		found++;
		tcp = svc.proto == IPPROTO_TCP;
		service_ceiling(st, i, &svc, e->now, &ceiling);
		c = sg_explain_next(e, &ceiling, true, false);
		r = sg_explain_next(e, &ceiling, false, tcp);
		if (arr) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(
				o, "service", json_object_new_string(svc.name));
			json_object_object_add(
				o, "protocol",
				json_object_new_string(tcp ? "tcp" : "udp"));
			json_object_object_add(o, "port",
					       json_object_new_int(svc.port));
			json_object_object_add(o, "new_connection",
					       outcome_json(c));
			json_object_object_add(o, tcp ? "request" : "packet",
					       outcome_json(r));
			json_object_array_add(arr, o);
			continue;
		}
		printf("  service %s (%s/%u): a new connection: %s (%s%s%s); "
		       "%s: %s (%s%s%s)\n",
		       svc.name, tcp ? "tcp" : "udp", svc.port,
		       verdict_word(c.drop), sg_reason_name(c.reason),
		       c.kind >= 0 ? ", " : "",
		       c.kind >= 0 ? kind_names[c.kind] : "",
		       tcp ? "a request" : "a packet", verdict_word(r.drop),
		       sg_reason_name(r.reason), r.kind >= 0 ? ", " : "",
		       r.kind >= 0 ? kind_names[r.kind] : "");
	}
	return found;
}

int sg_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *root = NULL, *arr = NULL;
	const char *only = NULL;
	char why[SG_ERR_LEN];
	struct sg_explain e;
	struct sg_state st;
	struct sg_cidr addr;
	bool json = false;
	int c, rc, ret;

	while ((c = sg_getopt(argc, argv, "s:jh", opts)) != -1) {
		if (c == 's') {
			only = optarg;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			fputs(explain_usage, stdout);
			return SG_EXIT_OK;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		sg_errorf("needs exactly one ADDR (%s)", sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	if (sg_parse_cidr_input(argv[optind], &addr, why, sizeof(why))) {
		sg_errorf("%s", why);
		return SG_EXIT_USAGE;
	}
	if (addr.prefixlen != (addr.family == SG_FAMILY_V4 ? 32 : 128)) {
		sg_errorf("'%s' is a prefix: explain takes one address (the "
			  "program decides per source address)",
			  argv[optind]);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	ret = sg_explain(&st, &addr, &e);
	explain_mode = e.mode;
	if (ret) {
		sg_state_close(&st);
		sg_errorf("reading %s: %s", sg_cli.pin_dir, strerror(-ret));
		return SG_EXIT_FAIL;
	}
	if (json) {
		root = head_json(&st, &e);
		arr = json_object_new_array();
	} else {
		print_text(&st, &e);
	}
	rc = explain_services(&st, &e, only, arr);
	sg_state_close(&st);
	if (json) {
		json_object_object_add(root, "services", arr);
		if (rc || !only)
			sg_json_print(root);
		else
			json_object_put(root);
	}
	if (only && !rc) {
		sg_errorf("no service '%s' is protected (`slotguard status` "
			  "lists them)",
			  only);
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}
