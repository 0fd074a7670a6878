// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data-path fuzzer keeps the program's state (budgets, bans, the
 * clock) from one input to the next, so a failure may need the inputs
 * before it. This keeps the last DP_HISTORY_MAX inputs, saves them as a
 * history file when an invariant breaks, replays one on a fresh program,
 * and shrinks one to the inputs the failure needs.
 *
 * File: "SGDPHIST1\n", then records of a 16-bit little-endian length and
 * that many bytes. A file without the magic is one input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dp_history.h"

#define MAGIC	  "SGDPHIST1\n"
#define MAGIC_LEN (sizeof(MAGIC) - 1)

static struct dp_record ring[DP_HISTORY_MAX];
static unsigned int ring_next, ring_count;

void dp_history_push(const uint8_t *data, size_t size)
{
	struct dp_record *r = &ring[ring_next];

	r->len = size < DP_RECORD_MAX ? size : DP_RECORD_MAX;
	memcpy(r->data, data, r->len);
	ring_next = (ring_next + 1) % DP_HISTORY_MAX;
	if (ring_count < DP_HISTORY_MAX)
		ring_count++;
}

static int write_records(const char *path, const struct dp_record *v,
			 const unsigned int *order, unsigned int n)
{
	FILE *f = fopen(path, "we");
	unsigned int i;
	int err = 0;

	if (!f)
		return -errno;
	fwrite(MAGIC, 1, MAGIC_LEN, f);
	for (i = 0; i < n; i++) {
		const struct dp_record *r = &v[order ? order[i] : i];
		uint8_t len[2] = { r->len & 0xff, r->len >> 8 };

		fwrite(len, 1, 2, f);
		fwrite(r->data, 1, r->len, f);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

void dp_history_save(void)
{
	const char *dir = getenv("SG_FUZZ_HISTORY_DIR");
	unsigned int order[DP_HISTORY_MAX], i;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/history-%d", dir ? dir : ".",
		 (int)getpid());
	/* Oldest first. */
	for (i = 0; i < ring_count; i++)
		order[i] = (ring_next + DP_HISTORY_MAX - ring_count + i) %
			   DP_HISTORY_MAX;
	err = write_records(path, ring, order, ring_count);
	fprintf(stderr,
		"fuzz_datapath: %s: the last %u inputs%s%s (replay: SG_FUZZ_REPLAY=%s, shrink: add SG_FUZZ_MINIMIZE=1)\n",
		path, ring_count, err ? ", not written: " : "",
		err ? strerror(-err) : "", path);
}

int dp_history_load(const char *path, struct dp_record **out, unsigned int *n)
{
	static uint8_t buf[DP_HISTORY_MAX * (DP_RECORD_MAX + 2) + MAGIC_LEN];
	struct dp_record *v;
	size_t len, off = MAGIC_LEN, rl;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	v = calloc(DP_HISTORY_MAX, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*n = 0;
	if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN)) {
		v[0].len = len < DP_RECORD_MAX ? len : DP_RECORD_MAX;
		memcpy(v[0].data, buf, v[0].len);
		*n = 1;
		*out = v;
		return 0;
	}
	while (off + 2 <= len && *n < DP_HISTORY_MAX) {
		rl = buf[off] | (size_t)buf[off + 1] << 8;
		off += 2;
		if (rl > DP_RECORD_MAX || off + rl > len) {
			free(v);
			return -EINVAL;
		}
		v[*n].len = rl;
		memcpy(v[*n].data, buf + off, rl);
		off += rl;
		(*n)++;
	}
	*out = v;
	return 0;
}

/* Does replaying these records (in a fresh child) break an invariant? */
static bool fails(const struct dp_record *v, const unsigned int *keep,
		  unsigned int n, dp_replay_fn replay)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (!pid) {
		freopen("/dev/null", "w", stderr);
		_exit(replay(v, keep, n));
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/*
 * First the shortest failing suffix (a binary search: what happened long
 * before rarely matters), then drop records one at a time from its oldest
 * on, keeping each drop after which the failure still shows. Each try
 * replays on a freshly loaded program.
 */
int dp_history_minimize(const char *path, dp_replay_fn replay)
{
	unsigned int keep[DP_HISTORY_MAX], n, i, j, m, lo, hi, tries = 0;
	struct dp_record *v;
	char out[4096];
	int err;

	err = dp_history_load(path, &v, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		keep[i] = i;
	if (!fails(v, keep, n, replay)) {
		fprintf(stderr, "fuzz_datapath: %s: replays clean\n", path);
		free(v);
		return -ENOENT;
	}
	for (lo = 0, hi = n; hi - lo > 1;) {
		unsigned int mid = lo + (hi - lo) / 2;

		tries++;
		if (fails(v, keep + mid, n - mid, replay))
			lo = mid;
		else
			hi = mid;
	}
	m = n - lo;
	memmove(keep, keep + lo, m * sizeof(keep[0]));
	for (i = 0; i < m;) {
		unsigned int trial[DP_HISTORY_MAX];

		for (j = 0; j < m - 1; j++)
			trial[j] = keep[j < i ? j : j + 1];
		tries++;
		if (m > 1 && fails(v, trial, m - 1, replay)) {
			memcpy(keep, trial, (m - 1) * sizeof(keep[0]));
			m--;
		} else {
			i++;
		}
	}
	snprintf(out, sizeof(out), "%s.min", path);
	err = write_records(out, v, keep, m);
	fprintf(stderr, "fuzz_datapath: %s: %u of %u inputs fail (%u tries)\n",
		err ? path : out, m, n, tries);
	free(v);
	return err;
}
