// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the INI configuration (loader/config*.c): the defaults, the
 * example file in the repository, a file that sets every key, and a corpus
 * of broken files that must each fail at the right line, changing nothing.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/sg.h"
#include "test.h"

#define MS	1000000ULL
#define SEC	1000000000ULL
#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

/* ~100 KiB each: kept off the stack. */
static struct sg_settings loaded, before, defaults;

/* Loads text from a temporary file into loaded; the file is kept. */
static int load_text(const char *text, size_t len, char path[32], char *err)
{
	err[0] = '\0';
	if (!sg_test_write_temp(path, text, len))
		return -EIO;
	return sg_settings_load(path, &loaded, err, SG_ERR_LEN);
}

static bool budget_is(const struct sg_budget *b, __u64 interval, __u64 burst)
{
	if (b->interval_ns == interval && b->limit_ns == burst * interval)
		return true;
	sg_test_fail_at(
		__FILE__, __LINE__,
		"budget {%llu, %llu}, expected interval %llu burst %llu",
		(unsigned long long)b->interval_ns,
		(unsigned long long)b->limit_ns, (unsigned long long)interval,
		(unsigned long long)burst);
	return false;
}

SG_TEST(config_defaults)
{
	const struct sg_config *cfg = &defaults.cfg;
	const struct sg_budget *src = cfg->budget[SG_LEVEL_SOURCE];
	const struct sg_budget *net = cfg->budget[SG_LEVEL_SUBNET];

	memset(&defaults, 0xa5, sizeof(defaults));
	sg_settings_defaults(&defaults);
	ASSERT_TRUE(defaults.path == NULL);
	ASSERT_EQ(defaults.n_interfaces, 0);
	ASSERT_EQ(defaults.xdp_mode, SG_XDP_AUTO);
	ASSERT_STREQ(defaults.metrics_listen, "127.0.0.1:9717");
	ASSERT_STREQ(defaults.allow_file, "");
	ASSERT_STREQ(defaults.deny_file, "");
	ASSERT_STREQ(defaults.pin_dir, SG_PIN_DIR_DEFAULT);
	ASSERT_EQ(defaults.max_tracked_sources, SG_TRACK_DEFAULT_ENTRIES);
	ASSERT_EQ(defaults.keep_attached, false);
	ASSERT_EQ(defaults.n_services, 1);
	ASSERT_STREQ(defaults.services[0].name, "https");
	ASSERT_EQ(defaults.services[0].svc.proto, IPPROTO_TCP);
	ASSERT_EQ(defaults.services[0].svc.port, 443);
	ASSERT_EQ(defaults.services[0].svc.flags, 0);
	ASSERT_EQ(defaults.services[0].n_dsts, 0);
	ASSERT_EQ(defaults.services[0].svc.ceiling.interval_ns, 0);
	ASSERT_EQ(cfg->abi_version, SG_ABI_VERSION);
	ASSERT_EQ(cfg->mode, SG_MODE_MONITOR);
	ASSERT_EQ(cfg->flags, 0);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE], 32);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SUBNET], 24);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE], 64);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SUBNET], 48);
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_CONN], 500 * MS, 20));
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_PACKET], 10 * MS, 400));
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_QUOTA], 6 * SEC, 600));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_CONN], 50 * MS, 100));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_PACKET], MS / 2, 4000));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_QUOTA], 600 * MS, 6000));
	ASSERT_EQ(cfg->ban_after, 20);
	ASSERT_EQ(cfg->ban_window_ns, 60 * SEC);
	ASSERT_EQ(cfg->ban_time_ns, 300 * SEC);
	ASSERT_EQ(cfg->ban_max_ns, 86400 * SEC);
	ASSERT_EQ(cfg->ban_memory_ns, 86400 * SEC);
	ASSERT_TRUE(budget_is(&cfg->events, 20 * MS, 100));
	ASSERT_EQ(cfg->time_offset_ns, 0);
	ASSERT_EQ(cfg->generation, 0);
	return true;
}

