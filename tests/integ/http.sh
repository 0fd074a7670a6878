#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The metrics endpoint faces whoever can reach it: only GET and HEAD on
# /metrics and /healthz, a cap on request size and on connections, slow
# clients timed out so that a slowloris cannot stop a scrape, and loopback
# unless the config says otherwise.
. "$(dirname "$0")/../lib/integ.sh"

SG_SLOWHTTP=$BUILD/tools/sg_slowhttp

TESTS=(http-listens-loopback-only http-not-reachable-from-clients
	http-get-head-answered http-other-methods-405 http-other-paths-404
	http-body-refused http-junk-request-refused http-huge-header-refused
	http-serves-after-huge-header http-connection-cap
	http-idle-client-timed-out http-slowloris-scrape-succeeds
	http-slowloris-clients-timed-out http-slowloris-reopening-scrape-succeeds
	http-serves-after-slowloris
	http-listen-elsewhere-when-told)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
if [ ! -x "$SG_SLOWHTTP" ] || ! command -v ss >/dev/null; then
	skip_all "needs $SG_SLOWHTTP (run make) and ss" "${TESTS[@]}"
	exit 0
fi
lab_up people || { fail http-lab "the lab did not come up"; exit 1; }

# The lab's config names metrics_listen; the default must come from
# slotguard itself, so this config leaves the key out.
lab_conf "$LAB_TMP/with-listen.conf"
grep -v '^metrics_listen' "$LAB_TMP/with-listen.conf" >"$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail http-daemon "slotguard run did not start"; exit 1; }
URL=http://127.0.0.1:9717

# code METHOD PATH [curl options] : the HTTP status from the gateway
# namespace (000 when there was no answer).
code() {
	local method=$1 path=$2
	shift 2
	in_ns "$LAB_GW" curl -s -o /dev/null -w '%{http_code}' --path-as-is \
		--max-time 5 -X "$method" "$@" "$URL$path"
}

# scrape [SECONDS] : GET /metrics within SECONDS (default 5); prints
# "CODE TIME" and succeeds on a 200 with slotguard's metrics in it.
scrape() {
	local out
	out=$(in_ns "$LAB_GW" curl -s --max-time "${1:-5}" \
		-w '\n%{http_code} %{time_total}' "$URL/metrics")
	tail -n 1 <<<"$out"
	[ "$(tail -n 1 <<<"$out" | cut -d' ' -f1)" = 200 ] &&
		grep -q '^slotguard_build_info' <<<"$out"
}

