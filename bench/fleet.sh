#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Part 4 of `make bench` (issue 12): fleet mode. Two gateways (A, B) share
# a Redis; A gets 1, 100 and 10,000 bans at once (sg_banfill, the core's
# sg_ban_add: what `ban add` does) and each ban's delay to B is read from
# both ban lists (B's import time minus A's ban time, wall clock, ms):
# p50, p99, and how many B imported a second. Then spoofed sources flood A
# (build/tools/sg_spoof): 1, 1,000, 100,000 and 1,000,000 one-frame
# sources, and 1 to 100,000 heavy ones (30 frames each); Redis work per
# sync interval is A's commands sent and Redis's own count of the
# operations it ran (INFO commandstats, script bodies included).
# Usage: bench/fleet.sh RESULTS_DIR QUICK(0|1). Writes RESULTS/fleet.tsv.
# A benchmark, never a test. Only its own namespaces are touched.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RESULTS=$1 QUICK=${2:-0}
SG=$BUILD/slotguard SPOOF=$BUILD/tools/sg_spoof BANFILL=$BUILD/tools/sg_banfill
ID=$$
TX=sgbf-tx-$ID A=sgbf-a-$ID B=sgbf-b-$ID
TMP=$(mktemp -d "/tmp/sgbench-fleet-$ID.XXXXXX")
OUT=$RESULTS/fleet.tsv
declare -A PID=()
REDIS=

say() { echo "bench fleet: $*" >&2; }
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
pin() { echo "/sys/fs/bpf/sgbf-$ID-$1"; }
sg() { local g=$1; shift; in_ns "sgbf-$g-$ID" "$SG" --pin-dir "$(pin "$g")" "$@"; }
rcli() { redis-cli -s "$TMP/redis.sock" "$@"; }
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$OUT"; }

cleanup() {
	local g
	for g in "${!PID[@]}"; do
		kill -TERM "${PID[$g]}" 2>/dev/null
		wait "${PID[$g]}" 2>/dev/null
	done
	[ -n "$REDIS" ] && { kill -TERM "$REDIS" 2>/dev/null; wait "$REDIS" 2>/dev/null; }
	for ns in "$TX" "$A" "$B"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$(pin a)" "$(pin b)" "$TMP"
}
trap cleanup EXIT

wait_for() { # SECONDS CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

lab() {
	local g
	for ns in "$TX" "$A" "$B"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip link add "sgbf$ID-t" type veth peer name "sgbf$ID-a" &&
		ip link set "sgbf$ID-t" netns "$TX" && ip link set "sgbf$ID-a" netns "$A" &&
		ip -n "$TX" addr add 10.203.0.2/24 dev "sgbf$ID-t" &&
		ip -n "$A" addr add 10.203.0.1/24 dev "sgbf$ID-a" &&
		ip -n "$TX" link set "sgbf$ID-t" up && ip -n "$A" link set "sgbf$ID-a" up &&
		ip -n "$B" link add "sgbf$ID-b" type veth peer name "sgbf$ID-c" &&
		ip -n "$B" link set "sgbf$ID-b" up && ip -n "$B" link set "sgbf$ID-c" up ||
		return 1
	redis-server --port 0 --unixsocket "$TMP/redis.sock" --unixsocketperm 700 \
		--save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
	REDIS=$!
	wait_for 5 rcli PING || return 1
	for g in a b; do
		mkdir -p "$TMP/state-$g"
		cat >"$TMP/$g.conf" <<EOF
[slotguard]
interfaces = sgbf$ID-$([ "$g" = a ] && echo a || echo b)
mode = enforce
metrics_listen = 127.0.0.1:9717
pin_dir = $(pin "$g")
state_dir = $TMP/state-$g
max_tracked_sources = 1048576
[service booking]
protocol = tcp
port = 8443
[source]
conn_rate = 5/s
conn_burst = 10
[subnet]
conn_rate = 100000/s
conn_burst = 100000
packet_rate = off
[ban]
after = 65535
window = 2s
max_bans = 1048576
[fleet]
redis = $TMP/redis.sock
gateway = gw-$g
EOF
		in_ns "sgbf-$g-$ID" "$SG" --pin-dir "$(pin "$g")" run -c "$TMP/$g.conf" \
			>"$TMP/$g.log" 2>&1 &
		PID[$g]=$!
	done
	for g in a b; do
		wait_for 15 fleet_up "$g" || { say "gateway $g: $(tail -3 "$TMP/$g.log")"; return 1; }
	done
}

metric() { # GW NAME
	in_ns "sgbf-$1-$ID" curl -sf --max-time 5 http://127.0.0.1:9717/metrics |
		awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }'
}
fleet_up() { [ "$(metric "$1" slotguard_fleet_connected)" = 1 ]; }