/* The example documents the defaults: loading it must change nothing. */
SG_TEST(config_example_file)
{
	static const char path[] = "slotguard.conf.example";
	char err[SG_ERR_LEN];
	int ret;

	if (access(path, R_OK))
		TEST_SKIP(
			"slotguard.conf.example not found: run from the repository root");
	sg_settings_defaults(&defaults);
	ret = sg_settings_load(path, &loaded, err, sizeof(err));
	if (ret)
		sg_test_log("%s", err);
	ASSERT_OK(ret);
	ASSERT_STREQ(loaded.path, path);
	ASSERT_MEMEQ(&loaded.cfg, &defaults.cfg, sizeof(loaded.cfg));
	ASSERT_EQ(loaded.n_services, 1);
	ASSERT_MEMEQ(&loaded.services[0], &defaults.services[0],
		     sizeof(loaded.services[0]));
	ASSERT_STREQ(loaded.metrics_listen, defaults.metrics_listen);
	ASSERT_STREQ(loaded.pin_dir, defaults.pin_dir);
	ASSERT_EQ(loaded.max_tracked_sources, defaults.max_tracked_sources);
	ASSERT_EQ(loaded.keep_attached, defaults.keep_attached);
	ASSERT_EQ(loaded.xdp_mode, defaults.xdp_mode);
	ASSERT_EQ(loaded.n_interfaces, 0);
	ASSERT_STREQ(loaded.allow_file, "");
	return true;
}

static const char full_conf[] =
	"# every key, none at its default\n"
	"[slotguard]\n"
	"interfaces = eth0, eth1  ens3f0\n"
	"xdp_mode = native\n"
	"mode = enforce\n"
	"metrics_listen = [::1]:9100\n"
	"allowlist = allow.txt\n"
	"denylist = /etc/slotguard/deny.txt\n"
	"pin_dir = /sys/fs/bpf/sg-test\n"
	"max_tracked_sources = 1048576\n"
	"keep_attached = yes\n"
	"[service booking]\n"
	"protocol = tcp\n"
	"port = 443\n"
	"destinations = 192.0.2.10/32, 2001:db8::10 192.0.2.10\n"
	"ceiling = 500/s\n"
	"[service booking-h3]\n"
	"protocol = udp\n"
	"port = 443\n"
	"ceiling = 100/s\n"
	"ceiling_burst = 1000\n"
	"[service plain-udp]\n"
	"quic = no\n"
	"protocol = udp\n"
	"port = 8443\n"
	"[source]\n"
	"prefix_v4 = /31\n"
	"prefix_v6 = 56\n"
	"conn_burst = 10\n" /* before its rate: order does not matter */
	"conn_rate = 5/s\n"
	"packet_rate = off\n"
	"conn_quota = 300/h\n"
	"[subnet]\n"
	"prefix_v4 = 20\n"
	"prefix_v6 = 40\n"
	"conn_rate = 1000/min\n"
	"conn_burst = 50\n"
	"packet_rate = 5000/s\n"
	"packet_burst = 10000\n"
	"conn_quota = off\n"
	"[ban]\n"
	"after = 0\n"
	"window = 2m\n"
	"time = 10m\n"
	"max = 7d\n"
	"memory = 0s\n"
	"[events]\n"
	"rate = 10/s\n"
	"burst = 20\n";

