#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Faults: `allow replace` killed at random points keeps a whole list and
# never drops an allowlisted client; a daemon killed under a flood leaves
# the filter enforcing and its successor finds bans, lists and counters; a
# flood of 1,000,000 spoofed sources cannot evict bans or lists nor grow
# memory; a full ban table or list is reported and nothing half-applied.
. "$(dirname "$0")/../lib/integ.sh"

SG_SPOOF=$BUILD/tools/sg_spoof

TESTS=(faults-replace-kill-whole-list faults-replace-kill-landed-mid-replace
	faults-replace-kill-client-v4 faults-replace-kill-client-v6
	faults-replace-kill-client-never-dropped faults-replace-after-kills
	faults-daemon-kill-filter-attached faults-daemon-kill-flood-still-cut
	faults-daemon-kill-allowlisted-passes faults-daemon-restart-under-flood
	faults-daemon-restart-keeps-bans faults-daemon-restart-keeps-lists
	faults-daemon-restart-keeps-counters faults-daemon-restart-still-enforcing
	faults-spoof-flood-reached-filter faults-spoof-tracking-bounded
	faults-spoof-bans-intact faults-spoof-lists-intact
	faults-spoof-allowlisted-never-dropped faults-ban-table-full-fails-safe
	faults-ban-add-table-full-reported faults-list-full-add-reported
	faults-list-full-add-all-or-nothing)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
if [ ! -x "$SG_SPOOF" ]; then
	skip_all "no $SG_SPOOF (run make)" "${TESTS[@]}"
	exit 0
fi
lab_up allow bot spoof || { fail faults-lab "the lab did not come up"; exit 1; }
allow4=$(lab_client_addr allow) allow6=$(lab_client_addr allow 6)
allow_if=$(lab_gw_if allow) bot_if=$(lab_gw_if bot) spoof_if=$(lab_gw_if spoof)
conf=$LAB_TMP/sg.conf

# Lists only through the CLI, so that a restart must take them from the
# pins. The gateway drops what comes from sources it has no route back to
# (reverse-path filter), as a gateway would: the spoofed SYNs end after
# XDP instead of filling the service's SYN queue.
CONF_LISTS=no lab_conf "$conf"
in_ns "$LAB_GW" sysctl -qw net.ipv4.conf.all.rp_filter=1 \
	"net.ipv4.conf.$spoof_if.rp_filter=1"
sg_run_daemon "$conf" || { fail faults-daemon "slotguard run did not start"; exit 1; }
gw_mac=$(ip -n "$LAB_GW" -j link show dev "$spoof_if" | jq -r '.[0].address')

# spoof 4|6 ARGS... : sg_spoof from the spoof client's veth to the service.
spoof() {
	local fam=$1
	shift
	in_ns "$(lab_ns spoof)" "$SG_SPOOF" --dev "$(lab_client_if spoof)" \
		--dst-mac "$gw_mac" --dst "$(lab_gw_addr spoof "$fam")" \
		--dport "$LAB_PORT" "$@"
}

# family_of 4|6 : the lines of stdin of one family (IPv6 has a ':').
family_of() {
	if [ "$1" = 6 ]; then grep ':'; else grep -v ':'; fi
	return 0
}

# allow_family 4|6 : the allowlist's entries of one family, sorted.
allow_family() {
	sg allow list | family_of "$1" | LC_ALL=C sort
}

# counters : "iface verdict reason packets" lines, every counter.
counters() {
	sg stats --json | jq -r '.interfaces[] | .name as $i | .counters[] |
		"\($i) \(.verdict) \(.reason) \(.packets)"' | LC_ALL=C sort
}

# iface_total IFACE : every packet counted on one interface.
iface_total() {
	jqr "$(sg stats --json)" --arg i "$1" \
		'[.interfaces[] | select(.name == $i) | .counters[].packets] | add // 0'
}

# ban_lines : "cidr reason manual" of every ban the table holds.
ban_lines() {
	sg ban list --all --json | jq -r '.bans[] | "\(.prefix) \(.budget) \(.note) \(.origin)"' |
		LC_ALL=C sort
}

