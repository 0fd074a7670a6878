#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Allow- and denylists on live traffic: an allowlisted flood passes and is
# never banned, denylisted clients are dropped, CLI changes apply at once,
# and `allow replace` run over and over under an allowlisted flood never
# drops one of its packets.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(lists-allowlisted-flood-passes lists-allowlisted-never-banned
	lists-denylisted-dropped-v4 lists-denylisted-dropped-v6
	lists-deny-add-del-live lists-replace-under-traffic-v4
	lists-replace-under-traffic-v6 lists-replace-counted-as-pass-only
	lists-replace-bad-file-changes-nothing)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up allow deny people || { fail lists-lab "the lab did not come up"; exit 1; }
ka=$(lab_k allow) kd=$(lab_k deny)
allow_if=$(lab_gw_if allow)

printf '# partners\n10.200.%s.0/24\nfd00:5a:%s::/64\n' "$ka" "$ka" >"$LAB_TMP/allow.txt"
printf '10.200.%s.2/32\nfd00:5a:%s::/64\n' "$kd" "$kd" >"$LAB_TMP/deny.txt"
lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail lists-daemon "slotguard run did not start"; exit 1; }

# ---- an allowlisted flood: far over every budget, all of it passes
out=$(traffic allow --count 400 --rate 200/s)
stats=$(sg stats --json)
allowed=$(stat_packets "$stats" pass allowlist)
dropped=$(stat_iface_not_pass "$stats" "$allow_if")
if [ "$(jqr "$out" .succeeded)" = 400 ] && [ "$allowed" -ge 400 ] && [ "$dropped" = 0 ]; then
	pass lists-allowlisted-flood-passes
else
	fail lists-allowlisted-flood-passes "400 connections at 200/s from an allowlisted source: $out; pass/allowlist = $allowed, not passed on $allow_if = $dropped"
fi
bans=$(sg ban list --json)
if json_ok "$bans" && ! ban_active "$bans" "$(lab_client_addr allow)/32" "10.200.$ka.0/24"; then
	pass lists-allowlisted-never-banned
else
	fail lists-allowlisted-never-banned "ban list --json: $bans"
fi

# ---- denylisted clients: nothing gets through, counted as denylist
for fam in 4 6; do
	before=$(stat_packets "$(sg stats --json)" drop denylist)
	out=$(traffic deny --family $fam --count 5 --rate 5/s)
	after=$(stat_packets "$(sg stats --json)" drop denylist)
	if [ "$(jqr "$out" .succeeded)" = 0 ] && [ "$after" -ge $((before + 5)) ]; then
		pass lists-denylisted-dropped-v$fam
	else
		fail lists-denylisted-dropped-v$fam "5 connections from a denylisted source: $out; drop/denylist $before -> $after"
	fi
done

# ---- the CLI changes the running filter at once
person=$(lab_client_addr people)
first=$(traffic people --count 3 --rate 10/s)
sg deny add "$person" >/dev/null
denied=$(traffic people --count 3 --rate 10/s)
sg deny del "$person" >/dev/null
again=$(traffic people --count 3 --rate 10/s)
if [ "$(jqr "$first" .succeeded)" = 3 ] && [ "$(jqr "$denied" .succeeded)" = 0 ] &&
	[ "$(jqr "$again" .succeeded)" = 3 ]; then
	pass lists-deny-add-del-live
else
	fail lists-deny-add-del-live "people before/with/after 'deny add $person': $first / $denied / $again"
fi

