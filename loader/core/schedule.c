// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which profile is active at an instant, and the next instant that can
 * change it. Windows are laid on local days of the profile's zone and
 * turned into instants through its rules, so a window at 07:55 starts at
 * 07:55 local time on both sides of a daylight-saving change; the daemon
 * sleeps until the next boundary instead of polling the clock.
 */
#include <limits.h>
#include "profile.h"

#define DAY 86400

static __s64 floor_div(__s64 a, __s64 b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool sg_schedule_at(const struct sg_profile_settings *p, const struct sg_tz *tz,
		    __s64 t, __s64 *next)
{
	__s64 today = floor_div(t + sg_tz_offset(tz, t), DAY), d, s, e;
	__s64 best = LLONG_MAX;
	bool active = false;

	/*
	 * A window that started yesterday may still run; one starts within
	 * the next week if the schedule has any day.
	 */
	for (d = today - 2; d <= today + 8; d++) {
		if (!(p->days & (1U << sg_weekday(d))))
			continue;
		s = sg_tz_local_to_utc(tz, d * DAY + p->start);
		e = sg_tz_local_to_utc(tz, (d + (p->end <= p->start)) * DAY +
						   p->end);
		if (s >= e) /* a window inside a jump of the clocks */
			continue;
		if (s <= t && t < e)
			active = true;
		if (s > t && s < best)
			best = s;
		if (e > t && e < best)
			best = e;
	}
	*next = best == LLONG_MAX ? t + 7 * DAY : best;
	return active;
}

int sg_schedule_pick(const struct sg_profile_settings *profiles,
		     const struct sg_tz *tzs, unsigned int n, __s64 t,
		     __s64 *next)
{
	__s64 best = t + 7 * DAY, at;
	int pick = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (sg_schedule_at(&profiles[i], &tzs[i], t, &at) && pick < 0)
			pick = (int)i;
		if (at < best)
			best = at;
	}
	*next = best;
	return pick;
}
