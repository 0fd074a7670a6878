// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for sg_parse_rate and the config's rate formatter
 * (sg_conf_format_rate, loader/config_print.c): the input is the text.
 * Checked: the result agrees with the grammar "COUNT/UNIT" (COUNT 1 to
 * 10^7, UNIT s, m, min, h or d), an error leaves *interval untouched with
 * a printable reason, and both ways the config prints a rate (with and
 * without its count) parse back to the same interval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "core/config.h"
#include "fuzz.h"

#define NS_PER_S      1000000000ULL
#define RATE_TEXT_MAX 32

static const struct {
	const char *name;
	__u64 ns;
} units[] = {
	{ "s", NS_PER_S },	   { "m", 60 * NS_PER_S },
	{ "min", 60 * NS_PER_S },  { "h", 3600 * NS_PER_S },
	{ "d", 86400 * NS_PER_S },
};

/* The interval "COUNT/UNIT" stands for, or 0 when it is not a rate. */
static __u64 model(const char *text, __u64 *count)
{
	const char *slash = strchr(text, '/');
	size_t len = strlen(text), i;
	__u64 n = 0;

	if (!len || len > RATE_TEXT_MAX || !slash || slash == text)
		return 0;
	for (i = 0; text + i < slash; i++) {
		if (text[i] < '0' || text[i] > '9')
			return 0;
		if (n <= SG_CONF_RATE_MAX)
			n = n * 10 + (__u64)(text[i] - '0');
	}
	if (!n || n > SG_CONF_RATE_MAX)
		return 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(slash + 1, units[i].name)) {
			*count = n;
			return units[i].ns / n;
		}
	}
	return 0;
}

/* The config prints rates with sg_conf_format_rate: must parse back. */
static void check_printed(const char *in, __u64 interval, __u64 count)
{
	char text[64], why[SG_ERR_LEN];
	__u64 back = 0;
	int err;

	sg_conf_format_rate(interval, count, text, sizeof(text));
	err = sg_parse_rate(text, &back, why, sizeof(why));
	FUZZ_ASSERT(!err, "'%s' prints as '%s' (count %llu): %s", in, text,
		    (unsigned long long)count, why);
	FUZZ_ASSERT(back == interval,
		    "'%s' prints as '%s' (count %llu) = %llu ns, not %llu", in,
		    text, (unsigned long long)count, (unsigned long long)back,
		    (unsigned long long)interval);
	if (count)
		FUZZ_ASSERT(strtoull(text, NULL, 10) == count,
			    "'%s' prints as '%s', count %llu lost", in, text,
			    (unsigned long long)count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 got = 0x5a5a5a5a5a5a5a5aULL, want, count = 0;
	char why[SG_ERR_LEN], *in = fuzz_strndup(data, size);
	int err;

	why[0] = '\0';
	err = sg_parse_rate(in, &got, why, sizeof(why));
	want = model(in, &count);
	FUZZ_ASSERT(err == 0 || err == -EINVAL, "returned %d", err);
	FUZZ_ASSERT(!err == !!want, "parser %d, model %llu ns: '%s' (%s)", err,
		    (unsigned long long)want, in, why);
	if (err) {
		FUZZ_ASSERT(got == 0x5a5a5a5a5a5a5a5aULL,
			    "an error wrote *interval");
		FUZZ_ASSERT(fuzz_message_clean(why, sizeof(why), true),
			    "error message '%s'", why);
		free(in);
		return 0;
	}
	FUZZ_ASSERT(got == want, "'%s' is %llu ns, model says %llu", in,
		    (unsigned long long)got, (unsigned long long)want);
	check_printed(in, got, count);
	check_printed(in, got, 0);
	free(in);
	return 0;
}
