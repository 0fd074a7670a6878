// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_traffic: the integration tests' booking service and its clients.
 * `serve` answers every TCP connection with one line and closes it;
 * `connect` opens connections at a fixed rate, many in flight at once, and
 * counts which got the line back. A dropped SYN must fail within the
 * connect timeout, not after the kernel's seconds of SYN retries.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "tool.h"

#define TRAFFIC_LINE	       "slotguard-test: booked\n"
#define TRAFFIC_MAX_SOURCES    256
#define TRAFFIC_MAX_INFLIGHT   4000
#define TRAFFIC_LISTEN_BACKLOG 4096

static const char usage[] =
	"Usage: sg_traffic serve --port P [--bind ADDR]\n"
	"       sg_traffic connect --to ADDR --port P --count N --rate R/s\n"
	"                          [--timeout-ms T] [--source ADDR]\n"
	"                          [--sources A1,A2,...] [--json]\n"
	"\n"
	"The TCP service and clients of slotguard's integration tests.\n"
	"\n"
	"serve      listen on PORT (IPv4 and IPv6 on ::, or only ADDR with\n"
	"           --bind), answer each connection with one line, close it.\n"
	"           Prints 'listening ADDR PORT' once ready; on SIGTERM or\n"
	"           SIGINT prints 'served N' and exits 0.\n"
	"\n"
	"connect    open COUNT connections to ADDR:PORT, one every 1/RATE\n"
	"           (RATE as 50/s, 600/m, 100 (per second) or 'max'), many in\n"
	"           flight at once. A connection succeeds when the server's\n"
	"           line arrives within the timeout (default 300 ms, counted\n"
	"           from the connect). SYN retries are cut to one, so a\n"
	"           dropped SYN is a fast failure.\n"
	"  --source ADDR       bind every connection to ADDR\n"
	"  --sources A,B,...   bind connections round-robin to these\n"
	"                      addresses (a bot spread over a subnet)\n"
	"  --json              print one JSON object instead of text\n"
	"  Prints attempted, succeeded, failed (split into timeout, refused,\n"
	"  reset, error) and the elapsed time. Exit 0 when the run completed\n"
	"  (whatever the failures), 1 on a setup failure, 2 on bad usage.\n"
	"\n"
	"Examples:\n"
	"  sg_traffic serve --port 8443 &\n"
	"  sg_traffic connect --to 10.200.1.1 --port 8443 --count 200 "
	"--rate 100/s --json\n"
	"  sg_traffic connect --to fd00:5a:2::1 --port 8443 --count 50 "
	"--rate 20/s \\\n"
	"      --sources fd00:5a:2::10,fd00:5a:2::11\n";

static volatile sig_atomic_t traffic_stop;

static void traffic_on_signal(int sig)
{
	traffic_stop = 1;
}

static int parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	if (errno || end == text || *end || *out > max || text[0] == '-')
		return -EINVAL;
	return 0;
}

/* ---- serve ---------------------------------------------------------- */

static int serve_listen(const char *bind_addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	if (sg_tool_parse_addr(bind_addr ? bind_addr : "::", port, &ss, &len)) {
		fprintf(stderr, "sg_traffic: serve: '%s' is not an address\n",
			bind_addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Without --bind, one socket serves both families. */
	if (ss.ss_family == AF_INET6 && !bind_addr)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, TRAFFIC_LISTEN_BACKLOG)) {
		int e = errno;

		fprintf(stderr, "sg_traffic: serve: port %u: %s\n", port,
			strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* Accept whatever is queued; answer and close each at once. */
static unsigned long serve_drain(int lfd)
{
	unsigned long served = 0;
	int cfd;

	for (;;) {
		cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			break;
		/* A fresh socket's send buffer always takes one line. */
		if (send(cfd, TRAFFIC_LINE, strlen(TRAFFIC_LINE),
			 MSG_NOSIGNAL) > 0)
			served++;
		close(cfd);
	}
	return served;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bind_addr = NULL;
	unsigned long port = 0, served = 0;
	struct sigaction sa = { .sa_handler = traffic_on_signal };
	struct pollfd pfd;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "p:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, 65535, &port) || !port)
				goto bad_usage;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!port || optind != argc)
		goto bad_usage;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = serve_listen(bind_addr, port);
	if (lfd < 0)
		return 1;
	printf("listening %s %lu\n", bind_addr ? bind_addr : "::", port);
	fflush(stdout);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!traffic_stop) {
		if (poll(&pfd, 1, 1000) > 0)
			served += serve_drain(lfd);
	}
	close(lfd);
	printf("served %lu\n", served);
	return 0;
bad_usage:
	fputs("sg_traffic serve: need --port P (1-65535); see --help\n",
	      stderr);
	return 2;
}

/* ---- connect -------------------------------------------------------- */

enum conn_state {
	CONN_FREE = 0,
	CONN_CONNECTING,
	CONN_READING,
};

struct conn {
	int fd;
	enum conn_state state;
	uint64_t deadline_ms;
	size_t got; /* bytes of the line read so far */
};

struct connect_opts {
	struct sockaddr_storage to;
	socklen_t to_len;
	struct sockaddr_storage sources[TRAFFIC_MAX_SOURCES];
	socklen_t source_lens[TRAFFIC_MAX_SOURCES];
	unsigned int n_sources;
	unsigned long count;
	int64_t gap_us;
	unsigned long timeout_ms;
	bool json;
};

struct connect_result {
	unsigned long attempted, succeeded;
	unsigned long timeouts, refused, resets, errors;
	uint64_t elapsed_ms;
	char first_error[160];
};

static void result_error(struct connect_result *r, const char *what, int e)
{
	r->errors++;
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof(r->first_error), "%s: %s", what,
			 strerror(e));
}

