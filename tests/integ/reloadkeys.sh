#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every config key, changed and reloaded: it either applies live (the
# pinned state changes and nothing is said about a restart) or it is named
# in the log and in slotguard_config_restart_required as waiting for a
# restart (and the running value stays). `slotguard reload` waits for the
# verdict and fails on a refused file; the daemon tells systemd (sd_notify)
# when it is ready and how a reload went; the reload metrics say it too.
. "$(dirname "$0")/../lib/integ.sh"
. "$(dirname "$0")/../lib/code_words.sh"

TESTS=(reloadkeys-table-covers-every-key reloadkeys-live-keys-apply
	reloadkeys-restart-keys-reported reloadkeys-restart-metric
	reloadkeys-keep-attached-live reloadkeys-reload-ok reloadkeys-reload-refused
	reloadkeys-reload-metrics reloadkeys-reload-no-daemon
	reloadkeys-notify-ready reloadkeys-notify-reload reloadkeys-notify-stopping
	reloadkeys-unit-notify-and-reload)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail reloadkeys-lab "the lab did not come up"; exit 1; }
gif1=$(lab_gw_if people)
conf=$LAB_TMP/sg.conf
printf '10.200.241.0/24\n' >"$LAB_TMP/allow.txt"
printf '10.200.242.0/24\n' >"$LAB_TMP/allow2.txt"
printf '10.200.243.0/24\n' >"$LAB_TMP/deny.txt"
printf '10.200.244.0/24\n' >"$LAB_TMP/deny2.txt"
printf '10.200.245.0/24\n' >"$LAB_TMP/hosting.txt"
printf '10.200.246.0/24\n' >"$LAB_TMP/hosting2.txt"
printf '10.200.247.0/24\n' >"$LAB_TMP/partners.txt"
# [fleet] toward a port nothing listens on: the daemon retries, filters on.
(umask 077 && echo sgtest-pw >"$LAB_TMP/redis.password" && echo sgtest-pw2 >"$LAB_TMP/redis2.password")

# Every key, each on its own line; the table below changes one at a time.
base_conf() {
	cat <<EOF
[slotguard]
interfaces = $(lab_ifaces | tr ' ' ',')
xdp_mode = native
mode = enforce
metrics_listen = 127.0.0.1:9717
allowlist = allow.txt
denylist = deny.txt
pin_dir = $LAB_PIN
state_dir = $LAB_TMP/state
max_tracked_sources = 65536
keep_attached = no

[service booking]
protocol = tcp
port = $LAB_PORT
destinations = 10.200.0.0/16, fd00:5a::/32
ceiling = 1000/s
ceiling_burst = 1000

[service quic]
protocol = udp
port = 8553
quic = yes

[source]
prefix_v4 = 32
prefix_v6 = 64
conn_rate = 5/s
conn_burst = 10
packet_rate = 100/s
packet_burst = 400
conn_quota = 600/h
request_rate = 2/s
request_burst = 100
request_quota = 1800/h

[subnet]
prefix_v4 = 24
prefix_v6 = 48
conn_rate = 200/s
conn_burst = 400
packet_rate = 2000/s
packet_burst = 4000
conn_quota = 6000/h
request_rate = 20/s
request_burst = 1000
request_quota = 18000/h

[ban]
after = 3
window = 10s
time = 60s
max = 1h
memory = 1d
min_excess = 1
max_bans = 65536

[events]
rate = 50/s
burst = 100

[set hosting]
file = hosting.txt
action = limit
conn_rate = 100/s
conn_burst = 200
packet_rate = 1000/s
packet_burst = 2000
conn_quota = 6000/h
request_rate = 50/s
request_burst = 500
request_quota = 20000/h
ban_member = no
member_conn_rate = 3/s
member_conn_burst = 30
member_packet_rate = 150/s
member_packet_burst = 600
member_conn_quota = 900/h
member_request_rate = 3/s
member_request_burst = 150
member_request_quota = 2700/h
member_ban = yes

[set partners]
file = partners.txt
action = allow
[fleet]
redis = 127.0.0.1:1
user = sgtest
password_file = $LAB_TMP/redis.password
gateway = gw1
key_prefix = sgtest:
shared_bans = yes
shared_budgets = yes
sync_interval = 250ms
timeout = 2s
min_prefix_v4 = 16
min_prefix_v6 = 32
import_rate = 1000/s
import_burst = 10000
report_factor = 4

[profile window]
days = sat
start = 03:00
end = 03:01
timezone = UTC
mode = monitor
conn_rate = 1/s
conn_burst = 5
packet_rate = 50/s
packet_burst = 100
conn_quota = 300/h
request_rate = 1/s
request_burst = 50
request_quota = 900/h
subnet_conn_rate = 10/s
subnet_conn_burst = 50
subnet_packet_rate = 500/s
subnet_packet_burst = 1000
subnet_conn_quota = 3000/h
subnet_request_rate = 10/s
subnet_request_burst = 500
subnet_request_quota = 9000/h
ban_after = 2
ban_window = 5s
ban_time = 30s
ban_max = 30m
min_excess = 3
EOF
}

