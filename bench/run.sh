#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`: issues 7 and 11's benchmarks. Part 1 is program cost under
# BPF_PROG_TEST_RUN (build/tools/sg_progbench); part 2 floods a veth from a
# sender namespace with build/tools/sg_blast and measures what the
# receiving CPU does with slotguard, bare and parse-only XDP drops, a
# minimal XDP token bucket (bench/refbucket.bpf.c), an nftables
# netdev-ingress limiter and an iptables hashlimit limiter, under two
# policies, and the cost of a banned frame as bans grow to a million; part
# 3 times the control plane and weighs the maps; part 4 (bench/fleet.sh)
# times fleet mode's ban propagation and Redis work; part 5 times
# `slotguard replay` on synthetic captures (build/tools/sg_pcapgen) of
# 1,000,000 and 10,000,000 frames: frames/s and peak RSS. Raw numbers go to a
# results directory, the report (bench/report.py) to docs/BENCHMARKS.md.
# A benchmark, never a test.
#
# Usage: bench/run.sh [--runs N] [--seconds S] [--runs-new N]
#                     [--seconds-new S] [--parts 1,2,3,4,5]
#                     [--workloads GLOBS] [--rows LIST] [--out FILE]
#                     [--results DIR] [--quick]
#   --runs, --seconds          measured runs per cell and their length for
#                              the issue 7 rows (5, 3)
#   --runs-new, --seconds-new  the same for the issue 11 rows and the ban
#                              cells (3, 2), to keep `make bench` near 20 min
#   --workloads  globs, blank- or comma-separated, of: tcp-1 udp-1 tcp-64k
#             udp-64k tcp-1m udp-1m (every row), udp-ban1 udp-ban64k-one
#             udp-ban64k-all udp-ban1m-one udp-ban1m-all (banned frames:
#             1, 65,536 or 1,000,000 bans, flood from one banned source or
#             from all) and udp-within1 udp-within64k udp-within1m (frames
#             within budget, for comparison); the last two groups need row
#             sg_src
#   --rows    of: slotguard xdp_drop parse_drop nft iptables (issue 7,
#             the shipped policy) sg_src refbucket nft_src iptables_src
#             (issue 11, the per-source policy)
#   --quick   one 0.5 s run per cell, no warm-up, a few workloads, small
#             part 3, a replay of 100,000 frames, parts 1-3 and 5 unless
#             --parts says otherwise (what
#             tests/integ/bench_smoke.sh runs); --out - prints
#             the report on stdout instead of writing a file
# Environment: BENCH_TX_CPU (0), BENCH_RX_CPU (1), BENCH_RT (1: the
# receiving NAPI thread runs SCHED_FIFO so that other load on its CPU does
# not decide the numbers), IPTABLES (iptables: the nf_tables backend that
# Debian installs as `iptables`; iptables-legacy for x_tables).
#
# Only lab namespaces are touched: a sender and a gateway joined by one
# veth pair, 10.201.0.0/24 on the link, sources in 10.64.0.0/10 and
# 10.120.0.7 (allowlisted), destination 10.202.0.10 (blackholed in the
# gateway). Everything is removed on exit, also on failure.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SG=$BUILD/slotguard
BLAST=$BUILD/tools/sg_blast
PROGBENCH=$BUILD/tools/sg_progbench
BANFILL=$BUILD/tools/sg_banfill
PCAPGEN=$BUILD/tools/sg_pcapgen
REFBUCKET=$BUILD/refbucket.bpf.o
TX_CPU=${BENCH_TX_CPU:-0}
RX_CPU=${BENCH_RX_CPU:-1}
RT=${BENCH_RT:-1}
IPT=${IPTABLES:-iptables}

RUNS=5 SECONDS_PER_RUN=3 NEW_RUNS=3 NEW_SECONDS=2 WARMUP=1 PARTS=
PARTS_DEFAULT=1,2,3,4,5
OUT=$ROOT/docs/BENCHMARKS.md WORKLOADS='*' QUICK=0
ROWS='slotguard xdp_drop parse_drop nft iptables sg_src refbucket nft_src iptables_src'
RESULTS=
BENCH_COMMAND=${BENCH_COMMAND:-bench/run.sh${*:+ $*}}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift ;;
	--seconds) SECONDS_PER_RUN=$2; shift ;;
	--runs-new) NEW_RUNS=$2; shift ;;
	--seconds-new) NEW_SECONDS=$2; shift ;;
	--parts) PARTS=$2; shift ;;
	--workloads) WORKLOADS=$2; shift ;;
	--rows) ROWS=${2//,/ }; shift ;;
	--out) OUT=$2; shift ;;
	--results) RESULTS=$2; shift ;;
	--quick)
		QUICK=1 RUNS=1 SECONDS_PER_RUN=0.5 NEW_RUNS=1 NEW_SECONDS=0.5 WARMUP=0
		PARTS_DEFAULT=1,2,3,5
		WORKLOADS='tcp-1 udp-ban1 udp-ban64k-* udp-within64k' ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

ID=$$
GW=sgb-gw-$ID
TX=sgb-tx-$ID
GIF=sgb${ID}g
TIF=sgb${ID}t
PIN=/sys/fs/bpf/sgbench-$ID
PIN_BASE=/sys/fs/bpf/sgbench-base-$ID
PIN_REF=/sys/fs/bpf/sgbench-ref-$ID
DST=10.202.0.10
ALLOW_SRC=10.120.0.7
ALLOW_EVERY=64
# The ban cells' sources: BAN_BASE and the addresses after it.
BAN_BASE=10.112.0.0
TMP=
LAB_UP=0
BPF_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
DAEMON_PID=

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# selected WORKLOAD : whether one of the --workloads globs matches it.
selected() {
	local g globs
	IFS=', ' read -ra globs <<<"$WORKLOADS"
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && return 0
	done
	return 1
}

