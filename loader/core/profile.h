/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * [profile NAME]: settings for a window of time (a release of slots),
 * with a weekly schedule in a time zone. A profile is the whole runtime
 * config (mode, budgets, bans) with its overrides applied; the schedule
 * code says which profile is active at an instant and when that changes.
 */
#ifndef SLOTGUARD_PROFILE_H
#define SLOTGUARD_PROFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "slotguard.h"
#include "tz.h"

#define SG_MAX_PROFILES	    16
#define SG_PROFILE_NAME_LEN 32
#define SG_PROFILE_DEFAULT  "default" /* the config without a profile */

struct sg_profile_settings {
	char name[SG_PROFILE_NAME_LEN];
	unsigned int line; /* of the [profile NAME] header */
	__u8 days;	   /* bit 0 Monday ... bit 6 Sunday: the start's day */
	__u32 start, end;  /* seconds after local midnight; end <= start:
			    * the window ends the next day */
	char timezone[SG_TZ_NAME_LEN];
	struct sg_config cfg; /* the base config with the overrides */
};

/* SG_FLAG_LEVEL_ON bits of a runtime config's budgets. */
__u32 sg_config_level_flags(const struct sg_config *cfg);

/* "mon-fri", "sat,sun": a bit per day; "" when none. */
void sg_profile_days_text(__u8 days, char *buf, size_t len);
/* "07:55" or "07:55:30". */
void sg_profile_time_text(__u32 seconds, char *buf, size_t len);
/* What p changes from base, in words ("mode enforce, conn 1/s ..."). */
void sg_profile_print_changes(FILE *f, const struct sg_profile_settings *p,
			      const struct sg_config *base);

/*
 * Whether p's schedule covers the instant t (Unix seconds) in its zone,
 * and in *next the first instant after t at which that changes.
 */
bool sg_schedule_at(const struct sg_profile_settings *p, const struct sg_tz *tz,
		    __s64 t, __s64 *next);
/*
 * The profile active at t: the first of profiles[] (in file order) whose
 * schedule covers t, or -1 for none (the base config). *next: the first
 * instant after t at which any schedule starts or ends (a candidate for a
 * change). tzs[i] is profiles[i]'s zone.
 */
int sg_schedule_pick(const struct sg_profile_settings *profiles,
		     const struct sg_tz *tzs, unsigned int n, __s64 t,
		     __s64 *next);

#endif /* SLOTGUARD_PROFILE_H */
