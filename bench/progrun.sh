#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# ns/packet of each path of the running slotguard program under
# `bpftool prog run ... repeat N`, beside a bare XDP_PASS program measured
# the same way: the numbers the data-path and rate-limit issues ask for.
# Loads slotguard on a throw-away veth (no traffic), sets the state each
# path needs through the CLI, and cleans up on exit.
# Usage: sudo bench/progrun.sh [REPEAT] [RUNS]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPEAT=${1:-1000000}
RUNS=${2:-5}
SG=$BUILD/slotguard
ID=$$
PIN=/sys/fs/bpf/sgprogrun-$ID
DEV=sgpr$ID
TMP=$(mktemp -d /tmp/sgprogrun.XXXXXX)
DAEMON=

cleanup() {
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	ip link del "$DEV" 2>/dev/null
	rm -rf "$PIN" "/sys/fs/bpf/sgprogrun-pass-$ID" "$TMP"
}
trap cleanup EXIT INT TERM

# frame NAME SRC DPORT FLAGS [v6] : an Ethernet frame into $TMP/NAME.
frame() {
	python3 - "$TMP/$1" "$2" "$3" "$4" "${5:-}" <<'EOF'
import socket, struct, sys
out, src, dport, flags, v6 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
tcp = struct.pack('!HHIIBBHHH', 40000, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
if v6:
    ip = struct.pack('!IHBB', 6 << 28, len(tcp), 6, 64)
    ip += socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, '2001:db8:ffff::1')
    eth = b'\x02' * 6 + b'\x04' * 6 + b'\x86\xdd'
else:
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton('198.51.100.1'))
    eth = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00'
open(out, 'wb').write(eth + ip + tcp)
EOF
}

# run_path PROG_ID FRAME : median ns/packet over RUNS runs.
run_path() {
	local i out
	for ((i = 0; i < RUNS; i++)); do
		out=$(bpftool prog run id "$1" data_in "$TMP/$2" repeat "$REPEAT" 2>&1)
		sed -n 's/.*duration[^0-9]*\([0-9]*\).*/\1/p' <<<"$out" | head -1
	done | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

ip link add "$DEV" type veth peer name "${DEV}p" || exit 1
ip link set "$DEV" up
cat >"$TMP/sg.conf" <<EOF
[slotguard]
mode = enforce
metrics_listen = off
state_dir = $TMP/state
max_tracked_sources = 262144
[service https]
protocol = tcp
port = 443
[source]
conn_rate = 1/h
conn_burst = 1
packet_rate = 10000000/s
packet_burst = 10000000
conn_quota = off
[subnet]
conn_rate = off
packet_rate = off
conn_quota = off
[ban]
after = 0
EOF
"$SG" --pin-dir "$PIN" run -c "$TMP/sg.conf" -i "$DEV" >"$TMP/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 50); do "$SG" --pin-dir "$PIN" status >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 50); do bpftool net show dev "$DEV" | grep -q "id" && break; sleep 0.1; done
PROG=$(bpftool -j net show dev "$DEV" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"][0]["id"])') || { cat "$TMP/daemon.log"; exit 1; }
bpftool prog load "$BUILD/baseline.bpf.o" "/sys/fs/bpf/sgprogrun-pass-$ID" >/dev/null 2>&1 ||
	bpftool prog loadall "$BUILD/baseline.bpf.o" "/sys/fs/bpf/sgprogrun-pass-$ID" >/dev/null
PASS=$(bpftool -j prog show name baseline_pass | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,list) else [d]; print(d[-1]["id"])')

"$SG" --pin-dir "$PIN" allow add 192.0.2.10 >/dev/null
"$SG" --pin-dir "$PIN" deny add 203.0.113.0/24 >/dev/null
"$SG" --pin-dir "$PIN" ban add 192.0.2.66 --for 1h >/dev/null
frame unprotected 192.0.2.1 22 2
frame allowlisted 192.0.2.10 443 2
frame within 192.0.2.20 443 16 # an ACK: charged to the packet budget only
frame over 192.0.2.30 443 2     # a SYN over a 1/h budget (no bans)
frame banned 192.0.2.66 443 2
frame denied 203.0.113.5 443 2
frame within6 2001:db8:1::20 443 16 v6

base=$(run_path "$PASS" unprotected)
printf '%-36s %8s %8s\n' "path (bpftool prog run, repeat $REPEAT)" "ns/pkt" "x pass"
printf '%-36s %8s %8s\n' "bare XDP_PASS (baseline_pass)" "$base" "1.00"
for p in unprotected allowlisted within within6 over banned denied; do
	ns=$(run_path "$PROG" "$p")
	printf '%-36s %8s %8.2f\n' "slotguard: $p" "$ns" "$(awk -v a="$ns" -v b="$base" 'BEGIN { print a / b }')"
done
echo "median of $RUNS runs each; kernel $(uname -r); $(nproc) CPUs"
