/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fleet mode: gateways share bans and budgets through one Redis. The sync
 * runs in a thread of its own, so a slow or dead Redis never holds up the
 * daemon's loop, its metrics or the data path. cmd_run.c drives it; the
 * CLI reads what the daemon writes in its state directory.
 */
#ifndef SLOTGUARD_FLEET_H
#define SLOTGUARD_FLEET_H

#include "daemon/daemon.h"

struct sg_fleet;

/*
 * Before privileges are dropped: read the password file, make the state
 * directory, load the peer table. *out stays NULL when [fleet] is off.
 * -EINVAL and -EPERM are bad input (err says which file and why).
 */
int sg_fleet_prepare(struct sg_daemon *d, struct sg_fleet **out, char *err,
		     size_t len);
/* Hook the daemon's ban events and metrics, start the sync thread. */
int sg_fleet_start(struct sg_fleet *f, char *err, size_t len);
/* Stop the thread, stop the reports in the XDP program, free. */
void sg_fleet_stop(struct sg_fleet *f);

/* ---- what the daemon leaves in its state directory, for the CLI ---- */
#define SG_FLEET_PEERS_FILE  "fleet-peers"
#define SG_FLEET_STATUS_FILE "fleet-status.json"
#define SG_FLEET_MAX_PEERS   4096

/* The name of ban origin index `origin` ("" when unknown). */
int sg_fleet_peer_name(const char *state_dir, __u16 origin, char *buf,
		       size_t len);
/* The daemon's last status (a JSON object, malloc'ed text), or -ENOENT. */
int sg_fleet_status_text(const char *state_dir, char **out);

#endif /* SLOTGUARD_FLEET_H */
