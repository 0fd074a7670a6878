/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared by the rate-limit tests (test_limits.c, test_limits_bans.c): the
 * protected port, time units, and one-line senders and verdict checks.
 */
#ifndef SLOTGUARD_TEST_LIMITS_COMMON_H
#define SLOTGUARD_TEST_LIMITS_COMMON_H

#include "harness.h"

#define TCP_PORT 443
#define SEC	 SG_H_NS_PER_SEC
#define MSEC	 (SG_H_NS_PER_SEC / 1000)

/* A TCP SYN (or other segment) from src to the protected service. */
static inline struct sg_h_hit send_tcp(struct sg_h *h, const char *src,
				       __u8 flags)
{
	return sg_h_send_tcp(h, src, TCP_PORT, flags);
}

static inline struct sg_h_hit syn(struct sg_h *h, const char *src)
{
	return sg_h_send_tcp(h, src, TCP_PORT, SG_TH_SYN);
}

static inline bool admitted(struct sg_h_hit r)
{
	return sg_h_passed(r, SG_REASON_WITHIN_BUDGET);
}

#endif /* SLOTGUARD_TEST_LIMITS_COMMON_H */
