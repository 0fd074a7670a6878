// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Shared CLI plumbing: error printing with the command as prefix, opening
 * the pinned state with the right exit code, and per-object dispatch.
 */
#include <errno.h>
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

bool sg_cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
		if (!strcmp(argv[i], "--"))
			break;
	}
	return false;
}

int sg_cli_dispatch(const char *object, const struct sg_cmd *cmds,
		    const char *usage, int argc, char **argv)
{
	static char prefix[64];
	const struct sg_cmd *c;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? SG_EXIT_USAGE : SG_EXIT_OK;
	}
	for (c = cmds; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		snprintf(prefix, sizeof(prefix), "%s %s", object, c->name);
		sg_cli.cmd = prefix;
		return c->fn(argc - 1, argv + 1);
	}
	sg_cli.cmd = object;
	sg_errorf("unknown command '%s' (try 'slotguard %s help')", argv[1],
		  object);
	return SG_EXIT_USAGE;
}
