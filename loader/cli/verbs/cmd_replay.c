// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard replay -c CONF [-c CONF2] CAPTURE`: what the real XDP
 * program would have done to every frame of a capture, with one config or
 * two side by side, on private copies of the program (loader/replay/).
 * Touches no pinned state and no interface.
 */
#define _GNU_SOURCE /* sched_getcpu */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "replay_out.h"

#define SG_REPLAY_EXIT_ALLOW_DROPPED 4

static const char replay_usage[] =
	"Usage: slotguard replay -c CONF [-c CONF2] [--json]\n"
	"                        [--allow-check FILE] [--top N] CAPTURE\n"
	"\n"
	"What the filter would have done to a capture, before you change a\n"
	"budget on a live gateway: every frame of CAPTURE (pcap or pcapng, as\n"
	"tcpdump writes them; Ethernet with VLAN tags, Linux cooked SLL and\n"
	"SLL2 from `tcpdump -i any`, raw IP) runs through the real XDP program\n"
	"with the program's clock at the frame's capture time, so budgets, bans\n"
	"and their escalation play out as they would have live. The program is\n"
	"a private copy: nothing is attached, pinned or changed on this host\n"
	"(root is needed to load it). Prints frames by verdict and reason, the\n"
	"bans in the order they were made with their capture times, the\n"
	"heaviest source prefixes, and the frames of each service and set.\n"
	"\n"
	"Capture upstream of slotguard, or on a gateway in monitor mode: frames\n"
	"an enforcing gateway drops never reach its own capture.\n"
	"\n"
	"Options:\n"
	"  -c, --config CONF       the config to replay with; twice to compare two\n"
	"                          side by side (columns and their difference)\n"
	"  -a, --allow-check FILE  sources that must never be dropped, one address\n"
	"                          or CIDR a line (an allowlist file): each one\n"
	"                          with a frame dropped is named, with counts\n"
	"  -n, --top N             heaviest prefixes shown (10)\n"
	"  -j, --json              one JSON object (docs/JSON.md)\n"
	"  -h, --help              this text\n"
	"\n"
	"Exit status: 0 done; 1 runtime failure (the program did not load);\n"
	"2 bad usage, a bad config or a bad capture (named with the frame and\n"
	"its byte offset); 4 a source of --allow-check would have been dropped.\n"
	"\n"
	"Examples:\n"
	"  tcpdump -i any -w booking.pcap 'tcp port 443'     # on a monitor-mode gateway\n"
	"  slotguard replay -c /etc/slotguard/slotguard.conf booking.pcap\n"
	"  slotguard replay -c now.conf -c tighter.conf --allow-check offices.txt \\\n"
	"      booking.pcap\n";

struct replay_opts {
	bool json;
	const char *allow;
	const char *capture;
	unsigned int top;
};

static int replay_opts(int argc, char **argv, struct sg_replay_report *rep,
		       struct replay_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "allow-check", required_argument, NULL, 'a' },
		{ "top", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	o->top = 10;
	while ((c = sg_getopt(argc, argv, "c:a:n:jh", opts)) != -1) {
		if (c == 'c') {
			if (rep->n == SG_REPLAY_CONFIGS) {
				sg_errorf("at most two configs (-c) side by "
					  "side");
				return SG_EXIT_USAGE;
			}
			rep->conf[rep->n++] = optarg;
		} else if (c == 'a') {
			o->allow = optarg;
		} else if (c == 'n') {
			n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 100000) {
				sg_errorf("--top '%s': a count from 0 to "
					  "100000",
					  optarg);
				return SG_EXIT_USAGE;
			}
			o->top = (unsigned int)n;
		} else if (c == 'j') {
			o->json = true;
		} else if (c == 'h') {
			fputs(replay_usage, stdout);
			return -1;
		} else {
			return SG_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !rep->n) {
		sg_errorf("needs -c CONF and exactly one CAPTURE (%s)",
			  sg_cli_help_hint());
		return SG_EXIT_USAGE;
	}
	o->capture = argv[optind];
	return 0;
}

