/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's profiles: which one runs (by the schedule or by hand), a
 * switch at each boundary the schedule code computes, the metric
 * slotguard_profile_active, and STATE_DIR/profile.json for `status` and
 * `slotguard profile list|show`.
 */
#ifndef SLOTGUARD_PROFILES_H
#define SLOTGUARD_PROFILES_H

#include <stdio.h>
#include "daemon.h"

struct sg_control_request;
struct sg_control_result;

/*
 * The runtime config to write for settings s now: the profile a hand
 * holds or the schedule picks, else s->cfg. Called while applying s.
 */
const struct sg_config *sg_profiles_effective(struct sg_daemon *d,
					      const struct sg_settings *s);
/* d->settings changed (start, reload, apply): its zones and schedule. */
void sg_profiles_settings_changed(struct sg_daemon *d);
/* At a boundary: switch when another profile is due. */
void sg_profiles_tick(struct sg_daemon *d);
/* Milliseconds until the next boundary, or -1. */
long sg_profiles_wake_ms(const struct sg_daemon *d);
/* profile activate NAME, profile auto. */
void sg_profiles_request(struct sg_daemon *d,
			 const struct sg_control_request *q,
			 struct sg_control_result *res);
void sg_profiles_render_metrics(struct sg_daemon *d, FILE *f);
void sg_profiles_free(struct sg_daemon *d);

#endif /* SLOTGUARD_PROFILES_H */
