// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard set list|show|add|del|replace|flush`: the named prefix sets of
 * the config's [set NAME] sections, and the built-in allow and deny sets,
 * with their entries, actions and counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "core/mapread.h"
#include "lists.h"
#include "cli/report.h"

static const char set_usage[] =
	"Usage: slotguard set COMMAND [ARGS]\n"
	"\n"
	"Named prefix sets, from the config's [set NAME] sections: allow (never\n"
	"dropped), deny (always dropped) or limit (the whole set shares one\n"
	"budget, or gives its members their own). All sets share one lookup:\n"
	"the longest prefix of any set decides, except that a source an allow\n"
	"set covers is never dropped. The built-in sets `allow` and `deny`\n"
	"are the allowlist and denylist.\n"
	"\n"
	"Commands:\n"
	"  list [--json]              every set: action, entries, packets\n"
	"  show NAME [--json]         a set's entries and where they came from\n"
	"  add NAME CIDR...           add entries (all or nothing)\n"
	"  add NAME --file FILE       add a file's entries: one CIDR a line,\n"
	"                             or what `ipset save` writes\n"
	"  del NAME CIDR...           remove entries (all must be present)\n"
	"  replace NAME FILE          swap the set's entries for FILE's\n"
	"  flush NAME                 remove every entry\n"
	"\n"
	"Entries added here are kept across reloads and restarts; a reload\n"
	"replaces those that came from the set's file.\n"
	"\n"
	"Examples:\n"
	"  slotguard set list\n"
	"  slotguard set add hosting 203.0.113.0/24 2001:db8:66::/48\n"
	"  ipset save cloud | slotguard set add hosting --file /dev/stdin\n"
	"  slotguard set replace hosting /etc/slotguard/hosting.txt\n";

static const char *const action_names[] = { "unused", "allow", "deny",
					    "limit" };

/* The set NAME names: 0 with l filled, or an exit code after a message. */
static int find_set(const char *name, struct sg_list_ctx *l)
{
	struct sg_state st;
	int rc, id;

	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	id = sg_set_id(&st, name);
	sg_state_close(&st);
	if (id < 0) {
		sg_errorf("no set '%s' (`slotguard set list` names them; sets "
			  "come from [set NAME] sections of the config)",
			  name);
		return SG_EXIT_USAGE;
	}
	l->set = (unsigned int)id;
	snprintf(l->name, sizeof(l->name), "set %s", name);
	return SG_EXIT_OK;
}

/*
 * NAME and what follows: the common start of every command but list.
 * On success *args is NAME's index in argv.
 */
