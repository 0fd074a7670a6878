// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking keepalive: a bot as an HTTP library's session is one. It keeps
 * a few connections open and sends POST /book on them at a steady rate,
 * so that it opens almost no new connections and sends few packets: only
 * a budget on requests sees it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include "tool.h"
#include "booking.h"

#define KA_MAX_CONNS 64
#define KA_BUF	     4096

enum ka_state { KA_CLOSED = 0, KA_CONNECTING, KA_IDLE, KA_WAITING };

struct ka_conn {
	int fd;
	enum ka_state state;
	int64_t deadline_ms;
	size_t got;
	char buf[KA_BUF];
};

struct ka {
	struct sockaddr_storage to, src;
	socklen_t to_len, src_len;
	unsigned int n_conns;
	int64_t open_ms, stop_ms, gap_us;
	long long timeout_ms;
	unsigned long attempts, booked, full, early, other, failed, connects;
	struct ka_conn conns[KA_MAX_CONNS];
};

static const char ka_request[] =
	"POST /book HTTP/1.1\r\n"
	"Host: booking.demo\r\n"
	"User-Agent: sg_booking/keepalive\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n"
	"Content-Length: 11\r\n"
	"Connection: keep-alive\r\n\r\n"
	"action=book";

static void ka_close(struct ka_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = KA_CLOSED;
}

static void ka_connect(struct ka *k, struct ka_conn *c)
{
	c->fd = socket(k->to.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return;
	k->connects++;
	if (bind(c->fd, (const struct sockaddr *)&k->src, k->src_len) ||
	    (connect(c->fd, (const struct sockaddr *)&k->to, k->to_len) &&
	     errno != EINPROGRESS)) {
		ka_close(c);
		return;
	}
	c->state = KA_CONNECTING;
	c->deadline_ms = sg_tool_mono_ms() + k->timeout_ms;
}

/* One answer came (status), or none (0): count it, keep or drop c. */
static void ka_answer(struct ka *k, struct ka_conn *c, int status)
{
	if (status == 200)
		k->booked++;
	else if (status == 409)
		k->full++;
	else if (status == 425)
		k->early++;
	else if (status > 0)
		k->other++;
	else
		k->failed++;
	if (status > 0)
		c->state = KA_IDLE;
	else
		ka_close(c);
}

/* Is a whole response in c->buf? Its status, 0 if not yet, -1 if bad. */
static int ka_parse(struct ka_conn *c)
{
	char *end, *cl;
	size_t head, body = 0;

	c->buf[c->got] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return c->got >= KA_BUF - 1 ? -1 : 0;
	head = (size_t)(end - c->buf) + 4;
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	if (cl && cl < end)
		body = strtoul(cl + 17, NULL, 10);
	if (c->got < head + body)
		return 0;
	if (strncmp(c->buf, "HTTP/1.", 7))
		return -1;
	return atoi(c->buf + 9);
}

static void ka_event(struct ka *k, struct ka_conn *c)
{
	socklen_t elen = sizeof(int);
	int err = 0, status;
	ssize_t n;

	if (c->state == KA_CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err)
			ka_close(c);
		else
			c->state = KA_IDLE;
		return;
	}
	n = recv(c->fd, c->buf + c->got, KA_BUF - 1 - c->got, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ka_answer(k, c, 0);
		return;
	}
	c->got += n;
	status = ka_parse(c);
	if (status)
		ka_answer(k, c, status < 0 ? 0 : status);
}

/* Send the next request on an idle connection; false if none is idle. */
static bool ka_send(struct ka *k)
{
	unsigned int i;

	for (i = 0; i < k->n_conns; i++) {
		struct ka_conn *c = &k->conns[i];

		if (c->state != KA_IDLE)
			continue;
		k->attempts++;
		c->got = 0;
		c->deadline_ms = sg_tool_mono_ms() + k->timeout_ms;
		if (send(c->fd, ka_request, sizeof(ka_request) - 1,
			 MSG_NOSIGNAL) != (ssize_t)sizeof(ka_request) - 1) {
			ka_answer(k, c, 0);
			continue;
		}
		c->state = KA_WAITING;
		return true;
	}
	return false;
}