static bool check_full_services(const struct sg_settings *s)
{
	const struct sg_service_conf *sc = s->services;
	char buf[64];

	if (s->n_services != 3 || strcmp(sc[0].name, "booking") ||
	    strcmp(sc[1].name, "booking-h3") ||
	    strcmp(sc[2].name, "plain-udp")) {
		sg_test_fail_at(__FILE__, __LINE__, "services are wrong");
		return false;
	}
	if (sc[0].svc.proto != IPPROTO_TCP || sc[0].svc.port != 443 ||
	    sc[0].svc.flags != SG_SERVICE_DST_RESTRICTED || sc[0].n_dsts != 2 ||
	    !budget_is(&sc[0].svc.ceiling, 2 * MS, 500))
		return false;
	sg_format_cidr(&sc[0].dsts[1], buf, sizeof(buf));
	if (strcmp(buf, "2001:db8::10/128")) {
		sg_test_fail_at(__FILE__, __LINE__, "dst %s", buf);
		return false;
	}
	/* QUIC is on by default for UDP, off where the file says so. */
	if (sc[1].svc.proto != IPPROTO_UDP ||
	    sc[1].svc.flags != SG_SERVICE_QUIC ||
	    !budget_is(&sc[1].svc.ceiling, 10 * MS, 1000) ||
	    sc[2].svc.port != 8443 || sc[2].svc.flags != 0 ||
	    sc[2].svc.ceiling.interval_ns) {
		sg_test_fail_at(__FILE__, __LINE__, "udp services are wrong");
		return false;
	}
	return true;
}

SG_TEST(config_full_file)
{
	const struct sg_config *cfg = &loaded.cfg;
	const struct sg_budget *src = cfg->budget[SG_LEVEL_SOURCE];
	const struct sg_budget *net = cfg->budget[SG_LEVEL_SUBNET];
	char path[32], err[SG_ERR_LEN];
	int ret;

	ret = load_text(full_conf, sizeof(full_conf) - 1, path, err);
	unlink(path);
	if (ret)
		sg_test_log("%s", err);
	ASSERT_OK(ret);
	ASSERT_STREQ(loaded.path, path);
	ASSERT_EQ(loaded.n_interfaces, 3);
	ASSERT_STREQ(loaded.interfaces[0], "eth0");
	ASSERT_STREQ(loaded.interfaces[1], "eth1");
	ASSERT_STREQ(loaded.interfaces[2], "ens3f0");
	ASSERT_EQ(loaded.xdp_mode, SG_XDP_NATIVE);
	ASSERT_EQ(cfg->mode, SG_MODE_ENFORCE);
	ASSERT_STREQ(loaded.metrics_listen, "[::1]:9100");
	/* Relative to the directory of the config file. */
	ASSERT_STREQ(loaded.allow_file, "/tmp/allow.txt");
	ASSERT_STREQ(loaded.deny_file, "/etc/slotguard/deny.txt");
	ASSERT_STREQ(loaded.pin_dir, "/sys/fs/bpf/sg-test");
	ASSERT_EQ(loaded.max_tracked_sources, 1048576);
	ASSERT_EQ(loaded.keep_attached, true);
	ASSERT_TRUE(check_full_services(&loaded));
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SOURCE], 31);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SOURCE], 56);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V4][SG_LEVEL_SUBNET], 20);
	ASSERT_EQ(cfg->prefix_len[SG_FAMILY_V6][SG_LEVEL_SUBNET], 40);
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_CONN], 200 * MS, 10));
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_PACKET], 0, 0));
	ASSERT_TRUE(budget_is(&src[SG_BUDGET_QUOTA], 12 * SEC, 300));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_CONN], 60 * MS, 50));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_PACKET], MS / 5, 10000));
	ASSERT_TRUE(budget_is(&net[SG_BUDGET_QUOTA], 0, 0));
	ASSERT_EQ(cfg->ban_after, 0);
	ASSERT_EQ(cfg->ban_window_ns, 120 * SEC);
	ASSERT_EQ(cfg->ban_time_ns, 600 * SEC);
	ASSERT_EQ(cfg->ban_max_ns, 7 * 86400 * SEC);
	ASSERT_EQ(cfg->ban_memory_ns, 0);
	ASSERT_TRUE(budget_is(&cfg->events, 100 * MS, 20));
	ASSERT_EQ(cfg->abi_version, SG_ABI_VERSION);
	return true;
}

