/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The state file (statefile*.c): bans and runtime set entries kept in the
 * settings' state_dir across a stop and start of the daemon.
 */
#ifndef SLOTGUARD_STATEFILE_H
#define SLOTGUARD_STATEFILE_H

#include "sg.h"

#define SG_STATE_FILE "state.json" /* in the settings' state_dir */
struct sg_saved_entry {
	struct sg_cidr cidr;
	char set[SG_SET_NAME_LEN]; /* the set's name: ids may change */
	__u64 added_unix_ns;
};
struct sg_saved_state {
	struct sg_ban_entry *bans; /* since_ns and until_ns: wall clock */
	size_t n_bans;
	struct sg_saved_entry *entries; /* set entries commands added */
	size_t n_entries;
	size_t skipped; /* records of a read file that made no sense */
	__u64 written_unix_ns;
};
/* Every ban and runtime entry of the pinned state, times made wall clock. */
int sg_saved_state_collect(const struct sg_state *st,
			   struct sg_saved_state *out);
/* DIR/state.json, atomically (temporary file, fsync, rename). */
int sg_saved_state_write(const char *dir, const struct sg_saved_state *s,
			 char *err, size_t err_len);
/* -ENOENT when there is none; -EINVAL (err set) when it is not ours. */
int sg_saved_state_read(const char *dir, struct sg_saved_state *s, char *err,
			size_t err_len);
void sg_saved_state_free(struct sg_saved_state *s);
struct sg_restore_report {
	size_t bans, bans_active, bans_forgotten;
	size_t entries, entries_shadowed, entries_set_gone;
};
/* Put a read state back into maps the settings were just applied to. */
int sg_saved_state_restore(const struct sg_state *st,
			   const struct sg_saved_state *s,
			   struct sg_restore_report *rep);

#endif /* SLOTGUARD_STATEFILE_H */
