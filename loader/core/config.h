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
	SG_SEC_SET,
	SG_SEC_FLEET,
	SG_SEC_PROFILE,
	SG_SEC_COUNT,
};

#define SG_CONF_KEYS_MAX  32 /* keys in the largest section */
#define SG_CONF_QUOTE_MAX 64 /* values quoted back in messages are cut here */
#define SG_CONF_RATE_MAX  10000000ULL
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

/* A [set NAME] as written; the budgets are checked at the end. */
struct sg_conf_set {
	unsigned int action_line, ban_member_line, member_ban_line;
	struct sg_conf_budget budget[SG_BUDGET_KIND_COUNT];
	struct sg_conf_budget member[SG_BUDGET_KIND_COUNT];
};

/* A [profile NAME] as written: overrides, laid over the base at the end. */
struct sg_conf_profile {
	unsigned int days_line, start_line, end_line, timezone_line, mode_line;
	struct sg_conf_budget budget[SG_LEVEL_COUNT][SG_BUDGET_KIND_COUNT];
	__u32 mode, ban_after, min_excess_milli;
	__u64 ban_window_ns, ban_time_ns, ban_max_ns;
	/* Lines of after, window, time, max, min_excess; 0: not set. */
	unsigned int ban_line[5];
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
	struct sg_conf_set set[SG_MAX_NAMED_SETS];
	struct sg_conf_budget events;
	struct sg_conf_profile profile[SG_MAX_PROFILES];
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
/* "[type]" or "[type NAME]": the section keys that follow go to (config.c). */
int sg_conf_begin_section(struct sg_conf *c, const char *line);
/* libinih's line reader over c->f, counting c->line (config_read.c). */
char *sg_conf_reader(char *str, int num, void *stream);

/* The service the current [service NAME] section describes. */
static inline struct sg_service_conf *sg_conf_service(struct sg_conf *c)
{
	return &c->s.services[c->s.n_services - 1];
}

/* "2/s", "600/h" or "1 per 7ms": a rate the way a user would write it. */
void sg_conf_format_rate(__u64 interval_ns, __u64 count, char *buf, size_t len);

/* config_values.c: value parsers; each records its error and returns it. */
const char *sg_conf_quote(const char *v, char buf[SG_CONF_QUOTE_MAX + 4]);
bool sg_conf_parse_uint(const char *v, __u64 min, __u64 max, __u64 *out);
int sg_conf_uint(struct sg_conf *c, const char *key, const char *v, __u64 min,
		 __u64 max, __u64 *out);
int sg_conf_bool(struct sg_conf *c, const char *key, const char *v, bool *out);
/* names is NULL-terminated; *out gets the index. */
int sg_conf_choice(struct sg_conf *c, const char *key, const char *v,
		   const char *const *names, const char *expected, int *out);
bool sg_conf_is_off(const char *v);
/* A rate "N/unit", or "off" where allow_off; count gets N. */
int sg_conf_rate(struct sg_conf *c, const char *key, const char *v,
		 bool allow_off, __u64 *interval, __u64 *count);
int sg_conf_duration(struct sg_conf *c, const char *key, const char *v,
		     bool allow_zero, __u64 *ns);
/*
 * Splits a list value at blanks and commas into word, one at a time.
 * Returns the rest of the list, or NULL after the last word.
 */
const char *sg_conf_next_word(struct sg_conf *c, const char *key, const char *p,
			      char *word, size_t size, int *err);

/* A path value, relative to the config file's directory unless absolute. */
int sg_conf_path(struct sg_conf *c, const char *key, const char *v,
		 char out[PATH_MAX]);

/* config_keys.c: a budget's rate and burst keys, by kind. */
extern const char *const sg_conf_rate_keys[SG_BUDGET_KIND_COUNT];
extern const char *const sg_conf_burst_keys[SG_BUDGET_KIND_COUNT];
/* The kind a "conn_rate", "member_request_burst", ... key is about. */
int sg_conf_kind_of(const char *key);
/* Key handlers shared by [source], [subnet] and [set NAME]. */
int sg_conf_set_rate(struct sg_conf *c, const char *key, const char *v,
		     struct sg_conf_budget *b);
int sg_conf_set_burst(struct sg_conf *c, const char *key, const char *v,
		      struct sg_conf_budget *b);
int sg_conf_set_quota(struct sg_conf *c, const char *key, const char *v,
		      struct sg_conf_budget *b);

/* config_fleet_keys.c: [fleet]; its defaults; checks at the end. */
extern const struct sg_conf_key sg_conf_fleet_keys[];
void sg_conf_fleet_defaults(struct sg_fleet_settings *f);
int sg_conf_finish_fleet(struct sg_conf *c);

/* config_profile_keys.c: [profile NAME] */
extern const struct sg_conf_key sg_conf_profile_keys[];
int sg_conf_begin_profile(struct sg_conf *c, const char *name);
/* Each profile over the finished base config: overrides, checks. */
int sg_conf_finish_profiles(struct sg_conf *c);
/* config_keys.c: a factor like "5" or "2.5", in thousandths. */
int sg_conf_min_excess(struct sg_conf *c, const char *key, const char *v,
		       __u32 *out);

/* config_set_keys.c */
extern const struct sg_conf_key sg_conf_set_keys[];
int sg_conf_begin_set(struct sg_conf *c, const char *name);
/* Checks of one [set NAME] once the file is read: budgets, action. */
int sg_conf_finish_set(struct sg_conf *c, unsigned int i);
/* Rate, burst into interval and limit; burst_key NULL for a quota. */
int sg_conf_finish_budget(struct sg_conf *c, const char *section,
			  const char *rate_key, const char *burst_key,
			  const struct sg_conf_budget *b,
			  struct sg_budget *out);
/* The units the XDP program keeps a kind's state in: see slotguard.h. */
int sg_conf_check_resolution(struct sg_conf *c, const char *section,
			     unsigned int kind, const struct sg_conf_budget *b);

#endif /* SLOTGUARD_CONFIG_H */
