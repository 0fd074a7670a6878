#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `sudo make demo`: people and scalper bots book the same slots in a lab of
# network namespaces, five times — no filter, slotguard monitoring,
# enforcing on connections only, enforcing with the shipped budgets,
# enforcing with named sets — and a table shows who got the slots. Exits 1
# when enforcing does not protect people. See `demo/run.sh --help`.
set -u

DEMO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$DEMO_ROOT" || exit 1
BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$DEMO_ROOT/$BUILD ;;
esac
SG_BIN=$BUILD/slotguard
SG_BOOKING=$BUILD/tools/sg_booking
. "$DEMO_ROOT/demo/lab.sh"
. "$DEMO_ROOT/demo/report.sh"

usage() {
	cat <<'EOF'
Usage: sudo demo/run.sh [--short|--long] [--keep] [--quiet] [--result FILE]
       sudo demo/run.sh --fleet [--short] [--quiet] [--result FILE]
       (or: sudo make demo DEMO_ARGS='--keep')

Builds a throw-away lab of network namespaces: a gateway running slotguard,
a booking site behind it (nginx and a slot counter), 30 people booking at a
human pace, 20 more behind one carrier-NAT address, and five scalper bots
(a fast one, a farm in one /24, an IPv6 one, a hosting farm spread over 64
/24s of one provider, and one polling over keep-alive connections). The
same booking round (60 slots) runs five times: no filter, slotguard in
monitor mode, enforcing new-connection and packet budgets only, enforcing
the shipped budgets (with requests), and enforcing them with named sets
(the hosting provider's 64 /24s held to one small shared budget, the carrier NAT given budgets
for the people behind it). Prints who got the slots and what slotguard
counted, then removes the lab.

  --short        8 s rounds (about 2 minutes in all; what the tests run)
  --long         60 s rounds (about 6 minutes), to watch it live with
                 `slotguard stats --interval 1` (the command is printed)
  --keep         leave the lab up after the last round, slotguard
                 enforcing, and print how to look at it and remove it
  --quiet        print only the table and the verdict
  --result FILE  also write every number as JSON to FILE
  --fleet        three gateways behind an ECMP router and a bot spreading
                 over them: no filter, three lone gateways, a fleet of
                 three sharing one Redis (see demo/fleet.sh --help)

Exit status: 0 when, enforcing with and without sets, the bots with a
budget of their own (all but the hosting farm) were cut to a quarter of
their unfiltered share and under 10%, no person's request went unanswered
and the carrier NAT was never banned; and with sets 90% of the people with
an address of their own booked, those behind the NAT at least 3/4 as well,
and the hosting farm took at most a fifth of the slots and half of what it
took without its set; 1 when not or the lab failed; 2 on bad usage.
EOF
}

# --fleet: three gateways, a spreading bot, lone or as a fleet (its own lab).
for arg in "$@"; do
	[ "$arg" = --fleet ] && exec bash "$DEMO_ROOT/demo/fleet.sh" "$@"
done

LENGTH=normal KEEP=0 QUIET=0 RESULT=
while [ $# -gt 0 ]; do
	case $1 in
	--short) LENGTH=short ;;
	--long) LENGTH=long ;;
	--keep) KEEP=1 ;;
	--quiet) QUIET=1 ;;
	--result)
		[ $# -ge 2 ] || { echo "demo: --result needs a FILE" >&2; exit 2; }
		RESULT=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "demo: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
	shift
done

# ---- the round ---------------------------------------------------------

SLOTS=60
SLOTS_PORT=8081
PEOPLE_V4=20		# one person per address, each in a /24 of its own
PEOPLE_V6=10		# each in a /48 of its own
NAT_PEOPLE=20		# behind one carrier-NAT address
NAT_ADDR=10.68.7.1
PRE_MS=3000		# the bots hammer this long before the slots open
HEAD_MS=9000		# the keep-alive bot polls this long before (it never stops)
FAST_RATE=200/s		# one address
FARM_ADDRS=64 FARM_RATE=122/s	# 1.9/s each: under the per-address budget
BOT6_ADDRS=64 BOT6_RATE=100/s	# all in one /64
HOST_ADDRS=64 HOST_RATE=96/s	# 1.5/s each, each in a /24 of its own
KA_CONNS=4 KA_RATE=20/s		# a session: 4 kept-alive connections
THINK=2000..4000	# a person reads the page before clicking
RETRY=3000..6000	# and clicks again after a "not yet" or "full"
case $LENGTH in
short) ROUND_MS=8000 ARRIVE=-3000..2000 THINK=1000..2000 ;;
long) ROUND_MS=60000 ARRIVE=-3000..30000 ;;
*) ROUND_MS=20000 ARRIVE=-3000..8000 ;;
esac
PERSONS=$((PEOPLE_V4 + PEOPLE_V6))
declare -a OPEN_MS=()	# when each round's slots opened (epoch ms)
CLASSES=(people nat fastbot farm bot6 hosting keepalive)
BOTS=(fastbot farm bot6 hosting keepalive)
ROUNDS=(none monitor conns enforce sets)
declare -A TITLE=([none]="no filter" [monitor]="monitoring"
	[conns]="conns only" [enforce]="enforcing" [sets]="+ sets")