has_row() { [[ " $ROWS " == *" $1 "* ]]; }

# ---- lab -------------------------------------------------------------------

in_gw() { nsenter --net="/run/netns/$GW" "$@"; }
in_tx() { nsenter --net="/run/netns/$TX" "$@"; }

cleanup() {
	[ "$LAB_UP" = 1 ] || return 0
	LAB_UP=0
	[ -n "$BPF_STATS_WAS" ] && sysctl -qw "kernel.bpf_stats_enabled=$BPF_STATS_WAS"
	daemon_stop
	# Deleting the gateway namespace also drops its nft table, iptables
	# rules and the XDP program on its veth; the pins are ours to remove.
	ip netns del "$GW" 2>/dev/null
	ip netns del "$TX" 2>/dev/null
	ip link del "$GIF" 2>/dev/null
	rm -rf "$PIN" "$PIN_BASE" "$PIN_REF"
	[ -n "$TMP" ] && rm -rf "$TMP"
	return 0
}

lab_up() {
	TMP=$(mktemp -d "/tmp/sgbench-$ID.XXXXXX") || die "mktemp failed"
	LAB_UP=1
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ip netns add "$GW" && ip netns add "$TX" &&
		ip link add "$GIF" type veth peer name "$TIF" &&
		ip link set "$GIF" netns "$GW" && ip link set "$TIF" netns "$TX" &&
		ip -n "$GW" link set lo up && ip -n "$TX" link set lo up &&
		ip -n "$GW" addr add 10.201.0.1/24 dev "$GIF" &&
		ip -n "$TX" addr add 10.201.0.2/24 dev "$TIF" &&
		ip -n "$GW" link set "$GIF" up && ip -n "$TX" link set "$TIF" up ||
		die "cannot build the lab"
	# The gateway forwards to the service, which is a blackhole here:
	# whatever passes the filter costs the same IPv4 input and route
	# lookup in every row, and nothing answers the spoofed sources.
	ip -n "$GW" route add blackhole 10.202.0.0/16 &&
		in_gw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 "net.ipv4.conf.$GIF.rp_filter=0" ||
		die "cannot configure the gateway"
	# A veth receives redirected frames only while its NAPI runs: with
	# an XDP program or with GRO on. GRO keeps it on in every row.
	in_gw "$BLAST" --enable-gro "$GIF" || die "cannot turn GRO on"
	# Threaded NAPI: receive processing runs in a kthread we can pin to
	# RX_CPU. Without it, veth NAPI runs as a softirq on the CPU that
	# sent, which is the generator's.
	ip netns exec "$GW" sh -c "echo 1 > /sys/class/net/$GIF/threaded" ||
		die "cannot make $GIF's NAPI threaded"
	GW_MAC=$(ip -n "$GW" -j link show "$GIF" | jq -r '.[0].address')
	rx_thread_pin || die "no NAPI thread for $GIF"
}

# The NAPI kthread is "napi/IFNAME-ID", its comm cut at 15 characters.
rx_thread_pid() {
	local prefix
	prefix=$(printf '%.15s' "napi/$GIF")
	pgrep "^${prefix}" | head -n 1
}

rx_thread_pin() {
	RX_PID=$(rx_thread_pid)
	[ -n "$RX_PID" ] || return 1
	taskset -pc "$RX_CPU" "$RX_PID" >/dev/null || return 1
	if [ "$RT" = 1 ]; then chrt -f -p 50 "$RX_PID" || return 1; fi
	return 0
}

# ---- rows: the filters compared -------------------------------------------

# The shipped policy (issue 7's rows: slotguard, nft, iptables): the
# allowlisted source passes; per source (/32) 10 packets/s, burst 20; per
# /24 50 packets/s, burst 100 (below what a /24 of a spoofed /12 flood sends
# when the receiver takes ~1 Mpps, so the subnet level has work in every
# row); new TCP connections to the service 10000/s, burst 10000.
SRC_RATE=10 SRC_BURST=20 NET_RATE=50 NET_BURST=100 CEIL_RATE=10000 CEIL_BURST=10000
TRACKED=1048576
# The per-source policy (issue 11's rows: sg_src, refbucket, nft_src,
# iptables_src): one packet budget per source, 1/s burst 5, on TCP and UDP
# to the service port; no subnet level, no ceiling, no allowlist. slotguard
# keeps its shipped ban settings (20 violations in 60 s ban for 5 min).
ONE_RATE=1 ONE_BURST=5
# "Within budget" (the udp-within* cells): the per-source policy with a
# budget no flood here reaches, so that every frame is charged and passes.
WITHIN_RATE=10000000 WITHIN_BURST=10000000

write_conf() { # FILE MODE MAX_TRACKED POLICY [ALLOWLIST]; POLICY: shipped, source, within
	local rate=$SRC_RATE burst=$SRC_BURST subnet="packet_rate = off" ceiling=
	case $4 in
	shipped)
		subnet="packet_rate = $NET_RATE/s"$'\n'"packet_burst = $NET_BURST"
		ceiling="ceiling = $CEIL_RATE/s"$'\n'"ceiling_burst = $CEIL_BURST" ;;
	source) rate=$ONE_RATE burst=$ONE_BURST ;;
	within) rate=$WITHIN_RATE burst=$WITHIN_BURST ;;
	*) say "unknown policy '$4'"; return 1 ;;
	esac
	cat >"$1" <<EOF
