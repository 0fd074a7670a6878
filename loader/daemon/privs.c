// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Least privilege for the daemon: once the program is loaded and attached,
 * keep only the capabilities later work needs and drop the rest from the
 * effective, permitted, inheritable and bounding sets. Raw capset(2): no
 * library needed for this much.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "daemon.h"

static int sg_cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static bool sg_kept(int cap, const int *keep, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

int sg_drop_privileges(const int *keep, int n)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int cap, last = sg_cap_last();

	/* The bounding set first: that needs CAP_SETPCAP, about to go. */
	for (cap = 0; cap <= last; cap++)
		if (!sg_kept(cap, keep, n) && prctl(PR_CAPBSET_DROP, cap) &&
		    errno != EINVAL && errno != EPERM)
			return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	memset(data, 0, sizeof(data));
	for (cap = 0; cap < n; cap++) {
		data[keep[cap] / 32].effective |= 1U << (keep[cap] % 32);
		data[keep[cap] / 32].permitted |= 1U << (keep[cap] % 32);
	}
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
