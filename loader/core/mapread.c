// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Whole-map reads for the read commands: per-CPU arrays summed over CPUs,
 * and the tracking table (up to millions of entries) in large batches,
 * split among threads when it is big.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mapread.h"

#define TRACK_CHUNK	   16384  /* entries per batch lookup: 1.2 MB */
#define TRACK_PARALLEL_MIN 131072 /* smaller tables: one thread is enough */
#define TRACK_THREADS_MAX  8

/* Fills keys[]/values[] with every entry of an array map. */
static int array_batch(int fd, __u32 entries, __u32 *keys, char *values,
		       size_t value_bytes, __u32 *got)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 token, n, total = 0;
	void *in = NULL;
	int ret = 0;

	while (total < entries && ret != -ENOENT) {
		n = entries - total;
		ret = bpf_map_lookup_batch(fd, in, &token, keys + total,
					   values + total * value_bytes, &n,
					   &opts);
		if (ret && ret != -ENOENT)
			return ret;
		total += n;
		in = &token;
	}
	*got = total;
	return 0;
}

/* The same, one lookup per entry, for kernels without batch lookups. */
static int array_each(int fd, __u32 entries, __u32 *keys, char *values,
		      size_t value_bytes, __u32 *got)
{
	__u32 i;

	for (i = 0; i < entries; i++) {
		keys[i] = i;
		if (bpf_map_lookup_elem(fd, &i, values + i * value_bytes))
			return -errno;
	}
	*got = entries;
	return 0;
}

/*
 * The kernel hands out one copy of the value per possible CPU, each padded
 * to 8 bytes; values of __u64 words need no padding, so they sum wordwise.
 */
int sg_percpu_array_sum(int fd, __u32 entries, __u32 words, __u64 *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 *keys, got = 0, i, w;
	size_t stride, bytes;
	__u64 *values;
	int cpu, ret;

	if (ncpus < 0)
		return ncpus;
	stride = (size_t)ncpus * words; /* __u64 words per entry */
	bytes = stride * sizeof(*values);
	keys = calloc(entries, sizeof(*keys));
	values = calloc(entries, bytes);
	ret = keys && values ? 0 : -ENOMEM;
	if (!ret && array_batch(fd, entries, keys, (char *)values, bytes, &got))
		ret = array_each(fd, entries, keys, (char *)values, bytes,
				 &got);
	memset(sum, 0, (size_t)entries * words * sizeof(*sum));
	for (i = 0; !ret && i < got; i++) {
		if (keys[i] >= entries)
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			for (w = 0; w < words; w++)
				sum[keys[i] * words + w] +=
					values[i * stride + cpu * words + w];
	}
	free(keys);
	free(values);
	return ret;
}

/*
 * The tracking table, read fast. A batch lookup costs the kernel a few
 * hundred ns per entry (bucket lock, two copies to user space), about 0.3 s
 * for a million entries on one CPU whatever the chunk size. So once the
 * first batch shows that batches work, the rest of the buckets is split
 * among threads.
 *
 * This leans on the hash map's batch token being the next bucket index,
 * with roundup_pow_of_two(max_entries) buckets (kernel/bpf/hashtab.c since
 * batch ops exist). A batch returns whole buckets, so the last batch of a
 * part can run into the next part: those entries are dropped by key if
 * the next part's first batch (which starts at the same bucket and is as
 * large) has them. The last part reads on to the real end.
 */
struct track_walk {
	sg_track_fn fn;
	void *arg;
	__u64 count;
	pthread_mutex_t lock; /* fn is not thread-safe */
};

struct track_part {
	struct track_walk *walk;
	int fd;
	__u32 start, end; /* buckets; UINT32_MAX: on to the end */
	struct sg_prefix_key *keys;
	struct sg_track *vals;
	__u32 n_last; /* the final batch, left in keys/vals for dedup */
	struct sg_prefix_key *first; /* keys of the first batch, sorted */
	__u32 n_first;
	int ret;
};

static void track_deliver(struct track_walk *w, const struct sg_prefix_key *k,
			  const struct sg_track *v, __u32 n, bool locked)
{
	__u32 i;

	if (locked)
		pthread_mutex_lock(&w->lock);
	for (i = 0; i < n; i++)
		w->fn(&k[i], &v[i], w->arg);
	w->count += n;
	if (locked)
		pthread_mutex_unlock(&w->lock);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sg_prefix_key));
}

