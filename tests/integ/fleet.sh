#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Fleet mode with a real redis-server: three gateways behind a router that
# spreads connections by their L4 hash. A bot whose connections spread
# over the three passes three lone gateways and is banned on all of them
# with the fleet; bans of one gateway reach the others (delay measured);
# Redis killed mid-flood and restarted empty is healed; a fourth gateway
# joining late gets the live bans; bad bans written into Redis are refused.
. "$(dirname "$0")/../lib/integ.sh"
. "$(dirname "$0")/../lib/fleet_lab.sh"

SG_FLEET=$BUILD/tools/sg_fleet

TESTS=(fleet-config-check fleet-password-file-mode-refused
	fleet-gcra-burst-then-violations fleet-gcra-ban-record
	fleet-lone-gateways-let-spread-bot-through fleet-connected
	fleet-spread-bot-banned-everywhere fleet-spread-bot-ban-within-1s
	fleet-spread-bot-held-to-budget fleet-people-unaffected
	fleet-under-budget-not-banned
	fleet-local-ban-reaches-others fleet-manual-ban-propagation
	fleet-manual-unban-propagates fleet-local-ban-stays-local
	fleet-allowlist-beats-fleet-ban fleet-bad-bans-refused
	fleet-status-shows-fleet fleet-metrics-promtool
	fleet-slow-redis-never-stalls fleet-redis-killed-enforces-locally
	fleet-redis-restarted-resynced fleet-late-gateway-gets-live-bans)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
for c in redis-server redis-cli promtool; do
	command -v "$c" >/dev/null || { skip_all "needs $c (make deps)" "${TESTS[@]}"; exit 0; }
done
[ -x "$SG_FLEET" ] || { skip_all "no $SG_FLEET (run make)" "${TESTS[@]}"; exit 0; }

flab_up 4 bot people direct flood stall steady || { fail fleet-lab "the fleet lab did not come up"; exit 1; }
# Gateway 4 joins late: out of the multipath route until then.
flab_multipath 1 2 3
flab_redis || { fail fleet-redis "redis-server did not start: $(tail -3 "$LAB_TMP/redis.log")"; exit 1; }

# ---- config: checked, and a password others can read is refused
flab_conf 1 "$LAB_TMP/gw1.conf"
out=$(in_ns "$(flab_gw_ns 1)" "$SG_BIN" config check "$LAB_TMP/gw1.conf" 2>&1)
check fleet-config-check "config check of a [fleet] config: $out" \
	grep -q "^fleet: redis 10.221.1.1:$FLAB_REDIS_PORT as gateway gw1" <<<"$out"
cp "$LAB_TMP/password" "$LAB_TMP/password-open"
chmod 0644 "$LAB_TMP/password-open"
sed "s|^password_file = .*|password_file = $LAB_TMP/password-open|" \
	"$LAB_TMP/gw1.conf" >"$LAB_TMP/open.conf"
out=$(in_ns "$(flab_gw_ns 1)" "$SG_BIN" config check "$LAB_TMP/open.conf" 2>&1)
rc=$?
out2=$(in_ns "$(flab_gw_ns 1)" "$SG_BIN" --pin-dir "$(flab_pin 1)" run -c "$LAB_TMP/open.conf" 2>&1)
rc2=$?
if [ "$rc" = 2 ] && [ "$rc2" = 2 ] && grep -q "password-open.*readable by everyone" <<<"$out" &&
	grep -q "password-open.*readable by everyone" <<<"$out2"; then
	pass fleet-password-file-mode-refused
else
	fail fleet-password-file-mode-refused "mode 0644: config check exit $rc '$out'; run exit $rc2 '$out2'"
fi

# ---- the fleet budget's arithmetic, straight on Redis: 1/h burst 10
charge() {
	flab_redis_cli EVAL "$("$SG_FLEET" script charge)" 0 gcra: gwx 10000 3 1000 \
		60000 3600000 86400000 1 192.0.2.1/32 conn "$1" "$1" 0 3600000000 36000000000 conn_rate
}
charge 10 >/dev/null
v1=$(flab_redis_cli HGET gcra:fb:conn:192.0.2.1/32 v)
charge 2 >/dev/null
v2=$(flab_redis_cli HGET gcra:fb:conn:192.0.2.1/32 v)
made=$(charge 1 | head -n 1)
rec=$(flab_redis_cli HGET gcra:bans 192.0.2.1/32)
check fleet-gcra-burst-then-violations "burst 10: 10 hits should fit (v=$v1), 2 more be violations (v=$v2)" \
	[ "$v1" = 0 -a "$v2" = 2 ]
