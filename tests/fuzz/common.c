// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Helpers of the fuzz targets (see fuzz.h): failure reports, memfd-backed
 * files and message checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

void (*fuzz_on_fail)(void);

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	void (*hook)(void) = fuzz_on_fail;
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fuzz_on_fail = NULL; /* a failure inside the hook ends here */
	if (hook)
		hook();
	abort();
}

int fuzz_file_open(struct fuzz_file *f, const char *name)
{
	f->fd = memfd_create(name, MFD_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
	return 0;
}

int fuzz_file_set(struct fuzz_file *f, const void *data, size_t len)
{
	if (ftruncate(f->fd, 0))
		return -errno;
	if (len && pwrite(f->fd, data, len, 0) != (ssize_t)len)
		return -EIO;
	return 0;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

bool fuzz_message_clean(const char *msg, size_t len, bool ascii)
{
	size_t n = strnlen(msg, len);
	size_t i;

	if (!n || n == len)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = msg[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f || (ascii && c > 0x7f))
			return false;
	}
	return true;
}
