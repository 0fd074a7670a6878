/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the test tools (tests/tools/: traffic, booking, slow HTTP, spoof)
 * share: monotonic clocks, numeric address and number parsing, request
 * rates, and a raised file limit for clients that hold many sockets.
 */
#ifndef SLOTGUARD_TEST_TOOL_H
#define SLOTGUARD_TEST_TOOL_H

#include <stdint.h>
#include <sys/socket.h>

int64_t sg_tool_mono_ms(void);
int64_t sg_tool_mono_us(void);
/* Numeric IPv4 or IPv6 address (no name lookups) with a port. */
int sg_tool_parse_addr(const char *text, uint16_t port,
		       struct sockaddr_storage *ss, socklen_t *len);
/* A decimal integer in [min, max], nothing else on the string. */
int sg_tool_parse_int(const char *text, long long min, long long max,
		      long long *out);
/*
 * "50/s", "600/m", "10/h", "100" (per second) or "max" (as fast as
 * possible: 0) -> microseconds between two events; N is 1 to 10,000,000.
 */
int sg_tool_parse_rate(const char *text, int64_t *gap_us);
/* Soft RLIMIT_NOFILE up to the hard one. */
void sg_tool_raise_fd_limit(void);

#endif /* SLOTGUARD_TEST_TOOL_H */
