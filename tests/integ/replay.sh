#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `slotguard replay` against the real thing: a round in the veth lab with
# slotguard enforcing, recorded by tcpdump on the clients' side of the
# link (upstream of the filter, so the frames it dropped are in the
# capture), then replayed with the same config. The replay must make the
# live round's bans: same prefixes, same budgets, same order. A tighter
# config side by side drops more, --allow-check names the person it
# would hurt (exit 4), --json validates, bad captures are refused (exit 2,
# naming frame and byte), and nothing is pinned or attached by a replay.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(replay-capture-recorded replay-live-bans-reproduced replay-tighter-drops-more
	replay-allow-check-names-person replay-json-validates replay-bad-capture-refused
	replay-touches-nothing)

lab_need_daemon "${TESTS[@]}" || exit 0
command -v tcpdump >/dev/null || { skip_all "needs tcpdump (make deps)" "${TESTS[@]}"; exit 0; }
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	{ skip_all "needs python3-jsonschema (make deps)" "${TESTS[@]}"; exit 0; }
lab_up mix || { fail replay-lab "the lab did not come up"; exit 1; }

# Everyone sends from the one client namespace, so one capture on its
# link sees every frame: six people in 10.200.1.0/24, a fast bot on the
# namespace's own address, a farm of 20 addresses in 10.201.7.0/24 (routed
# through the link) and an IPv6 bot.
k=$(lab_k mix)
ns=$(lab_ns mix)
cif=$(lab_client_if mix)
people=$(lab_add_addrs mix 6 | sed -n 1p)
farm=
for i in $(seq 10 29); do
	ip -n "$ns" addr add "10.201.7.$i/24" dev "$cif" || exit 1
	farm+="${farm:+,}10.201.7.$i"
done
ip -n "$LAB_GW" route add 10.201.7.0/24 dev "$(lab_gw_if mix)" || exit 1

CONF_CONN_RATE=5/s CONF_CONN_BURST=10 CONF_SUBNET_CONN_RATE=20/s \
	CONF_SUBNET_CONN_BURST=40 CONF_BAN_AFTER=3 CONF_BAN_TIME=5m \
	lab_conf "$LAB_TMP/live.conf"
# Tighter for people: a burst of 2 and one connection a minute.
sed -e 's|^conn_rate = 5/s$|conn_rate = 1/m|' -e 's|^conn_burst = 10$|conn_burst = 2|' \
	"$LAB_TMP/live.conf" >"$LAB_TMP/tight.conf"
sg_run_daemon "$LAB_TMP/live.conf" || { fail replay-daemon "slotguard run did not start"; exit 1; }

# Only what the clients send, cut at 200 bytes (a snap length replay pads).
PCAP=$LAB_TMP/round.pcap
ns_bg "$ns" "$LAB_TMP/tcpdump.log" tcpdump -i "$cif" -Q out -U -s 200 -w "$PCAP" "tcp port $LAB_PORT"
TCPDUMP_PID=$BG_PID
wait_until 5 grep -q 'listening on' "$LAB_TMP/tcpdump.log" || {
	fail replay-capture-recorded "tcpdump did not start: $(cat "$LAB_TMP/tcpdump.log")"
	exit 1
}

# The round: the farm from t=0 (banned by its /24's budget after ~2 s),
# the fast bot from t=3.5 s, the IPv6 bot from t=5.5 s, people throughout.
t0=$(lab_now_ms)
traffic_bg "$LAB_TMP/people.json" mix --count 48 --rate 6/s --sources "$people"
people_pid=$TRAFFIC_PID
traffic_bg "$LAB_TMP/farm.json" mix --count 160 --rate 40/s --sources "$farm"
farm_pid=$TRAFFIC_PID
sleep 3.5
traffic_bg "$LAB_TMP/fast.json" mix --count 100 --rate 100/s
fast_pid=$TRAFFIC_PID
sleep 2
traffic_bg "$LAB_TMP/v6.json" mix --family 6 --count 100 --rate 100/s
v6_pid=$TRAFFIC_PID
for p in "$people_pid" "$farm_pid" "$fast_pid" "$v6_pid"; do
	wait_pid 20 "$p"
done
note "round of $(($(lab_now_ms) - t0)) ms"
sleep 0.3
kill -INT "$TCPDUMP_PID"
wait_pid 5 "$TCPDUMP_PID"
frames=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$LAB_TMP/tcpdump.log")
check replay-capture-recorded "tcpdump: $(tr '\n' ' ' <"$LAB_TMP/tcpdump.log")" \
	[ -s "$PCAP" ] && [ "${frames:-0}" -gt 300 ]

# Live bans in the order made: by `since`.
live=$(sg ban list --json | jq -c '[.bans | sort_by(.since)[] | [.prefix, .budget]]')
sg_stop_daemon TERM
pins_before=$(ls /sys/fs/bpf | sort)

