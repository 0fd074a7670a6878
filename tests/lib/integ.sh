# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Shared helpers of the integration tests (tests/integ/*.sh, sourced):
# a throw-away lab of network namespaces joined by veth pairs, the
# slotguard CLI and daemon run inside the gateway namespace with pins on
# the host's bpffs, PASS/FAIL/SKIP reporting and bounded waits.
#
# Lab layout (N = this shell's pid, k = a client's number, from 1):
#   sgw-N          the gateway: runs `sg_traffic serve` and `slotguard run`
#                  on sgN-gk, address 10.200.k.1/24 and fd00:5a:k::1/64
#   sgc-ROLE-N     a client (people, bot, allow, ...): sgN-ck with
#                  10.200.k.2/24 and fd00:5a:k::2/64, more with lab_add_addrs
# Only 10.200.0.0/16 and fd00:5a::/32 are used, only inside these
# namespaces. Everything is torn down on EXIT, INT and TERM.

set -u

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$LAB_ROOT/$BUILD ;;
esac
SG_BIN=$BUILD/slotguard
SG_TRAFFIC=$BUILD/tools/sg_traffic

LAB_ID=$$
LAB_GW=sgw-$LAB_ID
LAB_PIN=/sys/fs/bpf/sgtest-$LAB_ID
LAB_PORT=8443
LAB_TMP=
LAB_UP=0
declare -A LAB_INDEX=()	# role -> k
declare -a LAB_ROLES=()	# roles in order of k
declare -a LAB_NETNS=()	# every namespace created
declare -a LAB_HOST_VETH=()	# veth ends that were on the host at some point
declare -a LAB_PIDS=()	# every background process started
SG_DAEMON_PID=
SG_DAEMON_LOG=
SG_DAEMON_METRICS=
LAB_DAEMON_RUNS=0

# ---- reporting -----------------------------------------------------------

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

# skip_all REASON NAME... : every test of a component, when the lab cannot run.
skip_all() {
	local why=$1 name
	shift
	for name in "$@"; do
		skip "$name" "$why"
	done
}

# check NAME WHY CMD... : PASS when CMD succeeds, else FAIL saying WHY.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# note TEXT... : context for a human reading the log (not a test line).
note() { echo "  # $*"; }

# ---- waits and JSON ------------------------------------------------------

