// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The CLI's side of the files the fleet thread keeps in the state
 * directory: the peer table (which gateway an imported ban came from, for
 * `ban list`) and the last status (for `status`).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fleet.h"

#define SG_FLEET_FILE_MAX (1024 * 1024)

static int sg_fleet_slurp(const char *state_dir, const char *file, char **out)
{
	char path[PATH_MAX + 32];
	size_t n = 0, cap = 4096;
	char *buf, *grown;
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s", state_dir, file);
	in = fopen(path, "re");
	if (!in)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, in);
		if (n < cap - 1 || cap >= SG_FLEET_FILE_MAX)
			break;
		grown = realloc(buf, cap * 2);
		if (!grown) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	fclose(in);
	if (!buf)
		return -ENOMEM;
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int sg_fleet_peer_name(const char *state_dir, __u16 origin, char *buf,
		       size_t len)
{
	static char dir[PATH_MAX], *text;
	const char *line;
	size_t n;
	__u16 i;

	buf[0] = '\0';
	if (!origin)
		return -ENOENT;
	/* `ban list` asks once a ban: read the table once. */
	if (!text || strcmp(dir, state_dir)) {
		free(text);
		text = NULL;
		snprintf(dir, sizeof(dir), "%s", state_dir);
		if (sg_fleet_slurp(state_dir, SG_FLEET_PEERS_FILE, &text))
			return -ENOENT;
	}
	line = text;
	for (i = 1; i < origin && line; i++) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line || !*line)
		return -ENOENT;
	n = strcspn(line, "\n");
	if (!n || n >= len || n >= SG_FLEET_NAME_LEN)
		return -ENOENT;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return 0;
}

int sg_fleet_status_text(const char *state_dir, char **out)
{
	return sg_fleet_slurp(state_dir, SG_FLEET_STATUS_FILE, out);
}
