# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The fleet lab (sourced after integ.sh): gateways behind a router whose
# multipath route hashes on L4, one booking service behind them, a Redis
# the gateways share, started here and stopped by the EXIT trap.
#
# Layout (N = this shell's pid, K = a gateway, k = a client, from 1):
#   sgr-N      the router: 10.220.k.1/24 towards client k, 10.221.K.1/24
#              towards gateway K; the service 10.223.0.10 by a multipath
#              route over the gateways (fib_multipath_hash_policy=1); the
#              Redis listens here on 10.221.K.1:6390 and a unix socket
#   sgg-K-N    gateway K: 10.221.K.2 (slotguard on this link), forwards
#              to the service over 10.222.K.1/24
#   sgs-N      the service: 10.223.0.10:8443 on lo, 10.222.K.2/24 to each
#              gateway, answers back through gateway 1
#   sgc-ROLE-N a client: 10.220.k.2/24, more with flab_add_addrs
# Only 10.220.0.0/14 is used, only inside these namespaces.

FLAB_ROUTER=sgr-$LAB_ID
FLAB_SVC=sgs-$LAB_ID
FLAB_SERVICE=10.223.0.10
FLAB_REDIS_PORT=6390
FLAB_PASSWORD=lab-secret-$LAB_ID
declare -A FLAB_DAEMON=() # K -> pid of its slotguard run
declare -A FLAB_LOG=()	  # K -> its log
declare -A FLAB_CLIENT=() # role -> k
FLAB_REDIS_PID=
FLAB_GATEWAYS=0

flab_gw_ns() { echo "sgg-$1-$LAB_ID"; }
flab_gw_if() { echo "sg$LAB_ID-r$1"; } # the gateway's router-facing link
flab_pin() { echo "/sys/fs/bpf/sgfleet-$LAB_ID-$1"; }
flab_client_ns() { echo "sgc-$1-$LAB_ID"; }
flab_client_addr() { echo "10.220.${FLAB_CLIENT[$1]}.2"; }

# flab_sg K ARGS... : the CLI on gateway K's pins, in its namespace.
flab_sg() {
	local k=$1
	shift
	in_ns "$(flab_gw_ns "$k")" "$SG_BIN" --pin-dir "$(flab_pin "$k")" "$@"
}

