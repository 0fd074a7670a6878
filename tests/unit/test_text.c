// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of what users type: enum names, CIDRs, durations, rates and
 * list files (loader/names.c, loader/parse.c). Fixture tables hold both
 * what must parse and what must fail, with a substring of the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/sg.h"
#include "test.h"

#define MS  1000000ULL
#define SEC 1000000000ULL

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

SG_TEST(text_names)
{
	static const char *const reasons[SG_REASON_COUNT] = {
		"unprotected",
		"not_ip",
		"malformed",
		"fragment",
		"allowlist",
		"denylist",
		"banned",
		"within_budget",
		"conn_rate",
		"packet_rate",
		"conn_quota",
		"request_rate",
		"request_quota",
		"subnet_conn_rate",
		"subnet_packet_rate",
		"subnet_conn_quota",
		"subnet_request_rate",
		"subnet_request_quota",
		"service_ceiling",
		"untracked",
		"set_limit",
	};
	unsigned int i;

	for (i = 0; i < SG_REASON_COUNT; i++) {
		sg_test_context("reason %u", i);
		ASSERT_STREQ(sg_reason_name(i), reasons[i]);
	}
	sg_test_context(NULL);
	/* The budget reasons are laid out by level and kind. */
	ASSERT_STREQ(sg_reason_name(SG_REASON_BUDGET_FIRST +
				    SG_LEVEL_SUBNET * SG_BUDGET_KIND_COUNT +
				    SG_BUDGET_QUOTA),
		     "subnet_conn_quota");
	ASSERT_STREQ(sg_reason_name(SG_REASON_MANUAL), "manual");
	ASSERT_STREQ(sg_reason_name(SG_REASON_FLEET), "fleet");
	ASSERT_STREQ(sg_reason_name(SG_REASON_COUNT), "unknown");
	ASSERT_STREQ(sg_reason_name(253), "unknown");
	ASSERT_STREQ(sg_reason_name(~0U), "unknown");
	ASSERT_STREQ(sg_verdict_name(SG_VERDICT_PASS), "pass");
	ASSERT_STREQ(sg_verdict_name(SG_VERDICT_DROP), "drop");
	ASSERT_STREQ(sg_verdict_name(SG_VERDICT_WOULD_DROP), "would_drop");
	ASSERT_STREQ(sg_verdict_name(SG_VERDICT_COUNT), "unknown");
	ASSERT_STREQ(sg_mode_name(SG_MODE_MONITOR), "monitor");
	ASSERT_STREQ(sg_mode_name(SG_MODE_ENFORCE), "enforce");
	ASSERT_STREQ(sg_mode_name(2), "unknown");
	ASSERT_STREQ(sg_list_name(SG_LIST_ALLOW), "allow");
	ASSERT_STREQ(sg_list_name(SG_LIST_DENY), "deny");
	ASSERT_STREQ(sg_list_name(SG_LIST_COUNT), "unknown");
	ASSERT_STREQ(sg_family_name(SG_FAMILY_V4), "ipv4");
	ASSERT_STREQ(sg_family_name(SG_FAMILY_V6), "ipv6");
	ASSERT_STREQ(sg_family_name(SG_FAMILY_COUNT), "unknown");
	return true;
}

