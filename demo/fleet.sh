#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `sudo make demo DEMO_ARGS=--fleet`: a booking site behind three gateways
# and a router that spreads connections over them by their L4 hash. A bot
# that spreads its connections the same way gets about a third of its rate
# at each gateway: lone gateways let it through; a fleet of three sharing
# one Redis bans it before the slots open. Three rounds: no filter, three
# lone gateways, a fleet of three; a table shows who got the slots.
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
Usage: sudo demo/run.sh --fleet [--short] [--quiet] [--result FILE]

Three gateways behind a router whose multipath route hashes on L4, a
booking site behind them (nginx and a slot counter, 40 slots), 30 people
and one bot that spreads its new connections over the gateways. Three
rounds: no filter, three lone gateways (slotguard enforcing on each),
a fleet of three (the same, sharing one Redis). Prints who got the slots.

  --short        8 s rounds (what the tests run)
  --quiet        print only the table and the verdict
  --result FILE  also write every number as JSON to FILE

Exit status: 0 when the fleet protected people (90% of them booked, none
of their requests unanswered, the bot got no slot and was banned on all
three gateways) and the lone gateways did not stop the bot; 1 when not
or the lab failed; 2 on bad usage.
EOF
}

LENGTH=normal QUIET=0 RESULT=
while [ $# -gt 0 ]; do
	case $1 in
	--fleet) ;;
	--short) LENGTH=short ;;
	--quiet) QUIET=1 ;;
	--result)
		[ $# -ge 2 ] || { echo "demo: --result needs a FILE" >&2; exit 2; }
		RESULT=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "demo --fleet: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
	shift
done

SLOTS=40 SLOTS_PORT=8081 PERSONS=30 GATEWAYS=3
PRE_MS=10000		# bots hammer around the clock: 10 s before opening
SPREAD_RATE=720/m	# 12/s: about 4/s at each gateway; 6 times 2/s
THINK=2000..4000 RETRY=3000..6000
case $LENGTH in
short) ROUND_MS=8000 ARRIVE=-3000..2000 THINK=1000..2000 ;;
*) ROUND_MS=20000 ARRIVE=-3000..8000 ;;
esac
ROUNDS=(none lone fleet)
declare -A TITLE=([none]="no filter" [lone]="3 lone gateways" [fleet]="a fleet of 3")
declare -A LABEL=([people]="people ($PERSONS, 1 address each)"
	[spread]="spreading bot (1 address)")
CLASSES=(people spread)
declare -a OPEN_MS=()
REDIS_PID=
declare -A SG_PIDS=()

say() { [ "$QUIET" = 1 ] || echo "$@"; }
# shellcheck disable=SC2059 # sayf takes a format, as printf does
sayf() { [ "$QUIET" = 1 ] || printf "$@"; }
now_ms() { date +%s%3N; }
pin() { echo "$DEMO_PIN-gw$1"; }
sg() { local k=$1; shift; in_ns "gw$k" "$SG_BIN" --pin-dir "$(pin "$k")" "$@"; }
people() { local p; for ((p = 1; p <= PERSONS; p++)); do echo "10.67.$p.10"; done; }

prereq() {
	local c
	[ "$(id -u)" = 0 ] || { echo "demo: needs root: sudo make demo DEMO_ARGS=--fleet" >&2; return 1; }
	for c in ip nsenter setsid jq curl nginx redis-server redis-cli; do
		command -v "$c" >/dev/null ||
			{ echo "demo: needs $c (sudo make deps)" >&2; return 1; }
	done
	for c in "$SG_BIN" "$SG_BOOKING"; do
		[ -x "$c" ] || { echo "demo: no $c: run make" >&2; return 1; }
	done
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
		{ echo "demo: no bpffs at /sys/fs/bpf" >&2; return 1; }
}

# link A IF_A ADDR_A B IF_B ADDR_B : a veth pair between two namespaces.
link() {
	ip -n "$(demo_ns "$1")" link add "$2" type veth peer name "$5" \
		netns "$(demo_ns "$4")" &&
		ip -n "$(demo_ns "$1")" addr add "$3" dev "$2" &&
		ip -n "$(demo_ns "$4")" addr add "$6" dev "$5" &&
		ip -n "$(demo_ns "$1")" link set "$2" up &&
		ip -n "$(demo_ns "$4")" link set "$5" up
}

forwarding() {
	demo_add_ns "$1" && in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null
}

