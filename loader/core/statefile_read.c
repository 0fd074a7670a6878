// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading the state file back at start, and putting its bans and runtime
 * set entries into fresh maps: end times moved from the wall clock to the
 * sg clock, bans whose memory ended while nothing ran left out, entries of
 * sets the config no longer has or whose prefix a file now names skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "sg.h"
#include "statefile.h"

static __u64 sg_unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 get_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v)
						     : 0;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int sg_reason_id(const char *name)
{
	unsigned int r;

	for (r = 0; name && r < 256; r++)
		if (!strcmp(sg_reason_name(r), name))
			return (int)r;
	return -1;
}

static bool read_ban(struct json_object *o, struct sg_ban_entry *e)
{
	const char *prefix = get_str(o, "prefix"), *note = get_str(o, "note");
	int reason = sg_reason_id(get_str(o, "budget"));
	char why[128];

	memset(e, 0, sizeof(*e));
	if (!prefix || reason < 0 ||
	    sg_parse_cidr(prefix, &e->cidr, why, sizeof(why)))
		return false;
	e->ban.since_ns = get_u64(o, "since_unix_ns");
	e->ban.until_ns = get_u64(o, "until_unix_ns");
	e->ban.offences = (__u16)get_u64(o, "offences");
	e->ban.reason = (__u8)reason;
	e->ban.flags = (__u8)get_u64(o, "flags");
	e->ban.level = (__u8)get_u64(o, "level");
	e->ban.origin = (__u16)get_u64(o, "origin");
	e->ban.observed_milli = (__u32)get_u64(o, "observed_milli");
	e->ban.limit_milli = (__u32)get_u64(o, "limit_milli");
	e->ban.prefixlen = e->cidr.prefixlen;
	if (note)
		snprintf(e->note, sizeof(e->note), "%s", note);
	return e->ban.until_ns != 0;
}

static bool read_entry(struct json_object *o, struct sg_saved_entry *e)
{
	const char *prefix = get_str(o, "prefix"), *set = get_str(o, "set");
	char why[128];

	memset(e, 0, sizeof(*e));
	if (!prefix || !set || strlen(set) >= sizeof(e->set) ||
	    sg_parse_cidr(prefix, &e->cidr, why, sizeof(why)))
		return false;
	strcpy(e->set, set);
	e->added_unix_ns = get_u64(o, "added_unix_ns");
	return true;
}

static int read_arrays(struct json_object *root, struct sg_saved_state *s)
{
	struct json_object *bans, *entries;
	size_t i, nb, ne;

	if (!json_object_object_get_ex(root, "bans", &bans) ||
	    !json_object_is_type(bans, json_type_array) ||
	    !json_object_object_get_ex(root, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array))
		return -EINVAL;
	nb = json_object_array_length(bans);
	ne = json_object_array_length(entries);
	s->bans = calloc(nb + 1, sizeof(*s->bans));
	s->entries = calloc(ne + 1, sizeof(*s->entries));
	if (!s->bans || !s->entries)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		if (read_ban(json_object_array_get_idx(bans, i),
			     &s->bans[s->n_bans]))
			s->n_bans++;
		else
			s->skipped++;
	for (i = 0; i < ne; i++)
		if (read_entry(json_object_array_get_idx(entries, i),
			       &s->entries[s->n_entries]))
			s->n_entries++;
		else
			s->skipped++;
	return 0;
}

