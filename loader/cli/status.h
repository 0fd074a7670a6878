/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to cmd_status.c and status_daemon.c: the daemon part of
 * `slotguard status`, in text and JSON.
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

#endif /* SLOTGUARD_STATUS_H */
