// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard profile list|show|activate|auto`: the [profile NAME]
 * sections as the daemon runs them (its STATE_DIR/profile.json), and a
 * profile held by hand until `profile auto` gives it back to the schedule.
 */
#include <errno.h>
#include <string.h>
#include "cli/report.h"
#include "cli/request.h"

static const char profile_usage[] =
	"Usage: slotguard profile list [--json]\n"
	"       slotguard profile show NAME [--json]\n"
	"       slotguard profile activate NAME\n"
	"       slotguard profile auto\n"
	"\n"
	"The [profile NAME] sections of the config the daemon runs: settings for\n"
	"a window of time (days, start, end, time zone) that the daemon switches\n"
	"to and back from at the scheduled moments. `list` says which is active,\n"
	"why (schedule or manual) and when the next switch is; `show` what a\n"
	"profile changes. `activate` holds a profile (or `default`, the config\n"
	"without a profile) whatever the schedule says, also across reloads and\n"
	"restarts, until `auto`.\n"
	"\n"
	"Options:\n"
	"  -j, --json   list: {active, why, since, manual, next_switch,\n"
	"               next_profile, profiles[]}; show: one of profiles[]\n"
	"  -h, --help   this text\n"
	"\n"
	"Examples:\n"
	"  slotguard profile list\n"
	"  slotguard profile activate release-window\n"
	"  slotguard profile auto\n";

/* The daemon's profile.json; prints why not itself. */
static int read_profiles(struct json_object **out, bool *alive)
{
	char dir[PATH_MAX];
	struct sg_state st;
	int rc = sg_cli_open(&st, false), ret;

	if (!rc)
		rc = sg_cli_state_dir(&st, dir, sizeof(dir), alive);
	sg_state_close(&st);
	if (rc)
		return rc;
	ret = sg_json_file_read(dir, SG_PROFILE_FILE, out);
	if (ret) {
		sg_errorf("%s/" SG_PROFILE_FILE ": %s", dir,
			  ret == -ENOENT
				  ? "none (the daemon writes it at its start)"
				  : strerror(-ret));
		return SG_EXIT_FAIL;
	}
	if (!*alive)
		sg_warnf("no daemon runs: this is what the last one ran");
	return 0;
}

static const char *text_or(struct json_object *o, const char *key,
			   const char *none)
{
	const char *s = sg_json_str(o, key);

	return s[0] ? s : none;
}

static int cmd_list(int argc, char **argv)
{
	struct json_object *root, *arr, *p;
	bool json = false, alive;
	size_t i, n;
	int rc = sg_cli_opts(argc, argv, profile_usage, &json);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rc = read_profiles(&root, &alive);
	if (rc)
		return rc;
	if (json) {
		sg_json_print(root);
		return SG_EXIT_OK;
	}
	json_object_object_get_ex(root, "profiles", &arr);
	n = arr ? json_object_array_length(arr) : 0;
	printf("%-24s %-6s %-16s %-19s %s\n", "PROFILE", "ACTIVE", "DAYS",
	       "WINDOW", "TIMEZONE");
	printf("%-24s %-6s %-16s %-19s %s\n", SG_PROFILE_DEFAULT,
	       strcmp(sg_json_str(root, "active"), SG_PROFILE_DEFAULT) ? "no"
								       : "yes",
	       "-", "-", "-");
	for (i = 0; i < n; i++) {
		char window[24];

		p = json_object_array_get_idx(arr, i);
		snprintf(window, sizeof(window), "%s-%s",
			 sg_json_str(p, "start"), sg_json_str(p, "end"));
		printf("%-24s %-6s %-16s %-19s %s\n", sg_json_str(p, "name"),
		       strcmp(sg_json_str(root, "active"),
			      sg_json_str(p, "name"))
			       ? "no"
			       : "yes",
		       sg_json_str(p, "days"), window,
		       sg_json_str(p, "timezone"));
	}
	printf("active: %s (%s) since %s; next switch: %s%s%s\n",
	       sg_json_str(root, "active"), sg_json_str(root, "why"),
	       text_or(root, "since", "-"),
	       text_or(root, "next_switch",
		       sg_json_str(root, "manual")[0]
			       ? "none (held by hand: `slotguard profile auto`)"
			       : "none"),
	       sg_json_str(root, "next_profile")[0] ? " to " : "",
	       sg_json_str(root, "next_profile"));
	json_object_put(root);
	return SG_EXIT_OK;
}

