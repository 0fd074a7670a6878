// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Values as the config file writes them: whole numbers, yes/no, choices,
 * rates, durations and word lists, each checked with a message that quotes
 * the value and says what was expected.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"

#define SEPARATORS " \t,"

const char *sg_conf_quote(const char *v, char buf[SG_CONF_QUOTE_MAX + 4])
{
	size_t n = strnlen(v, SG_CONF_QUOTE_MAX + 1);

	if (n > SG_CONF_QUOTE_MAX) {
		memcpy(buf, v, SG_CONF_QUOTE_MAX);
		strcpy(buf + SG_CONF_QUOTE_MAX, "...");
	} else {
		memcpy(buf, v, n + 1);
	}
	return buf;
}

/* Plain decimal in [min, max], no sign, no blanks. */
bool sg_conf_parse_uint(const char *v, __u64 min, __u64 max, __u64 *out)
{
	__u64 n = 0;
	size_t i;

	if (!v[0])
		return false;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    n > (max - (__u64)(v[i] - '0')) / 10)
			return false;
		n = n * 10 + (__u64)(v[i] - '0');
	}
	if (n < min)
		return false;
	*out = n;
	return true;
}

int sg_conf_uint(struct sg_conf *c, const char *key, const char *v, __u64 min,
		 __u64 max, __u64 *out)
{
	char q[SG_CONF_QUOTE_MAX + 4];

	if (sg_conf_parse_uint(v, min, max, out))
		return 0;
	if (strspn(v, "0123456789") != strlen(v))
		return sg_conf_error(c, "%s: '%s' is not a whole number", key,
				     sg_conf_quote(v, q));
	return sg_conf_error(c, "%s: '%s' is out of range (%llu to %llu)", key,
			     sg_conf_quote(v, q), (unsigned long long)min,
			     (unsigned long long)max);
}

int sg_conf_bool(struct sg_conf *c, const char *key, const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char q[SG_CONF_QUOTE_MAX + 4];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return sg_conf_error(c, "%s: '%s' is not yes or no", key,
			     sg_conf_quote(v, q));
}

/* names is NULL-terminated; *out gets the index. */
int sg_conf_choice(struct sg_conf *c, const char *key, const char *v,
		   const char *const *names, const char *expected, int *out)
{
	char q[SG_CONF_QUOTE_MAX + 4];
	int i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	return sg_conf_error(c, "%s: '%s' is not %s", key, sg_conf_quote(v, q),
			     expected);
}

bool sg_conf_is_off(const char *v)
{
	return !strcmp(v, "off");
}

/* A rate "N/unit", or "off" where allow_off; count gets N. */
int sg_conf_rate(struct sg_conf *c, const char *key, const char *v,
		 bool allow_off, __u64 *interval, __u64 *count)
{
	char why[SG_ERR_LEN / 2];

	if (allow_off && sg_conf_is_off(v)) {
		*interval = 0;
		*count = 0;
		return 0;
	}
	if (sg_parse_rate(v, interval, why, sizeof(why)))
		return sg_conf_error(c, "%s: %s%s", key, why,
				     allow_off ? "; off disables it" : "");
	/* sg_parse_rate accepted it, so it starts with a plain count. */
	*count = strtoull(v, NULL, 10);
	return 0;
}

int sg_conf_duration(struct sg_conf *c, const char *key, const char *v,
		     bool allow_zero, __u64 *ns)
{
	char why[SG_ERR_LEN / 2];

	if (sg_parse_duration(v, ns, why, sizeof(why)))
		return sg_conf_error(c, "%s: %s", key, why);
	if (!*ns && !allow_zero)
		return sg_conf_error(c, "%s: must be longer than 0s", key);
	return 0;
}

/*
 * Splits a list value at blanks and commas into word, one at a time.
 * Returns the rest of the list, or NULL after the last word.
 */
const char *sg_conf_next_word(struct sg_conf *c, const char *key, const char *p,
			      char *word, size_t size, int *err)
{
	size_t n;

	p += strspn(p, SEPARATORS);
	n = strcspn(p, SEPARATORS);
	if (!n)
		return NULL;
	if (n >= size) {
		*err = sg_conf_error(c,
				     "%s: '%.*s' is longer than %zu characters",
				     key, (int)(n < 32 ? n : 32), p, size - 1);
		return NULL;
	}
	memcpy(word, p, n);
	word[n] = '\0';
	return p + n;
}
