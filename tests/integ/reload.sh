#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# SIGHUP re-reads the config and lists: a broken file is reported with its
# file and line and the running state is kept; a good one applies live.
# `slotguard config check` finds the same bad lines, exit 2.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(reload-broken-config-daemon-survives reload-broken-config-says-where
	reload-broken-config-keeps-old reload-broken-list-keeps-old
	reload-good-config-applies reload-back-to-enforce
	reload-config-check-bad-value reload-config-check-unknown-key
	reload-config-check-good)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot deny || { fail reload-lab "the lab did not come up"; exit 1; }
kd=$(lab_k deny)
conf=$LAB_TMP/sg.conf

printf '10.200.%s.2/32\n' "$kd" >"$LAB_TMP/deny.txt"
lab_conf "$LAB_TMP/good.conf"
CONF_MODE=monitor lab_conf "$LAB_TMP/monitor.conf"
sed 's|^conn_rate = 5/s$|conn_rate = fast|' "$LAB_TMP/good.conf" >"$LAB_TMP/broken.conf"
bad_line=$(grep -n '^conn_rate = fast$' "$LAB_TMP/broken.conf" | cut -d: -f1)
sed 's|^\[slotguard\]$|&\ncolour = blue|' "$LAB_TMP/good.conf" >"$LAB_TMP/unknown.conf"
unknown_line=$(grep -n '^colour = blue$' "$LAB_TMP/unknown.conf" | cut -d: -f1)

cp "$LAB_TMP/good.conf" "$conf"
sg_run_daemon "$conf" || { fail reload-daemon "slotguard run did not start"; exit 1; }

# hup_and_wait PATTERN : SIGHUP the daemon, wait (5 s at most) for PATTERN
# to show up in its log after this point.
hup_and_wait() {
	local from
	from=$(wc -c <"$SG_DAEMON_LOG")
	kill -HUP "$SG_DAEMON_PID"
	wait_until 5 sh -c "tail -c +$((from + 1)) '$SG_DAEMON_LOG' | grep -q -- \"\$1\"" _ "$1"
}

# ---- a broken config: reported with file:line, the old one stays
cp "$LAB_TMP/broken.conf" "$conf"
hup_and_wait "sg.conf:$bad_line"
said=$?
sleep 0.3
check reload-broken-config-daemon-survives "slotguard run exited after SIGHUP with a broken config; log: $(tail -c 400 "$SG_DAEMON_LOG")" \
	sg_daemon_alive
check reload-broken-config-says-where "the daemon's log does not name $conf:$bad_line; log: $(tail -c 400 "$SG_DAEMON_LOG")" \
	[ "$said" = 0 ]
out=$(traffic bot --count 100 --rate 100/s)
ok=$(jqr "$out" .succeeded)
check reload-broken-config-keeps-old "the old budget (10 then 5/s) should still cut a 100/s flood: $out" \
	[ "$ok" -ge 1 -a "$ok" -le 20 ]

# ---- a broken list: reported, the old list stays
cp "$LAB_TMP/good.conf" "$conf"
printf '10.200.%s.2/32\nnot-a-cidr\n' "$kd" >"$LAB_TMP/deny.txt.new"
printf '10.200.%s.0/24\n' "$(lab_k people)" >>"$LAB_TMP/deny.txt.new"
mv "$LAB_TMP/deny.txt.new" "$LAB_TMP/deny.txt"
hup_and_wait "deny.txt:2"
said=$?
sleep 0.3
d=$(traffic deny --count 3 --rate 10/s)
p=$(traffic people --count 3 --rate 10/s)
if [ "$said" = 0 ] && sg_daemon_alive && [ "$(jqr "$d" .succeeded)" = 0 ] &&
	[ "$(jqr "$p" .succeeded)" = 3 ]; then
	pass reload-broken-list-keeps-old
else
	fail reload-broken-list-keeps-old "deny.txt with a bad line 2: named in the log: $([ "$said" = 0 ] && echo yes || echo no); alive: $(sg_daemon_alive && echo yes || echo no); denied client $d; people (would be denied by the bad file's other line) $p"
fi
printf '10.200.%s.2/32\n' "$kd" >"$LAB_TMP/deny.txt"

# ---- a good config applies live: monitor mode lets the banned bot through
cp "$LAB_TMP/monitor.conf" "$conf"
would_before=$(stat_packets "$(sg stats --json)" would_drop banned)
kill -HUP "$SG_DAEMON_PID"
bot_through() {
	[ "$(jqr "$(traffic bot --count 1 --rate max)" .succeeded)" = 1 ]
}
if wait_until 5 bot_through; then
	out=$(traffic bot --count 5 --rate 10/s)
	would_after=$(stat_packets "$(sg stats --json)" would_drop banned)
	check reload-good-config-applies "monitor mode: the banned bot got $out; would_drop/banned $would_before -> $would_after" \
		[ "$(jqr "$out" .succeeded)" = 5 -a "$would_after" -gt "$would_before" ]
else
	fail reload-good-config-applies "5 s after SIGHUP with mode = monitor the banned bot is still dropped; log: $(tail -c 300 "$SG_DAEMON_LOG")"
fi
cp "$LAB_TMP/good.conf" "$conf"
kill -HUP "$SG_DAEMON_PID"
bot_dropped() {
	[ "$(jqr "$(traffic bot --count 1 --rate max)" .succeeded)" = 0 ]
}
check reload-back-to-enforce "5 s after SIGHUP with mode = enforce the banned bot still gets through" \
	wait_until 5 bot_dropped

# ---- config check: same bad lines, exit 2; a good file, exit 0
sg config check "$LAB_TMP/broken.conf" >/dev/null 2>"$LAB_TMP/check.err"
rc=$?
if [ "$rc" = 2 ] && grep -q "broken.conf:$bad_line:" "$LAB_TMP/check.err"; then
	pass reload-config-check-bad-value
else
	fail reload-config-check-bad-value "config check with 'conn_rate = fast' on line $bad_line: exit $rc (want 2), stderr '$(head -c 300 "$LAB_TMP/check.err")'"
fi
sg config check "$LAB_TMP/unknown.conf" >/dev/null 2>"$LAB_TMP/check.err"
rc=$?
if [ "$rc" = 2 ] && grep -q "unknown.conf:$unknown_line:" "$LAB_TMP/check.err"; then
	pass reload-config-check-unknown-key
else
	fail reload-config-check-unknown-key "config check with 'colour = blue' on line $unknown_line: exit $rc, stderr '$(head -c 300 "$LAB_TMP/check.err")'"
fi
sg config check "$LAB_TMP/good.conf" >"$LAB_TMP/check.out" 2>&1
rc=$?
check reload-config-check-good "config check of the lab's config: exit $rc: $(head -c 300 "$LAB_TMP/check.out")" \
	[ "$rc" = 0 ]

exit 0
