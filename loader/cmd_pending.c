// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEMPORARY: commands still being written. Each is removed from here when
 * its real file lands; this file must be gone before the first release.
 */
#include "cli.h"

#define SG_PENDING(fn)                                                     \
	int fn(int argc, char **argv)                                      \
	{                                                                  \
		sg_errorf("not implemented yet");                          \
		return SG_EXIT_FAIL;                                       \
	}

SG_PENDING(sg_cmd_run)
SG_PENDING(sg_cmd_stats)
SG_PENDING(sg_cmd_top)
SG_PENDING(sg_cmd_status)
SG_PENDING(sg_cmd_config)
SG_PENDING(sg_cmd_version)
