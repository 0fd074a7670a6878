// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The built-in settings: what slotguard does with no config file at all,
 * and what every key of a file starts from.
 */
#include <netinet/in.h>
#include <string.h>
#include "config.h"

#define NS_PER_S 1000000000ULL

static struct sg_budget budget(__u64 count, __u64 period_ns, __u64 burst)
{
	__u64 interval = period_ns / count;

	return (struct sg_budget){ interval, burst * interval };
}

void sg_settings_defaults(struct sg_settings *s)
{
	struct sg_budget *src = s->cfg.budget[SG_LEVEL_SOURCE];
	struct sg_budget *net = s->cfg.budget[SG_LEVEL_SUBNET];
	struct sg_config *cfg = &s->cfg;

	memset(s, 0, sizeof(*s));
	s->xdp_mode = SG_XDP_AUTO;
	strcpy(s->metrics_listen, "127.0.0.1:9717");
	strcpy(s->pin_dir, SG_PIN_DIR_DEFAULT);
	strcpy(s->state_dir, SG_STATE_DIR_DEFAULT);
	s->max_tracked_sources = SG_TRACK_DEFAULT_ENTRIES;
	strcpy(s->services[0].name, "https");
	s->services[0].svc.proto = IPPROTO_TCP;
	s->services[0].svc.port = 443;
	s->n_services = 1;

	cfg->abi_version = SG_ABI_VERSION;
	cfg->mode = SG_MODE_MONITOR;
	cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE] = 32;
	cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SUBNET] = 24;
	cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE] = 64;
	cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SUBNET] = 48;
	/* A person books a few slots a minute; a bot opens hundreds. */
	src[SG_BUDGET_CONN] = budget(2, NS_PER_S, 20);
	src[SG_BUDGET_PACKET] = budget(100, NS_PER_S, 400);
	src[SG_BUDGET_QUOTA] = budget(600, 3600 * NS_PER_S, 600);
	/*
	 * A page load is tens of requests in a second or two; a person then
	 * books every few seconds. A polling session asks many times a second.
	 */
	src[SG_BUDGET_REQUEST] = budget(2, NS_PER_S, 100);
	src[SG_BUDGET_REQUEST_QUOTA] = budget(1800, 3600 * NS_PER_S, 1800);
	/* A subnet is an office or a carrier NAT: ten times a source. */
	net[SG_BUDGET_CONN] = budget(20, NS_PER_S, 100);
	net[SG_BUDGET_PACKET] = budget(2000, NS_PER_S, 4000);
	net[SG_BUDGET_QUOTA] = budget(6000, 3600 * NS_PER_S, 6000);
	net[SG_BUDGET_REQUEST] = budget(20, NS_PER_S, 1000);
	net[SG_BUDGET_REQUEST_QUOTA] = budget(18000, 3600 * NS_PER_S, 18000);
	s->max_bans = SG_BAN_DEFAULT_ENTRIES;
	/* Bans for flagrant abuse only: a busy shared address is limited. */
	cfg->min_excess_milli = 5000;
	cfg->ban_after = 20;
	cfg->ban_window_ns = 60 * NS_PER_S;
	cfg->ban_time_ns = 5 * 60 * NS_PER_S;
	cfg->ban_max_ns = 24 * 3600 * NS_PER_S;
	cfg->ban_memory_ns = 24 * 3600 * NS_PER_S;
	cfg->events = budget(50, NS_PER_S, 100);
	sg_conf_fleet_defaults(&s->fleet);
}
