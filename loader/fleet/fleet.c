// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet sync thread: its life (prepare before the daemon drops its
 * privileges, start, stop), its loop (wait for Redis or a ban event, then
 * sync budgets, publish bans, heartbeat, on their own clocks), and the
 * small helpers the other fleet files share: clocks, lock, logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include "fleet_int.h"

#define NS_PER_MS 1000000ULL

__u64 sg_fleet_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

__u64 sg_fleet_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

__u64 sg_fleet_server_ms(const struct sg_fleet *f)
{
	return (__u64)((__s64)sg_fleet_real_ms() + f->server_offset_ms);
}

/* A Redis end time on this gateway's sg clock (0 when already past). */
__u64 sg_fleet_to_sg_ns(const struct sg_fleet *f, __u64 server_ms)
{
	__u64 now_server = sg_fleet_server_ms(f), now = sg_state_now(&f->st);

	if (server_ms <= now_server)
		return 0;
	return now + (server_ms - now_server) * NS_PER_MS;
}

__u64 sg_fleet_from_sg_ns(const struct sg_fleet *f, __u64 sg_ns)
{
	__u64 now = sg_state_now(&f->st), now_server = sg_fleet_server_ms(f);

	if (sg_ns >= now)
		return now_server + (sg_ns - now) / NS_PER_MS;
	return now_server - (now - sg_ns) / NS_PER_MS;
}

