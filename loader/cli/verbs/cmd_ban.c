// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard ban add|del|list|flush`: manual bans beside the ones the XDP
 * program makes, and a listing of both with time left, reason, offences
 * and where each came from.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "cli/report.h"
#include "fleet/fleet.h"

#define SG_MANUAL_BAN_DEFAULT_NS (3600ULL * 1000000000ULL)

static const char ban_usage[] =
	"Usage: slotguard ban COMMAND [ARGS]\n"
	"\n"
	"Banned sources are dropped on protected services until the ban ends.\n"
	"slotguard bans sources that keep going over budget by itself; these\n"
	"commands add and remove bans by hand. Allowlisted sources are never\n"
	"dropped, banned or not.\n"
	"\n"
	"Commands:\n"
	"  add CIDR... [--for DURATION] [--reason TEXT] [--replace] [--local]\n"
	"                  ban prefixes (default 1h; DURATION like 90s, 30m,\n"
	"                  24h). A longer ban in force is kept unless\n"
	"                  --replace; TEXT up to 127 bytes; --local keeps the\n"
	"                  ban on this gateway (fleet mode)\n"
	"  del CIDR...     lift bans (and forget their offences)\n"
	"  flush [--all]   lift every manual ban (--all: every ban)\n"
	"  list [--json] [--all]\n"
	"                  active bans with time left, reason, offences and\n"
	"                  origin; --all also shows expired bans still\n"
	"                  remembered for escalation\n"
	"\n"
	"Examples:\n"
	"  slotguard ban add 203.0.113.0/24 --for 6h --reason 'ticket 4711'\n"
	"  slotguard ban add 198.51.100.7 198.51.100.9 --for 30m\n"
	"  slotguard ban list --json | jq '.bans[] | select(.offences > 2)'\n";

struct ban_add_opts {
	struct sg_ban_spec spec;
	struct sg_cidr *cidrs;
	int n;
};

