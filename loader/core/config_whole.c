// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading the daemon's config only when it is whole. A file rewritten in
 * place (truncated, then written) is, for a moment, empty or a prefix of
 * itself; applied, it would turn an enforcing gateway into a monitoring
 * one. sg_settings_load refuses what only a cut file looks like; this adds
 * the writer: a file someone holds open for writing is not read, and a
 * read lease makes a writer who opens it meanwhile wait until it is read.
 */
#define _GNU_SOURCE /* F_SETLEASE, F_SETSIG */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "sg.h"

int sg_settings_load_whole(const char *path, struct sg_settings *s, char *err,
			   size_t err_len)
{
	bool leased = false;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		/*
		 * A lease break signals the holder, SIGIO unless told
		 * otherwise, which would end the daemon: SIGURG is ignored
		 * unless someone handles it.
		 */
		if (!fcntl(fd, F_SETSIG, SIGURG) &&
		    !fcntl(fd, F_SETLEASE, F_RDLCK))
			leased = true;
		else if (errno == EAGAIN) {
			snprintf(err, err_len,
				 "%s: open for writing by another process: "
				 "being written? Not read (replace config "
				 "files atomically: write a new file, then "
				 "rename it over the old one)",
				 path);
			close(fd);
			return -EAGAIN;
		}
		/* EACCES (not our file), EINVAL (no leases here): read it. */
	}
	ret = sg_settings_load(path, s, err, err_len);
	if (leased)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	if (fd >= 0)
		close(fd);
	return ret;
}
