// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for sg_parse_duration/sg_format_duration: the input is
 * the text. Checked: the result agrees with a model of the grammar in
 * sg.h ("1h30m": whole numbers, each unit of d, h, m, s, ms at most once,
 * largest first, at most 365d), errors leave *ns untouched with a
 * printable reason, and format(parse(x)) parses back to the same value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "fuzz.h"

#define NS_PER_MS	  1000000ULL
#define DURATION_TEXT_MAX 32
#define DURATION_MAX_NS	  (365ULL * 86400 * 1000 * NS_PER_MS)

static const struct {
	const char *name;
	__u64 ns;
} units[] = {
	{ "d", 86400000 * NS_PER_MS }, { "h", 3600000 * NS_PER_MS },
	{ "m", 60000 * NS_PER_MS },    { "s", 1000 * NS_PER_MS },
	{ "ms", NS_PER_MS },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* 1: accepted with *ns; 0: rejected; -1: rejected as too long (ERANGE). */
static int model(const char *text, __u64 *ns)
{
	size_t len = strlen(text), nd, nu, u, next = 0;
	const char *p = text;
	__u64 total = 0;

	if (!len || len > DURATION_TEXT_MAX)
		return 0;
	while (*p) {
		/* Keep the value as a long double: no overflow to reason on. */
		long double v = 0;

		for (nd = 0; p[nd] >= '0' && p[nd] <= '9'; nd++)
			v = v * 10 + (p[nd] - '0');
		for (nu = 0; p[nd + nu] >= 'a' && p[nd + nu] <= 'z'; nu++)
			;
		if (!nd || !nu)
			return 0;
		for (u = 0; u < N_UNITS; u++)
			if (strlen(units[u].name) == nu &&
			    !strncmp(units[u].name, p + nd, nu))
				break;
		if (u == N_UNITS || u < next)
			return 0;
		if (v * units[u].ns > (long double)(DURATION_MAX_NS - total))
			return -1;
		total += (__u64)v * units[u].ns;
		next = u + 1;
		p += nd + nu;
	}
	*ns = total;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[SG_ERR_LEN], text[64], *in = fuzz_strndup(data, size);
	__u64 got = 0x5a5a5a5a5a5a5a5aULL, want = 0, back;
	int err, m;

	why[0] = '\0';
	err = sg_parse_duration(in, &got, why, sizeof(why));
	m = model(in, &want);
	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ERANGE, "returned %d",
		    err);
	FUZZ_ASSERT(!err == (m == 1), "parser %d, model %d: '%s' (%s)", err, m,
		    in, why);
	/* A long text may fail on its length before its value. */
	FUZZ_ASSERT(m != -1 || err == -ERANGE || strlen(in) > 32,
		    "'%s' is over 365d but returned %d", in, err);
	if (err) {
		FUZZ_ASSERT(got == 0x5a5a5a5a5a5a5a5aULL, "an error wrote *ns");
		FUZZ_ASSERT(fuzz_message_clean(why, sizeof(why), true),
			    "error message '%s'", why);
		free(in);
		return 0;
	}
	FUZZ_ASSERT(got == want, "'%s' is %llu ns, model says %llu", in,
		    (unsigned long long)got, (unsigned long long)want);
	FUZZ_ASSERT(got <= DURATION_MAX_NS && got % NS_PER_MS == 0,
		    "'%s' is %llu ns", in, (unsigned long long)got);
	sg_format_duration(got, text, sizeof(text));
	err = sg_parse_duration(text, &back, why, sizeof(why));
	FUZZ_ASSERT(!err, "'%s' formats as '%s', which does not parse: %s", in,
		    text, why);
	FUZZ_ASSERT(back == got, "'%s' formats as '%s' = %llu ns, not %llu", in,
		    text, (unsigned long long)back, (unsigned long long)got);
	free(in);
	return 0;
}