static int parse_add(int argc, char **argv, struct ban_add_opts *o)
{
	static const struct option opts[] = {
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ "replace", no_argument, NULL, 'R' },
		{ "local", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[SG_ERR_LEN];
	int opt, i;

	o->spec.duration_ns = SG_MANUAL_BAN_DEFAULT_NS;
	while ((opt = sg_getopt(argc, argv, "f:r:h", opts)) != -1) {
		switch (opt) {
		case 'f':
			if (sg_parse_duration(optarg, &o->spec.duration_ns, why,
					      sizeof(why)) ||
			    !o->spec.duration_ns) {
				sg_errorf("--for '%s': %s", optarg,
					  o->spec.duration_ns ? why
							      : "must be > 0");
				return SG_EXIT_USAGE;
			}
			break;
		case 'r':
			if (strlen(optarg) >= SG_NOTE_LEN) {
				sg_errorf("--reason is longer than %d bytes",
					  SG_NOTE_LEN - 1);
				return SG_EXIT_USAGE;
			}
			o->spec.note = optarg;
			break;
		case 'R':
			o->spec.replace = true;
			break;
		case 'l':
			o->spec.local = true;
			break;
		case 'h':
			fputs(ban_usage, stdout);
			return -1;
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		sg_errorf("needs a CIDR (%s)", sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	o->n = argc - optind;
	o->cidrs = calloc(o->n, sizeof(*o->cidrs));
	if (!o->cidrs)
		return SG_EXIT_FAIL;
	for (i = 0; i < o->n; i++) {
		if (sg_parse_cidr_input(argv[optind + i], &o->cidrs[i], why,
					sizeof(why))) {
			sg_errorf("%s", why);
			return SG_EXIT_USAGE;
		}
	}
	return 0;
}

/* Banning what the allowlist passes changes nothing: say so. */
static void warn_allowed(const struct sg_state *st, const struct sg_cidr *c,
			 const char *text)
{
	struct sg_set_item hit;
	char cidr[64];

	if (sg_set_match(st, c, &hit) || !(hit.flags & SG_ENTRY_ALLOWED))
		return;
	sg_format_cidr(&hit.cidr, cidr, sizeof(cidr));
	sg_warnf("warning: %s is allowlisted (%s covers it): the ban has no "
		 "effect while it is",
		 text, cidr);
}

static int cmd_add(int argc, char **argv)
{
	struct ban_add_opts o = {};
	struct sg_state st;
	int i, rc, ret = 0;

	rc = parse_add(argc, argv, &o);
	if (rc) {
		free(o.cidrs);
		return rc < 0 ? SG_EXIT_OK : rc;
	}
	rc = sg_cli_open(&st, true);
	for (i = 0; !rc && i < o.n; i++) {
		warn_allowed(&st, &o.cidrs[i], argv[optind + i]);
		ret = sg_ban_add(&st, &o.cidrs[i], &o.spec);
		if (ret == -EEXIST) {
			sg_warnf("%s: a longer ban is in force and stays "
				 "(--replace shortens it)",
				 argv[optind + i]);
			continue;
		}
		if (ret) {
			sg_errorf("%s: %s%s", argv[optind + i], strerror(-ret),
				  ret == -ENOSPC || ret == -E2BIG
					  ? " (the ban table is full)"
					  : "");
			rc = SG_EXIT_FAIL;
			break;
		}
		sg_audit(&st, "ban add %s for %llus%s%s", argv[optind + i],
			 (unsigned long long)(o.spec.duration_ns / 1000000000),
			 o.spec.note ? " reason " : "",
			 o.spec.note ? o.spec.note : "");
	}
	if (!rc || rc == SG_EXIT_FAIL)
		sg_state_close(&st);
	free(o.cidrs);
	return rc;
}

static int cmd_del(int argc, char **argv)
{
	char why[SG_ERR_LEN];
	struct sg_state st;
	struct sg_cidr c;
	int i, rc, ret, first;

	rc = sg_cli_opts(argc, argv, ban_usage, NULL);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	first = optind;
	if (first >= argc) {
		sg_errorf("needs a CIDR (%s)", sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	for (i = first; i < argc; i++) {
		if (sg_parse_cidr_input(argv[i], &c, why, sizeof(why))) {
			sg_errorf("%s", why);
			return SG_EXIT_USAGE;
		}
	}
	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	for (i = first; i < argc && !rc; i++) {
		sg_parse_cidr_input(argv[i], &c, why, sizeof(why));
		ret = sg_ban_del(&st, &c);
		if (ret == -ENOENT) {
			sg_errorf("%s is not banned", argv[i]);
			rc = SG_EXIT_USAGE;
		} else if (ret) {
			sg_errorf("%s: %s", argv[i], strerror(-ret));
			rc = SG_EXIT_FAIL;
		} else {
			sg_audit(&st, "ban del %s", argv[i]);
		}
	}
	sg_state_close(&st);
	return rc;
}

static int cmd_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_ban_entry *v = NULL;
	struct sg_state st;
	size_t n = 0, i, done = 0;
	bool all = false;
	int rc, ret, c;

	while ((c = sg_getopt(argc, argv, "ah", opts)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'h') {
			fputs(ban_usage, stdout);
			return SG_EXIT_OK;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s' (only --all)",
			  argv[optind]);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	ret = sg_ban_dump(&st, &v, &n);
	for (i = 0; !ret && i < n; i++) {
		if (!all && !(v[i].ban.flags & SG_BAN_MANUAL))
			continue;
		ret = sg_ban_del(&st, &v[i].cidr);
		done += !ret;
	}
	if (done)
		sg_audit(&st, "ban flush%s: %zu bans lifted",
			 all ? " --all" : "", done);
	sg_state_close(&st);
	free(v);
	if (ret) {
		sg_errorf("%s", strerror(-ret));
		return SG_EXIT_FAIL;
	}
	printf("%zu bans lifted\n", done);
	return SG_EXIT_OK;
}

static struct json_object *ban_json(const struct sg_state *st,
				    const struct sg_ban_entry *e, __u64 now)
{
	struct json_object *o = json_object_new_object();
	const struct sg_ban *b = &e->ban;
	bool active = now < b->until_ns;
	char buf[80];

	sg_format_cidr(&e->cidr, buf, sizeof(buf));
	json_object_object_add(o, "prefix", json_object_new_string(buf));
	json_object_object_add(o, "active", json_object_new_boolean(active));
	json_object_object_add(o, "since", sg_json_time(b->since_ns, now));
	json_object_object_add(o, "until", sg_json_time(b->until_ns, now));
	json_object_object_add(o, "seconds_left",
			       sg_json_seconds(active ? b->until_ns - now : 0));
	json_object_object_add(o, "duration_seconds",
			       sg_json_seconds(b->until_ns - b->since_ns));
	json_object_object_add(
		o, "budget", json_object_new_string(sg_reason_name(b->reason)));
	json_object_object_add(
		o, "note", e->note[0] ? json_object_new_string(e->note) : NULL);
	sg_ban_origin(st, b, buf, sizeof(buf));
	json_object_object_add(o, "origin", json_object_new_string(buf));
	json_object_object_add(o, "offences",
			       json_object_new_int64(b->offences));
	json_object_object_add(o, "observed_per_second",
			       sg_json_rate_or_null(b->observed_milli));
	json_object_object_add(o, "limit_per_second",
			       sg_json_rate_or_null(b->limit_milli));
	return o;
}

static void print_ban_line(const struct sg_state *st,
			   const struct sg_ban_entry *e, __u64 now)
{
	char cidr[64], left[32], origin[80];
	bool active = now < e->ban.until_ns;

	sg_format_cidr(&e->cidr, cidr, sizeof(cidr));
	if (active) /* whole seconds, rounded up: "4m59s" not ns */
		sg_format_duration((e->ban.until_ns - now + 999999999ULL) /
					   1000000000ULL * 1000000000ULL,
				   left, sizeof(left));
	else
		snprintf(left, sizeof(left), "expired");
	sg_ban_origin(st, &e->ban, origin, sizeof(origin));
	printf("%-43s %10s %8u  %-12s %s%s%s\n", cidr, left, e->ban.offences,
	       origin, sg_reason_name(e->ban.reason), e->note[0] ? ": " : "",
	       e->note);
}

static void print_bans(const struct sg_state *st, const struct sg_ban_entry *v,
		       size_t n, __u64 now, bool all, bool json)
{
	struct json_object *root = NULL, *arr = NULL;
	size_t i, shown = 0;

	if (json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	} else {
		printf("%-43s %10s %8s  %-12s %s\n", "PREFIX", "LEFT",
		       "OFFENCES", "ORIGIN", "REASON");
	}
	for (i = 0; i < n; i++) {
		if (now >= v[i].ban.until_ns && !all)
			continue;
		shown++;
		if (json)
			json_object_array_add(arr, ban_json(st, &v[i], now));
		else
			print_ban_line(st, &v[i], now);
	}
	if (!json)
		return;
	json_object_object_add(root, "count", json_object_new_int64(shown));
	json_object_object_add(root, "bans", arr);
	sg_json_print(root);
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_ban_entry *v = NULL;
	bool json = false, all = false;
	struct sg_state st;
	size_t n = 0;
	int c, rc, ret;
	__u64 now;

	while ((c = sg_getopt(argc, argv, "jah", opts)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'a') {
			all = true;
		} else if (c == 'h') {
			fputs(ban_usage, stdout);
			return SG_EXIT_OK;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	now = sg_state_now(&st);
	ret = sg_ban_dump(&st, &v, &n);
	if (ret) {
		sg_state_close(&st);
		sg_errorf("reading bans: %s", strerror(-ret));
		return SG_EXIT_FAIL;
	}
	print_bans(&st, v, n, now, all, json);
	sg_state_close(&st);
	free(v);
	return SG_EXIT_OK;
}

static const struct sg_cmd ban_cmds[] = {
	{ "add", cmd_add, "ban prefixes" },
	{ "del", cmd_del, "lift bans" },
	{ "flush", cmd_flush, "lift every manual ban" },
	{ "list", cmd_list, "list bans" },
	{ NULL, NULL, NULL },
};

int sg_cmd_ban(int argc, char **argv)
{
	return sg_cli_dispatch("ban", ban_cmds, ban_usage, argc, argv);
}
