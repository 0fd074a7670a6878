/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to config*.c: the state of one INI parse. Keys that belong
 * together (a rate and its burst) may come in any order, so they are kept
 * here as written and combined once the whole file has been read.
 */
#ifndef SLOTGUARD_CONFIG_H
#define SLOTGUARD_CONFIG_H

#include "sg.h"

enum sg_conf_section {
	SG_SEC_NONE = 0, /* keys before the first [section] */
	SG_SEC_SLOTGUARD,
	SG_SEC_SERVICE,
	SG_SEC_SOURCE,
	SG_SEC_SUBNET,
	SG_SEC_BAN,
	SG_SEC_EVENTS,
	SG_SEC_COUNT,
};

#define SG_CONF_KEYS_MAX 16 /* keys in the largest section */
#define SG_CONF_RATE_MAX 10000000ULL
/* A burst banks burst * interval of time; more than a year is a typo. */
#define SG_CONF_LIMIT_MAX_NS (365ULL * 86400 * 1000000000ULL)

/* A budget as written: rate and burst come from separate keys. */
struct sg_conf_budget {
	__u64 interval_ns; /* 0: off */
	__u64 burst;	   /* tokens banked */
	__u64 count;	   /* N of the "N/unit" rate as written */
	unsigned int rate_line, burst_line; /* 0: not in the file */
};

struct sg_conf_service {
	unsigned int line;	/* of the [service NAME] header */
	unsigned int quic_line; /* 0: quic not in the file */
	bool quic;
	struct sg_conf_budget ceiling;
};

struct sg_conf {
	struct sg_settings s; /* the copy that becomes *s on success */
	const char *path;
	FILE *f;
	unsigned int line; /* the line inih is working on */
	int section;	   /* enum sg_conf_section */
	char section_name[80];
	unsigned int section_line[SG_SEC_COUNT]; /* first header, 0: none */
	unsigned int key_line[SG_CONF_KEYS_MAX]; /* in the current section */
	unsigned int header_line;  /* of the current section, 0: none yet */
	unsigned int section_keys; /* keys seen in the current section */
	unsigned int keys;	   /* keys seen in the file */
	struct sg_conf_budget budget[SG_LEVEL_COUNT][SG_BUDGET_KIND_COUNT];
	unsigned int prefix_line[SG_LEVEL_COUNT][SG_FAMILY_COUNT];
	struct sg_conf_service svc[SG_MAX_SERVICES];
	struct sg_conf_budget events;
	unsigned int ban_time_line, ban_max_line;
	bool failed;
	char err[SG_ERR_LEN];
};

struct sg_conf_key {
	const char *name;
	/* value is never empty; returns 0 or -EINVAL after sg_conf_error() */
	int (*set)(struct sg_conf *c, const char *key, const char *value);
};

/* NULL-terminated key tables, indexed by enum sg_conf_section. */
extern const struct sg_conf_key *const sg_conf_keys[SG_SEC_COUNT];

/* Records "FILE:LINE: message" (the first error only); returns -EINVAL. */
int sg_conf_error_at(struct sg_conf *c, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define sg_conf_error(c, ...) sg_conf_error_at((c), (c)->line, __VA_ARGS__)

/* The service the current [service NAME] section describes. */
static inline struct sg_service_conf *sg_conf_service(struct sg_conf *c)
{
	return &c->s.services[c->s.n_services - 1];
}

/* "2/s", "600/h" or "1 per 7ms": a rate the way a user would write it. */
void sg_conf_format_rate(__u64 interval_ns, __u64 count, char *buf, size_t len);

#endif /* SLOTGUARD_CONFIG_H */
