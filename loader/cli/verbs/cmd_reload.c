// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard reload`: SIGHUP the daemon running on the pins and wait for
 * its verdict, so that `systemctl reload` (ExecReload) and scripts fail
 * on a config the daemon refused. The daemon counts every reload it tries
 * in sg_daemon; the answer is the first reload counted after the signal.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"

static const char reload_usage[] =
	"Usage: slotguard reload [--timeout SECONDS]\n"
	"\n"
	"Tells the daemon running on the pins to re-read its config and list\n"
	"files (SIGHUP) and waits for the outcome: exit 0 when it applied them,\n"
	"exit 1 with its error when it refused them (it then keeps running\n"
	"with the settings it had), when no daemon runs, or when it did not\n"
	"answer in time. Keys that only apply at a restart are named in the\n"
	"daemon's log. This is the unit's ExecReload: `systemctl reload\n"
	"slotguard` fails on a bad file.\n"
	"\n"
	"Options:\n"
	"  -t, --timeout SECONDS  wait at most this long (default 30)\n"
	"  -h, --help             this text\n"
	"\n"
	"Examples:\n"
	"  slotguard reload\n"
	"  sudoedit /etc/slotguard/slotguard.conf && slotguard reload\n";

static int reload_opts(int argc, char **argv, double *timeout)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = sg_getopt(argc, argv, "t:h", opts)) != -1) {
		if (c == 't') {
			if (sg_timeout_arg(optarg, timeout))
				return SG_EXIT_USAGE;
		} else if (c == 'h') {
			fputs(reload_usage, stdout);
			return -1;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	return 0;
}

/* The daemon's record after its next reload; 0, -ETIMEDOUT or -ESRCH. */
static int wait_reload(const struct sg_state *st, __u32 before, double timeout,
		       struct sg_daemon_info *info)
{
	struct timespec pause = { 0, 20 * 1000000 };
	long rounds = (long)(timeout * 50), i;
	bool alive;

	for (i = 0; i < rounds; i++) {
		nanosleep(&pause, NULL);
		if (sg_daemon_probe(st, info, &alive))
			return -EIO;
		if (info->reloads != before)
			return 0;
		if (!alive)
			return -ESRCH;
	}
	return -ETIMEDOUT;
}

int sg_cmd_reload(int argc, char **argv)
{
	struct sg_daemon_info info;
	double timeout = 30;
	struct sg_state st;
	bool alive;
	int rc, ret;

	rc = reload_opts(argc, argv, &timeout);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	ret = sg_daemon_probe(&st, &info, &alive);
	if (!ret && !alive) {
		sg_errorf("no daemon runs on %s%s: nothing to reload",
			  sg_cli.pin_dir,
			  info.pid ? " (the one recorded has exited)" : "");
		ret = -ESRCH;
	} else if (!ret && kill((pid_t)info.pid, SIGHUP)) {
		sg_errorf("signalling the daemon (pid %llu): %s",
			  (unsigned long long)info.pid, strerror(errno));
		ret = -errno;
	} else if (!ret) {
		ret = wait_reload(&st, info.reloads, timeout, &info);
		if (ret == -ETIMEDOUT)
			sg_errorf("the daemon (pid %llu) did not answer within "
				  "%g s",
				  (unsigned long long)info.pid, timeout);
		else if (ret == -ESRCH)
			sg_errorf("the daemon exited while reloading");
		else if (ret)
			sg_errorf("reading %s/sg_daemon: %s", sg_cli.pin_dir,
				  strerror(-ret));
	}
	sg_state_close(&st);
	if (ret)
		return SG_EXIT_FAIL;
	if (!info.last_reload_ok) {
		sg_errorf(
			"the daemon refused the config and keeps running with "
			"the settings it had: %s",
			info.last_reload_error);
		return SG_EXIT_FAIL;
	}
	printf("reloaded %s\n",
	       info.config_path[0] ? info.config_path : "(built-in defaults)");
	return SG_EXIT_OK;
}