/* Stay on one CPU: the program's verdict cache and counters are per CPU. */
static void stay_on_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Each config's program, started at the first frame's time. */
static int open_runs(struct sg_replay_report *rep, __u64 first_ts)
{
	char err[SG_ERR_LEN];
	unsigned int i;
	int ret;

	for (i = 0; i < rep->n; i++) {
		ret = sg_replay_run_open(rep->conf[i], first_ts, &rep->runs[i],
					 err, sizeof(err));
		if (ret) {
			sg_errorf("%s", err);
			return ret == -EINVAL ? SG_EXIT_USAGE : SG_EXIT_FAIL;
		}
	}
	return 0;
}

static int one_frame(struct sg_replay_report *rep,
		     const struct sg_capture_frame *f)
{
	struct sg_replay_hit hit;
	unsigned int i;
	int ret;

	if (f->ts_ns < rep->last_ts)
		rep->out_of_order++;
	else
		rep->last_ts = f->ts_ns;
	if (f->outgoing) {
		rep->outgoing++;
		return 0;
	}
	for (i = 0; i < rep->n; i++) {
		ret = sg_replay_run_frame(rep->runs[i], f, &hit);
		if (ret) {
			sg_errorf("%s: frame %llu: running the program: %s",
				  rep->capture, (unsigned long long)f->number,
				  strerror(-ret));
			return SG_EXIT_FAIL;
		}
		if (rep->allow)
			sg_replay_allow_hit(rep->allow, i, &hit);
	}
	return 0;
}

/* Read the capture through to its end (or to the first bad record). */
static int replay_all(struct sg_replay_report *rep, struct sg_capture *cap)
{
	struct sg_capture_frame f;
	char err[SG_ERR_LEN];
	int ret, rc;

	ret = sg_capture_next(cap, &f, err, sizeof(err));
	rc = open_runs(rep, ret == 1 ? f.ts_ns : 0);
	if (ret == 1)
		rep->first_ts = rep->last_ts = f.ts_ns;
	while (!rc && ret == 1) {
		rep->frames++;
		rc = one_frame(rep, &f);
		if (!rc)
			ret = sg_capture_next(cap, &f, err, sizeof(err));
	}
	if (!rc && ret < 0) {
		sg_errorf("%s", err);
		rc = SG_EXIT_USAGE;
	}
	return rc;
}

int sg_cmd_replay(int argc, char **argv)
{
	struct sg_replay_report rep = {};
	struct sg_replay_allow allow;
	struct replay_opts o = {};
	struct sg_capture *cap = NULL;
	char err[SG_ERR_LEN];
	unsigned int i;
	int rc;

	rc = replay_opts(argc, argv, &rep, &o);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rep.capture = o.capture;
	rep.top = o.top;
	if (o.allow) {
		if (sg_replay_allow_read(&allow, o.allow, rep.n, err,
					 sizeof(err))) {
			sg_errorf("--allow-check %s", err);
			return SG_EXIT_USAGE;
		}
		rep.allow = &allow;
		rep.allow_path = o.allow;
	}
	if (sg_capture_open(o.capture, &cap, err, sizeof(err))) {
		sg_errorf("%s", err);
		rc = SG_EXIT_USAGE;
		goto out;
	}
	rep.format = sg_capture_format(cap);
	rep.link = sg_capture_link(cap);
	stay_on_this_cpu();
	rc = replay_all(&rep, cap);
	if (rc)
		goto out;
	for (i = 0; i < rep.n; i++)
		sg_replay_run_finish(rep.runs[i]);
	if (o.json)
		sg_replay_print_json(&rep);
	else
		sg_replay_print_text(&rep);
	if (rep.allow && sg_replay_allow_dropped(&rep))
		rc = SG_REPLAY_EXIT_ALLOW_DROPPED;
out:
	for (i = 0; i < rep.n; i++)
		sg_replay_run_close(rep.runs[i]);
	sg_capture_close(cap);
	if (rep.allow)
		sg_replay_allow_free(rep.allow);
	return rc;
}
