// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's HTTP endpoint (libmicrohttpd): GET /metrics and /healthz
 * only, small request and connection limits and a timeout, so a slow or
 * hostile client cannot starve the scrape. Loopback unless told otherwise.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "daemon.h"
#include "metrics.h"

#define SG_HTTP_MAX_CONNECTIONS 16
#define SG_HTTP_TIMEOUT_SECONDS 5
#define SG_HTTP_MEMORY_LIMIT (16 * 1024) /* per connection: request cap */

struct sg_metrics {
	struct MHD_Daemon *mhd;
	struct sg_daemon *d;
};

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
			       strlen(body)) :
		      MHD_NO;
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

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return sg_reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "only GET and HEAD\n");
	if (!*con_cls) { /* first call: headers only; a body is refused */
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_size)
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
	if (sg_metrics_render(&m->d->st, f)) {
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

int sg_metrics_start(struct sg_metrics **out, struct sg_daemon *d, char *err,
		     size_t err_len)
{
	struct sockaddr_storage ss = {};
	struct sg_metrics *m;
	unsigned int flags;
	int family, ret;

	*out = NULL;
	if (!d->settings.metrics_listen[0])
		return 0;
	ret = sg_resolve(d->settings.metrics_listen, &ss, &family, err,
			 err_len);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		(family == AF_INET6 ? MHD_USE_IPv6 : 0);
	m->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, sg_handle, m, MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SG_HTTP_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)SG_HTTP_TIMEOUT_SECONDS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)SG_HTTP_MEMORY_LIMIT, MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, err_len, "cannot listen on %s",
			 d->settings.metrics_listen);
		free(m);
		return -EADDRINUSE;
	}
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
	free(m);
}
