# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The demo's throw-away lab (sourced by demo/run.sh): network namespaces
# joined by veth pairs, created inside the namespaces so that nothing ever
# sits on the host, and a teardown that also works from a written script
# when the lab is kept. Adapted from tests/lib/integ.sh.
#
#   sgdemo-gw-ID       the gateway: forwards, runs slotguard on its to-*
#                      links (never on to-web)
#   sgdemo-web-ID      nginx and the slot counter, 10.66.0.10, fd00:66::10
#   sgdemo-ROLE-ID     a client network on the gateway's to-ROLE link k:
#                      10.66.k.2/24 and fd00:66:k::2/64, more with lab_addrs
# Only 10.66.0.0/16 to 10.69.0.0/16 and fd00:66::/32, fd00:67::/32 are used,
# only inside these namespaces.

DEMO_ID=$$
DEMO_PIN=/sys/fs/bpf/sgdemo-$DEMO_ID
DEMO_TMP=
declare -a DEMO_NETNS=()	# namespaces created, in order
declare -a DEMO_PIDS=()	# background processes started
DEMO_UP=0

demo_ns() { echo "sgdemo-$1-$DEMO_ID"; }

# in_ns NAME CMD... : CMD in the lab namespace NAME. nsenter switches only
# the network namespace: the host's bpffs (slotguard's pins) stays visible,
# which `ip netns exec` would hide by remounting /sys.
in_ns() {
	local ns
	ns=$(demo_ns "$1")
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# bg_ns NAME OUT CMD... : CMD in the background in NAME, stdout and stderr
# into OUT, in a session of its own (so that a Ctrl-C reaches only this
# script, which then stops everything in order). nsenter and setsid exec
# CMD, so $BG_PID is CMD's own pid.
bg_ns() {
	local ns out=$2
	ns=$(demo_ns "$1")
	shift 2
	setsid nsenter --net="/run/netns/$ns" "$@" >"$out" 2>&1 </dev/null &
	BG_PID=$!
	DEMO_PIDS+=("$BG_PID")
}

# wait_until SECONDS CMD... : CMD every 100 ms until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

pid_gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case $st in Z*) return 0 ;; esac
	return 1
}

# stop_pid PID [SECONDS] : TERM, then KILL after SECONDS (default 5).
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_until "${2:-5}" pid_gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

demo_add_ns() {
	local ns
	ns=$(demo_ns "$1")
	ip netns add "$ns" || return 1
	DEMO_NETNS+=("$ns")
	# No duplicate address detection: addresses work at once.
	in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null &&
		ip -n "$ns" link set lo up
}

# lab_link ROLE K : a client network on the gateway's link K. Web (K 0) is
# the service's side: 10.66.0.10 behind the gateway's 10.66.0.1.
lab_link() {
	local role=$1 k=$2 gw ns host=2
	gw=$(demo_ns gw)
	ns=$(demo_ns "$role")
	[ "$role" = web ] && host=10
	demo_add_ns "$role" &&
		ip -n "$gw" link add "to-$role" type veth peer name eth0 netns "$ns" &&
		ip -n "$gw" addr add "10.66.$k.1/24" dev "to-$role" &&
		ip -n "$gw" addr add "fd00:66:$k::1/64" dev "to-$role" &&
		ip -n "$gw" link set "to-$role" up &&
		ip -n "$ns" addr add "10.66.$k.$host/24" dev eth0 &&
		ip -n "$ns" addr add "fd00:66:$k::$host/64" dev eth0 &&
		ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via "10.66.$k.1" &&
		ip -n "$ns" -6 route add default via "fd00:66:$k::1"
}

# lab_addrs ROLE : more addresses on ROLE's eth0, one CIDR a line on
# stdin, in one batch.
lab_addrs() {
	sed 's|.*|addr add & dev eth0|' | ip -n "$(demo_ns "$1")" -batch -
}

# lab_up ROLE... : the gateway, the web side and one network per role.
lab_up() {
	local role k=0
	DEMO_TMP=$(mktemp -d "/tmp/sgdemo-$DEMO_ID.XXXXXX") || return 1
	# nginx's workers (nobody) read the page and write temp files here.
	chmod 0755 "$DEMO_TMP"
	DEMO_UP=1
	demo_add_ns gw || return 1
	in_ns gw sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
	lab_link web 0 || return 1
	for role in "$@"; do
		k=$((k + 1))
		lab_link "$role" "$k" || { echo "lab: link $role failed" >&2; return 1; }
	done
}

# lab_write_down FILE : a script that tears this lab down, for --keep. It
# finds the lab's processes by namespace, not by pid: a kept lab may be
# removed long after its pids could have been reused.
lab_write_down() {
	cat >"$1" <<END
#!/bin/sh
# Tears down the slotguard demo lab $DEMO_ID (written by demo/run.sh --keep).
lab_pids() {
	for ns in ${DEMO_NETNS[*]}; do ip netns pids "\$ns" 2>/dev/null; done
}
# TERM first: slotguard detaches its XDP program and removes its pins.
lab_pids | xargs -r kill -TERM
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -z "\$(lab_pids)" ] && break
	sleep 0.5
done
lab_pids | xargs -r kill -KILL
for ns in ${DEMO_NETNS[*]}; do ip netns del "\$ns" 2>/dev/null; done
rm -rf $DEMO_PIN $DEMO_TMP
echo 'slotguard demo lab $DEMO_ID removed'
END
	chmod 0755 "$1"
}

# lab_down : stop what we started (the daemon detaches and unpins on TERM),
# sweep the namespaces of anything left, delete them, the pins, the files.
# Safe to call twice.
lab_down() {
	local pid ns
	[ "$DEMO_UP" = 1 ] || return 0
	DEMO_UP=0
	for pid in "${DEMO_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${DEMO_PIDS[@]}"; do
		stop_pid "$pid" 5
	done
	for ns in "${DEMO_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	for ns in "${DEMO_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$DEMO_PIN"
	[ -n "$DEMO_TMP" ] && rm -rf "$DEMO_TMP"
	return 0
}