# lists_text : both lists, one line per entry, prefixed by the list.
lists_text() {
	{
		sg allow list | sed 's/^/allow /'
		sg deny list | sed 's/^/deny /'
	} | LC_ALL=C sort
}

# missing BEFORE AFTER : lines of BEFORE that AFTER lacks.
missing() {
	LC_ALL=C comm -23 <(printf '%s\n' "$1" | LC_ALL=C sort) \
		<(printf '%s\n' "$2" | LC_ALL=C sort) | grep -v '^$'
}

# counters_went_down BEFORE AFTER : counters that are lower after.
counters_went_down() {
	local key n
	declare -A was=()
	while read -r i v r n; do
		was["$i $v $r"]=$n
	done <<<"$1"
	while read -r i v r n; do
		key="$i $v $r"
		[ -n "${was[$key]:-}" ] && [ "$n" -lt "${was[$key]}" ] &&
			echo "$key: ${was[$key]} -> $n"
		unset "was[$key]"
	done <<<"$2"
	for key in "${!was[@]}"; do
		echo "$key: ${was[$key]} -> gone"
	done
	return 0
}

# ======== 1. allow replace of 100,000 entries killed at random points
# Both files hold the allowlisted client (its /32 and /128) and 99,999+
# other entries from ranges that do not contain it.
gen_list() { # FILE V4_BASE_OCTET V6_PREFIX
	{
		echo "$allow4/32"
		echo "$allow6/128"
		awk -v b="$2" -v p="$3" 'BEGIN {
			for (i = 0; i < 90000; i++)
				printf "10.%d.%d.%d/32\n", b + int(i / 65536), int(i / 256) % 256, i % 256
			for (i = 1; i <= 10000; i++)
				printf "%s::%x/128\n", p, i
		}'
	} >"$1"
	family_of 4 <"$1" | LC_ALL=C sort >"$1.v4"
	family_of 6 <"$1" | LC_ALL=C sort >"$1.v6"
}
gen_list "$LAB_TMP/list-a.txt" 64 fd00:5a:a0
gen_list "$LAB_TMP/list-b.txt" 96 fd00:5a:b0

# which_list 4|6 : a, b or "neither (N entries)" for the live allowlist.
which_list() {
	allow_family "$1" >"$LAB_TMP/now.v$1"
	if cmp -s "$LAB_TMP/now.v$1" "$LAB_TMP/list-a.txt.v$1"; then
		echo a
	elif cmp -s "$LAB_TMP/now.v$1" "$LAB_TMP/list-b.txt.v$1"; then
		echo b
	else
		echo "neither($(wc -l <"$LAB_TMP/now.v$1") entries)"
	fi
}

# How long a whole replace takes (the faster of two), so that the kills
# can land at random points inside one.
t0=$(lab_now_ms)
sg allow replace "$LAB_TMP/list-b.txt" >/dev/null
t1=$(lab_now_ms)
sg allow replace "$LAB_TMP/list-a.txt" >/dev/null
t2=$(lab_now_ms)
replace_ms=$((t1 - t0 < t2 - t1 ? t1 - t0 : t2 - t1))
setup="$(which_list 4)/$(which_list 6)"
note "allow replace of 100,002 entries takes $replace_ms ms; kills land at random from its start to 20% past its end"