if [ "$made" = 192.0.2.1/32 ] && out=$("$SG_FLEET" record "$rec") &&
	grep -q "offences 1 reason fleet origin gwx" <<<"$out"; then
	pass fleet-gcra-ban-record
else
	fail fleet-gcra-ban-record "the third violation should ban: reply '$made', record '$rec' (${out:-unparsed})"
fi

# ---- three lone gateways: the spread bot passes
# 12 new connections a second for 4 s from one address, spread over three
# gateways by the router: about 4/s each, within each one's 5/s (burst 10).
bot=$(flab_client_addr bot)
for k in 1 2 3; do
	flab_conf "$k" "$LAB_TMP/lone$k.conf" no
	flab_run "$k" "$LAB_TMP/lone$k.conf" || { fail fleet-daemon "gateway $k did not start"; exit 1; }
done
lone=$(flab_traffic bot --count 48 --rate 12/s)
lone_bans=0
for k in 1 2 3; do
	flab_banned "$k" "$bot/32" && lone_bans=$((lone_bans + 1))
	flab_stop "$k"
done
ok=$(jqr "$lone" .succeeded)
if [ "$ok" -ge 44 ] && [ "$lone_bans" = 0 ]; then
	pass fleet-lone-gateways-let-spread-bot-through
else
	fail fleet-lone-gateways-let-spread-bot-through "48 at 12/s over 3 lone gateways: expected >= 44 through and no ban, got $lone, bans on $lone_bans"
fi
note "lone gateways: $ok of 48 of the spread bot's connections through"

# ---- the fleet
for k in 1 2 3; do
	flab_conf "$k" "$LAB_TMP/gw$k.conf"
	flab_run "$k" "$LAB_TMP/gw$k.conf" || { fail fleet-daemon "gateway $k did not start"; exit 1; }
done
fleet_up() {
	local k
	for k in "$@"; do
		[ "$(flab_metric "$k" slotguard_fleet_connected)" = 1 ] || return 1
		[ "$(flab_metric "$k" slotguard_fleet_peers)" -ge 3 ] || return 1
	done
}
check fleet-connected "gateways 1-3 not connected with 3 peers each within 10 s" \
	wait_until 10 fleet_up 1 2 3

# The bot again, with a person at 1/s from another client meanwhile.
flab_traffic_bg "$LAB_TMP/people.json" people --count 6 --rate 1/s
people_pid=$TRAFFIC_PID
t0=$(lab_now_ms)
spread=$(flab_traffic bot --count 48 --rate 12/s)
wait_pid 15 "$people_pid"
# The budget (10 at once, then 5/s) is crossed when 12/s outgrows it.
crossed=$((t0 + 10 * 1000 / (12 - 5)))
late=0 where=
for k in 1 2 3; do
	bans=$(flab_sg "$k" ban list --json)
	since=$(jqr "$bans" --arg c "$bot/32" '.bans[] | select(.prefix == $c and .active) | .since')
	origin=$(jqr "$bans" --arg c "$bot/32" '.bans[] | select(.prefix == $c and .active) | "\(.origin) \(.budget)"')
	[ -n "$since" ] || { where+=" gw$k: no ban;"; continue; }
	at=$(date -d "$since" +%s%3N)
	where+=" gw$k: $origin at +$((at - crossed)) ms;"
	[ $((at - crossed)) -gt "$late" ] && late=$((at - crossed))
done
note "spread bot with the fleet: banned$where (0 = when 12/s crossed 10 + 5/s)"
if [[ $where != *"no ban"* ]] && [[ $where == *"fleet:gw"*"fleet"* ]]; then
	pass fleet-spread-bot-banned-everywhere
else
	fail fleet-spread-bot-banned-everywhere "$bot/32 should be banned (reason fleet) on gateways 1-3:$where"
