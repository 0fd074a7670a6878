// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The two Redis connections of a gateway (hiredis' async API on our own
 * poll(), in the fleet thread): one for commands, one subscribed to the
 * ban channel. Every command has a deadline; a connection that does not
 * answer in time, or at all, is dropped and tried again later, with a
 * growing and jittered delay, so a fleet restarting at once is no herd.
 */
#define _GNU_SOURCE /* vasprintf */
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

void sg_fleet_arg(struct sg_fleet_args *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (a->failed)
		return;
	if (a->n == a->cap) {
		int cap = a->cap ? 2 * a->cap : 64;
		char **v = realloc(a->v, cap * sizeof(*v));
		size_t *len = v ? realloc(a->len, cap * sizeof(*len)) : NULL;

		if (v)
			a->v = v;
		if (!len) {
			a->failed = true;
			return;
		}
		a->len = len;
		a->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		a->failed = true;
		return;
	}
	a->v[a->n] = s;
	a->len[a->n++] = (size_t)n;
}

void sg_fleet_args_free(struct sg_fleet_args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->len);
	memset(a, 0, sizeof(*a));
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv);

static int sg_fleet_send_on(struct sg_fleet *f, struct sg_fleet_conn *c,
			    enum sg_fleet_op op, struct sg_fleet_args *a)
{
	if (!c->ac || f->teardown)
		return -ENOTCONN;
	if (a->failed)
		return -ENOMEM;
	if (redisAsyncCommandArgv(c->ac, on_reply, (void *)(uintptr_t)op, a->n,
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

int sg_fleet_send(struct sg_fleet *f, enum sg_fleet_op op,
		  struct sg_fleet_args *a)
{
	return sg_fleet_send_on(f, &f->cmd, op, a);
}

int sg_fleet_eval(struct sg_fleet *f, enum sg_fleet_op op,
		  enum sg_fleet_script script, struct sg_fleet_args *a)
{
	struct sg_fleet_args all = {};
	int i, ret;

	sg_fleet_arg(&all, "EVALSHA");
	sg_fleet_arg(&all, "%s", f->sha[script]);
	sg_fleet_arg(&all, "0");
	for (i = 0; i < a->n; i++)
		sg_fleet_arg(&all, "%s", a->v[i]);
	ret = sg_fleet_send(f, op, &all);
	sg_fleet_args_free(&all);
	return ret;
}

/* AUTH [user] password, when there is one. */
static void sg_fleet_auth(struct sg_fleet *f, struct sg_fleet_conn *c,
			  enum sg_fleet_op op)
{
	struct sg_fleet_args a = {};

	if (!f->password[0])
		return;
	sg_fleet_arg(&a, "AUTH");
	if (f->cfg.user[0])
		sg_fleet_arg(&a, "%s", f->cfg.user);
	sg_fleet_arg(&a, "%s", f->password);
	sg_fleet_send_on(f, c, op, &a);
	sg_fleet_args_free(&a);
}

static void sg_fleet_ask_time(struct sg_fleet *f)
{
	struct sg_fleet_args a = {};

	sg_fleet_arg(&a, "TIME");
	f->time_sent_ms = sg_fleet_real_ms();
	sg_fleet_send(f, SG_OP_TIME, &a);
	sg_fleet_args_free(&a);
}

/* "hb NAME" every second: peers count the live gateways by it, and our
 * own coming back proves the subscription alive. The clock, too. */
void sg_fleet_heartbeat(struct sg_fleet *f, __u64 now)
{
	struct sg_fleet_args a = {};

	if (f->state != SG_FLEET_UP || now < f->next_heartbeat_ms)
		return;
	f->next_heartbeat_ms = now + SG_FLEET_HEARTBEAT_MS;
	sg_fleet_arg(&a, "PUBLISH");
	sg_fleet_arg(&a, "%s", f->channel);
	sg_fleet_arg(&a, "hb %s", f->gateway);
	sg_fleet_send(f, SG_OP_HEARTBEAT, &a);
	sg_fleet_args_free(&a);
	sg_fleet_ask_time(f);
}

int sg_fleet_connect(struct sg_fleet *f)
{
	struct sg_fleet_args a = {};
	int i, ret;

	f->state = SG_FLEET_CONNECTING;
	f->scripts_loaded = 0;
	f->subscribed = f->have_time = false;
	ret = sg_fleet_open_conn(f, &f->cmd, "commands");
	if (!ret)
		ret = sg_fleet_open_conn(f, &f->sub, "subscriber");
	if (ret) {
		sg_fleet_fail(f, "connecting: %s", strerror(-ret));
		return ret;
	}
	sg_fleet_auth(f, &f->cmd, SG_OP_AUTH);
	sg_fleet_auth(f, &f->sub, SG_OP_SUB_AUTH);
	for (i = 0; i < SG_SCRIPT_COUNT; i++) {
		sg_fleet_arg(&a, "SCRIPT");
		sg_fleet_arg(&a, "LOAD");
		sg_fleet_arg(&a, "%s", sg_fleet_scripts[i]);
		sg_fleet_send(f, SG_OP_SCRIPT_FIRST + i, &a);
		sg_fleet_args_free(&a);
	}
	sg_fleet_ask_time(f);
	sg_fleet_arg(&a, "SUBSCRIBE");
	sg_fleet_arg(&a, "%s", f->channel);
	sg_fleet_send_on(f, &f->sub, SG_OP_SUBSCRIBE, &a);
	sg_fleet_args_free(&a);
	return 0;
}

/* Everything a new connection needs is there: sync both ways. */
static void sg_fleet_up(struct sg_fleet *f)
{
	if (f->state != SG_FLEET_CONNECTING ||
	    f->scripts_loaded != (1U << SG_SCRIPT_COUNT) - 1 ||
	    !f->subscribed || !f->have_time)
		return;
	f->state = SG_FLEET_UP;
	f->failures = 0;
	f->up_since_unix_ms = sg_fleet_real_ms();
	f->sub_heard_ms = sg_fleet_mono_ms();
	f->next_heartbeat_ms = 0;
	sg_fleet_set(f, connected, 1);
	sg_fleet_add(f, connects, 1);
	if (f->down_since_ms)
		sg_fleet_log(f, false, "info",
			     "connected to redis %s again after %llus; "
			     "resyncing bans both ways",
			     f->cfg.redis,
			     (unsigned long long)(sg_fleet_mono_ms() -
						  f->down_since_ms) /
				     1000);
	else
		sg_fleet_log(f, false, "info", "connected to redis %s",
			     f->cfg.redis);
	f->down_since_ms = 0;
	/* Ours first (unbans made while away too), then the fleet's. */
	f->republish = true;
	sg_fleet_diff(f);
	sg_fleet_snapshot_start(f);
}

static void on_time(struct sg_fleet *f, redisReply *r)
{
	__u64 now = sg_fleet_real_ms(), server;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return;
	server = strtoull(r->element[0]->str, NULL, 10) * 1000 +
		 strtoull(r->element[1]->str, NULL, 10) / 1000;
	/* Halfway through the round trip is when Redis read its clock. */
	f->server_offset_ms =
		(__s64)server -
		(__s64)(f->time_sent_ms + (now - f->time_sent_ms) / 2);
	f->have_time = true;
	sg_fleet_up(f);
}

static void on_subscriber(struct sg_fleet *f, redisReply *r)
{
	redisReply *kind;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3)
		return;
	kind = r->element[0];
	f->sub_heard_ms = sg_fleet_mono_ms();
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (!strcmp(kind->str, "subscribe")) {
		f->subscribed = true;
		sg_fleet_up(f);
	} else if (!strcmp(kind->str, "message") &&
		   r->element[2]->type == REDIS_REPLY_STRING) {
		sg_fleet_message(f, r->element[2]->str, r->element[2]->len);
	}
}

static void sg_fleet_dispatch(struct sg_fleet *f, enum sg_fleet_op op,
			      redisReply *r)
{
	switch (op) {
	case SG_OP_TIME:
		on_time(f, r);
		break;
	case SG_OP_CHARGE:
		sg_fleet_charge_reply(f, r);
		break;
	case SG_OP_SCAN:
		sg_fleet_snapshot_reply(f, r);
		break;
	case SG_OP_SUBSCRIBE:
		on_subscriber(f, r);
		break;
	case SG_OP_PUT:
	case SG_OP_DEL:
		if (r->type == REDIS_REPLY_INTEGER && r->integer > 0)
			sg_fleet_add(f, published[op == SG_OP_DEL],
				     (__u64)r->integer);
		break;
	default:
		if (op >= SG_OP_SCRIPT_FIRST && op < SG_OP_TIME &&
		    r->type == REDIS_REPLY_STRING && r->len < 48) {
			memcpy(f->sha[op - SG_OP_SCRIPT_FIRST], r->str,
			       r->len + 1);
			f->scripts_loaded |= 1U << (op - SG_OP_SCRIPT_FIRST);
			sg_fleet_up(f);
		}
		break;
	}
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	enum sg_fleet_op op = (enum sg_fleet_op)(uintptr_t)priv;
	struct sg_fleet_conn *c = ac->data;
	struct sg_fleet *f = c->f;
	redisReply *r = reply;

	if (op != SG_OP_SUBSCRIBE && c->pending) {
		c->pending--;
		c->waiting_since_ms = sg_fleet_mono_ms();
	}
	if (!r) /* the connection is going away */
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sg_fleet_add(f, sync_errors, 1);
		/* Scripts flushed, a wrong password, a read-only replica... */
		sg_fleet_fail(f, "redis said: %.120s", r->str);
		return;
	}
	sg_fleet_dispatch(f, op, r);
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
