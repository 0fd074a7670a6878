/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every `slotguard` subcommand shares: global options, the error
 * printer, opening the pinned state, and the command table types.
 * Commands return an enum sg_exit code; they print their own errors once.
 */
#ifndef SLOTGUARD_CLI_H
#define SLOTGUARD_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include "core/sg.h"

struct sg_cli {
	const char *pin_dir; /* --pin-dir, $SLOTGUARD_PIN_DIR, or default */
	bool pin_dir_given;  /* one of the first two: beats the config's */
	int verbose;	     /* -v: libbpf debug output */
	const char *object;  /* "ban": whose help an error points to */
	const char *cmd;     /* "allow replace", for error prefixes */
};
extern struct sg_cli sg_cli;

/* A command: argv[0] is the command's own name; sg_getopt() from there. */
struct sg_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* "slotguard: <cmd>: <message>" on stderr. */
void sg_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --timeout SECONDS (0 < s <= 3600): 0, or SG_EXIT_USAGE after saying why. */
int sg_timeout_arg(const char *arg, double *out);
/* "slotguard: <cmd>: <message>" on stderr, for non-fatal notes. */
void sg_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A CIDR from the command line; an IPv4-mapped IPv6 address becomes the
 * IPv4 prefix it stands for, with a note on stderr. 0 or -EINVAL (why set).
 */
int sg_parse_cidr_input(const char *text, struct sg_cidr *out, char *why,
			size_t why_len);
/* Record a manual change for the daemon's log (sg_audit_push). */
void sg_audit(const struct sg_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Open the pins (and take the directory lock when writing). Prints the
 * error itself and returns an sg_exit code (0 on success).
 */
int sg_cli_open(struct sg_state *st, bool lock);
/*
 * Run the subcommand of an object from its table; handles help, -h,
 * --help and global options between the object and the command.
 */
int sg_cli_dispatch(const char *object, const struct sg_cmd *cmds,
		    const char *usage, int argc, char **argv);

/*
 * getopt_long() for a command's own options, which also takes the global
 * ones (--pin-dir DIR, -v/--verbose) wherever they stand and applies them.
 * An unknown option or a missing value is reported, with the object's
 * help named, and returns '?'. A '+' leading shortopts stops at the first
 * argument that is not an option, as getopt's does.
 */
int sg_getopt(int argc, char **argv, const char *shortopts,
	      const struct option *longopts);
/*
 * Options of a command that has only --help and, when json is not NULL,
 * --json. Returns 0 (optind at the first argument), -1 after printing the
 * usage (exit 0), or SG_EXIT_USAGE.
 */
int sg_cli_opts(int argc, char **argv, const char *usage, bool *json);
/* "try 'slotguard OBJECT help'" with the object being run, for messages. */
const char *sg_cli_help_hint(void);

/* Object entry points (one file each). */
int sg_cmd_run(int argc, char **argv);
int sg_cmd_allow(int argc, char **argv);
int sg_cmd_deny(int argc, char **argv);
int sg_cmd_ban(int argc, char **argv);
int sg_cmd_set(int argc, char **argv);
int sg_cmd_explain(int argc, char **argv);
int sg_cmd_replay(int argc, char **argv);
int sg_cmd_stats(int argc, char **argv);
int sg_cmd_top(int argc, char **argv);
int sg_cmd_status(int argc, char **argv);
int sg_cmd_config(int argc, char **argv);
int sg_cmd_reload(int argc, char **argv);
int sg_cmd_apply(int argc, char **argv);
int sg_cmd_profile(int argc, char **argv);
int sg_cmd_version(int argc, char **argv);

#endif /* SLOTGUARD_CLI_H */
