// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard config check FILE`: load a config file the way `run` would,
 * without the pins, and say what is wrong where (FILE:LINE: reason) or
 * what slotguard understood.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/report.h"

static const char config_usage[] =
	"Usage: slotguard config check [--json] [--skip-host-checks] FILE\n"
	"\n"
	"Validates a config file without applying it and without touching the\n"
	"pins: unknown keys, bad values, budgets that make no sense, list files\n"
	"with a bad line, and whatever `slotguard run -c FILE` would refuse: no\n"
	"interfaces, or interfaces this host does not have. Each is reported as\n"
	"FILE:LINE: reason (exit 2). IPv4-mapped IPv6 prefixes (::ffff:a.b.c.d)\n"
	"are taken as the IPv4 ones they stand for, with a note. On success\n"
	"prints the settings as slotguard understood them (exit 0).\n"
	"\n"
	"Options:\n"
	"      --skip-host-checks  do not look for the interfaces on this host\n"
	"               (validating a file for another gateway)\n"
	"  -j, --json   {\"file\", \"ok\": false, \"error\"}, or {\"file\",\n"
	"               \"ok\": true, \"config\", \"services\"} in the shapes of\n"
	"               `slotguard status --json`\n"
	"  -h, --help   this text\n"
	"\n"
	"Examples:\n"
	"  slotguard config check /etc/slotguard/slotguard.conf\n"
	"  slotguard config check new.conf && systemctl reload slotguard\n";

static void config_check_json(const char *path, const struct sg_settings *s,
			      const char *err)
{
	struct json_object *root = json_object_new_object(), *arr;
	unsigned int i;

	json_object_object_add(root, "file", json_object_new_string(path));
	json_object_object_add(root, "ok", json_object_new_boolean(!err));
	json_object_object_add(
		root, "note",
		s->notes.count ? json_object_new_string(s->notes.first) : NULL);
	if (err) {
		json_object_object_add(root, "error",
				       json_object_new_string(err));
		sg_json_print(root);
		return;
	}
	json_object_object_add(root, "config", sg_config_json(&s->cfg));
	arr = json_object_new_array();
	for (i = 0; i < s->n_services && i < SG_MAX_SERVICES; i++)
		json_object_array_add(arr,
				      sg_service_json(&s->services[i].svc, i,
						      s->services[i].name,
						      s->services[i].n_dsts));
	json_object_object_add(root, "services", arr);
	sg_json_print(root);
}

static int check_opts(int argc, char **argv, bool *json, bool *host)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "skip-host-checks", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = sg_getopt(argc, argv, "jh", opts)) != -1) {
		if (c == 'j') {
			*json = true;
		} else if (c == 'H') {
			*host = false;
		} else if (c == 'h') {
			fputs(config_usage, stdout);
			return -1;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		sg_errorf("needs exactly one FILE (try 'slotguard config "
			  "check --help')");
		return SG_EXIT_USAGE;
	}
	return 0;
}

/* As run reads it: the file, what run refuses, the list files. */
static int check_file(const char *path, struct sg_settings *s, bool host,
		      char *err, size_t len)
{
	int ret = sg_settings_load(path, s, err, len);

	if (!ret)
		ret = sg_settings_check_run(s, host, err, len);
	if (!ret) /* the lists it names are part of what run would apply */
		ret = sg_settings_check_lists(s, &s->notes, err, len);
	return ret;
}

static int config_check(int argc, char **argv)
{
	struct sg_settings *s;
	char err[SG_ERR_LEN];
	bool json = false, host = true;
	int rc, ret;

	rc = check_opts(argc, argv, &json, &host);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	s = calloc(1, sizeof(*s)); /* services and paths: too big for a stack */
	if (!s) {
		sg_errorf("out of memory");
		return SG_EXIT_FAIL;
	}
	err[0] = '\0';
	ret = check_file(argv[optind], s, host, err, sizeof(err));
	if (s->notes.count)
		sg_warnf("note: %s%s", s->notes.first,
			 s->notes.count > 1 ? " (and more like it)" : "");
	if (ret) {
		sg_errorf("%s", err[0] ? err : strerror(-ret));
		if (json)
			config_check_json(argv[optind], s,
					  err[0] ? err : strerror(-ret));
	} else if (json) {
		config_check_json(argv[optind], s, NULL);
	} else {
		printf("%s: ok\n", argv[optind]);
		sg_settings_print(s, stdout);
	}
	free(s);
	if (ret == -ENOMEM)
		return SG_EXIT_FAIL;
	return ret ? SG_EXIT_USAGE : SG_EXIT_OK;
}

static const struct sg_cmd config_cmds[] = {
	{ "check", config_check, "validate a config file" },
	{ NULL, NULL, NULL },
};

int sg_cmd_config(int argc, char **argv)
{
	return sg_cli_dispatch("config", config_cmds, config_usage, argc, argv);
}