fi
# Within 1 s is the aim; 2 s leaves room for a loaded machine.
check fleet-spread-bot-ban-within-1s "the last gateway banned the bot $late ms after it crossed its budget (bound 2000 ms)" \
	[ "$late" -le 2000 ]
ok=$(jqr "$spread" .succeeded)
secs=$((($(jqr "$spread" .elapsed_ms) + 999) / 1000))
note "spread bot with the fleet: $ok of 48 through in ${secs}s (one budget: 10 + 5/s)"
check fleet-spread-bot-held-to-budget "48 at 12/s with the fleet: expected at most 10 + 5/s x ${secs}s through, got $spread" \
	[ "$ok" -le $((10 + 5 * secs)) ]
out=$(cat "$LAB_TMP/people.json")
check fleet-people-unaffected "a person at 1/s during the bot: $out" \
	[ "$(jqr "$out" .succeeded)" = 6 ]

# A source just under its budget, spread the same way (4.5/s for 6 s,
# under 10 + 5/s): summed by the fleet, it must never look over budget,
# even at its first report, which carries all its window so far.
out=$(flab_traffic steady --count 27 --rate 270/m)
sleep 1
steady=$(flab_client_addr steady)
banned_on=
for k in 1 2 3; do
	flab_banned "$k" "$steady/32" && banned_on+=" gw$k"
done
check fleet-under-budget-not-banned "27 at 4.5/s over the fleet (budget 10 + 5/s): banned on${banned_on:- none}; $out" \
	[ -z "$banned_on" -a "$(jqr "$out" .succeeded)" = 27 ]

# ---- a ban the program makes on one gateway reaches the others
direct=$(flab_client_addr direct)
flab_traffic direct --to 10.221.2.2 --count 100 --rate 100/s >/dev/null
if wait_until 5 flab_banned 1 "$direct/32" && wait_until 5 flab_banned 3 "$direct/32" &&
	out=$(flab_sg 1 ban list --json) &&
	[ "$(jqr "$out" --arg c "$direct/32" '.bans[] | select(.prefix == $c) | "\(.origin) \(.budget)"')" = "fleet:gw2 conn_rate" ]; then
	pass fleet-local-ban-reaches-others
else
	fail fleet-local-ban-reaches-others "gateway 2's conn_rate ban of $direct/32 should reach 1 and 3: gw1 $(flab_sg 1 ban list 2>&1 | tr '\n' '|')"
fi

