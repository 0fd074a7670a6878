// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Settings back into words for `config check` and `status`: budgets are
 * printed as the rates and bursts a user writes in the file, not as the
 * GCRA intervals the XDP program runs on.
 */
#include <netinet/in.h>
#include "config.h"

#define NS_PER_S 1000000000ULL

static const struct {
	const char *name;
	__u64 ns;
} rate_units[] = {
	{ "s", NS_PER_S },
	{ "m", 60 * NS_PER_S },
	{ "h", 3600 * NS_PER_S },
	{ "d", 86400 * NS_PER_S },
};

/*
 * The first "N/unit" that sg_parse_rate() would turn back into exactly
 * this interval; count fixes N (a quota is written with its burst).
 */
void sg_conf_format_rate(__u64 interval_ns, __u64 count, char *buf, size_t len)
{
	char d[48];
	size_t i;
	__u64 n;

	if (!interval_ns) {
		snprintf(buf, len, "off");
		return;
	}
	for (i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
		n = count ? count : rate_units[i].ns / interval_ns;
		if (n && n <= SG_CONF_RATE_MAX &&
		    rate_units[i].ns / n == interval_ns) {
			snprintf(buf, len, "%llu/%s", (unsigned long long)n,
				 rate_units[i].name);
			return;
		}
	}
	n = count ? count : 1;
	sg_format_duration(n * interval_ns, d, sizeof(d));
	snprintf(buf, len, "%llu per %s", (unsigned long long)n, d);
}

static void print_budget(FILE *f, const char *label, const struct sg_budget *b,
			 bool quota)
{
	__u64 burst;
	char rate[64];

	if (!b->interval_ns) {
		fprintf(f, "%s off", label);
		return;
	}
	burst = b->limit_ns / b->interval_ns;
	sg_conf_format_rate(b->interval_ns, quota ? burst : 0, rate,
			    sizeof(rate));
	if (quota)
		fprintf(f, "%s %s", label, rate);
	else
		fprintf(f, "%s %s burst %llu", label, rate,
			(unsigned long long)burst);
}

static void print_service(FILE *f, const struct sg_service_conf *sc)
{
	char cidr[64];
	unsigned int i;

	fprintf(f, "service %s: %s/%u", sc->name,
		sc->svc.proto == IPPROTO_UDP ? "udp" : "tcp", sc->svc.port);
	if (sc->n_dsts)
		fprintf(f, " to");
	for (i = 0; i < sc->n_dsts; i++) {
		sg_format_cidr(&sc->dsts[i], cidr, sizeof(cidr));
		fprintf(f, " %s", cidr);
	}
	if (sc->svc.flags & SG_SERVICE_QUIC)
		fprintf(f, ", quic");
	if (sc->svc.ceiling.interval_ns) {
		fprintf(f, ", ");
		print_budget(f, "ceiling", &sc->svc.ceiling, false);
	}
	fputc('\n', f);
}

static void print_bans(FILE *f, const struct sg_config *cfg)
{
	char window[48], time[48], max[48], memory[48];

	if (!cfg->ban_after) {
		fprintf(f, "bans: never (after = 0)\n");
		return;
	}
	sg_format_duration(cfg->ban_window_ns, window, sizeof(window));
	sg_format_duration(cfg->ban_time_ns, time, sizeof(time));
	sg_format_duration(cfg->ban_max_ns, max, sizeof(max));
	sg_format_duration(cfg->ban_memory_ns, memory, sizeof(memory));
	fprintf(f,
		"bans: after %u violations within %s, for %s doubling up to %s, remembered %s\n",
		cfg->ban_after, window, time, max, memory);
}

void sg_settings_print(const struct sg_settings *s, FILE *f)
{
	static const char *const xdp_modes[] = { "auto", "native", "generic" };
	static const char *const levels[] = { "source", "subnet" };
	const struct sg_config *cfg = &s->cfg;
	unsigned int i;

	fprintf(f, "config: %s\n", s->path ? s->path : "built-in defaults");
	fprintf(f, "mode: %s\n", sg_mode_name(cfg->mode));
	fprintf(f, "interfaces:%s", s->n_interfaces ? "" : " none");
	for (i = 0; i < s->n_interfaces; i++)
		fprintf(f, " %s", s->interfaces[i]);
	fprintf(f, " (xdp %s)\n",
		s->xdp_mode >= 0 && s->xdp_mode <= 2 ? xdp_modes[s->xdp_mode]
						     : "unknown");
	fprintf(f, "metrics: %s\n",
		s->metrics_listen[0] ? s->metrics_listen : "off");
	fprintf(f, "pins: %s%s\n", s->pin_dir,
		s->keep_attached ? " (filter stays attached on exit)" : "");
	fprintf(f, "allowlist: %s\n",
		s->allow_file[0] ? s->allow_file : "none");
	fprintf(f, "denylist: %s\n", s->deny_file[0] ? s->deny_file : "none");
	fprintf(f, "tracked sources: up to %u\n", s->max_tracked_sources);
	for (i = 0; i < s->n_services && i < SG_MAX_SERVICES; i++)
		print_service(f, &s->services[i]);
	for (i = 0; i < SG_LEVEL_COUNT; i++) {
		fprintf(f, "%s /%u /%u: ", levels[i],
			cfg->prefix_len[SG_FAMILY_V4][i],
			cfg->prefix_len[SG_FAMILY_V6][i]);
		print_budget(f, "conn", &cfg->budget[i][SG_BUDGET_CONN], false);
		fprintf(f, ", ");
		print_budget(f, "packets", &cfg->budget[i][SG_BUDGET_PACKET],
			     false);
		fprintf(f, ", ");
		print_budget(f, "quota", &cfg->budget[i][SG_BUDGET_QUOTA],
			     true);
		fputc('\n', f);
	}
	print_bans(f, cfg);
	print_budget(f, "events:", &cfg->events, false);
	fputc('\n', f);
}
