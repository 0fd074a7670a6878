// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a gateway says to Redis and what it makes of the answers: the
 * arguments of a command, sign-in, scripts, clock and subscription at
 * every connect, the heartbeat, and the replies, each routed by the
 * operation it answers (enum sg_fleet_op, the command's privdata).
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "fleet_int.h"

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
	ret = sg_fleet_open_conns(f);
	if (ret)
		return ret;
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

void sg_fleet_on_reply(redisAsyncContext *ac, void *reply, void *priv)
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
