#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The daemon as an operator meets it: every manual change is in its log
# with who made it (also changes made while no daemon ran); a metrics port
# that is taken stops the start with the errno (unless --metrics-optional);
# `status` shows the daemon (pid, uptime, config, metrics, last reload) and
# tells "filter attached, no daemon" after a kill -9 from a running one.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(life-audit-ban-add life-audit-list-changes life-audit-while-no-daemon
	life-audit-json life-metrics-port-taken-fatal life-metrics-optional-runs
	life-status-running life-status-last-reload life-status-killed
	life-status-killed-json)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail life-lab "the lab did not come up"; exit 1; }
lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail life-daemon "slotguard run did not start"; exit 1; }

# log_has PATTERN : the daemon's log has a line matching PATTERN (ERE).
log_has() { grep -Eq -- "$1" "$SG_DAEMON_LOG"; }

# ---- manual changes, with who made them
SUDO_USER=alice sg ban add 10.200.99.7 --for 10m --reason 'ticket 9' >/dev/null
check life-audit-ban-add "no log line for the ban add with uid 0 and login alice: $(grep -i 'manual' "$SG_DAEMON_LOG" | head -3)" \
	wait_until 5 log_has 'manual change by uid 0 \(login alice, pid [0-9]+\) at [0-9T:.-]+Z: ban add 10\.200\.99\.7 .*ticket 9'
sg allow add 10.200.98.0/24 >/dev/null
sg deny add 10.200.97.7 >/dev/null
sg deny del 10.200.97.7 >/dev/null
sg ban del 10.200.99.7 >/dev/null
if wait_until 5 log_has 'manual change .*: ban del 10\.200\.99\.7' &&
	log_has 'manual change .*: allowlist add 10\.200\.98\.0/24' &&
	log_has 'manual change .*: denylist add 10\.200\.97\.7' &&
	log_has 'manual change .*: denylist del 10\.200\.97\.7'; then
	pass life-audit-list-changes
else
	fail life-audit-list-changes "log: $(grep -i 'manual' "$SG_DAEMON_LOG")"
fi

# ---- made while no daemon ran (kill -9): logged by the next one
sg_stop_daemon KILL
SUDO_USER=bob sg ban add 10.200.96.0/24 --for 5m >/dev/null
sg_run_daemon "$LAB_TMP/sg.conf" --log-format json || { fail life-daemon "slotguard run did not start again"; exit 1; }
line=
got_line() {
	line=$(grep '"event":"manual_change"' "$SG_DAEMON_LOG" | grep 10.200.96.0/24 | head -1)
	[ -n "$line" ]
}
check life-audit-while-no-daemon "a ban added while no daemon ran is not in the next daemon's log: $(head -c 600 "$SG_DAEMON_LOG")" \
	wait_until 5 got_line
if [ -n "$line" ] && jq -e '.level == "info" and .uid == 0 and .login == "bob" and (.pid | type == "number")
	and (.changed_at | test("^[0-9-]+T[0-9:.]+Z$")) and (.change | startswith("ban add 10.200.96.0/24"))' <<<"$line" >/dev/null; then
	pass life-audit-json
else
	fail life-audit-json "JSON line: $line"
fi

# ---- status, with the daemon running and after a reload
st=$(sg status --json)
pid=$SG_DAEMON_PID
if [ "$(jqr "$st" .state)" = running ] && [ "$(jqr "$st" .daemon.pid)" = "$pid" ] &&
	[ "$(jqr "$st" .daemon.alive)" = true ] && [ "$(jqr "$st" .daemon.config)" = "$LAB_TMP/sg.conf" ] &&
	[ "$(jqr "$st" .daemon.metrics_listen)" = 127.0.0.1:9717 ] &&
	[ "$(jqr "$st" '.daemon.uptime_seconds | type')" = number ] &&
	sg status | grep -q "^daemon: running, pid $pid, up "; then
	pass life-status-running
else
	fail life-status-running "daemon pid $pid; status --json .daemon: $(jqr "$st" -c .daemon); text: $(sg status | head -3)"
fi
sg reload >/dev/null 2>&1
st=$(sg status --json)
if [ "$(jqr "$st" .daemon.last_reload.ok)" = true ] && [ "$(jqr "$st" .daemon.reloads)" = 1 ] &&
	[ "$(jqr "$st" '.daemon.last_reload.time | test("Z$")')" = true ] &&
	sg status | grep -q '^  last reload .*: ok (1 reloads)'; then
	pass life-status-last-reload
else
	fail life-status-last-reload "after one reload: $(jqr "$st" -c .daemon); text: $(sg status | head -3)"
fi

# ---- kill -9: the filter stays, the daemon is gone, status says both
sg_stop_daemon KILL
st=$(sg status --json)
text=$(sg status)
if grep -q '^daemon: NOT RUNNING; filter attached, no daemon' <<<"$text" && grep -q "pid $pid" <<<"$text"; then
	pass life-status-killed
else
	fail life-status-killed "after kill -9 of $pid: $(head -3 <<<"$text")"
fi
if [ "$(jqr "$st" .state)" = attached_no_daemon ] && [ "$(jqr "$st" .daemon.alive)" = false ] &&
	[ "$(jqr "$st" .daemon.pid)" = "$pid" ] && [ "$(jqr "$st" .daemon.uptime_seconds)" = null ]; then
	pass life-status-killed-json
else
	fail life-status-killed-json "after kill -9: state $(jqr "$st" .state), daemon $(jqr "$st" -c .daemon)"
fi

# ---- a metrics port another process holds
in_ns "$LAB_GW" /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9717)); s.listen(1); time.sleep(60)' &
holder=$!
LAB_PIDS+=("$holder")
wait_until 5 in_ns "$LAB_GW" sh -c 'ss -ltn | grep -q 127.0.0.1:9717'
rm -rf "$LAB_PIN" # fresh start: nothing of the killed daemon
timeout 20 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN" \
	run -c "$LAB_TMP/sg.conf" >"$LAB_TMP/taken.log" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q 'metrics_listen 127.0.0.1:9717: .*Address already in use' "$LAB_TMP/taken.log" &&
	lab_xdp_detached_all && [ ! -e "$LAB_PIN/sg_config" ]; then
	pass life-metrics-port-taken-fatal
else
	fail life-metrics-port-taken-fatal "run with port 9717 taken: exit $rc (want 1), attached: $(lab_xdp_attached_all && echo yes || echo no), log: $(head -c 400 "$LAB_TMP/taken.log")"
fi
ns_bg "$LAB_GW" "$LAB_TMP/optional.log" "$SG_BIN" --pin-dir "$LAB_PIN" run -c "$LAB_TMP/sg.conf" --metrics-optional
opt=$BG_PID
if wait_until 10 lab_xdp_attached_all && sleep 0.5 && kill -0 "$opt" 2>/dev/null &&
	grep -q 'warning: metrics_listen 127.0.0.1:9717: .*Address already in use; running without metrics' "$LAB_TMP/optional.log"; then
	pass life-metrics-optional-runs
else
	fail life-metrics-optional-runs "--metrics-optional with the port taken: alive $(kill -0 "$opt" 2>/dev/null && echo yes || echo no), log: $(head -c 400 "$LAB_TMP/optional.log")"
fi
kill -TERM "$opt" 2>/dev/null
wait_pid 10 "$opt"
kill "$holder" 2>/dev/null
wait_pid 5 "$holder"
exit 0
