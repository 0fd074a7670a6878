// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `status` on the pin directory's strays: entries slotguard did not make
 * (a map someone pinned there, a directory, a symlink), listed so that an
 * operator sees them; they are never read, written or removed.
 */
#include <stdlib.h>
#include <string.h>
#include "cli/report.h"
#include "core/pins.h"

static void sg_stray_add(const char *name, int kind, void *arg)
{
	struct sg_strays *s = arg;

	if (s->n == SG_STRAYS_MAX) {
		s->more++;
		return;
	}
	snprintf(s->v[s->n].name, sizeof(s->v[s->n].name), "%s", name);
	s->v[s->n++].kind = kind;
}

static int sg_stray_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sg_stray *)a)->name,
		      ((const struct sg_stray *)b)->name);
}

int sg_strays_collect(const struct sg_state *st, struct sg_strays *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = sg_state_strays(st, sg_stray_add, s);
	if (s->n) /* qsort wants a base even for no elements */
		qsort(s->v, s->n, sizeof(s->v[0]), sg_stray_cmp);
	return ret;
}

void sg_strays_print(const struct sg_strays *s, const char *dir, FILE *f)
{
	unsigned int i;

	if (!s->n)
		return;
	fprintf(f, "stray pins in %s (not made by slotguard; never touched):",
		dir);
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s %s (%s)", i ? "," : "", s->v[i].name,
			sg_pin_kind_name(s->v[i].kind));
	if (s->more)
		fprintf(f, " and %u more", s->more);
	fputc('\n', f);
}

struct json_object *sg_strays_json(const struct sg_strays *s)
{
	struct json_object *arr = json_object_new_array(), *o;
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "name",
				       json_object_new_string(s->v[i].name));
		json_object_object_add(
			o, "kind",
			json_object_new_string(sg_pin_kind_name(s->v[i].kind)));
		json_object_array_add(arr, o);
	}
	return arr;
}