/* text, family, prefix length, the canonical form sg_format_cidr prints */
static const struct {
	const char *text;
	unsigned int family, prefixlen;
	const char *canon;
} good_cidrs[] = {
	{ "192.0.2.0/24", SG_FAMILY_V4, 24, "192.0.2.0/24" },
	{ "192.0.2.7", SG_FAMILY_V4, 32, "192.0.2.7/32" },
	{ "192.0.2.7/32", SG_FAMILY_V4, 32, "192.0.2.7/32" },
	{ "10.0.0.0/8", SG_FAMILY_V4, 8, "10.0.0.0/8" },
	{ "0.0.0.0/0", SG_FAMILY_V4, 0, "0.0.0.0/0" },
	{ "255.255.255.255", SG_FAMILY_V4, 32, "255.255.255.255/32" },
	{ "198.51.100.128/25", SG_FAMILY_V4, 25, "198.51.100.128/25" },
	{ "2001:db8::/32", SG_FAMILY_V6, 32, "2001:db8::/32" },
	{ "2001:DB8::/32", SG_FAMILY_V6, 32, "2001:db8::/32" },
	{ "2001:db8:0:0:0:0:0:1", SG_FAMILY_V6, 128, "2001:db8::1/128" },
	{ "::1", SG_FAMILY_V6, 128, "::1/128" },
	/* Decided: "everything" is a valid CIDR; a list's owner may want it. */
	{ "::/0", SG_FAMILY_V6, 0, "::/0" },
	{ "fe80::/10", SG_FAMILY_V6, 10, "fe80::/10" },
	{ "2001:db8:1:2::/64", SG_FAMILY_V6, 64, "2001:db8:1:2::/64" },
	/* A v4-mapped address is IPv6 text, so an IPv6 entry. */
	{ "::ffff:192.0.2.1", SG_FAMILY_V6, 128, "::ffff:192.0.2.1/128" },
};

SG_TEST(text_cidr_valid)
{
	char why[SG_ERR_LEN], buf[64];
	struct sg_cidr c;
	size_t i;

	for (i = 0; i < ROWS(good_cidrs); i++) {
		sg_test_context("'%s'", good_cidrs[i].text);
		why[0] = '\0';
		ASSERT_OK(sg_parse_cidr(good_cidrs[i].text, &c, why,
					sizeof(why)));
		ASSERT_EQ(c.family, good_cidrs[i].family);
		ASSERT_EQ(c.prefixlen, good_cidrs[i].prefixlen);
		sg_format_cidr(&c, buf, sizeof(buf));
		ASSERT_STREQ(buf, good_cidrs[i].canon);
	}
	sg_test_context(NULL);
	ASSERT_OK(sg_parse_cidr("192.0.2.0/24", &c, NULL, 0));
	ASSERT_EQ(c.addr[0], 192);
	ASSERT_EQ(c.addr[2], 2);
	ASSERT_EQ(c.addr[3], 0);
	ASSERT_EQ(c.addr[4], 0); /* the IPv6 tail of an IPv4 entry is zero */
	return true;
}

static const struct {
	const char *text;
	const char *reason;
} bad_cidrs[] = {
	{ "", "empty CIDR" },
	{ "10.1.2.3/24",
	  "'10.1.2.3/24' has host bits set beyond /24 (did you mean 10.1.2.0/24?)" },
	{ "2001:db8::1/32",
	  "host bits set beyond /32 (did you mean 2001:db8::/32?)" },
	{ "0.0.0.1/0", "did you mean 0.0.0.0/0?" },
	{ "10.0.0.0/33", "prefix /33 is longer than /32" },
	{ "::/129", "prefix /129 is longer than /128" },
	{ "10.0.0.0/99999999999999999999", "is longer than /32" },
	{ "10.0.0.300/8", "'10.0.0.300/8' is not a CIDR" },
	/* Decided: a leading zero is refused, as inet_pton does in addresses.
	 */
	{ "1.2.3.4/032", "prefix length /032 has a leading zero" },
	{ "10.0.0.0/00", "leading zero" },
	{ "010.0.0.0/8", "is not a CIDR" },
	{ "+10.0.0.0/8", "is not a CIDR" },
	{ "10.0.0.0/+8", "is not a CIDR" },
	{ "10.0.0.0/-1", "is not a CIDR" },
	{ "10.0.0.0/8x", "is not a CIDR" },
	{ "10.0.0.0/8/8", "is not a CIDR" },
	{ "10.0.0.0/", "has no prefix length after '/'" },
	{ "/8", "is not a CIDR" },
	{ "10.0.0", "is not a CIDR" },
	{ "10.0.0.0.0", "is not a CIDR" },
	{ "hello", "is not a CIDR" },
	{ "1::2::3", "is not a CIDR" },
	{ "fe80::1%eth0", "is not a CIDR" },
	{ "10.0.0.0 /8", "whitespace" },
	{ " 10.0.0.0/8", "whitespace" },
	{ "10.0.0.0/8\n", "whitespace" },
	{ "10.0.0.0/8 10.1.0.0/16", "one CIDR at a time" },
	{ "\x01\x02\xff", "'\?\?\?' is not a CIDR" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888/128"
	  "0000000000000000000000",
	  "too long for a CIDR" },
};