# sockets : how many sockets the daemon holds open.
sockets() {
	find "/proc/$SG_DAEMON_PID/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# ---- where it listens
listen=$(in_ns "$LAB_GW" ss -Hltn 'sport = :9717' | awk '{print $4}' | sort -u | tr '\n' ' ')
check http-listens-loopback-only "no metrics_listen in the config: listening on '$listen', want only 127.0.0.1:9717" \
	[ "$listen" = "127.0.0.1:9717 " ]
out=$(in_ns "$(lab_ns people)" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	"http://$(lab_gw_addr people):9717/metrics")
check http-not-reachable-from-clients "a client namespace reached http://$(lab_gw_addr people):9717/metrics: HTTP $out" \
	[ "$out" = 000 ]

# ---- methods and paths
got=
for p in /metrics /healthz; do
	got+="GET $p $(code GET "$p"); HEAD $p $(code HEAD "$p" -I); "
done
check http-get-head-answered "want 200 for each: $got" \
	[ "$(grep -o ' 200;' <<<"$got" | wc -l)" = 4 ]
got='' bad=0
for m in POST PUT DELETE PATCH OPTIONS TRACE CONNECT BREW; do
	for p in /metrics /healthz; do
		c=$(code "$m" "$p")
		got+="$m $p $c; "
		[ "$c" = 405 ] || bad=$((bad + 1))
	done
done
allow=$(in_ns "$LAB_GW" curl -s -o /dev/null -D - --max-time 5 -X POST "$URL/metrics" |
	tr -d '\r' | sed -n 's/^[Aa]llow: //p')
check http-other-methods-405 "want 405 with 'Allow: GET, HEAD' for each: $got Allow: '$allow'" \
	[ "$bad" = 0 -a "$allow" = "GET, HEAD" ]
got='' bad=0
for p in / /metrics/ /metricsx /metrics/../healthz /healthz/x /admin /debug/pprof \
	/%2e%2e/etc/passwd "/$(head -c 3000 /dev/zero | tr '\0' a)"; do
	c=$(code GET "$p")
	got+="${p:0:24} $c; "
	[ "$c" = 404 ] || bad=$((bad + 1))
done
check http-other-paths-404 "want 404 for each: $got" [ "$bad" = 0 ]

# A GET is not a way to send the daemon data either: a clear 4xx (the
# handler means to answer 400), and the daemon serves on.
c=$(code GET /metrics -H 'Content-Type: text/plain' --data-binary 'x=1')
if [ "$c" -ge 400 ] && [ "$c" -lt 500 ] && scrape >/dev/null; then
	pass http-body-refused
else
	fail http-body-refused "GET /metrics with a 3-byte body: HTTP $c (000: closed without an answer), want a 4xx such as 400; scrape after it: $(scrape)"
fi

# Not HTTP at all: refused or closed, never a metrics page.
out=$(in_ns "$LAB_GW" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9717 &&
	printf "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03junk\r\n\r\n" >&3 &&
	timeout 5 head -c 200 <&3' 2>/dev/null | head -n 1 | tr -d '\r')
if [[ ! $out =~ \ 200 ]] && scrape >/dev/null; then
	pass http-junk-request-refused
else
	fail http-junk-request-refused "a TLS-like junk request got '$out'; scrape after it: $(scrape)"
fi

# ---- request size
big=$(in_ns "$LAB_GW" "$SG_SLOWHTTP" big --to 127.0.0.1 --port 9717 \
	--header-bytes 1048576 --timeout-ms 5000)
status=$(jqr "$big" .status)
if json_ok "$big" && { [ "$status" -ge 400 ] 2>/dev/null || [ "$(jqr "$big" .closed)" = true ] ||
	[ -n "$(jqr "$big" .send_error)" ]; } && [ "$status" != 200 ]; then
	pass http-huge-header-refused
else
	fail http-huge-header-refused "a request with a 1 MiB header: $big (want a 4xx or a closed connection)"
fi
if why=$(scrape) && sg_daemon_alive; then
	pass http-serves-after-huge-header
else
	fail http-serves-after-huge-header "scrape after the 1 MiB header: $why; daemon alive: $(sg_daemon_alive && echo yes || echo no)"
fi

# ---- connections: the daemon holds a bounded number, whatever is offered
idle0=$(sockets)
slow_bg() { # OUT CONNS INTERVAL_MS DURATION_S [--reopen]
	local out=$1 conns=$2 interval=$3 duration=$4
	shift 4
	ns_bg "$LAB_GW" "$out" "$SG_SLOWHTTP" slow --to 127.0.0.1 --port 9717 \
		--conns "$conns" --interval-ms "$interval" --duration-s "$duration" "$@"
}
# Far more than a metrics endpoint needs: it must not take them all in.
# (loader/daemon/metrics.c: SG_HTTP_MAX_CONNECTIONS, 256 at the time of writing.)
slow_bg "$LAB_TMP/idle.json" 400 60000 9
idle_pid=$BG_PID
sleep 2
held=$(($(sockets) - idle0))
check http-connection-cap "400 connections offered: the daemon holds $held more sockets (want 1..256)" \
	[ "$held" -ge 1 -a "$held" -le 256 ]
# They sent half a request and then nothing: closed within seconds.
wait_pid 15 "$idle_pid"
idle=$(cat "$LAB_TMP/idle.json")
if json_ok "$idle" && [ "$(jqr "$idle" .closed_by_server)" -ge 1 ] &&
	[ "$(jqr "$idle" .first_close_ms)" -le 8000 ]; then
	pass http-idle-client-timed-out
else
	fail http-idle-client-timed-out "400 clients silent after half a request for 9 s: $idle (want the held ones closed within seconds)"
fi

# ---- slowloris: more connections than the cap, one more header byte
# each second on each (an idle timeout never fires)
no_extra_sockets() { [ "$(sockets)" -le "$idle0" ]; }
wait_until 10 no_extra_sockets
slow_bg "$LAB_TMP/slow.json" 100 1000 16
slow_pid=$BG_PID
sleep 2
held=$(($(sockets) - idle0))
first=$(scrape 5)
rc1=$?
sleep 1
second=$(scrape 5)
rc2=$?
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then
	pass http-slowloris-scrape-succeeds
else
	fail http-slowloris-scrape-succeeds "curl /metrics while 100 clients dribble one header byte a second: at 2 s '$first', at ~8 s '$second' (code, seconds; want 200 within 5 s); the daemon held $held client sockets at 2 s"
fi
wait_pid 20 "$slow_pid"
slow=$(cat "$LAB_TMP/slow.json")
if json_ok "$slow" && [ "$(jqr "$slow" .closed_by_server)" -ge 1 ]; then
	pass http-slowloris-clients-timed-out
else
	fail http-slowloris-clients-timed-out "16 s of one header byte a second on 100 connections, none finished: $slow (want the server to close them: no request may take forever to arrive)"
fi
# Slowloris tools reopen what the server closes, with hundreds of
# connections (slowloris.py: 150 by default): a deadline alone then only
# makes room for the next wave of them.
wait_until 10 no_extra_sockets
slow_bg "$LAB_TMP/reopen.json" 300 1000 16 --reopen
slow_pid=$BG_PID
sleep 2
held=$(($(sockets) - idle0))
first=$(scrape 5)
rc1=$?
sleep 1
second=$(scrape 5)
rc2=$?
wait_pid 20 "$slow_pid"
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then
	pass http-slowloris-reopening-scrape-succeeds
else
	fail http-slowloris-reopening-scrape-succeeds "curl /metrics while 300 clients dribble header bytes and reconnect when closed: at 2 s '$first', at ~8 s '$second' (code, seconds; want 200 within 5 s); the daemon held $held client sockets, the slowloris: $(cat "$LAB_TMP/reopen.json")"
fi
if why=$(scrape) && sg_daemon_alive; then
	pass http-serves-after-slowloris
else
	fail http-serves-after-slowloris "after the slowloris: $why; alive: $(sg_daemon_alive && echo yes || echo no)"
fi

# ---- told otherwise: the gateway's own address, reachable from a client
sg_stop_daemon TERM
sed 's/^metrics_listen = .*/metrics_listen = '"$(lab_gw_addr people)"':9718/' \
	"$LAB_TMP/with-listen.conf" >"$LAB_TMP/outside.conf"
if sg_run_daemon "$LAB_TMP/outside.conf"; then
	out=$(in_ns "$(lab_ns people)" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
		"http://$(lab_gw_addr people):9718/metrics")
	listen=$(in_ns "$LAB_GW" ss -Hltn 'sport = :9718' | awk '{print $4}' | sort -u | tr '\n' ' ')
	check http-listen-elsewhere-when-told "metrics_listen = $(lab_gw_addr people):9718: client got HTTP $out, listening on '$listen'" \
		[ "$out" = 200 -a "$listen" = "$(lab_gw_addr people):9718 " ]
else
	fail http-listen-elsewhere-when-told "slotguard run with metrics_listen = $(lab_gw_addr people):9718 did not start"
fi

exit 0
