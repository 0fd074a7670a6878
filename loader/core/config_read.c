// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config file's line reader, for libinih: one physical line at a time
 * with its number, indentation and '#' comments taken off, section headers
 * handled here, binary junk, overlong lines and a missing last newline
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "config.h"

/* Reads one raw line into str; false (after an error) if it cannot. */
static bool read_raw_line(struct sg_conf *c, char *str, int num, size_t *len)
{
	size_t n = 0;
	int ch;

	while ((ch = getc_unlocked(c->f)) != '\n' && ch != EOF) {
		if (ch == 0 || ch == 0x7f ||
		    (ch < 0x20 && ch != '\t' && ch != '\r')) {
			sg_conf_error(
				c,
				"binary data (byte 0x%02x), not a config file",
				ch);
			return false;
		}
		if (n + 2 >= (size_t)num) {
			sg_conf_error(c, "line is longer than %d characters",
				      num - 3);
			return false;
		}
		str[n++] = (char)ch;
	}
	if (ch == EOF && ferror(c->f)) {
		snprintf(c->err, sizeof(c->err), "%s: %s", c->path,
			 strerror(errno ? errno : EIO));
		c->failed = true;
		return false;
	}
	if (ch == EOF && n) {
		sg_conf_error(c, "the file ends inside this line (no newline "
				 "at the end): half written?");
		return false;
	}
	str[n] = '\0';
	*len = n;
	return ch != EOF || n;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * inih's ini_reader: hands inih one physical line at a time, so c->line is
 * the line of every handler call. Lines reach inih without indentation
 * (inih would take an indented line for a continuation) and without
 * comments, and section headers are handled here: inih tells nothing of a
 * section that has no keys.
 */
char *sg_conf_reader(char *str, int num, void *stream)
{
	struct sg_conf *c = stream;
	size_t n, skip, i;

	c->line++;
	if (c->failed || !read_raw_line(c, str, num, &n))
		return NULL;
	skip = c->line == 1 && !strncmp(str, "\xef\xbb\xbf", 3) ? 3 : 0;
	while (is_blank(str[skip]))
		skip++;
	memmove(str, str + skip, n - skip + 1);
	for (i = 0; str[i]; i++)
		if ((str[i] == '#' || str[i] == ';') &&
		    (!i || is_blank(str[i - 1])))
			break;
	while (i && is_blank(str[i - 1]))
		i--;
	str[i] = '\0';
	if (str[0] == '[' && sg_conf_begin_section(c, str))
		return NULL;
	if (str[0] && str[0] != '[' && !strpbrk(str, "=:")) {
		sg_conf_error(
			c,
			"'%.40s' is not 'key = value', a [section] or a comment",
			str);
		return NULL;
	}
	return str;
}