/* A failed connection: sort it by what the socket says. */
static void conn_fail(struct conn *c, struct connect_result *r, int e)
{
	switch (e) {
	case ETIMEDOUT:
		r->timeouts++;
		break;
	case ECONNREFUSED:
		r->refused++;
		break;
	case ECONNRESET:
	case EPIPE:
		r->resets++;
		break;
	default:
		result_error(r, "connection", e);
		break;
	}
	close(c->fd);
	c->fd = -1;
	c->state = CONN_FREE;
}

static void conn_done(struct conn *c, struct connect_result *r)
{
	r->succeeded++;
	close(c->fd);
	c->fd = -1;
	c->state = CONN_FREE;
}

/* Start connection number i; it stays CONN_FREE if it failed at once. */
static void conn_start(struct conn *c, const struct connect_opts *o,
		       unsigned long i, struct connect_result *r)
{
	int one = 1;
	unsigned int src = o->n_sources ? i % o->n_sources : 0;

	r->attempted++;
	c->got = 0;
	c->fd = socket(o->to.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		result_error(r, "socket", errno);
		return;
	}
	/* One SYN retry at most: a drop must not hide behind retries. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one));
	if (o->n_sources &&
	    bind(c->fd, (const struct sockaddr *)&o->sources[src],
		 o->source_lens[src])) {
		result_error(r, "bind to source", errno);
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->deadline_ms = (uint64_t)sg_tool_mono_ms() + o->timeout_ms;
	c->state = CONN_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&o->to, o->to_len) &&
	    errno != EINPROGRESS)
		conn_fail(c, r, errno);
}

/* Progress one connection after poll said something about it. */
static void conn_event(struct conn *c, short revents, struct connect_result *r)
{
	char buf[128];
	socklen_t len = sizeof(int);
	int err = 0;
	ssize_t n;

	if (c->state == CONN_CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			conn_fail(c, r, err);
			return;
		}
		c->state = CONN_READING;
		if (!(revents & (POLLIN | POLLHUP)))
			return;
	}
	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_fail(c, r, errno);
		return;
	}
	c->got += n;
	if (memchr(buf, '\n', n) || (n == 0 && c->got > 0))
		conn_done(c, r);
	else if (n == 0)
		conn_fail(c, r, ECONNRESET); /* closed without the line */
}

