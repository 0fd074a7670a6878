#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The README's `sudo make demo DEMO_ARGS=--fleet`, short: a bot spread over
# three gateways by an ECMP router takes slots past three lone gateways and
# none past a fleet of three, which bans it on all of them; people book;
# the lab leaves nothing behind.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(demo-fleet-runs demo-fleet-lone-gateways-let-bot-book
	demo-fleet-bot-gets-nothing demo-fleet-bot-banned-everywhere
	demo-fleet-people-booked demo-fleet-people-not-dropped
	demo-fleet-cleans-up)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
for c in nginx setsid curl redis-server redis-cli; do
	command -v "$c" >/dev/null || { skip_all "$c is not installed (make deps)" "${TESTS[@]}"; exit 0; }
done
[ -x "$BUILD/tools/sg_booking" ] || { skip_all "no $BUILD/tools/sg_booking (run make)" "${TESTS[@]}"; exit 0; }

tmp=$(mktemp -d /tmp/sgtest-demo-fleet.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
result=$tmp/result.json
BUILD=$BUILD bash "$LAB_ROOT/demo/run.sh" --fleet --short --quiet --result "$result" \
	>"$tmp/out.txt" 2>&1 &
demo_pid=$!
wait_until 150 lab_pid_gone "$demo_pid" || kill -TERM "$demo_pid"
wait_pid 30 "$demo_pid"
wait "$demo_pid" 2>/dev/null
rc=$?
sed 's/^/  # /' "$tmp/out.txt"

r() { jqr "$res" ".rounds.$1.$2.$3 // 0"; }
if [ -s "$result" ] && res=$(cat "$result") && json_ok "$res"; then
	pass demo-fleet-runs
	slots=$(jqr "$res" .slots) persons=$(jqr "$res" .persons)
	lone=$(r lone spread booked)
	check demo-fleet-lone-gateways-let-bot-book \
		"three lone gateways: the spreading bot booked $lone of $slots, expected at least a quarter" \
		[ $((lone * 4)) -ge "$slots" ]
	got=$(r fleet spread booked)
	check demo-fleet-bot-gets-nothing "with the fleet the bot booked $got slots" [ "$got" = 0 ]
	bans=$(jqr "$res" .rounds.fleet.bot_bans)
	n=$(grep -o 'fleet from fleet:gw' <<<"$bans" | wc -l)
	check demo-fleet-bot-banned-everywhere "the bot's bans with the fleet:$bans" [ "$n" = 3 ]
	got=$(r fleet people persons_booked)
	check demo-fleet-people-booked "with the fleet $got of $persons people booked, expected 90%" \
		[ $((got * 10)) -ge $((persons * 9)) ]
	lost=$(($(r fleet people failed) + $(r fleet people pages_failed)))
	check demo-fleet-people-not-dropped "with the fleet $lost of the people's requests got no answer" \
		[ "$lost" = 0 ]
	[ "$rc" = 0 ] || fail demo-fleet-verdict "demo/run.sh --fleet exited $rc"
else
	fail demo-fleet-runs "demo/run.sh --fleet --short exited $rc without a result"
	skip_all "the demo did not run" "${TESTS[@]:1:5}"
fi

left=$(ip netns list | awk -v s="-$demo_pid\$" '$1 ~ s {printf " %s", $1}')
left+=$(ls -d /sys/fs/bpf/sgdemo-"$demo_pid"* /tmp/sgdemo-"$demo_pid".* 2>/dev/null | sed 's/^/ /')
pgrep -f "redis-server.*/tmp/sgdemo-$demo_pid" >/dev/null && left+=" redis-server"
check demo-fleet-cleans-up "left behind:$left" [ -z "$left" ]