# wait_until SECONDS CMD... : run CMD every 100 ms until it succeeds;
# non-zero after SECONDS.
wait_until() {
	local deadline
	deadline=$(($(lab_now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(lab_now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# lab_now_ms : wall clock in milliseconds.
lab_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# jqr JSON [jq options...] FILTER : raw values out of a JSON text.
jqr() {
	local json=$1
	shift
	printf '%s\n' "$json" | jq -r "$@"
}

# json_ok TEXT : the text is exactly one JSON value.
json_ok() {
	printf '%s\n' "$1" | jq -e -s 'length == 1' >/dev/null 2>&1
}

# ---- the lab -------------------------------------------------------------

# in_ns NS CMD... : run CMD in a lab namespace. nsenter only switches the
# network namespace, so the host's /sys and its bpffs (our pins) stay
# visible, unlike `ip netns exec`, which remounts /sys.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

lab_ns() { echo "sgc-$1-$LAB_ID"; }
lab_k() { echo "${LAB_INDEX[$1]}"; }
lab_gw_if() { echo "sg$LAB_ID-g${LAB_INDEX[$1]}"; }
lab_client_if() { echo "sg$LAB_ID-c${LAB_INDEX[$1]}"; }

# lab_gw_addr ROLE [4|6] : the gateway's address on ROLE's link.
lab_gw_addr() {
	local k=${LAB_INDEX[$1]}
	if [ "${2:-4}" = 6 ]; then echo "fd00:5a:$k::1"; else echo "10.200.$k.1"; fi
}

# lab_client_addr ROLE [4|6] : the client's first address.
lab_client_addr() {
	local k=${LAB_INDEX[$1]}
	if [ "${2:-4}" = 6 ]; then echo "fd00:5a:$k::2"; else echo "10.200.$k.2"; fi
}

# lab_ifaces : every gateway-side interface, space separated.
lab_ifaces() {
	local r out=
	for r in "${LAB_ROLES[@]}"; do
		out+="${out:+ }$(lab_gw_if "$r")"
	done
	echo "$out"
}

# lab_prereq : why the lab cannot run here, or nothing (and status 0).
lab_prereq() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	local c
	for c in ip nsenter jq curl bpftool; do
		command -v "$c" >/dev/null || { echo "needs $c"; return 1; }
	done
	[ -x "$SG_BIN" ] || { echo "no $SG_BIN (run make)"; return 1; }
	[ -x "$SG_TRAFFIC" ] || { echo "no $SG_TRAFFIC (run make)"; return 1; }
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
		{ echo "no bpffs at /sys/fs/bpf"; return 1; }
	return 0
}

# lab_run_ready : `slotguard run` exists in this build (not a stub).
lab_run_ready() {
	"$SG_BIN" run --help >/dev/null 2>&1
}

lab_link() {
	local role=$1 k=$2 ns gif cif
	ns=$(lab_ns "$role")
	gif="sg$LAB_ID-g$k"
	cif="sg$LAB_ID-c$k"
	ip netns add "$ns" || return 1
	LAB_NETNS+=("$ns")
	LAB_HOST_VETH+=("$gif")
	ip link add "$gif" type veth peer name "$cif" || return 1
	ip link set "$gif" netns "$LAB_GW" || return 1
	ip link set "$cif" netns "$ns" || return 1
	ip -n "$LAB_GW" addr add "10.200.$k.1/24" dev "$gif" &&
		ip -n "$LAB_GW" addr add "fd00:5a:$k::1/64" dev "$gif" nodad &&
		ip -n "$LAB_GW" link set "$gif" up &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.200.$k.2/24" dev "$cif" &&
		ip -n "$ns" addr add "fd00:5a:$k::2/64" dev "$cif" nodad &&
		ip -n "$ns" link set "$cif" up
}

# lab_up ROLE... : the gateway, one client namespace per role, the service.
lab_up() {
	local role k=0
	LAB_TMP=$(mktemp -d "/tmp/sgtest-$LAB_ID.XXXXXX") || return 1
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_UP=1
	ip netns add "$LAB_GW" || return 1
	LAB_NETNS+=("$LAB_GW")
	ip -n "$LAB_GW" link set lo up || return 1
	for role in "$@"; do
		k=$((k + 1))
		LAB_INDEX[$role]=$k
		LAB_ROLES+=("$role")
		lab_link "$role" "$k" || { echo "lab_up: link $role failed" >&2; return 1; }
	done
	lab_serve || return 1
	# Links come up asynchronously: wait until the service answers every
	# client over both families.
	for role in "$@"; do
		wait_until 5 lab_reaches "$role" 4 && wait_until 5 lab_reaches "$role" 6 || {
			echo "lab_up: $role cannot reach the service" >&2
			return 1
		}
	done
}

# lab_reaches ROLE 4|6 : one connection from ROLE to the service succeeds.
lab_reaches() {
	local out
	out=$(traffic "$1" --family "$2" --count 1 --rate max --timeout-ms 1000) &&
		[ "$(jqr "$out" .succeeded)" = 1 ]
}

# ns_bg NS OUT CMD... : CMD in the background in NS, output to OUT. Its pid
# (nsenter execs CMD, so the pid is CMD's own) is $BG_PID and in LAB_PIDS.
ns_bg() {
	local ns=$1 out=$2
	shift 2
	nsenter --net="/run/netns/$ns" "$@" >"$out" 2>&1 &
	BG_PID=$!
	LAB_PIDS+=("$BG_PID")
}

# lab_serve : the booking service on LAB_PORT in the gateway, both families.
lab_serve() {
	ns_bg "$LAB_GW" "$LAB_TMP/serve.log" "$SG_TRAFFIC" serve --port "$LAB_PORT"
	wait_until 5 grep -q '^listening' "$LAB_TMP/serve.log" || {
		echo "lab_serve: the service did not start:" >&2
		cat "$LAB_TMP/serve.log" >&2
		return 1
	}
}

# lab_add_addrs ROLE N : N more addresses on the client (10.200.k.100+,
# fd00:5a:k::100+); prints them comma separated, IPv4 then IPv6 lines.
lab_add_addrs() {
	local role=$1 n=$2 k i ns cif v4= v6=
	k=${LAB_INDEX[$role]}
	ns=$(lab_ns "$role")
	cif=$(lab_client_if "$role")
	for ((i = 100; i < 100 + n; i++)); do
		ip -n "$ns" addr add "10.200.$k.$i/24" dev "$cif" || return 1
		ip -n "$ns" addr add "fd00:5a:$k::$i/64" dev "$cif" nodad || return 1
		v4+="${v4:+,}10.200.$k.$i"
		v6+="${v6:+,}fd00:5a:$k::$i"
	done
	echo "$v4"
	echo "$v6"
}

# Connect timeout of the lab's clients: long enough that a loaded machine
# does not turn a slow answer into a failure, shorter than the kernel's 1 s
# initial SYN retransmission, so a dropped SYN is never rescued by a retry.
LAB_TIMEOUT_MS=800

# traffic ROLE [--family 6] [sg_traffic connect options] : JSON summary of a
# client run from ROLE's namespace to the gateway's address on ROLE's link
# (IPv4 unless --family 6 comes first).
traffic() {
	local role=$1 fam=4
	shift
	if [ "${1:-}" = --family ]; then
		fam=$2
		shift 2
	fi
	in_ns "$(lab_ns "$role")" "$SG_TRAFFIC" connect \
		--to "$(lab_gw_addr "$role" "$fam")" --port "$LAB_PORT" \
		--timeout-ms "$LAB_TIMEOUT_MS" --json "$@"
}

# traffic_bg OUTFILE ROLE [--family 6] [options] : the same in the
# background, JSON (and any error) into OUTFILE; the pid is $TRAFFIC_PID.
traffic_bg() {
	local out=$1 role=$2 fam=4
	shift 2
	if [ "${1:-}" = --family ]; then
		fam=$2
		shift 2
	fi
	ns_bg "$(lab_ns "$role")" "$out" "$SG_TRAFFIC" connect \
		--to "$(lab_gw_addr "$role" "$fam")" --port "$LAB_PORT" \
		--timeout-ms "$LAB_TIMEOUT_MS" --json "$@"
	TRAFFIC_PID=$BG_PID
}

# ---- slotguard -----------------------------------------------------------

# sg ARGS... : the CLI on the lab's pins, inside the gateway namespace.
sg() {
	in_ns "$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN" "$@"
}

# lab_conf FILE [EXTRA] : a config for the lab; variables override parts:
#   CONF_MODE (enforce), CONF_KEEP (no), CONF_CONN_RATE (5/s),
#   CONF_CONN_BURST (10), CONF_SUBNET_CONN_RATE (200/s),
#   CONF_SUBNET_CONN_BURST (400), CONF_BAN_AFTER (3), CONF_BAN_TIME (60s),
#   CONF_LISTS (yes: allowlist and denylist files $LAB_TMP/allow.txt and
#   deny.txt; no: the lists are only what the CLI puts in).
# CONF_REQUEST_RATE, CONF_REQUEST_BURST, CONF_REQUEST_QUOTA and
#   CONF_SUBNET_REQUEST_RATE: request budgets (off by default in the lab);
# CONF_MIN_EXCESS: [ban] min_excess (1, ban at any excess, by default).
# EXTRA (text) is appended as is.
lab_conf() {
	local file=$1 extra=${2:-} lists=
	: >>"$LAB_TMP/allow.txt"
	: >>"$LAB_TMP/deny.txt"
	if [ "${CONF_LISTS:-yes}" = yes ]; then
		lists="allowlist = $LAB_TMP/allow.txt
denylist = $LAB_TMP/deny.txt
"
	fi
	cat >"$file" <<EOF
# slotguard integration lab ($LAB_ID)
[slotguard]
interfaces = $(lab_ifaces | tr ' ' ',')
xdp_mode = native
mode = ${CONF_MODE:-enforce}
metrics_listen = 127.0.0.1:9717
${lists}pin_dir = $LAB_PIN
max_tracked_sources = 65536
keep_attached = ${CONF_KEEP:-no}

[service booking]
protocol = tcp
port = $LAB_PORT

[source]
conn_rate = ${CONF_CONN_RATE:-5/s}
conn_burst = ${CONF_CONN_BURST:-10}
request_rate = ${CONF_REQUEST_RATE:-off}
${CONF_REQUEST_BURST:+request_burst = $CONF_REQUEST_BURST}
request_quota = ${CONF_REQUEST_QUOTA:-off}

[subnet]
conn_rate = ${CONF_SUBNET_CONN_RATE:-200/s}
conn_burst = ${CONF_SUBNET_CONN_BURST:-400}
request_rate = ${CONF_SUBNET_REQUEST_RATE:-off}
request_quota = off

[ban]
after = ${CONF_BAN_AFTER:-3}
window = 10s
time = ${CONF_BAN_TIME:-60s}
max = 1h
min_excess = ${CONF_MIN_EXCESS:-1}
max_bans = 65536
EOF
	[ -n "$extra" ] && printf '%s\n' "$extra" >>"$file"
	return 0
}

# sg_run_daemon CONF [run options] : start `slotguard run` in the gateway,
# wait (10 s at most) until it is up: `slotguard status` answers, XDP is on
# every lab interface and the daemon serves metrics (only the daemon does;
# the pins of a killed one would already satisfy the first two). The
# daemon's stdout+stderr go to $SG_DAEMON_LOG; its pid is $SG_DAEMON_PID.
sg_run_daemon() {
	local conf=$1
	shift
	SG_DAEMON_METRICS=$(sed -n 's/^[[:space:]]*metrics_listen[[:space:]]*=[[:space:]]*\([^[:space:]#;]*\).*/\1/p' \
		"$conf" | head -n 1)
	SG_DAEMON_METRICS=${SG_DAEMON_METRICS:-127.0.0.1:9717}
	LAB_DAEMON_RUNS=$((LAB_DAEMON_RUNS + 1))
	SG_DAEMON_LOG=$LAB_TMP/daemon.$LAB_DAEMON_RUNS.log
	ns_bg "$LAB_GW" "$SG_DAEMON_LOG" "$SG_BIN" --pin-dir "$LAB_PIN" \
		run -c "$conf" "$@"
	SG_DAEMON_PID=$BG_PID
	if ! wait_until 10 sg_daemon_ready_or_dead; then
		echo "sg_run_daemon: slotguard run still not up after 10 s; its log:" >&2
	elif ! sg_daemon_alive; then
		wait "$SG_DAEMON_PID" 2>/dev/null
		echo "sg_run_daemon: slotguard run exited $?; its log:" >&2
		lab_forget "$SG_DAEMON_PID"
		SG_DAEMON_PID=
	else
		return 0
	fi
	sed 's/^/    /' "$SG_DAEMON_LOG" >&2
	return 1
}

# Stops sg_run_daemon's wait early when the daemon has already exited.
sg_daemon_ready_or_dead() {
	sg_daemon_alive || return 0
	sg status >/dev/null 2>&1 && lab_xdp_attached_all &&
		in_ns "$LAB_GW" curl -gsf --max-time 1 -o /dev/null \
			"http://$SG_DAEMON_METRICS/metrics"
}

# sg_daemon_alive : the daemon process still runs.
sg_daemon_alive() {
	[ -n "$SG_DAEMON_PID" ] && kill -0 "$SG_DAEMON_PID" 2>/dev/null
}

# sg_stop_daemon [SIGNAL] : signal the daemon (TERM by default) and wait up
# to 10 s for it to exit; KILL after that. Status: the daemon's exit status
# (or 124 when it had to be killed).
sg_stop_daemon() {
	local sig=${1:-TERM} pid=$SG_DAEMON_PID rc=124
	[ -n "$pid" ] || return 0
	# The braces' stderr also swallows bash's "Killed" job notice.
	{
		kill "-$sig" "$pid"
		if wait_until 10 lab_pid_gone "$pid"; then
			wait "$pid"
			rc=$?
		else
			kill -KILL "$pid"
			wait "$pid"
		fi
	} 2>/dev/null
	lab_forget "$pid"
	SG_DAEMON_PID=
	return "$rc"
}

# lab_forget PID : a reaped process; lab_down must not signal its pid,
# which the system may have given to someone else since.
lab_forget() {
	local i
	for i in "${!LAB_PIDS[@]}"; do
		[ "${LAB_PIDS[$i]}" = "$1" ] && unset "LAB_PIDS[$i]"
	done
	return 0
}

# wait_pid SECONDS PID : wait for a background process, killing it after
# SECONDS. Status: 0 when it ended on its own.
wait_pid() {
	local rc=0
	{
		if ! wait_until "$1" lab_pid_gone "$2"; then
			kill -KILL "$2"
			rc=1
		fi
		wait "$2"
	} 2>/dev/null
	lab_forget "$2"
	return "$rc"
}

lab_pid_gone() {
	# A reaped child or a zombie both count as gone.
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case $st in Z*) return 0 ;; esac
	return 1
}

# lab_xdp_prog IFACE : the id of the XDP program on a gateway interface,
# or nothing.
lab_xdp_prog() {
	ip -n "$LAB_GW" -d -j link show dev "$1" 2>/dev/null |
		jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // empty'
}

lab_xdp_attached_all() {
	local r
	for r in "${LAB_ROLES[@]}"; do
		[ -n "$(lab_xdp_prog "$(lab_gw_if "$r")")" ] || return 1
	done
}

lab_xdp_detached_all() {
	local r
	for r in "${LAB_ROLES[@]}"; do
		[ -z "$(lab_xdp_prog "$(lab_gw_if "$r")")" ] || return 1
	done
}

# stat_packets JSON VERDICT REASON : packets over every interface (0 if none).
stat_packets() {
	jqr "$1" --arg v "$2" --arg r "$3" \
		'[.interfaces[]?.counters[]? | select(.verdict == $v and .reason == $r)
		  | .packets] | add // 0'
}

# stat_not_pass JSON REASON : packets counted under REASON with any verdict
# but pass (drop or would_drop), over every interface.
stat_not_pass() {
	jqr "$1" --arg r "$2" \
		'[.interfaces[]?.counters[]? | select(.verdict != "pass" and .reason == $r)
		  | .packets] | add // 0'
}

# stat_iface_not_pass JSON IFACE : packets dropped or would-be dropped on
# one interface, whatever the reason.
stat_iface_not_pass() {
	jqr "$1" --arg i "$2" \
		'[.interfaces[]? | select(.name == $i) | .counters[]?
		  | select(.verdict != "pass") | .packets] | add // 0'
}

