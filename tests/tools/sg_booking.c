// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking: the booking round of `make demo`. `slots` is the slot counter
 * that nginx proxies POST /book to: it hands out N slots from a set moment
 * on. `people` books at a human pace, one slot per person; `bot` hammers
 * POST /book with a new connection each time, from one or many addresses.
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
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "tool.h"

#define BOOKING_MAX_SOURCES  1024
#define BOOKING_MAX_INFLIGHT 2048
#define BOOKING_SERVER_CONNS 1024
#define BOOKING_REQ_MAX	     2048

static const char usage[] =
	"Usage: sg_booking slots --listen ADDR:PORT --slots N --open-at MS\n"
	"                        [--log FILE]\n"
	"       sg_booking people --to ADDR[,ADDR6] --sources A,B,... "
	"--open-at MS\n"
	"                         --stop-at MS [--arrive-ms FROM..TO]\n"
	"                         [--think-ms A..B] [--retry-ms A..B] "
	"[--seed N]\n"
	"       sg_booking bot --to ADDR[,ADDR6] --sources A,B,... --rate R/s\n"
	"                      --open-at MS --stop-at MS [--timeout-ms T]\n"
	"\n"
	"The booking service and its clients in slotguard's demo. Times (MS)\n"
	"are Unix epoch milliseconds, so that every process of a round agrees\n"
	"on when the slots open.\n"
	"\n"
	"slots    HTTP/1.0 slot counter (behind nginx): POST /book answers\n"
	"         425 before MS, then 200 'booked slot K of N' N times, then\n"
	"         409 'no slots left'; GET /status answers JSON. Each booking\n"
	"         is logged to FILE as 'K ADDR MS_AFTER_OPENING' (ADDR from\n"
	"         nginx's X-Real-IP). Prints 'listening' when ready and a JSON\n"
	"         summary on SIGTERM.\n"
	"people   each source address is one person: arrives at a random\n"
	"         time in FROM..TO ms around the opening (default -3000..5000),\n"
	"         loads the page (GET /), thinks (default 2000..4000 ms), then\n"
	"         POSTs /book, again every A..B ms (default 3000..6000) until\n"
	"         booked or MS of --stop-at. One connection per request.\n"
	"bot      from now until --stop-at, POST /book at RATE, a new\n"
	"         connection each time, round-robin over the sources, many in\n"
	"         flight, giving up on each after T ms (default 1000).\n"
	"--to takes the service's IPv4 and/or IPv6 address; each source uses\n"
	"the one of its family. Clients print one JSON object: attempts\n"
	"(booking requests), booked, full (409), early (425), other (other\n"
	"HTTP answers), failed (no answer: dropped, refused, reset), and for\n"
	"people persons, persons_booked, page_loads, pages_failed.\n"
	"\n"
	"Examples:\n"
	"  sg_booking slots --listen 127.0.0.1:8081 --slots 40 "
	"--open-at $(($(date +%s%3N) + 3000))\n"
	"  sg_booking bot --to 10.66.0.10 --sources 10.66.2.2 --rate 200/s \\\n"
	"      --open-at $OPEN --stop-at $((OPEN + 15000))\n";

static volatile sig_atomic_t booking_stop;

static void booking_on_signal(int sig)
{
	booking_stop = 1;
}

/* An epoch time in ms as a monotonic one: the rest of the run is immune
 * to clock steps. */
