#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Commit confirmed (`slotguard apply`): a new config runs at once, and
# unless `apply --confirm` comes before the deadline (3 s here) the daemon
# goes back to the confirmed one by itself; also across a SIGHUP, and
# across a restart while pending (with the config edited in place, so only
# the daemon's saved copy knows the confirmed text). A config the daemon
# refuses changes nothing. Effects are read from the maps (the budget in
# sg_config, through status --json) and seen in traffic.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(apply-bad-config-refused apply-switches-at-once apply-status-pending
	apply-rolls-back-unconfirmed apply-confirmed-stays apply-second-refused
	apply-cancel apply-sighup-keeps-deadline apply-restart-comes-back-confirmed
	apply-metrics)

lab_need_daemon "${TESTS[@]}" || exit 0
lab_up bot || { fail apply-lab "the lab did not come up"; exit 1; }

# A: 10 connections at once; B: 2. No bans: the bot is only limited.
CONF_BAN_AFTER=0 lab_conf "$LAB_TMP/a.conf"
CONF_BAN_AFTER=0 CONF_CONN_RATE=1/s CONF_CONN_BURST=2 lab_conf "$LAB_TMP/b.conf"
sed 's|^conn_rate = 5/s$|conn_rate = fast|' "$LAB_TMP/a.conf" >"$LAB_TMP/bad.conf"
bad_line=$(grep -n '^conn_rate = fast$' "$LAB_TMP/bad.conf" | cut -d: -f1)
conf=$LAB_TMP/sg.conf
cp "$LAB_TMP/a.conf" "$conf"
sg_run_daemon "$conf" || { fail apply-daemon "slotguard run did not start"; exit 1; }

# burst : the source conn_burst the program runs with (from sg_config).
burst() { sg status --json | jq -r '.config.budgets.source.conn.burst'; }
# burst_is N : it is N.
burst_is() { [ "$(burst)" = "$1" ]; }
# through : connections of 20 at once that the program let through.
through() { jqr "$(traffic bot --count 20 --rate max)" .succeeded; }
# metric NAME : its value in the daemon's exposition.
metric() {
	in_ns "$LAB_GW" curl -s --max-time 5 http://127.0.0.1:9717/metrics |
		awk -v n="$1" '$1 == n { print $2 }'
}
logged() { grep -q -- "$1" "$SG_DAEMON_LOG"; }

# ---- a config the daemon refuses: exit 2, FILE:LINE, nothing changes
sg apply -c "$LAB_TMP/bad.conf" --confirm-within 3s >/dev/null 2>"$LAB_TMP/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "bad.conf:$bad_line:" "$LAB_TMP/err" && burst_is 10 &&
	logged "apply refused: .*bad.conf:$bad_line" &&
	[ "$(sg status --json | jq -r .daemon.pending_change)" = null ]; then
	pass apply-bad-config-refused
else
	fail apply-bad-config-refused "exit $rc (want 2), stderr '$(cat "$LAB_TMP/err")', burst $(burst) (want 10)"
fi

# ---- unconfirmed: B at once, A again after 3 s
sleep 1.1 # the bucket is full again
t0=$(lab_now_ms)
out=$(sg apply -c "$LAB_TMP/b.conf" --confirm-within 3s 2>&1)
rc=$?
got=$(through)
if [ "$rc" = 0 ] && burst_is 2 && [ "$got" -le 3 ]; then
	pass apply-switches-at-once
else
	fail apply-switches-at-once "exit $rc: $out; burst $(burst) (want 2); $got of 20 through (want 2 or 3)"
fi
st=$(sg status --json)
text=$(sg status)
if [ "$(jqr "$st" .daemon.pending_change.config)" = "$LAB_TMP/b.conf" ] &&
	[ "$(jqr "$st" .daemon.pending_change.confirmed_config)" = "$LAB_TMP/sg.conf" ] &&
	jqr "$st" -e '.daemon.pending_change.seconds_left <= 3' >/dev/null &&
	grep -q "pending change: $LAB_TMP/b.conf" <<<"$text" &&
	[ -s "$LAB_TMP/state/apply.json" ]; then
	pass apply-status-pending
else
	fail apply-status-pending "status --json daemon: $(jqr "$st" -c .daemon); text: $(grep -i pending <<<"$text")"
fi
wait_until 6 burst_is 10
t1=$(lab_now_ms)
# The daemon's own times: applied at, rolled back at (ms).
log_ms() {
	grep -m1 -- "$1" "$SG_DAEMON_LOG" | cut -c12-23 |
		awk -F: '{ printf "%d\n", ($1 * 3600 + $2 * 60 + $3) * 1000 }'
}
applied_ms=$(log_ms 'apply: running .*b.conf')
rolled_ms=$(log_ms 'apply: rolled back from')
sleep 1.1
got=$(through)
if burst_is 10 && [ "$got" -ge 9 ] && logged 'apply: rolled back from' &&
	[ ! -e "$LAB_TMP/state/apply.json" ] && [ $((t1 - t0)) -ge 2900 ]; then
	pass apply-rolls-back-unconfirmed
else
	fail apply-rolls-back-unconfirmed "after $((t1 - t0)) ms: burst $(burst) (want 10), $got of 20 through; log: $(grep 'apply' "$SG_DAEMON_LOG" | tail -3)"
fi
note "--confirm-within 3s: the daemon logged the rollback $((rolled_ms - applied_ms)) ms after the switch"

