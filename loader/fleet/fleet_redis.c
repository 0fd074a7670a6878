// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The two Redis connections of a gateway (hiredis' async API on our own
 * poll(), in the fleet thread): one for commands, one subscribed to the
 * ban channel. Every command has a deadline; a connection that does not
 * answer in time, or at all, is dropped and tried again later, with a
 * growing and jittered delay, so a fleet restarting at once is no herd.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "fleet_int.h"

#define NS_PER_MS 1000000ULL

static void ev_add_read(void *p)
{
	((struct sg_fleet_conn *)p)->reading = true;
}

static void ev_del_read(void *p)
{
	((struct sg_fleet_conn *)p)->reading = false;
}

static void ev_add_write(void *p)
{
	((struct sg_fleet_conn *)p)->writing = true;
}

static void ev_del_write(void *p)
{
	((struct sg_fleet_conn *)p)->writing = false;
}

static void ev_cleanup(void *p)
{
	struct sg_fleet_conn *c = p;

	c->reading = c->writing = false;
}

void sg_fleet_fail(struct sg_fleet *f, const char *fmt, ...)
{
	va_list ap;

	if (f->teardown)
		return;
	f->teardown = true;
	va_start(ap, fmt);
	vsnprintf(f->teardown_why, sizeof(f->teardown_why), fmt, ap);
	va_end(ap);
}

/* hiredis frees the context after this: forget it. */
static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct sg_fleet_conn *c = ac->data;

	c->ac = NULL;
	c->connected = false;
	sg_fleet_fail(c->f, "%s connection closed%s%s", c->role,
		      status == REDIS_OK ? "" : ": ",
		      status == REDIS_OK ? "" : ac->errstr);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct sg_fleet_conn *c = ac->data;

	if (status != REDIS_OK) {
		c->ac = NULL; /* freed by hiredis on return */
		sg_fleet_fail(c->f, "connecting (%s): %s", c->role, ac->errstr);
		return;
	}
	c->connected = true;
}

static redisAsyncContext *sg_fleet_open(struct sg_fleet *f)
{
	char host[PATH_MAX], *colon;
	int port;

	if (f->cfg.redis[0] == '/')
		return redisAsyncConnectUnix(f->cfg.redis);
	snprintf(host, sizeof(host), "%s", f->cfg.redis);
	colon = strrchr(host, ':');
	*colon = '\0';
	port = atoi(colon + 1);
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return redisAsyncConnect(host, port);
}

static int sg_fleet_open_conn(struct sg_fleet *f, struct sg_fleet_conn *c,
			      const char *role)
{
	redisAsyncContext *ac = sg_fleet_open(f);

	memset(c, 0, sizeof(*c));
	c->f = f;
	c->role = role;
	if (!ac)
		return -ENOMEM;
	if (ac->err) {
		sg_fleet_fail(f, "connecting (%s): %s", role, ac->errstr);
		redisAsyncFree(ac);
		return -ECONNREFUSED;
	}
	ac->data = c;
	ac->ev.data = c;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	c->ac = ac;
	c->writing = true; /* the connect completes when writable */
	c->started_ms = sg_fleet_mono_ms();
	return 0;
}

int sg_fleet_open_conns(struct sg_fleet *f)
{
	int ret = sg_fleet_open_conn(f, &f->cmd, "commands");

	if (!ret)
		ret = sg_fleet_open_conn(f, &f->sub, "subscriber");
	if (ret)
		sg_fleet_fail(f, "connecting: %s", strerror(-ret));
	return ret;
}

int sg_fleet_send_on(struct sg_fleet *f, struct sg_fleet_conn *c,
		     enum sg_fleet_op op, struct sg_fleet_args *a)
{
	if (!c->ac || f->teardown)
		return -ENOTCONN;
	if (a->failed)
		return -ENOMEM;
	if (redisAsyncCommandArgv(c->ac, sg_fleet_on_reply,
				  (void *)(uintptr_t)op, a->n,
				  (const char **)a->v, a->len) != REDIS_OK) {
		sg_fleet_fail(f, "sending a command: %s",
			      c->ac->errstr[0] ? c->ac->errstr : "refused");
		return -EIO;
	}
	if (op != SG_OP_SUBSCRIBE && !c->pending++)
		c->waiting_since_ms = sg_fleet_mono_ms();
	sg_fleet_add(f, commands, 1);
	return 0;
}

static short sg_fleet_events(const struct sg_fleet_conn *c)
{
	return (c->reading ? POLLIN : 0) | (c->writing ? POLLOUT : 0);
}