# propagation N : N bans on A, each timed to B.
propagation() {
	local n=$1 skip=$2 t0
	t0=$(date +%s%3N)
	in_ns "$A" "$BANFILL" --pin-dir "$(pin a)" --src 10.150.0.0 --skip "$skip" \
		--count "$n" --for 1h --json >"$TMP/fill.json" || return 1
	has_all() {
		[ "$(sg b ban list --json | jq --arg p "10.15" '[.bans[] | select(.prefix | startswith($p))] | length')" -ge "$((skip + n))" ]
	}
	wait_for 120 has_all || { say "B has not all $n bans"; return 1; }
	sg a ban list --json >"$TMP/a.json" && sg b ban list --json >"$TMP/b.json" || return 1
	python3 - "$TMP/a.json" "$TMP/b.json" "$n" "$t0" <<'PY' >>"$OUT"
import json, sys, datetime
def ms(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
a = {b["prefix"]: ms(b["since"]) for b in json.load(open(sys.argv[1]))["bans"]}
b = {x["prefix"]: ms(x["since"]) for x in json.load(open(sys.argv[2]))["bans"]}
n, t0 = int(sys.argv[3]), int(sys.argv[4])
new = sorted((p for p in a if p in b and a[p] >= t0 - 1000), key=lambda p: a[p])[-n:]
d = sorted(b[p] - a[p] for p in new)
q = lambda f: d[min(len(d) - 1, int(f * len(d)))]
span = max(b[p] for p in new) - min(b[p] for p in new)
print("propagation\t%d_p50_ms\t%.0f" % (n, q(0.5)))
print("propagation\t%d_p99_ms\t%.0f" % (n, q(0.99)))
print("propagation\t%d_max_ms\t%.0f" % (n, d[-1]))
if n > 1:
    print("imports\t%d_per_s\t%.0f" % (n, (n - 1) * 1000 / span if span else 0))
PY
}

redis_ops() { # total calls Redis ran (commands and their scripts' calls)
	rcli INFO commandstats | awk -F'[:=,]' '/^cmdstat_/ { n += $3 } END { print n + 0 }'
}

# flood NAME SOURCES PER_SOURCE : spoofed SYNs at A; Redis work per sync.
flood() {
	local name=$1 n=$2 k=$3 c0 r0 rep0 t0 c1 r1 rep1 t1 mac intervals
	mac=$(ip -n "$A" -j link show dev "sgbf$ID-a" | jq -r '.[0].address')
	sleep 3 # a new ban window (2 s): what came before is idle
	c0=$(metric a slotguard_fleet_redis_commands_total)
	rep0=$(metric a slotguard_fleet_reports_total)
	r0=$(redis_ops)
	t0=$(date +%s%3N)
	in_ns "$TX" "$SPOOF" --dev "sgbf$ID-t" --dst-mac "$mac" --dst 10.203.0.1 \
		--src 10.160.0.0 --sources "$n" --per-source "$k" --dport 8443 \
		>"$TMP/spoof.json" 2>&1 || { say "sg_spoof: $(cat "$TMP/spoof.json")"; return 1; }
	sleep 1 # the last sync after the flood
	c1=$(metric a slotguard_fleet_redis_commands_total)
	rep1=$(metric a slotguard_fleet_reports_total)
	r1=$(redis_ops)
	t1=$(date +%s%3N)
	intervals=$(((t1 - t0) / 250))
	row flood "${name}_seconds" "$(((t1 - t0) / 100))e-1"
	row flood "${name}_frames" "$(jq -r .frames "$TMP/spoof.json" 2>/dev/null || echo ?)"
	row flood "${name}_gateway_commands_per_sync" "$(python3 -c "print('%.2f' % (($c1 - $c0) / $intervals))")"
	row flood "${name}_redis_ops_per_sync" "$(python3 -c "print('%.2f' % (($r1 - $r0) / $intervals))")"
	row flood "${name}_prefixes_reported" "$((rep1 - rep0))"
}

: >"$OUT"
lab || { say "lab failed"; exit 1; }
row setup gateways 2
skip=0
for n in 1 100 10000; do
	[ "$QUICK" = 1 ] && [ "$n" = 10000 ] && n=1000
	say "propagation of $n bans"
	propagation "$n" "$skip" || exit 1
	skip=$((skip + n))
done
# The idle cost: heartbeats and clock only.
c0=$(metric a slotguard_fleet_redis_commands_total) r0=$(redis_ops)
sleep 5
row idle gateway_commands_per_sync "$(python3 -c "print('%.2f' % (($(metric a slotguard_fleet_redis_commands_total) - $c0) / 20))")"
row idle redis_ops_per_sync "$(python3 -c "print('%.2f' % (($(redis_ops) - $r0) / 20))")"
if [ "$QUICK" = 1 ]; then
	sizes="1 1000" heavy="1 1000"
else
	sizes="1 1000 100000 1000000" heavy="1 1000 100000"
fi
for n in $sizes; do
	say "flood: $n one-frame sources"
	flood "spoof1_$n" "$n" 1 || exit 1
done
for n in $heavy; do
	say "flood: $n heavy sources (30 frames each)"
	flood "heavy30_$n" "$n" 30 || exit 1
done
row setup threshold "$(sg a status --json | jq -r .fleet.report_conn_threshold)"
exit 0
