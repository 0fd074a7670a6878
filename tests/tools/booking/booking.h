/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sg_booking's parts: the slot counter (slots.c), people and the
 * connection-per-request bot (client.c), the keep-alive bot (keepalive.c)
 * and what they share (common.c).
 */
#ifndef SLOTGUARD_BOOKING_H
#define SLOTGUARD_BOOKING_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define BOOKING_MAX_SOURCES  1024
#define BOOKING_MAX_PERSONS  1024
#define BOOKING_MAX_INFLIGHT 2048
#define BOOKING_SERVER_CONNS 1024
#define BOOKING_REQ_MAX	     2048

extern const char booking_usage[]; /* sg_booking.c */
extern volatile sig_atomic_t booking_stop;
void booking_on_signal(int sig);
/* An epoch time in ms as a monotonic one, immune to clock steps. */
int64_t epoch_to_mono_ms(int64_t epoch_ms);
/* "A..B" (either may be negative) into a range of milliseconds. */
int parse_range(const char *text, long long range[2]);
/* xorshift64*: the same seed gives the same people, run after run. */
extern uint64_t rng_state;
long long rng_between(const long long range[2]);

/* ---- people and the connection-per-request bot (client.c) ---- */
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
	unsigned int src; /* the address the person books from */
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
	long long per_source; /* people behind each address */
	bool stacks;	      /* their devices' TCP/IP stacks differ */
	unsigned int n_persons;
	/* What happened. */
	unsigned long attempts, booked, full, early, other, failed;
	unsigned long page_loads, pages_failed, persons_booked;
	long long first_booked_ms; /* after the opening, -1: none */
	char first_error[128];
	struct person persons[BOOKING_MAX_PERSONS];
	struct request reqs[BOOKING_MAX_INFLIGHT];
};

/* Runs the clients until --stop-at; 0 or -errno. */
int client_run(struct client *cl);

int cmd_slots(int argc, char **argv);
int cmd_client(int argc, char **argv, int is_bot);
int cmd_keepalive(int argc, char **argv);

#endif /* SLOTGUARD_BOOKING_H */
