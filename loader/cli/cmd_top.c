// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard top`: the heaviest source prefixes in the tracking table. The
 * table may hold a million entries, so it is read in large batches and only
 * a bounded min-heap of the best N is kept, never a sort of the whole table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "report.h"
#include "core/mapread.h"

#define TOP_DEFAULT	20
#define TOP_MAX		100000
#define TOP_LEVEL_ALL	(-1) /* --level all */
#define TOP_LEVEL_STALE 2    /* prefix length of an earlier config */

static const char top_usage[] =
	"Usage: slotguard top [-n N] [--by packets|conns|drops]\n"
	"                     [--level source|subnet|all] [--json]\n"
	"\n"
	"The heaviest source prefixes the XDP program is tracking, with their\n"
	"packets, new connections and over-budget drops (or would-drops in\n"
	"monitor mode) since the entry was made. Each source is tracked at two\n"
	"levels: its own prefix (IPv4 /32, IPv6 /64 by default) and its subnet\n"
	"(/24, /48). Entries whose prefix length matches neither level of the\n"
	"current config are shown as \"stale\" (left from an earlier config).\n"
	"The table is LRU: quiet sources make room for new ones.\n"
	"\n"
	"Options:\n"
	"  -n, --limit N       show the top N (default 20, at most 100000)\n"
	"  -b, --by KEY        rank by packets (default), conns or drops\n"
	"  -l, --level LEVEL   source, subnet or all (default)\n"
	"  -j, --json          {\"tracked\", \"matched\", \"by\", \"level\",\n"
	"                      \"top\": [{\"prefix\", \"family\", \"level\",\n"
	"                      \"packets\", \"conns\", \"drops\"}]}\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples:\n"
	"  slotguard top\n"
	"  slotguard top -n 50 --by drops --level subnet\n"
	"  slotguard top --json | jq -r '.top[] | select(.drops > 0) | .prefix'\n";

enum top_by {
	TOP_BY_PACKETS,
	TOP_BY_CONNS,
	TOP_BY_DROPS,
	TOP_BY_COUNT,
};

struct top_item {
	struct sg_track_key key;
	int level; /* enum sg_level or TOP_LEVEL_STALE */
	__u64 metric;
	__u64 packets, conns, drops;
};

/* A min-heap of the best cap items: the root is the one to beat. */
struct top_heap {
	struct top_item *v;
	size_t n, cap;
	int by;	   /* enum top_by */
	int level; /* filter: enum sg_level or TOP_LEVEL_ALL */
	__u8 prefix_len[SG_FAMILY_COUNT][SG_LEVEL_COUNT];
	__u64 tracked; /* entries read */
	__u64 matched; /* of those, at the requested level */
};

static const char *const top_by_names[TOP_BY_COUNT] = { "packets", "conns",
							"drops" };
static const char *const top_level_names[] = { "source", "subnet", "stale" };

static bool top_less(const struct top_item *a, const struct top_item *b)
{
	if (a->metric != b->metric)
		return a->metric < b->metric;
	if (a->packets != b->packets)
		return a->packets < b->packets;
	/* Ties go to the lower address, so that runs agree with each other. */
	return memcmp(&a->key, &b->key, sizeof(a->key)) > 0;
}

static void top_swap(struct top_item *a, struct top_item *b)
{
	struct top_item t = *a;

	*a = *b;
	*b = t;
}