static void sg_fleet_handle(struct sg_fleet_conn *c, short revents)
{
	if (c->ac && (revents & (POLLIN | POLLERR | POLLHUP)))
		redisAsyncHandleRead(c->ac);
	if (c->ac && (revents & (POLLOUT | POLLERR)))
		redisAsyncHandleWrite(c->ac);
}

int sg_fleet_poll(struct sg_fleet *f, int timeout_ms)
{
	struct sg_fleet_conn *conns[2] = { &f->cmd, &f->sub };
	struct pollfd pfd[3] = { { .fd = f->wake_fd, .events = POLLIN } };
	int at[2] = { -1, -1 };
	nfds_t n = 1;
	__u64 drain;
	int i, ret;

	for (i = 0; i < 2; i++) {
		if (!conns[i]->ac || !sg_fleet_events(conns[i]))
			continue;
		at[i] = (int)n;
		pfd[n].fd = conns[i]->ac->c.fd;
		pfd[n++].events = sg_fleet_events(conns[i]);
	}
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0)
		return -errno;
	if (pfd[0].revents & POLLIN) {
		if (read(f->wake_fd, &drain, sizeof(drain)) < 0) {
			/* already drained */
		}
	}
	for (i = 0; i < 2; i++)
		if (at[i] >= 0 && pfd[at[i]].revents)
			sg_fleet_handle(conns[i], pfd[at[i]].revents);
	return 0;
}

void sg_fleet_check_timeouts(struct sg_fleet *f, __u64 now)
{
	__u64 limit = f->cfg.timeout_ns / NS_PER_MS;
	struct sg_fleet_conn *conns[2] = { &f->cmd, &f->sub };
	int i;

	for (i = 0; i < 2 && f->state != SG_FLEET_DOWN; i++) {
		struct sg_fleet_conn *c = conns[i];

		if (!c->ac)
			continue;
		if (!c->connected && now - c->started_ms > limit)
			sg_fleet_fail(f, "no connection within %llums (%s)",
				      (unsigned long long)limit, c->role);
		else if (c->pending && now - c->waiting_since_ms > limit)
			sg_fleet_fail(f, "no reply within %llums (%s)",
				      (unsigned long long)limit, c->role);
	}
	if (f->state == SG_FLEET_CONNECTING && now - f->cmd.started_ms > limit)
		sg_fleet_fail(f, "not ready within %llums",
			      (unsigned long long)limit);
	/* Our own heartbeat comes back every second on a live subscription. */
	if (f->state == SG_FLEET_UP &&
	    now - f->sub_heard_ms > limit + 2 * SG_FLEET_HEARTBEAT_MS)
		sg_fleet_fail(f, "nothing on the subscription for %llums",
			      (unsigned long long)(now - f->sub_heard_ms));
}

/* 250 ms doubling to 4 s, each drawn from 50% to 100% of it. */
static __u64 sg_fleet_backoff(struct sg_fleet *f)
{
	__u64 base = SG_FLEET_RETRY_MIN_MS;
	unsigned int r = 0, i;

	for (i = 1; i < f->failures && base < SG_FLEET_RETRY_MAX_MS; i++)
		base *= 2;
	if (base > SG_FLEET_RETRY_MAX_MS)
		base = SG_FLEET_RETRY_MAX_MS;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)sg_fleet_mono_ms();
	return base / 2 + r % (base / 2 + 1);
}

void sg_fleet_disconnect(struct sg_fleet *f)
{
	struct sg_fleet_conn *conns[2] = { &f->cmd, &f->sub };
	bool was_up = f->state == SG_FLEET_UP;
	redisAsyncContext *ac;
	int i;

	for (i = 0; i < 2; i++) {
		ac = conns[i]->ac;
		conns[i]->ac = NULL;
		if (ac) {
			ac->onDisconnect = NULL;
			redisAsyncFree(ac); /* pending callbacks see NULL */
		}
		conns[i]->pending = 0;
		conns[i]->connected = false;
		conns[i]->reading = conns[i]->writing = false;
	}
	if (f->state == SG_FLEET_DOWN && !f->teardown)
		return;
	f->failures++;
	f->retry_ms = sg_fleet_mono_ms() + sg_fleet_backoff(f);
	if (was_up || !f->down_since_ms) {
		sg_fleet_add(f, sync_errors, 1);
		sg_fleet_log(f, false, "warning",
			     "redis %s: %s; enforcing locally, retrying "
			     "with back-off",
			     f->cfg.redis,
			     f->teardown_why[0] ? f->teardown_why : "stopped");
	}
	if (!f->down_since_ms)
		f->down_since_ms = sg_fleet_mono_ms();
	f->state = SG_FLEET_DOWN;
	f->scanning = false;
	f->teardown = false;
	f->teardown_why[0] = '\0';
	sg_fleet_set(f, connected, 0);
}
