// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEMPORARY: commands still being written. Each is removed from here when
 * its real file lands; this file must be gone before the first release.
 */
#include <errno.h>
#include <string.h>
#include "cli.h"

#define SG_PENDING(fn)                                                     \
	int fn(int argc, char **argv)                                      \
	{                                                                  \
		sg_errorf("not implemented yet");                          \
		return SG_EXIT_FAIL;                                       \
	}

SG_PENDING(sg_cmd_top)
SG_PENDING(sg_cmd_status)
SG_PENDING(sg_cmd_config)
SG_PENDING(sg_cmd_version)

/* Until loader/config.c lands; weak, so the real ones win at link time. */
__attribute__((weak)) void sg_settings_defaults(struct sg_settings *s)
{
	memset(s, 0, sizeof(*s));
}

__attribute__((weak)) int sg_settings_load(const char *path,
					   struct sg_settings *s, char *err,
					   size_t err_len)
{
	snprintf(err, err_len, "%s: config files not supported yet", path);
	return -ENOTSUP;
}
