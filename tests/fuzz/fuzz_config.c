// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for sg_settings_load (loader/config*.c): the input is
 * the INI file. Checked: an error leaves the settings untouched and names
 * "PATH:LINE: why" with a line of the file; a file that loads, written
 * back as INI from the settings alone, loads to the same settings
 * (load(emit(load(x))) == load(x)); printing the settings never fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sg.h"
#include "core/config.h"
#include "fuzz.h"

static struct fuzz_file file, again;
/* ~100 KiB each: kept off the stack. */
static struct sg_settings got, untouched, back;

static const char *const levels[] = { "source", "subnet" };
static const char *const xdp_modes[] = { "auto", "native", "generic" };

/* "rate" and, unless a quota, "burst" lines of one budget. */
static void emit_budget(FILE *f, const char *rate_key, const char *burst_key,
			const struct sg_budget *b)
{
	char rate[64];
	__u64 burst;

	if (!b->interval_ns) {
		fprintf(f, "%s = off\n", rate_key);
		return;
	}
	burst = b->limit_ns / b->interval_ns;
	/* A quota is written with its count, which is its burst. */
	sg_conf_format_rate(b->interval_ns, burst_key ? 0 : burst, rate,
			    sizeof(rate));
	fprintf(f, "%s = %s\n", rate_key, rate);
	if (burst_key)
		fprintf(f, "%s = %llu\n", burst_key, (unsigned long long)burst);
}

/*
 * Values go in as "key =value": inih strips the blanks after '=', and a
 * value may begin with '#', which after a blank would start a comment.
 */
static void emit_slotguard(FILE *f, const struct sg_settings *s)
{
	unsigned int i;

	fprintf(f, "[slotguard]\n");
	if (s->n_interfaces) {
		fprintf(f, "interfaces =");
		for (i = 0; i < s->n_interfaces; i++)
			fprintf(f, "%s%s", i ? "," : "", s->interfaces[i]);
		fputc('\n', f);
	}
	fprintf(f, "xdp_mode = %s\n", xdp_modes[s->xdp_mode]);
	fprintf(f, "mode = %s\n", sg_mode_name(s->cfg.mode));
	fprintf(f, "metrics_listen =%s\n",
		s->metrics_listen[0] ? s->metrics_listen : "off");
	if (s->allow_file[0])
		fprintf(f, "allowlist =%s\n", s->allow_file);
	if (s->deny_file[0])
		fprintf(f, "denylist =%s\n", s->deny_file);
	fprintf(f, "pin_dir =%s\n", s->pin_dir);
	fprintf(f, "max_tracked_sources = %u\n", s->max_tracked_sources);
	fprintf(f, "keep_attached = %s\n", s->keep_attached ? "yes" : "no");
}

static void emit_service(FILE *f, const struct sg_service_conf *sc)
{
	bool udp = sc->svc.proto == IPPROTO_UDP;
	char cidr[64];
	unsigned int i;

	fprintf(f, "[service %s]\nprotocol = %s\nport = %u\n", sc->name,
		udp ? "udp" : "tcp", sc->svc.port);
	if (sc->n_dsts) {
		fprintf(f, "destinations =");
		for (i = 0; i < sc->n_dsts; i++) {
			sg_format_cidr(&sc->dsts[i], cidr, sizeof(cidr));
			fprintf(f, "%s%s", i ? "," : "", cidr);
		}
		fputc('\n', f);
	}
	if (udp)
		fprintf(f, "quic = %s\n",
			sc->svc.flags & SG_SERVICE_QUIC ? "yes" : "no");
	if (sc->svc.ceiling.interval_ns)
		emit_budget(f, "ceiling", "ceiling_burst", &sc->svc.ceiling);
}