SG_TEST(text_cidr_invalid)
{
	struct sg_cidr c, before;
	char why[SG_ERR_LEN];
	size_t i;

	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < ROWS(bad_cidrs); i++) {
		sg_test_context("'%s'", bad_cidrs[i].text);
		c = before;
		why[0] = '\0';
		ASSERT_EQ(sg_parse_cidr(bad_cidrs[i].text, &c, why,
					sizeof(why)),
			  -EINVAL);
		if (!strstr(why, bad_cidrs[i].reason)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"reason \"%s\" lacks \"%s\"", why,
					bad_cidrs[i].reason);
			return false;
		}
		ASSERT_MEMEQ(&c, &before, sizeof(c)); /* untouched on error */
		/* No reason buffer is fine too. */
		ASSERT_EQ(sg_parse_cidr(bad_cidrs[i].text, &c, NULL, 0),
			  -EINVAL);
	}
	sg_test_context(NULL);
	ASSERT_EQ(sg_parse_cidr(NULL, &c, why, sizeof(why)), -EINVAL);
	/* A tiny reason buffer is cut, never overrun. */
	memset(why, 'x', sizeof(why));
	ASSERT_EQ(sg_parse_cidr("10.0.0.300/8", &c, why, 4), -EINVAL);
	ASSERT_STREQ(why, "'10");
	return true;
}

SG_TEST(text_cidr_format)
{
	struct sg_cidr c = { .family = SG_FAMILY_V4,
			     .prefixlen = 24,
			     .addr = { 192, 0, 2, 0 } };
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	sg_format_cidr(&c, buf, 5);
	ASSERT_STREQ(buf, "192.");
	ASSERT_EQ(buf[5], 'x');
	c.family = 7;
	sg_format_cidr(&c, buf, sizeof(buf));
	ASSERT_STREQ(buf, "invalid");
	sg_format_cidr(NULL, buf, sizeof(buf));
	ASSERT_STREQ(buf, "invalid");
	sg_format_cidr(&c, NULL, 0); /* must not crash */
	return true;
}

static const struct {
	const char *text;
	unsigned long long ns;
} good_durations[] = {
	{ "0s", 0 },
	{ "0ms", 0 },
	{ "300ms", 300 * MS },
	{ "10s", 10 * SEC },
	{ "5m", 300 * SEC },
	{ "05m", 300 * SEC },
	{ "24h", 86400 * SEC },
	{ "2d", 2 * 86400 * SEC },
	{ "1h30m", 5400 * SEC },
	{ "1d2h3m4s5ms", 93784 * SEC + 5 * MS },
	{ "90000ms", 90 * SEC },
	{ "365d", 365 * 86400 * SEC },
	{ "8760h", 365 * 86400 * SEC },
};

