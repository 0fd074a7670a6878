// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What sg_booking's parts share: the stop flag, epoch to monotonic times,
 * "A..B" ranges and the seeded random numbers that make people repeatable.
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

volatile sig_atomic_t booking_stop;

void booking_on_signal(int sig)
{
	booking_stop = 1;
}

/* An epoch time in ms as a monotonic one: the rest of the run is immune
 * to clock steps. */
int64_t epoch_to_mono_ms(int64_t epoch_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return sg_tool_mono_ms() + epoch_ms -
	       ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* "A..B" (either may be negative) into a range of milliseconds. */
int parse_range(const char *text, long long range[2])
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
uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

long long rng_between(const long long range[2])
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	x *= 0x2545f4914f6cdd1dULL;
	return range[0] + (long long)(x % (uint64_t)(range[1] - range[0] + 1));
}