/* The settings as an INI file that sets every key it can. */
static size_t emit(const struct sg_settings *s, char **text)
{
	const struct sg_config *cfg = &s->cfg;
	char d[4][48];
	unsigned int i;
	size_t len = 0;
	FILE *f = open_memstream(text, &len);

	if (!f)
		abort();
	emit_slotguard(f, s);
	for (i = 0; i < s->n_services; i++)
		emit_service(f, &s->services[i]);
	for (i = 0; i < SG_LEVEL_COUNT; i++) {
		const struct sg_budget *b = cfg->budget[i];

		fprintf(f, "[%s]\nprefix_v4 = %u\nprefix_v6 = %u\n", levels[i],
			cfg->prefix_len[SG_FAMILY_V4][i],
			cfg->prefix_len[SG_FAMILY_V6][i]);
		emit_budget(f, "conn_rate", "conn_burst", &b[SG_BUDGET_CONN]);
		emit_budget(f, "packet_rate", "packet_burst",
			    &b[SG_BUDGET_PACKET]);
		emit_budget(f, "conn_quota", NULL, &b[SG_BUDGET_QUOTA]);
	}
	sg_format_duration(cfg->ban_window_ns, d[0], sizeof(d[0]));
	sg_format_duration(cfg->ban_time_ns, d[1], sizeof(d[1]));
	sg_format_duration(cfg->ban_max_ns, d[2], sizeof(d[2]));
	sg_format_duration(cfg->ban_memory_ns, d[3], sizeof(d[3]));
	fprintf(f,
		"[ban]\nafter = %u\nwindow = %s\ntime = %s\nmax = %s\nmemory = %s\n",
		cfg->ban_after, d[0], d[1], d[2], d[3]);
	fprintf(f, "[events]\n");
	emit_budget(f, "rate", "burst", &cfg->events);
	fclose(f);
	return len;
}

/* Zero what follows each string's NUL, so two settings compare bytewise. */
static void clear_tail(char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n < size)
		memset(s + n, 0, size - n);
}

static void normalize(struct sg_settings *s)
{
	unsigned int i;

	s->path = NULL; /* where they came from, not what they are */
	s->mode_line = 0;
	for (i = 0; i < SG_MAX_IFACES; i++)
		clear_tail(s->interfaces[i], sizeof(s->interfaces[i]));
	clear_tail(s->metrics_listen, sizeof(s->metrics_listen));
	clear_tail(s->allow_file, sizeof(s->allow_file));
	clear_tail(s->deny_file, sizeof(s->deny_file));
	clear_tail(s->pin_dir, sizeof(s->pin_dir));
	for (i = 0; i < SG_MAX_SERVICES; i++)
		clear_tail(s->services[i].name, sizeof(s->services[i].name));
	/* Where things were said, not what: lines and notes name the file. */
	s->interfaces_line = 0;
	memset(&s->notes, 0, sizeof(s->notes));
}

static unsigned int count_lines(const uint8_t *data, size_t size)
{
	unsigned int n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* "PATH:LINE: why" with LINE a line of the file. */
static void check_error(const char *err, const uint8_t *data, size_t size)
{
	size_t plen = strlen(file.path);
	unsigned long line;
	char *end;

	FUZZ_ASSERT(!strncmp(err, file.path, plen) && err[plen] == ':',
		    "error '%s' does not start with the path", err);
	line = strtoul(err + plen + 1, &end, 10);
	FUZZ_ASSERT(end > err + plen + 1 && !strncmp(end, ": ", 2),
		    "error '%s' names no line", err);
	FUZZ_ASSERT(line >= 1 && line <= count_lines(data, size),
		    "error '%s' names line %lu of a file of %u lines", err,
		    line, count_lines(data, size));
	FUZZ_ASSERT(fuzz_message_clean(err, SG_ERR_LEN, false),
		    "error message '%s'", err);
}

static void check_round_trip(void)
{
	char err[SG_ERR_LEN], *text = NULL;
	size_t len = emit(&got, &text);
	FILE *null = fopen("/dev/null", "w");

	sg_settings_print(&got, null);
	fclose(null);
	FUZZ_ASSERT(!fuzz_file_set(&again, text, len), "memfd write");
	err[0] = '\0';
	FUZZ_ASSERT(!sg_settings_load(again.path, &back, err, sizeof(err)),
		    "the settings written back do not load: %s\n%s", err, text);
	normalize(&got);
	normalize(&back);
	FUZZ_ASSERT(!memcmp(&got, &back, sizeof(got)),
		    "the settings written back load differently:\n%s", text);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SG_ERR_LEN];
	int ret;

	if (!file.path[0] &&
	    (fuzz_file_open(&file, "conf") || fuzz_file_open(&again, "again")))
		abort();
	FUZZ_ASSERT(!fuzz_file_set(&file, data, size), "memfd write");
	memset(&got, 0xa5, sizeof(got));
	memcpy(&untouched, &got, sizeof(got));
	err[0] = '\0';
	ret = sg_settings_load(file.path, &got, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL, "returned %d (%s)", ret, err);
	if (ret) {
		FUZZ_ASSERT(!memcmp(&got, &untouched, sizeof(got)),
			    "an error wrote the settings");
		check_error(err, data, size);
		return 0;
	}
	FUZZ_ASSERT(got.path == file.path, "settings name another path");
	check_round_trip();
	return 0;
}
