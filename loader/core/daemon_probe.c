// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Is the daemon that recorded itself in sg_daemon still there? A pid alone
 * could have been given to another process since: it must still be a
 * `slotguard` process, and some process must hold the daemon lock of the
 * pin directory (PIN_DIR/daemon), which only a running `run` does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include "sg.h"

static bool sg_is_slotguard(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "slotguard");
}

/* Someone holds PIN_DIR/daemon's lock (a shared probe, at once released). */
static bool sg_daemon_lock_held(const char *pin_dir)
{
	char path[PATH_MAX + 16];
	bool held;
	int fd;

	snprintf(path, sizeof(path), "%s/daemon", pin_dir);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd); /* drops the shared lock if we got it */
	return held;
}

int sg_daemon_probe(const struct sg_state *st, struct sg_daemon_info *info,
		    bool *alive)
{
	int ret = sg_daemon_info_read(st, info);
	pid_t pid;

	*alive = false;
	if (ret)
		return ret;
	info->config_path[sizeof(info->config_path) - 1] = '\0';
	info->metrics_listen[sizeof(info->metrics_listen) - 1] = '\0';
	info->state_dir[sizeof(info->state_dir) - 1] = '\0';
	info->last_reload_error[sizeof(info->last_reload_error) - 1] = '\0';
	info->profile[sizeof(info->profile) - 1] = '\0';
	pid = (pid_t)info->pid;
	if (!info->pid || (__u64)pid != info->pid)
		return 0;
	*alive = (!kill(pid, 0) || errno == EPERM) && sg_is_slotguard(pid) &&
		 sg_daemon_lock_held(st->pin_dir);
	return 0;
}
