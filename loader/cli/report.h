/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to the read commands (status, config, ban, explain): the runtime
 * config and budgets in words and as JSON, the same in `status` (read from
 * the pins) and `config check` (read from a file), the pin directory's
 * strays, and small CLI helpers.
 */
#ifndef SLOTGUARD_REPORT_H
#define SLOTGUARD_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "core/jsonv.h"
#include "core/sg.h"

/* Pretty-prints root on stdout and frees it. */
void sg_json_print(struct json_object *root);
/*
 * The first "N/unit" that names exactly this interval, as a user writes
 * it in the config file; count fixes N (a quota is written with its burst).
 */
void sg_rate_text(__u64 interval_ns, __u64 count, char *buf, size_t len);
/* "conn 2/s burst 20", "quota 600/h", "conn off". */
void sg_budget_text(const char *label, const struct sg_budget *b, bool quota,
		    char *buf, size_t len);
/* Budgets of both levels, ban policy and event budget, one line each. */
void sg_config_text(const struct sg_config *cfg, FILE *f);

/* {"rate", "per_second", "burst"}, or NULL when off. */
struct json_object *sg_budget_json(const struct sg_budget *b, bool quota);
/* {"mode", "generation", "prefix_len", "budgets", "bans", "events"} */
struct json_object *sg_config_json(const struct sg_config *cfg);
/*
 * {"index", ["name",] "protocol", "port", "dst_restricted", ["dst_prefixes",]
 * "quic", "ceiling"}; name NULL and dsts < 0 leave those out.
 */
struct json_object *sg_service_json(const struct sg_service *svc,
				    unsigned int index, const char *name,
				    int dsts);

/* Where a ban came from: "local", "manual", "fleet:GATEWAY", "set:NAME". */
void sg_ban_origin(const struct sg_state *st, const struct sg_ban *b, char *buf,
		   size_t len);

/* strays.c: entries of the pin directory that slotguard did not make. */
#define SG_STRAYS_MAX 32
struct sg_stray {
	char name[256];
	int kind; /* enum sg_pin_kind */
};
struct sg_strays {
	struct sg_stray v[SG_STRAYS_MAX]; /* sorted by name */
	unsigned int n, more;		  /* more: beyond SG_STRAYS_MAX */
};
int sg_strays_collect(const struct sg_state *st, struct sg_strays *s);
/* One line naming each (nothing when there are none). */
void sg_strays_print(const struct sg_strays *s, const char *dir, FILE *f);
/* [{"name", "kind"}] */
struct json_object *sg_strays_json(const struct sg_strays *s);

#endif /* SLOTGUARD_REPORT_H */