static const struct {
	const char *text;
	const char *reason;
} bad_durations[] = {
	{ "", "empty duration" },
	{ "0", "'0' has no unit" },
	{ "5", "has no unit (ms, s, m, h or d)" },
	{ "1h30", "has no unit" },
	{ "5x", "unknown unit 'x'" },
	{ "5sec", "unknown unit 'sec'" },
	{ "5S", "is not a duration" },
	{ "1.5h", "is not a duration" },
	{ "-5s", "is not a duration" },
	{ "+5s", "is not a duration" },
	{ "5 s", "is not a duration" },
	{ " 5s", "is not a duration" },
	{ "s", "is not a duration" },
	{ "366d", "longer than the maximum, 365d" },
	{ "365d1ms", "longer than the maximum" },
	{ "8761h", "longer than the maximum" },
	{ "99999999999999999999999s", "longer than the maximum" },
	{ "30m1h", "from large to small" },
	{ "1h1h", "from large to small" },
	{ "10ms5s", "from large to small" },
	{ "1d1h1m1s1ms1ms1ms1ms1ms1ms1ms1ms1ms", "too long for a duration" },
};

SG_TEST(text_duration)
{
	char why[SG_ERR_LEN];
	__u64 ns;
	size_t i;

	for (i = 0; i < ROWS(good_durations); i++) {
		sg_test_context("'%s'", good_durations[i].text);
		ASSERT_OK(sg_parse_duration(good_durations[i].text, &ns, why,
					    sizeof(why)));
		ASSERT_EQ(ns, good_durations[i].ns);
	}
	for (i = 0; i < ROWS(bad_durations); i++) {
		sg_test_context("'%s'", bad_durations[i].text);
		ns = 12345;
		why[0] = '\0';
		ASSERT_NE(sg_parse_duration(bad_durations[i].text, &ns, why,
					    sizeof(why)),
			  0);
		ASSERT_EQ(ns, 12345);
		if (!strstr(why, bad_durations[i].reason)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"reason \"%s\" lacks \"%s\"", why,
					bad_durations[i].reason);
			return false;
		}
	}
	return true;
}

SG_TEST(text_duration_format)
{
	static const struct {
		unsigned long long ns;
		const char *text;
	} rows[] = {
		{ 0, "0s" },
		{ 250 * MS, "250ms" },
		{ 5400 * SEC, "1h30m" },
		{ 86400 * SEC, "1d" },
		{ 93784 * SEC + 5 * MS, "1d2h3m4s5ms" },
		{ SEC + 7, "1s7ns" },
		{ 1500, "1500ns" },
	};
	char buf[64], why[SG_ERR_LEN];
	__u64 ns;
	size_t i;

	for (i = 0; i < ROWS(rows); i++) {
		sg_test_context("%llu ns", rows[i].ns);
		sg_format_duration(rows[i].ns, buf, sizeof(buf));
		ASSERT_STREQ(buf, rows[i].text);
		/* What it prints at millisecond precision parses back. */
		if (rows[i].ns % MS)
			continue;
		ASSERT_OK(sg_parse_duration(buf, &ns, why, sizeof(why)));
		ASSERT_EQ(ns, rows[i].ns);
	}
	sg_test_context(NULL);
	memset(buf, 'x', sizeof(buf));
	sg_format_duration(93784 * SEC, buf, 5);
	ASSERT_STREQ(buf, "1d2h");
	ASSERT_EQ(buf[5], 'x');
	sg_format_duration(93784 * SEC, buf, 4);
	ASSERT_EQ(strlen(buf), 3);
	sg_format_duration(~0ULL, buf, sizeof(buf)); /* no overflow */
	ASSERT_TRUE(strlen(buf) > 0);
	return true;
}

static const struct {
	const char *text;
	unsigned long long interval_ns;
} good_rates[] = {
	{ "5/s", 200 * MS },	{ "1/s", SEC },
	{ "3/s", 333333333 }, /* rounded down */
	{ "100/m", 600 * MS },	{ "100/min", 600 * MS },
	{ "300/h", 12 * SEC },	{ "2000/d", 43200 * MS },
	{ "1/d", 86400 * SEC }, { "10000000/s", 100 },
};

