// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Capture files for replay: pcap and pcapng read through libpcap, one
 * record at a time (memory does not grow with the file), each frame made
 * an Ethernet frame the XDP program can parse: Ethernet (with its VLAN
 * tags) as it is, Linux cooked captures (SLL, SLL2: `tcpdump -i any`) and
 * raw IP under a synthesized Ethernet header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include "replay.h"

#define SLL_HDR_LEN  16
#define SLL2_HDR_LEN 20
#define PCAPNG_MAGIC 0x0a0d0d0aU

struct sg_capture {
	pcap_t *pcap;
	FILE *file;
	const char *path;
	int link;
	bool pcapng;
	__u64 number;
	__u8 buf[SG_REPLAY_FRAME_MAX];
};

const char *sg_capture_format(const struct sg_capture *c)
{
	return c->pcapng ? "pcapng" : "pcap";
}

const char *sg_capture_link(const struct sg_capture *c)
{
	const char *name = pcap_datalink_val_to_name(c->link);

	return name ? name : "?";
}

static bool link_supported(int link)
{
	switch (link) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	}
	return false;
}

int sg_capture_open(const char *path, struct sg_capture **out, char *err,
		    size_t err_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct sg_capture *c;
	__u32 magic = 0;
	int e;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = path;
	c->file = fopen(path, "rb");
	if (!c->file) {
		e = errno;
		snprintf(err, err_len, "%s: %s", path, strerror(e));
		free(c);
		return -e;
	}
	/* Large reads: a 4 KiB buffer costs a syscall every few frames. */
	setvbuf(c->file, NULL, _IOFBF, 1 << 20);
	c->pcapng = fread(&magic, 4, 1, c->file) == 1 && magic == PCAPNG_MAGIC;
	rewind(c->file);
	/* Nanoseconds whatever the file keeps: the clock is set from them. */
	c->pcap = pcap_fopen_offline_with_tstamp_precision(
		c->file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!c->pcap) {
		snprintf(err, err_len, "%s: not a capture libpcap reads (%s)",
			 path, errbuf);
		fclose(c->file);
		free(c);
		return -EINVAL;
	}
	c->link = pcap_datalink(c->pcap);
	if (!link_supported(c->link)) {
		snprintf(err, err_len,
			 "%s: link type %d (%s) is not one replay reads: "
			 "Ethernet (EN10MB, with VLAN tags), Linux cooked "
			 "(LINUX_SLL, LINUX_SLL2) or raw IP",
			 path, c->link, sg_capture_link(c));
		sg_capture_close(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void sg_capture_close(struct sg_capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap); /* closes c->file too */
	else if (c->file)
		fclose(c->file);
	free(c);
}

/*
 * A frame longer than the program may be given: cut, with the IP length
 * fields shortened to what is left, so the program parses a whole
 * (shorter) datagram instead of calling a truncated one malformed.
 */
static void fit_ip_lengths(__u8 *p, __u32 len)
{
	__u32 off = 12, left;
	__u16 type, v, sum;
	__u32 acc = 0, i;

	memcpy(&type, p + off, 2);
	/* Up to two VLAN tags, as the program parses them. */
	for (i = 0; i < 2 &&
		    (type == htons(ETH_P_8021Q) || type == htons(ETH_P_8021AD));
	     i++) {
		off += 4;
		memcpy(&type, p + off, 2);
	}
	off += 2;
	if (off + 40 > len)
		return;
	left = len - off;
	if (type == htons(ETH_P_IP)) {
		memcpy(&v, p + off + 2, 2);
		if (ntohs(v) > left) {
			v = htons((__u16)left);
			memcpy(p + off + 2, &v, 2);
			memset(p + off + 10, 0, 2);
			for (i = 0; i < (__u32)(p[off] & 0xf) * 4; i += 2)
				acc += (__u32)p[off + i] << 8 | p[off + i + 1];
			while (acc >> 16)
				acc = (acc & 0xffff) + (acc >> 16);
			sum = htons((__u16)~acc);
			memcpy(p + off + 10, &sum, 2);
		}
	} else if (type == htons(ETH_P_IPV6)) {
		memcpy(&v, p + off + 4, 2);
		if (ntohs(v) > left - 40) {
			v = htons((__u16)(left - 40));
			memcpy(p + off + 4, &v, 2);
		}
	}
}

/* The link header of one record into an Ethernet header in c->buf. */
static int to_ethernet(struct sg_capture *c, const struct pcap_pkthdr *h,
		       const __u8 *data, struct sg_capture_frame *f,
		       const char **why)
{
	__u32 hdr = 0, body, want;
	__u16 proto = 0;

	memset(c->buf, 0, 12);
	switch (c->link) {
	case DLT_EN10MB:
		if (h->caplen < ETH_HLEN) {
			*why = "shorter than an Ethernet header";
			return -EINVAL;
		}
		hdr = 12; /* addresses; the type is copied with the body */
		memcpy(c->buf, data, 12);
		break;
	case DLT_LINUX_SLL:
		if (h->caplen < SLL_HDR_LEN) {
			*why = "shorter than the 16-byte Linux cooked header";
			return -EINVAL;
		}
		f->outgoing = ntohs(*(const __u16 *)data) == PACKET_OUTGOING;
		memcpy(&proto, data + 14, 2);
		hdr = SLL_HDR_LEN;
		break;
	case DLT_LINUX_SLL2:
		if (h->caplen < SLL2_HDR_LEN) {
			*why = "shorter than the 20-byte Linux cooked v2 header";
			return -EINVAL;
		}
		f->outgoing = data[10] == PACKET_OUTGOING;
		memcpy(&proto, data, 2);
		hdr = SLL2_HDR_LEN;
		break;
	default: /* raw IP: the version says which */
		if (h->caplen >= 1 && data[0] >> 4 == 4)
			proto = htons(ETH_P_IP);
		else if (h->caplen >= 1 && data[0] >> 4 == 6)
			proto = htons(ETH_P_IPV6);
		break;
	}
	if (c->link != DLT_EN10MB) {
		memcpy(c->buf + 12, &proto, 2);
		f->eth_len = ETH_HLEN;
	} else {
		f->eth_len = 12;
	}
	/* What the program sees: the frame at its wire length, at most MAX. */
	want = f->eth_len + (h->len > hdr ? h->len - hdr : 0);
	if (want > SG_REPLAY_FRAME_MAX)
		want = SG_REPLAY_FRAME_MAX;
	body = h->caplen - hdr;
	if (f->eth_len + body > want)
		body = want - f->eth_len;
	memcpy(c->buf + f->eth_len, data + hdr, body);
	/* Bytes a snap length left out: zeros, so lengths still add up. */
	memset(c->buf + f->eth_len + body, 0, want - f->eth_len - body);
	if (h->len - hdr + f->eth_len > want)
		fit_ip_lengths(c->buf, want);
	f->eth_len = want;
	f->eth = c->buf;
	return 0;
}

int sg_capture_next(struct sg_capture *c, struct sg_capture_frame *f, char *err,
		    size_t err_len)
{
	struct pcap_pkthdr *h;
	const __u8 *data;
	const char *why = NULL;
	long offset = ftell(c->file);
	int ret;

	memset(f, 0, sizeof(*f));
	ret = pcap_next_ex(c->pcap, &h, &data);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	c->number++;
	if (ret != 1) {
		snprintf(err, err_len, "%s: frame %llu at byte %ld: %s",
			 c->path, (unsigned long long)c->number, offset,
			 pcap_geterr(c->pcap));
		return -EINVAL;
	}
	f->number = c->number;
	f->offset = offset < 0 ? 0 : (__u64)offset;
	f->ts_ns = (__u64)h->ts.tv_sec * 1000000000ULL + (__u64)h->ts.tv_usec;
	f->len = h->len;
	if (h->len > SG_CAPTURE_LEN_MAX)
		why = "its length is absurd (over 1 MiB)";
	else if (h->caplen > h->len)
		why = "more bytes captured than the frame had";
	if (!why)
		ret = to_ethernet(c, h, data, f, &why);
	if (why) {
		snprintf(err, err_len,
			 "%s: frame %llu at byte %llu: %s (captured %u, length "
			 "%u)",
			 c->path, (unsigned long long)f->number,
			 (unsigned long long)f->offset, why, h->caplen, h->len);
		return -EINVAL;
	}
	return 1;
}