static int cmd_show(int argc, char **argv)
{
	struct json_object *root, *arr, *p = NULL, *one;
	bool json = false, alive;
	const char *name;
	size_t i, n;
	int rc = sg_cli_opts(argc, argv, profile_usage, &json);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind != argc - 1) {
		sg_errorf("needs exactly one NAME (try 'slotguard profile "
			  "help')");
		return SG_EXIT_USAGE;
	}
	name = argv[optind];
	rc = read_profiles(&root, &alive);
	if (rc)
		return rc;
	json_object_object_get_ex(root, "profiles", &arr);
	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; i < n && !p; i++) {
		one = json_object_array_get_idx(arr, i);
		if (!strcmp(sg_json_str(one, "name"), name))
			p = one;
	}
	if (!p) {
		sg_errorf("no profile '%s' in the daemon's config", name);
		json_object_put(root);
		return SG_EXIT_USAGE;
	}
	if (json) {
		sg_json_print(json_object_get(p));
	} else {
		printf("profile %s%s\n  schedule: %s %s-%s %s\n  changes: %s\n",
		       name,
		       json_object_get_boolean(
			       json_object_object_get(p, "active"))
			       ? " (active)"
			       : "",
		       sg_json_str(p, "days"), sg_json_str(p, "start"),
		       sg_json_str(p, "end"), sg_json_str(p, "timezone"),
		       sg_json_str(p, "changes"));
	}
	json_object_put(root);
	return SG_EXIT_OK;
}

static int request(int op, const char *name)
{
	struct sg_control_request q = { .op = op };
	struct sg_control_result res;
	struct sg_state st;
	int rc = sg_cli_open(&st, false);

	if (rc)
		return rc;
	if (name)
		snprintf(q.profile, sizeof(q.profile), "%s", name);
	rc = sg_cli_request(&st, &q, 30, &res);
	sg_state_close(&st);
	if (rc)
		return rc;
	if (res.outcome != SG_CONTROL_OK) {
		sg_errorf("%s", res.message);
		return res.outcome == SG_CONTROL_INVALID ? SG_EXIT_USAGE
							 : SG_EXIT_FAIL;
	}
	if (op == SG_OP_PROFILE_ACTIVATE)
		printf("%s active, held by hand until `slotguard profile "
		       "auto`\n",
		       res.message);
	else
		printf("back to the schedule: %s active\n", res.message);
	return SG_EXIT_OK;
}

static int cmd_activate(int argc, char **argv)
{
	int rc = sg_cli_opts(argc, argv, profile_usage, NULL);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind != argc - 1 || strlen(argv[optind]) >= SG_PROFILE_NAME_LEN) {
		sg_errorf("needs exactly one NAME (try 'slotguard profile "
			  "help')");
		return SG_EXIT_USAGE;
	}
	return request(SG_OP_PROFILE_ACTIVATE, argv[optind]);
}

static int cmd_auto(int argc, char **argv)
{
	int rc = sg_cli_opts(argc, argv, profile_usage, NULL);

	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind != argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	return request(SG_OP_PROFILE_AUTO, NULL);
}

static const struct sg_cmd profile_cmds[] = {
	{ "list", cmd_list, "every profile, the active one" },
	{ "show", cmd_show, "one profile" },
	{ "activate", cmd_activate, "hold a profile by hand" },
	{ "auto", cmd_auto, "back to the schedule" },
	{ NULL, NULL, NULL },
};

int sg_cmd_profile(int argc, char **argv)
{
	return sg_cli_dispatch("profile", profile_cmds, profile_usage, argc,
			       argv);
}