[slotguard]
interfaces = $GIF
xdp_mode = native
mode = $2
metrics_listen = off
pin_dir = $PIN
state_dir = $TMP/state
max_tracked_sources = $3
keep_attached = no
${5:+allowlist = $5}

[service booking-tcp]
protocol = tcp
port = 443
$ceiling

[service booking-udp]
protocol = udp
port = 443
quic = no

[source]
conn_rate = off
conn_quota = off
packet_rate = $rate/s
packet_burst = $burst

[subnet]
conn_rate = off
conn_quota = off
$subnet
EOF
}

sg() { in_gw "$SG" --pin-dir "$PIN" "$@"; }

daemon_start() { # CONF
	local i
	# nsenter and taskset exec, so $! is the daemon's own pid.
	nsenter --net="/run/netns/$GW" taskset -c "$TX_CPU" "$SG" --pin-dir "$PIN" \
		run -c "$1" >"$TMP/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for ((i = 0; i < 150; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		# Attached, and every pin in place (stats reads sg_config).
		if sg status --json 2>/dev/null |
			jq -e '.interfaces[0].prog_is_ours == true' >/dev/null 2>&1 &&
			sg stats --json >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	say "slotguard run did not come up; its log:"
	sed 's/^/    /' "$TMP/daemon.log" >&2
	return 1
}

# The daemon removes its pins as it stops (keep_attached = no); one that
# had to be killed leaves them, so they go here too: bans and tracking
# never carry over from one row or cell to the next.
daemon_stop() {
	local i
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	rm -rf "$PIN"
}

nft_rules() { # POLICY: shipped or source
	local rate=$ONE_RATE burst=$ONE_BURST allow='' net='' ceil=''
	if [ "$1" = shipped ]; then
		rate=$SRC_RATE burst=$SRC_BURST
		allow="ip saddr $ALLOW_SRC counter name \"allowed\" accept"
		net="update @net { ip saddr and 255.255.255.0 limit rate over $NET_RATE/second burst $NET_BURST packets } counter name \"dropped\" drop"
		ceil="tcp flags & (syn | ack) == syn limit rate over $CEIL_RATE/second burst $CEIL_BURST packets counter name \"dropped\" drop"
	fi
	cat <<EOF
table netdev sgbench {
	counter allowed {}
	counter dropped {}
	set src { type ipv4_addr; size $TRACKED; flags dynamic,timeout; timeout 10s; }
	set net { type ipv4_addr; size 65536; flags dynamic,timeout; timeout 10s; }
	chain ingress {
		type filter hook ingress device "$GIF" priority -500; policy accept;
		meta protocol ip ip protocol { tcp, udp } th dport 443 jump guard
	}
	chain guard {
		$allow
		update @src { ip saddr limit rate over $rate/second burst $burst packets } counter name "dropped" drop
		$net
		$ceil
	}
}
EOF
}

# raw PREROUTING: the first iptables hook an IPv4 packet meets, before
# conntrack and routing; hashlimit's tables have nftables' sizes.
ipt_rules() { # POLICY: shipped or source
	local p rate=$ONE_RATE burst=$ONE_BURST
	[ "$1" = shipped ] && rate=$SRC_RATE burst=$SRC_BURST
	in_gw "$IPT" -t raw -N sgbench || return 1
	for p in tcp udp; do
		in_gw "$IPT" -t raw -A PREROUTING -p "$p" --dport 443 -j sgbench || return 1
	done
	if [ "$1" = shipped ]; then
		in_gw "$IPT" -t raw -A sgbench -s "$ALLOW_SRC" -j ACCEPT || return 1
	fi
	in_gw "$IPT" -t raw -A sgbench -m hashlimit --hashlimit-name sgsrc \
		--hashlimit-mode srcip --hashlimit-above "$rate/sec" \
		--hashlimit-burst "$burst" --hashlimit-htable-size 262144 \
		--hashlimit-htable-max "$TRACKED" --hashlimit-htable-expire 10000 -j DROP ||
		return 1
	[ "$1" = shipped ] || return 0
	in_gw "$IPT" -t raw -A sgbench -m hashlimit --hashlimit-name sgnet \
		--hashlimit-mode srcip --hashlimit-srcmask 24 \
		--hashlimit-above "$NET_RATE/sec" --hashlimit-burst "$NET_BURST" \
		--hashlimit-htable-size 65536 --hashlimit-htable-max 65536 \
		--hashlimit-htable-expire 10000 -j DROP &&
		in_gw "$IPT" -t raw -A sgbench -p tcp --syn -m hashlimit \
			--hashlimit-name sgceil --hashlimit-above "$CEIL_RATE/sec" \
			--hashlimit-burst "$CEIL_BURST" -j DROP
}

# ref_memory : kernel memory and capacity of the reference bucket's LRU
# hash, once per run, for part 3's comparison.
ref_memory() {
	local id
	grep -q 'ref_track_memlock' "$RESULTS/memory.tsv" 2>/dev/null && return 0
	id=$(bpftool -j prog show pinned "$PIN_REF/refbucket_xdp" | jq -r '.map_ids[0] // empty')
	[ -n "$id" ] || return 0
	bpftool -j map show id "$id" | jq -r '"mem\tref_track_memlock\t\(.bytes_memlock)",
		"mem\tref_track_entries\t\(.max_entries)"' >>"$RESULTS/memory.tsv"
}

