// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * List files: one CIDR per line, '#' comments (or what `ipset save` writes),
 * for the set commands and the daemon. One bad line rejects the whole file
 * with "PATH:LINE: why"; the input is untrusted and fuzzed, so every line
 * has a bounded buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sg.h"

#define LIST_LINE_MAX 256

/* A list file being read; errors name the file and the line. */
struct list_file {
	FILE *f;
	const char *path;
	unsigned int line;
	char *err;
	size_t err_len;
	struct sg_cidr *v;
	unsigned int *lines; /* the line of each entry */
	size_t n, cap;
	struct sg_notes *notes;
};

static int list_error_at(struct list_file *lf, unsigned int line,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "PATH:LINE: why", or "PATH: why" for line 0; returns -EINVAL. */
static int list_error_at(struct list_file *lf, unsigned int line,
			 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!lf->err || !lf->err_len)
		return -EINVAL;
	if (line)
		n = snprintf(lf->err, lf->err_len, "%s:%u: ", lf->path, line);
	else
		n = snprintf(lf->err, lf->err_len, "%s: ", lf->path);
	if (n < 0 || (size_t)n >= lf->err_len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(lf->err + n, lf->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define list_error(lf, ...) list_error_at((lf), (lf)->line, __VA_ARGS__)

/* One line without its '\n'. Returns 1, 0 at the end, or -errno. */
static int list_read_line(struct list_file *lf, char buf[LIST_LINE_MAX + 1])
{
	size_t n = 0;
	int c, err;

	lf->line++;
	while ((c = getc_unlocked(lf->f)) != '\n') {
		if (c == EOF)
			break;
		/* Text files have no control bytes: this is a binary file. */
		if (c == 0 || c == 0x7f ||
		    (c < 0x20 && c != '\t' && c != '\r')) {
			list_error(
				lf,
				"binary data (byte 0x%02x), not a list of CIDRs",
				c);
			return -EINVAL;
		}
		if (n == LIST_LINE_MAX) {
			list_error(lf, "line is longer than %d characters",
				   LIST_LINE_MAX);
			return -EINVAL;
		}
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(lf->f)) {
		err = errno ? errno : EIO;
		list_error_at(lf, 0, "%s", strerror(err));
		return -err;
	}
	buf[n] = '\0';
	return c == EOF && !n ? 0 : 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * `ipset save` writes "create NAME TYPE ..." and "add NAME CIDR [opts]":
 * the first says nothing we need, the second's CIDR is the entry.
 */
static char *list_ipset_line(char *s)
{
	char *p;

	if (!strncmp(s, "create ", 7))
		return NULL;
	if (strncmp(s, "add ", 4))
		return s;
	p = s + 4 + strspn(s + 4, " \t");
	p += strcspn(p, " \t"); /* the set's name */
	p += strspn(p, " \t");
	p[strcspn(p, " \t")] = '\0'; /* options like timeout follow */
	return p;
}

static int list_push(struct list_file *lf, const struct sg_cidr *c)
{
	unsigned int *lines;
	struct sg_cidr *v;

	if (lf->n == SG_SET_MAX_ENTRIES) {
		list_error(lf, "more than %d entries", SG_SET_MAX_ENTRIES);
		return -EINVAL;
	}
	if (lf->n == lf->cap) {
		lf->cap = lf->cap ? lf->cap * 2 : 64;
		v = realloc(lf->v, lf->cap * sizeof(*v));
		if (v)
			lf->v = v;
		lines = realloc(lf->lines, lf->cap * sizeof(*lines));
		if (lines)
			lf->lines = lines;
		if (!v || !lines) {
			list_error_at(lf, 0, "out of memory");
			return -ENOMEM;
		}
	}
	lf->lines[lf->n] = lf->line;
	lf->v[lf->n++] = *c;
	return 0;
}

static int list_add_line(struct list_file *lf, char *s)
{
	char why[SG_ERR_LEN / 2], *end;
	struct sg_cidr c;

	/* Editors on some systems start UTF-8 files with a byte order mark. */
	if (lf->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	end = strchr(s, '#');
	if (!end)
		end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	while (is_blank(*s))
		s++;
	s = list_ipset_line(s);
	if (!s || !*s)
		return 0;
	if (sg_parse_cidr(s, &c, why, sizeof(why))) {
		list_error(lf, "%s", why);
		return -EINVAL;
	}
	/* Never an entry no IPv4 client can match. */
	if (c.family == SG_FAMILY_V6) {
		char where[PATH_MAX + 16];

		snprintf(where, sizeof(where), "%s:%u", lf->path, lf->line);
		sg_cidr_unmap_noted(&c, s, where, lf->notes);
	}
	return list_push(lf, &c);
}

/* Entry and line, sorted together. */
struct list_entry {
	struct sg_cidr c;
	unsigned int line;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;
	int d = sg_cidr_cmp(&x->c, &y->c);

	return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* Sorts and drops repeats (keeping the first line): a list is a set. */
static int dedup(struct list_file *lf)
{
	struct list_entry *e = malloc((lf->n ? lf->n : 1) * sizeof(*e));
	size_t i, out = 0;

	if (!e)
		return -ENOMEM;
	for (i = 0; i < lf->n; i++)
		e[i] = (struct list_entry){ lf->v[i], lf->lines[i] };
	qsort(e, lf->n, sizeof(*e), entry_cmp);
	for (i = 0; i < lf->n; i++) {
		if (out && !sg_cidr_cmp(&e[out - 1].c, &e[i].c))
			continue;
		e[out++] = e[i];
	}
	for (i = 0; i < out; i++) {
		lf->v[i] = e[i].c;
		lf->lines[i] = e[i].line;
	}
	lf->n = out;
	free(e);
	return 0;
}

int sg_read_list_file_lines(const char *path, struct sg_cidr **out,
			    unsigned int **lines, size_t *count,
			    struct sg_notes *notes, char *err, size_t err_len)
{
	struct list_file lf = {
		.path = path, .err = err, .err_len = err_len, .notes = notes
	};
	char buf[LIST_LINE_MAX + 1];
	int ret;

	if (!path || !out || !count)
		return -EINVAL;
	lf.f = fopen(path, "re");
	if (!lf.f) {
		ret = -errno;
		if (err && err_len)
			snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while ((ret = list_read_line(&lf, buf)) > 0) {
		ret = list_add_line(&lf, buf);
		if (ret)
			break;
	}
	fclose(lf.f);
	/* An empty list is still an allocation, so callers need no case. */
	if (!ret && !lf.v) {
		lf.v = calloc(1, sizeof(*lf.v));
		lf.lines = calloc(1, sizeof(*lf.lines));
		if (!lf.v || !lf.lines)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = dedup(&lf);
	if (ret == -ENOMEM)
		list_error_at(&lf, 0, "out of memory");
	if (ret || !lines)
		free(lf.lines);
	if (ret) {
		free(lf.v);
		return ret;
	}
	*out = lf.v;
	if (lines)
		*lines = lf.lines;
	*count = lf.n;
	return 0;
}

int sg_read_list_file(const char *path, struct sg_cidr **out, size_t *count,
		      char *err, size_t err_len)
{
	return sg_read_list_file_lines(path, out, NULL, count, NULL, err,
				       err_len);
}
