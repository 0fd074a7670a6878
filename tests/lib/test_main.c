// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main() of build/unit_tests: runs every SG_TEST() (or those whose name
 * contains argv[1]) and prints one result line each, then a summary.
 * Exit status 1 when any test failed, so a bare run is usable in CI too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "test.h"

#define SG_TEST_MAX 1024

struct sg_test_entry {
	const char *name;
	sg_test_fn fn;
};

static struct sg_test_entry tests[SG_TEST_MAX];
static unsigned int n_tests;
static char context[256];
static char skip_why[256];
static bool skipped;

void sg_test_register(const char *name, sg_test_fn fn)
{
	/* Constructors run before main: there is nobody to return an error to.
	 */
	if (n_tests == SG_TEST_MAX) {
		fprintf(stderr, "unit: more than %d tests, raise SG_TEST_MAX\n",
			SG_TEST_MAX);
		exit(1);
	}
	tests[n_tests].name = name;
	tests[n_tests].fn = fn;
	n_tests++;
}

void sg_test_log(const char *fmt, ...)
{
	va_list ap;

	fputs("  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void sg_test_context(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		context[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
}

void sg_test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  %s:%d: ", file, line);
	if (context[0])
		printf("[%s] ", context);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void sg_test_set_skip(const char *why)
{
	snprintf(skip_why, sizeof(skip_why), "%s", why);
	skipped = true;
}

void sg_test_fail_int(const char *file, int line, const char *what,
		      const char *op, unsigned long long got,
		      unsigned long long want)
{
	sg_test_fail_at(file, line,
			"%s: expected %s %lld (%#llx), got %lld (%#llx)", what,
			op, (long long)want, want, (long long)got, got);
}

bool sg_test_expect_eq(const char *file, int line, const char *what,
		       unsigned long long got, unsigned long long want)
{
	if (got == want)
		return true;
	sg_test_fail_int(file, line, what, "==", got, want);
	return false;
}

static void print_hex(const char *label, const unsigned char *p, size_t len)
{
	size_t i;

	printf("    %s:", label);
	for (i = 0; i < len; i++)
		printf("%s%02x", i % 16 ? " " : (i ? "\n      " : " "), p[i]);
	fputc('\n', stdout);
}

void sg_test_fail_mem(const char *file, int line, const char *what,
		      const void *got, const void *want, size_t len)
{
	const unsigned char *g = got, *w = want;
	size_t first = 0;

	while (first < len && g[first] == w[first])
		first++;
	sg_test_fail_at(
		file, line,
		"%s: %zu bytes differ from byte %zu on (expected, got):", what,
		len, first);
	print_hex("expected", w, len);
	print_hex("got     ", g, len);
}

static bool run_one(const struct sg_test_entry *t)
{
	bool ok;

	context[0] = '\0';
	skipped = false;
	ok = t->fn();
	fflush(stderr);
	if (skipped) {
		printf("SKIP: %s: %s\n", t->name, skip_why);
		return true;
	}
	printf("%s: %s\n", ok ? "PASS" : "FAIL", t->name);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned int i, passed = 0, failed = 0, skips = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	/* Detail lines must stay above their result line, even in a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		if (!run_one(&tests[i]))
			failed++;
		else if (skipped)
			skips++;
		else
			passed++;
	}
	printf("unit: %u passed, %u failed, %u skipped\n", passed, failed,
	       skips);
	return failed ? 1 : 0;
}

bool sg_test_write_temp(char path[32], const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/sg-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		sg_test_fail_at(__FILE__, __LINE__, "mkstemp: %s",
				strerror(errno));
		return false;
	}
	if (write(fd, data, len) != (ssize_t)len) {
		sg_test_fail_at(__FILE__, __LINE__, "write: %s",
				strerror(errno));
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);
	return true;
}