/* What an engineer's editor leaves in a file must not matter. */
SG_TEST(config_syntax)
{
	static const char text[] = "\xef\xbb\xbf; INI comments work too\r\n"
				   "[slotguard]   \r\n"
				   "   mode = enforce   # why: tested\r\n"
				   "\tkeep_attached: YES ; inline\r\n"
				   "  # an indented comment\n"
				   "pin_dir = /sys/fs/bpf/a#b\n" /* '#' without
								    a blank is
								    data */
				   "metrics_listen = off\n"
				   "\n"
				   "[ source ]\n"
				   "[subnet]\n"
				   "[service   web]\n"
				   "protocol = tcp\n"
				   "port = 80\n";
	char path[32], err[SG_ERR_LEN];
	int ret;

	ret = load_text(text, sizeof(text) - 1, path, err);
	unlink(path);
	if (ret)
		sg_test_log("%s", err);
	ASSERT_OK(ret);
	ASSERT_EQ(loaded.cfg.mode, SG_MODE_ENFORCE);
	ASSERT_EQ(loaded.keep_attached, true);
	ASSERT_STREQ(loaded.pin_dir, "/sys/fs/bpf/a#b");
	ASSERT_STREQ(loaded.metrics_listen, ""); /* off */
	ASSERT_EQ(loaded.n_services, 1);
	ASSERT_STREQ(loaded.services[0].name, "web");
	ASSERT_EQ(loaded.services[0].svc.port, 80);
	return true;
}

#define SVC "[service a]\nprotocol = tcp\n" /* a service on lines 1-2 */

