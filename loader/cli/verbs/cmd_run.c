// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `slotguard run`: load, attach, apply config and lists, then stay in the
 * foreground logging ban events and manual changes. SIGHUP re-reads config
 * and lists (a bad file is reported and the running state kept);
 * SIGTERM/SIGINT detach and unpin, unless keep_attached is set or a
 * restart follows (SIGUSR2, or a systemd restart job): then the filter
 * stays attached for the next run to take over. Bans and runtime set
 * entries go to the state file either way.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include "cli/cli.h"
#include "daemon/apply.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/profiles.h"
#include "fleet/fleet.h"

static volatile sig_atomic_t stop_signal, reload_requested, handover,
	control_requested;

static const char run_usage[] =
	"Usage: slotguard run [-c FILE] [-i IFACE]... [--pin-dir DIR]\n"
	"                     [--state-dir DIR] [--monitor|--enforce]\n"
	"                     [--log-format text|json] [--metrics-optional]\n"
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
	"      --state-dir DIR   bans and runtime list entries are saved here\n"
	"                        (default: the config's state_dir, " SG_STATE_DIR_DEFAULT
	")\n"
	"      --monitor         count would-be drops, drop nothing\n"
	"      --enforce         drop (overrides the config's mode)\n"
	"      --log-format F    text (default) or json (one object per line)\n"
	"      --metrics-optional  run on without metrics when metrics_listen\n"
	"                        cannot be bound (default: exit 1)\n"
	"\n"
	"Signals: SIGHUP re-reads the config and list files; a bad file is\n"
	"reported and the running settings stay (`slotguard reload` waits for\n"
	"the outcome), and so does a config that looks half written (no key,\n"
	"no newline at its end, an empty last section, or open for writing by\n"
	"another process): replace config files atomically (write a new file,\n"
	"then rename it over the old). A reload from enforce to monitor is\n"
	"logged as a warning that names the line that asked for it.\n"
	"SIGTERM/SIGINT detach and remove the pins, unless keep_attached = yes\n"
	"or systemd is restarting the unit. SIGUSR2 stops for a restart: the\n"
	"filter stays attached and enforcing until the next `run` takes it\n"
	"over. A killed daemon (SIGKILL) leaves the filter attached too. Bans\n"
	"and list entries added by commands are saved in the state directory\n"
	"and come back at the next start.\n"
	"\n"
	"Examples:\n"
	"  slotguard run -c /etc/slotguard/slotguard.conf\n"
	"  slotguard run -i eth0 --monitor\n";

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requested = 1;
		return;
	}
	if (sig == SIGUSR1) { /* a command left a request (apply, profile) */
		control_requested = 1;
		return;
	}
	if (sig == SIGUSR2)
		handover = 1;
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int load_settings(const char *path, struct sg_settings *s)
{
	char err[SG_ERR_LEN];

	sg_settings_defaults(s);
	if (!path)
		return 0;
	if (sg_settings_load_whole(path, s, err, sizeof(err))) {
		sg_errorf("%s", err);
		return -EINVAL;
	}
	return 0;
}

