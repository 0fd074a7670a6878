#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The README's `sudo make demo`, short: the same booking round with no
# filter and with slotguard enforcing, in demo/run.sh's own lab. Enforcing,
# people get their slots and none of their requests is dropped; the bots'
# share collapses; the lab leaves nothing behind.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(demo-runs demo-unfiltered-bots-win demo-people-booked
	demo-people-not-dropped demo-bots-collapse demo-bots-banned
	demo-cleans-up)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
for c in nginx setsid curl; do
	if ! command -v "$c" >/dev/null; then
		skip_all "$c is not installed (make deps)" "${TESTS[@]}"
		exit 0
	fi
done
if [ ! -x "$BUILD/tools/sg_booking" ]; then
	skip_all "no $BUILD/tools/sg_booking (run make)" "${TESTS[@]}"
	exit 0
fi

tmp=$(mktemp -d /tmp/sgtest-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
result=$tmp/result.json

BUILD=$BUILD bash "$LAB_ROOT/demo/run.sh" --short --quiet --result "$result" \
	>"$tmp/out.txt" 2>&1 &
demo_pid=$!
# TERM first, so that the demo still removes its lab.
wait_until 150 lab_pid_gone "$demo_pid" || kill -TERM "$demo_pid"
wait_pid 30 "$demo_pid"
wait "$demo_pid" 2>/dev/null
rc=$?
sed 's/^/  # /' "$tmp/out.txt"

# r ROUND CLASS FIELD : one number of the result.
r() { jqr "$res" ".rounds.$1.$2.$3 // 0"; }
bots() { echo $(($(r "$1" fastbot booked) + $(r "$1" farm booked) + $(r "$1" bot6 booked))); }
collapsed() {
	[ $((bots_enforce * 10)) -le "$slots" ] && [ $((bots_enforce * 4)) -le "$bots_none" ]
}
banned() { [ "$conn_bans" = 2 ] && [ "$subnet_bans" = 1 ]; }

check_outcome() {
	local slots persons bots_none bots_enforce got lost conn_bans subnet_bans
	slots=$(jqr "$res" .slots)
	persons=$(jqr "$res" .persons)
	bots_none=$(bots none)
	bots_enforce=$(bots enforce)

	# Without a filter the demo must show the problem, or it shows nothing.
	check demo-unfiltered-bots-win \
		"no filter: bots booked $bots_none of $slots slots, expected at least 3/4" \
		[ $((bots_none * 4)) -ge $((slots * 3)) ]

	got=$(r enforce people persons_booked)
	check demo-people-booked \
		"enforcing: $got of $persons people booked a slot, expected at least 90%" \
		[ $((got * 10)) -ge $((persons * 9)) ]

	lost=$(($(r enforce people failed) + $(r enforce people pages_failed)))
	check demo-people-not-dropped \
		"enforcing: $lost of the people's requests got no answer, expected none" \
		[ "$lost" = 0 ]

	check demo-bots-collapse \
		"enforcing: bots booked $bots_enforce (no filter: $bots_none), expected at most 10% of $slots and a quarter of before" \
		collapsed

	conn_bans=$(jqr "$res" '.enforce_stats.bans_total.conn_rate // 0')
	subnet_bans=$(jqr "$res" '.enforce_stats.bans_total.subnet_conn_rate // 0')
	check demo-bots-banned \
		"enforcing: bans conn_rate $conn_bans (want 2: the fast and the IPv6 bot), subnet_conn_rate $subnet_bans (want 1: the farm)" \
		banned
}

if [ -s "$result" ] && res=$(cat "$result") && json_ok "$res"; then
	pass demo-runs
	check_outcome
	[ "$rc" = 0 ] || fail demo-verdict "demo/run.sh exited $rc"
else
	fail demo-runs "demo/run.sh --short exited $rc without a result"
	skip_all "the demo did not run" "${TESTS[@]:1:5}"
fi

# The demo names everything after its pid.
left=$(ip netns list | awk -v s="-$demo_pid\$" '$1 ~ s {printf " %s", $1}')
[ -e "/sys/fs/bpf/sgdemo-$demo_pid" ] && left+=" /sys/fs/bpf/sgdemo-$demo_pid"
left+=$(ls -d /tmp/sgdemo-"$demo_pid".* 2>/dev/null | sed 's/^/ /')
check demo-cleans-up "left behind:$left" [ -z "$left" ]
