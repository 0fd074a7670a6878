// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for sg_read_list_file (loader/core/listfile.c): the input is
 * the file. Checked against a model of the format in sg.h (one CIDR per
 * line, '#' comments, blanks, a UTF-8 byte order mark, the "create" and
 * "add NAME CIDR" lines of `ipset save`, no binary bytes,
 * lines of at most 256 characters): the same verdict, an error naming the
 * first bad line as "PATH:LINE: why", and on success the same sorted,
 * deduplicated set. Writing that set out as a list file reads it back
 * unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "fuzz.h"

#define LIST_LINE_MAX 256

static struct fuzz_file file, again;

static int cidr_cmp(const void *a, const void *b)
{
	const struct sg_cidr *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	d = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (d)
		return d;
	return x->prefixlen < y->prefixlen ? -1 : x->prefixlen > y->prefixlen;
}

struct model {
	struct sg_cidr *v;
	size_t n;
	unsigned int bad_line; /* 0: the file is good */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (no '\n'); false if it makes the file bad. */
static bool model_line(struct model *m, const char *p, size_t len,
		       unsigned int line)
{
	char buf[LIST_LINE_MAX + 1], why[SG_ERR_LEN];
	const char *hash;
	size_t i;

	if (len > LIST_LINE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == 0 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\r'))
			return false;
	}
	if (line == 1 && len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
		p += 3;
		len -= 3;
	}
	hash = memchr(p, '#', len);
	if (hash)
		len = (size_t)(hash - p);
	while (len && is_blank(p[len - 1]))
		len--;
	while (len && is_blank(*p)) {
		p++;
		len--;
	}
	if (!len)
		return true;
	memcpy(buf, p, len);
	buf[len] = '\0';
	/* What `ipset save` writes: skip "create", take add's third word. */
	if (!strncmp(buf, "create ", 7))
		return true;
	if (!strncmp(buf, "add ", 4)) {
		char *w = buf + 4 + strspn(buf + 4, " \t");

		w += strcspn(w, " \t");
		w += strspn(w, " \t");
		w[strcspn(w, " \t")] = '\0';
		if (!*w)
			return true;
		memmove(buf, w, strlen(w) + 1);
	}
	if (sg_parse_cidr(buf, &m->v[m->n], why, sizeof(why)))
		return false;
	/* An IPv4-mapped prefix is the IPv4 one it stands for. */
	sg_cidr_unmap(&m->v[m->n]);
	m->n++;
	return true;
}

static void model_file(struct model *m, const uint8_t *data, size_t size)
{
	size_t start = 0, end, i, out;
	unsigned int line = 0;

	m->v = calloc(size / 2 + 1, sizeof(*m->v));
	m->n = 0;
	m->bad_line = 0;
	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);

		end = nl ? (size_t)(nl - data) : size;
		if (!model_line(m, (const char *)data + start, end - start,
				++line)) {
			m->bad_line = line;
			return;
		}
		start = end + 1;
	}
	if (!m->n)
		return;
	qsort(m->v, m->n, sizeof(*m->v), cidr_cmp);
	for (i = 1, out = 0; i < m->n; i++)
		if (cidr_cmp(&m->v[out], &m->v[i]))
			m->v[++out] = m->v[i];
	m->n = out + 1;
}

/* The set written back as a list file reads back the same. */
static void check_rewrite(const struct sg_cidr *v, size_t n)
{
	char err[SG_ERR_LEN], line[80];
	struct sg_cidr *back = NULL;
	size_t count = 0, i, len = 0;
	char *text = malloc(n * sizeof(line) + 1);

	for (i = 0; i < n; i++) {
		sg_format_cidr(&v[i], line, sizeof(line));
		len += (size_t)sprintf(text + len, "%s\n", line);
	}
	FUZZ_ASSERT(!fuzz_file_set(&again, text, len), "memfd write");
	FUZZ_ASSERT(!sg_read_list_file(again.path, &back, &count, err,
				       sizeof(err)),
		    "the set written back does not read: %s", err);
	FUZZ_ASSERT(count == n && !memcmp(back, v, n * sizeof(*v)),
		    "the set written back reads as %zu other entries", count);
	free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_cidr *got = (struct sg_cidr *)&file, *v;
	char err[SG_ERR_LEN], prefix[96];
	size_t count = 12345;
	struct model m;
	int ret;

	if (!file.path[0] &&
	    (fuzz_file_open(&file, "list") || fuzz_file_open(&again, "again")))
		abort();
	FUZZ_ASSERT(!fuzz_file_set(&file, data, size), "memfd write");
	err[0] = '\0';
	ret = sg_read_list_file(file.path, &got, &count, err, sizeof(err));
	model_file(&m, data, size);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL, "returned %d (%s)", ret, err);
	FUZZ_ASSERT(!ret == !m.bad_line, "reader %d (%s), model: bad line %u",
		    ret, err, m.bad_line);
	if (ret) {
		FUZZ_ASSERT(got == (struct sg_cidr *)&file && count == 12345,
			    "an error wrote *out or *count");
		snprintf(prefix, sizeof(prefix), "%s:%u: ", file.path,
			 m.bad_line);
		FUZZ_ASSERT(!strncmp(err, prefix, strlen(prefix)),
			    "error '%s' does not start with '%s'", err, prefix);
		FUZZ_ASSERT(fuzz_message_clean(err, sizeof(err), true),
			    "error message '%s'", err);
		free(m.v);
		return 0;
	}
	v = got;
	FUZZ_ASSERT(v != NULL, "success without an array");
	FUZZ_ASSERT(count == m.n, "%zu entries, model has %zu", count, m.n);
	FUZZ_ASSERT(!count || !memcmp(v, m.v, count * sizeof(*v)),
		    "entries differ from the model's");
	check_rewrite(v, count);
	free(v);
	free(m.v);
	return 0;
}