# SECTION-HEADER|KEY|NEW VALUE|live or restart
TABLE=(
	"[slotguard]|interfaces|$gif1|restart"
	"[slotguard]|xdp_mode|generic|restart"
	"[slotguard]|mode|monitor|live"
	"[slotguard]|metrics_listen|127.0.0.1:9718|restart"
	"[slotguard]|allowlist|allow2.txt|live"
	"[slotguard]|denylist|deny2.txt|live"
	"[slotguard]|pin_dir|$LAB_PIN-moved|restart"
	"[slotguard]|state_dir|$LAB_TMP/state2|restart"
	"[slotguard]|max_tracked_sources|32768|restart"
	"[service booking]|protocol|udp|live"
	"[service booking]|port|8444|live"
	"[service booking]|destinations|10.200.1.0/24|live"
	"[service booking]|ceiling|500/s|live"
	"[service booking]|ceiling_burst|500|live"
	"[service quic]|quic|no|live"
	"[source]|prefix_v4|30|live"
	"[source]|prefix_v6|60|live"
	"[source]|conn_rate|6/s|live"
	"[source]|conn_burst|12|live"
	"[source]|packet_rate|200/s|live"
	"[source]|packet_burst|500|live"
	"[source]|conn_quota|700/h|live"
	"[source]|request_rate|3/s|live"
	"[source]|request_burst|120|live"
	"[source]|request_quota|2000/h|live"
	"[subnet]|prefix_v4|20|live"
	"[subnet]|prefix_v6|40|live"
	"[subnet]|conn_rate|300/s|live"
	"[subnet]|conn_burst|500|live"
	"[subnet]|packet_rate|3000/s|live"
	"[subnet]|packet_burst|5000|live"
	"[subnet]|conn_quota|7000/h|live"
	"[subnet]|request_rate|30/s|live"
	"[subnet]|request_burst|1200|live"
	"[subnet]|request_quota|20000/h|live"
	"[ban]|after|4|live"
	"[ban]|window|20s|live"
	"[ban]|time|90s|live"
	"[ban]|max|2h|live"
	"[ban]|memory|2d|live"
	"[ban]|min_excess|2|live"
	"[ban]|max_bans|32768|restart"
	"[events]|rate|60/s|live"
	"[events]|burst|120|live"
	"[set hosting]|file|hosting2.txt|live"
	"[set partners]|action|deny|live"
	"[set hosting]|conn_rate|150/s|live"
	"[set hosting]|conn_burst|300|live"
	"[set hosting]|packet_rate|1500/s|live"
	"[set hosting]|packet_burst|2500|live"
	"[set hosting]|conn_quota|7000/h|live"
	"[set hosting]|request_rate|60/s|live"
	"[set hosting]|request_burst|600|live"
	"[set hosting]|request_quota|30000/h|live"
	"[set hosting]|ban_member|yes|live"
	"[set hosting]|member_conn_rate|4/s|live"
	"[set hosting]|member_conn_burst|40|live"
	"[set hosting]|member_packet_rate|160/s|live"
	"[set hosting]|member_packet_burst|700|live"
	"[set hosting]|member_conn_quota|1000/h|live"
	"[set hosting]|member_request_rate|4/s|live"
	"[set hosting]|member_request_burst|160|live"
	"[set hosting]|member_request_quota|3000/h|live"
	"[set hosting]|member_ban|no|live"
	"[fleet]|redis|127.0.0.1:2|restart"
	"[fleet]|user|sgtest2|restart"
	"[fleet]|password_file|$LAB_TMP/redis2.password|restart"
	"[fleet]|gateway|gw2|restart"
	"[fleet]|key_prefix|sgtest2:|restart"
	"[fleet]|shared_bans|no|restart"
	"[fleet]|shared_budgets|no|restart"
	"[fleet]|sync_interval|500ms|restart"
	"[fleet]|timeout|3s|restart"
	"[fleet]|min_prefix_v4|20|restart"
	"[fleet]|min_prefix_v6|40|restart"
	"[fleet]|import_rate|500/s|restart"
	"[fleet]|import_burst|5000|restart"
	"[fleet]|report_factor|8|restart"
	"[slotguard]|keep_attached|yes|live"
	# A profile's keys are live: the daemon runs the new profile (seen in
	# `profile list`; this window, one minute on Saturdays, is not active).
	"[profile window]|days|sun|live"
	"[profile window]|start|02:59|live"
	"[profile window]|end|03:02|live"
	"[profile window]|timezone|Europe/Madrid|live"
	"[profile window]|mode|enforce|live"
	"[profile window]|conn_rate|2/s|live"
	"[profile window]|conn_burst|6|live"
	"[profile window]|packet_rate|60/s|live"
	"[profile window]|packet_burst|120|live"
	"[profile window]|conn_quota|400/h|live"
	"[profile window]|request_rate|2/s|live"
	"[profile window]|request_burst|60|live"
	"[profile window]|request_quota|1000/h|live"
	"[profile window]|subnet_conn_rate|11/s|live"
	"[profile window]|subnet_conn_burst|60|live"
	"[profile window]|subnet_packet_rate|600/s|live"
	"[profile window]|subnet_packet_burst|1100|live"
	"[profile window]|subnet_conn_quota|3500/h|live"
	"[profile window]|subnet_request_rate|12/s|live"
	"[profile window]|subnet_request_burst|600|live"
	"[profile window]|subnet_request_quota|9500/h|live"
	"[profile window]|ban_after|3|live"
	"[profile window]|ban_window|6s|live"
	"[profile window]|ban_time|40s|live"
	"[profile window]|ban_max|40m|live"
	"[profile window]|min_excess|4|live"
)