static int ka_run(struct ka *k)
{
	struct pollfd pfds[KA_MAX_CONNS];
	int64_t start_us = sg_tool_mono_us(), now;
	unsigned long next = 0;
	unsigned int i, n;
	int idx[KA_MAX_CONNS], ret;

	for (i = 0; i < k->n_conns; i++)
		k->conns[i].fd = -1;
	while (!booking_stop && (now = sg_tool_mono_ms()) < k->stop_ms) {
		for (i = 0; i < k->n_conns; i++) {
			struct ka_conn *c = &k->conns[i];

			if (c->state == KA_CLOSED)
				ka_connect(k, c);
			else if (c->state != KA_IDLE && now >= c->deadline_ms)
				ka_answer(k, c, 0); /* a stalled request */
		}
		/* Requests that are due, as long as a connection is free. */
		while (start_us + (int64_t)next * k->gap_us <=
			       sg_tool_mono_us() &&
		       ka_send(k))
			next++;
		for (i = 0, n = 0; i < k->n_conns; i++) {
			if (k->conns[i].state == KA_CLOSED ||
			    k->conns[i].state == KA_IDLE)
				continue;
			pfds[n].fd = k->conns[i].fd;
			pfds[n].events = k->conns[i].state == KA_CONNECTING
						 ? POLLOUT
						 : POLLIN;
			idx[n++] = (int)i;
		}
		ret = poll(pfds, n, 2);
		if (ret < 0 && errno != EINTR)
			return -errno;
		for (i = 0; ret > 0 && i < n; i++)
			if (pfds[i].revents)
				ka_event(k, &k->conns[idx[i]]);
	}
	for (i = 0; i < k->n_conns; i++)
		ka_close(&k->conns[i]);
	return 0;
}

int cmd_keepalive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "sources", required_argument, NULL, 'S' },
		{ "conns", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "open-at", required_argument, NULL, 'o' },
		{ "stop-at", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ka k;
	struct sigaction sa = { .sa_handler = booking_on_signal };
	long long port = 80, conns = 4, open_at = -1, stop_at = -1;
	const char *to = NULL, *src = NULL;
	int c;

	k.timeout_ms = 2000;
	while ((c = getopt_long(argc, argv, "t:p:S:n:r:o:e:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'S':
			src = optarg;
			break;
		case 'p':
			if (sg_tool_parse_int(optarg, 1, 65535, &port))
				goto bad_usage;
			break;
		case 'n':
			if (sg_tool_parse_int(optarg, 1, KA_MAX_CONNS, &conns))
				goto bad_usage;
			break;
		case 'r':
			if (sg_tool_parse_rate(optarg, &k.gap_us))
				goto bad_usage;
			break;
		case 'o':
		case 'e':
			if (sg_tool_parse_int(optarg, 0, INT64_MAX / 2,
					      c == 'o' ? &open_at : &stop_at))
				goto bad_usage;
			break;
		default:
			goto bad_usage;
		}
	}
	/* One source, and the service address of its family in --to. */
	if (!to || !src || !k.gap_us || open_at < 0 || stop_at < open_at ||
	    optind != argc || sg_tool_parse_addr(src, 0, &k.src, &k.src_len))
		goto bad_usage;
	{
		char copy[128], *tok, *save = NULL;

		snprintf(copy, sizeof(copy), "%s", to);
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			struct sockaddr_storage ss;
			socklen_t len;

			if (sg_tool_parse_addr(tok, (int)port, &ss, &len))
				goto bad_usage;
			if (ss.ss_family == k.src.ss_family) {
				k.to = ss;
				k.to_len = len;
			}
		}
	}
	if (!k.to_len)
		goto bad_usage;
	k.n_conns = (unsigned int)conns;
	k.open_ms = epoch_to_mono_ms(open_at);
	k.stop_ms = epoch_to_mono_ms(stop_at);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ka_run(&k)) {
		perror("sg_booking keepalive: poll");
		return 1;
	}
	printf("{\"attempts\":%lu,\"booked\":%lu,\"full\":%lu,\"early\":%lu,"
	       "\"other\":%lu,\"failed\":%lu,\"connections\":%lu,"
	       "\"sources\":1}\n",
	       k.attempts, k.booked, k.full, k.early, k.other, k.failed,
	       k.connects);
	return 0;
bad_usage:
	fprintf(stderr, "sg_booking keepalive: bad or missing options; see "
			"--help\n");
	return 2;
}