# The router (rt) spreads 10.66.0.10 over gw1..3 by L4 hash; each gateway
# forwards to the web; the web answers through gw1.
topology() {
	local k hops=()
	DEMO_TMP=$(mktemp -d "/tmp/sgdemo-$DEMO_ID.XXXXXX") || return 1
	chmod 0755 "$DEMO_TMP"
	DEMO_UP=1
	forwarding rt && forwarding web && demo_add_ns people && demo_add_ns spread || return 1
	in_ns rt sysctl -qw net.ipv4.fib_multipath_hash_policy=1 >/dev/null || return 1
	ip -n "$(demo_ns web)" addr add 10.66.0.10/32 dev lo &&
		ip -n "$(demo_ns web)" addr add fd00:66::10/128 dev lo nodad || return 1
	for k in $(seq 1 "$GATEWAYS"); do
		forwarding "gw$k" &&
			link rt "to-gw$k" "10.68.$k.1/24" "gw$k" from-rt "10.68.$k.2/24" &&
			link "gw$k" to-web "10.69.$k.1/24" web "from-gw$k" "10.69.$k.2/24" &&
			ip -n "$(demo_ns "gw$k")" route add 10.66.0.10/32 via "10.69.$k.2" &&
			ip -n "$(demo_ns "gw$k")" route add 10.66.0.0/16 via "10.68.$k.1" &&
			ip -n "$(demo_ns "gw$k")" route add 10.67.0.0/16 via "10.68.$k.1" || return 1
		hops+=(nexthop via "10.68.$k.2" weight 1)
	done
	ip -n "$(demo_ns rt)" route add 10.66.0.10/32 "${hops[@]}" &&
		ip -n "$(demo_ns web)" route add 10.66.0.0/16 via 10.69.1.1 &&
		ip -n "$(demo_ns web)" route add 10.67.0.0/16 via 10.69.1.1 &&
		link people eth0 10.66.1.2/24 rt to-people 10.66.1.1/24 &&
		link spread eth0 10.66.2.2/24 rt to-spread 10.66.2.1/24 &&
		ip -n "$(demo_ns people)" route add default via 10.66.1.1 &&
		ip -n "$(demo_ns spread)" route add default via 10.66.2.1 &&
		ip -n "$(demo_ns rt)" route add 10.67.0.0/16 via 10.66.1.2 || return 1
	people | sed 's|.*|addr add &/32 dev eth0|' | ip -n "$(demo_ns people)" -batch -
}

page_ok() {
	[ "$(in_ns "$1" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--interface "$2" http://10.66.0.10/)" = 200 ]
}

web_up() {
	sed "s|@TMP@|$DEMO_TMP|g; s|@SLOTS_PORT@|$SLOTS_PORT|g" demo/nginx.conf.in \
		>"$DEMO_TMP/nginx.conf" && cp -r demo/www "$DEMO_TMP/www" &&
		chmod -R a+rX "$DEMO_TMP/www" || return 1
	bg_ns web "$DEMO_TMP/nginx.out" nginx -e "$DEMO_TMP/nginx-error.log" \
		-p "$DEMO_TMP" -c "$DEMO_TMP/nginx.conf"
	wait_until 10 page_ok people 10.67.1.10 && wait_until 5 page_ok spread 10.66.2.2
}

redis_up() {
	bg_ns rt "$DEMO_TMP/redis.log" redis-server --port 0 \
		--unixsocket "$DEMO_TMP/redis.sock" --unixsocketperm 700 --save '' \
		--appendonly no --dir "$DEMO_TMP"
	REDIS_PID=$BG_PID
	wait_until 5 redis-cli -s "$DEMO_TMP/redis.sock" PING
}

# conf K FLEET : gateway K's config: the demo's budgets, enforcing, on
# its router link; with FLEET=yes a [fleet] section on the lab's Redis.
conf() {
	local file=$DEMO_TMP/gw$1-$2.conf
	sed "s|^mode = .*|mode = enforce\npin_dir = $(pin "$1")\nstate_dir = $DEMO_TMP/state-gw$1\ninterfaces = from-rt|" \
		demo/slotguard.conf >"$file"
	if [ "$2" = yes ]; then
		printf '\n[fleet]\nredis = %s\ngateway = gw%s\n' "$DEMO_TMP/redis.sock" "$1" >>"$file"
	fi
	echo "$file"
}

gw_ready() {
	pid_gone "${SG_PIDS[$1]}" && return 2
	sg "$1" status >/dev/null 2>&1
}

sg_start() {
	local k file
	for k in $(seq 1 "$GATEWAYS"); do
		file=$(conf "$k" "$1")
		bg_ns "gw$k" "$DEMO_TMP/daemon-$2-gw$k.log" "$SG_BIN" --pin-dir "$(pin "$k")" run -c "$file"
		SG_PIDS[$k]=$BG_PID
	done
	for k in $(seq 1 "$GATEWAYS"); do
		wait_until 15 gw_ready "$k" || {
			echo "demo: slotguard on gw$k did not come up:" >&2
			sed 's/^/    /' "$DEMO_TMP/daemon-$2-gw$k.log" >&2
			return 1
		}
	done
	[ "$1" = yes ] || return 0
	fleet_connected() {
		local k
		for k in $(seq 1 "$GATEWAYS"); do
			sg "$k" status | grep -q "^fleet: .* connected for" || return 1
		done
	}
	wait_until 10 fleet_connected
}