row_up() { # ROW
	case $1 in
	slotguard)
		echo "$ALLOW_SRC" >"$TMP/allow.txt"
		write_conf "$TMP/bench.conf" enforce "$TRACKED" shipped "$TMP/allow.txt" &&
			daemon_start "$TMP/bench.conf" ;;
	sg_src)
		write_conf "$TMP/bench.conf" enforce "$TRACKED" source &&
			daemon_start "$TMP/bench.conf" ;;
	xdp_drop | parse_drop)
		if [ ! -e "$PIN_BASE" ]; then
			bpftool prog loadall "$BUILD/baseline.bpf.o" "$PIN_BASE" type xdp ||
				return 1
		fi
		in_gw bpftool net attach xdpdrv pinned \
			"$PIN_BASE/baseline_${1#xdp_}" dev "$GIF" ;;
	refbucket)
		# Loaded afresh for every cell: its LRU hash starts empty.
		bpftool prog loadall "$REFBUCKET" "$PIN_REF" type xdp &&
			in_gw bpftool net attach xdpdrv pinned "$PIN_REF/refbucket_xdp" dev "$GIF" &&
			ref_memory ;;
	nft) nft_rules shipped | in_gw nft -f - ;;
	nft_src) nft_rules source | in_gw nft -f - ;;
	iptables) ipt_rules shipped ;;
	iptables_src) ipt_rules source ;;
	*) say "unknown row '$1'"; return 1 ;;
	esac
}

row_down() { # ROW
	case $1 in
	slotguard | sg_src | sg_within) daemon_stop ;;
	xdp_drop | parse_drop) in_gw bpftool net detach xdpdrv dev "$GIF" ;;
	refbucket) in_gw bpftool net detach xdpdrv dev "$GIF" && rm -rf "$PIN_REF" ;;
	nft | nft_src) in_gw nft delete table netdev sgbench ;;
	iptables | iptables_src)
		in_gw "$IPT" -t raw -F PREROUTING && in_gw "$IPT" -t raw -F sgbench &&
			in_gw "$IPT" -t raw -X sgbench ;;
	esac
}

# "DROPPED ALLOWED": what the row's own counters say it dropped and how
# many allowlisted packets it let through (0 0 where it counts nothing).
row_counters() {
	case $1 in
	slotguard | sg_src | sg_within)
		sg stats --json | jq -r '[.totals.drop.packets,
			([.interfaces[].counters[] | select(.verdict == "pass" and
			  .reason == "allowlist") | .packets] | add // 0)] | join(" ")' ;;
	nft | nft_src)
		echo "$(in_gw nft -j list counter netdev sgbench dropped |
			jq '[.nftables[].counter.packets // empty] | add')" \
			"$(in_gw nft -j list counter netdev sgbench allowed |
				jq '[.nftables[].counter.packets // empty] | add')" ;;
	iptables | iptables_src)
		in_gw "$IPT" -t raw -L sgbench -v -x -n |
			awk '$3 == "DROP" { d += $1 } $3 == "ACCEPT" { a += $1 }
			     END { printf "%d %d\n", d, a }' ;;
	*) echo "0 0" ;;
	esac
}

# ---- one measured run ------------------------------------------------------

# "RX_PACKETS RX_DROPPED THREAD_NS IP_IN CPU_IDLE CPU_ALL DROPPED ALLOWED"
# (CPU_* in USER_HZ ticks of the receiving CPU: idle+iowait, and all)
snapshot() { # ROW
	local rx ip_in cpu
	rx=$(ip -n "$GW" -s -j link show "$GIF" |
		jq -r '.[0].stats64.rx | "\(.packets) \(.dropped)"')
	ip_in=$(in_gw awk '/^Ip:/ { n++ } /^Ip:/ && n == 2 { print $4 }' /proc/net/snmp)
	cpu=$(awk -v c="cpu$RX_CPU" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print $5 + $6, t }' /proc/stat)
	echo "$rx $(awk '{ print $1 }' "/proc/$RX_PID/schedstat") $ip_in $cpu $(row_counters "$1")"
}

# blast WORKLOAD SECONDS [sg_blast options] : the workload's traffic; JSON.
blast() {
	local w=$1 secs=$2 proto sources src
	shift 2
	proto=${w%%-*}
	case $w in
	tcp-1) sources=1 src=10.64.0.1 ;;
	udp-1) sources=1 src=10.65.0.1 ;;
	tcp-64k) sources=65536 src=10.66.0.0 ;;
	udp-64k) sources=65536 src=10.67.0.0 ;;
	tcp-1m) sources=1048576 src=10.80.0.0 ;;
	udp-1m) sources=1048576 src=10.96.0.0 ;;
	# The ban and within-budget cells: from the first banned source, or
	# from every one (1,000,000 is no power of two: sg_blast takes a
	# modulo per frame there, on the sender's CPU).
	udp-ban1 | udp-ban64k-one | udp-ban1m-one | udp-within1) sources=1 src=$BAN_BASE ;;
	udp-ban64k-all | udp-within64k) sources=65536 src=$BAN_BASE ;;
	udp-ban1m-all | udp-within1m) sources=1000000 src=$BAN_BASE ;;
	*) say "unknown workload '$w'"; return 1 ;;
	esac
	# Spoofed floods carry an allowlisted source, every 64th frame.
	case $w in tcp-1m | udp-1m) set -- "$@" --allow "$ALLOW_SRC" --allow-every "$ALLOW_EVERY" ;; esac
	in_tx "$BLAST" --dev "$TIF" --dst-mac "$GW_MAC" --dst "$DST" --proto "$proto" \
		--src "$src" --sources "$sources" --seconds "$secs" --batch 256 \
		--cpu "$TX_CPU" --json "$@"
}