# ---- confirmed: B stays past the deadline; a second apply meanwhile refused
sg apply -c "$LAB_TMP/b.conf" --confirm-within 3s >/dev/null 2>&1
sg apply -c "$LAB_TMP/a.conf" --confirm-within 3s >/dev/null 2>"$LAB_TMP/err"
rc2=$?
check apply-second-refused "a second apply while one is pending: exit $rc2 (want 1), '$(cat "$LAB_TMP/err")'" \
	[ "$rc2" = 1 ]
out=$(sg apply --confirm 2>&1)
rc=$?
sleep 4
sg reload >/dev/null 2>&1 # a SIGHUP after the confirm reads b.conf: B stays
if [ "$rc" = 0 ] && burst_is 2 && logged 'apply: .*b.conf confirmed' &&
	[ "$(sg status --json | jq -r .daemon.config)" = "$LAB_TMP/b.conf" ]; then
	pass apply-confirmed-stays
else
	fail apply-confirmed-stays "confirm: exit $rc: $out; 4 s after the deadline and a SIGHUP burst $(burst) (want 2)"
fi

# ---- cancel: back to the confirmed config (B now) at once
sg apply -c "$LAB_TMP/a.conf" --confirm-within 1m >/dev/null 2>&1
before=$(burst)
out=$(sg apply --cancel 2>&1)
rc=$?
check apply-cancel "apply A then --cancel: burst $before then $(burst) (want 10 then 2); exit $rc: $out" \
	[ "$rc" = 0 -a "$before" = 10 -a "$(burst)" = 2 ]

# ---- SIGHUP while pending re-reads the pending file; the deadline stays
sg apply -c "$LAB_TMP/a.conf" --confirm-within 3s --confirm >/dev/null 2>&1 # usage error
sg apply -c "$LAB_TMP/a.conf" --confirm-within 3s >/dev/null 2>&1
sed -i 's/^conn_burst = 10$/conn_burst = 7/' "$LAB_TMP/a.conf"
sg reload >/dev/null 2>&1
after_hup=$(burst)
wait_until 6 burst_is 2
if [ "$after_hup" = 7 ] && burst_is 2 && logged 'still rolls back to'; then
	pass apply-sighup-keeps-deadline
else
	fail apply-sighup-keeps-deadline "after SIGHUP burst $after_hup (want 7, the pending file re-read), after the deadline $(burst) (want 2); log: $(grep 'apply' "$SG_DAEMON_LOG" | tail -3)"
fi
sed -i 's/^conn_burst = 7$/conn_burst = 10/' "$LAB_TMP/a.conf"

# ---- restart while pending: the config edited in place, applied, and the
# daemon stopped before a confirm comes back with what was confirmed (B)
# although the file now says A.
sg apply -c "$LAB_TMP/a.conf" --confirm-within 3s >/dev/null 2>&1
sg apply --confirm >/dev/null 2>&1 # A confirmed: the daemon runs a.conf
cp "$LAB_TMP/b.conf" "$LAB_TMP/a.conf.new" && mv "$LAB_TMP/a.conf.new" "$LAB_TMP/a.conf"
sg apply --confirm-within 1m >/dev/null 2>&1 # B, in place of a.conf
during=$(burst)
sed -i 's/^conn_burst = 2$/conn_burst = 3/' "$LAB_TMP/a.conf"
sg_stop_daemon TERM
sg_run_daemon "$LAB_TMP/a.conf" || { fail apply-restart-comes-back-confirmed "the daemon did not start again"; exit 1; }
if [ "$during" = 2 ] && burst_is 10 && logged 'was waiting for `slotguard apply --confirm`' &&
	[ ! -e "$LAB_TMP/state/apply.json" ] &&
	[ "$(sg status --json | jq -r .daemon.pending_change)" = null ]; then
	pass apply-restart-comes-back-confirmed
else
	fail apply-restart-comes-back-confirmed "pending burst $during (want 2), after the restart $(burst) (want 10, the confirmed text); log: $(head -c 600 "$SG_DAEMON_LOG")"
fi

# ---- metrics: counted, and promtool takes them
sg apply -c "$LAB_TMP/b.conf" --confirm-within 1m >/dev/null 2>&1
in_ns "$LAB_GW" curl -s --max-time 5 http://127.0.0.1:9717/metrics >"$LAB_TMP/m.txt"
sg apply --cancel >/dev/null 2>&1
lint=$(promtool check metrics <"$LAB_TMP/m.txt" 2>&1 | grep -v '^$')
if [ "$(awk '$1 == "slotguard_apply_pending" { print $2 }' "$LAB_TMP/m.txt")" = 1 ] &&
	grep -q '^slotguard_apply_total{result="rolled_back"} 1$' "$LAB_TMP/m.txt" &&
	grep -q '^slotguard_apply_total{result="applied"} 1$' "$LAB_TMP/m.txt" &&
	! grep -q '^slotguard_apply_deadline_timestamp_seconds 0' "$LAB_TMP/m.txt" &&
	[ "$(metric 'slotguard_apply_total{result="cancelled"}')" = 1 ] &&
	[ "$(metric slotguard_apply_pending)" = 0 ] &&
	{ ! command -v promtool >/dev/null || [ -z "$lint" ]; }; then
	pass apply-metrics
else
	fail apply-metrics "$(grep slotguard_apply "$LAB_TMP/m.txt" | tr '\n' ' '); promtool: $lint"
fi
exit 0
