// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The unit-test runner's reporting functions, for the data-path fuzzer
 * that links the test harness (tests/lib/harness*.c) without the runner:
 * libFuzzer owns main(). A harness that reports a failure fails the input.
 */
#include <stdarg.h>
#include <stdio.h>
#include "test.h"
#include "fuzz.h"

void sg_test_log(const char *fmt, ...)
{
	va_list ap;

	fputs("  ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sg_test_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fuzz_fail(file, line, "harness check", "%s", msg);
}

bool sg_test_expect_eq(const char *file, int line, const char *what,
		       unsigned long long got, unsigned long long want)
{
	if (got != want)
		fuzz_fail(file, line, what, "expected %llu, got %llu", want,
			  got);
	return true;
}
