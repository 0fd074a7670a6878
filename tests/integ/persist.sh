#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Day two: bans (manual and the program's own, with end times, offences,
# reasons and notes) and set entries added by commands outlive a stop, which
# detaches and removes the pins, through the state file in state_dir; a
# restart (SIGUSR2, what the unit's restart does) leaves no moment without
# the filter, measured with a flood from a denied client during it.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(persist-state-file-written persist-stop-start-keeps-bans
	persist-stop-start-keeps-end-times persist-stop-start-keeps-offences
	persist-stop-start-keeps-runtime-entries persist-file-entry-del-returns
	persist-saved-while-running persist-bad-state-file-starts
	persist-restart-keeps-filter-attached persist-restart-flood-never-passes
	persist-restart-keeps-counters persist-flood-measure-sees-stop-gap)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot deny || { fail persist-lab "the lab did not come up"; exit 1; }
kd=$(lab_k deny)
bot4=$(lab_client_addr bot)
STATE=$LAB_TMP/state/state.json
printf '10.200.%s.2/32\n10.200.240.0/24\n' "$kd" >"$LAB_TMP/deny.txt"
printf '10.200.241.0/24\n' >"$LAB_TMP/allow.txt"
lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail persist-daemon "slotguard run did not start"; exit 1; }

# The bot earns a ban of its own (offences 1), a manual ban with a long
# reason, runtime entries of both lists, a runtime delete of a file entry.
reason="ticket 4711: scalper farm seen on the visa booking form, blocked for the release window (exactly 120 bytes.)"
traffic bot --count 60 --rate 100/s >/dev/null
sg ban add 10.200.99.0/24 --for 2h --reason "$reason" >/dev/null
sg allow add 10.200.250.0/24 fd00:5a:fa::/48 >/dev/null
sg deny add 10.200.251.7 >/dev/null
sg deny del 10.200.240.0/24 2>"$LAB_TMP/del.err" >/dev/null
wait_until 5 test -s "$STATE"
json_ok "$(cat "$STATE" 2>/dev/null)" && grep -q 10.200.99.0/24 "$STATE" && grep -q 10.200.250.0/24 "$STATE"
check persist-state-file-written "state file $STATE after bans and list changes: $(head -c 300 "$STATE" 2>&1)" \
	[ $? = 0 ]
before=$(sg ban list --json)

# ---- stop (detach, unpin) and start again
sg_stop_daemon TERM
left=$(find "$LAB_PIN" -mindepth 1 2>/dev/null | head -3)
[ -z "$left" ] || note "pins left after SIGTERM: $left"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail persist-restart "slotguard run did not start again"; exit 1; }
after=$(sg ban list --json)
if ban_active "$after" "$bot4/32" && ban_active "$after" 10.200.99.0/24 &&
	[ "$(jqr "$after" --arg c 10.200.99.0/24 '.bans[] | select(.prefix == $c) | .note')" = "$reason" ] &&
	[ "$(jqr "$after" --arg c "$bot4/32" '.bans[] | select(.prefix == $c) | .budget')" = conn_rate ]; then
	pass persist-stop-start-keeps-bans
else
	fail persist-stop-start-keeps-bans "before the stop: $before; after the start: $after; log: $(grep -i restor "$SG_DAEMON_LOG")"
fi

# until_ms JSON PREFIX : a ban's end in ms since the epoch.
until_ms() {
	local t
	t=$(jqr "$1" --arg c "$2" '.bans[] | select(.prefix == $c) | .until')
	[ -n "$t" ] && date -u -d "$t" +%s%3N
}
why=
for c in "$bot4/32" 10.200.99.0/24; do
	b=$(until_ms "$before" "$c") a=$(until_ms "$after" "$c")
	if [ -z "$b" ] || [ -z "$a" ] || [ $((a - b)) -gt 50 ] || [ $((b - a)) -gt 50 ]; then
		why+="$c ends at ${b:-?} ms before, ${a:-?} ms after; "
	fi
done
check persist-stop-start-keeps-end-times "$why" [ -z "$why" ]
off_b=$(jqr "$before" --arg c "$bot4/32" '.bans[] | select(.prefix == $c) | .offences')
off_a=$(jqr "$after" --arg c "$bot4/32" '.bans[] | select(.prefix == $c) | .offences')
if [ -n "$off_b" ] && [ "$off_b" -ge 1 ] && [ "$off_b" = "$off_a" ]; then
	pass persist-stop-start-keeps-offences
else
	fail persist-stop-start-keeps-offences "offences of $bot4/32: $off_b before, $off_a after"
fi

