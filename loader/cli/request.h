/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Asking the running daemon (apply, profile activate and auto): a request
 * in its state directory, SIGUSR1, and a wait for its answer (control.h).
 */
#ifndef SLOTGUARD_CLI_REQUEST_H
#define SLOTGUARD_CLI_REQUEST_H

#include "cli.h"
#include "core/control.h"

/*
 * Send q (its pid, uid and id are filled here) to the daemon on st and
 * wait up to timeout seconds. Prints what went wrong itself and returns
 * an sg_exit code: the daemon's answer in *res when 0 is returned (its
 * outcome may still be a refusal).
 */
int sg_cli_request(const struct sg_state *st, struct sg_control_request *q,
		   double timeout, struct sg_control_result *res);
/* The daemon's state directory (from its record in the pins). */
int sg_cli_state_dir(const struct sg_state *st, char *dir, size_t len,
		     bool *alive);

#endif /* SLOTGUARD_CLI_REQUEST_H */
