// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking slots: the slot counter nginx passes POST /book to. It hands
 * out N slots from a set moment on and logs who got each.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "tool.h"
#include "booking.h"

/* ---- slots: the slot counter behind nginx --------------------------- */

struct slots_state {
	unsigned int slots, booked;
	int64_t open_mono_ms;
	unsigned long requests;
	FILE *log;
};

struct server_conn {
	int fd;
	int64_t deadline_ms;
	size_t len;
	char buf[BOOKING_REQ_MAX];
};

/* The value of header NAME in a request head, copied into out. */
static void header_value(const char *head, const char *name, char *out,
			 size_t out_len)
{
	size_t nlen = strlen(name);
	const char *line = strstr(head, "\r\n");
	size_t n;

	out[0] = '\0';
	while (line && line[2] != '\r') {
		line += 2;
		if (!strncasecmp(line, name, nlen) && line[nlen] == ':') {
			line += nlen + 1;
			while (*line == ' ')
				line++;
			n = strcspn(line, "\r\n");
			if (n >= out_len)
				n = out_len - 1;
			memcpy(out, line, n);
			out[n] = '\0';
			return;
		}
		line = strstr(line, "\r\n");
	}
}

static void server_reply(int fd, int status, const char *reason,
			 const char *type, const char *body)
{
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg),
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nCache-Control: no-store\r\n"
		     "Connection: close\r\n\r\n%s",
		     status, reason, type, strlen(body), body);
	/* A fresh socket's send buffer takes a reply this small at once. */
	if (send(fd, msg, n, MSG_NOSIGNAL) < 0)
		return;
}

static void slots_book(struct slots_state *s, int fd, const char *head)
{
	char who[64], body[96];
	int64_t since_open = sg_tool_mono_ms() - s->open_mono_ms;

	if (since_open < 0) {
		snprintf(body, sizeof(body), "booking opens in %.1f s\n",
			 -since_open / 1000.0);
		server_reply(fd, 425, "Too Early", "text/plain", body);
		return;
	}
	if (s->booked >= s->slots) {
		server_reply(fd, 409, "Conflict", "text/plain",
			     "no slots left\n");
		return;
	}
	s->booked++;
	header_value(head, "X-Real-IP", who, sizeof(who));
	if (s->log) {
		fprintf(s->log, "%u %s %lld\n", s->booked, who[0] ? who : "-",
			(long long)since_open);
		fflush(s->log);
	}
	snprintf(body, sizeof(body), "booked slot %u of %u\n", s->booked,
		 s->slots);
	server_reply(fd, 200, "OK", "text/plain", body);
}

/* One complete request (head and body are in): answer it. */
static void slots_answer(struct slots_state *s, struct server_conn *c)
{
	char body[160];
	int64_t since_open = sg_tool_mono_ms() - s->open_mono_ms;

	s->requests++;
	if (!strncmp(c->buf, "POST /book ", 11)) {
		slots_book(s, c->fd, c->buf);
	} else if (!strncmp(c->buf, "GET /status ", 12)) {
		snprintf(body, sizeof(body),
			 "{\"slots\":%u,\"booked\":%u,\"open\":%s,"
			 "\"ms_since_open\":%lld}\n",
			 s->slots, s->booked,
			 since_open >= 0 ? "true" : "false",
			 (long long)since_open);
		server_reply(c->fd, 200, "OK", "application/json", body);
	} else {
		server_reply(c->fd, 404, "Not Found", "text/plain",
			     "not found\n");
	}
}

/* Read what arrived; answer once the head and the body are complete.
 * True when the connection is finished. */
static bool slots_read(struct slots_state *s, struct server_conn *c)
{
	char value[32], *end;
	long long clen = 0;
	ssize_t n;

	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0)
		return errno != EAGAIN && errno != EINTR;
	if (n == 0)
		return true;
	c->len += n;
	c->buf[c->len] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return c->len >= sizeof(c->buf) - 1;
	header_value(c->buf, "Content-Length", value, sizeof(value));
	if (value[0] && sg_tool_parse_int(value, 0, BOOKING_REQ_MAX, &clen))
		return true;
	/* Read the whole body first: closing on unread data sends a reset. */
	if ((size_t)(end + 4 - c->buf) + clen > c->len)
		return c->len >= sizeof(c->buf) - 1;
	slots_answer(s, c);
	return true;
}