static void *track_part_run(void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct track_part *p = arg;
	__u32 in = p->start, out, n;
	int ret;

	for (;;) {
		n = TRACK_CHUNK;
		ret = bpf_map_lookup_batch(p->fd, &in, &out, p->keys, p->vals,
					   &n, &opts);
		if (ret && ret != -ENOENT) {
			p->ret = ret;
			return NULL;
		}
		if (!p->first) {
			p->first = malloc((n ? n : 1) * sizeof(*p->first));
			if (!p->first) {
				p->ret = -ENOMEM;
				return NULL;
			}
			memcpy(p->first, p->keys, n * sizeof(*p->first));
			qsort(p->first, n, sizeof(*p->first), key_cmp);
			p->n_first = n;
		}
		if (ret || out >= p->end) {
			p->n_last = n;
			return NULL;
		}
		track_deliver(p->walk, p->keys, p->vals, n, true);
		in = out;
	}
}

/* The final batch of part p, less what part next read first. */
static void track_part_finish(struct track_walk *w, struct track_part *p,
			      const struct track_part *next)
{
	__u32 i;

	for (i = 0; i < p->n_last; i++) {
		if (next && bsearch(&p->keys[i], next->first, next->n_first,
				    sizeof(*next->first), key_cmp))
			continue;
		track_deliver(w, &p->keys[i], &p->vals[i], 1, false);
	}
}

static int track_parallel(int fd, struct track_walk *w, __u32 from,
			  __u32 buckets, int threads)
{
	struct track_part parts[TRACK_THREADS_MAX] = {};
	pthread_t tids[TRACK_THREADS_MAX];
	__u32 span = (buckets - from) / threads + 1;
	int i, started = 0, ret = 0;

	for (i = 0; i < threads; i++) {
		parts[i] = (struct track_part){
			.walk = w,
			.fd = fd,
			.start = from + i * span,
			.end = i == threads - 1 ? UINT32_MAX
						: from + (i + 1) * span,
		};
		parts[i].keys = malloc(TRACK_CHUNK * sizeof(*parts[i].keys));
		parts[i].vals = malloc(TRACK_CHUNK * sizeof(*parts[i].vals));
		if (!parts[i].keys || !parts[i].vals ||
		    pthread_create(&tids[i], NULL, track_part_run, &parts[i]))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < started && !ret; i++)
		ret = parts[i].ret;
	if (started < threads && !ret)
		ret = -ENOMEM;
	for (i = 0; i < started && !ret; i++)
		track_part_finish(w, &parts[i],
				  i + 1 < started ? &parts[i + 1] : NULL);
	for (i = 0; i < threads; i++) {
		free(parts[i].keys);
		free(parts[i].vals);
		free(parts[i].first);
	}
	return ret;
}

/* Buckets of the hash map, and how many threads are worth it. */
static int track_threads(int fd, __u32 *buckets)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.max_entries < TRACK_PARALLEL_MIN || cpus < 2)
		return 1;
	*buckets = 1;
	while (*buckets < info.max_entries)
		*buckets <<= 1;
	return cpus < TRACK_THREADS_MAX ? cpus : TRACK_THREADS_MAX;
}

static int track_batch(int fd, struct track_walk *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct sg_prefix_key *keys;
	struct sg_track *vals;
	__u32 token, n, buckets = 0;
	int threads = track_threads(fd, &buckets);
	void *in = NULL;
	int ret = -ENOMEM;

	keys = malloc(TRACK_CHUNK * sizeof(*keys));
	vals = malloc(TRACK_CHUNK * sizeof(*vals));
	while (keys && vals) {
		n = TRACK_CHUNK;
		ret = bpf_map_lookup_batch(fd, in, &token, keys, vals, &n,
					   &opts);
		if (ret && ret != -ENOENT)
			break;
		track_deliver(w, keys, vals, n, false);
		if (ret) /* -ENOENT: that was the last bucket */
			break;
		in = &token;
		/* A token past the bucket count: not the layout we know. */
		if (threads > 1 && token < buckets) {
			ret = track_parallel(fd, w, token, buckets, threads);
			break;
		}
	}
	free(keys);
	free(vals);
	return ret == -ENOENT ? 0 : ret;
}

/*
 * Two syscalls per entry. A key evicted under our feet makes the kernel
 * start over from the first key, so a busy table may be seen twice.
 */
static int track_keys(int fd, struct track_walk *w)
{
	struct sg_prefix_key key, next;
	struct sg_track t;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &t))
			track_deliver(w, &next, &t, 1, false);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sg_track_walk(int fd, sg_track_fn fn, void *arg, __u64 *count)
{
	struct track_walk w = { .fn = fn, .arg = arg };
	int ret;

	pthread_mutex_init(&w.lock, NULL);
	ret = track_batch(fd, &w);
	/* Batch lookups refused before anything was read: walk the keys. */
	if (ret && ret != -ENOMEM && !w.count)
		ret = track_keys(fd, &w);
	pthread_mutex_destroy(&w.lock);
	*count = w.count;
	return ret;
}