sg_stop() {
	local k
	for k in "${!SG_PIDS[@]}"; do
		stop_pid "${SG_PIDS[$k]}" 10
	done
	SG_PIDS=()
}

# run_round N MODE : one booking round; results in $DEMO_TMP/rN-*.
run_round() {
	local n=$1 mode=$2 open stop pids=() p c k t0=$SECONDS
	sayf 'round %d/3  %-18s' "$n" "${TITLE[$mode]}"
	case $mode in
	lone) sg_start no "$n" || return 1 ;;
	fleet) sg_start yes "$n" || return 1 ;;
	esac
	open=$(($(now_ms) + PRE_MS))
	stop=$((open + ROUND_MS))
	OPEN_MS[n]=$open
	bg_ns web "$DEMO_TMP/slots-$n.out" "$SG_BOOKING" slots --listen "127.0.0.1:$SLOTS_PORT" \
		--slots "$SLOTS" --open-at "$open" --log "$DEMO_TMP/slots-$n.log"
	local slots_pid=$BG_PID
	wait_until 5 grep -q '^listening' "$DEMO_TMP/slots-$n.out" || return 1
	bg_ns people "$DEMO_TMP/r$n-people.json" "$SG_BOOKING" people --to 10.66.0.10 \
		--open-at "$open" --stop-at "$stop" --sources "$(people | paste -sd, -)" \
		--arrive-ms "$ARRIVE" --think-ms "$THINK" --retry-ms "$RETRY"
	pids+=("$BG_PID")
	bg_ns spread "$DEMO_TMP/r$n-spread.json" "$SG_BOOKING" bot --to 10.66.0.10 \
		--open-at "$open" --stop-at "$stop" --sources 10.66.2.2 --rate "$SPREAD_RATE"
	pids+=("$BG_PID")
	sayf 'the bot starts now, slots open in %d s, round of %d s ... ' $((PRE_MS / 1000)) $((ROUND_MS / 1000))
	for p in "${pids[@]}"; do
		wait_until $(((PRE_MS + ROUND_MS) / 1000 + 15)) pid_gone "$p" || return 1
		wait "$p" 2>/dev/null
	done
	for c in "${CLASSES[@]}"; do
		tail -n 1 "$DEMO_TMP/r$n-$c.json" | jq -e 'type == "object"' >/dev/null 2>&1 || {
			echo "demo: the $c client failed:" >&2
			cat "$DEMO_TMP/r$n-$c.json" >&2
			return 1
		}
	done
	if [ "$mode" != none ]; then
		for k in $(seq 1 "$GATEWAYS"); do
			sg "$k" ban list --json >"$DEMO_TMP/r$n-bans-gw$k.json" || return 1
		done
		sg_stop
	fi
	stop_pid "$slots_pid"
	say "done ($((SECONDS - t0)) s)"
}

val() { tail -n 1 "$DEMO_TMP/r$1-$2.json" | jq -r ".$3 // 0"; }
pct() { echo $(((100 * $1 + $2 / 2) / $2)); }
cell() { printf '| %-20s ' "$1"; }

# bot_bans N : where and how the bot was banned in round N, and when
# (seconds from the slots' opening).
bot_bans() {
	local k since out= line
	for k in $(seq 1 "$GATEWAYS"); do
		[ -e "$DEMO_TMP/r$1-bans-gw$k.json" ] || continue
		line=$(jq -r '.bans[] | select(.prefix == "10.66.2.2/32")
			| "\(.budget) from \(.origin) \(.since)"' "$DEMO_TMP/r$1-bans-gw$k.json")
		[ -n "$line" ] || continue
		since=$(date -d "${line##* }" +%s%3N)
		out+=$(printf ' gw%s: %s at %+.1f s;' "$k" "${line% *}" \
			"$(((since - OPEN_MS[$1]) / 100))e-1")
	done
	echo "${out:- none}"
}

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
			cell "$(printf '%6s %6s %5s%%' "$(val "$n" "$c" attempts)" "$booked" \
				"$(pct "$booked" "$SLOTS")")"
		done
		echo
	done
	printf '%-30s' "not booked"
	for n in 1 2 3; do
		sum=$(($(val "$n" people booked) + $(val "$n" spread booked)))
		cell "$(printf '%6s %6s %5s%%' "" $((SLOTS - sum)) "$(pct $((SLOTS - sum)) "$SLOTS")")"
	done
	echo
	printf '%-30s' "people who got a slot"
	for n in 1 2 3; do cell "$(val "$n" people persons_booked) of $PERSONS"; done
	echo
	printf '%-30s' "people's requests unanswered"
	for n in 1 2 3; do cell "$(($(val "$n" people failed) + $(val "$n" people pages_failed)))"; done
	echo
}