static const struct {
	const char *text;
	const char *reason;
} bad_rates[] = {
	{ "", "empty rate" },
	{ "5", "'5' has no unit" },
	{ "0/s", "from 1 to 10000000" },
	{ "10000001/s", "from 1 to 10000000" },
	{ "99999999999999999999999/s", "from 1 to 10000000" },
	{ "-1/s", "is not a rate" },
	{ "+1/s", "is not a rate" },
	{ "1.5/s", "is not a rate" },
	{ "/s", "is not a rate" },
	{ " 5/s", "is not a rate" },
	{ "off", "is not a rate" },
	{ "5/", "unknown unit" },
	{ "5/x", "unknown unit" },
	{ "5/S", "unknown unit" },
	{ "5/s ", "unknown unit" },
	{ "5/s/s", "unknown unit" },
	{ "5/sec", "unknown unit" },
	{ "1/1s", "unknown unit" },
	{ "100000000000000000000000000000000/s", "too long for a rate" },
};

SG_TEST(text_rate)
{
	char why[SG_ERR_LEN];
	__u64 ns;
	size_t i;

	for (i = 0; i < ROWS(good_rates); i++) {
		sg_test_context("'%s'", good_rates[i].text);
		ASSERT_OK(sg_parse_rate(good_rates[i].text, &ns, why,
					sizeof(why)));
		ASSERT_EQ(ns, good_rates[i].interval_ns);
	}
	for (i = 0; i < ROWS(bad_rates); i++) {
		sg_test_context("'%s'", bad_rates[i].text);
		ns = 12345;
		why[0] = '\0';
		ASSERT_EQ(sg_parse_rate(bad_rates[i].text, &ns, why,
					sizeof(why)),
			  -EINVAL);
		ASSERT_EQ(ns, 12345);
		if (!strstr(why, bad_rates[i].reason)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"reason \"%s\" lacks \"%s\"", why,
					bad_rates[i].reason);
			return false;
		}
	}
	return true;
}

/* Reads content as a list file; returns sg_read_list_file's result. */
static int read_list(const char *content, size_t len, char path[32],
		     struct sg_cidr **out, size_t *count, char *err)
{
	int ret;

	*out = NULL;
	*count = 0;
	err[0] = '\0';
	if (!sg_test_write_temp(path, content, len))
		return -EIO;
	ret = sg_read_list_file(path, out, count, err, SG_ERR_LEN);
	unlink(path);
	return ret;
}

SG_TEST(text_list_file)
{
	static const char content[] =
		"\xef\xbb\xbf# partners and health checkers\n"
		"\n"
		"192.0.2.0/24\n"
		"   198.51.100.7   # the monitoring host\n"
		"\t2001:db8::/32\r\n"
		"192.0.2.0/24 # again: duplicates are fine\n"
		"#10.0.0.0/8\n"
		"   \t  \n"
		"10.0.0.0/8#no blank before the comment\n"
		"2001:db8::/32"; /* no newline at the end */
	static const char *const want[] = {
		"10.0.0.0/8",
		"192.0.2.0/24",
		"198.51.100.7/32",
		"2001:db8::/32",
	};
	char path[32], err[SG_ERR_LEN], buf[64];
	struct sg_cidr *v;
	size_t n, i;

	ASSERT_OK(read_list(content, sizeof(content) - 1, path, &v, &n, err));
	ASSERT_EQ(n, ROWS(want));
	for (i = 0; i < n; i++) {
		sg_format_cidr(&v[i], buf, sizeof(buf));
		sg_test_context("entry %zu", i);
		ASSERT_STREQ(buf, want[i]);
	}
	free(v);
	return true;
}

SG_TEST(text_list_file_empty)
{
	static const char *const contents[] = { "", "\n\n", "# nothing yet\n",
						"  # still nothing\n  \n" };
	char path[32], err[SG_ERR_LEN];
	struct sg_cidr *v;
	size_t n, i;

	for (i = 0; i < ROWS(contents); i++) {
		sg_test_context("row %zu", i);
		ASSERT_OK(read_list(contents[i], strlen(contents[i]), path, &v,
				    &n, err));
		ASSERT_EQ(n, 0);
		ASSERT_TRUE(v != NULL); /* free() it like any other list */
		free(v);
	}
	return true;
}