static int64_t epoch_to_mono_ms(int64_t epoch_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return sg_tool_mono_ms() + epoch_ms -
	       ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* "A..B" (either may be negative) into a range of milliseconds. */
static int parse_range(const char *text, long long range[2])
{
	char first[32];
	const char *dots = strstr(text, "..");
	size_t len = dots ? (size_t)(dots - text) : 0;

	if (!dots || !len || len >= sizeof(first))
		return -EINVAL;
	memcpy(first, text, len);
	first[len] = '\0';
	if (sg_tool_parse_int(first, -3600000, 3600000, &range[0]) ||
	    sg_tool_parse_int(dots + 2, -3600000, 3600000, &range[1]) ||
	    range[1] < range[0])
		return -EINVAL;
	return 0;
}

/* xorshift64*: the same seed gives the same people, run after run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static long long rng_between(const long long range[2])
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	x *= 0x2545f4914f6cdd1dULL;
	return range[0] + (long long)(x % (uint64_t)(range[1] - range[0] + 1));
}

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

static int cmd_slots(int argc, char **argv)
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
			fputs(usage, stdout);
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

/* ---- clients -------------------------------------------------------- */

enum req_kind { REQ_PAGE, REQ_BOOK };

enum req_state { REQ_FREE = 0, REQ_CONNECTING, REQ_READING };

struct request {
	int fd;
	enum req_state state;
	enum req_kind kind;
	int person; /* -1 for the bot */
	int64_t deadline_ms;
	size_t got;
	char head[16]; /* "HTTP/1.1 200" */
};

enum person_state { PERSON_AWAY, PERSON_WAITING, PERSON_BUSY, PERSON_DONE };

struct person {
	enum person_state state;
	int64_t next_ms;
	bool page_loaded;
};

struct client {
	/* What the caller said. */
	bool is_bot;
	struct sockaddr_storage to4, to6;
	socklen_t to4_len, to6_len;
	struct sockaddr_storage sources[BOOKING_MAX_SOURCES];
	socklen_t source_lens[BOOKING_MAX_SOURCES];
	unsigned int n_sources;
	int64_t open_ms, stop_ms; /* monotonic */
	int64_t gap_us;
	long long timeout_ms;
	long long arrive[2], think[2], retry[2];
	/* What happened. */
	unsigned long attempts, booked, full, early, other, failed;
	unsigned long page_loads, pages_failed, persons_booked;
	long long first_booked_ms; /* after the opening, -1: none */
	char first_error[128];
	struct person persons[BOOKING_MAX_SOURCES];
	struct request reqs[BOOKING_MAX_INFLIGHT];
};

static const char page_request[] = "GET / HTTP/1.1\r\n"
				   "Host: booking.demo\r\n"
				   "User-Agent: sg_booking/person\r\n"
				   "Accept: text/html\r\n"
				   "Connection: close\r\n\r\n";

static const char book_request[] =
	"POST /book HTTP/1.1\r\n"
	"Host: booking.demo\r\n"
	"User-Agent: sg_booking\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n"
	"Content-Length: 11\r\n"
	"Connection: close\r\n\r\n"
	"action=book";

static void client_note_error(struct client *cl, const char *what, int e)
{
	if (!cl->first_error[0])
		snprintf(cl->first_error, sizeof(cl->first_error), "%s: %s",
			 what, strerror(e));
}

/* A request is over: count its outcome and tell its person. */
static void req_finish(struct client *cl, struct request *r, int status)
{
	struct person *p = r->person >= 0 ? &cl->persons[r->person] : NULL;
	int64_t now = sg_tool_mono_ms();

	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->state = REQ_FREE;
	if (r->kind == REQ_PAGE) {
		if (status == 200)
			cl->page_loads++;
		else
			cl->pages_failed++;
		p->page_loaded = status == 200;
		p->state = PERSON_WAITING;
		p->next_ms = now + rng_between(cl->think);
		return;
	}
	if (status == 200) {
		cl->booked++;
		if (cl->first_booked_ms < 0)
			cl->first_booked_ms = now - cl->open_ms;
	} else if (status == 409) {
		cl->full++;
	} else if (status == 425) {
		cl->early++;
	} else if (status > 0) {
		cl->other++;
	} else {
		cl->failed++;
	}
	if (!p)
		return;
	if (status == 200) {
		cl->persons_booked++;
		p->state = PERSON_DONE;
		return;
	}
	p->state = PERSON_WAITING;
	p->next_ms = now + rng_between(cl->retry);
}

static void req_start(struct client *cl, struct request *r, enum req_kind kind,
		      int person, unsigned int src)
{
	const struct sockaddr_storage *to;
	socklen_t to_len;
	int one = 1;

	r->kind = kind;
	r->person = person;
	r->got = 0;
	memset(r->head, 0, sizeof(r->head));
	if (kind == REQ_BOOK)
		cl->attempts++;
	if (cl->sources[src].ss_family == AF_INET6) {
		to = &cl->to6;
		to_len = cl->to6_len;
	} else {
		to = &cl->to4;
		to_len = cl->to4_len;
	}
	r->fd = socket(to->ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		client_note_error(cl, "socket", errno);
		req_finish(cl, r, -1);
		return;
	}
	/* A bot gives up on a dropped SYN fast and tries again; a person's
	 * browser waits for the kernel's retries. */
	if (cl->is_bot)
		setsockopt(r->fd, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one));
	if (bind(r->fd, (const struct sockaddr *)&cl->sources[src],
		 cl->source_lens[src])) {
		client_note_error(cl, "bind to source", errno);
		req_finish(cl, r, -1);
		return;
	}
	r->deadline_ms = sg_tool_mono_ms() + cl->timeout_ms;
	r->state = REQ_CONNECTING;
	if (connect(r->fd, (const struct sockaddr *)to, to_len) &&
	    errno != EINPROGRESS) {
		client_note_error(cl, "connect", errno);
		req_finish(cl, r, -1);
	}
}

