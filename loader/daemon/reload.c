// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * SIGHUP: re-read the config and the list files and apply them live. A bad
 * file is reported and the running settings stay. Keys that size maps or
 * name where things are (interfaces, pin_dir, max_bans, ...) cannot change
 * under a running filter: each one changed is named in the log and in
 * slotguard_config_restart_required, and keeps its running value until
 * the next start. Also: the log lines of manual changes (sg_audit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "apply.h"
#include "daemon.h"
#include "profiles.h"

const char *const sg_restart_key_names[SG_RESTART_KEY_COUNT] = {
	[SG_RESTART_INTERFACES] = "interfaces",
	[SG_RESTART_XDP_MODE] = "xdp_mode",
	[SG_RESTART_METRICS_LISTEN] = "metrics_listen",
	[SG_RESTART_PIN_DIR] = "pin_dir",
	[SG_RESTART_STATE_DIR] = "state_dir",
	[SG_RESTART_MAX_TRACKED] = "max_tracked_sources",
	[SG_RESTART_MAX_BANS] = "max_bans",
	[SG_RESTART_FLEET_REDIS] = "redis",
	[SG_RESTART_FLEET_USER] = "user",
	[SG_RESTART_FLEET_PASSWORD_FILE] = "password_file",
	[SG_RESTART_FLEET_GATEWAY] = "gateway",
	[SG_RESTART_FLEET_KEY_PREFIX] = "key_prefix",
	[SG_RESTART_FLEET_SHARED_BANS] = "shared_bans",
	[SG_RESTART_FLEET_SHARED_BUDGETS] = "shared_budgets",
	[SG_RESTART_FLEET_SYNC_INTERVAL] = "sync_interval",
	[SG_RESTART_FLEET_TIMEOUT] = "timeout",
	[SG_RESTART_FLEET_MIN_PREFIX_V4] = "min_prefix_v4",
	[SG_RESTART_FLEET_MIN_PREFIX_V6] = "min_prefix_v6",
	[SG_RESTART_FLEET_IMPORT_RATE] = "import_rate",
	[SG_RESTART_FLEET_IMPORT_BURST] = "import_burst",
	[SG_RESTART_FLEET_REPORT_FACTOR] = "report_factor",
};

const char *sg_restart_key_section(unsigned int k)
{
	if (k >= SG_RESTART_FLEET_REDIS)
		return "fleet";
	return k == SG_RESTART_MAX_BANS ? "ban" : "slotguard";
}

void sg_daemon_overrides(const struct sg_daemon *d, struct sg_settings *s,
			 char ifaces[][SG_IFNAME_LEN], unsigned int n_ifaces)
{
	unsigned int i;

	if (d->ifaces_override) {
		for (i = 0; i < n_ifaces; i++)
			memcpy(s->interfaces[i], ifaces[i], SG_IFNAME_LEN);
		s->n_interfaces = n_ifaces;
		s->interfaces_line = 0;
	}
	if (d->mode_override >= 0)
		s->cfg.mode = d->mode_override;
}

/*
 * Whoever can write the config or a list file decides what is dropped and
 * what is never dropped: say so when that is more than the owner.
 */
void sg_daemon_warn_writable(struct sg_daemon *d, const struct sg_settings *s)
{
	const char *files[3] = { d->config_path, s->allow_file, s->deny_file };
	struct stat sb;
	int i;

	for (i = 0; i < 3; i++) {
		if (!files[i] || !files[i][0] || stat(files[i], &sb))
			continue;
		if (sb.st_mode & 0022)
			sg_log(d, "warning",
			       "%s is writable by %s (mode %04o): whoever can "
			       "write it controls what slotguard drops; chmod "
			       "go-w it",
			       files[i],
			       sb.st_mode & 0002 ? "everyone" : "its group",
			       sb.st_mode & 07777);
		else if (sb.st_uid != 0 && sb.st_uid != geteuid())
			sg_log(d, "warning", "%s is owned by uid %u, not root",
			       files[i], sb.st_uid);
	}
}

static void sg_ifaces_text(const struct sg_settings *s, char *buf, size_t len)
{
	unsigned int i;
	size_t o = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n_interfaces && o + SG_IFNAME_LEN + 2 < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? "," : "",
			      s->interfaces[i]);
}