measure() { # WORKLOAD ROW RUN SECONDS
	local a b out
	a=$(snapshot "$2")
	out=$(blast "$1" "$4") || return 1
	sleep 0.05 # the veth ring (256 frames) drains in microseconds
	b=$(snapshot "$2")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
		"$(jq -r '.sent' <<<"$out")" "$(jq -r '.seconds' <<<"$out")" "$a" "$b" \
		>>"$RESULTS/part2.tsv"
}

# The XDP program's own run time per frame, live, from the kernel's BPF
# statistics (kernel.bpf_stats_enabled), in a run of its own: the
# statistics cost two clock reads per run, which the measured runs must
# not pay. Only for rows that attach an XDP program.
prog_stats_run() { # WORKLOAD ROW
	local id a b out old
	id=$(ip -n "$GW" -j -d link show "$GIF" |
		jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // empty')
	[ -n "$id" ] || return 0
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1 || return 0
	a=$(bpftool -j prog show id "$id" | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
	out=$(blast "$1" 1) || out=
	b=$(bpftool -j prog show id "$id" | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
	sysctl -qw "kernel.bpf_stats_enabled=$old"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$a" "$b" >>"$RESULTS/progstats.tsv"
}

# cell WORKLOAD ROW RUNS SECONDS WARMUP : one cell of the table, the row
# already up: steady state first (bans made, sets and tables filled), then
# the measured runs, then the bpf_stats run.
cell() {
	local run
	rx_thread_pin || die "lost the NAPI thread of $GIF"
	if [ "$5" != 0 ]; then blast "$1" "$5" >/dev/null || die "sg_blast failed ($1)"; fi
	for ((run = 1; run <= $3; run++)); do
		measure "$1" "$2" "$run" "$4" || die "sg_blast failed ($1, $2)"
	done
	[ "$QUICK" = 1 ] || prog_stats_run "$1" "$2"
}

part2() {
	local w r
	for w in tcp-1 udp-1 tcp-64k udp-64k tcp-1m udp-1m; do
		selected "$w" || continue
		for r in $ROWS; do
			say "part 2: $w, $r"
			row_up "$r" || die "setting up $r failed"
			case $r in
			sg_src | refbucket | nft_src | iptables_src)
				cell "$w" "$r" "$NEW_RUNS" "$NEW_SECONDS" "$WARMUP" ;;
			*) cell "$w" "$r" "$RUNS" "$SECONDS_PER_RUN" "$WARMUP" ;;
			esac
			row_down "$r" || die "removing $r failed"
		done
	done
}

# ---- part 2, banned frames (issue 11) --------------------------------------

# Pinned maps whose name says "ban" (sg_bans_v4 and sg_bans_v6 today;
# whatever the layout becomes, its ban maps keep the word).
ban_maps() {
	local m
	for m in "$PIN"/*ban*; do
		[ -f "$m" ] && echo "$m"
	done
}

# ban_capacity : the most IPv4 /32 bans the table takes, as bpftool sees it:
# the largest max_entries of an IPv4 (not *v6*) ban map.
ban_capacity() {
	local m n best=0
	while read -r m; do
		case ${m##*/} in *v6*) continue ;; esac
		n=$(bpftool -j map show pinned "$m" 2>/dev/null | jq -r '.max_entries // 0')
		[ "${n:-0}" -gt "$best" ] && best=$n
	done < <(ban_maps)
	echo "$best"
}

# ban_memlock : bytes_memlock of every ban map, summed.
ban_memlock() {
	local m n total=0
	while read -r m; do
		n=$(bpftool -j map show pinned "$m" 2>/dev/null | jq -r '.bytes_memlock // 0')
		total=$((total + ${n:-0}))
	done < <(ban_maps)
	echo "$total"
}

# ban_fill HAVE WANT : ban BAN_BASE+HAVE ... BAN_BASE+WANT-1 as /32s.
ban_fill() {
	local out
	if ! out=$("$BANFILL" --pin-dir "$PIN" --src "$BAN_BASE" --skip "$1" \
		--count $(($2 - $1)) --for 1h --json 2>"$TMP/banfill.err"); then
		say "$(cat "$TMP/banfill.err")"
		return 1
	fi
	printf 'fill\t%s\t%s\n' "$2" "$(jq -r .seconds <<<"$out")" >>"$RESULTS/bans.tsv"
}

daemon_cpu_ticks() { # utime + stime of the daemon, in USER_HZ ticks
	awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat" 2>/dev/null || echo 0
}

# ban_cell WORKLOAD : a ban cell, with the share of a CPU the daemon used
# meanwhile (it sweeps the ban table once a second).
ban_cell() {
	local t0 c0 t1 c1
	say "part 2: $1 (slotguard, per-source policy)"
	t0=${EPOCHREALTIME/[.,]/} c0=$(daemon_cpu_ticks)
	cell "$1" sg_src "$NEW_RUNS" "$NEW_SECONDS" "$WARMUP"
	t1=${EPOCHREALTIME/[.,]/} c1=$(daemon_cpu_ticks)
	printf 'daemon_cpu\t%s\t%s\n' "$1" \
		"$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.3f", t ? c / hz / (t / 1e6) : 0 }')" >>"$RESULTS/bans.tsv"
}

