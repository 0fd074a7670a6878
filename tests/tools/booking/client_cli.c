// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking people and bot: their options, and the JSON line each prints
 * when the round is over (client.c runs them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "tool.h"
#include "booking.h"

static void client_print(const struct client *cl)
{
	printf("{\"attempts\":%lu,\"booked\":%lu,\"full\":%lu,\"early\":%lu,"
	       "\"other\":%lu,\"failed\":%lu,\"first_booked_ms\":%lld",
	       cl->attempts, cl->booked, cl->full, cl->early, cl->other,
	       cl->failed, cl->first_booked_ms);
	if (!cl->is_bot)
		printf(",\"persons\":%u,\"persons_booked\":%lu,"
		       "\"page_loads\":%lu,\"pages_failed\":%lu",
		       cl->n_persons, cl->persons_booked, cl->page_loads,
		       cl->pages_failed);
	else
		printf(",\"sources\":%u", cl->n_sources);
	printf("}\n");
	if (cl->first_error[0])
		fprintf(stderr, "sg_booking: first error: %s\n",
			cl->first_error);
}

static int client_parse_to(struct client *cl, const char *list, int port)
{
	char copy[128], *tok, *save = NULL;
	struct sockaddr_storage ss;
	socklen_t len;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (sg_tool_parse_addr(tok, port, &ss, &len))
			return -EINVAL;
		if (ss.ss_family == AF_INET6) {
			cl->to6 = ss;
			cl->to6_len = len;
		} else {
			cl->to4 = ss;
			cl->to4_len = len;
		}
	}
	return 0;
}

static int client_parse_sources(struct client *cl, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (cl->n_sources >= BOOKING_MAX_SOURCES ||
		    sg_tool_parse_addr(tok, 0, &cl->sources[cl->n_sources],
				       &cl->source_lens[cl->n_sources])) {
			fprintf(stderr, "sg_booking: bad source '%s'\n", tok);
			ret = -EINVAL;
			break;
		}
		cl->n_sources++;
	}
	free(copy);
	return ret;
}

/* Every source needs a service address of its family. */
static bool client_families_ok(const struct client *cl)
{
	unsigned int i;

	for (i = 0; i < cl->n_sources; i++) {
		if (cl->sources[i].ss_family == AF_INET6 ? !cl->to6_len
							 : !cl->to4_len)
			return false;
	}
	return cl->n_sources > 0;
}

/* What the command line says before it becomes the client. */
struct client_args {
	const char *to, *sources;
	long long port, open_at, stop_at, seed;
};

/* One option into cl or a; 0, or -EINVAL for a bad value. */
static int client_option(struct client *cl, struct client_args *a, int c,
			 const char *v)
{
	switch (c) {
	case 't':
		a->to = v;
		return 0;
	case 'S':
		a->sources = v;
		return 0;
	case 'p':
		return sg_tool_parse_int(v, 1, 65535, &a->port);
	case 'o':
		return sg_tool_parse_int(v, 0, INT64_MAX / 2, &a->open_at);
	case 'e':
		return sg_tool_parse_int(v, 0, INT64_MAX / 2, &a->stop_at);
	case 's':
		return sg_tool_parse_int(v, 1, INT64_MAX, &a->seed);
	case 'r':
		return !cl->is_bot || sg_tool_parse_rate(v, &cl->gap_us)
			       ? -EINVAL
			       : 0;
	case 'T':
		return sg_tool_parse_int(v, 1, 600000, &cl->timeout_ms);
	case 'a':
		return parse_range(v, cl->arrive);
	case 'k':
		return parse_range(v, cl->think) || cl->think[0] < 0 ? -EINVAL
								     : 0;
	case 'R':
		return parse_range(v, cl->retry) || cl->retry[0] < 1 ? -EINVAL
								     : 0;
	case 'P':
		return cl->is_bot || sg_tool_parse_int(v, 1,
						       BOOKING_MAX_PERSONS,
						       &cl->per_source)
			       ? -EINVAL
			       : 0;
	case 'K':
		cl->stacks = true;
		return 0;
	}
	return -EINVAL;
}

/* Addresses and times from the arguments; 0, or 2 after a message. */
static int client_setup(struct client *cl, const struct client_args *a)
{
	if (!a->to || !a->sources || a->open_at < 0 ||
	    a->stop_at < a->open_at || (cl->is_bot && !cl->gap_us) ||
	    client_parse_to(cl, a->to, a->port) ||
	    client_parse_sources(cl, a->sources) ||
	    cl->n_sources * cl->per_source > BOOKING_MAX_PERSONS)
		return -EINVAL;
	cl->n_persons = cl->n_sources * cl->per_source;
	if (!client_families_ok(cl)) {
		fputs("sg_booking: a source has no --to address of its family\n",
		      stderr);
		return 2;
	}
	rng_state ^= (uint64_t)a->seed * 0x100000001b3ULL;
	cl->open_ms = epoch_to_mono_ms(a->open_at);
	cl->stop_ms = epoch_to_mono_ms(a->stop_at);
	return 0;
}

int cmd_client(int argc, char **argv, int is_bot)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "sources", required_argument, NULL, 'S' },
		{ "open-at", required_argument, NULL, 'o' },
		{ "stop-at", required_argument, NULL, 'e' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "arrive-ms", required_argument, NULL, 'a' },
		{ "think-ms", required_argument, NULL, 'k' },
		{ "retry-ms", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 's' },
		{ "per-source", required_argument, NULL, 'P' },
		{ "stacks", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client_args a = {
		.port = 80, .open_at = -1, .stop_at = -1, .seed = 1
	};
	struct sigaction sa = { .sa_handler = booking_on_signal };
	static struct client cl;
	int c, ret;

	cl.is_bot = is_bot;
	cl.timeout_ms = is_bot ? 1000 : 5000;
	cl.arrive[0] = -3000, cl.arrive[1] = 5000;
	cl.think[0] = 2000, cl.think[1] = 4000;
	cl.retry[0] = 3000, cl.retry[1] = 6000;
	cl.first_booked_ms = -1;
	cl.per_source = 1;
	while ((c = getopt_long(argc, argv, "t:p:S:o:e:r:T:a:k:R:s:P:Kh", opts,
				NULL)) != -1) {
		if (c == 'h') {
			fputs(booking_usage, stdout);
			return 0;
		}
		if (client_option(&cl, &a, c, optarg))
			goto bad_usage;
	}
	ret = optind != argc ? -EINVAL : client_setup(&cl, &a);
	if (ret == 2)
		return 2;
	if (ret)
		goto bad_usage;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sg_tool_raise_fd_limit();
	if (client_run(&cl)) {
		perror("sg_booking: poll");
		return 1;
	}
	client_print(&cl);
	return 0;
bad_usage:
	fprintf(stderr, "sg_booking %s: bad or missing options; see --help\n",
		is_bot ? "bot" : "people");
	return 2;
}
