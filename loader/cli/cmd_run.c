// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard run`: load, attach, apply config and lists, then stay in the
 * foreground logging ban events. SIGHUP re-reads config and lists (a bad
 * file is reported and the running state kept); SIGTERM/SIGINT detach and
 * unpin unless keep_attached is set.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include "cli.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "fleet/fleet.h"

static volatile sig_atomic_t stop_signal, reload_requested;

static const char run_usage[] =
	"Usage: slotguard run [-c FILE] [-i IFACE]... [--pin-dir DIR]\n"
	"                     [--monitor|--enforce] [--log-format text|json]\n"
	"\n"
	"Load the XDP filter, attach it to every interface, pin its state under\n"
	"the pin directory, apply the config and list files, serve metrics, and\n"
	"log ban events on stderr until stopped.\n"
	"\n"
	"  -c, --config FILE     INI config (default: built-in defaults: monitor\n"
	"                        mode, TCP 443 protected)\n"
	"  -i, --interface IFACE attach here (repeatable; replaces the config's\n"
	"                        interfaces)\n"
	"      --pin-dir DIR     pinned state (default " SG_PIN_DIR_DEFAULT
	")\n"
	"      --monitor         count would-be drops, drop nothing\n"
	"      --enforce         drop (overrides the config's mode)\n"
	"      --log-format F    text (default) or json (one object per line)\n"
	"\n"
	"Signals: SIGHUP re-reads the config and list files; a bad file is\n"
	"reported and the running settings stay. SIGTERM/SIGINT detach and\n"
	"remove the pins, unless keep_attached = yes. A killed daemon (SIGKILL)\n"
	"leaves the filter attached and enforcing; the next `run` takes over\n"
	"the same bans, lists and counters.\n"
	"\n"
	"Examples:\n"
	"  slotguard run -c /etc/slotguard/slotguard.conf\n"
	"  slotguard run -i eth0 --monitor\n";

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* -i and the mode flags override whatever the file says. */
static void apply_overrides(struct sg_daemon *d, struct sg_settings *s,
			    char ifaces[][SG_IFNAME_LEN], unsigned int n_ifaces)
{
	unsigned int i;

	if (d->ifaces_override) {
		for (i = 0; i < n_ifaces; i++)
			memcpy(s->interfaces[i], ifaces[i], SG_IFNAME_LEN);
		s->n_interfaces = n_ifaces;
	}
	if (d->mode_override >= 0)
		s->cfg.mode = d->mode_override;
}

/*
 * Whoever can write the config or a list file decides what is dropped and
 * what is never dropped: say so when that is more than the owner.
 */
static void warn_writable(struct sg_daemon *d, const struct sg_settings *s)
{
	const char *files[3] = { d->config_path, s->allow_file, s->deny_file };
	struct stat sb;
	int i;

	for (i = 0; i < 3; i++) {
		if (!files[i] || !files[i][0] || stat(files[i], &sb))
			continue;
		if (sb.st_mode & 0022)
			sg_log(d, "warning",
			       "%s is writable by %s (mode %04o): whoever can "
			       "write it controls what slotguard drops; chmod "
			       "go-w it",
			       files[i],
			       sb.st_mode & 0002 ? "everyone" : "its group",
			       sb.st_mode & 07777);
		else if (sb.st_uid != 0 && sb.st_uid != geteuid())
			sg_log(d, "warning", "%s is owned by uid %u, not root",
			       files[i], sb.st_uid);
	}
}

static int load_settings(const char *path, struct sg_settings *s)
{
	char err[SG_ERR_LEN];

	sg_settings_defaults(s);
	if (!path)
		return 0;
	if (sg_settings_load(path, s, err, sizeof(err))) {
		sg_errorf("%s", err);
		return -EINVAL;
	}
	return 0;
}