traffic_bg "$LAB_TMP/kill4.json" allow --count 1400 --rate 100/s
t4=$TRAFFIC_PID
traffic_bg "$LAB_TMP/kill6.json" allow --family 6 --count 700 --rate 50/s
t6=$TRAFFIC_PID
rounds=0 killed=0 torn='' mixed=0 swapped=0 cur=a
while [ "$rounds" -lt 16 ]; do
	rounds=$((rounds + 1))
	next=$([ "$cur" = a ] && echo b || echo a)
	delay_ms=$((RANDOM % (replace_ms * 12 / 10 + 1)))
	nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN" \
		allow replace "$LAB_TMP/list-$next.txt" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	{
		kill -KILL "$pid"
		wait "$pid"
		rc=$?
	} 2>/dev/null
	[ "$rc" = 137 ] && killed=$((killed + 1))
	s4=$(which_list 4) s6=$(which_list 6)
	case "$s4 $s6" in
	"a a" | "b b") ;;
	"a b" | "b a") mixed=$((mixed + 1)) ;;
	*) torn+="round $rounds (killed after $delay_ms ms, exit $rc): v4 $s4, v6 $s6; " ;;
	esac
	[ "$s4" = "$next" ] && swapped=$((swapped + 1))
	# The next round replaces whatever the IPv4 list is now by the other.
	[ "$s4" = b ] && cur=b || cur=a
done
wait_pid 30 "$t4"
wait_pid 30 "$t6"
note "$rounds replaces, $killed killed before they finished, $swapped swapped IPv4 to the new file, $mixed left IPv4 and IPv6 from different files (the swap is atomic per family)"
check faults-replace-kill-whole-list "after a killed replace each family must be wholly the old or the new file (after a clean replace: $setup): $torn" \
	[ -z "$torn" -a "$setup" = a/a ]
check faults-replace-kill-landed-mid-replace "only $killed of $rounds kills came before the replace finished ($replace_ms ms)" \
	[ "$killed" -ge 3 ]
for fam in 4 6; do
	out=$(cat "$LAB_TMP/kill$fam.json")
	want=$((fam == 4 ? 1400 : 700))
	check faults-replace-kill-client-v$fam "the allowlisted client (IPv$fam) while replaces were killed: $out" \
		[ "$(jqr "$out" .attempted)" = "$want" -a "$(jqr "$out" .failed)" = 0 ]
done
stats=$(sg stats --json)
dropped=$(stat_iface_not_pass "$stats" "$allow_if")
charged=$(stat_iface_charged "$stats" "$allow_if")
check faults-replace-kill-client-never-dropped "on $allow_if: $dropped packets dropped or would-be dropped, $charged charged to a budget (both must be 0)" \
	[ "$dropped" = 0 -a "$charged" = 0 ]
sg allow replace "$LAB_TMP/list-b.txt" >"$LAB_TMP/after.out" 2>&1
rc=$?
check faults-replace-after-kills "a clean replace after the kills: exit $rc ($(head -c 200 "$LAB_TMP/after.out")), now $(which_list 4)/$(which_list 6)" \
	[ "$rc" = 0 -a "$(which_list 4)/$(which_list 6)" = b/b ]
printf '%s/32\n%s/128\n10.200.250.0/24\nfd00:5a:fa::/48\n' "$allow4" "$allow6" >"$LAB_TMP/allow-small.txt"
sg allow replace "$LAB_TMP/allow-small.txt" >/dev/null
rm -f "$LAB_TMP"/list-?.txt*

# ======== 2. kill -9 of the daemon under a flood, and a restart under it
sg deny add 10.200.251.7 fd00:5a:fb::/64 >/dev/null
sg ban add 10.200.252.0/24 --for 10m --reason faults-manual >/dev/null
sg ban add fd00:5a:fc::/48 --for 10m --reason faults-manual6 >/dev/null
traffic_bg "$LAB_TMP/flood.json" bot --count 2000 --rate 200/s
flood=$TRAFFIC_PID
traffic_bg "$LAB_TMP/daemon4.json" allow --count 1000 --rate 100/s
tallow=$TRAFFIC_PID
ns_bg "$(lab_ns spoof)" "$LAB_TMP/spoof2.json" "$SG_SPOOF" --dev "$(lab_client_if spoof)" \
	--dst-mac "$gw_mac" --dst "$(lab_gw_addr spoof)" --dport "$LAB_PORT" \
	--src 10.144.0.0 --sources 400000 --pps 40000
