// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for sg_parse_cidr/sg_format_cidr (loader/parse.c): the
 * input is the text. Checked on every input: the result agrees with a
 * model built on inet_pton, an error leaves *out untouched and says why in
 * printable ASCII, and format(parse(x)) parses back to the same value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "fuzz.h"

#define CIDR_TEXT_MAX 64

/* Bits beyond prefixlen in addr: none may be set. */
static bool host_bits_clear(const __u8 *addr, unsigned int prefixlen)
{
	unsigned int bit;

	for (bit = prefixlen; bit < 128; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/*
 * What sg_parse_cidr must accept, from its contract in sg.h: an address
 * inet_pton takes, optionally "/N" with N plain decimal (no sign, no
 * leading zero) up to the family's width, no host bits set, at most 64
 * characters and no whitespace.
 */
static bool model_accepts(const char *text, struct sg_cidr *want)
{
	size_t len = strlen(text), alen, plen, i;
	const char *slash = strchr(text, '/');
	unsigned long n = 0;
	char addr[CIDR_TEXT_MAX + 1];
	unsigned int max;

	memset(want, 0, sizeof(*want));
	if (!len || len > CIDR_TEXT_MAX || strpbrk(text, " \t\r\n\v\f"))
		return false;
	alen = slash ? (size_t)(slash - text) : len;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	want->family = strchr(addr, ':') ? SG_FAMILY_V6 : SG_FAMILY_V4;
	max = want->family == SG_FAMILY_V6 ? 128 : 32;
	if (inet_pton(want->family == SG_FAMILY_V6 ? AF_INET6 : AF_INET, addr,
		      want->addr) != 1)
		return false;
	want->prefixlen = max;
	if (slash) {
		plen = strlen(slash + 1);
		if (!plen || plen > 3 || (plen > 1 && slash[1] == '0'))
			return false;
		for (i = 0; i < plen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return false;
			n = n * 10 + (unsigned long)(slash[1 + i] - '0');
		}
		if (n > max)
			return false;
		want->prefixlen = (__u8)n;
	}
	return host_bits_clear(want->addr, want->prefixlen);
}

static void check_round_trip(const struct sg_cidr *c)
{
	char text[96], again[96], why[SG_ERR_LEN];
	struct sg_cidr back;
	int err;

	sg_format_cidr(c, text, sizeof(text));
	err = sg_parse_cidr(text, &back, why, sizeof(why));
	FUZZ_ASSERT(!err, "'%s' does not parse back: %s", text, why);
	FUZZ_ASSERT(!memcmp(&back, c, sizeof(back)),
		    "'%s' parses back to another value", text);
	sg_format_cidr(&back, again, sizeof(again));
	FUZZ_ASSERT(!strcmp(text, again), "'%s' formats again as '%s'", text,
		    again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[SG_ERR_LEN], *text = fuzz_strndup(data, size);
	struct sg_cidr got, untouched, want;
	bool ok;
	int err;

	memset(&got, 0xa5, sizeof(got));
	untouched = got;
	why[0] = '\0';
	err = sg_parse_cidr(text, &got, why, sizeof(why));
	ok = model_accepts(text, &want);
	FUZZ_ASSERT(err == 0 || err == -EINVAL, "returned %d", err);
	FUZZ_ASSERT(!err == ok, "parser %s, model %s: '%s' (%s)",
		    err ? "rejects" : "accepts", ok ? "accepts" : "rejects",
		    text, err ? why : "");
	if (err) {
		FUZZ_ASSERT(!memcmp(&got, &untouched, sizeof(got)),
			    "an error wrote *out");
		FUZZ_ASSERT(fuzz_message_clean(why, sizeof(why), true),
			    "error message '%s'", why);
	} else {
		FUZZ_ASSERT(!memcmp(&got, &want, sizeof(got)),
			    "'%s' parsed to another value than inet_pton's",
			    text);
		check_round_trip(&got);
	}
	free(text);
	return 0;
}