static void reload(struct sg_daemon *d, struct sg_fleet *fleet,
		   char ifaces[][SG_IFNAME_LEN], unsigned int n_ifaces)
{
	struct sg_settings *s = malloc(sizeof(*s));
	char err[SG_ERR_LEN];

	if (!s)
		return;
	sg_settings_defaults(s);
	if (d->config_path &&
	    sg_settings_load(d->config_path, s, err, sizeof(err))) {
		sg_log(d, "error", "reload: %s; keeping the running settings",
		       err);
		sg_daemon_record_reload(d, false, err);
		free(s);
		return;
	}
	apply_overrides(d, s, ifaces, n_ifaces);
	warn_writable(d, s);
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", d->settings.pin_dir);
	if (sg_daemon_apply(d, s, err, sizeof(err))) {
		sg_log(d, "error", "reload: %s; keeping the running settings",
		       err);
		sg_daemon_record_reload(d, false, err);
		free(s);
		return;
	}
	if (memcmp(s->interfaces, d->settings.interfaces,
		   sizeof(s->interfaces)))
		sg_log(d, "warning",
		       "reload: interface changes take effect on restart");
	memcpy(s->interfaces, d->settings.interfaces, sizeof(s->interfaces));
	s->n_interfaces = d->settings.n_interfaces;
	sg_fleet_reloaded(fleet, s);
	d->settings = *s;
	free(s);
	sg_daemon_record_reload(d, true, NULL);
	sg_log(d, "info", "reloaded %s (mode %s)",
	       d->config_path ? d->config_path : "defaults",
	       sg_mode_name(d->settings.cfg.mode));
}

struct run_opts {
	char ifaces[SG_MAX_IFACES][SG_IFNAME_LEN];
	unsigned int n_ifaces;
};

static int parse_run_args(struct sg_daemon *d, struct run_opts *o, int argc,
			  char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "enforce", no_argument, NULL, 'e' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = sg_getopt(argc, argv, "c:i:h", opts)) != -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			break;
		case 'i':
			if (o->n_ifaces == SG_MAX_IFACES - 1 ||
			    strlen(optarg) >= SG_IFNAME_LEN) {
				sg_errorf("-i %s: too many interfaces or name "
					  "too long",
					  optarg);
				return SG_EXIT_USAGE;
			}
			strcpy(o->ifaces[o->n_ifaces++], optarg);
			d->ifaces_override = true;
			break;
		case 'm':
		case 'e':
			d->mode_override = c == 'e' ? SG_MODE_ENFORCE
						    : SG_MODE_MONITOR;
			break;
		case 'l':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				sg_errorf("--log-format '%s': text or json",
					  optarg);
				return SG_EXIT_USAGE;
			}
			d->log_format = !strcmp(optarg, "json");
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			return SG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		sg_errorf("unexpected argument '%s'", argv[optind]);
		return SG_EXIT_USAGE;
	}
	return 0;
}

static int start(struct sg_daemon *d)
{
	char err[SG_ERR_LEN];
	int ret;

	ret = sg_daemon_prepare_dir(d, err, sizeof(err));
	if (!ret)
		ret = sg_daemon_load(d, err, sizeof(err));
	if (!ret)
		ret = sg_daemon_apply(d, &d->settings, err, sizeof(err));
	if (!ret)
		ret = sg_daemon_attach_all(d, err, sizeof(err));
	if (!ret && sg_events_open(d)) {
		snprintf(err, sizeof(err), "opening the event ring buffer");
		ret = -EIO;
	}
	if (ret)
		sg_log(d, "error", "%s", err);
	return ret;
}

/*
 * Loaded and attached: from here on the daemon only reads and writes maps
 * through fds it holds, except for list swaps on SIGHUP, which create new
 * tries (CAP_BPF). Before any thread starts: capabilities are per thread.
 */
static void drop_privileges(struct sg_daemon *d)
{
	static const int keep[] = { CAP_BPF };
	int ret = sg_drop_privileges(keep, 1);

	if (ret)
		sg_log(d, "warning", "could not drop capabilities: %s",
		       strerror(-ret));
	else
		sg_log(d, "info",
		       "dropped every capability but CAP_BPF (for list swaps "
		       "on reload)");
}

static int loop(struct sg_daemon *d, struct run_opts *o,
		struct sg_metrics *metrics, struct sg_fleet *fleet)
{
	time_t last_sweep = 0;

