// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command side of control.h: leave a request where the daemon keeps
 * its state, signal it, wait for the answer with our id in it.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "request.h"

int sg_cli_state_dir(const struct sg_state *st, char *dir, size_t len,
		     bool *alive)
{
	struct sg_daemon_info info;
	int ret = sg_daemon_probe(st, &info, alive);

	if (ret) {
		sg_errorf("reading %s/sg_daemon: %s", st->pin_dir,
			  strerror(-ret));
		return SG_EXIT_FAIL;
	}
	if (!info.state_dir[0]) {
		sg_errorf("no daemon ever ran on %s", st->pin_dir);
		return SG_EXIT_FAIL;
	}
	snprintf(dir, len, "%s", info.state_dir);
	return SG_EXIT_OK;
}

int sg_cli_request(const struct sg_state *st, struct sg_control_request *q,
		   double timeout, struct sg_control_result *res)
{
	struct timespec pause = { 0, 20 * 1000000 };
	struct sg_daemon_info info;
	long rounds = (long)(timeout * 50), i;
	bool alive;
	int ret = sg_daemon_probe(st, &info, &alive);

	if (!ret && !alive) {
		sg_errorf("no daemon runs on %s%s", st->pin_dir,
			  info.pid ? " (the one recorded has exited)" : "");
		return SG_EXIT_FAIL;
	}
	if (ret) {
		sg_errorf("reading %s/sg_daemon: %s", st->pin_dir,
			  strerror(-ret));
		return SG_EXIT_FAIL;
	}
	q->pid = (__u32)getpid();
	q->uid = (__u32)getuid();
	if (getrandom(&q->id, sizeof(q->id), 0) != sizeof(q->id))
		q->id = (__u64)time(NULL) << 20 ^ q->pid;
	ret = sg_control_request_write(info.state_dir, q);
	if (ret) {
		sg_errorf("writing a request in %s: %s", info.state_dir,
			  strerror(-ret));
		return SG_EXIT_FAIL;
	}
	if (kill((pid_t)info.pid, SIGUSR1)) {
		sg_errorf("signalling the daemon (pid %llu): %s",
			  (unsigned long long)info.pid, strerror(errno));
		return SG_EXIT_FAIL;
	}
	for (i = 0; i < rounds; i++) {
		nanosleep(&pause, NULL);
		if (!sg_control_result_take(info.state_dir, q->pid, q->id, res))
			return SG_EXIT_OK;
		if (i % 25 == 24 &&
		    (sg_daemon_probe(st, &info, &alive) || !alive)) {
			sg_errorf("the daemon exited before it answered");
			return SG_EXIT_FAIL;
		}
	}
	sg_errorf("the daemon (pid %llu) did not answer within %g s",
		  (unsigned long long)info.pid, timeout);
	return SG_EXIT_FAIL;
}
