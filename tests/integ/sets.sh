#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Named sets (issue 13) on a running daemon: a limit set makes four
# addresses share one budget; bad set files (a bad CIDR, the same prefix
# in two sets) are refused by `config check` and by a reload with the
# file and line, and change nothing; sets added, changed and removed by
# reloads while people connect drop none of them; a `set replace` of 200k
# entries killed halfway leaves the old entries whole and the filter
# working; runtime entries survive reloads; ipset save files load.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(sets-daemon sets-limit-shared-budget sets-bad-cidr-refused
	sets-conflict-refused sets-reload-under-traffic
	sets-replace-killed-atomic sets-replace-200k sets-runtime-kept
	sets-ipset-file)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail sets-daemon "the lab did not come up"; exit 1; }
kb=$(lab_k bot)
mapfile -t extra < <(lab_add_addrs bot 3)
IFS=, read -ra bot4 <<<"${extra[0]}"
printf '# the bot'\''s provider\n10.200.%s.0/24\n' "$kb" >"$LAB_TMP/hosting.txt"
: >"$LAB_TMP/empty.txt"
# write_conf EXTRA : the lab config with the hosting set, then EXTRA.
write_conf() {
	CONF_BAN_AFTER=0 lab_conf "$LAB_TMP/sg.conf.new" "[set hosting]
file = $LAB_TMP/hosting.txt
action = limit
conn_rate = 2/s
conn_burst = 4
$1"
	mv "$LAB_TMP/sg.conf.new" "$LAB_TMP/sg.conf"
}
write_conf ""
sg_run_daemon "$LAB_TMP/sg.conf" || { fail sets-daemon "slotguard run did not start"; exit 1; }
pass sets-daemon

set_count() { jqr "$(sg set show "$1" --json)" .count; }
set_drops() {
	jqr "$(sg stats --json)" --arg s "$1" \
		'[.sets[]? | select(.set == $s) | .verdicts.drop.packets // 0] | add // 0'
}

# Four addresses, ten connections each, at 20/s: alone each is within the
# [source] budget (5/s, burst 10); in the set they share a burst of 4.
d0=$(set_drops hosting)
srcs="$(lab_client_addr bot 4),${extra[0]}"
ok=$(jqr "$(traffic bot --count 40 --rate 20/s --sources "$srcs")" .succeeded)
d1=$(set_drops hosting)
check sets-limit-shared-budget "40 tried from $srcs, $ok connected, set drops $d0 -> $d1" \
	[ "$ok" -le 12 -a "$ok" -ge 4 -a "$d1" -gt "$d0" ]

# A bad CIDR on line 3 of a set file: config check and reload both name it;
# the running set keeps its entries.
printf '10.9.0.0/16\n# fine so far\n10.9.300.0/24\n' >"$LAB_TMP/bad-set.txt"
before=$(sg set show hosting --json | jq -c '.entries')
cp "$LAB_TMP/sg.conf" "$LAB_TMP/sg.conf.good"
sed -i "s|^file = $LAB_TMP/hosting.txt|file = $LAB_TMP/bad-set.txt|" "$LAB_TMP/sg.conf"
cerr=$(sg config check "$LAB_TMP/sg.conf" 2>&1 >/dev/null)
crc=$?
rerr=$(sg reload 2>&1 >/dev/null)
rrc=$?
after=$(sg set show hosting --json | jq -c '.entries')
good=0
if [ "$crc" = 2 ] && [ "$rrc" = 1 ] && [ "$before" = "$after" ] &&
	[[ $cerr == *bad-set.txt:3* && $cerr == *10.9.300.0/24* && $rerr == *bad-set.txt:3* ]]; then
	good=1
fi
check sets-bad-cidr-refused "check: exit $crc '$cerr'; reload: exit $rrc '$rerr'; entries $before -> $after" \
	[ "$good" = 1 ]
cp "$LAB_TMP/sg.conf.good" "$LAB_TMP/sg.conf"

# The same prefix in two sets: both places named.
printf '10.200.%s.0/24\n' "$kb" >"$LAB_TMP/other.txt"
write_conf "[set other]
file = $LAB_TMP/other.txt
action = deny"
cerr=$(sg config check "$LAB_TMP/sg.conf" 2>&1 >/dev/null)
crc=$?
rerr=$(sg reload 2>&1 >/dev/null)
rrc=$?
good=0
if [ "$crc" = 2 ] && [ "$rrc" = 1 ] &&
	[[ $cerr == *hosting.txt:2* && $cerr == *other.txt:1* ]] &&
	! sg set list | grep -qw other; then
	good=1
