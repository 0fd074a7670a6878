// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The entry commands of a set: add, del, list, replace, flush. `allow` and
 * `deny` are the two built-in sets; `set ... NAME` reaches the named ones
 * (cmd_sets.c). Every argument is parsed before anything is written, so
 * one bad CIDR changes nothing, and each change swaps the sets' tries in
 * atomically per family.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "lists.h"
#include "cli/report.h"

static int item_cmp(const void *a, const void *b)
{
	const struct sg_set_item *x = a, *y = b;

	return sg_cidr_cmp(&x->cidr, &y->cidr);
}

/* Parse CIDR arguments; prints the first bad one. */
static int parse_cidrs(int n, char **argv, struct sg_cidr **out)
{
	char why[SG_ERR_LEN];
	struct sg_cidr *v;
	int i;

	if (n < 1) {
		sg_errorf("needs at least one CIDR");
		return SG_EXIT_USAGE;
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		return SG_EXIT_FAIL;
	for (i = 0; i < n; i++) {
		if (sg_parse_cidr_input(argv[i], &v[i], why, sizeof(why))) {
			sg_errorf("%s", why);
			free(v);
			return SG_EXIT_USAGE;
		}
	}
	*out = v;
	return SG_EXIT_OK;
}

static const char *set_name_of(const struct sg_state *st, unsigned int id,
			       char *buf, size_t len)
{
	struct sg_set_conf conf;

	if (sg_set_conf_read(st, id, &conf) || !conf.name[0])
		snprintf(buf, len, "#%u", id);
	else
		snprintf(buf, len, "%s", conf.name);
	return buf;
}

/* The first entry a change adds, for messages about the whole change. */
static const char *buf_first(const struct sg_set_change *ch, char *buf,
			     size_t len)
{
	if (!ch->n_add)
		return "";
	sg_format_cidr(&ch->add[0], buf, len);
	return buf;
}

/* Apply one change and say what went wrong, naming the entry. */
static int run_change(const struct sg_state *st, const struct sg_list_ctx *l,
		      struct sg_set_change *ch, const char *verb)
{
	struct sg_set_conflict cf = {};
	char buf[64], other[40];
	int ret = sg_set_change(st, ch, &cf);

	if (!ret)
		return SG_EXIT_OK;
	if (ret == -EEXIST) {
		sg_format_cidr(&ch->add[cf.index], buf, sizeof(buf));
		sg_errorf(
			"%s is in set %s already (a prefix belongs to one set; "
			"del it there first); nothing %s",
			buf,
			set_name_of(st, cf.other_set, other, sizeof(other)),
			verb);
		return SG_EXIT_USAGE;
	}
	if (ret == -ENOENT) {
		sg_format_cidr(&ch->del[cf.index], buf, sizeof(buf));
		sg_errorf("%s is not in %s; nothing %s", buf, l->name, verb);
		return SG_EXIT_USAGE;
	}
	sg_errorf("%s%s: %s%s; nothing %s", ch->n_add ? "" : l->name,
		  buf_first(ch, buf, sizeof(buf)), strerror(-ret),
		  ret == -ENOSPC || ret == -E2BIG || ret == -ENOMEM
			  ? " (the list is full: all sets together hold at "
			    "most 1048576 entries a family)"
			  : "",
		  verb);
	return SG_EXIT_FAIL;
}

/*
 * An entry of the config's list file comes back when the daemon applies
 * the files again (reload, start): say so when a del removed one. items
 * is the set as it was before the del.
 */
static void note_file_entries(const struct sg_list_ctx *l,
			      const struct sg_set_item *items, size_t count,
			      const struct sg_cidr *v, int n)
{
	const struct sg_set_item *hit;
	struct sg_set_item key;
	char buf[64];
	int i;

	for (i = 0; i < n; i++) {
		key.cidr = v[i];
		hit = bsearch(&key, items, count, sizeof(*items), item_cmp);
		if (!hit || (hit->flags & SG_ENTRY_RUNTIME))
			continue;
		sg_format_cidr(&v[i], buf, sizeof(buf));
		sg_warnf("note: %s came from the %s's file: it is back at the "
			 "next reload or restart unless you remove it there",
			 buf, l->name);
	}
}

int sg_list_add_del(const struct sg_list_ctx *l, int n, char **argv, bool add)
{
	struct sg_set_change ch = { .set = l->set, .runtime = true };
	struct sg_set_item *was = NULL;
	struct sg_cidr *v = NULL;
	struct sg_state st;
	size_t n_was = 0;
	int rc, i;

	rc = parse_cidrs(n, argv, &v);
	if (rc)
		return rc;
	if (add) {
		ch.add = v;
		ch.n_add = n;
	} else {
		ch.del = v;
		ch.n_del = n;
	}
	rc = sg_cli_open(&st, true);
	if (!rc && !add && sg_set_dump(&st, l->set, &was, &n_was))
		was = NULL;
	if (!rc) {
		rc = run_change(&st, l, &ch, add ? "added" : "removed");
		if (!rc && was)
			note_file_entries(l, was, n_was, v, n);
		for (i = 0; !rc && i < n; i++)
			sg_audit(&st, "%s %s %s", l->name, add ? "add" : "del",
				 argv[i]);
		sg_state_close(&st);
	}
	free(was);
	free(v);
	return rc;
}

static void print_entries(const char *set_name, const struct sg_set_item *v,
			  size_t n, bool json)
{
	struct json_object *root, *arr, *e;
	char buf[64];
	size_t i;

	/* A list file: what a command added is marked in a comment. */
	if (!json) {
		for (i = 0; i < n; i++) {
			sg_format_cidr(&v[i].cidr, buf, sizeof(buf));
			if (v[i].flags & SG_ENTRY_RUNTIME)
				printf("%-43s # runtime\n", buf);
			else
				printf("%s\n", buf);
		}
		return;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(root, "set", json_object_new_string(set_name));
	for (i = 0; i < n; i++) {
		sg_format_cidr(&v[i].cidr, buf, sizeof(buf));
		e = json_object_new_object();
		json_object_object_add(e, "prefix",
				       json_object_new_string(buf));
		json_object_object_add(e, "family",
				       json_object_new_string(sg_family_name(
					       v[i].cidr.family)));
		json_object_object_add(
			e, "source",
			json_object_new_string(v[i].flags & SG_ENTRY_RUNTIME
						       ? "runtime"
						       : "file"));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "count", json_object_new_int64(n));
	json_object_object_add(root, "entries", arr);
	sg_json_print(root);
}

int sg_list_show(const struct sg_list_ctx *l, bool json)
{
	struct sg_set_conf conf;
	struct sg_set_item *v = NULL;
	struct sg_state st;
	size_t n = 0;
	int rc, ret;

	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	ret = sg_set_dump(&st, l->set, &v, &n);
	if (sg_set_conf_read(&st, l->set, &conf) || !conf.name[0])
		snprintf(conf.name, sizeof(conf.name), "%s",
			 l->set < SG_LIST_COUNT ? sg_list_name(l->set) : "?");
	sg_state_close(&st);
	if (ret) {
		sg_errorf("reading %s: %s", l->name, strerror(-ret));
		return SG_EXIT_FAIL;
	}
	print_entries(conf.name, v, n, json);
	free(v);
	return SG_EXIT_OK;
}

/* A list file; notes (IPv4-mapped lines made IPv4) on stderr. */
static int read_file(const char *file, struct sg_cidr **v, size_t *n)
{
	struct sg_notes notes = {};
	char err[SG_ERR_LEN];

	if (sg_read_list_file_lines(file, v, NULL, n, &notes, err,
				    sizeof(err))) {
		sg_errorf("%s", err);
		return -EINVAL;
	}
	if (notes.count)
		sg_warnf("note: %s%s", notes.first,
			 notes.count > 1 ? " (and more lines like it)" : "");
	return 0;
}

int sg_list_replace_file(const struct sg_list_ctx *l, const char *file)
{
	struct sg_set_change ch = { .set = l->set, .replace = true };
	struct sg_cidr *v = NULL;
	struct sg_state st;
	size_t n = 0, i, v6 = 0;
	int rc;

	if (read_file(file, &v, &n))
		return SG_EXIT_USAGE;
	ch.add = v;
	ch.n_add = n;
	rc = sg_cli_open(&st, true);
	if (!rc) {
		rc = run_change(&st, l, &ch, "changed");
		if (!rc)
			sg_audit(&st, "%s replace %s (%zu entries)", l->name,
				 file, n);
		sg_state_close(&st);
	}
	for (i = 0; !rc && i < n; i++)
		v6 += v[i].family == SG_FAMILY_V6;
	if (!rc)
		printf("%s replaced: %zu entries (%zu IPv4, %zu IPv6)\n",
		       l->name, n, n - v6, v6);
	free(v);
	return rc;
}

int sg_list_add_file(const struct sg_list_ctx *l, const char *file)
{
	struct sg_set_change ch = { .set = l->set, .runtime = true };
	struct sg_cidr *v = NULL;
	struct sg_state st;
	size_t n = 0;
	int rc;

	if (read_file(file, &v, &n))
		return SG_EXIT_USAGE;
	ch.add = v;
	ch.n_add = n;
	rc = sg_cli_open(&st, true);
	if (!rc) {
		rc = run_change(&st, l, &ch, "added");
		if (!rc)
			sg_audit(&st, "%s add --file %s (%zu entries)", l->name,
				 file, n);
		sg_state_close(&st);
	}
	if (!rc)
		printf("%s: %zu entries from %s added\n", l->name, n, file);
	free(v);
	return rc;
}

int sg_list_flush(const struct sg_list_ctx *l)
{
	struct sg_set_change ch = { .set = l->set, .replace = true };
	struct sg_state st;
	int rc;

	rc = sg_cli_open(&st, true);
	if (rc)
		return rc;
	rc = run_change(&st, l, &ch, "removed");
	if (!rc)
		sg_audit(&st, "%s flush", l->name);
	sg_state_close(&st);
	return rc;
}

/* ---- `allow` and `deny` --------------------------------------------- */

static const char lists_usage_fmt[] =
	"Usage: slotguard %1$s COMMAND [ARGS]\n"
	"\n"
	"The %1$slist: %2$s\n"
	"Entries are CIDRs (IPv4 or IPv6; a bare address is a /32 or /128),\n"
	"matched by longest prefix across all sets (`slotguard set help`);\n"
	"an allowlisted source is never dropped. Changes apply at once to the\n"
	"running filter and are kept across reloads and restarts.\n"
	"\n"
	"Commands:\n"
	"  add CIDR...     add entries (all are checked before any is added)\n"
	"  del CIDR...     remove entries (all must be present)\n"
	"  list [--json]   print the entries and where each came from (the\n"
	"                  config's file, or a runtime change)\n"
	"  replace FILE    swap the whole list for FILE's (one CIDR per line,\n"
	"                  '#' comments); one bad line rejects the file and\n"
	"                  nothing changes; the swap is atomic per family\n"
	"  flush           remove every entry\n"
	"\n"
	"Examples:\n"
	"  slotguard %1$s add 192.0.2.0/24 2001:db8::/48\n"
	"  slotguard %1$s replace /etc/slotguard/%1$s.txt\n"
	"  slotguard %1$s list --json | jq -r '.entries[].prefix'\n";

static const char *const list_purpose[SG_LIST_COUNT] = {
	"sources that are never dropped, whatever their rate.",
	"sources that are always dropped on protected services.",
};

static struct sg_list_ctx current;
static char current_usage[2048];

/* --help only; 0 with optind at the first argument, else an exit code. */
static int list_opts(int argc, char **argv)
{
	return sg_cli_opts(argc, argv, current_usage, NULL);
}

static int cmd_add(int argc, char **argv)
{
	int rc = list_opts(argc, argv);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	return sg_list_add_del(&current, argc - optind, argv + optind, true);
}

static int cmd_del(int argc, char **argv)
{
	int rc = list_opts(argc, argv);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	return sg_list_add_del(&current, argc - optind, argv + optind, false);
}

static int cmd_list(int argc, char **argv)
{
	bool json = false;
	int rc;

	rc = sg_cli_opts(argc, argv, current_usage, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	return sg_list_show(&current, json);
}

static int cmd_replace(int argc, char **argv)
{
	int rc = list_opts(argc, argv);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (argc - optind != 1) {
		sg_errorf("needs exactly one FILE");
		return SG_EXIT_USAGE;
	}
	return sg_list_replace_file(&current, argv[optind]);
}

static int cmd_flush(int argc, char **argv)
{
	int rc = list_opts(argc, argv);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind < argc) {
		sg_errorf("takes no arguments");
		return SG_EXIT_USAGE;
	}
	return sg_list_flush(&current);
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
	current.set = list;
	snprintf(current.name, sizeof(current.name), "%slist",
		 sg_list_name(list));
	snprintf(current_usage, sizeof(current_usage), lists_usage_fmt,
		 sg_list_name(list), list_purpose[list]);
	return sg_cli_dispatch(sg_list_name(list), list_cmds, current_usage,
			       argc, argv);
}

int sg_cmd_allow(int argc, char **argv)
{
	return cmd_list_object(SG_LIST_ALLOW, argc, argv);
}

int sg_cmd_deny(int argc, char **argv)
{
	return cmd_list_object(SG_LIST_DENY, argc, argv);
}
