#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every slotguard test component and prints one closing line,
# "N passed, N failed, N skipped". Components print one line per test:
# "PASS: name", "FAIL: name: why" or "SKIP: name: why". A component that
# exits non-zero without printing a FAIL counts as one failure.
# With SG_SANITIZER_LOG_DIR set (make test-asan points the sanitizers'
# log_path there), every report found there at the end is a failure.
# Usage: tests/run.sh [GLOB...]  (GLOBs match component names: unit, integ-*)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
filters=("$@")
[ ${#filters[@]} -gt 0 ] || filters=('*')
passed=0 failed=0 skipped=0
log_dir=$(mktemp -d /tmp/slotguard-tests.XXXXXX)

components=(unit)
for f in tests/integ/*.sh; do
	[ -e "$f" ] || continue
	components+=("integ-$(basename "$f" .sh)")
done

run_component() {
	case $1 in
	unit) "$BUILD/unit_tests" ;;
	integ-*) BUILD=$BUILD bash "tests/integ/${1#integ-}.sh" ;;
	esac
}

# selected NAME : NAME matches one of the GLOBs.
selected() {
	local f
	for f in "${filters[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $f ]] && return 0
	done
	return 1
}

# sanitizer_reports : one line per report in SG_SANITIZER_LOG_DIR.
sanitizer_reports() {
	local f n=0
	echo "== sanitizers"
	for f in "$SG_SANITIZER_LOG_DIR"/*; do
		[ -s "$f" ] || continue
		n=$((n + 1))
		echo "FAIL: sanitizer-report-${f##*/}: $(grep -m1 -E 'ERROR|runtime error' "$f" | cut -c1-300) (all of it in $f)"
	done
	[ "$n" = 0 ] && echo "PASS: sanitizers-no-report"
}

for c in "${components[@]}"; do
	selected "$c" || continue
	echo "== $c"
	out=$log_dir/$c.log
	t0=$SECONDS
	run_component "$c" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "$((SECONDS - t0)) $c" >>"$log_dir/times"
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	s=$(grep -c '^SKIP: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $c: exited $rc without naming a failing test"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
if [ -n "${SG_SANITIZER_LOG_DIR:-}" ]; then
	out=$log_dir/sanitizers.log
	sanitizer_reports | tee "$out"
	passed=$((passed + $(grep -c '^PASS: ' "$out")))
	failed=$((failed + $(grep -c '^FAIL: ' "$out")))
fi

echo
# The slowest components, so that the suite's time stays in sight.
echo "slowest: $(sort -rn "$log_dir/times" 2>/dev/null | head -8 | awk '{printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $1}')"
grep -h '^FAIL: ' "$log_dir"/*.log 2>/dev/null | sed 's/^/  /'
rm -rf "$log_dir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
