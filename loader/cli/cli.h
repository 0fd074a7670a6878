/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every `slotguard` subcommand shares: global options, the error
 * printer, opening the pinned state, and the command table types.
 * Commands return an enum sg_exit code; they print their own errors once.
 */
#ifndef SLOTGUARD_CLI_H
#define SLOTGUARD_CLI_H

#include <stdbool.h>
#include "core/sg.h"

struct sg_cli {
	const char *pin_dir; /* --pin-dir, $SLOTGUARD_PIN_DIR, or default */
	int verbose;	     /* -v: libbpf debug output */
	const char *cmd;     /* "allow replace", for error prefixes */
};
extern struct sg_cli sg_cli;

/* A command: argv[0] is the command's own name; getopt_long from there. */
struct sg_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* "slotguard: <cmd>: <message>" on stderr. */
void sg_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
/* Run the subcommand of an object from its table; handles --help. */
int sg_cli_dispatch(const char *object, const struct sg_cmd *cmds,
		    const char *usage, int argc, char **argv);
/* True if argv[1..] asks for help (-h/--help) before any other option. */
bool sg_cli_wants_help(int argc, char **argv);

/* Object entry points (one file each). */
int sg_cmd_run(int argc, char **argv);
int sg_cmd_allow(int argc, char **argv);
int sg_cmd_deny(int argc, char **argv);
int sg_cmd_ban(int argc, char **argv);
int sg_cmd_set(int argc, char **argv);
int sg_cmd_stats(int argc, char **argv);
int sg_cmd_top(int argc, char **argv);
int sg_cmd_status(int argc, char **argv);
int sg_cmd_config(int argc, char **argv);
int sg_cmd_version(int argc, char **argv);

#endif /* SLOTGUARD_CLI_H */