# replay ARGS... : slotguard replay on the host (it needs no lab), output
# in $LAB_TMP/replay.out, stderr in replay.err, status in $RC.
replay() {
	"$SG_BIN" replay "$@" >"$LAB_TMP/replay.out" 2>"$LAB_TMP/replay.err"
	RC=$?
}

replay -c "$LAB_TMP/live.conf" --json "$PCAP"
replayed=$(jq -c '[.configs[0].bans[] | [.prefix, .budget]]' "$LAB_TMP/replay.out" 2>/dev/null)
note "live bans:     $live"
note "replayed bans: $replayed"
if [ "$RC" = 0 ] && [ "$(jq length <<<"$live")" -ge 3 ] && [ "$live" = "$replayed" ]; then
	pass replay-live-bans-reproduced
else
	fail replay-live-bans-reproduced "exit $RC; live $live, replayed $replayed; $(head -c 300 "$LAB_TMP/replay.err")"
fi
out=$("$LAB_ROOT/tests/lib/schema_check.py" "$LAB_ROOT/docs/slotguard.schema.json" replay "$LAB_TMP/replay.out" 2>&1)
why=$out
# The side by side with --allow-check, validated too.
printf '# the people of the round\n%s\n' "${people//,/$'\n'}" >"$LAB_TMP/people.txt"
replay -c "$LAB_TMP/live.conf" -c "$LAB_TMP/tight.conf" --json \
	--allow-check "$LAB_TMP/people.txt" "$PCAP"
cp "$LAB_TMP/replay.out" "$LAB_TMP/side.json"
side_rc=$RC
out=$("$LAB_ROOT/tests/lib/schema_check.py" "$LAB_ROOT/docs/slotguard.schema.json" replay "$LAB_TMP/side.json" 2>&1)
why+=$out
check replay-json-validates "$why" [ -z "$why" ]

d0=$(jq '.configs[0].dropped' "$LAB_TMP/side.json")
d1=$(jq '.configs[1].dropped' "$LAB_TMP/side.json")
check replay-tighter-drops-more "dropped with live.conf $d0, with tight.conf $d1" \
	[ -n "$d0" ] && [ "${d1:-0}" -gt "$d0" ]

# Nobody of the people is dropped by the live config; the tight one drops
# each of them, and says so.
hurt_live=$(jq '[.allow_check.entries[] | select(.configs[0].dropped > 0)] | length' "$LAB_TMP/side.json")
hurt_tight=$(jq '[.allow_check.entries[] | select(.configs[1].dropped > 0)] | length' "$LAB_TMP/side.json")
replay -c "$LAB_TMP/tight.conf" --allow-check "$LAB_TMP/people.txt" "$PCAP"
person=${people%%,*}
if [ "$side_rc" = 4 ] && [ "$RC" = 4 ] && [ "$hurt_live" = 0 ] && [ "$hurt_tight" = 6 ] &&
	grep -q "^  $person/32 .*tight.conf: [1-9][0-9]* of [0-9]* frames dropped" "$LAB_TMP/replay.out"; then
	pass replay-allow-check-names-person
else
	fail replay-allow-check-names-person "exit $side_rc and $RC (want 4), people hurt live $hurt_live (want 0), tight $hurt_tight (want 6); $(grep -A3 allow-check "$LAB_TMP/replay.out" | head -c 300)"
fi

# A capture cut in the middle of a record: refused with where.
size=$(stat -c %s "$PCAP")
head -c $((size - 7)) "$PCAP" >"$LAB_TMP/cut.pcap"
replay -c "$LAB_TMP/live.conf" "$LAB_TMP/cut.pcap"
err=$(cat "$LAB_TMP/replay.err")
replay -c "$LAB_TMP/live.conf" "$LAB_TMP/live.conf"
err2=$(cat "$LAB_TMP/replay.err")
rc2=$RC
replay -c "$LAB_TMP/live.conf" "$LAB_TMP/cut.pcap"
if [ "$RC" = 2 ] && [[ $err == *"cut.pcap: frame $frames at byte "*truncated* ]] &&
	[ "$rc2" = 2 ] && [[ $err2 == *"live.conf: not a capture"* ]]; then
	pass replay-bad-capture-refused
else
	fail replay-bad-capture-refused "exit $RC: '$err'; a config as capture: exit $rc2: '$err2'"
fi

# Other tests may pin their own lab (sgtest-*, sgbench-*) meanwhile.
new_pins=$(comm -13 <(echo "$pins_before") <(ls /sys/fs/bpf | sort) | grep -v '^sg')
check replay-touches-nothing "pinned during the replays: $new_pins" [ -z "$new_pins" ]
exit 0
