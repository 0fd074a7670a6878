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

static void print_bans(FILE *f, const struct sg_settings *s)
{
	const struct sg_config *cfg = &s->cfg;
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
		"bans: after %u violations within %s at %u.%03ux the limit or more, for %s doubling up to %s, remembered %s; up to %u bans\n",
		cfg->ban_after, window, cfg->min_excess_milli / 1000,
		cfg->min_excess_milli % 1000, time, max, memory, s->max_bans);
}

/* "conn 2/s burst 20, packets ..., requests ...": one level or set. */
static void print_budgets(FILE *f, const struct sg_budget *b)
{
	print_budget(f, "conn", &b[SG_BUDGET_CONN], false);
	fprintf(f, ", ");
	print_budget(f, "packets", &b[SG_BUDGET_PACKET], false);
	fprintf(f, ", ");
	print_budget(f, "quota", &b[SG_BUDGET_QUOTA], true);
	fprintf(f, ", ");
	print_budget(f, "requests", &b[SG_BUDGET_REQUEST], false);
	fprintf(f, ", ");
	print_budget(f, "request quota", &b[SG_BUDGET_REQUEST_QUOTA], true);
}

static void print_set(FILE *f, const struct sg_set_settings *ss)
{
	static const char *const actions[] = { "unused", "allow", "deny",
					       "limit" };
	const struct sg_set_conf *conf = &ss->conf;

	fprintf(f, "set %s: %s, file %s", conf->name, actions[conf->action & 3],
		ss->file[0] ? ss->file : "none");
	if (conf->action == SG_SET_LIMIT) {
		fprintf(f, "\n  shared: ");
		print_budgets(f, conf->budget);
		if (conf->flags & SG_SET_BAN_MEMBER)
			fprintf(f, "; over it bans the member");
	}
	if (conf->flags & SG_SET_MEMBER_BUDGETS) {
		fprintf(f, "\n  each member: ");
		print_budgets(f, conf->member_budget);
	}
	if (conf->flags & SG_SET_MEMBER_NO_BAN)
		fprintf(f, "\n  members are never banned");
	fputc('\n', f);
}

static void print_fleet(FILE *f, const struct sg_fleet_settings *fl)
{
	char sync[32], imports[48];

	if (!fl->enabled) {
		fprintf(f, "fleet: off\n");
		return;
	}
	sg_format_duration(fl->sync_interval_ns, sync, sizeof(sync));
	sg_conf_format_rate(fl->import_interval_ns, 0, imports,
			    sizeof(imports));
	fprintf(f,
		"fleet: redis %s%s%s as gateway %s, keys %s*; shared bans %s, "
		"shared budgets %s, sync every %s; imports at least /%u /%u, "
		"%s burst %llu\n",
		fl->redis, fl->user[0] ? " user " : "", fl->user,
		fl->gateway[0] ? fl->gateway : "(host name)", fl->key_prefix,
		fl->shared_bans ? "yes" : "no",
		fl->shared_budgets ? "yes" : "no", sync,
		fl->min_prefix[SG_FAMILY_V4], fl->min_prefix[SG_FAMILY_V6],
		imports, (unsigned long long)fl->import_burst);
}

/* "profile release: mon-fri 07:55-08:30 Europe/Madrid: conn_rate ..." */
static void print_profile(FILE *f, const struct sg_profile_settings *p,
			  const struct sg_config *base)
{
	char days[48], start[16], end[16];

	sg_profile_days_text(p->days, days, sizeof(days));
	sg_profile_time_text(p->start, start, sizeof(start));
	sg_profile_time_text(p->end, end, sizeof(end));
	fprintf(f, "profile %s: %s %s-%s%s %s: ", p->name, days, start, end,
		p->end <= p->start ? " (ends the next day)" : "", p->timezone);
	sg_profile_print_changes(f, p, base);
	fputc('\n', f);
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
	fprintf(f, "state: %s\n", s->state_dir);
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
		print_budgets(f, cfg->budget[i]);
		fputc('\n', f);
	}
	for (i = 0; i < s->n_sets && i < SG_MAX_NAMED_SETS; i++)
		print_set(f, &s->sets[i]);
	print_bans(f, s);
	print_budget(f, "events:", &cfg->events, false);
	fputc('\n', f);
	print_fleet(f, &s->fleet);
	for (i = 0; i < s->n_profiles && i < SG_MAX_PROFILES; i++)
		print_profile(f, &s->profiles[i], cfg);
}
