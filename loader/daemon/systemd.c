// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the daemon tells systemd and asks it: readiness and reload status
 * (sd_notify), whether stderr is the journal (then lines carry a syslog
 * priority and no timestamp), and whether a stop is the first half of a
 * `systemctl restart` (then the filter stays attached for the successor).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include "daemon.h"

#define SG_BUS_TIMEOUT_USEC (1000 * 1000)

/*
 * JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to the
 * journal; it is inherited, so it counts only while stderr is that stream.
 */
bool sg_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char extra;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &extra) != 2)
		return false;
	if (fstat(STDERR_FILENO, &sb))
		return false;
	return (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

void sg_notify(const char *state)
{
	/* Without NOTIFY_SOCKET this does nothing and returns 0. */
	sd_notify(0, state);
}

/* The job systemd runs on unit now ("restart", "stop", ...), or NULL. */
static char *sg_unit_job_type(sd_bus *bus, const char *unit)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *job_path;
	char *path = NULL, *type = NULL;
	uint32_t id = 0;
	int ret;

	ret = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
	if (ret >= 0)
		ret = sd_bus_get_property(bus, "org.freedesktop.systemd1", path,
					  "org.freedesktop.systemd1.Unit",
					  "Job", &error, &reply, "(uo)");
	if (ret >= 0)
		ret = sd_bus_message_read(reply, "(uo)", &id, &job_path);
	if (ret >= 0 && id)
		sd_bus_get_property_string(bus, "org.freedesktop.systemd1",
					   job_path,
					   "org.freedesktop.systemd1.Job",
					   "JobType", &error, &type);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&error);
	free(path);
	return type;
}

/*
 * systemd runs a restart as a stop whose job stays of type "restart" until
 * the unit is down, then turns it into a start: a stop with such a job
 * pending has a successor coming. Asked over the system bus, bounded by a
 * timeout; any doubt answers "no", which detaches as a plain stop does.
 */
bool sg_systemd_restart_pending(struct sg_daemon *d)
{
	char *unit = NULL, *type = NULL;
	sd_bus *bus = NULL;
	bool restart;

	if (!getenv("INVOCATION_ID") || sd_pid_get_unit(0, &unit) < 0)
		return false;
	if (sd_bus_open_system(&bus) >= 0) {
		sd_bus_set_method_call_timeout(bus, SG_BUS_TIMEOUT_USEC);
		type = sg_unit_job_type(bus, unit);
	}
	restart = type &&
		  (!strcmp(type, "restart") || !strcmp(type, "try-restart"));
	sg_log(d, "info", "systemd job on %s: %s", unit,
	       type ? type : "none known");
	sd_bus_flush_close_unref(bus);
	free(unit);
	free(type);
	return restart;
}
