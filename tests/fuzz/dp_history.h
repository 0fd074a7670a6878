/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Input histories of the data-path fuzzer (dp_history.c): its state lives
 * on from input to input, so a failure is saved with the inputs before it
 * and replayed, or shrunk, on a freshly loaded program.
 */
#ifndef SLOTGUARD_FUZZ_DP_HISTORY_H
#define SLOTGUARD_FUZZ_DP_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define DP_HISTORY_MAX 512
#define DP_RECORD_MAX  2049 /* one control byte and a frame */

struct dp_record {
	size_t len;
	uint8_t data[DP_RECORD_MAX];
};

/* Remember an input; the ring keeps the last DP_HISTORY_MAX. */
void dp_history_push(const uint8_t *data, size_t size);
/* Write the ring to $SG_FUZZ_HISTORY_DIR (or .)/history-PID. */
void dp_history_save(void);
/* Read a history (or a plain input, as one record); free *out. */
int dp_history_load(const char *path, struct dp_record **out, unsigned int *n);

/*
 * Load a fresh program, run records keep[0..n) of v; returns 0, or does
 * not return when an invariant breaks.
 */
typedef int (*dp_replay_fn)(const struct dp_record *v, const unsigned int *keep,
			    unsigned int n);
/* Shrink a failing history to PATH.min; 0 or -errno (-ENOENT: no fail). */
int dp_history_minimize(const char *path, dp_replay_fn replay);

#endif /* SLOTGUARD_FUZZ_DP_HISTORY_H */