static void top_sift_up(struct top_heap *h, size_t i)
{
	while (i && top_less(&h->v[i], &h->v[(i - 1) / 2])) {
		top_swap(&h->v[i], &h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void top_sift_down(struct top_heap *h, size_t i)
{
	size_t least, child;

	for (;;) {
		least = i;
		child = 2 * i + 1;
		if (child < h->n && top_less(&h->v[child], &h->v[least]))
			least = child;
		if (child + 1 < h->n &&
		    top_less(&h->v[child + 1], &h->v[least]))
			least = child + 1;
		if (least == i)
			return;
		top_swap(&h->v[i], &h->v[least]);
		i = least;
	}
}

/* Level by prefix length: the config decides what /24 means. */
static int top_level_of(const struct top_heap *h, const struct sg_track_key *k)
{
	const __u8 *len = h->prefix_len[k->family & 1];

	/* The key says its level; a prefix the config no longer uses is old. */
	if (k->level < SG_LEVEL_COUNT && k->prefixlen == len[k->level])
		return k->level;
	return TOP_LEVEL_STALE;
}

static void top_offer(const struct sg_track_key *k, const struct sg_track *t,
		      void *arg)
{
	struct top_heap *h = arg;
	struct top_item it;

	if (k->family >= SG_FAMILY_COUNT)
		return;
	it.level = top_level_of(h, k);
	if (h->level != TOP_LEVEL_ALL && it.level != h->level)
		return;
	h->matched++;
	it.packets = t->packets;
	it.conns = t->conns;
	it.drops = t->drops;
	it.metric = h->by == TOP_BY_PACKETS ? it.packets
		    : h->by == TOP_BY_CONNS ? it.conns
					    : it.drops;
	it.key = *k;
	if (h->n == h->cap && !top_less(&h->v[0], &it))
		return;
	if (h->n < h->cap) {
		h->v[h->n] = it;
		top_sift_up(h, h->n++);
		return;
	}
	h->v[0] = it;
	top_sift_down(h, 0);
}

static int top_collect(const struct sg_state *st, struct top_heap *h)
{
	struct sg_config cfg;
	int ret;

	ret = sg_config_read(st, &cfg);
	if (ret)
		return ret;
	memcpy(h->prefix_len, cfg.prefix_len, sizeof(h->prefix_len));
	h->v = calloc(h->cap, sizeof(*h->v));
	if (!h->v)
		return -ENOMEM;
	return sg_track_walk(st->fds[SG_MAP_TRACK], top_offer, h, &h->tracked);
}

static int top_cmp_desc(const void *a, const void *b)
{
	const struct top_item *x = a, *y = b;

	if (top_less(x, y))
		return 1;
	return top_less(y, x) ? -1 : 0;
}

static void top_prefix(const struct top_item *it, char *buf, size_t len)
{
	struct sg_cidr c = {
		.family = it->key.family,
		.prefixlen = it->key.prefixlen,
	};

	memcpy(c.addr, it->key.addr, sizeof(it->key.addr));
	sg_format_cidr(&c, buf, len);
}

static void top_print_human(const struct top_heap *h)
{
	char prefix[64];
	size_t i;

	printf("%-43s  %-6s  %14s  %10s  %10s\n", "PREFIX", "LEVEL", "PACKETS",
	       "NEW CONNS", "DROPS");
	for (i = 0; i < h->n; i++) {
		top_prefix(&h->v[i], prefix, sizeof(prefix));
		printf("%-43s  %-6s  %14llu  %10llu  %10llu\n", prefix,
		       top_level_names[h->v[i].level],
		       (unsigned long long)h->v[i].packets,
		       (unsigned long long)h->v[i].conns,
		       (unsigned long long)h->v[i].drops);
	}
	printf("(%zu of %llu tracked prefixes at level %s, by %s)\n", h->n,
	       (unsigned long long)h->matched,
	       h->level == TOP_LEVEL_ALL ? "all" : top_level_names[h->level],
	       top_by_names[h->by]);
}

static void json_add(struct json_object *o, const char *key,
		     struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static void top_print_json(const struct top_heap *h)
{
	struct json_object *root = json_object_new_object(), *arr, *o;
	char prefix[64];
	size_t i;

	json_add(root, "tracked", json_object_new_uint64(h->tracked));
	json_add(root, "matched", json_object_new_uint64(h->matched));
	json_add(root, "by", json_object_new_string(top_by_names[h->by]));
	json_add(root, "level",
		 json_object_new_string(h->level == TOP_LEVEL_ALL
						? "all"
						: top_level_names[h->level]));
	arr = json_object_new_array();
	for (i = 0; i < h->n; i++) {
		o = json_object_new_object();
		top_prefix(&h->v[i], prefix, sizeof(prefix));
		json_add(o, "prefix", json_object_new_string(prefix));
		json_add(o, "family",
			 json_object_new_string(
				 sg_family_name(h->v[i].key.family)));
		json_add(
			o, "level",
			json_object_new_string(top_level_names[h->v[i].level]));
		json_add(o, "packets", json_object_new_uint64(h->v[i].packets));
		json_add(o, "conns", json_object_new_uint64(h->v[i].conns));
		json_add(o, "drops", json_object_new_uint64(h->v[i].drops));
		json_object_array_add(arr, o);
	}
	json_add(root, "top", arr);
	sg_json_print(root);
}

/* Index of text in names[n], or -1. */
static int top_pick(const char *text, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(text, names[i]))
			return i;
	return -1;
}

static int top_parse_args(int argc, char **argv, struct top_heap *h, bool *json)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ "level", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int c;

	while ((c = sg_getopt(argc, argv, "n:b:l:jh", opts)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    optarg[0] == '-' || !v || v > TOP_MAX) {
				sg_errorf("-n '%s' is not a whole number from "
					  "1 to %d",
					  optarg, TOP_MAX);
				return SG_EXIT_USAGE;
			}
			h->cap = v;
			break;
		case 'b':
			h->by = top_pick(optarg, top_by_names, TOP_BY_COUNT);
			if (h->by < 0) {
				sg_errorf("--by '%s': packets, conns or drops",
					  optarg);
				return SG_EXIT_USAGE;
			}
			break;
		case 'l':
			if (!strcmp(optarg, "all")) {
				h->level = TOP_LEVEL_ALL;
				break;
			}
			h->level = top_pick(optarg, top_level_names,
					    SG_LEVEL_COUNT);
			if (h->level < 0) {
				sg_errorf("--level '%s': source, subnet or all",
					  optarg);
				return SG_EXIT_USAGE;
			}
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			fputs(top_usage, stdout);
			return -1;
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}

int sg_cmd_top(int argc, char **argv)
{
	struct top_heap h = { .cap = TOP_DEFAULT, .level = TOP_LEVEL_ALL };
	struct sg_state st;
	bool json = false;
	int rc, ret;

	rc = top_parse_args(argc, argv, &h, &json);
	if (rc)
		return rc < 0 ? SG_EXIT_OK : rc;
	rc = sg_cli_open(&st, false);
	if (rc)
		return rc;
	ret = top_collect(&st, &h);
	sg_state_close(&st);
	if (ret) {
		sg_errorf("reading the tracking table in %s: %s",
			  sg_cli.pin_dir, strerror(-ret));
		free(h.v);
		return SG_EXIT_FAIL;
	}
	qsort(h.v, h.n, sizeof(*h.v), top_cmp_desc);
	if (json)
		top_print_json(&h);
	else
		top_print_human(&h);
	free(h.v);
	return SG_EXIT_OK;
}
