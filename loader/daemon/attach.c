// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaching the XDP program to interfaces with bpf_links pinned at
 * PIN_DIR/link_<ifname>. A link left behind by a killed daemon is updated
 * in place to the new program, so the interface is never without a filter.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "slotguard.skel.h"
#include "core/pins.h"

static bool sg_configured(const struct sg_daemon *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->settings.n_interfaces; i++)
		if (!strncmp(d->settings.interfaces[i], name, SG_IFNAME_LEN))
			return true;
	return false;
}

/*
 * Slot for the interface's counters: the one it had, else the first one
 * free or held by an interface no longer configured. The counters map has
 * room for as many slots as interfaces (plus "other").
 */
static int sg_iface_slot(struct sg_daemon *d, const char *name, __u32 ifindex,
			 __u32 xdp_mode)
{
	struct sg_iface iface,
		want = { .ifindex = ifindex, .xdp_mode = xdp_mode };
	__u32 slot, found = 0, free_slot = 0, slots;
	int ret = sg_counter_slots(&d->st, &slots);

	if (ret)
		return ret;
	for (slot = 1; slot < slots; slot++) {
		if (bpf_map_lookup_elem(d->st.fds[SG_MAP_IFACES], &slot,
					&iface))
			return -errno;
		if (!strncmp(iface.name, name, SG_IFNAME_LEN)) {
			found = slot;
			break;
		}
		if (!free_slot &&
		    (!iface.name[0] || !sg_configured(d, iface.name)))
			free_slot = slot;
	}
	slot = found ? found : free_slot;
	if (!slot)
		return -ENOSPC;
	strncpy(want.name, name, SG_IFNAME_LEN - 1);
	if (bpf_map_update_elem(d->st.fds[SG_MAP_IFACES], &slot, &want,
				BPF_ANY))
		return -errno;
	if (ifindex < SG_IFINDEX_MAX &&
	    bpf_map_update_elem(d->st.fds[SG_MAP_IFSLOTS], &ifindex, &slot,
				BPF_ANY))
		return -errno;
	return 0;
}

/*
 * A pinned link still attached to ifindex, updated to our program; -ENOENT
 * when there is none (a stale one, of an interface gone, is removed).
 * Anything at the link's path that is not slotguard's XDP link is refused.
 */
