// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_spoof: the fault tests' spoofed-source flood. Writes TCP SYN frames
 * with a new source address each (from a range the test chooses) onto a
 * veth through an AF_PACKET socket, so the XDP program on the peer sees
 * as many sources as asked for. For lab namespaces only: run it in the
 * namespace of a veth whose peer is the gateway.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "slotguard.h"
#include "pkt.h"

#define SPOOF_BATCH	  64
#define SPOOF_MAX_SOURCES (1UL << 24)

static const char usage[] =
	"Usage: sg_spoof --dev IFACE --dst-mac MAC --dst ADDR --src ADDR\n"
	"                --sources N [--per-source K] [--dport P] [--pps R]\n"
	"\n"
	"Sends N * K TCP SYN frames out of IFACE: from --src, then from each\n"
	"next address (IPv4) or /64 (IPv6), N sources in all, each K times\n"
	"in a row (default 1) from a new source port. Checksums are valid.\n"
	"--pps paces the frames (default: as fast as the socket takes them).\n"
	"Prints one JSON object: frames sent, sources, seconds, retries of a\n"
	"full device. Exit 0 on a completed run, 1 on a runtime failure, 2 on\n"
	"bad usage.\n"
	"\n"
	"Example (in the client namespace of a lab):\n"
	"  sg_spoof --dev sg1-c3 --dst-mac 02:00:00:00:00:01 --dst 10.200.3.1\n"
	"           --src 10.128.0.0 --sources 1000000 --dport 8443\n";

struct spoof_opts {
	const char *dev, *dst_mac, *dst, *src;
	unsigned long sources, per_source, dport, pps;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6], i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)b[i];
	return 0;
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static void put_csum(__u8 *p, __u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[0] = (__u8)(sum >> 8);
	p[1] = (__u8)sum;
}

/* The frame for source number i: address, source port, checksums. */
static void spoof_frame(struct sg_frame *f, unsigned int family,
			const __u8 base[16], unsigned long i, __u16 sport)
{
	__u8 *ip = f->data + f->l3_off, *tcp = f->data + f->l4_off;
	size_t tcp_len = f->ip_end - f->l4_off;
	__u8 *src = ip + (family == SG_FAMILY_V4 ? 12 : 8);
	size_t alen = family == SG_FAMILY_V4 ? 4 : 16;
	unsigned int k, carry = 0;
	__u32 sum;

	memcpy(src, base, alen);
	/*
	 * Add i, big-endian, to the whole IPv4 address or to the /64 prefix
	 * of an IPv6 one: slotguard tracks IPv6 sources by their /64.
	 */
	for (k = 0; k < (family == SG_FAMILY_V4 ? 4 : 8); k++) {
		unsigned int at = (family == SG_FAMILY_V4 ? 3 : 7) - k;
		unsigned int v = src[at] + ((i >> (8 * k)) & 0xff) + carry;

		src[at] = (__u8)v;
		carry = v >> 8;
	}
	tcp[0] = (__u8)(sport >> 8);
	tcp[1] = (__u8)sport;
	if (family == SG_FAMILY_V4) {
		ip[10] = ip[11] = 0;
		put_csum(ip + 10, csum_add(0, ip, (size_t)(ip[0] & 0xf) * 4));
	}
	tcp[16] = tcp[17] = 0;
	/* Pseudo header: both addresses, protocol, segment length. */
	sum = csum_add(0, src, 2 * alen);
	sum += IPPROTO_TCP + (__u32)tcp_len;
	put_csum(tcp + 16, csum_add(sum, tcp, tcp_len));
}

static int spoof_socket(const char *dev, __u8 smac[6], int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = {};
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		close(fd);
		return -1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	*ifindex = (int)if_nametoindex(dev);
	sll.sll_ifindex = *ifindex;
	/* Nothing to receive: protocol 0 binds for sending only. */
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

/* Sends n frames; retries what the device had no room for. */
static int spoof_send(int fd, struct mmsghdr *msgs, unsigned int n,
		      unsigned long *errors)
{
	unsigned int done = 0;
	int r;

	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, 0);
		if (r > 0) {
			done += (unsigned int)r;
			continue;
		}
		if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
			(*errors)++;
			usleep(100);
			continue;
		}
		return -1;
	}
	return 0;
}