declare -A LABEL=(
	[people]="people ($PERSONS, own address)"
	[nat]="people ($NAT_PEOPLE, one NAT addr.)"
	[fastbot]="fast bot (1 address)"
	[farm]="farm bot ($FARM_ADDRS addr., one /24)"
	[bot6]="IPv6 bot ($BOT6_ADDRS addr., one /64)"
	[hosting]="hosting farm ($HOST_ADDRS /24s)"
	[keepalive]="keep-alive bot (1 address)")

say() { [ "$QUIET" = 1 ] || echo "$@"; }
# shellcheck disable=SC2059 # sayf takes a format, as printf does
sayf() { [ "$QUIET" = 1 ] || printf "$@"; }
now_ms() { date +%s%3N; }
sg() { in_ns gw "$SG_BIN" --pin-dir "$DEMO_PIN" "$@"; }

# ---- prerequisites -----------------------------------------------------

demo_prereq() {
	local c
	[ "$(id -u)" = 0 ] || { echo "demo: needs root: sudo make demo" >&2; return 1; }
	if ! command -v nginx >/dev/null; then
		# Installed with the build's packages (the Makefile's list).
		echo "demo: nginx is missing; installing the packages of make deps" >&2
		make --no-print-directory -C "$DEMO_ROOT" deps || return 1
	fi
	for c in ip nsenter setsid jq curl nginx; do
		command -v "$c" >/dev/null ||
			{ echo "demo: needs $c (sudo make deps)" >&2; return 1; }
	done
	for c in "$SG_BIN" "$SG_BOOKING"; do
		[ -x "$c" ] || { echo "demo: no $c: run make" >&2; return 1; }
	done
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
		{ echo "demo: no bpffs at /sys/fs/bpf" >&2; return 1; }
}

# ---- the lab -----------------------------------------------------------

people_v4() { local p; for ((p = 1; p <= PEOPLE_V4; p++)); do echo "10.67.$p.10"; done; }
people_v6() { local p; for ((p = 1; p <= PEOPLE_V6; p++)); do echo "fd00:67:$p::10"; done; }
farm_addrs() { local i; for ((i = 0; i < FARM_ADDRS; i++)); do echo "10.66.3.$((100 + i))"; done; }
bot6_addrs() { local i; for ((i = 1; i <= BOT6_ADDRS; i++)); do printf 'fd00:66:4::b:%x\n' "$i"; done; }
host_addrs() { local i; for ((i = 0; i < HOST_ADDRS; i++)); do echo "10.69.$((i * 4)).7"; done; }
joined() { paste -sd, -; }

# curl_from ROLE SOURCE URL : the HTTP status of one GET from SOURCE.
curl_from() {
	in_ns "$1" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--interface "$2" "$3"
}

page_ok() { [ "$(curl_from "$@")" = 200 ]; }