static const struct {
	const char *text;
	unsigned int line;
	const char *reason;
} broken[] = {
	/* structure */
	{ "[slotguard]\nmode = enforce\nmod = monitor\n", 3,
	  "unknown key 'mod' in [slotguard]" },
	{ SVC "port = 1\nceiling_rate = 5/s\n", 4,
	  "unknown key 'ceiling_rate' in [service a]" },
	{ "[slotguard]\n\n[sloguard]\n", 3, "unknown section [sloguard]" },
	{ "[source foo]\n", 1, "unknown section [source foo]" },
	{ "[service a b]\n", 1, "unknown section [service a b]" },
	{ "[slotguard]\nmode = enforce\n\nmode = monitor\n", 4,
	  "duplicate key 'mode' in [slotguard] (first at line 2)" },
	/* indented lines are not continuations of the previous key */
	{ "[source]\n conn_rate = 5/s\n  conn_rate = 6/s\n", 3,
	  "duplicate key 'conn_rate'" },
	{ "[ban]\nafter = 3\n[ban]\n", 3,
	  "duplicate section [ban] (first at line 1)" },
	{ SVC "port = 1\n[service a]\n", 4,
	  "duplicate section [service a] (first at line 1)" },
	{ "mode = enforce\n[slotguard]\n", 1,
	  "'mode' comes before any section" },
	{ "[slotguard]\nenforce\n", 2, "'enforce' is not 'key = value'" },
	{ "[slotguard]\n= enforce\n", 2, "no key before '='" },
	{ "[slotguard\n", 1, "section header without ']'" },
	{ "[slotguard] mode = enforce\n", 1, "text after the section header" },
	{ "[service]\n", 1, "[service] needs a name" },
	{ "[service a/b]\n", 1, "'a/b' is not a service name" },
	{ "[slotguard]\nmode =\n", 2, "mode: empty value" },
	{ "[slotguard]\nmode = enforce\x01\n", 2, "binary data (byte 0x01)" },
	/* values */
	{ "[slotguard]\nmode = Enforce\n", 2,
	  "mode: 'Enforce' is not monitor or enforce" },
	{ "[slotguard]\nxdp_mode = offload\n", 2,
	  "xdp_mode: 'offload' is not auto, native or generic" },
	{ "[slotguard]\nkeep_attached = maybe\n", 2,
	  "keep_attached: 'maybe' is not yes or no" },
	{ "[slotguard]\nmetrics_listen = localhost:9717\n", 2,
	  "metrics_listen: 'localhost:9717' is not ADDRESS:PORT" },
	{ "[slotguard]\nmetrics_listen = 127.0.0.1:0\n", 2,
	  "is not ADDRESS:PORT" },
	{ "[slotguard]\nmetrics_listen = 127.0.0.1\n", 2,
	  "is not ADDRESS:PORT" },
	{ "[slotguard]\nmetrics_listen = ::1:9717\n", 2,
	  "is not ADDRESS:PORT" },
	{ "[slotguard]\npin_dir = bpf/slotguard\n", 2,
	  "pin_dir: 'bpf/slotguard' is not an absolute path" },
	{ "[slotguard]\ninterfaces = eth0 eth1,eth0\n", 2,
	  "interfaces: eth0 is listed twice" },
	{ "[slotguard]\ninterfaces = a-name-too-long-0\n", 2,
	  "interfaces: 'a-name-too-long-0' is longer than 15 characters" },
	{ "[slotguard]\ninterfaces = ../x\n", 2,
	  "interfaces: '../x' is not an interface name" },
	{ "[slotguard]\ninterfaces = ,\n", 2,
	  "interfaces: no interface named" },
	{ "[service a]\nprotocol = sctp\n", 2,
	  "protocol: 'sctp' is not tcp or udp" },
	{ SVC "port = 443x\n", 3, "port: '443x' is not a whole number" },
	{ SVC "port = -1\n", 3, "port: '-1' is not a whole number" },
	{ SVC "port = 80\ndestinations = 192.0.2.0/24 10.0.0.300/8\n", 4,
	  "destinations: '10.0.0.300/8' is not a CIDR" },
	{ SVC "port = 80\ndestinations = 192.0.2.1/24\n", 4,
	  "destinations: '192.0.2.1/24' has host bits set beyond /24 (did you mean 192.0.2.0/24?)" },
	{ "[source]\nconn_rate = 5\n", 2,
	  "conn_rate: '5' has no unit (COUNT/UNIT" },
	{ "[subnet]\npacket_rate = 0/s\n", 2,
	  "packet_rate: '0/s': the count must be a whole number from 1 to 10000000; off disables it" },
	{ "[source]\nconn_quota = 300 per hour\n", 2,
	  "conn_quota: '300 per hour' is not a rate" },
	{ SVC "port = 80\nceiling = 5/fortnight\n", 4,
	  "ceiling: '5/fortnight': unknown unit" },
	{ "[events]\nrate = off\n", 2, "rate: 'off' is not a rate" },
	{ "[ban]\ntime = 5 minutes\n", 2,
	  "time: '5 minutes' is not a duration" },
	{ "[ban]\nwindow = 60\n", 2, "window: '60' has no unit" },
	{ "[ban]\nwindow = 0s\n", 2, "window: must be longer than 0s" },
	{ "[ban]\nmemory = 400d\n", 2,
	  "memory: '400d' is longer than the maximum, 365d" },
	/* absurd numbers */
	{ "[slotguard]\nmax_tracked_sources = 100\n", 2,
	  "max_tracked_sources: '100' is out of range (1024 to 16777216)" },
	{ "[slotguard]\nmax_tracked_sources = 99999999999999999999999\n", 2,
	  "out of range (1024 to 16777216)" },
	{ SVC "port = 0\n", 3, "port: '0' is out of range (1 to 65535)" },
	{ SVC "port = 65536\n", 3,
	  "port: '65536' is out of range (1 to 65535)" },
	{ "[ban]\nafter = 70000\n", 2,
	  "after: '70000' is out of range (0 to 65535)" },
	{ "[source]\nprefix_v4 = 33\n", 2,
	  "prefix_v4: '33' is out of range (1 to 32)" },
	{ "[subnet]\nprefix_v6 = 0\n", 2,
	  "prefix_v6: '0' is out of range (1 to 64)" },
	{ "[source]\nconn_burst = 0\n", 2,
	  "conn_burst: '0' is out of range (1 to 10000000)" },
	{ "[source]\nconn_rate = 1/d\nconn_burst = 10000000\n", 3,
	  "[source] conn_burst = 10000000 at 1/d banks more than 365d of tokens" },
	/* keys that must agree */
	{ "[subnet]\nprefix_v4 = 32\n", 2,
	  "[subnet] prefix_v4 = 32 must be shorter than [source] prefix_v4 = 32" },
	{ "[subnet]\nprefix_v6 = 40\n[source]\nprefix_v6 = 40\n", 4,
	  "[subnet] prefix_v6 = 40 must be shorter than [source] prefix_v6 = 40" },
	{ "[ban]\ntime = 2d\n", 2,
	  "[ban] max (1d) must be at least time (2d)" },
	{ "[ban]\nmax = 10m\ntime = 1h\n", 3,
	  "[ban] max (10m) must be at least time (1h)" },
	{ "[source]\nconn_rate = off\nconn_burst = 5\n", 3,
	  "[source] conn_burst is set but conn_rate is off or missing" },
	{ SVC "port = 80\nceiling_burst = 5\n", 4,
	  "[service a] ceiling_burst is set but ceiling is off or missing" },
	{ SVC "port = 80\nquic = yes\n", 4,
	  "[service a] quic applies to udp services only" },
	{ SVC "\n", 1, "[service a] needs a port" },
	{ "[service a]\nport = 80\n", 1,
	  "[service a] needs a protocol (tcp or udp)" },
	{ SVC "port = 443\n\n[service b]\nport = 443\nprotocol = tcp\n", 5,
	  "[service b] protects tcp/443, as [service a] (line 1) does already" },
	/* half written: what a writer stopped mid-file leaves */
	{ "", 1, "no key in the file (empty, or only comments)" },
	{ "\n", 1, "no key in the file" },
	{ "# nothing\n; yet\n", 1, "no key in the file" },
	{ "[slotguard]\n", 1,
	  "[slotguard] is the last section and has no key" },
	{ "[slotguard]\nmode = enforce\n\n[source]\n# soon\n", 4,
	  "[source] is the last section and has no key" },
	{ "[slotguard]\nmode = enforce", 2,
	  "the file ends inside this line (no newline at the end)" },
	{ "[slotguard]\nmode = enforce\n[sour", 3,
	  "the file ends inside this line" },
};

