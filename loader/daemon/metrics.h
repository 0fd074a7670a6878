/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prometheus exposition of slotguard's counters: rendering from the pinned
 * maps (usable without a daemon) and the daemon's HTTP endpoint.
 */
#ifndef SLOTGUARD_METRICS_H
#define SLOTGUARD_METRICS_H

#include <stdio.h>
#include "core/sg.h"

struct sg_daemon;
struct sg_metrics;

/* Write the whole exposition (text format 0.0.4) for the state to f. */
int sg_metrics_render(const struct sg_state *st, FILE *f);
/*
 * Bind d->settings.metrics_listen ("" = off) into d->metrics_fd, before
 * anything is loaded: a taken port fails here, with its errno.
 */
int sg_metrics_bind(struct sg_daemon *d, char *err, size_t err_len);
/* The daemon's own series: reload outcome, keys waiting for a restart. */
int sg_metrics_render_daemon(struct sg_daemon *d, FILE *f);
/* Serve /metrics and /healthz on the bound socket. */
int sg_metrics_start(struct sg_metrics **out, struct sg_daemon *d, char *err,
		     size_t err_len);
void sg_metrics_stop(struct sg_metrics *m);
/* Close connections whose request is overdue; call a few times a second. */
void sg_metrics_tick(struct sg_metrics *m);

#endif /* SLOTGUARD_METRICS_H */