demo_lab_up() {
	local gw
	gw=$(demo_ns gw)
	# The links' order fixes their 10.66.K.0/24: the bots' addresses below.
	lab_up people fastbot farm bot6 nat hosting keepalive || return 1
	# Each person is on a home network of their own: a /32 (or /128) in a
	# /24 (or /48) nobody else uses, routed to the people link. The NAT's
	# address and the hosting provider's /16 have links of their own.
	{ people_v4 | sed 's|$|/32|'; people_v6 | sed 's|$|/128|'; } | lab_addrs people &&
		ip -n "$gw" route add 10.67.0.0/16 dev to-people &&
		ip -n "$gw" -6 route add fd00:67::/32 dev to-people &&
		echo "$NAT_ADDR/32" | lab_addrs nat &&
		ip -n "$gw" route add 10.68.0.0/16 dev to-nat &&
		host_addrs | sed 's|$|/32|' | lab_addrs hosting &&
		ip -n "$gw" route add 10.69.0.0/16 dev to-hosting &&
		farm_addrs | sed 's|$|/24|' | lab_addrs farm &&
		bot6_addrs | sed 's|$|/64|' | lab_addrs bot6 || return 1
	sed "s|@TMP@|$DEMO_TMP|g; s|@SLOTS_PORT@|$SLOTS_PORT|g" demo/nginx.conf.in \
		>"$DEMO_TMP/nginx.conf" &&
		cp -r demo/www "$DEMO_TMP/www" && chmod -R a+rX "$DEMO_TMP/www" &&
		demo_configs || return 1
	in_ns web nginx -q -t -e "$DEMO_TMP/nginx-error.log" -p "$DEMO_TMP" \
		-c "$DEMO_TMP/nginx.conf" || return 1
	bg_ns web "$DEMO_TMP/nginx.out" nginx -e "$DEMO_TMP/nginx-error.log" \
		-p "$DEMO_TMP" -c "$DEMO_TMP/nginx.conf"
	# Every client reaches the page over its family before the first round.
	if ! { wait_until 10 page_ok people 10.67.1.10 http://10.66.0.10/ &&
		wait_until 5 page_ok people fd00:67:1::10 'http://[fd00:66::10]/' &&
		wait_until 5 page_ok nat "$NAT_ADDR" http://10.66.0.10/ &&
		wait_until 5 page_ok fastbot 10.66.2.2 http://10.66.0.10/ &&
		wait_until 5 page_ok farm 10.66.3.100 http://10.66.0.10/ &&
		wait_until 5 page_ok bot6 fd00:66:4::b:1 'http://[fd00:66::10]/' &&
		wait_until 5 page_ok hosting 10.69.0.7 http://10.66.0.10/ &&
		wait_until 5 page_ok keepalive 10.66.7.2 http://10.66.0.10/; }; then
		echo "demo: the booking page cannot be reached in the lab" >&2
		cat "$DEMO_TMP/nginx-error.log" >&2
		return 1
	fi
}

# demo_configs : one config per filtered round, from demo/slotguard.conf.
demo_configs() {
	local t=$DEMO_TMP
	cp demo/slotguard.conf "$t/enforce.conf" &&
		cp demo/slotguard.conf "$t/monitor.conf" &&
		sed -E 's/^(request_rate|request_quota) = .*/\1 = off/; /^request_burst/d' \
			demo/slotguard.conf >"$t/conns.conf" &&
		cp demo/hosting.txt demo/carrier.txt "$t/" &&
		cat demo/slotguard.conf demo/sets.conf >"$t/sets.conf"
}

# forget_pid PID : a stopped process that teardown need not stop again.
forget_pid() {
	local i
	for i in "${!DEMO_PIDS[@]}"; do
		[ "${DEMO_PIDS[$i]}" = "$1" ] && unset 'DEMO_PIDS[i]'
	done
	DEMO_PIDS=("${DEMO_PIDS[@]}")
}

xdp_attached() {
	ip -n "$(demo_ns gw)" -d -j link show dev "$1" 2>/dev/null |
		jq -e '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id' >/dev/null
}

sg_ready() {
	local c
	pid_gone "$SG_PID" && return 2
	sg status >/dev/null 2>&1 || return 1
	for c in "${CLASSES[@]}"; do
		xdp_attached "to-$c" || return 1
	done
}

# sg_ifaces : -i for every client link of the gateway.
sg_ifaces() {
	local c
	for c in "${CLASSES[@]}"; do printf -- '-i\nto-%s\n' "$c"; done
}

# sg_start ROUND NAME : slotguard on the gateway's client links, with the
# round's config (monitor mode only for the monitoring round).
sg_start() {
	local log=$DEMO_TMP/daemon-$1.log mode=--enforce
	[ "$2" = monitor ] && mode=--monitor
	mapfile -t ifs < <(sg_ifaces)
	bg_ns gw "$log" "$SG_BIN" --pin-dir "$DEMO_PIN" run \
		--state-dir "$DEMO_TMP/state-$1" \
		-c "$DEMO_TMP/$2.conf" "${ifs[@]}" "$mode"
	SG_PID=$BG_PID
	wait_until 15 sg_ready || {
		echo "demo: slotguard run did not come up; its log:" >&2
		sed 's/^/    /' "$log" >&2
		return 1
	}
}

sg_stop() {
	stop_pid "$SG_PID" 10
	forget_pid "$SG_PID"
	SG_PID=
}

# slots_start ROUND OPEN_MS : a fresh slot counter for a round.
slots_start() {
	bg_ns web "$DEMO_TMP/slots-$1.out" "$SG_BOOKING" slots \
		--listen "127.0.0.1:$SLOTS_PORT" --slots "$SLOTS" --open-at "$2" \
		--log "$DEMO_TMP/slots-$1.log"
	SLOTS_PID=$BG_PID
	wait_until 5 grep -q '^listening' "$DEMO_TMP/slots-$1.out"
}

# client ROUND CLASS OPEN STOP : start one client class in the background.
client() {
	local c=$2 open=$3 stop=$4 out=$DEMO_TMP/r$1-$2.json
	local common=(--to "10.66.0.10,fd00:66::10" --open-at "$open" --stop-at "$stop")
	case $c in
	people)
		bg_ns people "$out" "$SG_BOOKING" people "${common[@]}" \
			--sources "$( (people_v4; people_v6) | joined)" \
			--arrive-ms "$ARRIVE" --think-ms "$THINK" --retry-ms "$RETRY" ;;
	nat)
		bg_ns nat "$out" "$SG_BOOKING" people "${common[@]}" \
			--sources "$NAT_ADDR" --per-source "$NAT_PEOPLE" --stacks \
			--arrive-ms "$ARRIVE" --think-ms "$THINK" --retry-ms "$RETRY" \
			--seed 7 ;;
	fastbot)
		bg_ns fastbot "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources 10.66.2.2 --rate "$FAST_RATE" ;;
	farm)
		bg_ns farm "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources "$(farm_addrs | joined)" --rate "$FARM_RATE" ;;
	bot6)
		bg_ns bot6 "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources "$(bot6_addrs | joined)" --rate "$BOT6_RATE" ;;
	hosting)
		bg_ns hosting "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources "$(host_addrs | joined)" --rate "$HOST_RATE" ;;
	keepalive)
		bg_ns keepalive "$out" "$SG_BOOKING" keepalive "${common[@]}" \
			--sources 10.66.7.2 --conns "$KA_CONNS" --rate "$KA_RATE" ;;
	esac
	CLIENT_PIDS+=("$BG_PID")
}

