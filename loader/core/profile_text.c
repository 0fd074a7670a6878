// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Profiles back into words, for `config check`, `profile list|show` and
 * the daemon's log: the schedule as the config writes it, and what a
 * profile changes from the base config (nothing else is printed).
 */
#include <string.h>
#include "config.h"

void sg_profile_days_text(__u8 days, char *buf, size_t len)
{
	static const char *const names[7] = { "mon", "tue", "wed", "thu",
					      "fri", "sat", "sun" };
	size_t o = 0;
	int i = 0, j;

	buf[0] = '\0';
	while (i < 7 && o < len) {
		if (!(days & (1U << i))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 7 && (days & (1U << (j + 1))); j++)
			;
		if (j - i >= 2)
			o += snprintf(buf + o, len - o, "%s%s-%s", o ? "," : "",
				      names[i], names[j]);
		else if (j > i)
			o += snprintf(buf + o, len - o, "%s%s,%s", o ? "," : "",
				      names[i], names[j]);
		else
			o += snprintf(buf + o, len - o, "%s%s", o ? "," : "",
				      names[i]);
		i = j + 1;
	}
}

void sg_profile_time_text(__u32 s, char *buf, size_t len)
{
	if (s % 60)
		snprintf(buf, len, "%02u:%02u:%02u", s / 3600, s / 60 % 60,
			 s % 60);
	else
		snprintf(buf, len, "%02u:%02u", s / 3600, s / 60 % 60);
}

static void budget_text(const struct sg_budget *b, bool quota, char *buf,
			size_t len)
{
	char rate[48];
	__u64 burst;

	if (!b->interval_ns) {
		snprintf(buf, len, "off");
		return;
	}
	burst = b->limit_ns / b->interval_ns;
	sg_conf_format_rate(b->interval_ns, quota ? burst : 0, rate,
			    sizeof(rate));
	if (quota)
		snprintf(buf, len, "%s", rate);
	else
		snprintf(buf, len, "%s burst %llu", rate,
			 (unsigned long long)burst);
}

void sg_profile_print_changes(FILE *f, const struct sg_profile_settings *p,
			      const struct sg_config *base)
{
	static const char *const levels[] = { "", "subnet_" };
	const struct sg_config *cfg = &p->cfg;
	const char *sep = "";
	char text[96];
	unsigned int l, k;

	if (cfg->mode != base->mode) {
		fprintf(f, "mode %s", sg_mode_name(cfg->mode));
		sep = ", ";
	}
	for (l = 0; l < SG_LEVEL_COUNT; l++) {
		for (k = 0; k < SG_BUDGET_KIND_COUNT; k++) {
			if (!memcmp(&cfg->budget[l][k], &base->budget[l][k],
				    sizeof(cfg->budget[l][k])))
				continue;
			budget_text(&cfg->budget[l][k], !sg_conf_burst_keys[k],
				    text, sizeof(text));
			fprintf(f, "%s%s%s %s", sep, levels[l],
				sg_conf_rate_keys[k], text);
			sep = ", ";
		}
	}
	if (cfg->ban_after != base->ban_after) {
		fprintf(f, "%sban_after %u", sep, cfg->ban_after);
		sep = ", ";
	}
	if (cfg->ban_window_ns != base->ban_window_ns) {
		sg_format_duration(cfg->ban_window_ns, text, sizeof(text));
		fprintf(f, "%sban_window %s", sep, text);
		sep = ", ";
	}
	if (cfg->ban_time_ns != base->ban_time_ns) {
		sg_format_duration(cfg->ban_time_ns, text, sizeof(text));
		fprintf(f, "%sban_time %s", sep, text);
		sep = ", ";
	}
	if (cfg->ban_max_ns != base->ban_max_ns) {
		sg_format_duration(cfg->ban_max_ns, text, sizeof(text));
		fprintf(f, "%sban_max %s", sep, text);
		sep = ", ";
	}
	if (cfg->min_excess_milli != base->min_excess_milli) {
		fprintf(f, "%smin_excess %u.%03u", sep,
			cfg->min_excess_milli / 1000,
			cfg->min_excess_milli % 1000);
		sep = ", ";
	}
	if (!*sep)
		fprintf(f, "nothing changed from the base config");
}