verdict() {
	local need=$(((PERSONS * 9 + 9) / 10)) got fails bot lone_bot bans
	got=$(val 3 people persons_booked)
	fails=$(($(val 3 people failed) + $(val 3 people pages_failed)))
	bot=$(val 3 spread booked)
	lone_bot=$(val 2 spread booked)
	bans=$(bot_bans 3 | grep -o 'fleet from fleet:' | wc -l)
	OK=1 WHY=
	[ "$got" -ge "$need" ] || { OK=0; WHY+="with the fleet only $got of $PERSONS people booked; "; }
	[ "$fails" = 0 ] || { OK=0; WHY+="$fails of the people's requests got no answer; "; }
	[ "$bot" = 0 ] || { OK=0; WHY+="the bot booked $bot slots despite the fleet; "; }
	[ "$bans" = "$GATEWAYS" ] || { OK=0; WHY+="the bot was banned by the fleet on $bans of $GATEWAYS gateways; "; }
	[ $((lone_bot * 4)) -ge "$SLOTS" ] || { OK=0; WHY+="lone gateways held the bot to $lone_bot slots: nothing to show; "; }
	[ "$OK" = 1 ] && WHY="with the fleet, people booked $got slots ($got of $PERSONS people), the bot 0 (lone gateways: $lone_bot)"
}

write_result() {
	local n c json
	json=$(jq -n --argjson ok "$([ "$OK" = 1 ] && echo true || echo false)" \
		--arg why "$WHY" --argjson slots "$SLOTS" --argjson persons "$PERSONS" \
		'{slots: $slots, persons: $persons, ok: $ok, why: $why, rounds: {}}')
	for n in 1 2 3; do
		for c in "${CLASSES[@]}"; do
			json=$(jq --arg r "${ROUNDS[n - 1]}" --arg c "$c" \
				--argjson v "$(tail -n 1 "$DEMO_TMP/r$n-$c.json")" '.rounds[$r][$c] = $v' <<<"$json")
		done
		json=$(jq --arg r "${ROUNDS[n - 1]}" --arg b "$(bot_bans "$n")" '.rounds[$r].bot_bans = $b' <<<"$json")
	done
	printf '%s\n' "$json" >"$RESULT"
}

on_exit() {
	sg_stop
	[ -n "$REDIS_PID" ] && stop_pid "$REDIS_PID"
	lab_down
	local k
	for k in $(seq 1 "$GATEWAYS"); do rm -rf "$(pin "$k")"; done
}

main() {
	local n started=$SECONDS
	prereq || exit 1
	trap on_exit EXIT
	trap 'echo; echo "demo: interrupted; removing the lab" >&2; exit 130' INT
	trap 'echo; echo "demo: terminated; removing the lab" >&2; exit 143' TERM
	say "slotguard fleet demo: a bot spread over three gateways, alone or as a fleet"
	say "  booking site   nginx at 10.66.0.10 ($SLOTS slots), behind 3 gateways; the router"
	say "                 spreads connections over them by their L4 hash (ECMP)"
	say "  people         $PERSONS, one address each: load the page, then one try every 3-6 s"
	say "  spreading bot  one address, 12 new connections/s: about 4/s at each gateway"
	say "  slotguard      demo/slotguard.conf on each gateway: 2/s per address (burst 20),"
	say "                 bans at 5 times that; the fleet shares one Redis, sums the"
	say "                 gateways' counts and bans over the budget on all of them"
	say
	sayf 'lab: namespaces sgdemo-*-%s ... ' "$DEMO_ID"
	topology && web_up && redis_up || { echo "demo: the lab did not come up" >&2; exit 1; }
	say "up"
	for n in 1 2 3; do
		run_round "$n" "${ROUNDS[n - 1]}" || { echo "demo: round $n failed" >&2; exit 1; }
	done
	print_table | sed 's/ *$//'
	echo
	echo "The spreading bot's bans (seconds from the slots' opening; slotguard ban list)"
	for n in 2 3; do
		echo "  ${TITLE[${ROUNDS[n - 1]}]}:$(bot_bans "$n")"
	done
	verdict
	[ -n "$RESULT" ] && write_result
	echo
	if [ "$OK" = 1 ]; then
		echo "PROTECTED: $WHY."
	else
		echo "NOT PROTECTED: ${WHY%; }."
	fi
	say "($((SECONDS - started)) s)"
	[ "$OK" = 1 ]
}

main
