#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The request budget (issue 19) with a real keep-alive client: curl sends
# several requests over one kept-alive connection to an HTTP/1.1 server in
# the lab. The burst passes, the next request is dropped and stalls, and
# what the program counts as requests is what the client sent: a download's
# ACKs count nothing, an upload of a megabyte counts a few.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(requests-daemon requests-burst-passes requests-over-budget-dropped
	requests-counted-once-each requests-download-acks-free
	requests-upload-counts-few requests-ipv6)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
for c in curl python3; do
	command -v "$c" >/dev/null ||
		{ skip_all "$c is not installed (make deps)" "${TESTS[@]}"; exit 0; }
done

lab_up people || { fail requests-daemon "the lab did not come up"; exit 1; }
HTTP_PORT=$((LAB_PORT + 1))
# An HTTP/1.1 server that keeps connections alive: small pages, a 4 MB
# download, and an upload sink.
cat >"$LAB_TMP/httpd.py" <<'EOF'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(b"x" * (4 << 20) if self.path == "/big" else b"ok\n")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        while n > 0:
            n -= len(self.rfile.read(min(n, 65536)))
        self.reply(b"stored\n")
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    address_family = __import__("socket").AF_INET6
S(("::", int(sys.argv[1])), H).serve_forever()
EOF
ns_bg "$LAB_GW" "$LAB_TMP/httpd.log" python3 "$LAB_TMP/httpd.py" "$HTTP_PORT"
CONF_REQUEST_RATE=2/s CONF_REQUEST_BURST=10 CONF_BAN_AFTER=0 \
	lab_conf "$LAB_TMP/sg.conf" "[service web]
protocol = tcp
port = $HTTP_PORT"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail requests-daemon "slotguard run did not start"; exit 1; }
pass requests-daemon

gw4=$(lab_gw_addr people 4)
gw6=$(lab_gw_addr people 6)
mapfile -t extra < <(lab_add_addrs people 4)
IFS=, read -ra v4 <<<"${extra[0]}"
IFS=, read -ra v6 <<<"${extra[1]}"
url() { echo "http://$1:$HTTP_PORT/$2"; }

# get_many SRC HOST N : N requests over one connection, their status codes.
get_many() {
	local urls=() i
	for ((i = 1; i <= $3; i++)); do urls+=("$(url "$2" "r$i")"); done
	in_ns "$(lab_ns people)" curl -s --interface "$1" --max-time 8 \
		-o /dev/null -w '%{http_code} %{num_connects}\n' "${urls[@]}"
}

# requests_of SRC : the requests `top` counted for a source this window.
requests_of() {
	jqr "$(sg top --json --level source -n 1000)" --arg p "$1/$2" \
		'[.top[] | select(.prefix == $p) | .requests] | add // 0'
}

drops() { stat_packets "$(sg stats --json)" drop request_rate; }

# Ten requests at once on one connection: the burst.
out=$(get_many "${v4[0]}" "$gw4" 10)
ok=$(grep -c '^200 ' <<<"$out")
conns=$(awk '{n += $2} END {print n + 0}' <<<"$out")
check requests-burst-passes "10 keep-alive requests: $ok answered (want 10) over $conns connections (want 1): $out" \
	[ "$ok/$conns" = 10/1 ]

# The eleventh at once is over budget: dropped (the client stalls until
# its retransmission finds a token).
d0=$(drops)
out=$(get_many "${v4[0]}" "$gw4" 3)
d1=$(drops)
note "3 more requests at once: $(tr '\n' ' ' <<<"$out"); request_rate drops +$((d1 - d0))"
check requests-over-budget-dropped "drop/request_rate moved by $((d1 - d0)) (want > 0)" \
	[ "$((d1 - d0))" -gt 0 ]

# What the program counted: one for each HTTP request, and one more for
# each retransmission of a dropped one (a new attempt); ACKs and
# retransmissions of what passed are not requests.
n=$(requests_of "${v4[0]}" 32)
want=$((13 + d1 - d0))
note "requests counted for ${v4[0]}: $n for 13 HTTP requests and $((d1 - d0)) dropped attempts"
check requests-counted-once-each "counted $n requests for 13 HTTP requests and $((d1 - d0)) dropped attempts (want $want)" \
	[ "$n" = "$want" ]

# A 4 MB download: thousands of ACKs from the client, one request.
in_ns "$(lab_ns people)" curl -s --interface "${v4[1]}" --max-time 20 -o /dev/null "$(url "$gw4" big)"
n=$(requests_of "${v4[1]}" 32)
note "a 4 MB download counted $n request(s)"
check requests-download-acks-free "a 4 MB download counted $n requests (want 1)" [ "$n" = 1 ]

# A 1 MB upload: about 700 data segments, many with PSH (one for each of
# the sender's buffers), all acknowledging the same server data.
head -c $((1 << 20)) /dev/zero >"$LAB_TMP/upload.bin"
in_ns "$(lab_ns people)" curl -s --interface "${v4[2]}" --max-time 20 -o /dev/null \
	--data-binary "@$LAB_TMP/upload.bin" "$(url "$gw4" up)"
n=$(requests_of "${v4[2]}" 32)
note "a 1 MB upload counted $n request(s)"
few=$([ "$n" -ge 1 ] && [ "$n" -le 10 ] && echo yes)
check requests-upload-counts-few "a 1 MB upload counted $n requests (want 1 to 10, within the burst)" \
	[ "$few" = yes ]

# IPv6: the same burst and the same drop.
d0=$(drops)
out=$(get_many "${v6[0]}" "[$gw6]" 12)
d1=$(drops)
ok=$(grep -c '^200 ' <<<"$out")
n=$(requests_of "$(lab_client_addr people 6 | sed 's/::2$/::/')" 64)
v6ok=$([ "$((d1 - d0))" -gt 0 ] && [ "$n" -ge 12 ] && echo yes)
check requests-ipv6 "IPv6: $ok of 12 answered, request_rate drops +$((d1 - d0)) (want > 0), $n counted (want >= 12)" \
	[ "$v6ok" = yes ]
exit 0