int sg_saved_state_read(const char *dir, struct sg_saved_state *s, char *err,
			size_t err_len)
{
	char path[PATH_MAX + 32];
	struct json_object *root;
	const char *format;
	int ret;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/" SG_STATE_FILE, dir);
	if (access(path, F_OK))
		return -errno;
	root = json_object_from_file(path);
	format = root ? get_str(root, "format") : NULL;
	if (!format || strcmp(format, "slotguard-state") ||
	    get_u64(root, "version") != 1) {
		snprintf(err, err_len,
			 "%s: not a slotguard state file of version 1%s%s",
			 path, root ? "" : ": ",
			 root ? "" : json_util_get_last_err());
		json_object_put(root);
		return -EINVAL;
	}
	s->written_unix_ns = get_u64(root, "written_unix_ns");
	ret = read_arrays(root, s);
	json_object_put(root);
	if (ret) {
		snprintf(err, err_len, "%s: %s", path,
			 ret == -ENOMEM ? "out of memory"
					: "no \"bans\" or \"entries\" array");
		sg_saved_state_free(s);
	}
	return ret;
}

/* Bans on the sg clock; those past their memory are forgotten. */
static int restore_bans(const struct sg_state *st,
			const struct sg_saved_state *s,
			struct sg_restore_report *rep)
{
	__u64 now_sg = sg_state_now(st), now_unix = sg_unix_now_ns();
	struct sg_ban_entry *v = calloc(s->n_bans + 1, sizeof(*v));
	struct sg_config cfg;
	size_t i, n = 0;
	__s64 shift = (__s64)now_sg - (__s64)now_unix, at;
	int ret = v ? sg_config_read(st, &cfg) : -ENOMEM;

	for (i = 0; !ret && i < s->n_bans; i++) {
		const struct sg_ban *b = &s->bans[i].ban;

		if (b->until_ns <= now_unix &&
		    now_unix - b->until_ns >= cfg.ban_memory_ns) {
			rep->bans_forgotten++;
			continue;
		}
		v[n] = s->bans[i];
		at = (__s64)b->until_ns + shift;
		v[n].ban.until_ns = at > 0 ? (__u64)at : 1;
		at = (__s64)b->since_ns + shift;
		v[n].ban.since_ns = at > 0 ? (__u64)at : 1;
		rep->bans_active += b->until_ns > now_unix;
		n++;
	}
	if (!ret)
		ret = sg_ban_restore(st, v, n, &rep->bans);
	free(v);
	return ret;
}

static int item_cmp(const void *a, const void *b)
{
	const struct sg_set_item *x = a, *y = b;

	return sg_cidr_cmp(&x->cidr, &y->cidr);
}

/* Runtime entries beside what the files put in, one trie swap. */
static int restore_entries(const struct sg_state *st,
			   const struct sg_saved_state *s,
			   struct sg_restore_report *rep)
{
	struct sg_set_item *items = NULL, *grown, key;
	size_t n = 0, live, i;
	int ret, id;

	ret = sg_sets_dump(st, &items, &n);
	grown = ret ? NULL
		    : realloc(items, (n + s->n_entries + 1) * sizeof(*items));
	if (!ret && !grown)
		ret = -ENOMEM;
	if (grown)
		items = grown;
	live = n;
	if (!ret)
		qsort(items, live, sizeof(*items), item_cmp);
	for (i = 0; !ret && i < s->n_entries; i++) {
		id = sg_set_id(st, s->entries[i].set);
		key.cidr = s->entries[i].cidr;
		if (id < 0) {
			rep->entries_set_gone++;
			continue;
		}
		if (bsearch(&key, items, live, sizeof(*items), item_cmp)) {
			rep->entries_shadowed++;
			continue;
		}
		items[n++] = (struct sg_set_item){
			.cidr = s->entries[i].cidr,
			.set = (__u16)id,
			.flags = SG_ENTRY_RUNTIME,
			.added_ns = s->entries[i].added_unix_ns,
		};
		rep->entries++;
	}
	if (!ret && rep->entries)
		ret = sg_sets_install(st, items, n);
	free(items);
	return ret;
}

int sg_saved_state_restore(const struct sg_state *st,
			   const struct sg_saved_state *s,
			   struct sg_restore_report *rep)
{
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = restore_bans(st, s, rep);
	return ret ? ret : restore_entries(st, s, rep);
}
