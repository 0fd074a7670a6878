#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the libFuzzer targets of tests/fuzz (built by `make` into
# $BUILD/fuzz). Two modes:
#   smoke  what `make test` runs: every committed regression input, then a
#          short pass with a fixed seed and run count per fuzzer; one
#          "PASS: name" / "FAIL: name: why" / "SKIP: name: why" line each.
#   long   what `make fuzz` runs: each fuzzer for FUZZ_SECONDS (default
#          60), its corpus kept in $BUILD/fuzz/corpus/NAME between runs,
#          then one line per fuzzer: executions, coverage, what it found.
# Usage: tests/fuzz/run.sh smoke|long [NAME...]   (NAME: cidr, config, ...)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
mode=${1:-smoke}
shift || true
dir=$BUILD/fuzz
all=(cidr duration rate listfile config datapath)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

# Fixed-seed runs of the smoke pass: a few seconds each on a 2-CPU VM.
declare -A smoke_runs=([cidr]=200000 [duration]=200000 [rate]=200000
	[listfile]=50000 [config]=40000 [datapath]=8000)
declare -A max_len=([config]=8192 [datapath]=2049)

set_flags() { # NAME: flags=(the libFuzzer flags every run of it gets)
	flags=(-max_len="${max_len[$1]:-4096}" -print_final_stats=1)
	[ -e "tests/fuzz/dicts/$1.dict" ] && flags+=(-dict="tests/fuzz/dicts/$1.dict")
}

# The seed corpus: committed, or for the data path built from pkt.c.
seeds_of() { # NAME
	if [ "$1" = datapath ]; then
		rm -rf "$dir/seeds/datapath"
		mkdir -p "$dir/seeds/datapath"
		SG_FUZZ_WRITE_SEEDS=$dir/seeds/datapath "$dir/fuzz_datapath" ||
			return 1
		echo "$dir/seeds/datapath"
	else
		echo "tests/fuzz/seeds/$1"
	fi
}

# "N executions, cov C ft F, corpus K" from a libFuzzer log.
stats_of() { # LOG
	local execs last
	execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$1" | tail -1)
	last=$(grep -E '^#[0-9]+' "$1" | tail -1)
	echo "${execs:-?} executions, cov $(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
		"ft $(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")" \
		"corpus $(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")"
}

# Why a run failed: the invariant or sanitizer line, and the saved input.
why_of() { # LOG
	local what saved history
	what=$(grep -m1 -E ': invariant broken: |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$1")
	saved=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$1" | head -1)
	history=$(sed -n 's/^fuzz_datapath: \([^ ]*\): the last .*/\1/p' "$1" | head -1)
	echo "${what:-exited without a report (see $1)}${saved:+; input: $saved}${history:+; history: $history}"
}

needs_root() { # NAME: prints a SKIP reason if this fuzzer cannot run
	[ "$1" = datapath ] && [ "$(id -u)" -ne 0 ] &&
		echo "loads the XDP program: needs root (CAP_BPF)"
}

# Committed inputs that once failed; the data path replays histories.
regressions() { # NAME
	local bin=$dir/fuzz_$1 log=$dir/logs/$1-regression.log f n=0
	local files=(tests/fuzz/regressions/"$1"/*)
	[ -e "${files[0]}" ] || return 0
	set_flags "$1"
	for f in "${files[@]}"; do
		n=$((n + 1))
		# The braces' stderr takes bash's "Aborted" job notice.
		if [ "$1" = datapath ]; then
			{ SG_FUZZ_REPLAY=$f SG_FUZZ_HISTORY_DIR=$dir/artifacts \
				"$bin" >"$log" 2>&1; } 2>/dev/null
		else
			{ "$bin" "${flags[@]}" "$f" >"$log" 2>&1; } 2>/dev/null
		fi || { echo "FAIL: fuzz_$1_regressions: $f: $(why_of "$log")"; return; }
	done
	echo "PASS: fuzz_$1_regressions"
	echo "  $n inputs replayed"
}

smoke() { # NAME
	local bin=$dir/fuzz_$1 log=$dir/logs/$1-smoke.log corpus seeds
	corpus=$(mktemp -d "$dir/smoke-corpus.XXXXXX")
	seeds=$(seeds_of "$1") || { echo "FAIL: fuzz_$1_smoke: no seeds"; return; }
	set_flags "$1"
	if SG_FUZZ_HISTORY_DIR=$dir/artifacts "$bin" "${flags[@]}" \
		-seed=1 -runs="${smoke_runs[$1]}" -max_total_time=30 \
		-artifact_prefix="$dir/artifacts/" "$corpus" "$seeds" \
		>"$log" 2>&1; then
		echo "PASS: fuzz_$1_smoke"
		echo "  $(stats_of "$log")"
	else
		echo "FAIL: fuzz_$1_smoke: $(why_of "$log")"
	fi
	rm -rf "$corpus"
}

long() { # NAME
	local bin=$dir/fuzz_$1 log=$dir/logs/$1-long.log corpus=$dir/corpus/$1
	local seeds found=none
	mkdir -p "$corpus"
	seeds=$(seeds_of "$1") || { echo "fuzz_$1: no seeds"; return 1; }
	set_flags "$1"
	SG_FUZZ_HISTORY_DIR=$dir/artifacts SG_FUZZ_SUMMARY=1 "$bin" \
		"${flags[@]}" -max_total_time="$FUZZ_SECONDS" \
		-artifact_prefix="$dir/artifacts/" "$corpus" "$seeds" \
		>"$log" 2>&1 || found=$(why_of "$log")
	echo "fuzz_$1: ${FUZZ_SECONDS} s, $(stats_of "$log"); found: $found"
	grep '^fuzz_datapath: ' "$log" | sed 's/^/  /'
	[ "$found" = none ]
}

mkdir -p "$dir/logs" "$dir/artifacts"
flags=()
failed=0
for n in "${names[@]}"; do
	if [ ! -x "$dir/fuzz_$n" ]; then
		echo "FAIL: fuzz_$n: $dir/fuzz_$n is not built (make)"
		failed=1
		continue
	fi
	skip=$(needs_root "$n")
	case $mode in
	smoke)
		if [ -n "$skip" ]; then
			echo "SKIP: fuzz_${n}_regressions: $skip"
			echo "SKIP: fuzz_${n}_smoke: $skip"
			continue
		fi
		regressions "$n"
		smoke "$n"
		;;
	long)
		if [ -n "$skip" ]; then
			echo "fuzz_$n: skipped: $skip"
			continue
		fi
		long "$n" || failed=1
		;;
	*)
		echo "usage: $0 smoke|long [NAME...]" >&2
		exit 2
		;;
	esac
done
exit $failed
