// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard version`: the version of this build, the pin ABI version it
 * speaks and the libbpf it runs with.
 */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "cli/cli.h"
#include "cli/report.h"

#ifndef SG_VERSION
#define SG_VERSION "unknown" /* the Makefile passes git describe */
#endif

static const char version_usage[] =
	"Usage: slotguard version [--json]\n"
	"\n"
	"Prints the slotguard version, the pin ABI version it speaks and the\n"
	"libbpf it runs with.\n"
	"\n"
	"Examples:\n"
	"  slotguard version\n"
	"  slotguard version --json | jq .abi_version\n";

int sg_cmd_version(int argc, char **argv)
{
	struct json_object *root;
	char libbpf[32];
	bool json = false;
	int rc;

	rc = sg_cli_opts(argc, argv, version_usage, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	if (!json) {
		printf("slotguard %s\nABI version %d\nlibbpf %u.%u\n",
		       SG_VERSION, SG_ABI_VERSION, libbpf_major_version(),
		       libbpf_minor_version());
		return SG_EXIT_OK;
	}
	root = json_object_new_object();
	json_object_object_add(root, "version",
			       json_object_new_string(SG_VERSION));
	json_object_object_add(root, "abi_version",
			       json_object_new_int(SG_ABI_VERSION));
	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	json_object_object_add(root, "libbpf", json_object_new_string(libbpf));
	sg_json_print(root);
	return SG_EXIT_OK;
}
