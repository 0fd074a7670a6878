// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Keeping the state file current: the daemon notices bans change through
 * its 1 s sweep (the program's own bans, expiries, forgotten bans) and set
 * entries and manual bans through the policy generation every command
 * bumps, and rewrites STATE_DIR/state.json at most once a second when
 * anything changed, and once more when it stops. A start on fresh pins
 * (after a stop, a reboot, an upgrade that changed the maps) reads it back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "core/statefile.h"

int sg_persist_prepare(struct sg_daemon *d, char *err, size_t len)
{
	/* Whoever can write the state file can ban or allow at the start. */
	int ret = sg_private_dir(d->settings.state_dir, "state_dir ", err, len);

	d->persist.enabled = !ret;
	return ret;
}

/* Fresh pins: the bans and runtime entries of the last run come back. */
void sg_persist_restore(struct sg_daemon *d)
{
	struct sg_saved_state s;
	struct sg_restore_report rep;
	char err[SG_ERR_LEN], path[PATH_MAX + 16];
	int ret;

	if (!d->persist.enabled || !d->fresh_pins)
		return;
	snprintf(path, sizeof(path), "%s/" SG_STATE_FILE,
		 d->settings.state_dir);
	ret = sg_saved_state_read(d->settings.state_dir, &s, err, sizeof(err));
	if (ret == -ENOENT) {
		sg_log(d, "info", "%s: no saved state, starting without bans",
		       path);
		return;
	}
	if (ret) {
		sg_log(d, "warning", "%s; starting without saved bans",
		       ret == -EINVAL ? err : strerror(-ret));
		return;
	}
	ret = sg_saved_state_restore(&d->st, &s, &rep);
	if (ret)
		sg_log(d, "error", "restoring %s: %s (%zu bans restored)", path,
		       strerror(-ret), rep.bans);
	else
		sg_log(d, "info",
		       "restored from %s: %zu bans (%zu active, %zu past their "
		       "memory dropped), %zu runtime set entries (%zu now in "
		       "a file, %zu of sets no longer configured)%s",
		       path, rep.bans, rep.bans_active, rep.bans_forgotten,
		       rep.entries, rep.entries_shadowed, rep.entries_set_gone,
		       s.skipped ? "; some records made no sense, skipped"
				 : "");
	sg_saved_state_free(&s);
}

/* A fingerprint of the bans the sweep saw: any change changes it. */
void sg_persist_bans_seen(struct sg_daemon *d, const struct sg_ban_entry *v,
			  size_t n)
{
	__u64 h = 0xcbf29ce484222325ULL, x, a[2];
	size_t i;

	for (i = 0; i < n; i++) {
		x = v[i].ban.until_ns ^ (v[i].ban.since_ns << 1) ^
		    ((__u64)v[i].ban.offences << 48) ^
		    ((__u64)v[i].ban.flags << 40);
		x ^= (__u64)v[i].cidr.prefixlen << 32;
		memcpy(a, v[i].cidr.addr, sizeof(a));
		x ^= a[0] ^ a[1];
		h = (h ^ x) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	h ^= n;
	if (h != d->persist.bans_hash) {
		d->persist.bans_hash = h;
		d->persist.dirty = true;
	}
}

static void sg_persist_write(struct sg_daemon *d)
{
	struct sg_saved_state s;
	char err[SG_ERR_LEN];
	int ret;

	ret = sg_saved_state_collect(&d->st, &s);
	if (ret)
		snprintf(err, sizeof(err), "reading bans and sets: %s",
			 strerror(-ret));
	else
		ret = sg_saved_state_write(d->settings.state_dir, &s, err,
					   sizeof(err));
	sg_saved_state_free(&s);
	/* Say it once when it starts failing and once when it recovers. */
	if (ret && !d->persist.failing)
		sg_log(d, "error",
		       "saving state: %s; bans will not survive a stop until "
		       "this works",
		       err);
	else if (!ret && d->persist.failing)
		sg_log(d, "info", "saving state works again");
	d->persist.failing = ret != 0;
	d->persist.dirty = ret != 0;
}

void sg_persist_tick(struct sg_daemon *d)
{
	struct sg_config cfg;

	if (!d->persist.enabled || sg_config_read(&d->st, &cfg))
		return;
	if (cfg.generation != d->persist.generation) {
		d->persist.generation = cfg.generation;
		d->persist.dirty = true;
	}
	if (d->persist.dirty)
		sg_persist_write(d);
}

void sg_persist_final(struct sg_daemon *d)
{
	if (!d->persist.enabled || !d->skel)
		return;
	sg_persist_write(d);
	if (!d->persist.failing)
		sg_log(d, "info", "state saved to %s/" SG_STATE_FILE,
		       d->settings.state_dir);
}