# ---- manual bans: 20 from gateway 1, each timed to gateways 2 and 3
both_have() { flab_banned 2 "$1" && flab_banned 3 "$1"; }
# poll_both CIDR : wait (5 s at most) until gateways 2 and 3 have it,
# looking every 10 ms: the delay measured is the propagation plus one
# `ban list` on each.
poll_both() {
	local deadline=$(($(lab_now_ms) + 5000))
	until both_have "$1"; do
		[ "$(lab_now_ms)" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}
delays=()
for i in $(seq 1 20); do
	t=$(lab_now_ms)
	flab_sg 1 ban add "198.51.100.$i" --for 10m >/dev/null
	poll_both "198.51.100.$i/32" && delays+=($(($(lab_now_ms) - t)))
done
sorted=$(printf '%s\n' "${delays[@]}" | sort -n)
p50=$(sed -n "$(((${#delays[@]} + 1) / 2))p" <<<"$sorted")
pmax=$(tail -n 1 <<<"$sorted")
note "manual ban propagation gw1 -> gw2 and gw3 (ban add to both ban lists showing it): ${#delays[@]} of 20, p50 ${p50:-?} ms, max ${pmax:-?} ms"
check fleet-manual-ban-propagation "20 manual bans: ${#delays[@]} reached both others; p50 ${p50:-?} ms, max ${pmax:-?} ms (bound 2000 ms)" \
	[ "${#delays[@]}" = 20 -a "${pmax:-9999}" -le 2000 ]
flab_sg 1 ban del 198.51.100.1 >/dev/null
gone() { ! flab_banned 2 198.51.100.1/32 && ! flab_banned 3 198.51.100.1/32; }
check fleet-manual-unban-propagates "ban del on gateway 1 did not lift 198.51.100.1 on 2 and 3 within 3 s" \
	wait_until 3 gone
flab_sg 1 ban add 198.51.100.200 --local --for 10m >/dev/null
sleep 1.5
if flab_banned 1 198.51.100.200/32 && ! flab_banned 2 198.51.100.200/32 &&
	[ -z "$(flab_redis_cli HGET slotguard:bans 198.51.100.200/32)" ]; then
	pass fleet-local-ban-stays-local
else
	fail fleet-local-ban-stays-local "ban add --local on gateway 1 should stay there: gw2 $(flab_sg 2 ban list | tr '\n' '|'), redis '$(flab_redis_cli HGET slotguard:bans 198.51.100.200/32)'"
fi

# ---- the allowlist beats any fleet ban
people=$(flab_client_addr people)
printf '%s/32\n' "$people" >"$LAB_TMP/allow.txt"
for k in 1 2 3; do
	kill -HUP "${FLAB_DAEMON[$k]}"
done
sleep 1
flab_sg 1 ban add "$people" --for 10m >/dev/null 2>&1
wait_until 3 both_have "$people/32"
out=$(flab_traffic people --count 9 --rate 9/s)
if flab_banned 2 "$people/32" && [ "$(jqr "$out" .succeeded)" = 9 ]; then
	pass fleet-allowlist-beats-fleet-ban
else
	fail fleet-allowlist-beats-fleet-ban "allowlisted $people banned through the fleet should still pass every gateway: $out"
fi
flab_sg 1 ban del "$people" >/dev/null

# ---- bad bans written into Redis by hand
refused() {
	local k sum=0
	for k in 1 2 3; do
		sum=$((sum + $(flab_metric "$k" "slotguard_fleet_imports_refused_total{reason=\"$1\"}")))
	done
	echo "$sum"
}
short0=$(refused short_prefix) bad0=$(refused malformed)
until_ms=$(($(lab_now_ms) + 600000))
flab_redis_cli HSET slotguard:bans 10.0.0.0/8 "$until_ms 1 1 manual evil" >/dev/null
flab_redis_cli PUBLISH slotguard:events "ban 10.0.0.0/8 $until_ms 1 1 manual evil" >/dev/null
flab_redis_cli PUBLISH slotguard:events "ban 10.9.9.9/32 soon 1 1 manual evil" >/dev/null
flab_redis_cli PUBLISH slotguard:events "ban 10.9.9.9/33 $until_ms 1 1 manual evil" >/dev/null
sleep 1
short1=$(refused short_prefix) bad1=$(refused malformed)
if ! flab_banned 1 10.0.0.0/8 && ! flab_banned 2 10.0.0.0/8 &&
	[ $((short1 - short0)) -ge 3 ] && [ $((bad1 - bad0)) -ge 6 ]; then
	pass fleet-bad-bans-refused
else
	fail fleet-bad-bans-refused "a /8 and two malformed bans on 3 gateways: short_prefix $short0 -> $short1, malformed $bad0 -> $bad1"
fi

# ---- status and metrics
out=$(flab_sg 2 status 2>&1)
json=$(flab_sg 2 status --json 2>&1)
if grep -q "^fleet: gateway gw2, redis 10.221.2.1:$FLAB_REDIS_PORT connected" <<<"$out" &&
	grep -q "peers gw1, gw2, gw3" <<<"$out" &&
	[ "$(jqr "$json" '.fleet.state')" = up ]; then
	pass fleet-status-shows-fleet
else
	fail fleet-status-shows-fleet "status: $(grep fleet <<<"$out"); --json .fleet: $(jqr "$json" -c .fleet)"
fi
flab_metrics 2 >"$LAB_TMP/m2.txt"
if out=$(promtool check metrics <"$LAB_TMP/m2.txt" 2>&1) &&
	grep -q '^slotguard_fleet_propagation_seconds_count [1-9]' "$LAB_TMP/m2.txt"; then
	pass fleet-metrics-promtool
else
	fail fleet-metrics-promtool "promtool: $out; $(grep -c fleet "$LAB_TMP/m2.txt") fleet lines"
fi
note "gateway 2's propagation histogram: $(grep '^slotguard_fleet_propagation_seconds_\(sum\|count\)' "$LAB_TMP/m2.txt" | tr '\n' ' ')"

# ---- a Redis that stops answering: the loop, metrics, events go on
kill -STOP "$FLAB_REDIS_PID"
t=$(lab_now_ms)
scrape_ok=1
for i in 1 2 3 4 5; do
	flab_metrics 3 >/dev/null || scrape_ok=0
	sleep 0.3
done
flab_traffic stall --to 10.221.3.2 --count 60 --rate 100/s >/dev/null
down=$(flab_metric 3 slotguard_fleet_connected)
logged=$(grep -c "ban: $(flab_client_addr stall)/32" "${FLAB_LOG[3]}")
kill -CONT "$FLAB_REDIS_PID"
if [ "$scrape_ok" = 1 ] && [ "$down" = 0 ] && [ "$logged" -ge 1 ]; then
	pass fleet-slow-redis-never-stalls
else
	fail fleet-slow-redis-never-stalls "Redis stopped (SIGSTOP) $(($(lab_now_ms) - t)) ms: scrapes all answered in 2 s: $scrape_ok; connected $down (want 0); ban events logged $logged"
fi
wait_until 15 fleet_up 1 2 3

# ---- Redis killed in the middle of a flood, then restarted empty
flab_traffic_bg "$LAB_TMP/flood.json" flood --count 400 --rate 100/s
flood_pid=$TRAFFIC_PID
sleep 1
flab_redis_stop KILL
wait_pid 15 "$flood_pid"
flood=$(cat "$LAB_TMP/flood.json")
sleep 1
down=0
for k in 1 2 3; do
	[ "$(flab_metric "$k" slotguard_fleet_connected)" = 0 ] && down=$((down + 1))
done
ok=$(jqr "$flood" .succeeded)
if [ "$down" = 3 ] && [ "$ok" -le 60 ] && [ "$(jqr "$flood" .failed)" -ge 300 ]; then
	pass fleet-redis-killed-enforces-locally
else
	fail fleet-redis-killed-enforces-locally "400 at 100/s with Redis killed after 1 s: $down of 3 say disconnected; flood $flood"
fi
live_before=$(flab_sg 1 ban list --json | jq '[.bans[] | select(.active and (.prefix | startswith("198.51.100.")))] | length')
flab_redis || { fail fleet-redis "redis-server did not restart"; exit 1; }
healed() {
	fleet_up 1 2 3 &&
		[ "$(flab_redis_cli HLEN slotguard:bans)" -ge "$live_before" ]
}
t=$(lab_now_ms)
if wait_until 20 healed; then
	pass fleet-redis-restarted-resynced
	note "Redis restarted empty: reconnected and $(flab_redis_cli HLEN slotguard:bans) bans republished in $(($(lab_now_ms) - t)) ms"
else
	fail fleet-redis-restarted-resynced "after a restart: connected gw1..3 $(for k in 1 2 3; do flab_metric "$k" slotguard_fleet_connected; done | tr '\n' ' '); $(flab_redis_cli HLEN slotguard:bans) bans in Redis, want >= $live_before"
fi

# ---- a fourth gateway joins late: the unix socket, an ACL user
flab_conf 4 "$LAB_TMP/gw4.conf"
flab_run 4 "$LAB_TMP/gw4.conf" || { fail fleet-daemon "gateway 4 did not start"; exit 1; }
flab_multipath 1 2 3 4
want=$(flab_redis_cli HKEYS slotguard:bans | sort)
has_all() {
	local got
	got=$(flab_sg 4 ban list --json | jq -r '.bans[] | select(.active) | .prefix' | sort)
	[ -n "$want" ] && [ -z "$(comm -23 <(echo "$want") <(echo "$got"))" ]
}
if wait_until 10 has_all; then
	pass fleet-late-gateway-gets-live-bans
	note "gateway 4 joined late and holds all $(wc -l <<<"$want") live bans of the fleet"
else
	fail fleet-late-gateway-gets-live-bans "gateway 4 lacks: $(comm -23 <(echo "$want") <(flab_sg 4 ban list --json | jq -r '.bans[] | select(.active) | .prefix' | sort) | tr '\n' ' ')"
fi
exit 0
