// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Helpers shared by the test tools in tests/tools/: see tool.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "tool.h"

static int64_t sg_tool_mono(int64_t per_second)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * per_second +
	       ts.tv_nsec / (1000000000 / per_second);
}

int64_t sg_tool_mono_ms(void)
{
	return sg_tool_mono(1000);
}

int64_t sg_tool_mono_us(void)
{
	return sg_tool_mono(1000000);
}

int sg_tool_parse_addr(const char *text, uint16_t port,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int sg_tool_parse_int(const char *text, long long min, long long max,
		      long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno || end == text || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

int sg_tool_parse_rate(const char *text, int64_t *gap_us)
{
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	long long n, per_s = 1;
	char num[32];

	if (!strcmp(text, "max")) {
		*gap_us = 0;
		return 0;
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, text, len);
	num[len] = '\0';
	if (sg_tool_parse_int(num, 1, 10000000, &n))
		return -EINVAL;
	if (slash) {
		if (!strcmp(slash + 1, "m"))
			per_s = 60;
		else if (!strcmp(slash + 1, "h"))
			per_s = 3600;
		else if (strcmp(slash + 1, "s"))
			return -EINVAL;
	}
	*gap_us = per_s * 1000000 / n;
	return 0;
}

void sg_tool_raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
