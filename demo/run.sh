#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `sudo make demo`: people and scalper bots book the same slots in a lab of
# network namespaces, three times — no filter, slotguard monitoring,
# slotguard enforcing — and a table shows who got the slots. Exits 1 when
# the enforcing round does not protect people. See `demo/run.sh --help`.
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

usage() {
	cat <<'EOF'
Usage: sudo demo/run.sh [--short|--long] [--keep] [--quiet] [--result FILE]
       sudo demo/run.sh --fleet [--short] [--quiet] [--result FILE]
       (or: sudo make demo DEMO_ARGS='--keep')

Builds a throw-away lab of network namespaces: a gateway running slotguard,
a booking site behind it (nginx and a slot counter), 30 people booking at a
human pace and three scalper bots. The same booking round (40 slots) runs
three times: no filter, slotguard in monitor mode, slotguard enforcing.
Prints who got the slots and what slotguard counted, then removes the lab.

  --short        8 s rounds (about 45 s in all; what the tests run)
  --long         60 s rounds (about 3.5 minutes), to watch it live with
                 `slotguard stats --interval 1` (the command is printed)
  --keep         leave the lab up after the last round, slotguard
                 enforcing, and print how to look at it and remove it
  --quiet        print only the table and the verdict
  --result FILE  also write every number as JSON to FILE
  --fleet        three gateways behind an ECMP router and a bot spreading
                 over them: no filter, three lone gateways, a fleet of
                 three sharing one Redis (see demo/fleet.sh --help)

Exit status: 0 when the enforcing round protected people (90% of them
booked a slot, none of their connections dropped, the bots' share cut to
a quarter of the unfiltered round's and under 10%); 1 when it did not or
the lab failed; 2 on bad usage.
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

SLOTS=40
SLOTS_PORT=8081
PEOPLE_V4=20		# one person per address, each in a /24 of its own
PEOPLE_V6=10		# each in a /48 of its own
PRE_MS=3000		# the bots hammer this long before the slots open
FAST_RATE=200/s		# one address
FARM_ADDRS=64 FARM_RATE=96/s	# 1.5/s each: under the per-address budget
BOT6_ADDRS=64 BOT6_RATE=100/s	# all in one /64
THINK=2000..4000	# a person reads the page before clicking
RETRY=3000..6000	# and clicks again after a "not yet" or "full"
case $LENGTH in
short) ROUND_MS=8000 ARRIVE=-3000..2000 THINK=1000..2000 ;;
long) ROUND_MS=60000 ARRIVE=-3000..30000 ;;
*) ROUND_MS=20000 ARRIVE=-3000..8000 ;;
esac
PERSONS=$((PEOPLE_V4 + PEOPLE_V6))
declare -a OPEN_MS=()	# when each round's slots opened (epoch ms)
CLASSES=(people fastbot farm bot6)
BOTS=(fastbot farm bot6)
ROUNDS=(none monitor enforce)
declare -A TITLE=([none]="no filter" [monitor]="slotguard monitoring"
	[enforce]="slotguard enforcing")
