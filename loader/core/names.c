// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The names of the ABI enums as they appear in metrics labels, JSON and
 * logs. They are part of the user interface (dashboards match on them), so
 * they change only together with the Prometheus label values.
 */
#include "sg.h"

static const char *const reason_names[SG_REASON_COUNT] = {
	[SG_REASON_UNPROTECTED] = "unprotected",
	[SG_REASON_NOT_IP] = "not_ip",
	[SG_REASON_MALFORMED] = "malformed",
	[SG_REASON_FRAGMENT] = "fragment",
	[SG_REASON_ALLOWLIST] = "allowlist",
	[SG_REASON_DENYLIST] = "denylist",
	[SG_REASON_BANNED] = "banned",
	[SG_REASON_WITHIN_BUDGET] = "within_budget",
	[SG_REASON_CONN_RATE] = "conn_rate",
	[SG_REASON_PACKET_RATE] = "packet_rate",
	[SG_REASON_CONN_QUOTA] = "conn_quota",
	[SG_REASON_REQUEST_RATE] = "request_rate",
	[SG_REASON_REQUEST_QUOTA] = "request_quota",
	[SG_REASON_SUBNET_CONN_RATE] = "subnet_conn_rate",
	[SG_REASON_SUBNET_PACKET_RATE] = "subnet_packet_rate",
	[SG_REASON_SUBNET_CONN_QUOTA] = "subnet_conn_quota",
	[SG_REASON_SUBNET_REQUEST_RATE] = "subnet_request_rate",
	[SG_REASON_SUBNET_REQUEST_QUOTA] = "subnet_request_quota",
	[SG_REASON_SERVICE_CEILING] = "service_ceiling",
	[SG_REASON_UNTRACKED] = "untracked",
	[SG_REASON_SET_LIMIT] = "set_limit",
};

static const char *const verdict_names[SG_VERDICT_COUNT] = {
	[SG_VERDICT_PASS] = "pass",
	[SG_VERDICT_DROP] = "drop",
	[SG_VERDICT_WOULD_DROP] = "would_drop",
};

static const char *const mode_names[] = {
	[SG_MODE_MONITOR] = "monitor",
	[SG_MODE_ENFORCE] = "enforce",
};

static const char *const list_names[SG_LIST_COUNT] = {
	[SG_LIST_ALLOW] = "allow",
	[SG_LIST_DENY] = "deny",
};

static const char *const family_names[SG_FAMILY_COUNT] = {
	[SG_FAMILY_V4] = "ipv4",
	[SG_FAMILY_V6] = "ipv6",
};

/* Values come from maps and events, so anything out of range is possible. */
static const char *lookup(const char *const *names, size_t n, unsigned int i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

#define LOOKUP(names, i) lookup(names, sizeof(names) / sizeof(names[0]), i)

const char *sg_reason_name(unsigned int reason)
{
	if (reason == SG_REASON_MANUAL)
		return "manual";
	if (reason == SG_REASON_FLEET)
		return "fleet";
	return LOOKUP(reason_names, reason);
}

const char *sg_verdict_name(unsigned int verdict)
{
	return LOOKUP(verdict_names, verdict);
}

const char *sg_mode_name(unsigned int mode)
{
	return LOOKUP(mode_names, mode);
}

const char *sg_list_name(unsigned int list)
{
	return LOOKUP(list_names, list);
}

const char *sg_family_name(unsigned int family)
{
	return LOOKUP(family_names, family);
}
