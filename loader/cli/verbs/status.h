/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parts of `slotguard status` kept apart from cmd_status.c: the daemon
 * (status_daemon.c) and the fleet, read from what the daemon writes in
 * its state directory (status_fleet.c).
 */
#ifndef SLOTGUARD_STATUS_H
#define SLOTGUARD_STATUS_H

#include <stdbool.h>
#include <json-c/json.h>
#include "core/sg.h"

struct sg_status_daemon {
	struct sg_daemon_info info;
	bool alive;    /* the recorded daemon still runs on these pins */
	bool attached; /* our program is on some interface */
};

/* "running", "attached_no_daemon" or "detached". */
const char *sg_status_state(const struct sg_status_daemon *sd);
void sg_status_daemon_print(const struct sg_status_daemon *sd);
struct json_object *sg_status_daemon_json(const struct sg_status_daemon *sd);

/* status_apply.c: a change waiting for --confirm, the active profile. */
struct json_object *sg_status_pending_json(const struct sg_status_daemon *sd);
struct json_object *sg_status_profile_json(const struct sg_status_daemon *sd);
void sg_status_apply_print(const struct sg_status_daemon *sd);

struct sg_state;
/* The fleet's status object, or NULL when fleet mode never ran. */
struct json_object *sg_status_fleet_json(const struct sg_state *st);
/* "fleet: gateway ..., redis ... connected ..." lines, or nothing. */
void sg_status_fleet_print(const struct sg_state *st);

#endif /* SLOTGUARD_STATUS_H */
