// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What `run` refuses in settings that parse well: no interface to attach
 * to, and (on the host it will run on) interfaces that do not exist.
 * `config check` asks the same, so that it passes only what runs.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include "sg.h"

int sg_settings_check_run(const struct sg_settings *s, bool host, char *err,
			  size_t err_len)
{
	const char *file = s->path ? s->path : "(defaults)";
	unsigned int i;

	if (!s->n_interfaces) {
		snprintf(err, err_len,
			 "%s: no interfaces: set `interfaces = IFACE...` in "
			 "[slotguard] (or give run -i IFACE)",
			 file);
		return -EINVAL;
	}
	for (i = 0; host && i < s->n_interfaces; i++) {
		if (if_nametoindex(s->interfaces[i]))
			continue;
		if (s->interfaces_line)
			snprintf(err, err_len,
				 "%s:%u: interfaces: %s is not an interface "
				 "of this host (`ip link` lists them)",
				 file, s->interfaces_line, s->interfaces[i]);
		else
			snprintf(err, err_len,
				 "-i %s: not an interface of this host (`ip "
				 "link` lists them)",
				 s->interfaces[i]);
		return -ENODEV;
	}
	return 0;
}