fi
check sets-conflict-refused "check: exit $crc '$cerr'; reload: exit $rrc '$rerr'; sets $(sg set list | tr '\n' ' ')" \
	[ "$good" = 1 ]
write_conf ""
sg reload >/dev/null

# A person connects at 4/s (within [source]'s 5/s) for 6 s while reloads
# add a deny set for another range, change the hosting set's budget and
# remove the deny set again.
traffic_bg "$LAB_TMP/people.json" people --count 24 --rate 4/s
printf '10.77.0.0/16\n' >"$LAB_TMP/deny77.txt"
why=
for i in 1 2 3; do
	write_conf "[set block]
file = $LAB_TMP/deny77.txt
action = deny"
	sg reload >/dev/null 2>&1 || why+="reload $i (add) failed; "
	sg set list | grep -qw block || why+="reload $i: block not listed; "
	sleep 0.5
	write_conf ""
	sed -i 's/^conn_rate = 2\/s$/conn_rate = 3\/s/' "$LAB_TMP/sg.conf"
	sg reload >/dev/null 2>&1 || why+="reload $i (remove) failed; "
	! sg set list | grep -qw block || why+="reload $i: block still listed; "
	sleep 0.5
done
wait "$TRAFFIC_PID"
p=$(cat "$LAB_TMP/people.json")
check sets-reload-under-traffic "$why people: $p" \
	[ -z "$why" -a "$(jqr "$p" .failed)" = 0 -a "$(jqr "$p" .succeeded)" = 24 ]
write_conf ""
sg reload >/dev/null

# 200k /32s; a replace killed while it fills the new tries leaves the old
# entries, every one, and a filter that still limits the bot's set.
python3 -c '
import sys
for i in range(200000):
    print("10.%d.%d.%d" % (100 + i // 65536, (i // 256) % 256, i % 256))
print("10.200.'"$kb"'.0/24")' >"$LAB_TMP/big.txt"
before=$(sg set show hosting --json | jq -c '[.entries[].prefix]')
sg set replace hosting "$LAB_TMP/big.txt" >/dev/null 2>&1 &
rp=$!
sleep 0.3
kill -KILL "$rp" 2>/dev/null
wait "$rp" 2>/dev/null
after=$(sg set show hosting --json | jq -c '[.entries[].prefix]')
n_after=$(jqr "$after" length)
strays=$(jqr "$(sg status --json)" -c '[.stray_pins[]?.name]')
d0=$(set_drops hosting)
traffic bot --count 20 --rate 50/s >/dev/null
d1=$(set_drops hosting)
# Killed before the swap: the old entries; after it: all the new ones.
good=0
if { [ "$after" = "$before" ] || [ "$n_after" = 200001 ]; } &&
	[ "$d1" -gt "$d0" ] && [ "$strays" = "[]" ]; then
	good=1
fi
check sets-replace-killed-atomic "before $before, after $n_after entries, strays $strays, drops $d0 -> $d1" \
	[ "$good" = 1 ]

t0=$(date +%s%N)
out=$(sg set replace hosting "$LAB_TMP/big.txt" 2>&1)
rc=$?
t1=$(date +%s%N)
n=$(set_count hosting)
note "set replace of 200001 entries: $(((t1 - t0) / 1000000)) ms"
check sets-replace-200k "exit $rc '$out', $n entries" [ "$rc" = 0 -a "$n" = 200001 ]
sg set replace hosting "$LAB_TMP/hosting.txt" >/dev/null

sg set add hosting 10.88.1.0/24 >/dev/null
sg reload >/dev/null
src=$(jqr "$(sg set show hosting --json)" -r '.entries[] | select(.prefix == "10.88.1.0/24") | .source')
check sets-runtime-kept "10.88.1.0/24 after a reload: '$src'" [ "$src" = runtime ]

printf 'create cloud hash:net family inet hashsize 1024 maxelem 65536\nadd cloud 10.55.0.0/16\nadd cloud 10.56.1.0/24\n' >"$LAB_TMP/ipset.save"
out=$(sg set add hosting --file "$LAB_TMP/ipset.save" 2>&1)
rc=$?
got=$(jqr "$(sg set show hosting --json)" -c '[.entries[].prefix | select(startswith("10.5"))] | sort')
check sets-ipset-file "exit $rc '$out', entries $got" \
	[ "$rc" = 0 -a "$got" = '["10.55.0.0/16","10.56.1.0/24"]' ]
