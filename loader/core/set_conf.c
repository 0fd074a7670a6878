// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pinned table of sets (sg_set_conf): names to ids, each set's action
 * and budgets, and applying the settings' sets: ids stay with their names
 * across reloads, entries from files are replaced, entries added by
 * commands stay, and sets the config no longer names go away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sg.h"

int sg_set_conf_read(const struct sg_state *st, unsigned int set,
		     struct sg_set_conf *conf)
{
	__u32 id = set;

	if (set >= SG_MAX_SETS)
		return -EINVAL;
	if (bpf_map_lookup_elem(st->fds[SG_MAP_SET_CONF], &id, conf))
		return -errno;
	return 0;
}

int sg_set_id(const struct sg_state *st, const char *name)
{
	struct sg_set_conf conf;
	__u32 id;

	if (!strcmp(name, "allow"))
		return SG_LIST_ALLOW;
	if (!strcmp(name, "deny"))
		return SG_LIST_DENY;
	for (id = SG_SET_FIRST_NAMED; id < SG_MAX_SETS; id++) {
		if (sg_set_conf_read(st, id, &conf))
			return -errno;
		if (conf.action != SG_SET_UNUSED &&
		    !strncmp(conf.name, name, sizeof(conf.name)))
			return (int)id;
	}
	return -ENOENT;
}

static int sg_set_conf_write(const struct sg_state *st, __u32 id,
			     const struct sg_set_conf *conf)
{
	if (bpf_map_update_elem(st->fds[SG_MAP_SET_CONF], &id, conf, BPF_ANY))
		return -errno;
	return 0;
}