# flab_veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B : a link between namespaces.
flab_veth() {
	ip link add "$2" type veth peer name "$5" || return 1
	LAB_HOST_VETH+=("$2")
	ip link set "$2" netns "$1" && ip link set "$5" netns "$4" &&
		ip -n "$1" addr add "$3" dev "$2" && ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

flab_ns() {
	ip netns add "$1" || return 1
	LAB_NETNS+=("$1")
	ip -n "$1" link set lo up
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

# flab_gateway K : gateway K, linked to the router and the service.
flab_gateway() {
	local k=$1 ns
	ns=$(flab_gw_ns "$k")
	flab_ns "$ns" || return 1
	flab_veth "$FLAB_ROUTER" "sg$LAB_ID-R$k" "10.221.$k.1/24" \
		"$ns" "$(flab_gw_if "$k")" "10.221.$k.2/24" &&
		flab_veth "$ns" "sg$LAB_ID-s$k" "10.222.$k.1/24" \
			"$FLAB_SVC" "sg$LAB_ID-S$k" "10.222.$k.2/24" &&
		ip -n "$ns" route add "$FLAB_SERVICE/32" via "10.222.$k.2" &&
		ip -n "$ns" route add 10.220.0.0/16 via "10.221.$k.1"
}

# flab_multipath K... : the router's route to the service over these.
flab_multipath() {
	local k hops=()
	for k in "$@"; do
		hops+=(nexthop via "10.221.$k.2" weight 1)
	done
	ip -n "$FLAB_ROUTER" route replace "$FLAB_SERVICE/32" "${hops[@]}"
}

# flab_up GATEWAYS ROLE... : router, gateways (all in the multipath
# route), service, clients; the booking service answering every client.
flab_up() {
	local n=$1 k role c=0
	shift
	LAB_TMP=$(mktemp -d "/tmp/sgfleet-$LAB_ID.XXXXXX") || return 1
	chmod 0755 "$LAB_TMP"
	trap flab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_UP=1
	flab_ns "$FLAB_ROUTER" && flab_ns "$FLAB_SVC" || return 1
	in_ns "$FLAB_ROUTER" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 || return 1
	ip -n "$FLAB_SVC" addr add "$FLAB_SERVICE/32" dev lo || return 1
	for ((k = 1; k <= n; k++)); do
		flab_gateway "$k" || { echo "flab_up: gateway $k failed" >&2; return 1; }
	done
	FLAB_GATEWAYS=$n
	ip -n "$FLAB_SVC" route add 10.220.0.0/16 via 10.222.1.1 || return 1
	flab_multipath $(seq 1 "$n") || return 1
	for role in "$@"; do
		c=$((c + 1))
		FLAB_CLIENT[$role]=$c
		flab_ns "$(flab_client_ns "$role")" || return 1
		flab_veth "$(flab_client_ns "$role")" "sg$LAB_ID-c$c" "10.220.$c.2/24" \
			"$FLAB_ROUTER" "sg$LAB_ID-C$c" "10.220.$c.1/24" &&
			ip -n "$(flab_client_ns "$role")" route add default via "10.220.$c.1" ||
			return 1
	done
	ns_bg "$FLAB_SVC" "$LAB_TMP/serve.log" "$SG_TRAFFIC" serve --port "$LAB_PORT"
	wait_until 5 grep -q '^listening' "$LAB_TMP/serve.log" || return 1
	for role in "$@"; do
		wait_until 5 flab_reaches "$role" ||
			{ echo "flab_up: $role cannot reach the service" >&2; return 1; }
	done
}

flab_reaches() {
	local out
	out=$(flab_traffic "$1" --count 1 --rate max) &&
		[ "$(jqr "$out" .succeeded)" = 1 ]
}

# flab_traffic ROLE [--to ADDR] [sg_traffic connect options] : JSON summary.
flab_traffic() {
	local role=$1 to=$FLAB_SERVICE
	shift
	if [ "${1:-}" = --to ]; then
		to=$2
		shift 2
	fi
	in_ns "$(flab_client_ns "$role")" "$SG_TRAFFIC" connect --to "$to" \
		--port "$LAB_PORT" --timeout-ms "$LAB_TIMEOUT_MS" --json "$@"
}

# flab_traffic_bg OUT ROLE [options] : the same in the background.
flab_traffic_bg() {
	local out=$1 role=$2
	shift 2
	ns_bg "$(flab_client_ns "$role")" "$out" "$SG_TRAFFIC" connect \
		--to "$FLAB_SERVICE" --port "$LAB_PORT" --timeout-ms "$LAB_TIMEOUT_MS" \
		--json "$@"
	TRAFFIC_PID=$BG_PID
}

# flab_add_addrs ROLE N : N more addresses of the client (10.220.k.100+),
# comma separated.
flab_add_addrs() {
	local role=$1 n=$2 k i out=
	k=${FLAB_CLIENT[$role]}
	for ((i = 100; i < 100 + n; i++)); do
		ip -n "$(flab_client_ns "$role")" addr add "10.220.$k.$i/24" \
			dev "sg$LAB_ID-c$k" || return 1
		out+="${out:+,}10.220.$k.$i"
	done
	echo "$out"
}

# flab_redis : start (or restart) the lab's Redis in the router: TCP for
# gateways 1..3 (password), a unix socket with an ACL user for the rest.
flab_redis() {
	cat >"$LAB_TMP/redis.conf" <<EOF
port $FLAB_REDIS_PORT
bind$(for ((k = 1; k <= 4; k++)); do printf ' -10.221.%d.1' "$k"; done)
protected-mode no
unixsocket $LAB_TMP/redis.sock
unixsocketperm 700
save ""
appendonly no
dir $LAB_TMP
daemonize no
requirepass $FLAB_PASSWORD
user fleet on >$FLAB_PASSWORD-acl resetchannels ~slotguard:* &slotguard:events -@all +evalsha +script|load +time +publish +subscribe +hscan +hget +hmget +hset +hdel +zadd +zrem +zrangebyscore +pexpire
EOF
	ns_bg "$FLAB_ROUTER" "$LAB_TMP/redis.log" redis-server "$LAB_TMP/redis.conf"
	FLAB_REDIS_PID=$BG_PID
	wait_until 5 flab_redis_cli PING
}

# flab_redis_cli ARGS... : redis-cli on the lab's Redis (the unix socket).
flab_redis_cli() {
	REDISCLI_AUTH=$FLAB_PASSWORD redis-cli --no-auth-warning \
		-s "$LAB_TMP/redis.sock" "$@"
}

flab_redis_stop() {
	local sig=${1:-TERM}
	[ -n "$FLAB_REDIS_PID" ] || return 0
	{
		kill "-$sig" "$FLAB_REDIS_PID"
		wait_until 10 lab_pid_gone "$FLAB_REDIS_PID" || kill -KILL "$FLAB_REDIS_PID"
		wait "$FLAB_REDIS_PID"
	} 2>/dev/null
	lab_forget "$FLAB_REDIS_PID"
	FLAB_REDIS_PID=
}

# flab_conf K FILE [FLEET] : gateway K's config; FLEET (yes/no) adds the
# [fleet] section (K <= 3: TCP and a password, else the unix socket and
# the ACL user). FLAB_EXTRA (text) is appended.
flab_conf() {
	local k=$1 file=$2 fleet=${3:-yes} redis pw user=
	printf '%s\n' "$FLAB_PASSWORD" >"$LAB_TMP/password"
	printf '%s\n' "$FLAB_PASSWORD-acl" >"$LAB_TMP/password-acl"
	chmod 0600 "$LAB_TMP/password" "$LAB_TMP/password-acl"
	: >>"$LAB_TMP/allow.txt"
	mkdir -p "$LAB_TMP/state-$k"
	cat >"$file" <<EOF
[slotguard]
interfaces = $(flab_gw_if "$k")
xdp_mode = native
mode = enforce
metrics_listen = 127.0.0.1:9717
pin_dir = $(flab_pin "$k")
state_dir = $LAB_TMP/state-$k
allowlist = $LAB_TMP/allow.txt
max_tracked_sources = 65536

[service booking]
protocol = tcp
port = $LAB_PORT

[source]
conn_rate = ${FLAB_CONN_RATE:-5/s}
conn_burst = ${FLAB_CONN_BURST:-10}

[subnet]
conn_rate = 500/s
conn_burst = 1000

[ban]
after = 3
window = 10s
time = 60s
max = 1h
min_excess = 2
EOF
	if [ "$fleet" = yes ]; then
		if [ "$k" -le 3 ]; then
			redis="10.221.$k.1:$FLAB_REDIS_PORT"
			pw=$LAB_TMP/password
		else
			redis=$LAB_TMP/redis.sock
			pw=$LAB_TMP/password-acl
			user="user = fleet"
		fi
		cat >>"$file" <<EOF

[fleet]
redis = $redis
$user
password_file = $pw
gateway = gw$k
sync_interval = 250ms
timeout = 1s
EOF
	fi
	[ -n "${FLAB_EXTRA:-}" ] && printf '%s\n' "$FLAB_EXTRA" >>"$file"
	return 0
}

# flab_run K CONF : start gateway K's `slotguard run`, wait until it is up.
flab_run() {
	local k=$1 conf=$2 ns
	ns=$(flab_gw_ns "$k")
	FLAB_LOG[$k]=$LAB_TMP/daemon-$k.$((${#LAB_PIDS[@]})).log
	ns_bg "$ns" "${FLAB_LOG[$k]}" "$SG_BIN" --pin-dir "$(flab_pin "$k")" \
		run -c "$conf"
	FLAB_DAEMON[$k]=$BG_PID
	if ! wait_until 10 flab_ready "$k"; then
		echo "flab_run: gateway $k not up; its log:" >&2
		sed 's/^/    /' "${FLAB_LOG[$k]}" >&2
		return 1
	fi
}

flab_ready() {
	kill -0 "${FLAB_DAEMON[$1]}" 2>/dev/null && flab_sg "$1" status >/dev/null 2>&1 &&
		in_ns "$(flab_gw_ns "$1")" curl -sf --max-time 1 -o /dev/null \
			http://127.0.0.1:9717/metrics
}

# flab_stop K : SIGTERM gateway K's daemon (detach, unpin), wait for it.
flab_stop() {
	local pid=${FLAB_DAEMON[$1]:-}
	[ -n "$pid" ] || return 0
	{
		kill -TERM "$pid"
		wait_until 10 lab_pid_gone "$pid" || kill -KILL "$pid"
		wait "$pid"
	} 2>/dev/null
	lab_forget "$pid"
	unset "FLAB_DAEMON[$1]"
}

# flab_metrics K : gateway K's /metrics.
flab_metrics() {
	in_ns "$(flab_gw_ns "$1")" curl -sf --max-time 2 http://127.0.0.1:9717/metrics
}

# flab_metric K NAME_AND_LABELS : one sample's value (0 if absent).
flab_metric() {
	flab_metrics "$1" | awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }'
}

# flab_banned K CIDR : gateway K has an active ban of CIDR.
flab_banned() {
	local out
	out=$(flab_sg "$1" ban list --json) &&
		[ "$(jqr "$out" --arg c "$2" '[.bans[] | select(.prefix == $c and .active)] | length')" -gt 0 ]
}

flab_down() {
	local k
	for k in "${!FLAB_DAEMON[@]}"; do
		flab_stop "$k"
	done
	flab_redis_stop KILL
	for ((k = 1; k <= 4; k++)); do
		rm -rf "$(flab_pin "$k")"
	done
	lab_down
}