static int spoof_run(const struct spoof_opts *o)
{
	static struct sg_frame frames[SPOOF_BATCH];
	static struct iovec iov[SPOOF_BATCH];
	static struct mmsghdr msgs[SPOOF_BATCH];
	struct sg_pkt_spec spec = { .dport = (__u16)o->dport,
				    .tcp_flags = SG_TH_SYN };
	unsigned long total = o->sources * o->per_source, sent = 0, errors = 0;
	__u8 dmac[6], smac[6], base[16];
	uint64_t t0, gap = o->pps ? 1000000000ULL / o->pps : 0;
	unsigned int b, n;
	int fd, ifindex;

	spec.family = strchr(o->src, ':') ? SG_FAMILY_V6 : SG_FAMILY_V4;
	spec.src = o->src;
	spec.dst = o->dst;
	spec.sport = 1024;
	if (parse_mac(o->dst_mac, dmac) ||
	    sg_pkt_addr(spec.family, o->src, base) ||
	    sg_pkt_build(&spec, &frames[0])) {
		fprintf(stderr, "sg_spoof: bad --dst-mac, --src or --dst\n");
		return 2;
	}
	fd = spoof_socket(o->dev, smac, &ifindex);
	if (fd < 0) {
		fprintf(stderr, "sg_spoof: %s: %s\n", o->dev, strerror(errno));
		return 1;
	}
	memcpy(frames[0].data, dmac, 6);
	memcpy(frames[0].data + 6, smac, 6);
	for (b = 0; b < SPOOF_BATCH; b++) {
		frames[b] = frames[0];
		iov[b].iov_base = frames[b].data;
		iov[b].iov_len = frames[b].len;
		msgs[b].msg_hdr =
			(struct msghdr){ .msg_iov = &iov[b], .msg_iovlen = 1 };
	}
	t0 = now_ns();
	while (sent < total) {
		n = total - sent < SPOOF_BATCH ? (unsigned int)(total - sent)
					       : SPOOF_BATCH;
		for (b = 0; b < n; b++) {
			unsigned long k = sent + b;

			spoof_frame(&frames[b], spec.family, base,
				    k / o->per_source,
				    (__u16)(1024 + k % 64000));
		}
		if (gap)
			while (now_ns() < t0 + sent * gap)
				;
		if (spoof_send(fd, msgs, n, &errors)) {
			fprintf(stderr, "sg_spoof: send: %s\n",
				strerror(errno));
			close(fd);
			return 1;
		}
		sent += n;
	}
	printf("{\"frames\":%lu,\"sources\":%lu,\"seconds\":%.3f,"
	       "\"send_retries\":%lu}\n",
	       sent, o->sources, (double)(now_ns() - t0) / 1e9, errors);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "dst", required_argument, NULL, 't' },
		{ "src", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'n' },
		{ "per-source", required_argument, NULL, 'k' },
		{ "dport", required_argument, NULL, 'p' },
		{ "pps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spoof_opts o = { .sources = 1, .per_source = 1, .dport = 443 };
	int c;

	while ((c = getopt_long(argc, argv, "d:m:t:s:n:k:p:r:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'd':
			o.dev = optarg;
			break;
		case 'm':
			o.dst_mac = optarg;
			break;
		case 't':
			o.dst = optarg;
			break;
		case 's':
			o.src = optarg;
			break;
		case 'n':
			if (parse_ulong(optarg, SPOOF_MAX_SOURCES,
					&o.sources) ||
			    !o.sources)
				goto bad_usage;
			break;
		case 'k':
			if (parse_ulong(optarg, 1000, &o.per_source) ||
			    !o.per_source)
				goto bad_usage;
			break;
		case 'p':
			if (parse_ulong(optarg, 65535, &o.dport) || !o.dport)
				goto bad_usage;
			break;
		case 'r':
			if (parse_ulong(optarg, 100000000, &o.pps))
				goto bad_usage;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!o.dev || !o.dst_mac || !o.dst || !o.src || optind != argc)
		goto bad_usage;
	return spoof_run(&o);
bad_usage:
	fputs(usage, stderr);
	return 2;
}