/* A new id starts with a full budget and no counts. */
static int sg_set_reset(const struct sg_state *st, __u32 id)
{
	struct sg_set_state zero = {};
	struct sg_counter *c;
	__u32 v, key;
	int ncpus = libbpf_num_possible_cpus(), ret = 0;

	if (ncpus < 1)
		return ncpus;
	if (bpf_map_update_elem(st->fds[SG_MAP_SET_STATE], &id, &zero, BPF_ANY))
		return -errno;
	c = calloc(ncpus, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (v = 0; v < SG_VERDICT_COUNT && !ret; v++) {
		key = sg_set_counter_index(id, v);
		if (bpf_map_update_elem(st->fds[SG_MAP_SET_COUNTERS], &key, c,
					BPF_ANY))
			ret = -errno;
	}
	free(c);
	return ret;
}

static void sg_builtin_conf(unsigned int id, struct sg_set_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->action = id == SG_LIST_ALLOW ? SG_SET_ALLOW : SG_SET_DENY;
	strcpy(conf->name, id == SG_LIST_ALLOW ? "allow" : "deny");
}

/*
 * ids[i] for settings index i (0 allow, 1 deny, 2 + n: sets[n]): the id a
 * set of that name has, or a free one. Writes every set's conf.
 */
static int sg_set_table_apply(const struct sg_state *st,
			      const struct sg_settings *s, __u16 *ids)
{
	struct sg_set_conf live[SG_MAX_SETS], conf;
	bool taken[SG_MAX_SETS] = { true, true };
	unsigned int i, id;
	int ret;

	for (id = 0; id < SG_MAX_SETS; id++)
		if ((ret = sg_set_conf_read(st, id, &live[id])))
			return ret;
	ids[SG_LIST_ALLOW] = SG_LIST_ALLOW;
	ids[SG_LIST_DENY] = SG_LIST_DENY;
	for (i = 0; i < s->n_sets; i++) {
		ids[SG_SET_FIRST_NAMED + i] = 0;
		for (id = SG_SET_FIRST_NAMED; id < SG_MAX_SETS; id++)
			if (live[id].action != SG_SET_UNUSED &&
			    !strcmp(live[id].name, s->sets[i].conf.name))
				break;
		if (id < SG_MAX_SETS) {
			ids[SG_SET_FIRST_NAMED + i] = id;
			taken[id] = true;
		}
	}
	for (i = 0; i < s->n_sets; i++) {
		if (ids[SG_SET_FIRST_NAMED + i])
			continue;
		for (id = SG_SET_FIRST_NAMED; id < SG_MAX_SETS; id++)
			if (!taken[id] && live[id].action == SG_SET_UNUSED)
				break;
		if (id == SG_MAX_SETS)
			return -ENOSPC;
		taken[id] = true;
		ids[SG_SET_FIRST_NAMED + i] = id;
		if ((ret = sg_set_reset(st, id)))
			return ret;
	}
	for (id = 0; id < SG_LIST_COUNT; id++) {
		sg_builtin_conf(id, &conf);
		if ((ret = sg_set_conf_write(st, id, &conf)))
			return ret;
	}
	for (i = 0; i < s->n_sets; i++)
		if ((ret = sg_set_conf_write(st, ids[SG_SET_FIRST_NAMED + i],
					     &s->sets[i].conf)))
			return ret;
	return 0;
}

/* Ids no set of the settings holds are free again. */
static int sg_set_table_prune(const struct sg_state *st, const __u16 *ids,
			      unsigned int n)
{
	bool keep[SG_MAX_SETS] = { true, true };
	struct sg_set_conf unused = {};
	unsigned int i;
	__u32 id;
	int ret;

	for (i = 0; i < n; i++)
		keep[ids[i]] = true;
	for (id = SG_SET_FIRST_NAMED; id < SG_MAX_SETS; id++)
		if (!keep[id] && (ret = sg_set_conf_write(st, id, &unused)))
			return ret;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct sg_set_item *x = a, *y = b;

	return sg_cidr_cmp(&x->cidr, &y->cidr);
}

/*
 * The new content: the files' entries, then what commands added to sets
 * that have a file (unless a file now names the prefix), then every entry
 * of sets without a file. Entries of sets the config dropped go.
 */
static int sg_sets_merge(const struct sg_settings *s, const __u16 *ids,
			 struct sg_set_item *files, size_t n_files,
			 const struct sg_set_item *live, size_t n_live,
			 struct sg_set_item **out, size_t *n_out,
			 struct sg_sets_report *rep)
{
	unsigned int n_sets = SG_SET_FIRST_NAMED + s->n_sets, i;
	struct sg_set_item *v;
	int by_id[SG_MAX_SETS];
	size_t n = 0, j;

	v = malloc((n_files + n_live + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (j = 0; j < SG_MAX_SETS; j++)
		by_id[j] = -1;
	for (i = 0; i < n_sets; i++)
		by_id[ids[i]] = (int)i;
	for (j = 0; j < n_files; j++) {
		v[n] = files[j];
		v[n].set = ids[files[j].set];
		v[n++].added_ns = 0;
	}
	qsort(v, n, sizeof(*v), item_cmp);
	for (j = 0; j < n_live; j++) {
		int at = live[j].set < SG_MAX_SETS ? by_id[live[j].set] : -1;
		bool has_file = at >= 0 && sg_settings_set_file(s, at)[0];

		if (at < 0) {
			rep->dropped++;
			continue;
		}
		if (has_file && !(live[j].flags & SG_ENTRY_RUNTIME))
			continue; /* the file says what stays */
		if (bsearch(&live[j], v, n_files, sizeof(*v), item_cmp)) {
			if (live[j].flags & SG_ENTRY_RUNTIME)
				rep->runtime_shadowed++;
			continue;
		}
		v[n++] = live[j];
		if (live[j].flags & SG_ENTRY_RUNTIME)
			rep->runtime_kept++;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/*
 * Entries added to and removed from each set, by a merge walk over both
 * lists sorted by prefix (a prefix is in one set at most).
 */
static void sg_sets_diff(struct sg_set_item *was, size_t n_was,
			 struct sg_set_item *now, size_t n_now,
			 struct sg_sets_report *rep)
{
	size_t i = 0, j = 0;
	int d;

	qsort(was, n_was, sizeof(*was), item_cmp);
	qsort(now, n_now, sizeof(*now), item_cmp);
	while (i < n_was || j < n_now) {
		d = i == n_was	 ? 1
		    : j == n_now ? -1
				 : sg_cidr_cmp(&was[i].cidr, &now[j].cidr);
		if (d <= 0 && (d < 0 || was[i].set != now[j].set) &&
		    was[i].set < SG_MAX_SETS)
			rep->removed[was[i].set]++;
		if (d >= 0 && (d > 0 || was[i].set != now[j].set) &&
		    now[j].set < SG_MAX_SETS)
			rep->added[now[j].set]++;
		i += d <= 0;
		j += d >= 0;
	}
}

/* Before/after counts per id, for the report. */
static void sg_sets_count(const struct sg_set_item *v, size_t n, size_t *per)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].set < SG_MAX_SETS)
			per[v[i].set]++;
}

int sg_sets_apply(const struct sg_state *st, const struct sg_settings *s,
		  struct sg_set_item *files, size_t n_files,
		  struct sg_sets_report *rep)
{
	unsigned int n_sets = SG_SET_FIRST_NAMED + s->n_sets, i;
	struct sg_set_item *live = NULL, *v = NULL;
	size_t n_live = 0, n = 0;
	__u16 ids[SG_SET_FIRST_NAMED + SG_MAX_NAMED_SETS];
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = sg_sets_ensure(st);
	if (!ret)
		ret = sg_set_table_apply(st, s, ids);
	if (!ret)
		ret = sg_sets_dump(st, &live, &n_live);
	if (!ret)
		ret = sg_sets_merge(s, ids, files, n_files, live, n_live, &v,
				    &n, rep);
	if (!ret) {
		sg_sets_count(live, n_live, rep->before);
		sg_sets_count(v, n, rep->after);
		sg_sets_diff(live, n_live, v, n, rep);
		ret = sg_sets_install(st, v, n);
	}
	if (!ret)
		ret = sg_set_table_prune(st, ids, n_sets);
	for (i = 0; !ret && i < n_sets; i++)
		rep->ids[i] = ids[i];
	free(live);
	free(v);
	return ret;
}
