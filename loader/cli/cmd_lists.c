// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard allow|deny add|del|list|replace|flush`. Every argument is
 * parsed before anything is written, so one bad CIDR changes nothing.
 */
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "report.h"

static unsigned int current_list;

static const char lists_usage_fmt[] =
	"Usage: slotguard %1$s COMMAND [ARGS]\n"
	"\n"
	"The %1$slist: %2$s\n"
	"Entries are CIDRs (IPv4 or IPv6; a bare address is a /32 or /128),\n"
	"matched by longest prefix. Changes apply at once to the running filter.\n"
	"\n"
	"Commands:\n"
	"  add CIDR...     add entries (all are checked before any is added)\n"
	"  del CIDR...     remove entries (all must be present)\n"
	"  list [--json]   print the entries\n"
	"  replace FILE    swap the whole list for FILE's (one CIDR per line,\n"
	"                  '#' comments); one bad line rejects the file and\n"
	"                  nothing changes; the swap is atomic per family\n"
	"  flush           remove every entry\n"
	"\n"
	"Examples:\n"
	"  slotguard %1$s add 192.0.2.0/24 2001:db8::/48\n"
	"  slotguard %1$s replace /etc/slotguard/%1$s.txt\n"
	"  slotguard %1$s list --json | jq -r '.entries[].cidr'\n";

static const char *const list_purpose[SG_LIST_COUNT] = {
	"sources that are never dropped, whatever their rate.",
	"sources that are always dropped on protected services.",
};

static void lists_usage(FILE *f)
{
	fprintf(f, lists_usage_fmt, sg_list_name(current_list),
		list_purpose[current_list]);
}

/* Parse argv[1..] as CIDRs; prints the first bad one. */
static int parse_cidrs(int argc, char **argv, struct sg_cidr **out)
{
	char why[SG_ERR_LEN];
	struct sg_cidr *v;
	int i;

	if (argc < 2) {
		sg_errorf("needs at least one CIDR");
		return SG_EXIT_USAGE;
	}
	v = calloc(argc, sizeof(*v));
	if (!v)
		return SG_EXIT_FAIL;
	for (i = 1; i < argc; i++) {
		if (sg_parse_cidr(argv[i], &v[i - 1], why, sizeof(why))) {
			sg_errorf("%s", why);
			free(v);
			return SG_EXIT_USAGE;
		}
	}
	*out = v;
	return SG_EXIT_OK;
}

static int cidr_cmp(const void *a, const void *b)
{
	const struct sg_cidr *x = a, *y = b;
	int d = x->family - y->family;

	if (d)
		return d;
	d = memcmp(x->addr, y->addr, 16);
	return d ? d : x->prefixlen - y->prefixlen;
}

/* del is all-or-nothing: check every CIDR is present before removing. */
static int check_present(const struct sg_state *st, const struct sg_cidr *v,
			 int n)
{
	char buf[64];
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = sg_list_contains(st, current_list, &v[i]);
		if (ret == 1)
			continue;
		sg_format_cidr(&v[i], buf, sizeof(buf));
		if (ret < 0) {
			sg_errorf("%s: %s", buf, strerror(-ret));
			return SG_EXIT_FAIL;
		}
		sg_errorf("%s is not on the %slist; nothing removed", buf,
			  sg_list_name(current_list));
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}

static int cmd_add_del(int argc, char **argv, bool add)
{
	struct sg_cidr *v = NULL;
	struct sg_state st;
	char buf[64];
	int i, ret, rc;

	if (sg_cli_wants_help(argc, argv)) {
		lists_usage(stdout);
		return SG_EXIT_OK;
	}
	rc = parse_cidrs(argc, argv, &v);
	if (rc)
		return rc;
	rc = sg_cli_open(&st, true);
	if (rc) {
		free(v);
		return rc;
	}
	if (!add)
		rc = check_present(&st, v, argc - 1);
	if (!rc && add) {
		size_t failed = 0;

		ret = sg_list_add_many(&st, current_list, v, argc - 1, &failed);
		if (ret) {
			sg_format_cidr(&v[failed], buf, sizeof(buf));
			sg_errorf("%s: %s%s; nothing added", buf,
				  strerror(-ret),
				  ret == -ENOSPC || ret == -E2BIG ||
						  ret == -ENOMEM
					  ? " (the list is full)"
					  : "");
			rc = SG_EXIT_FAIL;
		}
	}
	/* del: check_present() made sure every entry is there. */
	for (i = 0; !rc && !add && i < argc - 1; i++) {
		ret = sg_list_del(&st, current_list, &v[i]);
		if (!ret)
			continue;
		sg_format_cidr(&v[i], buf, sizeof(buf));
		sg_errorf("%s: %s", buf, strerror(-ret));
		rc = SG_EXIT_FAIL;
	}
	sg_state_close(&st);
	free(v);
	return rc;
}