static int named(int argc, char **argv, int min_args, struct sg_list_ctx *l,
		 int *args)
{
	int rc = sg_cli_opts(argc, argv, set_usage, NULL);

	if (rc)
		return rc;
	if (argc - optind < 1 + min_args) {
		sg_errorf("needs NAME%s (%s)", min_args ? " and more" : "",
			  sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	*args = optind;
	return find_set(argv[optind], l);
}

static int cmd_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	struct sg_list_ctx l;
	int c, rc;

	while ((c = sg_getopt(argc, argv, "f:h", opts)) != -1) {
		if (c == 'f') {
			file = optarg;
		} else if (c == 'h') {
			fputs(set_usage, stdout);
			return SG_EXIT_OK;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (argc - optind < (file ? 1 : 2) || (file && argc - optind > 1)) {
		sg_errorf("needs NAME and CIDRs, or NAME --file FILE (%s)",
			  sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	rc = find_set(argv[optind], &l);
	if (rc)
		return rc;
	if (file)
		return sg_list_add_file(&l, file);
	return sg_list_add_del(&l, argc - optind - 1, argv + optind + 1, true);
}

static int cmd_del(int argc, char **argv)
{
	struct sg_list_ctx l;
	int at, rc = named(argc, argv, 1, &l, &at);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	return sg_list_add_del(&l, argc - at - 1, argv + at + 1, false);
}

static int cmd_replace(int argc, char **argv)
{
	struct sg_list_ctx l;
	int at, rc = named(argc, argv, 1, &l, &at);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (argc - at != 2) {
		sg_errorf("needs NAME and exactly one FILE");
		return SG_EXIT_USAGE;
	}
	return sg_list_replace_file(&l, argv[at + 1]);
}

static int cmd_flush(int argc, char **argv)
{
	struct sg_list_ctx l;
	int at, rc = named(argc, argv, 0, &l, &at);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (argc - at != 1) {
		sg_errorf("needs exactly NAME");
		return SG_EXIT_USAGE;
	}
	return sg_list_flush(&l);
}

static int cmd_show(int argc, char **argv)
{
	struct sg_list_ctx l;
	bool json = false;
	int rc;

	rc = sg_cli_opts(argc, argv, set_usage, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind != argc - 1) {
		sg_errorf("needs exactly NAME");
		return SG_EXIT_USAGE;
	}
	rc = find_set(argv[optind], &l);
	return rc ? rc : sg_list_show(&l, json);
}

/* Packets of every set by verdict, summed over CPUs. */
static int set_counters(const struct sg_state *st, __u64 *sum)
{
	return sg_percpu_array_sum(st->fds[SG_MAP_SET_COUNTERS],
				   SG_MAX_SETS * SG_VERDICT_COUNT,
				   sizeof(struct sg_counter) / sizeof(__u64),
				   sum);
}

static void list_one(const struct sg_set_conf *conf, unsigned int id,
		     const size_t *counts, const __u64 *sum, bool json,
		     struct json_object *arr)
{
	const __u64 *c = sum + (size_t)id * SG_VERDICT_COUNT * 2;
	struct json_object *o, *pk;
	unsigned int v;

	if (!json) {
		printf("%-20s %-6s %10zu %10zu %12llu %12llu %12llu\n",
		       conf->name, action_names[conf->action & 3], counts[0],
		       counts[1], (unsigned long long)c[0],
		       (unsigned long long)c[2 * SG_VERDICT_DROP],
		       (unsigned long long)c[2 * SG_VERDICT_WOULD_DROP]);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(conf->name));
	json_object_object_add(
		o, "action",
		json_object_new_string(action_names[conf->action & 3]));
	json_object_object_add(o, "entries_ipv4",
			       json_object_new_int64(counts[0]));
	json_object_object_add(o, "entries_ipv6",
			       json_object_new_int64(counts[1]));
	pk = json_object_new_object();
	for (v = 0; v < SG_VERDICT_COUNT; v++)
		json_object_object_add(pk, sg_verdict_name(v),
				       json_object_new_uint64(c[2 * v]));
	json_object_object_add(o, "packets", pk);
	json_object_array_add(arr, o);
}

static int cmd_list(int argc, char **argv)
{
	size_t(*counts)[SG_FAMILY_COUNT] = calloc(SG_MAX_SETS, sizeof(*counts));
	__u64 *sum = calloc(SG_MAX_SETS * SG_VERDICT_COUNT * 2, sizeof(*sum));
	struct json_object *root = NULL, *arr = NULL;
	struct sg_set_conf conf;
	struct sg_state st;
	bool json = false;
	unsigned int id;
	int rc;

	rc = counts && sum ? sg_cli_opts(argc, argv, set_usage, &json)
			   : SG_EXIT_FAIL;
	if (!rc)
		rc = sg_cli_open(&st, false);
	if (rc) {
		free(counts);
		free(sum);
		return rc < 0 ? SG_EXIT_OK : rc;
	}
	if (sg_set_counts(&st, counts) || set_counters(&st, sum)) {
		sg_errorf("reading the sets: %s", strerror(errno));
		rc = SG_EXIT_FAIL;
	}
	if (json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	} else if (!rc) {
		printf("%-20s %-6s %10s %10s %12s %12s %12s\n", "SET", "ACTION",
		       "IPV4", "IPV6", "PASSED", "DROPPED", "WOULD_DROP");
	}
	for (id = 0; !rc && id < SG_MAX_SETS; id++) {
		if (sg_set_conf_read(&st, id, &conf) ||
		    (id >= SG_LIST_COUNT && conf.action == SG_SET_UNUSED))
			continue;
		if (id < SG_LIST_COUNT && !conf.name[0])
			snprintf(conf.name, sizeof(conf.name), "%s",
				 sg_list_name(id));
		list_one(&conf, id, counts[id], sum, json, arr);
	}
	sg_state_close(&st);
	if (json && !rc) {
		json_object_object_add(root, "sets", arr);
		sg_json_print(root);
	} else if (json) {
		json_object_put(root);
		json_object_put(arr);
	}
	free(counts);
	free(sum);
	return rc;
}

static const struct sg_cmd set_cmds[] = {
	{ "list", cmd_list, "every set" },
	{ "show", cmd_show, "a set's entries" },
	{ "add", cmd_add, "add entries" },
	{ "del", cmd_del, "remove entries" },
	{ "replace", cmd_replace, "swap a set's entries" },
	{ "flush", cmd_flush, "remove every entry" },
	{ NULL, NULL, NULL },
};

int sg_cmd_set(int argc, char **argv)
{
	return sg_cli_dispatch("set", set_cmds, set_usage, argc, argv);
}
