#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The benchmark machinery runs: `bench/run.sh --quick` (half a second per
# cell) produces program costs, end-to-end numbers for every row of both
# policies, banned-frame cells over a filled ban table, control plane
# timings, map memory and a report, and leaves nothing behind. Only that
# numbers come out is checked, never what they are: benchmarks are not
# tests.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(bench-smoke-run bench-smoke-progbench bench-smoke-veth bench-smoke-bans
	bench-smoke-control bench-smoke-replay bench-smoke-report bench-smoke-cleanup)

why=
if [ "$(id -u)" != 0 ]; then
	why="needs root"
else
	for c in ip nsenter jq bpftool nft iptables taskset chrt python3; do
		command -v "$c" >/dev/null || { why="needs $c"; break; }
	done
	for f in "$SG_BIN" "$BUILD/tools/sg_blast" "$BUILD/tools/sg_progbench" \
		"$BUILD/tools/sg_banfill" "$BUILD/tools/sg_pcapgen"; do
		[ -n "$why" ] || [ -x "$f" ] || why="no $f (run make)"
	done
	[ -n "$why" ] || [ -s "$BUILD/refbucket.bpf.o" ] || why="no $BUILD/refbucket.bpf.o (run make)"
fi
if [ -n "$why" ]; then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! "$SG_BIN" run --help >/dev/null 2>&1; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi

SMOKE_DIR=$(mktemp -d /tmp/sgbench-smoke.XXXXXX)
trap 'rm -rf "$SMOKE_DIR"' EXIT
RES=$SMOKE_DIR/results

if BUILD=$BUILD timeout 120 "$LAB_ROOT/bench/run.sh" --quick --results "$RES" \
	--out "$SMOKE_DIR/BENCHMARKS.md" >"$SMOKE_DIR/log" 2>&1; then
	pass bench-smoke-run
else
	fail bench-smoke-run "bench/run.sh --quick failed: $(tail -n 3 "$SMOKE_DIR/log" | tr '\n' ' ')"
fi

# is_num TEXT : a non-negative number.
is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

progbench_ok() {
	local n
	[ -s "$RES/part1.txt" ] || return 1
	# path rows: a name, then ns/pkt, x parse, x pass as numbers
	n=$(grep -cE '^[a-zA-Z].* [0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ ' "$RES/part1.txt")
	[ "$n" -ge 10 ]
}
check bench-smoke-progbench "sg_progbench gave no table of 10 paths" progbench_ok

# measured WORKLOAD ROW : frames were sent and the gateway's veth
# received some, and its NAPI thread ran, in a run of that cell.
measured() {
	[ "$(awk -F'\t' -v w="$1" -v r="$2" '$1 == w && $2 == r {
		split($6, a, " "); split($7, b, " ")
		if ($4 > 0 && b[1] > a[1] && b[3] > a[3]) ok = 1 }
		END { print ok + 0 }' "$RES/part2.tsv")" = 1 ]
}

veth_ok() {
	local row
	[ -s "$RES/part2.tsv" ] || return 1
	for row in slotguard xdp_drop parse_drop nft iptables sg_src refbucket nft_src \
		iptables_src; do
		measured tcp-1 "$row" || { note "row $row: no frames sent or received"; return 1; }
	done
}
check bench-smoke-veth "a row of part 2 measured nothing" veth_ok

# The ban table was filled (65,536 /32s) and flooded; the within-budget
# cell ran; the ban maps were weighed.
bans_ok() {
	local w v
	for w in udp-ban1:sg_src udp-ban64k-one:sg_src udp-ban64k-all:sg_src \
		udp-within64k:sg_within; do
		measured "${w%%:*}" "${w#*:}" || { note "cell $w measured nothing"; return 1; }
	done
	v=$(awk -F'\t' '$1 == "cap" { print $3 }' "$RES/bans.tsv")
	is_num "$v" && [ "$v" -gt 0 ] || { note "no ban table capacity"; return 1; }
	v=$(awk -F'\t' '$1 == "fill" && $2 == 65536 { print $3 }' "$RES/bans.tsv")
	is_num "$v" || { note "65,536 bans were not filled"; return 1; }
	v=$(awk -F'\t' '$2 == "ban_memlock_65536" { print $3 }' "$RES/bans.tsv")
	is_num "$v" && [ "$v" -gt 0 ] || { note "no ban map memory"; return 1; }
}
check bench-smoke-bans "the ban cells measured nothing" bans_ok

control_ok() {
	local name v
	[ -s "$RES/part3.tsv" ] || return 1
	for name in stats top allow_replace; do
		v=$(awk -F'\t' -v n="$name" '$1 == "time" && $2 == n { print $3; exit }' "$RES/part3.tsv")
		is_num "$v" || { note "no timing of $name"; return 1; }
	done
	for name in tracked_entries default_track_memlock big_track_memlock; do
		v=$(awk -F'\t' -v n="$name" '$2 == n { print $3; exit }' "$RES/part3.tsv")
		is_num "$v" && [ "$v" -gt 0 ] || { note "no $name"; return 1; }
	done
	for name in all_maps_shipped_1000000 all_maps_source_1024 ref_track_memlock; do
		v=$(awk -F'\t' -v n="$name" '$2 == n { print $3; exit }' "$RES/memory.tsv")
		is_num "$v" && [ "$v" -gt 0 ] || { note "no $name"; return 1; }
	done
}
check bench-smoke-control "part 3 gave no timings or memory" control_ok

# Part 5: a replay of 100,000 frames was timed and weighed.
replay_ok() {
	local name v
	for name in 100000_seconds 100000_rss_kib 100000_bytes; do
		v=$(awk -F'\t' -v n="$name" '$1 == "replay" && $2 == n { print $3 }' "$RES/replay.tsv" 2>/dev/null)
		is_num "$v" && [ "${v%.*}${v#*.}" != 0 ] || { note "no $name"; return 1; }
	done
}
check bench-smoke-replay "part 5 timed no replay" replay_ok

report_ok() {
	local f=$SMOKE_DIR/BENCHMARKS.md
	[ -s "$f" ] && grep -q '^## 1\. ' "$f" && grep -q '^## 2\. ' "$f" &&
		grep -q '^## 3\. ' "$f" && grep -q '^## 4\. ' "$f" &&
		grep -q '^| 100,000 | [0-9]' "$f" &&
		grep -q '^## Targets (issue 11)' "$f" &&
		grep -q '^| slotguard (enforce) | [0-9]' "$f" &&
		grep -q '^| reference token bucket (XDP, LRU hash) | [0-9]' "$f" &&
		grep -q '^| 65,536 | all 65,536 banned sources | [0-9]' "$f" &&
		! grep -qiw 'nan' "$f"
}
check bench-smoke-report "the report lacks a part or has no numbers" report_ok

cleanup_ok() {
	local id
	id=$(awk -F'\t' '$1 == "lab_id" { print $2 }' "$RES/machine.tsv" 2>/dev/null)
	[ -n "$id" ] || return 1
	! ip netns list | grep -qE "^sgb-(gw|tx)-$id( |$)" &&
		[ ! -e "/sys/fs/bpf/sgbench-$id" ] && [ ! -e "/sys/fs/bpf/sgbench-base-$id" ] &&
		[ ! -e "/sys/fs/bpf/sgbench-ref-$id" ] &&
		! ls -d /tmp/sgbench-"$id".* >/dev/null 2>&1
}
check bench-smoke-cleanup "namespaces, pins or files of the bench are left" cleanup_ok
