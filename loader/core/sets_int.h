// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What sets.c (building and swapping the tries) and sets_read.c (reading
 * them back) share; not for the rest of the loader, which uses sg.h.
 */
#ifndef SG_SETS_INT_H
#define SG_SETS_INT_H

#include <stddef.h>
#include "sg.h"

#define SG_SETS_BATCH 8192

/* Key size of a family's trie. */
size_t sg_sets_key_size(unsigned int family);
/* The trie key of C. */
void sg_sets_key_of(const struct sg_cidr *c, struct sg_lpm_v6_key *key);
/* fd of the family's trie now in the slot, -ENOENT if the slot is empty. */
int sg_sets_trie_fd(const struct sg_state *st, unsigned int family);
/* qsort/bsearch order of struct sg_set_item: by prefix. */
int sg_sets_item_cmp(const void *a, const void *b);

#endif
