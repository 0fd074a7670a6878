// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard apply`: commit confirmed. The daemon runs the new config
 * (refused as a reload refuses it: nothing changes) and goes back to the
 * last confirmed one by itself unless `apply --confirm` comes in time;
 * `apply --cancel` goes back at once (loader/daemon/apply.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/request.h"

static const char apply_usage[] =
	"Usage: slotguard apply [-c FILE] --confirm-within DURATION\n"
	"       slotguard apply --confirm\n"
	"       slotguard apply --cancel\n"
	"\n"
	"Commit confirmed, as on JunOS: the running daemon switches to FILE (by\n"
	"default the config it runs, edited in place) the way a reload does; a\n"
	"file the daemon refuses changes nothing (exit 2, with FILE:LINE). At\n"
	"the deadline it goes back by itself to the last confirmed config (the\n"
	"text it ran, kept in its state directory) unless `slotguard apply\n"
	"--confirm` came first. A restart while a change is pending comes back\n"
	"with the confirmed config. SIGHUP while pending re-reads FILE and keeps\n"
	"the deadline. `slotguard status` shows the pending change.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE      the new config\n"
	"  -w, --confirm-within DURATION\n"
	"                         roll back after this long (1s to 1d: 30s, 2m)\n"
	"      --confirm          keep the pending change\n"
	"      --cancel           roll back now\n"
	"  -t, --timeout SECONDS  wait at most this long for the daemon (30)\n"
	"  -h, --help             this text\n"
	"\n"
	"Examples:\n"
	"  slotguard apply -c /etc/slotguard/tight.conf --confirm-within 2m\n"
	"  slotguard apply --confirm\n"
	"  sudoedit /etc/slotguard/slotguard.conf && slotguard apply -w 5m\n";

struct apply_opts {
	const char *config;
	__u64 within_ns;
	bool confirm, cancel;
	double timeout;
};

static int apply_opts(int argc, char **argv, struct apply_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "confirm-within", required_argument, NULL, 'w' },
		{ "confirm", no_argument, NULL, 'C' },
		{ "cancel", no_argument, NULL, 'X' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[128];
	int c;

	while ((c = sg_getopt(argc, argv, "c:w:t:h", opts)) != -1) {
		if (c == 'c') {
			o->config = optarg;
		} else if (c == 'w') {
			if (sg_parse_duration(optarg, &o->within_ns, why,
					      sizeof(why)) ||
			    o->within_ns < 1000000000ULL ||
			    o->within_ns > 86400ULL * 1000000000ULL) {
				sg_errorf("--confirm-within '%s': a duration "
					  "from 1s to 1d (30s, 2m)",
					  optarg);
				return SG_EXIT_USAGE;
			}
		} else if (c == 'C' || c == 'X') {
			*(c == 'C' ? &o->confirm : &o->cancel) = true;
		} else if (c == 't') {
			if (sg_timeout_arg(optarg, &o->timeout))
				return SG_EXIT_USAGE;
		} else if (c == 'h') {
			fputs(apply_usage, stdout);
			return -1;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	if ((o->confirm + o->cancel + !!o->within_ns) != 1 ||
	    (o->config && !o->within_ns)) {
		sg_errorf("needs --confirm-within DURATION (with -c FILE or "
			  "not), --confirm or --cancel (try 'slotguard apply "
			  "--help')");
		return SG_EXIT_USAGE;
	}
	return 0;
}

/* The request, with the file made absolute (the daemon's cwd is not ours). */
static int build(const struct sg_state *st, const struct apply_opts *o,
		 struct sg_control_request *q)
{
	struct sg_daemon_info info;
	bool alive;

	memset(q, 0, sizeof(*q));
	q->op = o->confirm  ? SG_OP_CONFIRM
		: o->cancel ? SG_OP_CANCEL
			    : SG_OP_APPLY;
	q->confirm_within_ns = o->within_ns;
	if (q->op != SG_OP_APPLY)
		return 0;
	if (o->config) {
		if (!realpath(o->config, q->config)) {
			sg_errorf("%s: %s", o->config, strerror(errno));
			return SG_EXIT_USAGE;
		}
		return 0;
	}
	if (!sg_daemon_probe(st, &info, &alive) && info.config_path[0]) {
		snprintf(q->config, sizeof(q->config), "%s", info.config_path);
		return 0;
	}
	sg_errorf("the daemon runs without a config file: name one with -c");
	return SG_EXIT_USAGE;
}

static void say(const struct sg_control_request *q,
		const struct sg_control_result *res)
{
	struct timespec now;
	char left[48];
	__u64 now_ns;

	if (q->op == SG_OP_CONFIRM) {
		printf("confirmed %s\n", res->message);
		return;
	}
	if (q->op == SG_OP_CANCEL) {
		printf("cancelled: rolled back to %s\n", res->message);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	sg_format_duration(
		res->deadline_unix_ns > now_ns
			? (res->deadline_unix_ns - now_ns + 500000000ULL) /
				  1000000000ULL * 1000000000ULL
			: 0,
		left, sizeof(left));
	printf("applied %s: it rolls back in %s unless `slotguard apply "
	       "--confirm` comes first\n",
	       res->message, left);
}

int sg_cmd_apply(int argc, char **argv)
{
	struct apply_opts o = { .timeout = 30 };
	struct sg_control_request q;
	struct sg_control_result res;
	struct sg_state st;
	int rc;

	rc = apply_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	rc = build(&st, &o, &q);
	if (!rc)
		rc = sg_cli_request(&st, &q, o.timeout, &res);
	sg_state_close(&st);
	if (rc)
		return rc;
	if (res.outcome != SG_CONTROL_OK) {
		sg_errorf("%s", res.message);
		return res.outcome == SG_CONTROL_INVALID ? SG_EXIT_USAGE
							 : SG_EXIT_FAIL;
	}
	say(&q, &res);
	return SG_EXIT_OK;
}