# stat_iface_charged JSON IFACE : packets on one interface counted under
# any reason but allowlist, unprotected, not_ip (what an allowlisted
# client's interface may show), e.g. within_budget if a gap in the
# allowlist let its packets be charged to a budget.
stat_iface_charged() {
	jqr "$1" --arg i "$2" \
		'[.interfaces[]? | select(.name == $i) | .counters[]?
		  | select(.reason | IN("allowlist", "unprotected", "not_ip") | not)
		  | .packets] | add // 0'
}

# ---- bans and lists --------------------------------------------------------

# ban_active BANLIST_JSON CIDR... : one of the CIDRs has an active ban.
ban_active() {
	local json=$1 c
	shift
	for c in "$@"; do
		[ "$(jqr "$json" --arg c "$c" \
			'[.bans[]? | select(.prefix == $c and .active)] | length')" -gt 0 ] &&
			return 0
	done
	return 1
}

# list_cidrs LIST_JSON : the entries, sorted, one per line.
list_cidrs() {
	jqr "$1" '[.entries[]?.prefix] | sort | .[]'
}

# ---- teardown ------------------------------------------------------------

# lab_down : kill what we started, delete namespaces, veths, pins, files.
# Safe to call twice; runs from the EXIT trap.
lab_down() {
	local pid ns v
	[ "$LAB_UP" = 1 ] || return 0
	LAB_UP=0
	{
		for pid in "${LAB_PIDS[@]}"; do
			kill -TERM "$pid"
		done
		for pid in "${LAB_PIDS[@]}"; do
			wait_until 3 lab_pid_gone "$pid" || kill -KILL "$pid"
			wait "$pid"
		done
	} 2>/dev/null
	for ns in "${LAB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for v in "${LAB_HOST_VETH[@]}"; do
		ip link del "$v" 2>/dev/null
	done
	rm -rf "$LAB_PIN"
	[ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"
	return 0
}