/* A [fleet] key's value: what tells two values apart, in words. */
static void sg_fleet_key_text(const struct sg_fleet_settings *f, int k,
			      char *buf, size_t len)
{
	switch (k) {
	case SG_RESTART_FLEET_REDIS:
		snprintf(buf, len, "%.500s", f->enabled ? f->redis : "");
		break;
	case SG_RESTART_FLEET_USER:
		snprintf(buf, len, "%s", f->user);
		break;
	case SG_RESTART_FLEET_PASSWORD_FILE:
		snprintf(buf, len, "%.500s", f->password_file);
		break;
	case SG_RESTART_FLEET_GATEWAY:
		snprintf(buf, len, "%s", f->gateway);
		break;
	case SG_RESTART_FLEET_KEY_PREFIX:
		snprintf(buf, len, "%s", f->key_prefix);
		break;
	case SG_RESTART_FLEET_SHARED_BANS:
		snprintf(buf, len, "%s", f->shared_bans ? "yes" : "no");
		break;
	case SG_RESTART_FLEET_SHARED_BUDGETS:
		snprintf(buf, len, "%s", f->shared_budgets ? "yes" : "no");
		break;
	case SG_RESTART_FLEET_SYNC_INTERVAL:
		snprintf(buf, len, "%llums",
			 (unsigned long long)(f->sync_interval_ns / 1000000));
		break;
	case SG_RESTART_FLEET_TIMEOUT:
		snprintf(buf, len, "%llums",
			 (unsigned long long)(f->timeout_ns / 1000000));
		break;
	case SG_RESTART_FLEET_MIN_PREFIX_V4:
		snprintf(buf, len, "%u", f->min_prefix[SG_FAMILY_V4]);
		break;
	case SG_RESTART_FLEET_MIN_PREFIX_V6:
		snprintf(buf, len, "%u", f->min_prefix[SG_FAMILY_V6]);
		break;
	case SG_RESTART_FLEET_IMPORT_RATE:
		snprintf(buf, len, "one per %lluns",
			 (unsigned long long)f->import_interval_ns);
		break;
	case SG_RESTART_FLEET_IMPORT_BURST:
		snprintf(buf, len, "%llu", (unsigned long long)f->import_burst);
		break;
	case SG_RESTART_FLEET_REPORT_FACTOR:
		snprintf(buf, len, "%u", f->report_factor);
		break;
	default:
		buf[0] = '\0';
	}
}

/* Key k's value in s, as the config file would say it. */
static void sg_key_text(const struct sg_settings *s, int k, char *buf,
			size_t len)
{
	static const char *const xdp_modes[4] = { "auto", "native", "generic",
						  "?" };

	switch (k) {
	case SG_RESTART_INTERFACES:
		sg_ifaces_text(s, buf, len);
		break;
	case SG_RESTART_XDP_MODE:
		snprintf(buf, len, "%s", xdp_modes[s->xdp_mode & 3]);
		break;
	case SG_RESTART_METRICS_LISTEN:
		snprintf(buf, len, "%s", s->metrics_listen);
		break;
	case SG_RESTART_PIN_DIR:
		snprintf(buf, len, "%.500s", s->pin_dir);
		break;
	case SG_RESTART_STATE_DIR:
		snprintf(buf, len, "%.500s", s->state_dir);
		break;
	case SG_RESTART_MAX_TRACKED:
		snprintf(buf, len, "%u", s->max_tracked_sources);
		break;
	case SG_RESTART_MAX_BANS:
		snprintf(buf, len, "%u", s->max_bans);
		break;
	default:
		sg_fleet_key_text(&s->fleet, k, buf, len);
		break;
	}
}

/* The running values of every key a reload cannot apply, into want. */
static void sg_keep_running(struct sg_settings *want,
			    const struct sg_settings *run)
{
	memcpy(want->interfaces, run->interfaces, sizeof(want->interfaces));
	want->n_interfaces = run->n_interfaces;
	want->xdp_mode = run->xdp_mode;
	strcpy(want->metrics_listen, run->metrics_listen);
	strcpy(want->pin_dir, run->pin_dir);
	strcpy(want->state_dir, run->state_dir);
	want->max_tracked_sources = run->max_tracked_sources;
	want->max_bans = run->max_bans;
	want->fleet = run->fleet;
}

/*
 * Compare what the file says (want) with what runs (run): every key that
 * differs is logged and marked, and want gets the running values back.
 * A key the command line overrides is not the file's to change.
 */
static __u32 sg_restart_keys(struct sg_daemon *d, const struct sg_settings *run,
			     struct sg_settings *want)
{
	char was[520], now[520];
	__u32 keys = 0;
	int k;