static int connect_run(const struct connect_opts *o, struct connect_result *r)
{
	static struct conn conns[TRAFFIC_MAX_INFLIGHT];
	static struct pollfd pfds[TRAFFIC_MAX_INFLIGHT];
	static unsigned int idx[TRAFFIC_MAX_INFLIGHT];
	uint64_t start_us = (uint64_t)sg_tool_mono_us(), t;
	unsigned long next = 0;
	unsigned int i, n, inflight;
	int timeout, ret;

	for (i = 0; i < TRAFFIC_MAX_INFLIGHT; i++)
		conns[i].fd = -1;
	for (;;) {
		/* Start every connection whose time has come. */
		t = (uint64_t)sg_tool_mono_us();
		for (i = 0; i < TRAFFIC_MAX_INFLIGHT && next < o->count; i++) {
			if (start_us + next * o->gap_us > t)
				break;
			if (conns[i].state != CONN_FREE)
				continue;
			conn_start(&conns[i], o, next++, r);
		}
		/* Expire, and gather what is in flight. */
		n = inflight = 0;
		for (i = 0; i < TRAFFIC_MAX_INFLIGHT; i++) {
			if (conns[i].state == CONN_FREE)
				continue;
			if ((uint64_t)sg_tool_mono_ms() >=
			    conns[i].deadline_ms) {
				conn_fail(&conns[i], r, ETIMEDOUT);
				continue;
			}
			pfds[n].fd = conns[i].fd;
			pfds[n].events = conns[i].state == CONN_CONNECTING
						 ? POLLOUT
						 : POLLIN;
			idx[n++] = i;
			inflight++;
		}
		if (next >= o->count && !inflight)
			break;
		timeout = 5;
		if (next < o->count) {
			t = start_us + next * o->gap_us;
			timeout =
				t > (uint64_t)sg_tool_mono_us()
					? (int)((t -
						 (uint64_t)sg_tool_mono_us()) /
						1000)
					: 0;
			if (timeout > 5)
				timeout = 5;
		}
		ret = poll(pfds, n, timeout);
		if (ret < 0 && errno != EINTR)
			return -errno;
		for (i = 0; ret > 0 && i < n; i++) {
			if (pfds[i].revents)
				conn_event(&conns[idx[i]], pfds[i].revents, r);
		}
	}
	r->elapsed_ms = ((uint64_t)sg_tool_mono_us() - start_us) / 1000;
	return 0;
}

static int parse_sources(const char *list, struct connect_opts *o)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->n_sources >= TRAFFIC_MAX_SOURCES ||
		    sg_tool_parse_addr(tok, 0, &o->sources[o->n_sources],
				       &o->source_lens[o->n_sources])) {
			fprintf(stderr,
				"sg_traffic: connect: bad source '%s'\n", tok);
			ret = -EINVAL;
			break;
		}
		o->n_sources++;
	}
	free(copy);
	return ret;
}

static void connect_print(const struct connect_opts *o,
			  const struct connect_result *r)
{
	unsigned long failed = r->attempted - r->succeeded;

	if (o->json) {
		printf("{\"attempted\":%lu,\"succeeded\":%lu,\"failed\":%lu,"
		       "\"timeouts\":%lu,\"refused\":%lu,\"resets\":%lu,"
		       "\"errors\":%lu,\"elapsed_ms\":%llu}\n",
		       r->attempted, r->succeeded, failed, r->timeouts,
		       r->refused, r->resets, r->errors,
		       (unsigned long long)r->elapsed_ms);
	} else {
		printf("attempted %lu succeeded %lu failed %lu "
		       "(timeout %lu, refused %lu, reset %lu, error %lu) "
		       "in %llu ms\n",
		       r->attempted, r->succeeded, failed, r->timeouts,
		       r->refused, r->resets, r->errors,
		       (unsigned long long)r->elapsed_ms);
	}
	if (r->first_error[0])
		fprintf(stderr, "sg_traffic: connect: first error: %s\n",
			r->first_error);
}

static int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "source", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct connect_opts o = { .timeout_ms = 300, .gap_us = 0 };
	struct connect_result r = {};
	const char *to = NULL;
	unsigned long port = 0;
	bool have_count = false, have_rate = false;
	int c;

	while ((c = getopt_long(argc, argv, "t:p:n:r:T:s:S:jh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &port) || !port)
				goto bad_usage;
			break;
		case 'n':
			if (parse_uint(optarg, 100000000, &o.count))
				goto bad_usage;
			have_count = true;
			break;
		case 'r':
			if (sg_tool_parse_rate(optarg, &o.gap_us))
				goto bad_usage;
			have_rate = true;
			break;
		case 'T':
			if (parse_uint(optarg, 600000, &o.timeout_ms) ||
			    !o.timeout_ms)
				goto bad_usage;
			break;
		case 's':
		case 'S':
			if (parse_sources(optarg, &o))
				return 2;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!to || !port || !have_count || !have_rate || optind != argc)
		goto bad_usage;
	if (sg_tool_parse_addr(to, port, &o.to, &o.to_len)) {
		fprintf(stderr, "sg_traffic: connect: '%s' is not an address\n",
			to);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sg_tool_raise_fd_limit();
	if (connect_run(&o, &r)) {
		perror("sg_traffic: connect: poll");
		return 1;
	}
	connect_print(&o, &r);
	return 0;
bad_usage:
	fputs("sg_traffic connect: need --to ADDR --port P --count N "
	      "--rate R/s; see --help\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "connect"))
		return cmd_connect(argc - 1, argv + 1);
	fprintf(stderr, "sg_traffic: unknown command '%s'; see --help\n",
		argv[1]);
	return 2;
}
