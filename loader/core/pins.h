/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pin directory (pins.c): objects pinned under a directory fd, never
 * through a symlink, and what a pinned map is (pincheck.c compares it with
 * the compiled object).
 */
#ifndef SLOTGUARD_PINS_H
#define SLOTGUARD_PINS_H

#include "sg.h"

/*
 * Open dir (O_RDONLY directory fd) walking from "/" one component at a
 * time, refusing any symlink on the way (-ELOOP, err says which); create
 * makes the last component (0700) when absent. The directory must be on
 * bpffs (-EINVAL).
 */
int sg_pin_dir_open(const char *dir, bool create, int *dir_fd, char *err,
		    size_t err_len);
/* rmdir of dir through its parent, walked as above. */
int sg_pin_dir_remove(const char *dir, char *err, size_t err_len);
/* Objects under the directory fd, never through a symlink (-ELOOP). */
int sg_pin_get(int dir_fd, const char *name); /* fd or -errno */
int sg_pin_put(int dir_fd, int fd, const char *name);
int sg_pin_remove(int dir_fd, const char *name);
int sg_pin_rename(int dir_fd, const char *from, const char *to);

enum sg_pin_kind {
	SG_PIN_MAP,
	SG_PIN_PROG,
	SG_PIN_LINK,
	SG_PIN_DIR,
	SG_PIN_SYMLINK,
	SG_PIN_OTHER,
};
int sg_pin_kind(int dir_fd, const char *name); /* enum sg_pin_kind or -errno */
int sg_fd_kind(int fd); /* SG_PIN_MAP, _PROG, _LINK or _OTHER */
/* err = "DIR/NAME: what ret means" (a symlink: where it points); ret. */
int sg_pin_error(int dir_fd, const char *dir, const char *name, int ret,
		 char *err, size_t err_len);
const char *sg_pin_kind_name(int kind);

/* What a map is: compared between a pin and the compiled object. */
struct sg_map_shape {
	__u32 type, key_size, value_size, max_entries, flags;
	__u32 id; /* of a map in the kernel; 0 for a definition */
};
struct bpf_map;
void sg_map_shape_of(const struct bpf_map *map, struct sg_map_shape *s);
int sg_map_shape_fd(int fd, struct sg_map_shape *s);
/*
 * 0 if have is want; -EPROTO if type, sizes or flags differ, -ERANGE if
 * only max_entries does (check_max). why lists each difference.
 */
int sg_map_shape_cmp(const struct sg_map_shape *have,
		     const struct sg_map_shape *want, bool check_max, char *why,
		     size_t why_len);

#endif /* SLOTGUARD_PINS_H */