spoof_pid=$BG_PID
sleep 3
sg_stop_daemon KILL
bans_kill=$(ban_lines) lists_kill=$(lists_text) counters_kill=$(counters)
drops_kill=$(stat_iface_not_pass "$(sg stats --json)" "$bot_if")
check faults-daemon-kill-filter-attached "no XDP program on $(lab_ifaces) after kill -9 under the flood" \
	lab_xdp_attached_all
after_kill=$(traffic bot --count 100 --rate 100/s)
wait_pid 20 "$flood"
drops_end=$(stat_iface_not_pass "$(sg stats --json)" "$bot_if")
out=$(cat "$LAB_TMP/flood.json")
if [ "$(jqr "$after_kill" .succeeded)" = 0 ] && [ "$(jqr "$out" .succeeded)" -le 20 ] &&
	[ "$((drops_end - drops_kill))" -ge 500 ]; then
	pass faults-daemon-kill-flood-still-cut
else
	fail faults-daemon-kill-flood-still-cut "bot flood of 2000 at 200/s, daemon killed at 3 s: flood $out; 100 more after the kill: $after_kill; bot drops $drops_kill at the kill, $drops_end at the end"
fi
# A restart while the spoofed flood still runs.
if sg_run_daemon "$conf" 2>"$LAB_TMP/rerun.err"; then
	pass faults-daemon-restart-under-flood
else
	fail faults-daemon-restart-under-flood "slotguard run did not come up again under the flood: $(head -c 300 "$LAB_TMP/rerun.err")"
	exit 1
fi
wait_pid 30 "$spoof_pid"
wait_pid 20 "$tallow"
out=$(cat "$LAB_TMP/daemon4.json")
dropped=$(stat_iface_not_pass "$(sg stats --json)" "$allow_if")
check faults-daemon-kill-allowlisted-passes "the allowlisted client through kill and restart: $out; dropped on $allow_if: $dropped" \
	[ "$(jqr "$out" .failed)" = 0 -a "$dropped" = 0 ]
lost=$(missing "$bans_kill" "$(ban_lines)")
if [ -n "$bans_kill" ] && grep -q faults-manual6 <<<"$bans_kill" &&
	grep -q "$(lab_client_addr bot)/32" <<<"$bans_kill" && [ -z "$lost" ]; then
	pass faults-daemon-restart-keeps-bans
else
	fail faults-daemon-restart-keeps-bans "bans at the kill: $(tr '\n' ';' <<<"$bans_kill" | head -c 400); lost in the restart: $lost"
fi
now=$(lists_text)
check faults-daemon-restart-keeps-lists "lists at the kill: $(tr '\n' ';' <<<"$lists_kill"); after the restart: $(tr '\n' ';' <<<"$now")" \
	[ -n "$lists_kill" -a "$lists_kill" = "$now" ]
down=$(counters_went_down "$counters_kill" "$(counters)")
check faults-daemon-restart-keeps-counters "counters lower after the restart than at the kill: $down" \
	[ -n "$counters_kill" -a -z "$down" ]
b=$(traffic bot --count 5 --rate 10/s)
a=$(traffic allow --count 5 --rate 10/s)
check faults-daemon-restart-still-enforcing "after the restart: banned bot $b, allowlisted client $a" \
	[ "$(jqr "$b" .succeeded)" = 0 -a "$(jqr "$a" .succeeded)" = 5 ]

# ======== 3. 1,000,000 spoofed sources against a full tracking table
track_map() {
	bpftool -j map show pinned "$LAB_PIN/sg_track" | jq -c '{max_entries, bytes_memlock}'
}
track0=$(track_map)
bans0=$(ban_lines) lists0=$(lists_text)
spoof 4 --src 10.128.0.0 --sources 100000 >/dev/null
fill=$(sg status --json | jq -c .maps.tracked_sources)
note "tracking table before the flood: $fill (max_tracked_sources = 65536)"
total0=$(iface_total "$spoof_if")
traffic_bg "$LAB_TMP/spoof4.json" allow --count 1000 --rate 100/s
t4=$TRAFFIC_PID
traffic_bg "$LAB_TMP/spoof6.json" allow --family 6 --count 500 --rate 50/s
t6=$TRAFFIC_PID
flood4=$(spoof 4 --src 10.128.0.0 --sources 1000000)
flood6=$(spoof 6 --src fd00:5a:8000:: --sources 200000)
wait_pid 30 "$t4"
wait_pid 30 "$t6"
total1=$(iface_total "$spoof_if")
note "floods: IPv4 $flood4, IPv6 $flood6; counted on $spoof_if: $((total1 - total0))"
check faults-spoof-flood-reached-filter "the XDP program counted $((total1 - total0)) frames on $spoof_if for 1,200,000 sent ($flood4 $flood6)" \
	[ "$((total1 - total0))" -ge 1200000 ]
