// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own series beside what the maps hold: how the last reload
 * went, under the names Prometheus itself uses for its config, and which
 * changed keys wait for a restart. Read from the main thread's fields.
 */
#include <errno.h>
#include <stdio.h>
#include "apply.h"
#include "daemon.h"
#include "metrics.h"
#include "profiles.h"

int sg_metrics_render_daemon(struct sg_daemon *d, FILE *f)
{
	__u64 ok_ns = __atomic_load_n(&d->reload_ok_unix_ns, __ATOMIC_RELAXED);
	__u32 keys = __atomic_load_n(&d->restart_keys, __ATOMIC_RELAXED);
	int ok = __atomic_load_n(&d->reload_ok, __ATOMIC_RELAXED);
	unsigned int k;

	fprintf(f,
		"# HELP slotguard_config_last_reload_successful Whether the "
		"last reload of the config (SIGHUP) was applied.\n"
		"# TYPE slotguard_config_last_reload_successful gauge\n"
		"slotguard_config_last_reload_successful %d\n"
		"# HELP slotguard_config_last_reload_success_timestamp_seconds "
		"When the config was last applied (start or reload).\n"
		"# TYPE slotguard_config_last_reload_success_timestamp_seconds "
		"gauge\n"
		"slotguard_config_last_reload_success_timestamp_seconds "
		"%llu.%03llu\n",
		ok, (unsigned long long)(ok_ns / 1000000000ULL),
		(unsigned long long)(ok_ns / 1000000ULL % 1000));
	fprintf(f, "# HELP slotguard_config_restart_required 1 for a key "
		   "changed in the config that applies only at the next "
		   "start.\n# TYPE slotguard_config_restart_required gauge\n");
	for (k = 0; k < SG_RESTART_KEY_COUNT; k++)
		fprintf(f,
			"slotguard_config_restart_required{section=\"%s\","
			"key=\"%s\"} %d\n",
			sg_restart_key_section(k), sg_restart_key_names[k],
			!!(keys & (1U << k)));
	sg_apply_render_metrics(d, f);
	sg_profiles_render_metrics(d, f);
	return ferror(f) ? -EIO : 0;
}
