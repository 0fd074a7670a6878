// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * slotguard: the command-line entry point. Parses global options, routes
 * libbpf's messages through one callback, and dispatches to the object.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"

static const char usage[] =
	"Usage: slotguard [--pin-dir DIR] [-v] OBJECT COMMAND [OPTIONS]\n"
	"\n"
	"slotguard drops booking traffic beyond a human rate at the NIC (XDP)\n"
	"and bans sources that keep at it. Every command below works on the\n"
	"pinned state, whether or not `slotguard run` is running.\n"
	"\n"
	"Objects:\n"
	"  run            load, attach and stay in the foreground (the daemon)\n"
	"  allow          the allowlist: sources never dropped\n"
	"  deny           the denylist: sources always dropped\n"
	"  ban            bans: add, del, flush, list\n"
	"  set            named prefix sets: list, show, add, del, replace\n"
	"  stats          counters by interface, verdict and reason\n"
	"  top            the heaviest sources right now\n"
	"  explain ADDR   why a source gets what it gets\n"
	"  replay         run a capture through the program with a config\n"
	"                 (or two side by side): what would have been dropped\n"
	"  status         program, interfaces, modes, map fill levels\n"
	"  config check   validate a config file without applying it\n"
	"  reload         have the daemon re-read its config; wait for the outcome\n"
	"  apply          switch the daemon to a config that rolls back by itself\n"
	"                 unless confirmed (--confirm-within, --confirm, --cancel)\n"
	"  profile        release-window profiles: list, show, activate, auto\n"
	"  version        print the version and ABI version\n"
	"\n"
	"Global options (before or after the object and command):\n"
	"  --pin-dir DIR  pinned state (default " SG_PIN_DIR_DEFAULT ", or\n"
	"                 $SLOTGUARD_PIN_DIR)\n"
	"  -v, --verbose  show libbpf's debug messages\n"
	"  -h, --help     this text; `slotguard OBJECT help` for an object\n"
	"  --version      the same as `slotguard version`\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 bad usage or input,\n"
	"3 nothing loaded (no pinned state).\n"
	"\n"
	"Examples:\n"
	"  slotguard run -c /etc/slotguard/slotguard.conf\n"
	"  slotguard allow add 198.51.100.0/24 2001:db8:1::/48\n"
	"  slotguard ban add 203.0.113.7 --for 1h --reason 'scalper'\n"
	"  slotguard stats --interval 1\n"
	"  slotguard replay -c new.conf booking.pcap\n"
	"  slotguard status --pin-dir /sys/fs/bpf/slotguard-lab\n"
	"\n"
	"Manual pages: slotguard(8), slotguard.conf(5).\n";

static const struct sg_cmd objects[] = {
	{ "run", sg_cmd_run, "load, attach and stay in the foreground" },
	{ "allow", sg_cmd_allow, "the allowlist" },
	{ "deny", sg_cmd_deny, "the denylist" },
	{ "ban", sg_cmd_ban, "bans" },
	{ "set", sg_cmd_set, "named prefix sets" },
	{ "explain", sg_cmd_explain, "why a source gets what it gets" },
	{ "replay", sg_cmd_replay, "a capture through the program" },
	{ "stats", sg_cmd_stats, "counters" },
	{ "top", sg_cmd_top, "heaviest sources" },
	{ "status", sg_cmd_status, "what runs where" },
	{ "config", sg_cmd_config, "config check" },
	{ "reload", sg_cmd_reload, "reload the daemon's config" },
	{ "apply", sg_cmd_apply, "a config that rolls back unless confirmed" },
	{ "profile", sg_cmd_profile, "release-window profiles" },
	{ "version", sg_cmd_version, "version" },
	{ NULL, NULL, NULL },
};

static int sg_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (level == LIBBPF_DEBUG && !sg_cli.verbose)
		return 0;
	if (level == LIBBPF_INFO && !sg_cli.verbose)
		return 0;
	fprintf(stderr, "libbpf: ");
	return vfprintf(stderr, fmt, ap);
}

/* The object argv[0] names, or NULL. */
static const struct sg_cmd *find_object(const char *name)
{
	const struct sg_cmd *o;

	for (o = objects; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char help_arg[] = "--help";
	const struct sg_cmd *o;
	const char *env;
	int c, first;

	env = getenv("SLOTGUARD_PIN_DIR");
	if (env && *env) {
		sg_cli.pin_dir = env;
		sg_cli.pin_dir_given = true;
	}
	libbpf_set_print(sg_libbpf_print);
	while ((c = sg_getopt(argc, argv, "+h", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return SG_EXIT_OK;
		case 'V': {
			char *version_argv[] = { "version", NULL };

			optind = 0; /* the command runs its own getopt */
			return sg_cmd_version(1, version_argv);
		}
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return SG_EXIT_USAGE;
	}
	first = optind;
	if (!strcmp(argv[first], "help")) {
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	o = find_object(argv[first]);
	if (!o) {
		fprintf(stderr,
			"slotguard: unknown object '%s'. Try 'slotguard "
			"--help'.\n",
			argv[first]);
		return SG_EXIT_USAGE;
	}
	sg_cli.object = o->name;
	sg_cli.cmd = o->name;
	/* `slotguard OBJECT help` is OBJECT --help, for every object. */
	if (first + 1 < argc && !strcmp(argv[first + 1], "help"))
		argv[first + 1] = help_arg;
	optind = 0; /* each command runs its own getopt */
	return o->fn(argc - first, argv + first);
}
