/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to state.c and pincheck.c: checking one pinned map against the
 * compiled object's definition of it, and the inner maps of maps-of-maps,
 * the second half of sg_state_open.
 */
#ifndef SLOTGUARD_PINCHECK_H
#define SLOTGUARD_PINCHECK_H

#include "sg.h"

/*
 * Is fd a map of want's shape (max_entries only if check_max)? On a
 * mismatch why lists the differences and err names the pin (DIR/name),
 * its role (what: "pinned map", "inner map of sg_lists_v4") and them.
 */
int sg_state_check_map(const struct sg_state *st, const char *name,
		       const char *what, int fd, const struct bpf_map *want,
		       bool check_max, char *why, size_t why_len, char *err,
		       size_t err_len);
/*
 * Every pin the set code names, and every map in a slot of a map-of-maps,
 * has the shape of the outer map's inner template in obj.
 */
int sg_state_check_inner(const struct sg_state *st, struct bpf_object *obj,
			 char *err, size_t err_len);

#endif /* SLOTGUARD_PINCHECK_H */
