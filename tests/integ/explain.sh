#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `slotguard explain ADDR` on a running daemon: a fresh source has full
# budgets and passes; allowlisted, denied, banned and set members say so
# with the entry or ban that decides; a source that spent its budget is
# told it will be dropped and for which budget, and its next connection is
# dropped; monitor mode says would_drop; bad input exits 2 and names it.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(explain-daemon explain-fresh-source explain-allowlisted explain-denied
	explain-banned explain-set-member explain-over-budget
	explain-prediction-holds explain-ipv6 explain-monitor explain-text
	explain-bad-input)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail explain-daemon "the lab did not come up"; exit 1; }
printf '10.200.250.0/24\n' >"$LAB_TMP/hosting.txt"
# Six connections a minute with a burst of five: a spent budget stays
# spent for seconds, long enough to look at it. No bans: the budget decides.
CONF_CONN_RATE=6/m CONF_CONN_BURST=5 CONF_BAN_AFTER=0 \
	lab_conf "$LAB_TMP/sg.conf" "[set hosting]
file = $LAB_TMP/hosting.txt
action = limit
conn_rate = 100/s"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail explain-daemon "slotguard run did not start"; exit 1; }
pass explain-daemon

people=$(lab_client_addr people 4)
bot=$(lab_client_addr bot 4)

# ex ADDR : explain --json, or "{}" with the error on stderr.
ex() { sg explain "$1" --json || echo '{}'; }
# conn_outcome JSON : "verdict reason budget" of the booking service's next
# new connection.
conn_outcome() {
	jqr "$1" -r '.services[] | select(.service == "booking") |
		.new_connection | "\(.verdict) \(.reason) \(.budget)"'
}

j=$(ex "$people")
check explain-fresh-source "$(conn_outcome "$j"); $j" \
	[ "$(conn_outcome "$j")" = "pass within_budget null" -a \
	"$(jqr "$j" .levels.source.tracked)" = false -a \
	"$(jqr "$j" .levels.source.budgets.conn.tokens)" = 5 -a \
	"$(jqr "$j" .set)" = null -a "$(jqr "$j" .ban)" = null ]

sg allow add 10.200.240.0/24 >/dev/null
j=$(ex 10.200.240.9)
check explain-allowlisted "$(conn_outcome "$j"); $j" \
	[ "$(conn_outcome "$j")" = "pass allowlist null" -a \
	"$(jqr "$j" -r .set.prefix)" = 10.200.240.0/24 -a \
	"$(jqr "$j" -r .set.source)" = runtime -a "$(jqr "$j" .allowed)" = true ]

sg deny add 10.200.241.7 >/dev/null
j=$(ex 10.200.241.7)
check explain-denied "$(conn_outcome "$j"); $j" \
	[ "$(conn_outcome "$j")" = "drop denylist null" -a \
	"$(jqr "$j" -r .set.name)" = deny ]

# An odd-length ban (held in the LPM trie) and one at the source prefix.
sg ban add 10.200.242.0/23 --for 10m --reason "ticket 4711" >/dev/null
sg ban add 10.200.244.5 --for 10m >/dev/null
j=$(ex 10.200.243.1)
j2=$(ex 10.200.244.5)
left=$(jqr "$j" .ban.seconds_left)
check explain-banned "$(conn_outcome "$j"); $j; $j2" \
	[ "$(conn_outcome "$j")" = "drop banned null" -a \
	"$(jqr "$j" -r .ban.prefix)" = 10.200.242.0/23 -a \
	"$(jqr "$j" -r .ban.note)" = "ticket 4711" -a \
	"$(jqr "$j" -r .ban.origin)" = manual -a \
	"$(jqr "$j" -r .ban.budget)" = manual -a \
	"$(jqr "$j2" -r .ban.prefix)" = 10.200.244.5/32 -a \
	"$(awk -v l="$left" 'BEGIN { print (l > 590 && l <= 600) }')" = 1 ]

j=$(ex 10.200.250.77)
check explain-set-member "$j" \
	[ "$(conn_outcome "$j")" = "pass within_budget null" -a \
	"$(jqr "$j" -r .set.name)" = hosting -a \
	"$(jqr "$j" -r .set.source)" = file -a \
	"$(jqr "$j" .set_budgets.conn.burst)" -ge 1 ]

# The bot spends its five connections and more: the next one is dropped,
# and explain says so before it is tried.
out=$(traffic bot --count 12 --rate 50/s)
j=$(ex "$bot")
check explain-over-budget "$(conn_outcome "$j"); traffic $out; $j" \
	[ "$(conn_outcome "$j")" = "drop conn_rate conn" -a \
	"$(jqr "$j" .levels.source.tracked)" = true -a \
	"$(jqr "$j" .levels.source.budgets.conn.tokens)" = 0 -a \
	"$(jqr "$j" '.levels.source.budgets.conn.next_token_seconds > 0')" = true ]
while IFS= read -r l; do note "$l"; done < <(sg explain "$bot")
before=$(stat_packets "$(sg stats --json)" drop conn_rate)
one=$(traffic bot --count 1 --rate 1/s)
after=$(stat_packets "$(sg stats --json)" drop conn_rate)
check explain-prediction-holds "drops $before -> $after; $one" \
	[ "$(jqr "$one" .succeeded)" = 0 -a "$after" -gt "$before" ]

sg ban add fd00:5a:99::/48 --for 1h >/dev/null
j=$(ex fd00:5a:99::7)
j2=$(ex "$(lab_client_addr people 6)")
check explain-ipv6 "$j; $j2" \
	[ "$(conn_outcome "$j")" = "drop banned null" -a \
	"$(jqr "$j" -r .levels.source.prefix)" = fd00:5a:99::/64 -a \
	"$(conn_outcome "$j2")" = "pass within_budget null" ]

sed -i 's/^mode = enforce$/mode = monitor/' "$LAB_TMP/sg.conf"
sg reload >/dev/null 2>&1
j=$(ex 10.200.241.7)
check explain-monitor "$j" \
	[ "$(jqr "$j" -r .mode)" = monitor -a \
	"$(conn_outcome "$j")" = "would_drop denylist null" ]

t=$(sg explain 10.200.243.1 2>&1)
check explain-text "$t" grep -q 'ban: 10.200.242.0/23, .*ticket 4711.*origin manual' <<<"$t"

why=
for bad in 10.200.0.0/16 not-an-address 300.1.1.1; do
	err=$(sg explain "$bad" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] && [[ $err == *"$bad"* ]] || why+="'$bad': exit $rc, '$err'; "
done
err=$(sg explain 10.200.1.1 --service nope 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] && [[ $err == *nope* ]] || why+="--service nope: exit $rc, '$err'; "
err=$(sg explain 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] || why+="no ADDR: exit $rc, '$err'; "
check explain-bad-input "$why" [ -z "$why" ]