/* Every broken file fails at its line and leaves the settings alone. */
SG_TEST(config_broken_files)
{
	char path[32], err[SG_ERR_LEN], want[64];
	size_t i;
	int ret;

	memset(&before, 0xa5, sizeof(before));
	for (i = 0; i < ROWS(broken); i++) {
		sg_test_context("row %zu: %s", i, broken[i].reason);
		loaded = before;
		ret = load_text(broken[i].text, strlen(broken[i].text), path,
				err);
		unlink(path);
		ASSERT_EQ(ret, -EINVAL);
		snprintf(want, sizeof(want), "%s:%u: ", path, broken[i].line);
		if (strncmp(err, want, strlen(want)) ||
		    !strstr(err, broken[i].reason)) {
			sg_test_fail_at(__FILE__, __LINE__,
					"error \"%s\", expected \"%s%s\"", err,
					want, broken[i].reason);
			return false;
		}
		ASSERT_MEMEQ(&loaded, &before, sizeof(loaded));
	}
	return true;
}

/* Cases a string literal cannot hold: NUL bytes, long lines, many sections. */
SG_TEST(config_broken_generated)
{
	static char text[SG_MAX_SERVICES * 64 + 8192];
	char path[32], err[SG_ERR_LEN], want[SG_ERR_LEN];
	size_t off = 0;
	unsigned int i;

	ASSERT_EQ(load_text("[slotguard]\n\0\n", 14, path, err), -EINVAL);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: binary data (byte 0x00)", path);
	ASSERT_TRUE(!strncmp(err, want, strlen(want)));

	off = (size_t)snprintf(text, sizeof(text), "[slotguard]\nallowlist = ");
	memset(text + off, 'a', 5000);
	off += 5000;
	ASSERT_EQ(load_text(text, off, path, err), -EINVAL);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: line is longer than", path);
	ASSERT_TRUE(!strncmp(err, want, strlen(want)));

	for (off = 0, i = 0; i <= SG_MAX_SERVICES; i++)
		off += (size_t)snprintf(
			text + off, sizeof(text) - off,
			"[service s%u]\nprotocol = tcp\nport = %u\n", i, i + 1);
	ASSERT_EQ(load_text(text, off, path, err), -EINVAL);
	unlink(path);
	snprintf(want, sizeof(want), "%s:%u: more than %d services", path,
		 SG_MAX_SERVICES * 3 + 1, SG_MAX_SERVICES);
	ASSERT_STREQ(err, want);
	/* One fewer is fine. */
	off -= strlen(strstr(text, "[service s64]"));
	ASSERT_OK(load_text(text, off, path, err));
	unlink(path);
	ASSERT_EQ(loaded.n_services, SG_MAX_SERVICES);
	return true;
}

