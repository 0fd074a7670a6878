/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to bans*.c: the key of a ban's reason text in sg_ban_notes,
 * shared by the writers (bans.c) and the listing (bans_dump.c).
 */
#ifndef SLOTGUARD_BANS_H
#define SLOTGUARD_BANS_H

#include <string.h>
#include "sg.h"

static inline void sg_note_key(const struct sg_cidr *c,
			       struct sg_ban_note_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = c->family;
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->addr, 16);
}

#endif /* SLOTGUARD_BANS_H */
