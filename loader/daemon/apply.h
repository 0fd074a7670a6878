/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Commit-confirmed changes (`slotguard apply`): the daemon runs a new
 * config and goes back to the last confirmed one by itself at a deadline
 * unless confirmed. The pending change lives in STATE_DIR/apply.json, so
 * a daemon that restarts while one is pending starts with the confirmed
 * config. Also the loop's handling of every command request (control.h).
 */
#ifndef SLOTGUARD_APPLY_H
#define SLOTGUARD_APPLY_H

#include <stdio.h>
#include "daemon.h"

struct sg_control_request;
struct sg_control_result;

/*
 * Before the start: set up, and when apply.json says a change of this
 * config was pending when the last daemon stopped, replace *s with the
 * confirmed config it kept (a rollback at the start).
 */
int sg_apply_prepare(struct sg_daemon *d, const char *state_dir,
		     struct sg_settings *s);
/* Running: keep the confirmed config's text; forget a rolled-back file. */
void sg_apply_started(struct sg_daemon *d);
/* After a good SIGHUP reload: what runs now (pending: the new config). */
void sg_apply_reloaded(struct sg_daemon *d);
/* Answer every request waiting in the state directory. */
void sg_control_serve(struct sg_daemon *d);
/* Roll back when the deadline has passed. */
void sg_apply_tick(struct sg_daemon *d);
/* Milliseconds until the deadline, or -1 when nothing is pending. */
long sg_apply_wake_ms(const struct sg_daemon *d);
void sg_apply_render_metrics(struct sg_daemon *d, FILE *f);
void sg_apply_free(struct sg_daemon *d);

#endif /* SLOTGUARD_APPLY_H */
