// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's HTTP endpoint (libmicrohttpd): GET /metrics and /healthz
 * only, small request and connection limits, and a deadline for a whole
 * request to arrive, so a slow or hostile client cannot starve the scrape.
 * Loopback unless told otherwise.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "daemon.h"
#include "metrics.h"

#define SG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define SG_HTTP_MAX_CONNECTIONS 256
#define SG_HTTP_MAX_PENDING	32   /* connections whose request is arriving */
#define SG_HTTP_EVICT_AGE_MS	250  /* younger ones are never evicted */
#define SG_HTTP_TIMEOUT_SECONDS 5    /* idle */
#define SG_HTTP_DEADLINE_MS	3000 /* accept to complete request headers */
#define SG_HTTP_MEMORY_LIMIT	(16 * 1024) /* per connection: request cap */

/*
 * libmicrohttpd's timeout is an idle timeout: a client sending one byte a
 * second never hits it. So we note when each connection was accepted and
 * shut down those whose request has not arrived within the deadline, and
 * when more than SG_HTTP_MAX_PENDING requests are arriving at once, the
 * oldest of them: a scraper's request arrives within a millisecond of
 * its connection, so a slowloris that reopens what we close can only
 * ever hold the pending slots, never the one a scrape needs.
 */
struct sg_http_conn {
	int fd;
	bool used;
	bool arrived; /* request headers complete */
	struct timespec accepted;
};

struct sg_metrics {
	struct MHD_Daemon *mhd;
	struct sg_daemon *d;
	pthread_mutex_t lock;
	struct sg_http_conn conns[SG_HTTP_MAX_CONNECTIONS + 8];
};

enum sg_request_state { SG_REQ_HEADERS = 1, SG_REQ_BODY = 2 };

static enum MHD_Result sg_reply(struct MHD_Connection *conn, unsigned int code,
				const char *type, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	/* One request per connection: no idle keep-alive slots to hold. */
	MHD_add_response_header(resp, "Connection", "close");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result sg_reply_text(struct MHD_Connection *conn,
				     unsigned int code, const char *text)
{
	char *body = strdup(text);

	return body ? sg_reply(conn, code, "text/plain; charset=utf-8", body,
			       strlen(body))
		    : MHD_NO;
}

static void sg_http_arrived(struct sg_metrics *m, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;
	struct sg_http_conn *c;

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = info ? info->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&m->lock);
	c->arrived = true;
	pthread_mutex_unlock(&m->lock);
}

static long sg_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Called with m->lock held, after a connection was registered. */
static void sg_http_evict(struct sg_metrics *m)
{
	struct sg_http_conn *oldest = NULL;
	size_t i, pending = 0;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < SG_ARRAY_LEN(m->conns); i++) {
		struct sg_http_conn *c = &m->conns[i];

		if (!c->used || c->arrived)
			continue;
		pending++;
		if (!oldest ||
		    sg_ms_between(&c->accepted, &oldest->accepted) > 0)
			oldest = c;
	}
	if (pending > SG_HTTP_MAX_PENDING && oldest &&
	    sg_ms_between(&oldest->accepted, &now) >= SG_HTTP_EVICT_AGE_MS) {
		shutdown(oldest->fd, SHUT_RDWR);
		oldest->arrived = true; /* closing; not pending any more */
	}
}