	for (k = 0; k < SG_RESTART_KEY_COUNT; k++) {
		if ((k == SG_RESTART_INTERFACES && d->ifaces_override) ||
		    (k == SG_RESTART_PIN_DIR && d->pin_dir_override) ||
		    (k == SG_RESTART_STATE_DIR && d->state_dir_override))
			continue;
		sg_key_text(run, k, was, sizeof(was));
		sg_key_text(want, k, now, sizeof(now));
		if (!strcmp(was, now))
			continue;
		keys |= 1U << k;
		sg_log(d, "warning",
		       "reload: [%s] %s changed from '%s' to '%s': takes "
		       "effect at the next restart; running with '%s' until "
		       "then",
		       sg_restart_key_section(k), sg_restart_key_names[k], was,
		       now, was);
	}
	sg_keep_running(want, run);
	return keys;
}

static __u64 sg_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Enforce to monitor drops nothing from now on: say what asked for it. */
static void warn_monitor(const struct sg_daemon *d, const struct sg_settings *s)
{
	if (d->settings.cfg.mode != SG_MODE_ENFORCE ||
	    s->cfg.mode != SG_MODE_MONITOR)
		return;
	if (s->mode_line)
		sg_log(d, "warning",
		       "reload: mode enforce -> monitor, set by %s:%u: nothing "
		       "is dropped from now on",
		       d->config_path, s->mode_line);
	else
		sg_log(d, "warning",
		       "reload: mode enforce -> monitor: %s has no mode key, so "
		       "the default, monitor, applies: nothing is dropped from "
		       "now on",
		       d->config_path ? d->config_path : "no config file");
}

void sg_daemon_refused(struct sg_daemon *d, const char *what, const char *err)
{
	char status[SG_ERR_LEN + 64];

	sg_log(d, "error", "%s refused: %s; keeping the running settings", what,
	       err);
	sg_daemon_record_reload(d, false, err);
	__atomic_store_n(&d->reload_ok, 0, __ATOMIC_RELAXED);
	snprintf(status, sizeof(status), "READY=1\nSTATUS=%s refused: %.400s",
		 what, err);
	sg_notify(status);
}

int sg_daemon_switch(struct sg_daemon *d, struct sg_settings *s,
		     const char *what, char *err, size_t len)
{
	char status[128];
	__u32 keys;
	int ret;

	sg_daemon_overrides(d, s, d->cli_ifaces, d->n_cli_ifaces);
	sg_daemon_warn_writable(d, s);
	keys = sg_restart_keys(d, &d->settings, s);
	ret = sg_daemon_apply(d, s, err, len);
	if (ret) {
		sg_daemon_refused(d, what, err);
		return ret;
	}
	sg_settings_log_notes(d, s);
	warn_monitor(d, s);
	d->settings = *s;
	sg_profiles_settings_changed(d);
	__atomic_store_n(&d->restart_keys, keys, __ATOMIC_RELAXED);
	__atomic_store_n(&d->reload_ok_unix_ns, sg_unix_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&d->reload_ok, 1, __ATOMIC_RELAXED);
	sg_daemon_record_reload(d, true, NULL);
	if (!strcmp(what, "reload"))
		sg_log(d, "info", "reloaded %s (mode %s)%s",
		       d->config_path ? d->config_path : "defaults",
		       sg_mode_name(d->settings.cfg.mode),
		       keys ? "; some changes wait for a restart (see above)"
			    : "");
	snprintf(status, sizeof(status),
		 "READY=1\nSTATUS=running, mode %s, %s%s",
		 sg_mode_name(d->settings.cfg.mode),
		 strcmp(what, "reload") ? what : "reloaded",
		 keys ? " (restart pending)" : "");
	sg_notify(status);
	return 0;
}

void sg_daemon_reload(struct sg_daemon *d, char ifaces[][SG_IFNAME_LEN],
		      unsigned int n_ifaces)
{
	struct sg_settings *s = malloc(sizeof(*s));
	char err[SG_ERR_LEN];

	(void)ifaces; /* the same as d->cli_ifaces */
	(void)n_ifaces;
	if (!s)
		return;
	sg_notify("RELOADING=1\nSTATUS=reloading");
	sg_settings_defaults(s);
	/* A half-written file is refused here, never applied. */
	if (d->config_path &&
	    sg_settings_load_whole(d->config_path, s, err, sizeof(err))) {
		sg_daemon_refused(d, "reload", err);
		free(s);
		return;
	}
	if (!sg_daemon_switch(d, s, "reload", err, sizeof(err)))
		sg_apply_reloaded(d);
	free(s);
}

/* A bounded batch per call: a command storm cannot stall the loop. */
void sg_daemon_log_audit(struct sg_daemon *d)
{
	struct sg_audit_record r;
	int n;

	for (n = 0; n < 64 && !sg_audit_pop(&d->st, &r); n++) {
		r.login[sizeof(r.login) - 1] = '\0';
		r.text[sizeof(r.text) - 1] = '\0';
		sg_log_audit(d, &r);
	}
}
