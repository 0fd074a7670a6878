/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parts of `slotguard status` kept apart from cmd_status.c: the fleet,
 * read from what the daemon writes in its state directory.
 */
#ifndef SLOTGUARD_STATUS_H
#define SLOTGUARD_STATUS_H

#include "core/sg.h"

struct json_object;

/* The fleet's status object, or NULL when fleet mode never ran. */
struct json_object *sg_status_fleet_json(const struct sg_state *st);
/* "fleet: gateway ..., redis ... connected ..." lines, or nothing. */
void sg_status_fleet_print(const struct sg_state *st);

#endif /* SLOTGUARD_STATUS_H */