/* "HTTP/1.1 200 ..." -> 200; 0 when it is not a status line. */
static int status_of(const char *head)
{
	if (strncmp(head, "HTTP/1.", 7) || head[8] != ' ')
		return 0;
	return atoi(head + 9);
}

static void req_event(struct client *cl, struct request *r)
{
	const char *msg = r->kind == REQ_PAGE ? page_request : book_request;
	size_t len = r->kind == REQ_PAGE ? sizeof(page_request) - 1
					 : sizeof(book_request) - 1;
	socklen_t elen = sizeof(int);
	char buf[4096];
	int err = 0;
	ssize_t n;

	if (r->state == REQ_CONNECTING) {
		getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err) {
			if (err != ETIMEDOUT && err != ECONNREFUSED &&
			    err != ECONNRESET)
				client_note_error(cl, "connect", err);
			req_finish(cl, r, -1);
			return;
		}
		/* A fresh socket's send buffer takes the whole request. */
		if (send(r->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
			req_finish(cl, r, -1);
			return;
		}
		r->state = REQ_READING;
		return;
	}
	n = recv(r->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			req_finish(cl, r, -1);
		return;
	}
	if (r->got < sizeof(r->head) - 1) {
		size_t take = sizeof(r->head) - 1 - r->got;

		memcpy(r->head + r->got, buf,
		       (size_t)n < take ? (size_t)n : take);
	}
	r->got += n;
	if (n == 0) /* the server closed: the answer is complete */
		req_finish(cl, r, status_of(r->head));
}

static struct request *req_free_slot(struct client *cl)
{
	int i;

	for (i = 0; i < BOOKING_MAX_INFLIGHT; i++) {
		if (cl->reqs[i].state == REQ_FREE)
			return &cl->reqs[i];
	}
	return NULL;
}

/* Start what is due: the bot's next attempts, or people's next steps. */
static void client_launch(struct client *cl, int64_t start_us,
			  unsigned long *next)
{
	int64_t now = sg_tool_mono_ms();
	struct request *r;
	unsigned int i;

	if (now >= cl->stop_ms)
		return;
	if (cl->is_bot) {
		while (start_us + (int64_t)*next * cl->gap_us <=
		       sg_tool_mono_us()) {
			r = req_free_slot(cl);
			if (!r)
				return;
			req_start(cl, r, REQ_BOOK, -1, *next % cl->n_sources);
			(*next)++;
		}
		return;
	}
	for (i = 0; i < cl->n_sources; i++) {
		struct person *p = &cl->persons[i];

		if ((p->state != PERSON_AWAY && p->state != PERSON_WAITING) ||
		    p->next_ms > now || !(r = req_free_slot(cl)))
			continue;
		/* A person who could not load the page tries that again. */
		req_start(cl, r, p->page_loaded ? REQ_BOOK : REQ_PAGE, i, i);
		if (r->state != REQ_FREE)
			p->state = PERSON_BUSY;
	}
}

static int client_run(struct client *cl)
{
	static struct pollfd pfds[BOOKING_MAX_INFLIGHT];
	static int idx[BOOKING_MAX_INFLIGHT];
	int64_t start_us = sg_tool_mono_us();
	unsigned long next = 0;
	int i, n, ret;

	for (i = 0; i < BOOKING_MAX_INFLIGHT; i++)
		cl->reqs[i].fd = -1;
	for (i = 0; i < (int)cl->n_sources && !cl->is_bot; i++)
		cl->persons[i].next_ms = cl->open_ms + rng_between(cl->arrive);
	while (!booking_stop) {
		client_launch(cl, start_us, &next);
		n = 0;
		for (i = 0; i < BOOKING_MAX_INFLIGHT; i++) {
			struct request *r = &cl->reqs[i];

			if (r->state == REQ_FREE)
				continue;
			if (sg_tool_mono_ms() >= r->deadline_ms) {
				req_finish(cl, r, -1);
				continue;
			}
			pfds[n].fd = r->fd;
			pfds[n].events = r->state == REQ_CONNECTING ? POLLOUT
								    : POLLIN;
			idx[n++] = i;
		}
		if (!n && sg_tool_mono_ms() >= cl->stop_ms)
			break;
		ret = poll(pfds, n, cl->is_bot ? 1 : 10);
		if (ret < 0 && errno != EINTR)
			return -errno;
		for (i = 0; ret > 0 && i < n; i++) {
			if (pfds[i].revents)
				req_event(cl, &cl->reqs[idx[i]]);
		}
	}
	return 0;
}