allow=$(sg allow list --json) deny=$(sg deny list --json)
runtime() { jqr "$1" '[.entries[] | select(.source == "runtime") | .prefix] | sort | join(" ")'; }
if [ "$(runtime "$allow")" = "10.200.250.0/24 fd00:5a:fa::/48" ] &&
	[ "$(runtime "$deny")" = "10.200.251.7/32" ] &&
	[ "$(jqr "$allow" '[.entries[] | select(.source == "file") | .prefix] | join(" ")')" = 10.200.241.0/24 ]; then
	pass persist-stop-start-keeps-runtime-entries
else
	fail persist-stop-start-keeps-runtime-entries "allow list: $allow; deny list: $deny"
fi
# A file entry deleted by a command: the file says what it holds, so it is
# back after the stop and start, and the del said so.
if grep -q 'back at the next reload or restart' "$LAB_TMP/del.err" && grep -q 10.200.240.0/24 <<<"$(list_cidrs "$deny")"; then
	pass persist-file-entry-del-returns
else
	fail persist-file-entry-del-returns "deny del of a deny.txt entry said '$(cat "$LAB_TMP/del.err")'; deny list after the start: $deny"
fi

# ---- kill -9, the pins gone (a reboot): what was saved while running
sg ban add 10.200.98.0/24 --for 1h --reason while-running >/dev/null
wait_until 5 grep -q while-running "$STATE"
sg_stop_daemon KILL
rm -rf "$LAB_PIN" # the pinned links go with it: detached, as after a reboot
sg_run_daemon "$LAB_TMP/sg.conf" || { fail persist-reboot "slotguard run did not start on fresh pins"; exit 1; }
out=$(sg ban list --json)
check persist-saved-while-running "a ban added while the daemon ran, then kill -9 and fresh pins: $out" \
	ban_active "$out" 10.200.98.0/24

# ---- a state file that is not ours: said, and the daemon starts anyway
sg_stop_daemon TERM
cp "$STATE" "$LAB_TMP/state.good"
echo '{"bans": "garbage' >"$STATE"
if sg_run_daemon "$LAB_TMP/sg.conf" && grep -q 'state.json' "$SG_DAEMON_LOG" &&
	grep -qi 'warning' "$SG_DAEMON_LOG"; then
	pass persist-bad-state-file-starts
else
	fail persist-bad-state-file-starts "log: $(grep -i state "$SG_DAEMON_LOG" | head -3)"
fi
sg_stop_daemon TERM
cp "$LAB_TMP/state.good" "$STATE"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail persist-daemon "slotguard run did not start"; exit 1; }

# ---- restart: SIGUSR2 keeps the filter for the next run; a flood from the
# denied client during it must never get through. flood_through RESTART_FN :
# THROUGH = connections of a 6 s flood at 200/s that succeeded while
# RESTART_FN ran (not in a subshell: it starts the daemon).
flood_through() {
	local out=$LAB_TMP/flood.json
	traffic_bg "$out" deny --count 1200 --rate 200/s
	sleep 1
	"$1"
	wait_pid 30 "$TRAFFIC_PID"
	THROUGH=$(jqr "$(cat "$out")" .succeeded)
}
handover() {
	sg_stop_daemon USR2
	STOPPED_ATTACHED=no
	lab_xdp_attached_all && STOPPED_ATTACHED=yes
	sg_run_daemon "$LAB_TMP/sg.conf"
}
plain_stop_start() {
	sg_stop_daemon TERM
	sg_run_daemon "$LAB_TMP/sg.conf"
}
traffic deny --count 5 --rate 50/s >/dev/null
drops_before=$(stat_packets "$(sg stats --json)" drop denylist)
flood_through handover
through=$THROUGH
drops_after=$(stat_packets "$(sg stats --json)" drop denylist)
note "flood of 1200 SYNs at 200/s from a denied client during a SIGUSR2 restart: ${through:-?} got through"
check persist-restart-keeps-filter-attached "XDP on every lab interface after SIGUSR2 and exit: $STOPPED_ATTACHED; log: $(grep -i stopping "$LAB_TMP"/daemon.*.log | tail -1)" \
	[ "$STOPPED_ATTACHED" = yes ]
check persist-restart-flood-never-passes "$through of 1200 flood connections got through during the restart" \
	[ "$through" = 0 ]
if [ "$drops_before" -gt 0 ] && [ "$drops_after" -ge $((drops_before + 1200)) ]; then
	pass persist-restart-keeps-counters
else
	fail persist-restart-keeps-counters "drop/denylist went from $drops_before to $drops_after across the restart and a flood of 1200"
fi
flood_through plain_stop_start
gap=$THROUGH
note "the same flood during SIGTERM and a new run (detach, attach): ${gap:-?} got through"
check persist-flood-measure-sees-stop-gap "a stop that detaches should let some of the flood through (the measurement must see a gap when there is one): $gap" \
	[ "${gap:-0}" -gt 0 ]

exit 0
