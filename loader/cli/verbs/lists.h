/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Private to cmd_lists.c and cmd_sets.c: the entry commands of one set,
 * shared by `allow`, `deny` and `set ... NAME`. Each returns an sg_exit
 * code and prints its own errors.
 */
#ifndef SLOTGUARD_LISTS_H
#define SLOTGUARD_LISTS_H

#include <stdbool.h>
#include "core/sg.h"

struct sg_list_ctx {
	unsigned int set; /* set id */
	char name[40];	  /* for messages: "allowlist", "set hosting" */
};

int sg_list_add_del(const struct sg_list_ctx *l, int n, char **argv, bool add);
int sg_list_add_file(const struct sg_list_ctx *l, const char *file);
int sg_list_show(const struct sg_list_ctx *l, bool json);
int sg_list_replace_file(const struct sg_list_ctx *l, const char *file);
int sg_list_flush(const struct sg_list_ctx *l);

#endif /* SLOTGUARD_LISTS_H */