# The cost of a banned frame as bans grow: slotguard with the per-source
# policy, its ban table filled through the loader core (sg_banfill, manual
# /32 bans) to 1, 65,536 and 1,000,000 bans in one daemon's life, each
# step flooded from one banned source and from all of them.
part2_bans() {
	local want names later w cap have=0 any=0
	for w in udp-ban1 udp-ban64k-one udp-ban64k-all udp-ban1m-one udp-ban1m-all; do
		selected "$w" && any=1
	done
	[ "$any" = 1 ] && has_row sg_src || return 0
	say "part 2: banned frames, per-source policy"
	write_conf "$TMP/bans.conf" enforce "$TRACKED" source || die "no config"
	daemon_start "$TMP/bans.conf" || die "slotguard run failed"
	cap=$(ban_capacity)
	printf 'cap\tban_capacity\t%s\n' "$cap" >>"$RESULTS/bans.tsv"
	printf 'mem\tban_memlock_0\t%s\n' "$(ban_memlock)" >>"$RESULTS/bans.tsv"
	for want in 1 65536 1000000; do
		case $want in
		1) names=udp-ban1 later='udp-ban1 udp-ban64k-one udp-ban64k-all udp-ban1m-one udp-ban1m-all' ;;
		65536) names='udp-ban64k-one udp-ban64k-all' later='udp-ban64k-one udp-ban64k-all udp-ban1m-one udp-ban1m-all' ;;
		1000000) names='udp-ban1m-one udp-ban1m-all' later=$names ;;
		esac
		# A step is filled when it or a later one is measured.
		any=0
		for w in $later; do selected "$w" && any=1; done
		[ "$any" = 1 ] || continue
		if [ "$want" -gt "$cap" ]; then
			for w in $names; do
				selected "$w" && printf 'skip\t%s\ttable %s\n' "$w" "$cap" >>"$RESULTS/bans.tsv"
			done
			say "part 2: skipping $want bans: the ban table holds $cap"
			continue
		fi
		say "part 2: banning $want sources"
		if ! ban_fill "$have" "$want"; then
			for w in $names; do
				selected "$w" && printf 'skip\t%s\tfailed %s\n' \
					"$w" "$(head -n 1 "$TMP/banfill.err")" >>"$RESULTS/bans.tsv"
			done
			break
		fi
		have=$want
		printf 'mem\tban_memlock_%s\t%s\n' "$want" "$(ban_memlock)" >>"$RESULTS/bans.tsv"
		for w in $names; do
			selected "$w" && ban_cell "$w"
		done
	done
	daemon_stop
}

# Frames within budget, the comparison for "a banned frame costs no more
# than a frame within budget": the same sources, every frame charged and
# passed (so only the program's own ns compare; what passes also costs the
# stack). The table has room for every source: no eviction.
part2_within() {
	local w warm any=0
	for w in udp-within1 udp-within64k udp-within1m; do selected "$w" && any=1; done
	[ "$any" = 1 ] && has_row sg_src || return 0
	write_conf "$TMP/within.conf" enforce $((2 * TRACKED)) within || die "no config"
	daemon_start "$TMP/within.conf" || die "slotguard run failed"
	for w in udp-within1 udp-within64k udp-within1m; do
		selected "$w" || continue
		say "part 2: $w (slotguard, budget never reached)"
		# A million sources take a second pass to all be tracked.
		warm=$WARMUP
		[ "$w" = udp-within1m ] && [ "$WARMUP" != 0 ] && warm=$((2 * WARMUP))
		cell "$w" sg_within "$NEW_RUNS" "$NEW_SECONDS" "$warm"
	done
	daemon_stop
}

# ---- part 3: control plane -------------------------------------------------

# ms CMD... : wall-clock milliseconds of one run of CMD (output discarded).
ms() {
	local t0 t1
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >/dev/null 2>&1 || { echo "-1"; return 1; }
	t1=${EPOCHREALTIME/[.,]/}
	echo $(((t1 - t0) / 1000))
}

# timed NAME REPEAT CMD... : REPEAT timings of CMD into part3.tsv.
timed() {
	local name=$1 n=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		printf 'time\t%s\t%s\n' "$name" "$(ms "$@")" >>"$RESULTS/part3.tsv"
	done
}

map_info() { # NAME : "BYTES_MEMLOCK MAX_ENTRIES" of a pinned map
	bpftool -j map show pinned "$PIN/$1" | jq -r '"\(.bytes_memlock) \(.max_entries)"'
}

all_maps_memlock() { # bytes_memlock of every pinned slotguard map, summed
	local m n total=0
	for m in "$PIN"/sg_*; do
		[ -f "$m" ] || continue
		n=$(bpftool -j map show pinned "$m" 2>/dev/null | jq -r '.bytes_memlock // 0')
		total=$((total + ${n:-0}))
	done
	echo "$total"
}

gen_cidrs() { # FILE N : N distinct CIDRs, 60% IPv4 /24 and /32, 40% IPv6 /48
	awk -v n="$2" 'BEGIN {
		print "# bench: generated allowlist"
		v4 = int(n * 0.6)
		for (i = 0; i < v4; i++) {
			if (i % 2) printf "10.%d.%d.0/24\n", int(i / 256) % 256, i % 256
			else printf "172.%d.%d.%d/32\n", 16 + int(i / 65536), int(i / 256) % 256, i % 256
		}
		for (i = 0; i < n - v4; i++)
			printf "fd00:%x:%x::/48\n", int(i / 65536) + 1, i % 65536
	}' >"$1"
}

