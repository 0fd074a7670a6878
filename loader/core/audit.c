// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The audit queue: every command that changes bans or sets pushes one line
 * with who ran it into a pinned queue; the daemon pops and logs them, so
 * manual changes reach the journal even when the command ran without one.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sg.h"

/* The login behind sudo when there is one, else the uid's name. */
static void sg_login(char *buf, size_t len)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (sudo && *sudo) {
		snprintf(buf, len, "%s", sudo);
		return;
	}
	pw = getpwuid(getuid());
	snprintf(buf, len, "%s", pw ? pw->pw_name : "");
}

int sg_audit_push(const struct sg_state *st, const char *text)
{
	struct sg_audit_record r = {};
	struct timespec ts;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	r.time_unix_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	r.uid = getuid();
	r.pid = getpid();
	sg_login(r.login, sizeof(r.login));
	snprintf(r.text, sizeof(r.text), "%s", text);
	for (i = 0; r.text[i]; i++) /* one line, nothing to forge a log */
		if ((unsigned char)r.text[i] < 0x20 || r.text[i] == 0x7f)
			r.text[i] = '?';
	if (bpf_map_update_elem(st->fds[SG_MAP_AUDIT], NULL, &r, BPF_ANY))
		return -errno;
	return 0;
}

int sg_audit_pop(const struct sg_state *st, struct sg_audit_record *out)
{
	if (bpf_map_lookup_and_delete_elem(st->fds[SG_MAP_AUDIT], NULL, out))
		return errno == ENOENT ? -ENOENT : -errno;
	return 0;
}
