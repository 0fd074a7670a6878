// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The list files the settings name (allowlist, denylist, each [set NAME]'s
 * file), read together: a prefix may be in one set only, so one that two
 * files name is refused with the file and line of both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sg.h"

/* Where an entry came from, to name both ends of a conflict. */
struct sg_origin {
	struct sg_cidr cidr;
	unsigned int set; /* settings index: 0 allow, 1 deny, 2 + i */
	unsigned int line;
};

static int origin_cmp(const void *a, const void *b)
{
	const struct sg_origin *x = a, *y = b;
	int d = sg_cidr_cmp(&x->cidr, &y->cidr);

	return d ? d : (x->set > y->set) - (x->set < y->set);
}

const char *sg_settings_set_file(const struct sg_settings *s, unsigned int i)
{
	if (i == SG_LIST_ALLOW)
		return s->allow_file;
	if (i == SG_LIST_DENY)
		return s->deny_file;
	i -= SG_SET_FIRST_NAMED;
	return i < s->n_sets ? s->sets[i].file : "";
}

const char *sg_settings_set_name(const struct sg_settings *s, unsigned int i)
{
	if (i == SG_LIST_ALLOW)
		return "allow";
	if (i == SG_LIST_DENY)
		return "deny";
	i -= SG_SET_FIRST_NAMED;
	return i < s->n_sets ? s->sets[i].conf.name : "";
}

static int read_one(const struct sg_settings *s, unsigned int set,
		    struct sg_origin **v, size_t *n, struct sg_notes *notes,
		    char *err, size_t len)
{
	const char *file = sg_settings_set_file(s, set);
	unsigned int *lines;
	struct sg_origin *grown;
	struct sg_cidr *c;
	size_t count, i;
	int ret;

	if (!file[0])
		return 0;
	ret = sg_read_list_file_lines(file, &c, &lines, &count, notes, err,
				      len);
	if (ret)
		return ret;
	grown = realloc(*v, (*n + count + 1) * sizeof(**v));
	if (!grown) {
		ret = -ENOMEM;
		snprintf(err, len, "%s: out of memory", file);
	} else {
		*v = grown;
		for (i = 0; i < count; i++)
			(*v)[(*n)++] =
				(struct sg_origin){ c[i], set, lines[i] };
	}
	free(c);
	free(lines);
	return ret;
}

static int conflict(const struct sg_settings *s, const struct sg_origin *a,
		    const struct sg_origin *b, char *err, size_t len)
{
	char cidr[64];

	sg_format_cidr(&b->cidr, cidr, sizeof(cidr));
	snprintf(err, len,
		 "%s:%u: %s is also in %s:%u (set %s); a prefix belongs to "
		 "one set only: remove one of them",
		 sg_settings_set_file(s, b->set), b->line, cidr,
		 sg_settings_set_file(s, a->set), a->line,
		 sg_settings_set_name(s, a->set));
	return -EEXIST;
}

int sg_settings_read_sets(const struct sg_settings *s, struct sg_set_item **out,
			  size_t *count, struct sg_notes *notes, char *err,
			  size_t err_len)
{
	unsigned int set, n_sets = SG_SET_FIRST_NAMED + s->n_sets;
	struct sg_origin *v = NULL;
	struct sg_set_item *items;
	size_t n = 0, i;
	int ret = 0;

	for (set = 0; set < n_sets && !ret; set++)
		ret = read_one(s, set, &v, &n, notes, err, err_len);
	if (!ret && n) /* no files, no entries: v is NULL, no qsort(NULL, 0) */
		qsort(v, n, sizeof(*v), origin_cmp);
	for (i = 1; !ret && i < n; i++)
		if (!sg_cidr_cmp(&v[i - 1].cidr, &v[i].cidr))
			ret = conflict(s, &v[i - 1], &v[i], err, err_len);
	items = ret ? NULL : calloc(n + 1, sizeof(*items));
	if (!ret && !items) {
		snprintf(err, err_len, "out of memory");
		ret = -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++) {
		items[i].cidr = v[i].cidr;
		items[i].set = (__u16)v[i].set;
	}
	free(v);
	if (ret)
		return ret;
	*out = items;
	*count = n;
	return 0;
}

int sg_settings_check_lists(const struct sg_settings *s, struct sg_notes *notes,
			    char *err, size_t err_len)
{
	struct sg_set_item *items;
	size_t n;
	int ret = sg_settings_read_sets(s, &items, &n, notes, err, err_len);

	if (!ret)
		free(items);
	return ret;
}