static void client_print(const struct client *cl)
{
	printf("{\"attempts\":%lu,\"booked\":%lu,\"full\":%lu,\"early\":%lu,"
	       "\"other\":%lu,\"failed\":%lu,\"first_booked_ms\":%lld",
	       cl->attempts, cl->booked, cl->full, cl->early, cl->other,
	       cl->failed, cl->first_booked_ms);
	if (!cl->is_bot)
		printf(",\"persons\":%u,\"persons_booked\":%lu,"
		       "\"page_loads\":%lu,\"pages_failed\":%lu",
		       cl->n_sources, cl->persons_booked, cl->page_loads,
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

static int cmd_client(int argc, char **argv, bool is_bot)
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct client cl;
	struct sigaction sa = { .sa_handler = booking_on_signal };
	const char *to = NULL, *sources = NULL;
	long long port = 80, open_at = -1, stop_at = -1, seed = 1;
	int c;

	cl.is_bot = is_bot;
	cl.timeout_ms = is_bot ? 1000 : 5000;
	cl.arrive[0] = -3000, cl.arrive[1] = 5000;
	cl.think[0] = 2000, cl.think[1] = 4000;
	cl.retry[0] = 3000, cl.retry[1] = 6000;
	cl.first_booked_ms = -1;
	while ((c = getopt_long(argc, argv, "t:p:S:o:e:r:T:a:k:R:s:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'p':
			if (sg_tool_parse_int(optarg, 1, 65535, &port))
				goto bad_usage;
			break;
		case 'S':
			sources = optarg;
			break;
		case 'o':
			if (sg_tool_parse_int(optarg, 0, INT64_MAX / 2,
					      &open_at))
				goto bad_usage;
			break;
		case 'e':
			if (sg_tool_parse_int(optarg, 0, INT64_MAX / 2,
					      &stop_at))
				goto bad_usage;
			break;
		case 'r':
			if (!is_bot || sg_tool_parse_rate(optarg, &cl.gap_us))
				goto bad_usage;
			break;
		case 'T':
			if (sg_tool_parse_int(optarg, 1, 600000,
					      &cl.timeout_ms))
				goto bad_usage;
			break;
		case 'a':
			if (parse_range(optarg, cl.arrive))
				goto bad_usage;
			break;
		case 'k':
			if (parse_range(optarg, cl.think) || cl.think[0] < 0)
				goto bad_usage;
			break;
		case 'R':
			if (parse_range(optarg, cl.retry) || cl.retry[0] < 1)
				goto bad_usage;
			break;
		case 's':
			if (sg_tool_parse_int(optarg, 1, INT64_MAX, &seed))
				goto bad_usage;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!to || !sources || open_at < 0 || stop_at < open_at ||
	    (is_bot && !cl.gap_us) || optind != argc)
		goto bad_usage;
	if (client_parse_to(&cl, to, port) ||
	    client_parse_sources(&cl, sources))
		goto bad_usage;
	if (!client_families_ok(&cl)) {
		fputs("sg_booking: a source has no --to address of its family\n",
		      stderr);
		return 2;
	}
	rng_state ^= (uint64_t)seed * 0x100000001b3ULL;
	cl.open_ms = epoch_to_mono_ms(open_at);
	cl.stop_ms = epoch_to_mono_ms(stop_at);
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
	if (!strcmp(argv[1], "slots"))
		return cmd_slots(argc - 1, argv + 1);
	if (!strcmp(argv[1], "people"))
		return cmd_client(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "bot"))
		return cmd_client(argc - 1, argv + 1, true);
	fprintf(stderr, "sg_booking: unknown command '%s'; see --help\n",
		argv[1]);
	return 2;
}
