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
#include "cli/cli.h"
#include "cli/report.h"
#include "core/mapread.h"
#include "top.h"

#define TOP_DEFAULT	20
#define TOP_MAX		100000
#define TOP_LEVEL_ALL	(-1) /* --level all */
#define TOP_LEVEL_STALE 2    /* prefix length of an earlier config */

static const char top_usage[] =
	"Usage: slotguard top [-n N] [--by packets|conns|requests|drops|excess]\n"
	"                     [--level source|subnet|all] [--shared] [--sets]\n"
	"                     [--json]\n"
	"\n"
	"The heaviest source prefixes the XDP program is tracking, with their\n"
	"packets, new connections, requests and over-budget drops (or\n"
	"would-drops in monitor mode) in the current violation window ([ban]\n"
	"window, 60 s by default), their rate over it, and their excess: the\n"
	"observed rate over the budget's, for the budget they exceed most (a\n"
	"source is banned at [ban] min_excess, 5 by default; below it, it is\n"
	"only limited). Each source is tracked at two levels: its own prefix\n"
	"(IPv4 /32, IPv6 /64 by default) and its subnet (/24, /48). Entries\n"
	"whose prefix matches neither level of the config are \"stale\". A\n"
	"source whose SYNs came from three or more kinds of TCP stacks (TTL,\n"
	"window, options) is marked \"shared\": likely many hosts behind one\n"
	"address, such as a carrier NAT. The table is LRU: quiet sources make\n"
	"room for new ones.\n"
	"\n"
	"Options:\n"
	"  -n, --limit N       show the top N (default 20, at most 100000)\n"
	"  -b, --by KEY        rank by packets (default), conns, requests,\n"
	"                      drops or excess\n"
	"  -l, --level LEVEL   source, subnet or all (default)\n"
	"  -s, --shared        only sources marked shared\n"
	"  -S, --sets          the limit sets' shared budgets instead\n"
	"  -j, --json          {\"tracked\", \"matched\", \"by\", \"level\",\n"
	"                      \"top\": [{\"prefix\", \"family\", \"level\", \"set\",\n"
	"                      \"packets\", \"conns\", \"requests\", \"drops\",\n"
	"                      \"window_seconds\", \"excess\", \"shared\",\n"
	"                      \"stacks\"}]}\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples:\n"
	"  slotguard top\n"
	"  slotguard top -n 50 --by excess --level source\n"
	"  slotguard top --shared --json | jq -r '.top[].prefix' > nat.txt\n";

enum top_by {
	TOP_BY_PACKETS,
	TOP_BY_CONNS,
	TOP_BY_REQUESTS,
	TOP_BY_DROPS,
	TOP_BY_EXCESS,
	TOP_BY_COUNT,
};

struct top_item {
	struct sg_prefix_key key;
	int level; /* enum sg_level or TOP_LEVEL_STALE */
	__u64 metric;
	__u64 packets, conns, requests, drops;
	__u32 window_ms;    /* how long the counts were counted */
	__u32 excess_milli; /* observed / limit of the worst budget, x1000 */
	__u16 set;
	__u8 stacks; /* distinct SYN signatures seen */
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
	bool shared_only;
	bool sets_view; /* --sets */
	struct sg_config cfg;
	__u32 now_ms; /* sg clock, as the program keeps it */
	struct sg_set_conf sets[SG_MAX_SETS];
};

static const char *const top_by_names[TOP_BY_COUNT] = { "packets", "conns",
							"requests", "drops",
							"excess" };
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
static int top_level_of(const struct top_heap *h, const struct sg_prefix_key *k)
{
	const __u8 *len = h->prefix_len[k->family & 1];

	/* The key says its level; a prefix the config no longer uses is old. */
	if (k->level < SG_LEVEL_COUNT && k->prefixlen == len[k->level])
		return k->level;
	return TOP_LEVEL_STALE;
}

/* Observed rate over the budget's, x1000, for the worst budget. */
static __u32 top_excess(const struct sg_budget *b, const struct top_item *it)
{
	const __u64 counts[SG_BUDGET_KIND_COUNT] = {
		[SG_BUDGET_CONN] = it->conns,
		[SG_BUDGET_PACKET] = it->packets,
		[SG_BUDGET_QUOTA] = it->conns,
		[SG_BUDGET_REQUEST] = it->requests,
		[SG_BUDGET_REQUEST_QUOTA] = it->requests,
	};
	__u64 ms = it->window_ms < 1000 ? 1000 : it->window_ms, worst = 0, x;
	unsigned int k;

	for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
		if (!b[k].interval_ns)
			continue;
		/* (count / s) / (1e9 / interval) = count * interval / (ms e6)
		 */
		x = counts[k] * b[k].interval_ns / ms / 1000;
		if (x > worst)
			worst = x;
	}
	return worst > 0xffffffffULL ? 0xffffffffU : (__u32)worst;
}

