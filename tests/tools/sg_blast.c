// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_blast: the benchmarks' traffic generator. Runs bpf/blast.bpf.c through
 * BPF_PROG_TEST_RUN in live-frames mode, so the kernel redirects every frame
 * out of a veth of the current network namespace at millions of frames per
 * second: one source, or many (spoofed) sources from a range, TCP SYN or
 * UDP, optionally with an allowlisted source mixed in. For lab namespaces
 * only: the frames never leave the veth pair.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/in.h>
#include "slotguard.h"
#include "pkt.h"
#include "blast.skel.h"

/* The live-frames batch may hold at most this many frames (kernel limit). */
#define BLAST_MAX_BATCH 256
/* Frames per BPF_PROG_TEST_RUN call; the alarm stops it long before. */
#define BLAST_REPEAT	  0xffffffffU
#define BLAST_MAX_SOURCES (1U << 24)

static const char usage[] =
	"Usage: sg_blast --dev IFACE --dst-mac MAC --dst ADDR [options]\n"
	"       sg_blast --enable-gro IFACE\n"
	"\n"
	"Send IPv4 frames out of IFACE (a veth in this network namespace) as\n"
	"fast as one CPU can make them, through BPF_PROG_TEST_RUN with\n"
	"BPF_F_TEST_XDP_LIVE_FRAMES and an XDP program that redirects them.\n"
	"\n"
	"  --dev IFACE          the veth to send out of\n"
	"  --dst-mac MAC        destination MAC (the peer veth's)\n"
	"  --dst ADDR           destination address\n"
	"  --dport PORT         destination port (default 443)\n"
	"  --proto tcp|udp      TCP SYN (default) or UDP datagrams\n"
	"  --src ADDR           first source address (default 10.64.0.1)\n"
	"  --sources N          sources from --src on, 1 to 2^24 (default 1);\n"
	"                       each comes once per N frames (a power of two\n"
	"                       costs the sender least)\n"
	"  --allow ADDR         also send from ADDR ...\n"
	"  --allow-every N      ... every Nth frame (default 0: never)\n"
	"  --seconds S          how long to send (default 5, fractions allowed)\n"
	"  --batch N            frames per live-frames batch (1 to 256,\n"
	"                       default 64)\n"
	"  --cpu C              pin the sender to CPU C\n"
	"  --json               one JSON object instead of text\n"
	"\n"
	"Prints frames sent (handed to the veth), seconds and Mpps. Exit 0 on\n"
	"a completed run, 1 on a runtime failure, 2 on bad usage.\n"
	"\n"
	"--enable-gro IFACE turns GRO on (ethtool -K IFACE gro on) and exits:\n"
	"a veth without an XDP program runs NAPI, and so accepts redirected\n"
	"frames, only with GRO on.\n";

struct blast_opts {
	const char *dev;
	const char *dst_mac;
	const char *dst;
	const char *src;
	const char *allow;
	unsigned int dport;
	unsigned int proto;
	unsigned int sources;
	unsigned int allow_every;
	unsigned int batch;
	int cpu;
	double seconds;
	int json;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *text, __u8 mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int parse_v4(const char *text, __u32 *host_order)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*host_order = ntohl(a.s_addr);
	return 0;
}