# Every "SECTION KEY" of the code's tables is in the table.
why=
while read -r sec key; do
	found=
	for row in "${TABLE[@]}"; do
		IFS='|' read -r h k _ _ <<<"$row"
		h=${h#[}
		h=${h%]}
		[ "${h%% *}" = "$sec" ] && [ "$k" = "$key" ] && found=1
	done
	[ -n "$found" ] || why+="[$sec] $key; "
done < <(code_conf_keys)
check reloadkeys-table-covers-every-key "keys of the code that this test does not change: $why" [ -z "$why" ]

# with_value HEADER KEY VALUE : the base config with one value changed.
with_value() {
	base_conf | awk -v h="$1" -v k="$2" -v v="$3" '
		/^\[/ { in_sec = ($0 == h) }
		in_sec && $1 == k && $2 == "=" { print k " = " v; next }
		{ print }'
}

# fingerprint : the live state a reload may change (not its generation).
fingerprint() {
	sg status --json | jq -c '{mode, config: (.config | del(.generation)), services}'
	sg allow list --json | jq -c '.entries'
	sg deny list --json | jq -c '.entries'
	sg set list --json | jq -c '[.sets[] | {name, action, entries_ipv4}]'
	sg set show hosting --json | jq -c '.entries'
	sg profile list --json | jq -c '.profiles'
	bpftool map dump pinned "$LAB_PIN/sg_set_conf" 2>/dev/null | md5sum
}

# reload_with TEXT : write the config, reload, wait for the verdict.
reload_with() {
	printf '%s\n' "$1" >"$conf"
	LOG_FROM=$(wc -c <"$SG_DAEMON_LOG")
	sg reload >"$LAB_TMP/reload.out" 2>&1
}
log_since() { tail -c +$((LOG_FROM + 1)) "$SG_DAEMON_LOG"; }

base_conf >"$conf"
SG_RUN_FILE_PIN_DIR=1 sg_run_daemon "$conf" || { fail reloadkeys-daemon "slotguard run did not start"; exit 1; }
base_fp=$(fingerprint)
bad_live= bad_restart= bad_metric=
for row in "${TABLE[@]}"; do
	IFS='|' read -r h k v kind <<<"$row"
	[ "$k" = keep_attached ] && continue
	if ! reload_with "$(with_value "$h" "$k" "$v")"; then
		[ "$kind" = live ] && bad_live+="$h $k: reload failed: $(cat "$LAB_TMP/reload.out"); "
		[ "$kind" = restart ] && bad_restart+="$h $k: reload failed: $(cat "$LAB_TMP/reload.out"); "
		reload_with "$(base_conf)"
		continue
	fi
	said=$(log_since | grep -c "restart")
	fp=$(fingerprint)
	if [ "$kind" = live ]; then
		[ "$said" = 0 ] && [ "$fp" != "$base_fp" ] ||
			bad_live+="$h $k = $v: restart lines $said, state changed: $([ "$fp" != "$base_fp" ] && echo yes || echo no); "
	else
		log_since | grep -q "\[${h:1:-1}\] $k changed" && [ "$fp" = "$base_fp" ] ||
			bad_restart+="$h $k = $v: log '$(log_since | grep -i restart | head -c 200)', state unchanged: $([ "$fp" = "$base_fp" ] && echo yes || echo no); "
		m=$(in_ns "$LAB_GW" curl -s "http://127.0.0.1:9717/metrics" |
			grep "^slotguard_config_restart_required{.*key=\"$k\"}" | awk '{ print $2 }')
		[ "$m" = 1 ] || bad_metric+="$k: $m; "
	fi
	# From a live key the next row's file takes it back as it changes its
	# own (half the reloads); a restart key's row goes back by itself.
	[ "$kind" = restart ] || continue
	reload_with "$(base_conf)" || bad_live+="back to the base config failed after $k: $(cat "$LAB_TMP/reload.out"); "
	[ "$(fingerprint)" = "$base_fp" ] || note "state after going back from $k differs from the base"
done
reload_with "$(base_conf)" || bad_live+="back to the base config failed at the end: $(cat "$LAB_TMP/reload.out"); "
check reloadkeys-live-keys-apply "$bad_live" [ -z "$bad_live" ]
check reloadkeys-restart-keys-reported "$bad_restart" [ -z "$bad_restart" ]
m=$(in_ns "$LAB_GW" curl -s "http://127.0.0.1:9717/metrics" |
	grep -c '^slotguard_config_restart_required{.*} 1$')
if [ -z "$bad_metric" ] && [ "$m" = 0 ]; then
	pass reloadkeys-restart-metric
else
	fail reloadkeys-restart-metric "restart_required after a change: $bad_metric; after going back: $m series at 1"
fi

# ---- the verdicts of `slotguard reload`
reload_with "$(base_conf)"
rc=$?
if [ "$rc" = 0 ] && grep -q reloaded "$LAB_TMP/reload.out"; then
	pass reloadkeys-reload-ok
else
	fail reloadkeys-reload-ok "reload of a good config: exit $rc: $(cat "$LAB_TMP/reload.out")"
fi
reload_with "$(with_value '[source]' conn_rate fast)"
rc=$?
line=$(grep -n '^conn_rate = fast' "$conf" | cut -d: -f1)
if [ "$rc" = 1 ] && grep -q "sg.conf:$line:" "$LAB_TMP/reload.out" && sg_daemon_alive; then
	pass reloadkeys-reload-refused
else
	fail reloadkeys-reload-refused "reload of 'conn_rate = fast' (line $line): exit $rc: $(cat "$LAB_TMP/reload.out")"
fi
metrics=$(in_ns "$LAB_GW" curl -s "http://127.0.0.1:9717/metrics")
ok0=$(awk '$1 == "slotguard_config_last_reload_successful" { print $2 }' <<<"$metrics")
ts0=$(awk '$1 == "slotguard_config_last_reload_success_timestamp_seconds" { print $2 }' <<<"$metrics")
reload_with "$(base_conf)"
metrics=$(in_ns "$LAB_GW" curl -s "http://127.0.0.1:9717/metrics")
ok1=$(awk '$1 == "slotguard_config_last_reload_successful" { print $2 }' <<<"$metrics")
ts1=$(awk '$1 == "slotguard_config_last_reload_success_timestamp_seconds" { print $2 }' <<<"$metrics")
now=$(date +%s)
if [ "$ok0" = 0 ] && [ "$ok1" = 1 ] && [ "${ts1%.*}" -ge "${ts0%.*}" ] && [ $((now - ${ts1%.*})) -le 5 ]; then
	pass reloadkeys-reload-metrics
else
	fail reloadkeys-reload-metrics "after a refused reload: successful=$ok0 timestamp=$ts0; after a good one: successful=$ok1 timestamp=$ts1 (now $now)"
fi

# ---- keep_attached applies live: a stop after the reload keeps the filter
reload_with "$(with_value '[slotguard]' keep_attached yes)"
sg_stop_daemon TERM
check reloadkeys-keep-attached-live "keep_attached = yes by reload, then SIGTERM: attached: $(lab_xdp_attached_all && echo yes || echo no)" \
	lab_xdp_attached_all
sg reload >"$LAB_TMP/reload.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "no daemon" "$LAB_TMP/reload.out"; then
	pass reloadkeys-reload-no-daemon
else
	fail reloadkeys-reload-no-daemon "reload with no daemon: exit $rc: $(cat "$LAB_TMP/reload.out")"
fi

# ---- sd_notify: a datagram socket in the role of systemd's
sock=$LAB_TMP/notify.sock
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        out.flush()
' "$sock" "$LAB_TMP/notify.log" &
LAB_PIDS+=($!)
wait_until 5 test -S "$sock"
base_conf >"$conf"
export NOTIFY_SOCKET=$sock
SG_RUN_FILE_PIN_DIR=1 sg_run_daemon "$conf"
unset NOTIFY_SOCKET
wait_until 5 grep -q 'READY=1' "$LAB_TMP/notify.log"
check reloadkeys-notify-ready "notifications: $(cat "$LAB_TMP/notify.log" 2>/dev/null)" \
	grep -q '^READY=1|STATUS=running' "$LAB_TMP/notify.log"
reload_with "$(with_value '[source]' conn_rate fast)"
reload_with "$(base_conf)"
n=$(grep -c '' "$LAB_TMP/notify.log")
if [ "$n" -ge 5 ] && grep -q '^READY=1|STATUS=reload refused: .*sg.conf' "$LAB_TMP/notify.log" &&
	[ "$(grep -c '^RELOADING=1' "$LAB_TMP/notify.log")" = 2 ] &&
	[ "$(tail -n 1 "$LAB_TMP/notify.log" | cut -c1-7)" = READY=1 ]; then
	pass reloadkeys-notify-reload
else
	fail reloadkeys-notify-reload "notifications: $(cat "$LAB_TMP/notify.log")"
fi
sg_stop_daemon TERM
check reloadkeys-notify-stopping "notifications: $(cat "$LAB_TMP/notify.log")" \
	grep -q '^STOPPING=1' "$LAB_TMP/notify.log"

# ---- the unit: Type=notify, ExecReload waits for the verdict
unit=$LAB_TMP/slotguard.service
sed -e 's|@SBINDIR@|/usr/sbin|g' -e 's|@SYSCONFDIR@|/etc|g' "$LAB_ROOT/deploy/slotguard.service" >"$unit"
out=$(systemd-analyze verify --man=no "$unit" 2>&1 | grep -v 'slotguard.*not executable\|Command /usr/sbin/slotguard')
if grep -q '^Type=notify$' "$unit" && grep -q '^ExecReload=/usr/sbin/slotguard reload$' "$unit" &&
	grep -q '^StateDirectory=slotguard$' "$unit" && [ -z "$out" ]; then
	pass reloadkeys-unit-notify-and-reload
else
	fail reloadkeys-unit-notify-and-reload "unit: $(grep -E '^(Type|ExecReload|StateDirectory)=' "$unit" | tr '\n' ' '); systemd-analyze verify: $out"
fi
exit 0