static int popcount16(__u16 v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static void top_fill(const struct top_heap *h, const struct sg_track *t,
		     struct top_item *it)
{
	const struct sg_budget *b = h->cfg.budget[it->level & 1];
	__u32 age = h->now_ms - t->window_start_ms;

	/* A window past its end is an idle source: nothing counted now. */
	if ((__u64)age * 1000000ULL <= h->cfg.ban_window_ns) {
		it->packets = t->window_packets;
		it->conns = t->window_conns;
		it->requests = t->window_requests;
		it->drops = t->violations;
		it->window_ms = age;
	}
	it->set = t->set;
	it->stacks = (__u8)popcount16(t->signatures);
	if (it->level == SG_LEVEL_SOURCE && t->set < SG_MAX_SETS &&
	    (h->sets[t->set].flags & SG_SET_MEMBER_BUDGETS))
		b = h->sets[t->set].member_budget;
	if (it->level != TOP_LEVEL_STALE)
		it->excess_milli = top_excess(b, it);
}

static void top_offer(const struct sg_prefix_key *k, const struct sg_track *t,
		      void *arg)
{
	struct top_heap *h = arg;
	struct top_item it = {};

	if (k->family >= SG_FAMILY_COUNT)
		return;
	it.level = top_level_of(h, k);
	if (h->level != TOP_LEVEL_ALL && it.level != h->level)
		return;
	top_fill(h, t, &it);
	if (h->shared_only && it.stacks < 3)
		return;
	h->matched++;
	it.metric = h->by == TOP_BY_PACKETS    ? it.packets
		    : h->by == TOP_BY_CONNS    ? it.conns
		    : h->by == TOP_BY_REQUESTS ? it.requests
		    : h->by == TOP_BY_DROPS    ? it.drops
					       : it.excess_milli;
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

	__u32 id;

	ret = sg_config_read(st, &cfg);
	if (ret)
		return ret;
	h->cfg = cfg;
	h->now_ms = (__u32)(sg_state_now(st) / 1000000ULL);
	for (id = 0; id < SG_MAX_SETS; id++)
		if (sg_set_conf_read(st, id, &h->sets[id]))
			memset(&h->sets[id], 0, sizeof(h->sets[id]));
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

static const char *top_set_name(const struct top_heap *h,
				const struct top_item *it)
{
	if (!it->set || it->set >= SG_MAX_SETS || !h->sets[it->set].name[0])
		return "-";
	return h->sets[it->set].name;
}

static void top_print_human(const struct top_heap *h)
{
	char prefix[64], excess[24];
	size_t i;

	printf("%-43s  %-6s  %10s  %8s  %8s  %8s  %7s  %6s  %s\n", "PREFIX",
	       "LEVEL", "PACKETS", "CONNS", "REQUESTS", "DROPS", "EXCESS",
	       "STACKS", "SET");
	for (i = 0; i < h->n; i++) {
		const struct top_item *it = &h->v[i];

		top_prefix(it, prefix, sizeof(prefix));
		snprintf(excess, sizeof(excess), "%.1fx",
			 it->excess_milli / 1e3);
		printf("%-43s  %-6s  %10llu  %8llu  %8llu  %8llu  %7s  %4u%s  %s\n",
		       prefix, top_level_names[it->level],
		       (unsigned long long)it->packets,
		       (unsigned long long)it->conns,
		       (unsigned long long)it->requests,
		       (unsigned long long)it->drops, excess, it->stacks,
		       it->stacks >= 3 ? " S" : "  ", top_set_name(h, it));
	}
	printf("(%zu of %llu tracked prefixes at level %s, by %s; counts are "
	       "of the current window; S: likely shared address)\n",
	       h->n, (unsigned long long)h->matched,
	       h->level == TOP_LEVEL_ALL ? "all" : top_level_names[h->level],
	       top_by_names[h->by]);
}

static void json_add(struct json_object *o, const char *key,
		     struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *top_item_json(const struct top_heap *h,
					 const struct top_item *it)
{
	struct json_object *o = json_object_new_object();
	char prefix[64], excess[24];
	const char *set = top_set_name(h, it);

	top_prefix(it, prefix, sizeof(prefix));
	json_add(o, "prefix", json_object_new_string(prefix));
	json_add(o, "family",
		 json_object_new_string(sg_family_name(it->key.family)));
	json_add(o, "level",
		 json_object_new_string(top_level_names[it->level]));
	json_add(o, "set",
		 strcmp(set, "-") ? json_object_new_string(set) : NULL);
	json_add(o, "packets", json_object_new_uint64(it->packets));
	json_add(o, "conns", json_object_new_uint64(it->conns));
	json_add(o, "requests", json_object_new_uint64(it->requests));
	json_add(o, "drops", json_object_new_uint64(it->drops));
	json_add(o, "window_seconds",
		 sg_json_seconds((__u64)it->window_ms * 1000000ULL));
	snprintf(excess, sizeof(excess), "%u.%03u", it->excess_milli / 1000,
		 it->excess_milli % 1000);
	json_add(o, "excess",
		 json_object_new_double_s(it->excess_milli / 1e3, excess));
	json_add(o, "shared", json_object_new_boolean(it->stacks >= 3));
	json_add(o, "stacks", json_object_new_int(it->stacks));
	return o;
}

static void top_print_json(const struct top_heap *h)
{
	struct json_object *root = json_object_new_object(), *arr;
	size_t i;

	json_add(root, "tracked", json_object_new_uint64(h->tracked));
	json_add(root, "matched", json_object_new_uint64(h->matched));
	json_add(root, "by", json_object_new_string(top_by_names[h->by]));
	json_add(root, "level",
		 json_object_new_string(h->level == TOP_LEVEL_ALL
						? "all"
						: top_level_names[h->level]));
	arr = json_object_new_array();
	for (i = 0; i < h->n; i++)
		json_object_array_add(arr, top_item_json(h, &h->v[i]));
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
		{ "shared", no_argument, NULL, 's' },
		{ "sets", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int c;

	while ((c = sg_getopt(argc, argv, "n:b:l:sSjh", opts)) != -1) {
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
				sg_errorf(
					"--by '%s': packets, conns, requests, "
					"drops or excess",
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
		case 's':
			h->shared_only = true;
			break;
		case 'S':
			h->sets_view = true;
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
	if (h.sets_view) {
		rc = sg_top_sets(&st, json);
		sg_state_close(&st);
		return rc;
	}
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