part3() {
	local fill_secs=2 n_cidrs=100000 reps=3 tracked total m i
	[ "$QUICK" = 1 ] && fill_secs=0.5 n_cidrs=1000 reps=1
	printf 'kind\tname\tvalue\n' >"$RESULTS/part3.tsv"
	say "part 3: memory at the default size"
	write_conf "$TMP/default.conf" monitor 262144 shipped
	sed -i '/^max_tracked_sources/d' "$TMP/default.conf"
	daemon_start "$TMP/default.conf" || die "slotguard run failed"
	read -r m total < <(map_info sg_track)
	printf 'mem\tdefault_track_memlock\t%s\nmem\tdefault_track_entries\t%s\n' "$m" "$total" >>"$RESULTS/part3.tsv"
	printf 'mem\tdefault_all_maps_memlock\t%s\n' "$(all_maps_memlock)" >>"$RESULTS/part3.tsv"
	daemon_stop

	# Issue 11: what tracking 1,000,000 sources costs, whatever maps the
	# layout spreads it over: every map at 1,000,000 minus every map at
	# the smallest size, under each policy.
	say "part 3: kernel memory for 1,000,000 tracked sources"
	for policy in shipped source; do
		for n in 1024 1000000; do
			# --quick: one of each (what the smoke test reads), half the starts.
			[ "$QUICK" = 1 ] && [ "$policy:$n" != shipped:1000000 ] &&
				[ "$policy:$n" != source:1024 ] && continue
			write_conf "$TMP/mem.conf" monitor "$n" "$policy" || die "no config"
			daemon_start "$TMP/mem.conf" || die "slotguard run failed"
			printf 'mem\tall_maps_%s_%s\t%s\n' "$policy" "$n" "$(all_maps_memlock)" \
				>>"$RESULTS/memory.tsv"
			daemon_stop
		done
	done

	write_conf "$TMP/big.conf" monitor "$TRACKED" shipped
	daemon_start "$TMP/big.conf" || die "slotguard run failed"
	read -r m total < <(map_info sg_track)
	printf 'mem\tbig_track_memlock\t%s\nmem\tbig_track_entries\t%s\n' "$m" "$total" >>"$RESULTS/part3.tsv"
	daemon_stop

	# Sized so that the whole flood fits (its 1,048,576 sources and their
	# 4,096 /24s): at exactly 2^20 entries the LRU evicts while it fills
	# and settles well below a million.
	say "part 3: filling sg_track with a spoofed flood of 2^20 sources"
	write_conf "$TMP/fill.conf" monitor $((2 * TRACKED)) shipped
	daemon_start "$TMP/fill.conf" || die "slotguard run failed"
	rx_thread_pin || die "lost the NAPI thread"
	for ((i = 0; i < 8; i++)); do
		blast tcp-1m "$fill_secs" >/dev/null || die "sg_blast failed"
		tracked=$(sg status --json | jq '.maps.tracked_sources.entries')
		[ "$QUICK" = 1 ] || [ "$tracked" -ge 1000000 ] && break
	done
	printf 'fill\ttracked_entries\t%s\n' "$tracked" >>"$RESULTS/part3.tsv"
	printf 'fill\ttracked_capacity\t%s\n' $((2 * TRACKED)) >>"$RESULTS/part3.tsv"
	timed stats "$reps" sg stats
	timed stats_json "$reps" sg stats --json
	timed top "$reps" sg top
	timed top_json "$reps" sg top --json
	timed status "$reps" sg status

	say "part 3: allow replace of $n_cidrs CIDRs"
	gen_cidrs "$TMP/cidrs.txt" "$n_cidrs"
	printf 'fill\tcidrs\t%s\n' "$(grep -vc '^#' "$TMP/cidrs.txt")" >>"$RESULTS/part3.tsv"
	timed allow_replace "$reps" sg allow replace "$TMP/cidrs.txt"
	printf 'fill\tallow_entries_after\t%s\n' \
		"$(sg status --json | jq '.maps.lists.allow.ipv4 + .maps.lists.allow.ipv6')" >>"$RESULTS/part3.tsv"
	timed allow_flush 1 sg allow flush
	daemon_stop
}

# ---- machine and part 1 ----------------------------------------------------

machine() {
	{
		printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
		printf 'cores\t%s\n' "$(nproc)"
		printf 'kernel\t%s\n' "$(uname -r)"
		printf 'hypervisor\t%s\n' "$(lscpu | sed -n 's/^Hypervisor vendor: *//p')"
		printf 'memory\t%s\n' "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		printf 'os\t%s\n' "$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}")"
		printf 'nft\t%s\n' "$(nft -v 2>/dev/null)"
		printf 'iptables\t%s\n' "$($IPT -V 2>/dev/null)"
		printf 'slotguard\t%s\n' "$("$SG" version 2>/dev/null | head -n 1)"
		printf 'git\t%s\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'command\t%s\n' "$BENCH_COMMAND"
		printf 'runs\t%s\nseconds\t%s\nwarmup\t%s\n' "$RUNS" "$SECONDS_PER_RUN" "$WARMUP"
		printf 'tx_cpu\t%s\nrx_cpu\t%s\nrt\t%s\n' "$TX_CPU" "$RX_CPU" "$RT"
		printf 'lab_id\t%s\n' "$ID"
		printf 'limits\t%s\n' "$SRC_RATE $SRC_BURST $NET_RATE $NET_BURST $CEIL_RATE $CEIL_BURST $TRACKED"
		printf 'limits_source\t%s\n' "$ONE_RATE $ONE_BURST $WITHIN_RATE $WITHIN_BURST"
		printf 'runs_new\t%s\nseconds_new\t%s\n' "$NEW_RUNS" "$NEW_SECONDS"
	} >"$RESULTS/machine.tsv"
}

load() { # WHEN
	printf 'load_%s\t%s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.tsv"
	printf 'cpu_avail_%s\t%s\n' "$1" "$(cpu_avail)" >>"$RESULTS/machine.tsv"
}

