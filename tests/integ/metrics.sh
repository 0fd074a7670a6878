#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Metrics and ban events, checked with the real tools: promtool on the
# exposition and the alert rules, a real Prometheus scraping the daemon in
# the lab and seeing the drop counter rise during a flood, counters that
# survive a daemon restart, JSON ban lines, and `make install` layout.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(metrics-promtool-check metrics-http-only-get metrics-healthz
	metrics-prometheus-sees-drops metrics-monotonic-across-restart
	metrics-ban-event-json-line metrics-alert-rules metrics-install-layout
	metrics-dashboard-names-exist)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	skip_all "prometheus/promtool not installed (make deps)" "${TESTS[@]}"
	exit 0
fi
lab_up bot || { fail metrics-lab "the lab did not come up"; exit 1; }

CONF_CONN_RATE=5/s CONF_CONN_BURST=10 CONF_BAN_AFTER=3 \
	lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" --log-format json ||
	{ fail metrics-daemon "slotguard run did not start"; exit 1; }

# curl_gw ARGS... : curl inside the gateway namespace (the daemon's loopback).
curl_gw() { in_ns "$LAB_GW" curl -s --max-time 5 "$@"; }

# A first flood so that every family of metrics has samples.
traffic bot --count 200 --rate 200/s >/dev/null

curl_gw http://127.0.0.1:9717/metrics >"$LAB_TMP/m1.txt"
if out=$(promtool check metrics <"$LAB_TMP/m1.txt" 2>&1) &&
	grep -q '^slotguard_packets_total{.*verdict="drop",reason="conn_rate"}' "$LAB_TMP/m1.txt"; then
	pass metrics-promtool-check
else
	fail metrics-promtool-check "promtool: $out; sample: $(head -c 600 "$LAB_TMP/m1.txt")"
fi

# Every metric the shipped dashboard and alert rules query is one the
# daemon exports (fleet metrics only exist in fleet mode: fleet.sh).
why=
for name in $(grep -ho 'slotguard_[a-z_]*' "$LAB_ROOT/deploy/grafana-dashboard.json" \
	"$LAB_ROOT/deploy/alerts.yml" | sort -u); do
	[[ $name == slotguard_fleet_* ]] && continue
	grep -q "^$name[{ ]" "$LAB_TMP/m1.txt" || why+="$name; "
done
check metrics-dashboard-names-exist "not in the daemon's metrics: $why" [ -z "$why" ]

code=$(curl_gw -o /dev/null -w '%{http_code}' -X POST --data x http://127.0.0.1:9717/metrics)
code404=$(curl_gw -o /dev/null -w '%{http_code}' http://127.0.0.1:9717/admin)
if [ "$code" = 405 ] && [ "$code404" = 404 ]; then
	good=1
else
	good=0
fi
check metrics-http-only-get "POST gave $code (want 405), /admin gave $code404 (want 404)" \
	[ "$good" = 1 ]
check metrics-healthz "/healthz did not answer ok" \
	[ "$(curl_gw http://127.0.0.1:9717/healthz)" = ok ]

# A real Prometheus in the gateway namespace, scraping every second.
cat >"$LAB_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: slotguard
    static_configs:
      - targets: ['127.0.0.1:9717']
EOF
ns_bg "$LAB_GW" "$LAB_TMP/prometheus.log" prometheus \
	--config.file="$LAB_TMP/prometheus.yml" \
	--storage.tsdb.path="$LAB_TMP/prom-data" \
	--web.listen-address=127.0.0.1:9090
PROM_PID=$BG_PID

# prom_drops : what Prometheus last scraped of the drop counter, or "".
prom_drops() {
	curl_gw 'http://127.0.0.1:9090/api/v1/query' \
		--data-urlencode 'query=sum(slotguard_packets_total{verdict="drop"})' |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
prom_has_drops() { [ -n "$(prom_drops)" ]; }

if wait_until 30 prom_has_drops; then
	before=$(prom_drops)
	# Lift the ban so the flood is dropped by budget again, then flood.
	sg ban del "$(lab_client_addr bot)/32" >/dev/null 2>&1
	traffic bot --count 300 --rate 300/s >/dev/null
	rose() { [ "$(prom_drops)" -gt "$before" ] 2>/dev/null; }
	if wait_until 20 rose; then
		pass metrics-prometheus-sees-drops
	else
		fail metrics-prometheus-sees-drops "Prometheus saw $before drops before the flood and $(prom_drops) after"
	fi
else
	fail metrics-prometheus-sees-drops "Prometheus never scraped the drop counter; its log: $(tail -5 "$LAB_TMP/prometheus.log")"
fi
kill "$PROM_PID" 2>/dev/null

# Counters live in pinned per-CPU maps: a killed and restarted daemon goes on
# counting from where it was.
drop_total() {
	curl_gw http://127.0.0.1:9717/metrics |
		awk '/^slotguard_packets_total\{.*verdict="drop"/ { s += $2 } END { print s + 0 }'
}
first=$(drop_total)
sg_stop_daemon KILL
sg_run_daemon "$LAB_TMP/sg.conf" --log-format json ||
	{ fail metrics-monotonic-across-restart "the daemon did not restart"; }
second=$(drop_total)
if [ "$second" -ge "$first" ] && [ "$first" -gt 0 ]; then
	good=1
else
	good=0
fi
check metrics-monotonic-across-restart "drops before restart $first, after $second" \
	[ "$good" = 1 ]

# The first daemon's log had a ban line in JSON with every field.
line=$(grep '"event":"ban"' "$LAB_TMP"/daemon.1.log | head -1)
if [ -n "$line" ] && jq -e '.prefix and .budget and .observed_per_second and
	.limit_per_second and .duration_seconds and .offences' <<<"$line" >/dev/null; then
	pass metrics-ban-event-json-line
else
	fail metrics-ban-event-json-line "no complete JSON ban line in the log: $(head -5 "$LAB_TMP"/daemon.1.log)"
fi

check metrics-alert-rules "promtool check rules deploy/alerts.yml failed" \
	promtool check rules "$LAB_ROOT/deploy/alerts.yml"

# The installed config refuses to start until interfaces is set; then it
# passes.
dest=$LAB_TMP/install
if make -s -C "$LAB_ROOT" install BUILD="$BUILD" DESTDIR="$dest" >"$LAB_TMP/install.log" 2>&1 &&
	[ -x "$dest/usr/local/sbin/slotguard" ] &&
	[ -f "$dest/lib/systemd/system/slotguard.service" ] &&
	[ -f "$dest/etc/slotguard/slotguard.conf" ] &&
	[ -f "$dest/usr/local/share/slotguard/grafana-dashboard.json" ] &&
	! grep -q @ "$dest/lib/systemd/system/slotguard.service" &&
	! "$dest/usr/local/sbin/slotguard" config check "$dest/etc/slotguard/slotguard.conf" >/dev/null 2>&1 &&
	sed -i 's/^#interfaces = .*/interfaces = lo/' "$dest/etc/slotguard/slotguard.conf" &&
	"$dest/usr/local/sbin/slotguard" config check "$dest/etc/slotguard/slotguard.conf" >/dev/null; then
	pass metrics-install-layout
else
	fail metrics-install-layout "make install DESTDIR=$dest: $(tail -5 "$LAB_TMP/install.log"; find "$dest" -type f | head)"
fi
exit 0