struct run_opts {
	char ifaces[SG_MAX_IFACES][SG_IFNAME_LEN];
	unsigned int n_ifaces;
	const char *state_dir; /* --state-dir */
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
		{ "state-dir", required_argument, NULL, 's' },
		{ "metrics-optional", no_argument, NULL, 'M' },
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
		case 's':
			if (optarg[0] != '/' || strlen(optarg) >= PATH_MAX) {
				sg_errorf("--state-dir '%s': an absolute path",
					  optarg);
				return SG_EXIT_USAGE;
			}
			o->state_dir = optarg;
			d->state_dir_override = true;
			break;
		case 'M':
			d->metrics_optional = true;
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

/*
 * Metrics first: a port another process holds fails the start before
 * anything is loaded (unless --metrics-optional). The state file's bans
 * and runtime entries go in after the settings and before the attach.
 */
static int start(struct sg_daemon *d)
{
	char err[SG_ERR_LEN];
	int ret;

	ret = sg_metrics_bind(d, err, sizeof(err));
	if (ret && d->metrics_optional) {
		sg_log(d, "warning", "%s; running without metrics", err);
		ret = 0;
	}
	if (!ret && sg_persist_prepare(d, err, sizeof(err))) {
		sg_log(d, "warning", "%s; bans will not survive a stop", err);
		err[0] = '\0';
	}
	if (!ret)
		ret = sg_daemon_prepare_dir(d, err, sizeof(err));
	if (!ret)
		ret = sg_daemon_load(d, err, sizeof(err));
	if (!ret)
		ret = sg_daemon_apply(d, &d->settings, err, sizeof(err));
	if (!ret) {
		sg_settings_log_notes(d, &d->settings);
		sg_persist_restore(d);
		ret = sg_daemon_attach_all(d, err, sizeof(err));
	}
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

/* Until the next thing due: a rollback, a profile boundary, 250 ms. */
static int wake_ms(const struct sg_daemon *d)
{
	long ms = 250, at = sg_apply_wake_ms(d);

	if (at >= 0 && at < ms)
		ms = at;
	at = sg_profiles_wake_ms(d);
	if (at >= 0 && at < ms)
		ms = at;
	return (int)ms;
}

static int loop(struct sg_daemon *d, struct run_opts *o,
		struct sg_metrics *metrics, struct sg_fleet *fleet)
{
	time_t last_sweep = 0;

	while (!stop_signal) {
		sg_metrics_tick(metrics);
		if (reload_requested) {
			reload_requested = 0;
			sg_daemon_reload(d, o->ifaces, o->n_ifaces);
		}
		if (control_requested) {
			control_requested = 0;
			sg_control_serve(d);
		}
		sg_apply_tick(d);
		sg_profiles_tick(d);
		sg_daemon_log_audit(d);
		if (sg_events_poll(d, wake_ms(d)) < 0 && errno != EINTR) {
			sg_log(d, "error", "reading events: %s",
			       strerror(errno));
			return SG_EXIT_FAIL;
		}
		if (time(NULL) != last_sweep) {
			last_sweep = time(NULL);
			sg_events_sweep(d);
			sg_persist_tick(d);
			sg_control_serve(d); /* a request whose signal was lost
					      */
		}
	}
	return SG_EXIT_OK;
}

/* The settings run starts with: file, command line, -i checked. */
static int run_settings(struct sg_daemon *d, struct run_opts *o)
{
	char err[SG_ERR_LEN];

	if (load_settings(d->config_path, &d->settings))
		return SG_EXIT_USAGE;
	/* A change left pending by the last daemon: its confirmed config. */
	if (sg_apply_prepare(
		    d, o->state_dir ? o->state_dir : d->settings.state_dir,
		    &d->settings))
		return SG_EXIT_FAIL;
	d->cli_ifaces = o->ifaces;
	d->n_cli_ifaces = o->n_ifaces;
	sg_daemon_overrides(d, &d->settings, o->ifaces, o->n_ifaces);
	if (sg_cli.pin_dir_given) {
		snprintf(d->settings.pin_dir, sizeof(d->settings.pin_dir), "%s",
			 sg_cli.pin_dir);
		d->pin_dir_override = true;
	}
	if (o->state_dir)
		snprintf(d->settings.state_dir, sizeof(d->settings.state_dir),
			 "%s", o->state_dir);
	/* Missing interfaces are bad input: refuse before loading. */
	if (sg_settings_check_run(&d->settings, true, err, sizeof(err))) {
		sg_errorf("%s", err);
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}

/* Stop: keep the filter for a successor, or detach and unpin. */
static void stop(struct sg_daemon *d)
{
	const char *why = NULL;
	bool keep;

	sg_notify("STOPPING=1");
	if (d->settings.keep_attached)
		why = "keep_attached";
	else if (handover)
		why = "SIGUSR2: a restart follows";
	else if (sg_systemd_restart_pending(d))
		why = "systemd is restarting the unit";
	keep = why != NULL;
	sg_log(d, "info", "stopping on signal %d%s%s%s", (int)stop_signal,
	       keep ? " (" : "", keep ? why : "",
	       keep ? "): the filter stays attached for the next run" : "");
	sg_persist_final(d);
	sg_daemon_shutdown(d, keep);
}

static struct sg_daemon *new_daemon(void)
{
	struct sg_daemon *d = calloc(1, sizeof(*d));
	int i;

	if (!d)
		return NULL;
	d->mode_override = -1;
	d->daemon_lock_fd = -1;
	d->metrics_fd = -1;
	d->pin_dir_fd = -1;
	sg_state_init(&d->st);
	for (i = 0; i < SG_MAX_IFACES; i++)
		d->link_fds[i] = -1;
	d->journal = sg_stderr_is_journal();
	return d;
}

static void ready(struct sg_daemon *d)
{
	char status[160];

	d->reload_ok = 1;
	d->reload_ok_unix_ns = (__u64)time(NULL) * 1000000000ULL;
	sg_log(d, "info", "running: %u interface(s), mode %s, pins in %s",
	       d->settings.n_interfaces, sg_mode_name(d->settings.cfg.mode),
	       d->settings.pin_dir);
	snprintf(status, sizeof(status),
		 "READY=1\nSTATUS=running: %u interface(s), mode %s",
		 d->settings.n_interfaces, sg_mode_name(d->settings.cfg.mode));
	sg_notify(status);
}

int sg_cmd_run(int argc, char **argv)
{
	struct sg_daemon *d = new_daemon();
	struct run_opts *o = calloc(1, sizeof(*o));
	struct sg_metrics *metrics = NULL;
	struct sg_fleet *fleet = NULL;
	char err[SG_ERR_LEN];
	int rc, ret;

	if (!d || !o) {
		free(d);
		free(o);
		return SG_EXIT_FAIL;
	}
	rc = parse_run_args(d, o, argc, argv);
	if (!rc)
		rc = run_settings(d, o);
	if (rc)
		goto out;
	install_signals();
	sg_daemon_warn_writable(d, &d->settings);
	/* Bad list files are bad input: refuse before anything is loaded. */
	if (sg_settings_check_lists(&d->settings, NULL, err, sizeof(err))) {
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
	sg_apply_started(d);
	sg_profiles_settings_changed(d);
	drop_privileges(d);
	/* Redis down or not, the filter runs: fleet mode only adds to it. */
	if (fleet && sg_fleet_start(fleet, err, sizeof(err))) {
		sg_log(d, "error", "fleet: %s; running without the fleet", err);
		sg_fleet_stop(fleet);
		fleet = NULL;
	}
	if (sg_metrics_start(&metrics, d, err, sizeof(err)))
		sg_log(d, "warning", "metrics: %s", err);
	ready(d);
	rc = loop(d, o, metrics, fleet);
	sg_metrics_stop(metrics);
	sg_fleet_stop(fleet);
	stop(d);
out:
	if (d->metrics_fd >= 0)
		close(d->metrics_fd);
	sg_apply_free(d);
	sg_profiles_free(d);
	free(d);
	free(o);
	return rc < 0 ? SG_EXIT_OK : rc;
}
