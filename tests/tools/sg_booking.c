// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sg_booking: the booking round of `make demo`. `slots` is the slot counter
 * that nginx proxies POST /book to: it hands out N slots from a set moment
 * on. `people` books at a human pace, one slot per person; `bot` hammers
 * POST /book with a new connection each time, from one or many addresses;
 * `keepalive` polls it over a few kept-alive connections. The parts live
 * in tests/tools/booking/.
 */
#include <stdio.h>
#include <string.h>
#include "booking/booking.h"

const char booking_usage[] =
	"Usage: sg_booking slots --listen ADDR:PORT --slots N --open-at MS\n"
	"                        [--log FILE]\n"
	"       sg_booking people --to ADDR[,ADDR6] --sources A,B,... "
	"--open-at MS\n"
	"                         --stop-at MS [--arrive-ms FROM..TO]\n"
	"                         [--think-ms A..B] [--retry-ms A..B] "
	"[--seed N]\n"
	"       sg_booking bot --to ADDR[,ADDR6] --sources A,B,... --rate R/s\n"
	"                      --open-at MS --stop-at MS [--timeout-ms T]\n"
	"       sg_booking keepalive --to ADDR[,ADDR6] --sources A --conns N\n"
	"                      --rate R/s --open-at MS --stop-at MS\n"
	"\n"
	"The booking service and its clients in slotguard's demo. Times (MS)\n"
	"are Unix epoch milliseconds, so that every process of a round agrees\n"
	"on when the slots open.\n"
	"\n"
	"slots    HTTP/1.0 slot counter (behind nginx): POST /book answers\n"
	"         425 before MS, then 200 'booked slot K of N' N times, then\n"
	"         409 'no slots left'; GET /status answers JSON. Each booking\n"
	"         is logged to FILE as 'K ADDR MS_AFTER_OPENING' (ADDR from\n"
	"         nginx's X-Real-IP). Prints 'listening' when ready and a JSON\n"
	"         summary on SIGTERM.\n"
	"people   each source address is one person: arrives at a random\n"
	"         time in FROM..TO ms around the opening (default -3000..5000),\n"
	"         loads the page (GET /), thinks (default 2000..4000 ms), then\n"
	"         POSTs /book, again every A..B ms (default 3000..6000) until\n"
	"         booked or MS of --stop-at. One connection per request.\n"
	"         --per-source K: K people behind each source address, as\n"
	"         behind a carrier NAT; --stacks: their devices differ (IP TTL\n"
	"         and TCP window), as phones and laptops of many people do.\n"
	"bot      from now until --stop-at, POST /book at RATE, a new\n"
	"         connection each time, round-robin over the sources, many in\n"
	"         flight, giving up on each after T ms (default 1000).\n"
	"keepalive as an HTTP library's session does: N connections kept\n"
	"         alive, POST /book at RATE in all, one at a time on each,\n"
	"         a closed or stalled connection opened again.\n"
	"--to takes the service's IPv4 and/or IPv6 address; each source uses\n"
	"the one of its family. Clients print one JSON object: attempts\n"
	"(booking requests), booked, full (409), early (425), other (other\n"
	"HTTP answers), failed (no answer: dropped, refused, reset), and for\n"
	"people persons, persons_booked, page_loads, pages_failed.\n"
	"\n"
	"Examples:\n"
	"  sg_booking slots --listen 127.0.0.1:8081 --slots 40 "
	"--open-at $(($(date +%s%3N) + 3000))\n"
	"  sg_booking bot --to 10.66.0.10 --sources 10.66.2.2 --rate 200/s \\\n"
	"      --open-at $OPEN --stop-at $((OPEN + 15000))\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(booking_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(booking_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "slots"))
		return cmd_slots(argc - 1, argv + 1);
	if (!strcmp(argv[1], "people"))
		return cmd_client(argc - 1, argv + 1, 0);
	if (!strcmp(argv[1], "bot"))
		return cmd_client(argc - 1, argv + 1, 1);
	if (!strcmp(argv[1], "keepalive"))
		return cmd_keepalive(argc - 1, argv + 1);
	fprintf(stderr, "sg_booking: unknown command '%s'; see --help\n",
		argv[1]);
	return 2;
}