# sleep_until MS : sleep until the epoch time MS.
sleep_until() {
	local left=$(($1 - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
	return 0
}

# run_round N NAME : one booking round; results in $DEMO_TMP/rN-*. The
# keep-alive bot starts first: it polls around the clock.
run_round() {
	local n=$1 name=$2 open stop c pid t0=$SECONDS
	sayf 'round %d/5  %-12s' "$n" "${TITLE[$name]}"
	if [ "$name" != none ]; then
		sg_start "$n" "$name" || return 1
	fi
	open=$(($(now_ms) + HEAD_MS))
	stop=$((open + ROUND_MS))
	OPEN_MS[n]=$open
	slots_start "$n" "$open" || { echo "demo: the slot counter did not start" >&2; return 1; }
	CLIENT_PIDS=()
	client "$n" keepalive "$open" "$stop"
	sleep_until $((open - PRE_MS))
	for c in "${CLASSES[@]}"; do
		[ "$c" = keepalive ] || client "$n" "$c" "$open" "$stop"
	done
	sayf 'slots open in %d s, round of %d s ... ' $((PRE_MS / 1000)) $((ROUND_MS / 1000))
	for pid in "${CLIENT_PIDS[@]}"; do
		wait_until $(((PRE_MS + ROUND_MS) / 1000 + 15)) pid_gone "$pid" || {
			echo "demo: a client did not finish" >&2
			return 1
		}
		wait "$pid" 2>/dev/null
		forget_pid "$pid"
	done
	for c in "${CLASSES[@]}"; do
		json_ok "$DEMO_TMP/r$n-$c.json" || {
			echo "demo: the $c client failed:" >&2
			cat "$DEMO_TMP/r$n-$c.json" >&2
			return 1
		}
	done
	if [ "$name" != none ]; then
		sg stats --json >"$DEMO_TMP/r$n-stats.json" &&
			sg ban list >"$DEMO_TMP/r$n-bans.txt" &&
			sg ban list --json >"$DEMO_TMP/r$n-bans.json" || return 1
		if [ "$KEEP" = 1 ] && [ "$n" = 5 ]; then
			: # the lab stays up, enforcing
		else
			sg_stop
		fi
	fi
	stop_pid "$SLOTS_PID"
	forget_pid "$SLOTS_PID"
	tail -n 1 "$DEMO_TMP/slots-$n.out" >"$DEMO_TMP/r$n-slots.json"
	say "done ($((SECONDS - t0)) s)"
}

# json_ok FILE : the file's last line is a JSON object.
json_ok() { tail -n 1 "$1" 2>/dev/null | jq -e 'type == "object"' >/dev/null 2>&1; }

# val N CLASS FIELD : a number from a client's result.
val() { tail -n 1 "$DEMO_TMP/r$1-$2.json" | jq -r ".$3 // 0"; }

print_keep() {
	local gw sg_cmd
	gw=$(demo_ns gw)
	sg_cmd="nsenter --net=/run/netns/$gw $SG_BIN --pin-dir $DEMO_PIN"
	cat <<EOF

The lab is still up (--keep), slotguard enforcing on $gw, and a fresh
round of $SLOTS slots is open. Look around (as root):
  ip netns list | grep 'sgdemo-.*-$DEMO_ID'
  $sg_cmd stats
  $sg_cmd stats --interval 1
  $sg_cmd ban list
  $sg_cmd top
  nsenter --net=/run/netns/$gw curl -s 127.0.0.1:9717/metrics | grep ^slotguard_packets
  nsenter --net=/run/netns/$(demo_ns people) curl -s --interface 10.67.1.10 http://10.66.0.10/
  nsenter --net=/run/netns/$(demo_ns people) curl -s --interface 10.67.2.10 -X POST http://10.66.0.10/book
  nsenter --net=/run/netns/$(demo_ns fastbot) curl -s -m 3 -X POST http://10.66.0.10/book   # banned: no answer
  less $DEMO_TMP/daemon-5.log $DEMO_TMP/nginx-access.log
Remove it:
  sh $DEMO_TMP/down.sh
EOF
}

on_exit() {
	[ "$KEEP" = 1 ] && [ "${LAB_KEPT:-0}" = 1 ] && return 0
	lab_down
}

main() {
	local n started=$SECONDS
	demo_prereq || exit 1
	trap on_exit EXIT
	trap 'echo; echo "demo: interrupted; removing the lab" >&2; exit 130' INT
	trap 'echo; echo "demo: terminated; removing the lab" >&2; exit 143' TERM
	say "slotguard demo: who gets $SLOTS booking slots, people or scalper bots?"
	say "  booking site  nginx at 10.66.0.10 and fd00:66::10, behind a gateway"
	say "  people        $PERSONS ($PEOPLE_V4 IPv4, $PEOPLE_V6 IPv6): load the page, then one try every 3-6 s"
	say "  NAT people    $NAT_PEOPLE behind one carrier-NAT address ($NAT_ADDR), as many phones"
	say "  fast bot      one address, $FAST_RATE, a new connection each try"
	say "  farm bot      $FARM_ADDRS addresses of 10.66.3.0/24, $FARM_RATE in all (under 2/s each)"
	say "  IPv6 bot      $BOT6_ADDRS addresses of fd00:66:4::/64, $BOT6_RATE in all"
	say "  hosting farm  $HOST_ADDRS servers in $HOST_ADDRS /24s of 10.69.0.0/16, $HOST_RATE in all"
	say "  keep-alive    one address, $KA_CONNS kept-alive connections, $KA_RATE requests"
	say "  slotguard     demo/slotguard.conf: per address 2 new connections/s (burst 20)"
	say "                and 2 requests/s (burst 100); per /24 or /48 ten times that;"
	say "                20 violations at 5x a budget ban for 5 min; sets: demo/sets.conf"
	say "  the bots start ${PRE_MS%000} s before the slots open (the keep-alive one ${HEAD_MS%000} s);"
	say "  every round starts afresh"
	say
	sayf 'lab: namespaces sgdemo-*-%s ... ' "$DEMO_ID"
	demo_lab_up || { echo "demo: the lab did not come up" >&2; exit 1; }
	say "up"
	if [ "$LENGTH" = long ]; then
		say "watch the filtered rounds live from another terminal (as root):"
		say "  nsenter --net=/run/netns/$(demo_ns gw) $SG_BIN --pin-dir $DEMO_PIN stats --interval 1"
	fi
	for n in 1 2 3 4 5; do
		run_round "$n" "${ROUNDS[n - 1]}" || { echo "demo: round $n failed" >&2; exit 1; }
	done
	# Columns are padded to line up; no blanks at the ends of lines.
	print_table | sed 's/ *$//'
	print_slotguard
	verdict
	[ -n "$RESULT" ] && write_result
	echo
	if [ "$OK" = 1 ]; then
		echo "PROTECTED: $WHY."
	else
		echo "NOT PROTECTED: ${WHY%; }."
	fi
	if [ "$KEEP" = 1 ]; then
		slots_start keep "$(now_ms)" >/dev/null
		lab_write_down "$DEMO_TMP/down.sh"
		LAB_KEPT=1
		print_keep
	fi
	say "($((SECONDS - started)) s)"
	[ "$OK" = 1 ]
}

main
