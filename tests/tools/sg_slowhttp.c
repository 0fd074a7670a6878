// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_slowhttp: hostile HTTP clients for the metrics endpoint's tests.
 * `slow` is a slowloris (many connections, each dribbling a request header
 * that never ends); `big` sends one request with an oversized header. Both
 * say what the server did with them, as JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define SLOW_MAX_CONNS 1024

static const char usage[] =
	"Usage: sg_slowhttp slow --to ADDR --port P [--conns N]\n"
	"                        [--interval-ms MS] [--duration-s S] [--reopen]\n"
	"       sg_slowhttp big --to ADDR --port P --header-bytes N\n"
	"                       [--path PATH] [--timeout-ms MS]\n"
	"\n"
	"slow  open N connections (default 40) and on each send a request\n"
	"      line and then one more header byte every MS (default 1000),\n"
	"      never ending the header, for S seconds (default 10). Prints\n"
	"      {opened, connect_failed, closed_by_server, first_close_ms,\n"
	"      open_at_end, bytes_sent}: a server that times out slow\n"
	"      clients closes them. A closed connection is reopened only with\n"
	"      --reopen (opened counts every connect).\n"
	"big   send 'GET PATH HTTP/1.1' (default /metrics) with one header\n"
	"      of N bytes, then read the answer for MS (default 5000).\n"
	"      Prints {sent, send_error, status, closed, elapsed_ms}; status\n"
	"      is the HTTP code or 0 when none came.\n"
	"Exit 0 when the run completed, 1 on a setup failure, 2 on bad usage.\n"
	"\n"
	"Examples:\n"
	"  sg_slowhttp slow --to 127.0.0.1 --port 9717 --conns 40 "
	"--duration-s 12\n"
	"  sg_slowhttp big --to 127.0.0.1 --port 9717 --header-bytes 1048576\n";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int parse_target(const char *addr, unsigned long port, struct target *t)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->ss;

	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		t->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		t->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* A blocking connect with a 2 s bound; -1 when it fails. */
static int open_conn(const struct target *t)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&t->ss, t->len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The peer closed (EOF, reset) or sent something: either ends the race. */
static bool peer_acted(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[512];

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	/* Whatever the server says (a 408, a 431), it then closes. */
	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN;
}

struct slow_run {
	const struct target *t;
	int fds[SLOW_MAX_CONNS];
	unsigned long conns, opened, failed, closed, bytes;
	uint64_t t0, first_close;
	bool reopen;
};

/* Connection i: connect and send the start of a request that never ends. */
static void slow_open(struct slow_run *r, unsigned long i)
{
	static const char start[] = "GET /metrics HTTP/1.1\r\nX-Slow: ";

	r->fds[i] = open_conn(r->t);
	if (r->fds[i] < 0) {
		r->failed++;
		return;
	}
	r->opened++;
	if (send(r->fds[i], start, sizeof(start) - 1, MSG_NOSIGNAL) < 0) {
		close(r->fds[i]);
		r->fds[i] = -1;
		r->closed++;
		return;
	}
	r->bytes += sizeof(start) - 1;
}

/* The server closed (or answered) connection i: count it, maybe reopen. */
static void slow_drop(struct slow_run *r, unsigned long i)
{
	close(r->fds[i]);
	r->fds[i] = -1;
	r->closed++;
	if (!r->first_close)
		r->first_close = now_ms() - r->t0;
	if (r->reopen)
		slow_open(r, i);
}

