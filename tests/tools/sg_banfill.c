// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_banfill: bans a run of consecutive IPv4 /32 sources through the loader
 * core (sg_ban_add, what `slotguard ban add` calls), under one lock, so that
 * the benchmarks can measure a banned frame with up to a million active
 * bans without a million CLI processes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "tool.h"

#define BANFILL_MAX (1LL << 24)

static const char usage[] =
	"Usage: sg_banfill --pin-dir DIR --src ADDR --count N [options]\n"
	"\n"
	"Ban the IPv4 addresses ADDR+SKIP ... ADDR+SKIP+N-1, each as a /32\n"
	"manual ban, in the slotguard state pinned under DIR.\n"
	"\n"
	"  --pin-dir DIR     slotguard's pin directory\n"
	"  --src ADDR        first address of the run\n"
	"  --skip K          start K addresses after ADDR (default 0)\n"
	"  --count N         how many to ban (1 to 2^24)\n"
	"  --for DURATION    ban length (default 1h)\n"
	"  --json            one JSON object instead of text\n"
	"\n"
	"Prints how many were added and how long it took. Exit 0 when all\n"
	"were added, 1 when one failed (the table full, say: what was added\n"
	"stays), 2 on bad usage.\n";

struct fill_opts {
	const char *pin_dir;
	__u32 first; /* host byte order */
	__u32 count;
	__u64 duration_ns;
	int json;
};

static int bad_usage(const char *what, const char *value)
{
	if (value && *value)
		fprintf(stderr, "sg_banfill: %s '%s'\n%s", what, value, usage);
	else
		fprintf(stderr, "sg_banfill: %s\n%s", what, usage);
	return 2;
}

static int parse_args(int argc, char **argv, struct fill_opts *o)
{
	static const struct option longs[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "src", required_argument, NULL, 's' },
		{ "skip", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		{ "for", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	long long skip = 0, count = 0;
	char why[SG_ERR_LEN];
	struct in_addr a;
	int c, have_src = 0;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->pin_dir = optarg;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return bad_usage("--src is an IPv4 address:",
						 optarg);
			o->first = ntohl(a.s_addr);
			have_src = 1;
			break;
		case 'k':
			if (sg_tool_parse_int(optarg, 0, BANFILL_MAX, &skip))
				return bad_usage("--skip is 0 to 2^24:",
						 optarg);
			break;
		case 'n':
			if (sg_tool_parse_int(optarg, 1, BANFILL_MAX, &count))
				return bad_usage("--count is 1 to 2^24:",
						 optarg);
			break;
		case 'f':
			if (sg_parse_duration(optarg, &o->duration_ns, why,
					      sizeof(why)) ||
			    !o->duration_ns)
				return bad_usage("--for is a duration above 0:",
						 optarg);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	if (!o->pin_dir || !have_src || !count)
		return bad_usage("--pin-dir, --src and --count are needed",
				 NULL);
	if ((__u64)o->first + skip + count > 0x100000000ULL)
		return bad_usage("--src + --skip + --count goes past "
				 "255.255.255.255",
				 NULL);
	o->first += skip;
	o->count = count;
	return 0;
}

int main(int argc, char **argv)
{
	struct fill_opts o = { .duration_ns = 3600ULL * 1000000000ULL };
	struct sg_ban_spec spec = { .note = "bench" };
	char err[SG_ERR_LEN], text[64];
	struct sg_cidr *c;
	struct sg_state st;
	size_t added = 0;
	__u32 i, addr;
	int64_t start;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	ret = sg_state_open(&st, o.pin_dir, 0, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "sg_banfill: %s\n", err);
		return 1;
	}
	ret = sg_state_lock(&st, 5000);
	if (ret) {
		fprintf(stderr, "sg_banfill: cannot lock %s: %s\n", o.pin_dir,
			strerror(-ret));
		sg_state_close(&st);
		return 1;
	}
	c = calloc(o.count ? o.count : 1, sizeof(*c));
	if (!c) {
		sg_state_close(&st);
		return 1;
	}
	for (i = 0; i < o.count; i++) {
		c[i].family = SG_FAMILY_V4;
		c[i].prefixlen = 32;
		addr = htonl(o.first + i);
		memcpy(c[i].addr, &addr, 4);
	}
	spec.duration_ns = o.duration_ns;
	start = sg_tool_mono_us();
	ret = sg_ban_add_many(&st, c, o.count, &spec, &added);
	sg_state_close(&st);
	if (ret) {
		sg_format_cidr(&c[added], text, sizeof(text));
		fprintf(stderr, "sg_banfill: ban add %s: %s%s (%zu added)\n",
			text, strerror(-ret),
			ret == -ENOSPC || ret == -E2BIG
				? " (the ban table is full)"
				: "",
			added);
	}
	if (o.json)
		printf("{\"added\": %zu, \"seconds\": %.3f}\n", added,
		       (sg_tool_mono_us() - start) / 1e6);
	else
		printf("added %zu bans in %.3f s\n", added,
		       (sg_tool_mono_us() - start) / 1e6);
	free(c);
	return ret ? 1 : 0;
}
