// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_fleet: the fleet mode's Lua scripts as the daemon sends them, so that
 * the tests can run them with redis-cli on inputs of their choosing (the
 * GCRA arithmetic, the ban records), and a parser check of ban records.
 */
#include <stdio.h>
#include <string.h>
#include "fleet/fleet_int.h"

static const char usage[] =
	"Usage: sg_fleet script put|del|charge\n"
	"       sg_fleet record 'UNTIL SINCE OFFENCES REASON ORIGIN [NOTE]'\n"
	"\n"
	"script   print the Lua script the daemon loads into Redis\n"
	"record   parse a stored ban record as an import would: exit 0 and\n"
	"         the fields, or exit 1 when it would be refused\n";

int main(int argc, char **argv)
{
	static const char *const names[SG_SCRIPT_COUNT] = { "put", "del",
							    "charge" };
	struct sg_fleet_record rec = {};
	int i;

	if (argc == 3 && !strcmp(argv[1], "script")) {
		for (i = 0; i < SG_SCRIPT_COUNT; i++) {
			if (!strcmp(argv[2], names[i])) {
				fputs(sg_fleet_scripts[i], stdout);
				return 0;
			}
		}
	}
	if (argc == 3 && !strcmp(argv[1], "record")) {
		if (sg_fleet_parse_record(argv[2], strlen(argv[2]), &rec))
			return 1;
		printf("until %llu since %llu offences %u reason %s origin %s "
		       "note '%s'\n",
		       (unsigned long long)rec.until_ms,
		       (unsigned long long)rec.since_ms, rec.offences,
		       sg_reason_name(rec.reason), rec.origin, rec.note);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