/* ETHTOOL_SGRO, so that the benchmarks need no ethtool binary. */
static int enable_gro(const char *ifname)
{
	struct ethtool_value value = { .cmd = ETHTOOL_SGRO, .data = 1 };
	struct ifreq ifr = {};
	int fd, ret = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = (void *)&value;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

static int bad_usage(const char *what, const char *value)
{
	fprintf(stderr, "sg_blast: %s: '%s'\n%s", what, value ? value : "",
		usage);
	return 2;
}

static int parse_args(int argc, char **argv, struct blast_opts *o)
{
	static const struct option longs[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "dst", required_argument, NULL, 't' },
		{ "dport", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "src", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'n' },
		{ "allow", required_argument, NULL, 'a' },
		{ "allow-every", required_argument, NULL, 'e' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "batch", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		end = NULL;
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'm':
			o->dst_mac = optarg;
			break;
		case 't':
			o->dst = optarg;
			break;
		case 's':
			o->src = optarg;
			break;
		case 'a':
			o->allow = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'p':
			o->dport = strtoul(optarg, &end, 10);
			break;
		case 'n':
			o->sources = strtoul(optarg, &end, 10);
			break;
		case 'e':
			o->allow_every = strtoul(optarg, &end, 10);
			break;
		case 'b':
			o->batch = strtoul(optarg, &end, 10);
			break;
		case 'c':
			o->cpu = strtol(optarg, &end, 10);
			break;
		case 'S':
			o->seconds = strtod(optarg, &end);
			break;
		case 'P':
			if (!strcmp(optarg, "tcp"))
				o->proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o->proto = IPPROTO_UDP;
			else
				return bad_usage("--proto is tcp or udp",
						 optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			return 2;
		}
		if (end && *end)
			return bad_usage("not a number", optarg);
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	if (!o->dev || !o->dst_mac || !o->dst)
		return bad_usage("--dev, --dst-mac and --dst are needed", "");
	if (!o->sources || o->sources > BLAST_MAX_SOURCES)
		return bad_usage("--sources is 1 to 2^24", "");
	if (!o->batch || o->batch > BLAST_MAX_BATCH)
		return bad_usage("--batch is 1 to 256", "");
	if (o->dport < 1 || o->dport > 65535)
		return bad_usage("--dport is 1 to 65535", "");
	if (!(o->seconds > 0) || o->seconds > 3600)
		return bad_usage("--seconds is above 0, at most 3600", "");
	if (o->allow_every && !o->allow)
		return bad_usage("--allow-every needs --allow", "");
	return 0;
}

/* The template frame: 60 bytes on the wire before the FCS, the minimum. */
static int build_frame(const struct blast_opts *o, struct sg_frame *f)
{
	struct sg_pkt_spec spec = {
		.family = SG_FAMILY_V4,
		.src = o->src,
		.dst = o->dst,
		.proto = o->proto,
		.sport = 40000,
		.dport = o->dport,
		.tcp_flags = o->proto == IPPROTO_TCP ? SG_TH_SYN : 0,
	};
	static const __u8 zeros[18];
	__u8 mac[6];
	int ret;

	if (o->proto == IPPROTO_UDP) {
		spec.payload = zeros;
		spec.payload_len = sizeof(zeros);
	} else {
		spec.eth_pad = 6;
	}
	if (parse_mac(o->dst_mac, mac))
		return -EINVAL;
	ret = sg_pkt_build(&spec, f);
	if (ret)
		return ret;
	memcpy(f->data, mac, 6);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt BPF_PROG_TEST_RUN (EINTR) */
}

static int arm_alarm(double seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval t = {};

	t.it_value.tv_sec = (time_t)seconds;
	t.it_value.tv_usec = (suseconds_t)((seconds - t.it_value.tv_sec) * 1e6);
	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &t, NULL) ? -errno : 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct blast_opts o = { .src = "10.64.0.1",
				.dport = 443,
				.proto = IPPROTO_TCP,
				.sources = 1,
				.batch = 64,
				.cpu = -1,
				.seconds = 5 };
	unsigned long long sent = 0;
	struct blast *skel;
	struct sg_frame f;
	double start, elapsed;
	__u32 src, allow = 0;
	int ret, ifindex, fd;

	if (argc == 3 && !strcmp(argv[1], "--enable-gro")) {
		ret = enable_gro(argv[2]);
		if (ret)
			fprintf(stderr, "sg_blast: --enable-gro %s: %s\n",
				argv[2], strerror(-ret));
		return ret ? 1 : 0;
	}
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	ifindex = if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "sg_blast: --dev %s: %s\n", o.dev,
			strerror(errno));
		return 2;
	}
	if (parse_v4(o.src, &src))
		return bad_usage("--src is an IPv4 address", o.src);
	if (o.allow && parse_v4(o.allow, &allow))
		return bad_usage("--allow is an IPv4 address", o.allow);
	if (build_frame(&o, &f))
		return bad_usage("cannot build a frame from --dst/--dst-mac",
				 o.dst);
	if (o.cpu >= 0 && (ret = pin_cpu(o.cpu))) {
		fprintf(stderr, "sg_blast: --cpu %d: %s\n", o.cpu,
			strerror(-ret));
		return 1;
	}

	skel = blast__open();
	if (!skel) {
		fprintf(stderr, "sg_blast: opening blast.bpf.o: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->blast_ifindex = ifindex;
	skel->rodata->blast_src_base = src;
	skel->rodata->blast_src_mask = o.sources - 1;
	/* Any other count takes a modulo per frame instead of a mask. */
	if (o.sources & (o.sources - 1))
		skel->rodata->blast_src_count = o.sources;
	skel->rodata->blast_allow_src = allow;
	skel->rodata->blast_allow_every = o.allow_every;
	/* Checksum field offset inside the TCP (16) or UDP (6) header. */
	skel->rodata->blast_l4_check = o.proto == IPPROTO_TCP ? 16 : 6;
	if (blast__load(skel)) {
		fprintf(stderr, "sg_blast: loading blast.bpf.o: %s\n",
			strerror(errno));
		blast__destroy(skel);
		return 1;
	}
	fd = bpf_program__fd(skel->progs.blast_redirect);

	/*
	 * One BPF_PROG_TEST_RUN call for the whole run, cut short by SIGALRM:
	 * every call sets up and tears down a page pool, and the teardown
	 * waits for an RCU grace period, which left the sender idle a third
	 * of the time with calls of 2^17 frames. The program counts what it
	 * sent in blast_seq.
	 */
	if (arm_alarm(o.seconds)) {
		fprintf(stderr, "sg_blast: timer: %s\n", strerror(errno));
		blast__destroy(skel);
		return 1;
	}
	start = now_s();
	while (!ret) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = f.data,
			    .data_size_in = f.len, .repeat = BLAST_REPEAT,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = o.batch);

		if (!bpf_prog_test_run_opts(fd, &run))
			continue; /* 2^32 frames before the alarm: go on */
		if (errno != EINTR) {
			ret = -errno;
			fprintf(stderr, "sg_blast: BPF_PROG_TEST_RUN: %s\n",
				strerror(errno));
		}
		break;
	}
	elapsed = now_s() - start;
	sent = skel->bss->blast_seq;
	if (ret) {
		blast__destroy(skel);
		return 1;
	}

	if (o.json)
		printf("{\"sent\": %llu, \"allowlisted_sent\": %llu, "
		       "\"seconds\": %.3f, \"mpps\": %.3f}\n",
		       sent,
		       o.allow_every
			       ? (sent + o.allow_every - 1) / o.allow_every
			       : 0ULL,
		       elapsed, sent / elapsed / 1e6);
	else
		printf("sent %llu frames in %.3f s: %.3f Mpps\n", sent, elapsed,
		       sent / elapsed / 1e6);
	blast__destroy(skel);
	return 0;
}