# cpu_avail : the share of each CPU a busy loop pinned to it gets in one
# second, e.g. "0.99 0.98". This guest's host sometimes caps the whole VM
# (the guest then sees idle time it cannot use); other load lowers it too.
cpu_avail() {
	python3 - "$TX_CPU" "$RX_CPU" <<'PY'
import os, sys, time
def spin(cpu, w):
    os.sched_setaffinity(0, {cpu})
    t0, c0 = time.monotonic(), time.process_time()
    while time.monotonic() - t0 < 1.0:
        pass
    os.write(w, b"%.2f" % ((time.process_time() - c0) / (time.monotonic() - t0)))
    os._exit(0)
out = []
pipes = []
for cpu in map(int, sys.argv[1:]):
    r, w = os.pipe()
    if os.fork() == 0:
        spin(cpu, w)
    os.close(w)
    pipes.append(r)
for r in pipes:
    out.append(os.read(r, 16).decode())
    os.wait()
print(" ".join(out))
PY
}

part1() {
	say "part 1: program cost (sg_progbench)"
	if [ "$QUICK" = 1 ]; then
		"$PROGBENCH" -r 10000 -n 1 >"$RESULTS/part1.txt"
	else
		"$PROGBENCH" >"$RESULTS/part1.txt"
	fi
}

# ---- part 5: replay (issue 14) ---------------------------------------------

# part5 : `slotguard replay` of synthetic captures (people and 4 bots at
# 100,000 frames/s of capture time, the shipped budgets, enforcing), one
# run per size on RX_CPU; wall time, CPU time and peak RSS by
# /usr/bin/time. The capture is written first and read from the page
# cache, so the generator is not measured.
part5() {
	local dir n sizes=(1000000 10000000) wall rss user sys bytes
	[ "$QUICK" = 1 ] && sizes=(100000)
	dir=$(mktemp -d "/tmp/sgbench-$ID.replay.XXXXXX") || return 1
	cat >"$dir/replay.conf" <<'CONF'
[slotguard]
mode = enforce
[service booking]
protocol = tcp
port = 443
CONF
	printf 'kind\tname\tvalue\n' >"$RESULTS/replay.tsv"
	for n in "${sizes[@]}"; do
		say "part 5: replay of $n frames"
		"$PCAPGEN" -o "$dir/cap.pcap" -n "$n" --rate 100000 || { rm -rf "$dir"; return 1; }
		bytes=$(stat -c %s "$dir/cap.pcap")
		cat "$dir/cap.pcap" >/dev/null # into the page cache
		if ! taskset -c "$RX_CPU" /usr/bin/time -f '%e %M %U %S' -o "$dir/time" \
			"$SG" replay -c "$dir/replay.conf" "$dir/cap.pcap" >"$dir/out" 2>&1; then
			say "part 5: replay failed: $(head -c 300 "$dir/out")"
			rm -rf "$dir"
			return 1
		fi
		read -r wall rss user sys <"$dir/time"
		printf 'replay\t%s_%s\t%s\n' "$n" bytes "$bytes" "$n" seconds "$wall" \
			"$n" rss_kib "$rss" "$n" user_seconds "$user" "$n" sys_seconds "$sys" \
			>>"$RESULTS/replay.tsv"
		rm -f "$dir/cap.pcap"
	done
	rm -rf "$dir"
}

# ---- main ------------------------------------------------------------------

PARTS=${PARTS:-$PARTS_DEFAULT}
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP, nft)"
for c in ip nsenter jq bpftool nft "$IPT" taskset chrt python3; do
	command -v "$c" >/dev/null || die "needs $c"
done
for f in "$SG" "$BLAST" "$PROGBENCH" "$BANFILL" "$PCAPGEN" "$BUILD/baseline.bpf.o" "$REFBUCKET" \
	/usr/bin/time; do
	[ -e "$f" ] || die "no $f (run make)"
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "no bpffs"
[ -n "$RESULTS" ] || RESULTS=$(mktemp -d /tmp/sgbench-results.XXXXXX)
mkdir -p "$RESULTS"

machine
load start
[[ ,$PARTS, == *,1,* ]] && { part1 || die "sg_progbench failed"; }
if [[ ,$PARTS, == *,2,* || ,$PARTS, == *,3,* ]]; then
	lab_up
	: >"$RESULTS/memory.tsv"
	if [[ ,$PARTS, == *,2,* ]]; then
		printf 'workload\trow\trun\tsent\tseconds\tbefore\tafter\n' >"$RESULTS/part2.tsv"
		printf 'workload\trow\tbefore\tafter\n' >"$RESULTS/progstats.tsv"
		printf 'kind\tname\tvalue\n' >"$RESULTS/bans.tsv"
		part2
		part2_bans
		part2_within
	fi
	[[ ,$PARTS, == *,3,* ]] && part3
fi
if [[ ,$PARTS, == *,4,* ]]; then
	say "part 4: fleet mode (bench/fleet.sh)"
	command -v redis-server >/dev/null || die "part 4 needs redis-server (make deps)"
	BUILD=$BUILD bash "$ROOT/bench/fleet.sh" "$RESULTS" "$QUICK" || die "bench/fleet.sh failed"
fi
[[ ,$PARTS, == *,5,* ]] && { part5 || die "part 5 (replay) failed"; }
load end
say "raw results in $RESULTS"
if [ "$OUT" = - ]; then
	python3 "$ROOT/bench/report.py" "$RESULTS"
else
	python3 "$ROOT/bench/report.py" "$RESULTS" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" ||
		die "report failed"
	say "wrote $OUT"
fi