/* Until the time of the next byte, watch every connection for its close. */
static void slow_watch(struct slow_run *r, uint64_t until)
{
	static struct pollfd p[SLOW_MAX_CONNS];
	static unsigned long idx[SLOW_MAX_CONNS];
	unsigned long i, n;
	uint64_t now;

	while ((now = now_ms()) < until) {
		for (i = 0, n = 0; i < r->conns; i++) {
			if (r->fds[i] < 0)
				continue;
			p[n] = (struct pollfd){ .fd = r->fds[i],
						.events = POLLIN };
			idx[n++] = i;
		}
		if (!n) {
			usleep((useconds_t)(until - now) * 1000);
			return;
		}
		if (poll(p, n, (int)(until - now)) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (p[i].revents && peer_acted(p[i].fd))
				slow_drop(r, idx[i]);
	}
}

static int cmd_slow(const struct target *t, unsigned long conns,
		    unsigned long interval_ms, unsigned long duration_s,
		    bool reopen)
{
	static struct slow_run r;
	uint64_t end, next;
	unsigned long i;

	r = (struct slow_run){
		.t = t, .conns = conns, .reopen = reopen, .t0 = now_ms()
	};
	for (i = 0; i < conns; i++)
		slow_open(&r, i);
	end = r.t0 + duration_s * 1000;
	for (next = r.t0 + interval_ms; now_ms() < end; next += interval_ms) {
		slow_watch(&r, next < end ? next : end);
		if (now_ms() >= end)
			break;
		for (i = 0; i < conns; i++) {
			if (r.fds[i] < 0)
				continue;
			if (!peer_acted(r.fds[i]) &&
			    send(r.fds[i], "a", 1,
				 MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
				r.bytes++;
			else
				slow_drop(&r, i);
		}
	}
	for (i = 0; i < conns; i++)
		if (r.fds[i] >= 0)
			close(r.fds[i]);
	printf("{\"opened\":%lu,\"connect_failed\":%lu,\"closed_by_server\":%lu,"
	       "\"first_close_ms\":%llu,\"open_at_end\":%lu,\"bytes_sent\":%lu}\n",
	       r.opened, r.failed, r.closed, (unsigned long long)r.first_close,
	       r.opened - r.closed, r.bytes);
	return 0;
}

static int cmd_big(const struct target *t, unsigned long header_bytes,
		   const char *path, unsigned long timeout_ms)
{
	char head[512], answer[256] = "";
	size_t sent = 0, len, got = 0;
	uint64_t t0 = now_ms(), deadline;
	int fd, status = 0, send_err = 0;
	bool closed = false;
	char *header;
	ssize_t n;

	header = malloc(header_bytes);
	if (!header)
		return 1;
	memset(header, 'b', header_bytes);
	fd = open_conn(t);
	if (fd < 0) {
		perror("sg_slowhttp: big: connect");
		free(header);
		return 1;
	}
	len = (size_t)snprintf(head, sizeof(head),
			       "GET %s HTTP/1.1\r\nHost: x\r\nX-Big: ", path);
	if (send(fd, head, len, MSG_NOSIGNAL) < 0)
		send_err = errno;
	while (!send_err && sent < header_bytes) {
		n = send(fd, header + sent, header_bytes - sent, MSG_NOSIGNAL);
		if (n < 0) {
			send_err = errno;
			break;
		}
		sent += (size_t)n;
	}
	if (!send_err && send(fd, "\r\n\r\n", 4, MSG_NOSIGNAL) < 0)
		send_err = errno;
	deadline = t0 + timeout_ms;
	while (now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, answer + got, sizeof(answer) - 1 - got, 0);
		if (n <= 0) {
			closed = true;
			break;
		}
		got += (size_t)n;
		answer[got] = '\0';
		if (got == sizeof(answer) - 1)
			break;
	}
	sscanf(answer, "HTTP/%*d.%*d %d", &status);
	printf("{\"sent\":%zu,\"send_error\":\"%s\",\"status\":%d,"
	       "\"closed\":%s,\"elapsed_ms\":%llu}\n",
	       sent, send_err ? strerror(send_err) : "", status,
	       closed ? "true" : "false", (unsigned long long)(now_ms() - t0));
	close(fd);
	free(header);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "duration-s", required_argument, NULL, 'd' },
		{ "header-bytes", required_argument, NULL, 'b' },
		{ "path", required_argument, NULL, 'P' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "reopen", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long port = 0, conns = 40, interval = 1000, duration = 10;
	unsigned long header_bytes = 0, timeout = 5000;
	const char *to = NULL, *path = "/metrics", *cmd;
	bool reopen = false;
	struct target t;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "t:p:c:i:d:b:P:T:Rh", opts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'p':
			if (parse_ulong(optarg, 65535, &port) || !port)
				goto bad_usage;
			break;
		case 'c':
			if (parse_ulong(optarg, SLOW_MAX_CONNS, &conns))
				goto bad_usage;
			break;
		case 'i':
			if (parse_ulong(optarg, 60000, &interval) || !interval)
				goto bad_usage;
			break;
		case 'd':
			if (parse_ulong(optarg, 3600, &duration))
				goto bad_usage;
			break;
		case 'b':
			if (parse_ulong(optarg, 64UL << 20, &header_bytes))
				goto bad_usage;
			break;
		case 'P':
			path = optarg;
			break;
		case 'T':
			if (parse_ulong(optarg, 600000, &timeout))
				goto bad_usage;
			break;
		case 'R':
			reopen = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!to || !port || optind != argc || parse_target(to, port, &t))
		goto bad_usage;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "slow"))
		return cmd_slow(&t, conns, interval, duration, reopen);
	if (!strcmp(cmd, "big") && header_bytes)
		return cmd_big(&t, header_bytes, path, timeout);
bad_usage:
	fputs("sg_slowhttp: bad usage; see --help\n", stderr);
	return 2;
}