# ---- replace under traffic. The two files cover the allowlisted client
# with different prefixes (a /24 and a /64, then a /32 and a /128), each
# among 2000 other entries, so a replace that removed the old entries
# before the new ones were in would leave a gap.
{
	echo "10.200.$ka.0/24"
	echo "fd00:5a:$ka::/64"
	for ((i = 0; i < 1000; i++)); do
		echo "10.200.$((128 + i / 256)).$((i % 256))/32"
		echo "fd00:5a:ff::$(printf %x "$i")/128"
	done
} >"$LAB_TMP/allow-a.txt"
{
	for ((i = 1000; i < 2000; i++)); do
		echo "10.200.$((128 + i / 256)).$((i % 256))/32"
		echo "fd00:5a:ff::$(printf %x "$i")/128"
	done
	echo "10.200.$ka.2/32"
	echo "fd00:5a:$ka::2/128"
} >"$LAB_TMP/allow-b.txt"

traffic_bg "$LAB_TMP/replace4.json" allow --count 1200 --rate 200/s
t4=$TRAFFIC_PID
traffic_bg "$LAB_TMP/replace6.json" allow --family 6 --count 600 --rate 100/s
t6=$TRAFFIC_PID
replaces=0 replace_fail=0
deadline=$((SECONDS + 15))
while ! lab_pid_gone "$t4" || ! lab_pid_gone "$t6"; do
	[ "$SECONDS" -ge "$deadline" ] && break
	for f in allow-a allow-b; do
		if sg allow replace "$LAB_TMP/$f.txt" >/dev/null 2>"$LAB_TMP/replace.err"; then
			replaces=$((replaces + 1))
		else
			replace_fail=$((replace_fail + 1))
		fi
	done
done
wait_pid 10 "$t4"
wait_pid 10 "$t6"
note "allow replace ran $replaces times under traffic ($replace_fail failed)"
for fam in 4 6; do
	out=$(cat "$LAB_TMP/replace$fam.json")
	want=$((fam == 4 ? 1200 : 600))
	if json_ok "$out" && [ "$(jqr "$out" .attempted)" = "$want" ] &&
		[ "$(jqr "$out" .failed)" = 0 ] && [ "$replaces" -ge 4 ] &&
		[ "$replace_fail" = 0 ]; then
		pass lists-replace-under-traffic-v$fam
	else
		fail lists-replace-under-traffic-v$fam "allowlisted flood during $replaces replaces ($replace_fail failed: $(head -c 300 "$LAB_TMP/replace.err")): $out"
	fi
done
stats=$(sg stats --json)
not_pass=$(stat_not_pass "$stats" allowlist)
dropped=$(stat_iface_not_pass "$stats" "$allow_if")
charged=$(stat_iface_charged "$stats" "$allow_if")
if [ "$not_pass" = 0 ] && [ "$dropped" = 0 ] && [ "$charged" = 0 ]; then
	pass lists-replace-counted-as-pass-only
else
	fail lists-replace-counted-as-pass-only "stats --json: non-pass with reason allowlist = $not_pass, non-pass on $allow_if = $dropped, counted under another reason than allowlist there = $charged (all must be 0): $(jqr "$stats" -c --arg i "$allow_if" '.interfaces[] | select(.name == $i) | .counters')"
fi

# ---- one bad line rejects the whole file; nothing changes
before=$(sg allow list --json)
printf '10.200.%s.0/24\n# fine so far\n10.0.0.300/8\n' "$ka" >"$LAB_TMP/bad.txt"
sg allow replace "$LAB_TMP/bad.txt" >/dev/null 2>"$LAB_TMP/bad.err"
rc=$?
after=$(sg allow list --json)
if [ "$rc" = 2 ] && grep -q "bad.txt:3:" "$LAB_TMP/bad.err" &&
	[ "$(list_cidrs "$before")" = "$(list_cidrs "$after")" ] && [ -n "$(list_cidrs "$after")" ]; then
	pass lists-replace-bad-file-changes-nothing
else
	fail lists-replace-bad-file-changes-nothing "allow replace with a bad line 3: exit $rc (want 2), stderr '$(head -c 200 "$LAB_TMP/bad.err")' (want bad.txt:3:), list changed: $([ "$(list_cidrs "$before")" = "$(list_cidrs "$after")" ] && echo no || echo yes)"
fi

exit 0
