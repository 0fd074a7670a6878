// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking people and bot: people book at a human pace (several may
 * share one address, as behind a carrier NAT), a bot hammers POST /book
 * with a new connection each time.
 */
#define _GNU_SOURCE
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

/* ---- clients -------------------------------------------------------- */

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

/*
 * People behind one NAT use phones and laptops of several makes: their
 * SYNs differ in initial TTL (64, 128, 255) and window (set through the
 * receive buffer), as those of different stacks do.
 */
static void stack_of(int fd, int family, int person)
{
	static const int ttls[] = { 64, 128, 255 };
	static const int rcvbufs[] = { 65536, 131072, 32768 };
	int ttl = ttls[person % 3], buf = rcvbufs[(person / 3) % 3];

	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
			   sizeof(ttl));
	else
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
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
	if (cl->stacks && person >= 0)
		stack_of(r->fd, to->ss_family, person);
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
	for (i = 0; i < cl->n_persons; i++) {
		struct person *p = &cl->persons[i];

		if ((p->state != PERSON_AWAY && p->state != PERSON_WAITING) ||
		    p->next_ms > now || !(r = req_free_slot(cl)))
			continue;
		/* A person who could not load the page tries that again. */
		req_start(cl, r, p->page_loaded ? REQ_BOOK : REQ_PAGE, i,
			  p->src);
		if (r->state != REQ_FREE)
			p->state = PERSON_BUSY;
	}
}

int client_run(struct client *cl)
{
	static struct pollfd pfds[BOOKING_MAX_INFLIGHT];
	static int idx[BOOKING_MAX_INFLIGHT];
	int64_t start_us = sg_tool_mono_us();
	unsigned long next = 0;
	int i, n, ret;

	for (i = 0; i < BOOKING_MAX_INFLIGHT; i++)
		cl->reqs[i].fd = -1;
	for (i = 0; i < (int)cl->n_persons && !cl->is_bot; i++) {
		cl->persons[i].next_ms = cl->open_ms + rng_between(cl->arrive);
		cl->persons[i].src = i / cl->per_source;
	}
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
