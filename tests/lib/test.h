/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A minimal unit-test runner: SG_TEST() registers a test at start-up, the
 * ASSERT_*() macros report "file:line: expected ... got ..." and fail it.
 * Output is one "PASS: name" / "FAIL: name" / "SKIP: name: why" line per
 * test, which tests/run.sh counts; nothing else may start with those words.
 */
#ifndef SLOTGUARD_TEST_H
#define SLOTGUARD_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef bool (*sg_test_fn)(void);

void sg_test_register(const char *name, sg_test_fn fn);

/* A detail line under the test's result, indented so run.sh ignores it. */
void sg_test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Names the fixture row (or loop step) being checked; every failure line
 * printed until the next call carries it. Pass NULL to clear it.
 */
void sg_test_context(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void sg_test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A new file under /tmp holding data (path gets its name; the caller
 * unlinks it). False, with the reason printed, on failure. */
bool sg_test_write_temp(char path[32], const void *data, size_t len);
/* Marks the running test skipped; see TEST_SKIP(). */
void sg_test_set_skip(const char *why);

void sg_test_fail_int(const char *file, int line, const char *what,
		      const char *op, unsigned long long got,
		      unsigned long long want);
bool sg_test_expect_eq(const char *file, int line, const char *what,
		       unsigned long long got, unsigned long long want);
void sg_test_fail_mem(const char *file, int line, const char *what,
		      const void *got, const void *want, size_t len);

/*
 * A test is a static bool function; the constructor puts it in the table
 * before main() runs, so adding a test never means editing a list.
 */
#define SG_TEST(name)                                                     \
	static bool name(void);                                           \
	__attribute__((constructor)) static void sg_register_##name(void) \
	{                                                                 \
		sg_test_register(#name, name);                            \
	}                                                                 \
	static bool name(void)

/*
 * The ASSERT_*() macros and TEST_SKIP() return from the test on failure:
 * the selftests convention, and the only macros in the tree that hide a
 * return. Use them only directly in a test body, never in helpers (helpers
 * return bool and print with sg_test_fail_at()).
 */
#define ASSERT_TRUE(cond)                                                 \
	do {                                                              \
		if (!(cond)) {                                            \
			sg_test_fail_at(__FILE__, __LINE__,               \
					"expected %s, got false", #cond); \
			return false;                                     \
		}                                                         \
	} while (0)

/* Compares as unsigned long long: fine for any integer of either sign. */
#define ASSERT_EQ(got, want)                                              \
	do {                                                              \
		unsigned long long sg_got_ = (unsigned long long)(got);   \
		unsigned long long sg_want_ = (unsigned long long)(want); \
		if (sg_got_ != sg_want_) {                                \
			sg_test_fail_int(__FILE__, __LINE__, #got,        \
					 "==", sg_got_, sg_want_);        \
			return false;                                     \
		}                                                         \
	} while (0)

#define ASSERT_NE(got, unwanted)                                             \
	do {                                                                 \
		unsigned long long sg_got_ = (unsigned long long)(got);      \
		unsigned long long sg_bad_ = (unsigned long long)(unwanted); \
		if (sg_got_ == sg_bad_) {                                    \
			sg_test_fail_int(__FILE__, __LINE__, #got,           \
					 "!=", sg_got_, sg_bad_);            \
			return false;                                        \
		}                                                            \
	} while (0)

/* 0 expected; a -errno result is printed with its name. */
#define ASSERT_OK(expr)                                                   \
	do {                                                              \
		long long sg_err_ = (long long)(expr);                    \
		if (sg_err_) {                                            \
			sg_test_fail_at(                                  \
				__FILE__, __LINE__,                       \
				"expected %s to return 0, got %lld (%s)", \
				#expr, sg_err_,                           \
				sg_err_ < 0 ? strerror((int)-sg_err_)     \
					    : "not an errno");            \
			return false;                                     \
		}                                                         \
	} while (0)

#define ASSERT_STREQ(got, want)                                            \
	do {                                                               \
		const char *sg_gs_ = (got), *sg_ws_ = (want);              \
		if (!sg_gs_ || !sg_ws_ || strcmp(sg_gs_, sg_ws_)) {        \
			sg_test_fail_at(__FILE__, __LINE__,                \
					"%s: expected \"%s\", got \"%s\"", \
					#got, sg_ws_ ? sg_ws_ : "(null)",  \
					sg_gs_ ? sg_gs_ : "(null)");       \
			return false;                                      \
		}                                                          \
	} while (0)

#define ASSERT_MEMEQ(got, want, len)                                      \
	do {                                                              \
		size_t sg_len_ = (len);                                   \
		if (memcmp((got), (want), sg_len_)) {                     \
			sg_test_fail_mem(__FILE__, __LINE__, #got, (got), \
					 (want), sg_len_);                \
			return false;                                     \
		}                                                         \
	} while (0)

/*
 * For helpers that check many things and report them all: evaluates to
 * true when equal, else prints the failure line and evaluates to false.
 * It never returns from anything.
 */
#define EXPECT_EQ(got, want)                                                   \
	sg_test_expect_eq(__FILE__, __LINE__, #got, (unsigned long long)(got), \
			  (unsigned long long)(want))

/* Ends the test as skipped, e.g. when it needs a privilege we lack. */
#define TEST_SKIP(why)                 \
	do {                           \
		sg_test_set_skip(why); \
		return true;           \
	} while (0)

#endif /* SLOTGUARD_TEST_H */