static void sg_http_notify(void *cls, struct MHD_Connection *conn,
			   void **socket_context,
			   enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *info;
	struct sg_metrics *m = cls;
	struct sg_http_conn *c = *socket_context;
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED && c) {
		c->used = false;
	} else if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (i = 0; info && i < SG_ARRAY_LEN(m->conns); i++) {
			if (m->conns[i].used)
				continue;
			m->conns[i] =
				(struct sg_http_conn){ .fd = info->connect_fd,
						       .used = true };
			clock_gettime(CLOCK_MONOTONIC, &m->conns[i].accepted);
			*socket_context = &m->conns[i];
			sg_http_evict(m);
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

void sg_metrics_tick(struct sg_metrics *m)
{
	struct timespec now;
	size_t i;

	if (!m)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < SG_ARRAY_LEN(m->conns); i++) {
		struct sg_http_conn *c = &m->conns[i];

		if (!c->used || c->arrived)
			continue;
		if (sg_ms_between(&c->accepted, &now) > SG_HTTP_DEADLINE_MS) {
			shutdown(c->fd, SHUT_RDWR); /* MHD sees EOF, closes */
			c->arrived = true;	    /* once is enough */
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static enum MHD_Result sg_handle(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct sg_metrics *m = cls;
	size_t len = 0;
	char *body = NULL;
	FILE *f;
	int bad;

	if (!*con_cls) { /* first call: the headers are in */
		sg_http_arrived(m, conn);
		*con_cls = (void *)SG_REQ_HEADERS;
		return MHD_YES;
	}
	if (*upload_size) { /* swallow a body, answer when it has ended */
		*con_cls = (void *)SG_REQ_BODY;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return sg_reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "only GET and HEAD\n");
	if (*con_cls == (void *)SG_REQ_BODY)
		return sg_reply_text(conn, MHD_HTTP_BAD_REQUEST,
				     "no request body expected\n");
	if (!strcmp(url, "/healthz"))
		return sg_reply_text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/metrics"))
		return sg_reply_text(conn, MHD_HTTP_NOT_FOUND,
				     "not found: try /metrics or /healthz\n");
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	bad = sg_metrics_render(&m->d->st, f) ||
	      sg_metrics_render_daemon(m->d, f);
	if (!bad && m->d->metrics_hook)
		m->d->metrics_hook(m->d->hook_ctx, f);
	if (bad || ferror(f)) {
		fclose(f);
		free(body);
		return sg_reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "reading the maps failed\n");
	}
	fclose(f);
	return sg_reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", body,
			len);
}

/* "127.0.0.1:9717", "[::1]:9717", ":9717" (all addresses). */
static int sg_resolve(const char *listen, struct sockaddr_storage *ss,
		      int *family, char *err, size_t len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	char host[128] = "", *port;
	struct addrinfo *ai;
	int ret;

	snprintf(host, sizeof(host), "%s", listen);
	port = strrchr(host, ':');
	if (!port) {
		snprintf(err, len, "metrics_listen '%s': expected HOST:PORT",
			 listen);
		return -EINVAL;
	}
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (ret) {
		snprintf(err, len, "metrics_listen '%s': %s", listen,
			 gai_strerror(ret));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*family = ai->ai_family;
	freeaddrinfo(ai);
	return 0;
}

int sg_metrics_bind(struct sg_daemon *d, char *err, size_t err_len)
{
	const char *listen_on = d->settings.metrics_listen;
	struct sockaddr_storage ss = {};
	int family, fd, ret, one = 1;

	d->metrics_fd = -1;
	if (!listen_on[0])
		return 0;
	ret = sg_resolve(listen_on, &ss, &family, err, err_len);
	if (ret)
		return ret;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "metrics_listen %s: socket: %s",
			 listen_on, strerror(errno));
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss,
		 family == AF_INET6 ? sizeof(struct sockaddr_in6)
				    : sizeof(struct sockaddr_in)) ||
	    listen(fd, 64)) {
		ret = -errno;
		snprintf(err, err_len, "metrics_listen %s: cannot listen: %s",
			 listen_on, strerror(errno));
		close(fd);
		return ret;
	}
	d->metrics_fd = fd;
	return 0;
}

int sg_metrics_start(struct sg_metrics **out, struct sg_daemon *d, char *err,
		     size_t err_len)
{
	struct sg_metrics *m;
	unsigned int flags;

	*out = NULL;
	if (d->metrics_fd < 0)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	pthread_mutex_init(&m->lock, NULL);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, sg_handle, m,
				  MHD_OPTION_LISTEN_SOCKET, d->metrics_fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)SG_HTTP_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)SG_HTTP_TIMEOUT_SECONDS,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)SG_HTTP_MEMORY_LIMIT,
				  MHD_OPTION_NOTIFY_CONNECTION, sg_http_notify,
				  m, MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, err_len, "metrics_listen %s: cannot serve: %s",
			 d->settings.metrics_listen, strerror(errno));
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -EIO;
	}
	d->metrics_fd = -1; /* MHD closes it */
	sg_log(d, "info", "metrics on http://%s/metrics",
	       d->settings.metrics_listen);
	*out = m;
	return 0;
}

void sg_metrics_stop(struct sg_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