SG_TEST(text_list_file_errors)
{
	char long_line[300], ok_line[300], content[700];
	static const struct {
		const char *content;
		size_t len; /* 0: strlen */
		unsigned int line;
		const char *reason;
	} rows[] = {
		{ "10.0.0.0/8\n# x\n10.0.0.300/8\n", 0, 3,
		  "'10.0.0.300/8' is not a CIDR" },
		{ "10.1.2.3/24\n", 0, 1,
		  "host bits set beyond /24 (did you mean 10.1.2.0/24?)" },
		{ "\n\n\n10.0.0.0/8 10.1.0.0/16\n", 0, 4,
		  "one CIDR at a time" },
		{ "10.0.0.0/8\n2001:db8::/129\n", 0, 2, "longer than /128" },
		{ "10.0.0.0/8\n1.2\0.3.4\n", 20, 2, "binary data (byte 0x00)" },
		{ "\x7f"
		  "ELF\x02\x01",
		  0, 1, "binary data (byte 0x7f)" },
		{ "10.0.0.0/8\n\x1b[31m\n", 0, 2, "binary data (byte 0x1b)" },
		{ "garbage \xff\xfe\n", 0, 1, "whitespace" },
		{ "\xff\xfe\n", 0, 1, "'\?\?' is not a CIDR" },
	};
	char path[32], err[SG_ERR_LEN], want[SG_ERR_LEN];
	struct sg_cidr *v;
	size_t n, i;

	for (i = 0; i < ROWS(rows); i++) {
		sg_test_context("row %zu", i);
		ASSERT_EQ(read_list(rows[i].content,
				    rows[i].len ? rows[i].len
						: strlen(rows[i].content),
				    path, &v, &n, err),
			  -EINVAL);
		ASSERT_TRUE(v == NULL);
		snprintf(want, sizeof(want), "%s:%u: ", path, rows[i].line);
		ASSERT_TRUE(!strncmp(err, want, strlen(want)));
		if (!strstr(err, rows[i].reason)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"error \"%s\" lacks \"%s\"", err,
					rows[i].reason);
			return false;
		}
	}
	sg_test_context(NULL);
	/* The exact message the CLI prints after "slotguard: allow replace: ".
	 */
	ASSERT_EQ(read_list("10.0.0.300/8\n", 13, path, &v, &n, err), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: '10.0.0.300/8' is not a CIDR",
		 path);
	ASSERT_STREQ(err, want);

	/* 256 characters are a line; 257 are too many, comment or not. */
	memset(ok_line, ' ', 256);
	memcpy(ok_line, "10.0.0.0/8 #", 12);
	ok_line[256] = '\0';
	memset(long_line, '#', 257);
	long_line[257] = '\0';
	snprintf(content, sizeof(content), "%s\n%s\n", ok_line, ok_line);
	ASSERT_OK(read_list(content, strlen(content), path, &v, &n, err));
	ASSERT_EQ(n, 1);
	free(v);
	snprintf(content, sizeof(content), "%s\n%s\n", ok_line, long_line);
	ASSERT_EQ(read_list(content, strlen(content), path, &v, &n, err),
		  -EINVAL);
	snprintf(want, sizeof(want), "%s:2: line is longer than 256 characters",
		 path);
	ASSERT_STREQ(err, want);

	ASSERT_EQ(sg_read_list_file("/nonexistent/allow.txt", &v, &n, err,
				    sizeof(err)),
		  -ENOENT);
	ASSERT_STREQ(err, "/nonexistent/allow.txt: No such file or directory");
	ASSERT_EQ(sg_read_list_file("/tmp", &v, &n, err, sizeof(err)), -EISDIR);
	ASSERT_STREQ(err, "/tmp: Is a directory");
	return true;
}