	while (!stop_signal) {
		sg_metrics_tick(metrics);
		if (reload_requested) {
			reload_requested = 0;
			reload(d, fleet, o->ifaces, o->n_ifaces);
		}
		if (sg_events_poll(d, 250) < 0 && errno != EINTR) {
			sg_log(d, "error", "reading events: %s",
			       strerror(errno));
			return SG_EXIT_FAIL;
		}
		if (time(NULL) != last_sweep) {
			last_sweep = time(NULL);
			sg_events_sweep(d);
		}
	}
	return SG_EXIT_OK;
}

int sg_cmd_run(int argc, char **argv)
{
	struct sg_daemon *d = calloc(1, sizeof(*d));
	struct run_opts *o = calloc(1, sizeof(*o));
	struct sg_metrics *metrics = NULL;
	struct sg_fleet *fleet = NULL;
	char err[SG_ERR_LEN];
	int i, rc, ret;

	if (!d || !o)
		return SG_EXIT_FAIL;
	d->mode_override = -1;
	d->daemon_lock_fd = -1;
	for (i = 0; i < SG_MAX_IFACES; i++)
		d->link_fds[i] = -1;
	rc = parse_run_args(d, o, argc, argv);
	if (rc)
		goto out;
	if (load_settings(d->config_path, &d->settings)) {
		rc = SG_EXIT_USAGE;
		goto out;
	}
	apply_overrides(d, &d->settings, o->ifaces, o->n_ifaces);
	if (sg_cli.pin_dir_given)
		snprintf(d->settings.pin_dir, sizeof(d->settings.pin_dir), "%s",
			 sg_cli.pin_dir);
	if (!d->settings.n_interfaces) {
		sg_errorf("no interfaces: give -i IFACE or interfaces = in the "
			  "config");
		rc = SG_EXIT_USAGE;
		goto out;
	}
	install_signals();
	warn_writable(d, &d->settings);
	/* Bad list files are bad input: refuse before anything is loaded. */
	if (sg_settings_check_lists(&d->settings, err, sizeof(err))) {
		sg_log(d, "error", "%s", err);
		rc = SG_EXIT_USAGE;
		goto out;
	}
	/* A password file others can read is bad input: refuse now. */
	ret = sg_fleet_prepare(d, &fleet, err, sizeof(err));
	if (ret) {
		sg_log(d, "error", "fleet: %s", err);
		rc = ret == -ENOMEM || ret == -EIO ? SG_EXIT_FAIL
						   : SG_EXIT_USAGE;
		goto out;
	}
	if (start(d)) {
		sg_fleet_stop(fleet);
		/* Pins this run made from nothing would only confuse the next.
		 */
		sg_daemon_shutdown(d, !d->fresh_pins);
		rc = SG_EXIT_FAIL;
		goto out;
	}
	sg_daemon_record_start(d);
	drop_privileges(d);
	/* Redis down or not, the filter runs: fleet mode only adds to it. */
	if (fleet && sg_fleet_start(fleet, err, sizeof(err))) {
		sg_log(d, "error", "fleet: %s; running without the fleet", err);
		sg_fleet_stop(fleet);
		fleet = NULL;
	}
	if (sg_metrics_start(&metrics, d, err, sizeof(err)))
		sg_log(d, "warning", "metrics: %s", err);
	sg_log(d, "info", "running: %u interface(s), mode %s, pins in %s",
	       d->settings.n_interfaces, sg_mode_name(d->settings.cfg.mode),
	       d->settings.pin_dir);
	rc = loop(d, o, metrics, fleet);
	sg_metrics_stop(metrics);
	sg_fleet_stop(fleet);
	sg_log(d, "info", "stopping on signal %d%s", (int)stop_signal,
	       d->settings.keep_attached ? "; keep_attached: filter stays"
					 : "");
	sg_daemon_shutdown(d, d->settings.keep_attached);
out:
	free(d);
	free(o);
	return rc < 0 ? SG_EXIT_OK : rc;
}