/* An empty section is fine where more follows; the mode key's line is kept. */
SG_TEST(config_empty_section_then_more)
{
	static const char text[] = "[source]\n[slotguard]\nmode = enforce\n";
	char path[32], err[SG_ERR_LEN];

	ASSERT_OK(load_text(text, sizeof(text) - 1, path, err));
	unlink(path);
	ASSERT_EQ(loaded.cfg.mode, SG_MODE_ENFORCE);
	ASSERT_EQ(loaded.mode_line, 3);
	return true;
}

SG_TEST(config_missing_file)
{
	char err[SG_ERR_LEN];

	memset(&before, 0xa5, sizeof(before));
	loaded = before;
	ASSERT_EQ(sg_settings_load("/nonexistent/slotguard.conf", &loaded, err,
				   sizeof(err)),
		  -ENOENT);
	ASSERT_STREQ(err,
		     "/nonexistent/slotguard.conf: No such file or directory");
	ASSERT_EQ(sg_settings_load("/tmp", &loaded, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "/tmp: Is a directory");
	ASSERT_MEMEQ(&loaded, &before, sizeof(loaded));
	return true;
}

SG_TEST(config_print)
{
	static const char *const want[] = {
		"config: built-in defaults\n",
		"mode: monitor\n",
		"interfaces: none (xdp auto)\n",
		"service https: tcp/443\n",
		"source /32 /64: conn 2/s burst 20, packets 100/s burst 400, quota 600/h, requests 2/s burst 100, request quota 1800/h\n",
		"subnet /24 /48: conn 20/s burst 100, packets 2000/s burst 4000, quota 6000/h, requests 20/s burst 1000, request quota 18000/h\n",
		"bans: after 20 violations within 1m at 5.000x the limit or more, for 5m doubling up to 1d, remembered 1d; up to 1048576 bans\n",
		"events: 50/s burst 100\n",
	};
	char path[32], err[SG_ERR_LEN], *out = NULL;
	size_t len = 0, i;
	FILE *f;

	sg_settings_defaults(&defaults);
	f = open_memstream(&out, &len);
	ASSERT_TRUE(f != NULL);
	sg_settings_print(&defaults, f);
	fclose(f);
	for (i = 0; i < ROWS(want); i++) {
		sg_test_context("%s", want[i]);
		ASSERT_TRUE(strstr(out, want[i]) != NULL);
	}
	free(out);
	sg_test_context(NULL);

	ASSERT_OK(load_text(full_conf, sizeof(full_conf) - 1, path, err));
	unlink(path);
	f = open_memstream(&out, &len);
	ASSERT_TRUE(f != NULL);
	sg_settings_print(&loaded, f);
	fclose(f);
	ASSERT_TRUE(strstr(out, "interfaces: eth0 eth1 ens3f0 (xdp native)\n"));
	ASSERT_TRUE(strstr(
		out,
		"service booking: tcp/443 to 192.0.2.10/32 2001:db8::10/128, ceiling 500/s burst 500\n"));
	ASSERT_TRUE(strstr(
		out,
		"service booking-h3: udp/443, quic, ceiling 100/s burst 1000\n"));
	ASSERT_TRUE(strstr(
		out,
		"source /31 /56: conn 5/s burst 10, packets off, quota 300/h, requests 2/s burst 100, request quota 1800/h\n"));
	ASSERT_TRUE(strstr(out, "bans: never"));
	free(out);
	return true;
}