static int cmd_add(int argc, char **argv)
{
	return cmd_add_del(argc, argv, true);
}

static int cmd_del(int argc, char **argv)
{
	return cmd_add_del(argc, argv, false);
}

static void print_list(const struct sg_cidr *v, size_t n, bool json)
{
	struct json_object *root, *arr, *e;
	char buf[64];
	size_t i;

	if (!json) {
		for (i = 0; i < n; i++) {
			sg_format_cidr(&v[i], buf, sizeof(buf));
			printf("%s\n", buf);
		}
		return;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(
		root, "list",
		json_object_new_string(sg_list_name(current_list)));
	for (i = 0; i < n; i++) {
		sg_format_cidr(&v[i], buf, sizeof(buf));
		e = json_object_new_object();
		json_object_object_add(e, "cidr", json_object_new_string(buf));
		json_object_object_add(
			e, "family",
			json_object_new_string(sg_family_name(v[i].family)));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "count", json_object_new_int64(n));
	json_object_object_add(root, "entries", arr);
	sg_json_print(root);
}

static int cmd_list(int argc, char **argv)
{
	char usage[2048], name[32];
	struct sg_cidr *v = NULL;
	struct sg_state st;
	bool json = false;
	size_t n = 0;
	int rc, ret;

	snprintf(usage, sizeof(usage), lists_usage_fmt,
		 sg_list_name(current_list), list_purpose[current_list]);
	snprintf(name, sizeof(name), "%s list", sg_list_name(current_list));
	rc = sg_report_opts(argc, argv, usage, name, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	ret = sg_list_dump(&st, current_list, &v, &n);
	sg_state_close(&st);
	if (ret) {
		sg_errorf("reading the list: %s", strerror(-ret));
		return SG_EXIT_FAIL;
	}
	if (n) /* an empty list is a NULL v: no qsort(NULL, 0) */
		qsort(v, n, sizeof(*v), cidr_cmp);
	print_list(v, n, json);
	free(v);
	return SG_EXIT_OK;
}

static int cmd_replace(int argc, char **argv)
{
	char err[SG_ERR_LEN];
	struct sg_cidr *v = NULL;
	struct sg_state st;
	size_t n = 0, i, v6 = 0;
	int rc, ret;

	if (sg_cli_wants_help(argc, argv)) {
		lists_usage(stdout);
		return SG_EXIT_OK;
	}
	if (argc != 2) {
		sg_errorf("needs exactly one FILE");
		return SG_EXIT_USAGE;
	}
	if (sg_read_list_file(argv[1], &v, &n, err, sizeof(err))) {
		sg_errorf("%s", err);
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, true);
	if (rc) {
		free(v);
		return rc;
	}
	ret = sg_list_replace(&st, current_list, v, n);
	sg_state_close(&st);
	if (ret) {
		sg_errorf("%s: %s; the old list is unchanged", argv[1],
			  strerror(-ret));
		free(v);
		return SG_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		v6 += v[i].family == SG_FAMILY_V6;
	printf("%slist replaced: %zu entries (%zu IPv4, %zu IPv6)\n",
	       sg_list_name(current_list), n, n - v6, v6);
	free(v);
	return SG_EXIT_OK;
}

static int cmd_flush(int argc, char **argv)
{
	struct sg_state st;
	int rc, ret;

	if (sg_cli_wants_help(argc, argv)) {
		lists_usage(stdout);
		return SG_EXIT_OK;
	}
	if (argc != 1) {
		sg_errorf("takes no arguments");
		return SG_EXIT_USAGE;
	}
	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	ret = sg_list_flush(&st, current_list);
	sg_state_close(&st);
	if (ret) {
		sg_errorf("%s", strerror(-ret));
		return SG_EXIT_FAIL;
	}
	return SG_EXIT_OK;
}

static const struct sg_cmd list_cmds[] = {
	{ "add", cmd_add, "add entries" },
	{ "del", cmd_del, "remove entries" },
	{ "list", cmd_list, "print entries" },
	{ "replace", cmd_replace, "swap the whole list" },
	{ "flush", cmd_flush, "remove every entry" },
	{ NULL, NULL, NULL },
};

static int cmd_list_object(unsigned int list, int argc, char **argv)
{
	char usage[2048];

	current_list = list;
	snprintf(usage, sizeof(usage), lists_usage_fmt, sg_list_name(list),
		 list_purpose[list]);
	return sg_cli_dispatch(sg_list_name(list), list_cmds, usage, argc,
			       argv);
}

int sg_cmd_allow(int argc, char **argv)
{
	return cmd_list_object(SG_LIST_ALLOW, argc, argv);
}

int sg_cmd_deny(int argc, char **argv)
{
	return cmd_list_object(SG_LIST_DENY, argc, argv);
}
