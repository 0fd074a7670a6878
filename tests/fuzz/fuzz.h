/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared by the libFuzzer targets in tests/fuzz: how a broken invariant is
 * reported (a message, then abort(), which libFuzzer records as a crash
 * and saves the input of), in-memory files for parsers that take a path,
 * and checks on the error messages the parsers write.
 */
#ifndef SLOTGUARD_FUZZ_H
#define SLOTGUARD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Prints "file:line: invariant broken: cond: details" and aborts. */
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...) __attribute__((noreturn, format(printf, 4, 5)));

/* Called by fuzz_fail() before it aborts, when set (e.g. to save state). */
extern void (*fuzz_on_fail)(void);

/* Aborts with a message when cond is false; never returns otherwise. */
#define FUZZ_ASSERT(cond, ...)                                             \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/*
 * A memfd reachable by path (/proc/self/fd/N), rewritten for every input:
 * parsers that open a file by name read it without touching the disk.
 */
struct fuzz_file {
	int fd;
	char path[64];
};
int fuzz_file_open(struct fuzz_file *f, const char *name);
int fuzz_file_set(struct fuzz_file *f, const void *data, size_t len);

/* A NUL-terminated copy of the input (malloc'ed; free it). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/*
 * An error message as the user will see it: non-empty, NUL-terminated
 * within len, and free of control bytes that would garble a terminal or
 * a log line (tab allowed); with ascii, of bytes above 0x7e too.
 */
bool fuzz_message_clean(const char *msg, size_t len, bool ascii);

#endif /* SLOTGUARD_FUZZ_H */