void sg_fleet_log(struct sg_fleet *f, bool chatty, const char *level,
		  const char *fmt, ...)
{
	__u64 second = sg_fleet_mono_ms() / 1000;
	char msg[768];
	va_list ap;

	if (chatty) {
		if (second != f->log_second) {
			if (f->suppressed)
				sg_log(f->d, "info",
				       "fleet: %u more lines of the last second "
				       "not logged",
				       f->suppressed);
			f->log_second = second;
			f->logged = f->suppressed = 0;
		}
		if (f->logged >= SG_FLEET_LOG_PER_SEC) {
			f->suppressed++;
			return;
		}
		f->logged++;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sg_log(f->d, level, "fleet: %s", msg);
}

int sg_fleet_lock(struct sg_fleet *f)
{
	int ret;

	if (f->locked)
		return 0;
	/* Commands hold it for a moment; a reload a little longer. */
	ret = sg_state_lock(&f->st, 5000);
	if (ret)
		sg_fleet_log(f, true, "warning",
			     "cannot lock %s: %s; a ban from the fleet is "
			     "not applied",
			     f->st.pin_dir, strerror(-ret));
	f->locked = !ret;
	return ret;
}

void sg_fleet_unlock(struct sg_fleet *f)
{
	struct sg_config cfg;

	if (!f->locked)
		return;
	/* What this thread changed is no news to its own comparison. */
	if (!sg_config_read(&f->st, &cfg))
		f->own_generation = cfg.generation;
	close(f->st.lock_fd);
	f->st.lock_fd = -1;
	f->locked = false;
}

/* Called from the daemon's loop for every ban the program makes. */
static void sg_fleet_on_ban(void *ctx, const struct sg_event *ev)
{
	struct sg_fleet *f = ctx;
	__u64 one = 1;

	pthread_mutex_lock(&f->lock);
	if (f->queued < SG_FLEET_EVENTS) {
		f->queue[f->queued].family = ev->family;
		f->queue[f->queued].prefixlen = ev->prefixlen;
		memcpy(f->queue[f->queued].addr, ev->addr, 16);
		f->queued++;
	}
	/* A full queue loses nothing: the next comparison finds the ban. */
	pthread_mutex_unlock(&f->lock);
	if (write(f->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is far from full; nothing to do. */
	}
}

/* The gateway's name: the config's, else the host name. */
static int sg_fleet_name(struct sg_fleet *f, char *err, size_t len)
{
	char host[256] = "";

	if (f->cfg.gateway[0]) {
		snprintf(f->gateway, sizeof(f->gateway), "%s", f->cfg.gateway);
		return 0;
	}
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	if (!sg_fleet_valid_name(host)) {
		snprintf(err, len,
			 "[fleet] the host name '%.64s' is no gateway name "
			 "(letters, digits, '_', '-', '.'): set gateway =",
			 host);
		return -EINVAL;
	}
	snprintf(f->gateway, sizeof(f->gateway), "%s", host);
	return 0;
}

int sg_fleet_prepare(struct sg_daemon *d, struct sg_fleet **out, char *err,
		     size_t len)
{
	const struct sg_settings *s = &d->settings;
	struct sg_fleet *f;
	int ret;

	*out = NULL;
	if (!s->fleet.enabled)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->d = d;
	f->cfg = s->fleet;
	f->wake_fd = -1;
	f->st.lock_fd = -1;
	snprintf(f->state_dir, sizeof(f->state_dir), "%s", s->state_dir);
	snprintf(f->channel, sizeof(f->channel), "%sevents", f->cfg.key_prefix);
	ret = sg_fleet_name(f, err, len);
	if (!ret && f->cfg.password_file[0])
		ret = sg_fleet_password_read(f->cfg.password_file, f->password,
					     sizeof(f->password), err, len);
	if (!ret && mkdir(f->state_dir, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, len, "state_dir %s: %s", f->state_dir,
			 strerror(errno));
	}
	if (!ret)
		ret = sg_fleet_peers_load(f, err, len);
	if (ret) {
		free(f->peers);
		free(f);
		return ret;
	}
	*out = f;
	return 0;
}

/* The next moment of a periodic job, never in the past. */
static __u64 sg_next(__u64 at, __u64 every, __u64 now)
{
	at += every;
	return at > now ? at : now + every;
}

static void sg_fleet_periodic(struct sg_fleet *f, __u64 now)
{
	struct sg_config cfg;
	bool gen_changed = false;

	if (now >= f->next_sync_ms) {
		f->next_sync_ms = sg_next(f->next_sync_ms,
					  f->cfg.sync_interval_ns / NS_PER_MS,
					  now);
		sg_fleet_sync_budgets(f);
		if (f->state == SG_FLEET_UP)
			sg_fleet_set(f, last_sync_unix_ms, sg_fleet_real_ms());
	}
	sg_fleet_heartbeat(f, now);
	if (!sg_config_read(&f->st, &cfg))
		gen_changed = cfg.generation != f->own_generation;
	/* Manual bans and unbans change the generation: compare soon. */
	if (now >= f->next_diff_ms ||
	    (gen_changed && now >= f->last_diff_ms + SG_FLEET_DIFF_MIN_MS)) {
		f->next_diff_ms = now + SG_FLEET_DIFF_MS;
		f->last_diff_ms = now;
		f->own_generation = cfg.generation;
		sg_fleet_diff(f);
	}
	if (now >= f->next_status_ms) {
		f->next_status_ms = now + 1000;
		sg_fleet_update_report(f, false);
		sg_fleet_write_status(f, true);
		if (f->peers_dirty)
			sg_fleet_peers_save(f);
	}
}

static void sg_fleet_turn(struct sg_fleet *f)
{
	__u64 now = sg_fleet_mono_ms(), wait;
	int timeout;

	if (f->state == SG_FLEET_DOWN && now >= f->retry_ms)
		sg_fleet_connect(f);
	wait = f->next_sync_ms > now ? f->next_sync_ms - now : 0;
	timeout = wait > 100 ? 100 : (int)wait;
	if (sg_fleet_poll(f, timeout) && errno != EINTR)
		usleep(10000);
	sg_fleet_publish_events(f);
	now = sg_fleet_mono_ms();
	sg_fleet_check_timeouts(f, now);
	sg_fleet_periodic(f, now);
	sg_fleet_unlock(f);
	if (f->teardown)
		sg_fleet_disconnect(f);
}

static void *sg_fleet_main(void *arg)
{
	struct sg_fleet *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
		sg_fleet_turn(f);
	sg_fleet_disconnect(f);
	sg_fleet_unlock(f);
	return NULL;
}

int sg_fleet_start(struct sg_fleet *f, char *err, size_t len)
{
	__u64 now = sg_fleet_mono_ms();
	int ret;

	f->st = f->d->st;
	f->st.lock_fd = -1;
	f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->wake_fd < 0) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		return -errno;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->next_sync_ms = now;
	f->next_diff_ms = now;
	f->gateways = 1;
	sg_fleet_update_report(f, false);
	f->d->hook_ctx = f;
	f->d->ban_hook = sg_fleet_on_ban;
	f->d->metrics_hook = sg_fleet_render_metrics;
	ret = pthread_create(&f->thread, NULL, sg_fleet_main, f);
	if (ret) {
		f->d->ban_hook = NULL;
		f->d->metrics_hook = NULL;
		snprintf(err, len, "starting the fleet thread: %s",
			 strerror(ret));
		return -ret;
	}
	f->started = true;
	sg_log(f->d, "info",
	       "fleet: gateway %s, redis %s, shared bans %s, shared budgets "
	       "%s",
	       f->gateway, f->cfg.redis, f->cfg.shared_bans ? "yes" : "no",
	       f->cfg.shared_budgets ? "yes" : "no");
	return 0;
}

void sg_fleet_stop(struct sg_fleet *f)
{
	__u64 one = 1;

	if (!f)
		return;
	if (f->started) {
		__atomic_store_n(&f->stop, true, __ATOMIC_RELEASE);
		if (write(f->wake_fd, &one, sizeof(one)) < 0) {
			/* the thread also wakes every 100 ms */
		}
		pthread_join(f->thread, NULL);
		f->d->ban_hook = NULL;
		f->d->metrics_hook = NULL;
		/* No more reports nobody reads. */
		sg_fleet_update_report(f, true);
		sg_fleet_unlock(f);
		sg_fleet_write_status(f, false);
		if (f->peers_dirty)
			sg_fleet_peers_save(f);
		pthread_mutex_destroy(&f->lock);
	}
	if (f->wake_fd >= 0)
		close(f->wake_fd);
	memset(f->password, 0, sizeof(f->password));
	free(f->known);
	free(f->recent);
	free(f->hits);
	free(f->peers);
	free(f);
}
