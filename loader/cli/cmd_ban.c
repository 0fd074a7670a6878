// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard ban add|del|list`: manual bans beside the ones the XDP program
 * makes, and a listing of both with time left, reason and offence count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "report.h"

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
	"  add CIDR [--for DURATION] [--reason TEXT]\n"
	"                  ban a prefix (default 1h; DURATION like 90s, 30m, 24h)\n"
	"  del CIDR        lift a ban (and forget its offences)\n"
	"  list [--json] [--all]\n"
	"                  active bans with time left, reason and offences;\n"
	"                  --all also shows expired bans still remembered for\n"
	"                  escalation\n"
	"\n"
	"Examples:\n"
	"  slotguard ban add 203.0.113.0/24 --for 6h --reason 'scalper farm'\n"
	"  slotguard ban list --json | jq '.bans[] | select(.offences > 2)'\n";

static int cmd_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 duration = SG_MANUAL_BAN_DEFAULT_NS;
	const char *note = "manual";
	char why[SG_ERR_LEN];
	struct sg_state st;
	struct sg_cidr c;
	int opt, rc, ret;

	while ((opt = sg_getopt(argc, argv, "f:r:h", opts)) != -1) {
		switch (opt) {
		case 'f':
			if (sg_parse_duration(optarg, &duration, why,
					      sizeof(why)) ||
			    !duration) {
				sg_errorf("--for '%s': %s", optarg,
					  duration ? why : "must be > 0");
				return SG_EXIT_USAGE;
			}
			break;
		case 'r':
			if (strlen(optarg) >= SG_NOTE_LEN) {
				sg_errorf("--reason is longer than %d bytes",
					  SG_NOTE_LEN - 1);
				return SG_EXIT_USAGE;
			}
			note = optarg;
			break;
		case 'h':
			fputs(ban_usage, stdout);
			return SG_EXIT_OK;
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		sg_errorf("needs exactly one CIDR");
		return SG_EXIT_USAGE;
	}
	if (sg_parse_cidr(argv[optind], &c, why, sizeof(why))) {
		sg_errorf("%s", why);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	ret = sg_ban_add(&st, &c, duration, note);
	sg_state_close(&st);
	if (ret) {
		sg_errorf("%s: %s%s", argv[optind], strerror(-ret),
			  ret == -ENOSPC || ret == -E2BIG
				  ? " (the ban table is full)"
				  : "");
		return SG_EXIT_FAIL;
	}
	return SG_EXIT_OK;
}

static int cmd_del(int argc, char **argv)
{
	char why[SG_ERR_LEN];
	struct sg_state st;
	struct sg_cidr c;
	int rc, ret;

	rc = sg_cli_opts(argc, argv, ban_usage, NULL);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind != argc - 1) {
		sg_errorf("needs exactly one CIDR");
		return SG_EXIT_USAGE;
	}
	if (sg_parse_cidr(argv[optind], &c, why, sizeof(why))) {
		sg_errorf("%s", why);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	ret = sg_ban_del(&st, &c);
	sg_state_close(&st);
	if (ret == -ENOENT) {
		sg_errorf("%s is not banned", argv[optind]);
		return SG_EXIT_USAGE;
	}
	if (ret) {
		sg_errorf("%s: %s", argv[optind], strerror(-ret));
		return SG_EXIT_FAIL;
	}
	return SG_EXIT_OK;
}

static const char *ban_why(const struct sg_ban *b)
{
	if (b->reason == SG_REASON_MANUAL)
		return b->note[0] ? b->note : "manual";
	return sg_reason_name(b->reason);
}

static struct json_object *ban_json(const struct sg_ban_entry *e, __u64 now)
{
	struct json_object *o = json_object_new_object();
	const struct sg_ban *b = &e->ban;
	bool active = now < b->until_ns;
	char buf[64];

	sg_format_cidr(&e->cidr, buf, sizeof(buf));
	json_object_object_add(o, "cidr", json_object_new_string(buf));
	json_object_object_add(o, "active", json_object_new_boolean(active));
	json_object_object_add(
		o, "seconds_left",
		json_object_new_double(active ? (b->until_ns - now) / 1e9 : 0));
	json_object_object_add(
		o, "duration_seconds",
		json_object_new_double((b->until_ns - b->since_ns) / 1e9));
	json_object_object_add(o, "reason", json_object_new_string(ban_why(b)));
	json_object_object_add(
		o, "manual", json_object_new_boolean(b->flags & SG_BAN_MANUAL));
	json_object_object_add(o, "offences",
			       json_object_new_int64(b->offences));
	json_object_object_add(o, "observed_per_second",
			       json_object_new_double(b->observed_milli / 1e3));
	json_object_object_add(o, "limit_per_second",
			       json_object_new_double(b->limit_milli / 1e3));
	return o;
}

static void print_bans(const struct sg_ban_entry *v, size_t n, __u64 now,
		       bool all, bool json)
{
	struct json_object *root = NULL, *arr = NULL;
	char cidr[64], left[32];
	size_t i, shown = 0;

	if (json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	} else {
		printf("%-43s %10s %8s  %s\n", "PREFIX", "LEFT", "OFFENCES",
		       "REASON");
	}
	for (i = 0; i < n; i++) {
		bool active = now < v[i].ban.until_ns;

		if (!active && !all)
			continue;
		shown++;
		if (json) {
			json_object_array_add(arr, ban_json(&v[i], now));
			continue;
		}
		sg_format_cidr(&v[i].cidr, cidr, sizeof(cidr));
		if (active) /* whole seconds, rounded up: "4m59s" not ns */
			sg_format_duration(
				(v[i].ban.until_ns - now + 999999999ULL) /
					1000000000ULL * 1000000000ULL,
				left, sizeof(left));
		else
			snprintf(left, sizeof(left), "expired");
		printf("%-43s %10s %8u  %s\n", cidr, left, v[i].ban.offences,
		       ban_why(&v[i].ban));
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
	sg_state_close(&st);
	if (ret) {
		sg_errorf("reading bans: %s", strerror(-ret));
		return SG_EXIT_FAIL;
	}
	print_bans(v, n, now, all, json);
	free(v);
	return SG_EXIT_OK;
}

static const struct sg_cmd ban_cmds[] = {
	{ "add", cmd_add, "ban a prefix" },
	{ "del", cmd_del, "lift a ban" },
	{ "list", cmd_list, "list bans" },
	{ NULL, NULL, NULL },
};

int sg_cmd_ban(int argc, char **argv)
{
	return sg_cli_dispatch("ban", ban_cmds, ban_usage, argc, argv);
}
