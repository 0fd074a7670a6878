// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Shared CLI plumbing: error printing with the command as prefix, opening
 * the pinned state with the right exit code, and per-object dispatch.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

struct sg_cli sg_cli = { .pin_dir = SG_PIN_DIR_DEFAULT };

static void sg_vprint(const char *fmt, va_list ap)
{
	fprintf(stderr, "slotguard: ");
	if (sg_cli.cmd)
		fprintf(stderr, "%s: ", sg_cli.cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sg_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_vprint(fmt, ap);
	va_end(ap);
}

void sg_warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_vprint(fmt, ap);
	va_end(ap);
}

int sg_parse_cidr_input(const char *text, struct sg_cidr *out, char *why,
			size_t why_len)
{
	char v4[64];

	if (sg_parse_cidr(text, out, why, why_len))
		return -EINVAL;
	if (sg_cidr_unmap(out)) {
		sg_format_cidr(out, v4, sizeof(v4));
		sg_warnf("note: %s is the IPv4-mapped form of %s; using %s",
			 text, v4, v4);
	}
	return 0;
}

void sg_audit(const struct sg_state *st, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ret = sg_audit_push(st, text);
	if (ret)
		sg_warnf("could not queue '%s' for the daemon's log: %s", text,
			 strerror(-ret));
}

int sg_cli_open(struct sg_state *st, bool lock)
{
	char err[SG_ERR_LEN];
	int ret;

	ret = sg_state_open(st, sg_cli.pin_dir, 0, err, sizeof(err));
	if (ret == -ENOENT) {
		sg_errorf("%s", err);
		return SG_EXIT_NOT_LOADED;
	}
	if (ret) {
		sg_errorf("%s", err);
		return SG_EXIT_FAIL;
	}
	if (lock) {
		ret = sg_state_lock(st, 5000);
		if (ret) {
			sg_errorf("cannot lock %s: %s", sg_cli.pin_dir,
				  ret == -EBUSY ? "another slotguard command "
						  "holds it"
						: strerror(-ret));
			sg_state_close(st);
			return SG_EXIT_FAIL;
		}
	}
	return SG_EXIT_OK;
}

const char *sg_cli_help_hint(void)
{
	static char hint[64];

	if (!sg_cli.object)
		return "try 'slotguard --help'";
	snprintf(hint, sizeof(hint), "try 'slotguard %s help'", sg_cli.object);
	return hint;
}

/* getopt_long() returned c ('?' or ':'); say which option, once. */
static void option_error(int c, int argc, char **argv)
{
	const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";

	if (c == ':')
		sg_errorf("option '%s' needs a value (%s)", last,
			  sg_cli_help_hint());
	else if (optopt && strncmp(last, "--", 2))
		sg_errorf("unknown option '-%c' (%s)", optopt,
			  sg_cli_help_hint());
	else
		sg_errorf("unknown option '%s' (%s)", last, sg_cli_help_hint());
}

#define SG_OPT_PIN_DIR	0x100
#define SG_CMD_OPTS_MAX 32

static const struct option global_opts[] = {
	{ "pin-dir", required_argument, NULL, SG_OPT_PIN_DIR },
	{ "verbose", no_argument, NULL, 'v' },
};

int sg_getopt(int argc, char **argv, const char *shortopts,
	      const struct option *longopts)
{
	static struct option all[SG_CMD_OPTS_MAX + 3];
	static char shorts[64];
	bool in_order = shortopts[0] == '+';
	size_t n = 0, g;
	int c;

	/* ':' first: a missing value comes back as ':', not as '?'. */
	snprintf(shorts, sizeof(shorts), "%s:%sv", in_order ? "+" : "",
		 shortopts + in_order);
	while (longopts && longopts[n].name && n < SG_CMD_OPTS_MAX) {
		all[n] = longopts[n];
		n++;
	}
	for (g = 0; g < sizeof(global_opts) / sizeof(global_opts[0]); g++)
		all[n++] = global_opts[g];
	memset(&all[n], 0, sizeof(all[n]));
	opterr = 0; /* option_error() words it, with the object's help */
	for (;;) {
		c = getopt_long(argc, argv, shorts, all, NULL);
		if (c == SG_OPT_PIN_DIR) {
			sg_cli.pin_dir = optarg;
			sg_cli.pin_dir_given = true;
		} else if (c == 'v') {
			sg_cli.verbose++;
		} else if (c == '?' || c == ':') {
			option_error(c, argc, argv);
			return '?';
		} else {
			return c;
		}
	}
}

int sg_cli_opts(int argc, char **argv, const char *usage, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* Without json, --json is as unknown as any other option. */
	while ((c = sg_getopt(argc, argv, json ? "jh" : "h",
			      json ? opts : opts + 1)) != -1) {
		if (c == 'j') {
			*json = true;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	return SG_EXIT_OK;
}

int sg_cli_dispatch(const char *object, const struct sg_cmd *cmds,
		    const char *usage, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char prefix[64];
	const struct sg_cmd *c;
	const char *name;
	int opt, first;

	/* Global options may stand between the object and the command. */
	while ((opt = sg_getopt(argc, argv, "+h", opts)) != -1) {
		if (opt != 'h')
			return SG_EXIT_USAGE;
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	first = optind;
	if (first >= argc) {
		fputs(usage, stderr);
		return SG_EXIT_USAGE;
	}
	name = argv[first];
	if (!strcmp(name, "help")) {
		fputs(usage, stdout);
		return SG_EXIT_OK;
	}
	for (c = cmds; c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		snprintf(prefix, sizeof(prefix), "%s %s", object, c->name);
		sg_cli.cmd = prefix;
		optind = 0; /* the command runs its own getopt */
		return c->fn(argc - first, argv + first);
	}
	sg_cli.cmd = object;
	sg_errorf("unknown command '%s' (%s)", name, sg_cli_help_hint());
	return SG_EXIT_USAGE;
}

int sg_timeout_arg(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(*out) || *out <= 0 ||
	    *out > 3600) {
		sg_errorf(
			"--timeout '%s' is not a number of seconds up to 3600",
			arg);
		return SG_EXIT_USAGE;
	}
	return 0;
}