declare -A LABEL=(
	[people]="people ($PERSONS, 1 address each)"
	[fastbot]="fast bot (1 address)"
	[farm]="farm bot ($FARM_ADDRS addr., one /24)"
	[bot6]="IPv6 bot ($BOT6_ADDRS addr., one /64)")

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
	lab_up people fastbot farm bot6 || return 1
	# Each person is on a home network of their own: a /32 (or /128) in a
	# /24 (or /48) nobody else uses, routed to the people link.
	{ people_v4 | sed 's|$|/32|'; people_v6 | sed 's|$|/128|'; } | lab_addrs people &&
		ip -n "$gw" route add 10.67.0.0/16 dev to-people &&
		ip -n "$gw" -6 route add fd00:67::/32 dev to-people &&
		farm_addrs | sed 's|$|/24|' | lab_addrs farm &&
		bot6_addrs | sed 's|$|/64|' | lab_addrs bot6 || return 1
	sed "s|@TMP@|$DEMO_TMP|g; s|@SLOTS_PORT@|$SLOTS_PORT|g" demo/nginx.conf.in \
		>"$DEMO_TMP/nginx.conf" &&
		cp -r demo/www "$DEMO_TMP/www" && chmod -R a+rX "$DEMO_TMP/www" &&
		cp demo/slotguard.conf "$DEMO_TMP/slotguard.conf" || return 1
	in_ns web nginx -q -t -e "$DEMO_TMP/nginx-error.log" -p "$DEMO_TMP" \
		-c "$DEMO_TMP/nginx.conf" || return 1
	bg_ns web "$DEMO_TMP/nginx.out" nginx -e "$DEMO_TMP/nginx-error.log" \
		-p "$DEMO_TMP" -c "$DEMO_TMP/nginx.conf"
	# Every client reaches the page over its family before the first round.
	if ! { wait_until 10 page_ok people 10.67.1.10 http://10.66.0.10/ &&
		wait_until 5 page_ok people fd00:67:1::10 'http://[fd00:66::10]/' &&
		wait_until 5 page_ok fastbot 10.66.2.2 http://10.66.0.10/ &&
		wait_until 5 page_ok farm 10.66.3.100 http://10.66.0.10/ &&
		wait_until 5 page_ok bot6 fd00:66:4::b:1 'http://[fd00:66::10]/'; }; then
		echo "demo: the booking page cannot be reached in the lab" >&2
		cat "$DEMO_TMP/nginx-error.log" >&2
		return 1
	fi
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

# sg_start ROUND MODE : slotguard on the gateway's client links.
sg_start() {
	local log=$DEMO_TMP/daemon-$1.log
	bg_ns gw "$log" "$SG_BIN" --pin-dir "$DEMO_PIN" run \
		-c "$DEMO_TMP/slotguard.conf" -i to-people -i to-fastbot \
		-i to-farm -i to-bot6 "--$2"
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
	fastbot)
		bg_ns fastbot "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources 10.66.2.2 --rate "$FAST_RATE" ;;
	farm)
		bg_ns farm "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources "$(farm_addrs | joined)" --rate "$FARM_RATE" ;;
	bot6)
		bg_ns bot6 "$out" "$SG_BOOKING" bot "${common[@]}" \
			--sources "$(bot6_addrs | joined)" --rate "$BOT6_RATE" ;;
	esac
	CLIENT_PIDS+=("$BG_PID")
}

