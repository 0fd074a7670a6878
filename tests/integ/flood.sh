#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A bot flood is cut to its budget and banned while people at a human rate
# all get through: one source over IPv4 and IPv6, and a bot spread over
# twenty addresses of one /24 that only the subnet budget can catch.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(flood-people-v4-all-succeed flood-people-v6-all-succeed
	flood-cut-to-budget flood-drops-counted flood-source-banned
	flood-banned-source-stays-dropped flood-v6-cut-and-banned
	flood-spread-bot-cut-by-subnet flood-spread-subnet-banned)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot spread || { fail flood-lab "the lab did not come up"; exit 1; }

# Source: 10 at once, then 5/s. Subnet: 20 at once, then 10/s.
CONF_CONN_RATE=5/s CONF_CONN_BURST=10 CONF_SUBNET_CONN_RATE=10/s \
	CONF_SUBNET_CONN_BURST=20 lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail flood-daemon "slotguard run did not start"; exit 1; }

# Three people over IPv4, 2 connections a second each, and one /64 of
# people over IPv6 at 3/s, during the bot's flood.
people=$(lab_add_addrs people 3)
people_v4=$(sed -n 1p <<<"$people")
people_v6=$(sed -n 2p <<<"$people")
traffic_bg "$LAB_TMP/people4.json" people --count 24 --rate 6/s --sources "$people_v4"
p4=$TRAFFIC_PID
traffic_bg "$LAB_TMP/people6.json" people --family 6 --count 12 --rate 3/s \
	--sources "$people_v6"
p6=$TRAFFIC_PID

bot_addr=$(lab_client_addr bot)
bot=$(traffic bot --count 600 --rate 200/s)
wait_pid 20 "$p4"
wait_pid 20 "$p6"

for fam in 4 6; do
	name=flood-people-v$fam-all-succeed
	out=$(cat "$LAB_TMP/people$fam.json")
	want=$((fam == 4 ? 24 : 12))
	if json_ok "$out" && [ "$(jqr "$out" .attempted)" = "$want" ] &&
		[ "$(jqr "$out" .failed)" = 0 ]; then
		pass "$name"
	else
		fail "$name" "$want people connections during the flood, all should succeed: got $out"
	fi
done

# What passed is at most the burst plus the rate over the flood's length
# (and a little for timing), and nearly all the rest failed.
ok=$(jqr "$bot" .succeeded)
secs=$((($(jqr "$bot" .elapsed_ms) + 999) / 1000))
max=$((10 + 5 * secs + 5))
if [ "$ok" -ge 1 ] && [ "$ok" -le "$max" ] && [ "$(jqr "$bot" .failed)" -ge 500 ]; then
	pass flood-cut-to-budget
else
	fail flood-cut-to-budget "600 connections at 200/s, budget 10+5/s: expected 1..$max to succeed, got $bot"
fi

stats=$(sg stats --json)
drops=$(stat_packets "$stats" drop conn_rate)
check flood-drops-counted "stats --json: drop/conn_rate packets = $drops, expected > 0" \
	[ "${drops:-0}" -gt 0 ]

bans=$(sg ban list --json)
check flood-source-banned "ban list --json has no active ban of $bot_addr/32: $bans" \
	ban_active "$bans" "$bot_addr/32"

# Within the rate now, but banned: nothing gets through, counted as banned.
before=$(stat_packets "$stats" drop banned)
again=$(traffic bot --count 5 --rate 5/s)
after=$(stat_packets "$(sg stats --json)" drop banned)
if [ "$(jqr "$again" .succeeded)" = 0 ] && [ "$after" -gt "$before" ]; then
	pass flood-banned-source-stays-dropped
else
	fail flood-banned-source-stays-dropped "5 connections at 5/s after the ban: $again; drop/banned $before -> $after"
fi

# The same over IPv6: the source prefix is the bot's /64.
bot6=$(traffic bot --family 6 --count 400 --rate 200/s)
ok=$(jqr "$bot6" .succeeded)
secs=$((($(jqr "$bot6" .elapsed_ms) + 999) / 1000))
max=$((10 + 5 * secs + 5))
bans=$(sg ban list --json)
if [ "$ok" -le "$max" ] && [ "$(jqr "$bot6" .failed)" -ge 300 ] &&
	ban_active "$bans" "fd00:5a:$(lab_k bot)::/64"; then
	pass flood-v6-cut-and-banned
else
	fail flood-v6-cut-and-banned "400 connections at 200/s over IPv6: expected <= $max to succeed and fd00:5a:$(lab_k bot)::/64 banned; got $bot6; bans $bans"
fi

# Twenty addresses of one /24 at 2/s each: every source stays within its
# own budget, the /24 as a whole (40/s) does not.
spread=$(lab_add_addrs spread 20 | sed -n 1p)
out=$(traffic spread --count 160 --rate 40/s --sources "$spread")
ok=$(jqr "$out" .succeeded)
secs=$((($(jqr "$out" .elapsed_ms) + 999) / 1000))
max=$((20 + 10 * secs + 5))
stats=$(sg stats --json)
sub=$(stat_packets "$stats" drop subnet_conn_rate)
if [ "$ok" -le "$max" ] && [ "$(jqr "$out" .failed)" -ge 40 ] && [ "$sub" -gt 0 ]; then
	pass flood-spread-bot-cut-by-subnet
else
	fail flood-spread-bot-cut-by-subnet "160 connections at 40/s over 20 sources, subnet budget 20+10/s: expected <= $max to succeed; got $out; drop/subnet_conn_rate = $sub"
fi
bans=$(sg ban list --json)
check flood-spread-subnet-banned "ban list --json has no active ban of 10.200.$(lab_k spread).0/24: $bans" \
	ban_active "$bans" "10.200.$(lab_k spread).0/24"

exit 0