track1=$(track_map)
fill=$(sg status --json | jq -c .maps.tracked_sources)
if [ "$track0" = "$track1" ] && [ "$(jqr "$track1" .max_entries)" = 65536 ] &&
	[ "$(jqr "$fill" .entries)" -le "$(jqr "$fill" .max_entries)" ] &&
	[ "$(jqr "$fill" .max_entries)" = 65536 ] && [ "$(jqr "$fill" .entries)" -ge 32768 ]; then
	pass faults-spoof-tracking-bounded
else
	fail faults-spoof-tracking-bounded "sg_track before $track0, after $track1; status --json tracked_sources $fill (want max 65536 = max_tracked_sources, entries <= max, and the table in use)"
fi
lost=$(missing "$bans0" "$(ban_lines)")
check faults-spoof-bans-intact "bans lost to the flood: $lost" [ -n "$bans0" -a -z "$lost" ]
now=$(lists_text)
check faults-spoof-lists-intact "lists before: $(tr '\n' ';' <<<"$lists0"); after: $(tr '\n' ';' <<<"$now")" \
	[ -n "$lists0" -a "$lists0" = "$now" ]
o4=$(cat "$LAB_TMP/spoof4.json") o6=$(cat "$LAB_TMP/spoof6.json")
stats=$(sg stats --json)
dropped=$(stat_iface_not_pass "$stats" "$allow_if")
charged=$(stat_iface_charged "$stats" "$allow_if")
if [ "$(jqr "$o4" .failed)" = 0 ] && [ "$(jqr "$o4" .attempted)" = 1000 ] &&
	[ "$(jqr "$o6" .failed)" = 0 ] && [ "$(jqr "$o6" .attempted)" = 500 ] &&
	[ "$dropped" = 0 ] && [ "$charged" = 0 ]; then
	pass faults-spoof-allowlisted-never-dropped
else
	fail faults-spoof-allowlisted-never-dropped "allowlisted client during the flood: IPv4 $o4, IPv6 $o6; on $allow_if dropped $dropped, charged $charged"
fi

# ======== 4. full tables
# The ban table through its real writer, the XDP program: one
# connection a source an hour, banned at the first offence, no subnet
# limit to speak of; 70,000 sources go over once each.
CONF_LISTS=no CONF_CONN_RATE=1/h CONF_CONN_BURST=1 CONF_BAN_AFTER=1 \
	CONF_SUBNET_CONN_RATE=10000000/s CONF_SUBNET_CONN_BURST=10000000 \
	lab_conf "$LAB_TMP/banhappy.conf"
cp "$LAB_TMP/banhappy.conf" "$conf"
from=$(wc -c <"$SG_DAEMON_LOG")
kill -HUP "$SG_DAEMON_PID"
wait_until 5 sh -c "tail -c +$((from + 1)) '$SG_DAEMON_LOG' | grep -q reloaded" ||
	note "no 'reloaded' in the daemon's log 5 s after SIGHUP: $(tail -c 300 "$SG_DAEMON_LOG")"