# run_round N MODE : one booking round; results in $DEMO_TMP/rN-*.
run_round() {
	local n=$1 mode=$2 open stop c pid t0=$SECONDS
	sayf 'round %d/3  %-22s' "$n" "${TITLE[$mode]}"
	if [ "$mode" != none ]; then
		sg_start "$n" "$mode" || return 1
	fi
	open=$(($(now_ms) + PRE_MS))
	stop=$((open + ROUND_MS))
	OPEN_MS[n]=$open
	slots_start "$n" "$open" || { echo "demo: the slot counter did not start" >&2; return 1; }
	CLIENT_PIDS=()
	for c in "${CLASSES[@]}"; do
		client "$n" "$c" "$open" "$stop"
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
	if [ "$mode" != none ]; then
		sg stats --json >"$DEMO_TMP/r$n-stats.json" &&
			sg ban list >"$DEMO_TMP/r$n-bans.txt" || return 1
		if [ "$KEEP" = 1 ] && [ "$n" = 3 ]; then
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

# ---- reporting ---------------------------------------------------------

pct() { echo $(((100 * $1 + $2 / 2) / $2)); }

bots_booked() {
	local n=$1 c sum=0
	for c in "${BOTS[@]}"; do
		sum=$((sum + $(val "$n" "$c" booked)))
	done
	echo "$sum"
}

# cell TEXT : one round's column of the table.
cell() { printf '| %-20s ' "$1"; }

print_table() {
	local n c booked sum
	echo
	printf '%-30s' "who got the $SLOTS slots"
	for n in 1 2 3; do cell "${TITLE[${ROUNDS[n - 1]}]}"; done
	echo
	printf '%-30s' ""
	for n in 1 2 3; do cell "$(printf '%6s %6s %6s' tries booked share)"; done
	echo
	for c in "${CLASSES[@]}"; do
		printf '%-30s' "${LABEL[$c]}"
		for n in 1 2 3; do
			booked=$(val "$n" "$c" booked)
			cell "$(printf '%6s %6s %5s%%' "$(val "$n" "$c" attempts)" \
				"$booked" "$(pct "$booked" "$SLOTS")")"
		done
		echo
	done
	printf '%-30s' "not booked"
	for n in 1 2 3; do
		sum=0
		for c in "${CLASSES[@]}"; do sum=$((sum + $(val "$n" "$c" booked))); done
		cell "$(printf '%6s %6s %5s%%' "" $((SLOTS - sum)) "$(pct $((SLOTS - sum)) "$SLOTS")")"
	done
	echo
	# The clients' count against the slot counter's own.
	for n in 1 2 3; do
		sum=0
		for c in "${CLASSES[@]}"; do sum=$((sum + $(val "$n" "$c" booked))); done
		booked=$(jq -r '.booked // "?"' "$DEMO_TMP/r$n-slots.json" 2>/dev/null)
		[ "$booked" = "$sum" ] ||
			echo "(round $n: the slot counter handed out ${booked:-?} slots, the clients saw $sum)" >&2
	done
	printf '%-30s' "people who got a slot"
	for n in 1 2 3; do cell "$(val "$n" people persons_booked) of $PERSONS"; done
	echo
	printf '%-30s' "people's requests unanswered"
	for n in 1 2 3; do
		cell "$(($(val "$n" people failed) + $(val "$n" people pages_failed)))"
	done
	echo
}

# reason_packets N VERDICT : "reason packets" lines from a round's stats.
reason_packets() {
	jq -r --arg v "$2" '[.interfaces[]?.counters[]? | select(.verdict == $v)]
		| group_by(.reason)[] | "\(.[0].reason) \(map(.packets) | add)"' \
		"$DEMO_TMP/r$1-stats.json"
}

budget_counts() {
	jq -r --arg k "$2" '.[$k] // {} | to_entries | map(select(.value > 0))
		| if length == 0 then "none" else map("\(.key) \(.value)") | join(", ") end' \
		"$DEMO_TMP/r$1-stats.json"
}

print_slotguard() {
	local r reasons
	echo
	echo "What slotguard counted (slotguard stats --json; packets to the booking site)"
	reasons=$( (reason_packets 2 would_drop; reason_packets 3 drop) | awk '{print $1}' | sort -u)
	printf '  %-26s %24s %20s\n' "reason" "monitoring: would_drop" "enforcing: drop"
	for r in $reasons; do
		printf '  %-26s %24s %20s\n' "$r" \
			"$(reason_packets 2 would_drop | awk -v r="$r" '$1 == r {n = $2} END {print n + 0}')" \
			"$(reason_packets 3 drop | awk -v r="$r" '$1 == r {n = $2} END {print n + 0}')"
	done
	printf '  %-26s %24s %20s\n' "passed" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r2-stats.json")" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r3-stats.json")"
	echo "  bans while enforcing, by budget:     $(budget_counts 3 bans_total)"
	echo "  would-bans while monitoring:         $(budget_counts 2 would_bans_total)"
	echo "    (at most one would-ban per prefix per 60 s window: what enforcing would ban)"
	echo
	echo "Bans at the end of the enforcing round (slotguard ban list)"
	sed 's/^/  /' "$DEMO_TMP/r3-bans.txt"
	echo
	echo "Ban events in slotguard run's log (the slots opened at $(date -u -d "@$((OPEN_MS[3] / 1000))" +%T).$(printf %03d $((OPEN_MS[3] % 1000)))Z)"
	grep ' slotguard ban: ' "$DEMO_TMP/daemon-3.log" | sed 's/^[0-9-]*T/  /'
}

# verdict : the enforcing round protected people; sets WHY either way.
verdict() {
	local got fails bots bots0 need=$(((PERSONS * 9 + 9) / 10))
	got=$(val 3 people persons_booked)
	fails=$(($(val 3 people failed) + $(val 3 people pages_failed)))
	bots=$(bots_booked 3)
	bots0=$(bots_booked 1)
	OK=1 WHY=
	if [ "$got" -lt "$need" ]; then
		OK=0 WHY+="only $got of $PERSONS people booked a slot (want $need); "
	fi
	if [ "$fails" -gt 0 ]; then
		OK=0 WHY+="$fails of the people's requests got no answer; "
	fi
	if [ $((bots * 4)) -gt "$bots0" ] || [ $((bots * 10)) -gt "$SLOTS" ]; then
		OK=0 WHY+="bots booked $bots slots (unfiltered: $bots0); "
	fi
	if [ "$OK" = 1 ]; then
		WHY="people booked $got slots ($got of $PERSONS people), bots $bots (unfiltered: $bots0)"
	fi
}

write_result() {
	local n c json
	json=$(jq -n --argjson slots "$SLOTS" --argjson persons "$PERSONS" \
		--argjson ok "$([ "$OK" = 1 ] && echo true || echo false)" --arg why "$WHY" \
		'{slots: $slots, persons: $persons, ok: $ok, why: $why, rounds: {}}')
	for n in 1 2 3; do
		for c in "${CLASSES[@]}"; do
			json=$(jq --arg r "${ROUNDS[n - 1]}" --arg c "$c" \
				--argjson v "$(tail -n 1 "$DEMO_TMP/r$n-$c.json")" \
				'.rounds[$r][$c] = $v' <<<"$json")
		done
	done
	jq --argjson s "$(cat "$DEMO_TMP/r3-stats.json")" '.enforce_stats = $s' \
		<<<"$json" >"$RESULT"
}

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
  less $DEMO_TMP/daemon-3.log $DEMO_TMP/nginx-access.log
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
	say "  fast bot      one address, $FAST_RATE, a new connection each try"
	say "  farm bot      $FARM_ADDRS addresses of 10.66.3.0/24, $FARM_RATE in all (under 2/s each)"
	say "  IPv6 bot      $BOT6_ADDRS addresses of fd00:66:4::/64, $BOT6_RATE in all"
	say "  slotguard     demo/slotguard.conf: 2 new connections/s per address (burst 20),"
	say "                20/s per /24 or /48 (burst 100); 20 violations ban for 5 min"
	say "  the bots start ${PRE_MS%000} s before the slots open; every round starts afresh"
	say
	sayf 'lab: namespaces sgdemo-*-%s ... ' "$DEMO_ID"
	demo_lab_up || { echo "demo: the lab did not come up" >&2; exit 1; }
	say "up"
	if [ "$LENGTH" = long ]; then
		say "watch rounds 2 and 3 live from another terminal (as root):"
		say "  nsenter --net=/run/netns/$(demo_ns gw) $SG_BIN --pin-dir $DEMO_PIN stats --interval 1"
	fi
	for n in 1 2 3; do
		run_round "$n" "${ROUNDS[n - 1]}" || { echo "demo: round $n failed" >&2; exit 1; }
	done
	# Columns are padded to line up; no blanks at the ends of lines.
	print_table | sed 's/ *$//'
	print_slotguard
	verdict
	[ -n "$RESULT" ] && write_result
	echo
	if [ "$OK" = 1 ]; then
		echo "PROTECTED: with slotguard enforcing, $WHY."
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