static int sg_reuse_link(struct sg_daemon *d, const char *name, __u32 ifindex,
			 int prog_fd, char *err, size_t len)
{
	struct bpf_link_info info;
	int fd, ret;

	ret = sg_state_link_open(&d->st, name, &fd, &info, err, len);
	if (ret)
		return ret;
	if (info.xdp.ifindex != ifindex) {
		/* Stale: its interface went away or was renumbered. */
		close(fd);
		sg_pin_remove(d->pin_dir_fd, name);
		return -ENOENT;
	}
	if (bpf_link_update(fd, prog_fd, NULL)) {
		ret = -errno;
		snprintf(err, len, "%s/%s: updating the link: %s",
			 d->settings.pin_dir, name, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

static __u32 sg_attached_mode(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.attach_mode == XDP_ATTACHED_SKB ? 2 : 1;
}

static int sg_attach_one(struct sg_daemon *d, unsigned int i, char *err,
			 size_t len)
{
	const char *name = d->settings.interfaces[i];
	int prog_fd = bpf_program__fd(d->skel->progs.slotguard_xdp);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char link[sizeof(SG_PIN_LINK_PREFIX) + SG_IFNAME_LEN];
	__u32 ifindex, mode;
	int fd, ret;

	ifindex = if_nametoindex(name);
	if (!ifindex) {
		snprintf(err, len, "interface %s: %s", name, strerror(errno));
		return -ENODEV;
	}
	/* The slot first, so the first packets count under this interface. */
	ret = sg_iface_slot(d, name, ifindex, 0);
	if (ret)
		sg_log(d, "warning",
		       "%s: no counter slot (%s); counted as \"other\"", name,
		       strerror(-ret));
	snprintf(link, sizeof(link), "%s%s", SG_PIN_LINK_PREFIX, name);
	fd = sg_reuse_link(d, link, ifindex, prog_fd, err, len);
	if (fd >= 0) {
		sg_log(d, "info", "%s: took over the pinned XDP link", name);
	} else if (fd != -ENOENT) {
		return fd;
	} else {
		if (d->settings.xdp_mode == SG_XDP_NATIVE)
			opts.flags = XDP_FLAGS_DRV_MODE;
		else if (d->settings.xdp_mode == SG_XDP_GENERIC)
			opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, len, "attaching to %s: %s%s", name,
				 strerror(-ret),
				 ret == -EBUSY || ret == -EEXIST
					 ? " (another XDP program is attached: "
					   "`ip link set dev IFACE xdp off`)"
				 : ret == -EOPNOTSUPP
					 ? " (no native XDP in this driver: "
					   "xdp_mode = generic)"
					 : "");
			return ret;
		}
		ret = sg_pin_put(d->pin_dir_fd, fd, link);
		if (ret) {
			snprintf(err, len, "pinning %s/%s: %s",
				 d->settings.pin_dir, link, strerror(-ret));
			close(fd);
			return ret;
		}
	}
	d->link_fds[i] = fd;
	memcpy(d->link_names[i], d->settings.interfaces[i], SG_IFNAME_LEN);
	mode = sg_attached_mode(ifindex);
	if (mode == 2 && d->settings.xdp_mode == SG_XDP_AUTO)
		sg_log(d, "warning",
		       "%s: driver has no native XDP, running in generic mode "
		       "(slower; drops happen after the kernel made an skb)",
		       name);
	sg_log(d, "info", "%s: XDP attached (%s mode, ifindex %u)", name,
	       mode == 2 ? "generic" : "native", ifindex);
	sg_iface_slot(d, name, ifindex, mode); /* now with the mode */
	return 0;
}

int sg_daemon_attach_all(struct sg_daemon *d, char *err, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->settings.n_interfaces; i++) {
		ret = sg_attach_one(d, i, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

static void sg_unpin_all(struct sg_daemon *d)
{
	char err[SG_ERR_LEN];
	int ret;

	ret = sg_pins_unpin(d->pin_dir_fd);
	if (ret)
		sg_log(d, "warning", "%s left behind: %s", d->settings.pin_dir,
		       strerror(-ret));
	else if (sg_pin_dir_remove(d->settings.pin_dir, err, sizeof(err)))
		sg_log(d, "warning", "left behind: %s", err);
}

void sg_daemon_shutdown(struct sg_daemon *d, bool keep)
{
	char link[sizeof(SG_PIN_LINK_PREFIX) + SG_IFNAME_LEN];
	int i;

	for (i = 0; i < SG_MAX_IFACES; i++) {
		if (d->link_fds[i] < 0)
			continue;
		if (!keep) {
			snprintf(link, sizeof(link), "%s%.*s",
				 SG_PIN_LINK_PREFIX, SG_IFNAME_LEN,
				 d->link_names[i]);
			/* last reference: the link detaches */
			sg_pin_remove(d->pin_dir_fd, link);
			sg_log(d, "info", "%s: XDP detached", d->link_names[i]);
		}
		close(d->link_fds[i]);
		d->link_fds[i] = -1;
	}
	sg_events_close(d);
	if (!keep && d->skel)
		sg_unpin_all(d);
	sg_state_close(&d->st);
	slotguard__destroy(d->skel);
	d->skel = NULL;
	if (d->daemon_lock_fd >= 0)
		close(d->daemon_lock_fd);
	d->daemon_lock_fd = -1;
	if (d->pin_dir_fd >= 0)
		close(d->pin_dir_fd);
	d->pin_dir_fd = -1;
}