s0=$(sg stats --json)
rate0=$(stat_packets "$s0" drop conn_rate)
spoof 4 --src 10.160.0.0 --sources 70000 --per-source 2 >/dev/null
s1=$(sg stats --json)
rate1=$(stat_packets "$s1" drop conn_rate)
failures=$(jqr "$s1" '.ban_failures // 0')
# One table holds the bans of both families (and any manual ones).
nbans=$(sg ban list --all --json | jq '.bans | length')
metric=$(in_ns "$LAB_GW" curl -s --max-time 5 "http://$SG_DAEMON_METRICS/metrics" |
	sed -n 's/^slotguard_ban_failures_total //p')
if [ "$nbans" = 65536 ] && [ "$failures" -gt 0 ] && [ "${metric:-0}" -gt 0 ] &&
	[ "$((rate1 - rate0))" -ge 70000 ] && sg_daemon_alive; then
	pass faults-ban-table-full-fails-safe
else
	fail faults-ban-table-full-fails-safe "70,000 sources over budget: bans $nbans (the table holds 65536), ban_failures $failures (metric $metric), drop/conn_rate +$((rate1 - rate0)) (want >= 70000: unbanned sources still cut), alive: $(sg_daemon_alive && echo yes || echo no)"
fi
bans_full=$(ban_lines)
err=$(sg ban add 198.18.7.7 --for 1h --reason faults-full 2>&1 >/dev/null)
rc=$?
now=$(ban_lines)
if [ "$rc" = 1 ] && grep -q 'ban table is full' <<<"$err" && grep -q 198.18.7.7 <<<"$err" &&
	[ "$now" = "$bans_full" ]; then
	pass faults-ban-add-table-full-reported
else
	fail faults-ban-add-table-full-reported "ban add into a full table: exit $rc (want 1), '$err'; ban table changed: $([ "$now" = "$bans_full" ] && echo no || echo yes)"
fi

# Full sets: all sets share one trie of 1,048,576 entries a family, so
# the allowlist takes what the denylist leaves (the client among them),
# then one more.
deny4=$(jqr "$(sg status --json)" .maps.lists.deny.ipv4)
room=$((1048576 - deny4))
{
	echo "$allow4/32"
	awk -v n=$((room - 1)) 'BEGIN { for (i = 0; i < n; i++)
		printf "11.%d.%d.%d/32\n", int(i / 65536), int(i / 256) % 256, i % 256 }'
} >"$LAB_TMP/full.txt"
v4_entries() { jqr "$(sg status --json)" .maps.lists.allow.ipv4; }
out=$(sg allow replace "$LAB_TMP/full.txt" 2>&1)
rc=$?
n0=$(v4_entries)
err=$(sg allow add 198.18.0.1 2>&1 >/dev/null)
rc1=$?
n1=$(v4_entries)
if [ "$rc" = 0 ] && [ "$n0" = "$room" ] && [ "$rc1" = 1 ] &&
	grep -q 'list is full' <<<"$err" && grep -q 198.18.0.1 <<<"$err" && [ "$n1" = "$n0" ]; then
	pass faults-list-full-add-reported
else
	fail faults-list-full-add-reported "allow replace of $room IPv4 entries ($deny4 on the denylist): exit $rc ($(head -c 200 <<<"$out")), $n0 entries; allow add one more: exit $rc1 (want 1), '$err', $n1 entries after"
fi
# Room for one: `allow add A B` must add both or neither.
sg allow del 11.0.0.0/32 >/dev/null
rc0=$?
err=$(sg allow add 198.18.0.1 198.18.0.2 2>&1 >/dev/null)
rc=$?
n1=$(v4_entries)
if [ "$rc0" = 0 ] && [ "$rc" = 1 ] && [ "$n1" = $((room - 1)) ]; then
	pass faults-list-full-add-all-or-nothing
else
	fail faults-list-full-add-all-or-nothing "room for one entry ($((room - 1)) IPv4 entries; allow del exit $rc0), 'allow add 198.18.0.1 198.18.0.2': exit $rc (want 1), '$err'; entries after: $n1 (want $((room - 1)): nothing half-applied)"
fi
sg allow replace "$LAB_TMP/allow-small.txt" >/dev/null
rm -f "$LAB_TMP/full.txt"

exit 0