static int slots_listen(const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[64];
	const char *colon = strrchr(text, ':');
	long long port;
	int fd, one = 1;

	if (!colon || (size_t)(colon - text) >= sizeof(host) ||
	    sg_tool_parse_int(colon + 1, 1, 65535, &port))
		return -EINVAL;
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	if (sg_tool_parse_addr(host, port, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 1024)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static void slots_accept(int lfd, struct server_conn *conns)
{
	int i, fd;

	for (i = 0; i < BOOKING_SERVER_CONNS; i++) {
		if (conns[i].fd >= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		conns[i].fd = fd;
		conns[i].len = 0;
		conns[i].deadline_ms = sg_tool_mono_ms() + 5000;
	}
}

static void slots_serve(struct slots_state *s, int lfd)
{
	static struct server_conn conns[BOOKING_SERVER_CONNS];
	static struct pollfd pfds[BOOKING_SERVER_CONNS + 1];
	static int idx[BOOKING_SERVER_CONNS + 1];
	int i, n, ret;

	for (i = 0; i < BOOKING_SERVER_CONNS; i++)
		conns[i].fd = -1;
	while (!booking_stop) {
		pfds[0].fd = lfd;
		pfds[0].events = POLLIN;
		n = 1;
		for (i = 0; i < BOOKING_SERVER_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			if (sg_tool_mono_ms() > conns[i].deadline_ms) {
				close(conns[i].fd);
				conns[i].fd = -1;
				continue;
			}
			pfds[n].fd = conns[i].fd;
			pfds[n].events = POLLIN;
			idx[n++] = i;
		}
		ret = poll(pfds, n, 200);
		if (ret <= 0)
			continue;
		for (i = 1; i < n; i++) {
			struct server_conn *c = &conns[idx[i]];

			if (pfds[i].revents && slots_read(s, c)) {
				close(c->fd);
				c->fd = -1;
			}
		}
		if (pfds[0].revents)
			slots_accept(lfd, conns);
	}
}

int cmd_slots(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "slots", required_argument, NULL, 'n' },
		{ "open-at", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = booking_on_signal };
	struct slots_state s = {};
	const char *listen_at = NULL, *log_path = NULL;
	long long v, open_at = -1;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "l:n:o:L:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_at = optarg;
			break;
		case 'n':
			if (sg_tool_parse_int(optarg, 1, 1000000, &v))
				goto bad_usage;
			s.slots = v;
			break;
		case 'o':
			if (sg_tool_parse_int(optarg, 0, INT64_MAX / 2,
					      &open_at))
				goto bad_usage;
			break;
		case 'L':
			log_path = optarg;
			break;
		case 'h':
			fputs(booking_usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!listen_at || !s.slots || open_at < 0 || optind != argc)
		goto bad_usage;
	if (log_path && !(s.log = fopen(log_path, "a"))) {
		fprintf(stderr, "sg_booking: slots: %s: %s\n", log_path,
			strerror(errno));
		return 1;
	}
	s.open_mono_ms = epoch_to_mono_ms(open_at);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = slots_listen(listen_at);
	if (lfd < 0) {
		fprintf(stderr,
			"sg_booking: slots: cannot listen on '%s': %s\n",
			listen_at, strerror(-lfd));
		return 1;
	}
	printf("listening %s\n", listen_at);
	fflush(stdout);
	slots_serve(&s, lfd);
	close(lfd);
	printf("{\"slots\":%u,\"booked\":%u,\"requests\":%lu}\n", s.slots,
	       s.booked, s.requests);
	if (s.log)
		fclose(s.log);
	return 0;
bad_usage:
	fputs("sg_booking slots: need --listen ADDR:PORT --slots N "
	      "--open-at MS; see --help\n",
	      stderr);
	return 2;
}
