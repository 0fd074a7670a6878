#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The command line: global options (--pin-dir, -v) before the object,
# between object and command, or after the command, for every command the
# code's dispatch tables have; --version; `slotguard OBJECT help` for every
# object; unknown options name the object's help. Then, on a running
# daemon's pins, the same answers wherever --pin-dir stands.
. "$(dirname "$0")/../lib/integ.sh"
. "$LAB_ROOT/tests/lib/code_words.sh"

TESTS=(cli-pin-dir-after-every-command cli-global-between-object-and-command
	cli-object-help cli-version-option cli-unknown-option-names-help
	cli-same-answer-wherever-pin-dir)

if [ ! -x "$SG_BIN" ]; then
	skip_all "no $SG_BIN (run make)" "${TESTS[@]}"
	exit 0
fi
T=$(mktemp -d /tmp/sgtest-cli.XXXXXX)
trap 'rm -rf "$T"; lab_down' EXIT
NOWHERE=$T/no-pins-here
printf '192.0.2.0/24\n' >"$T/list.txt"
printf '[slotguard]\ninterfaces = lo\nmode = monitor\n' >"$T/good.conf"
printf '[slotguard]\nmode = loud\n' >"$T/bad.conf"
"$BUILD/tools/sg_pcapgen" -o "$T/cap.pcap" -n 100

# args_of "OBJECT [COMMAND]" : arguments that get the command past its
# own checks, to where it opens the pins (or, for run, reads the config).
args_of() {
	case $1 in
	'allow add' | 'allow del' | 'deny add' | 'deny del' | 'ban add' | 'ban del')
		echo 192.0.2.1 ;;
	'allow replace' | 'deny replace') echo "$T/list.txt" ;;
	'set add' | 'set del') echo "hosting 192.0.2.1" ;;
	'set show' | 'set flush') echo hosting ;;
	'set replace') echo "hosting $T/list.txt" ;;
	'config check') echo "$T/good.conf" ;;
	explain) echo 192.0.2.1 ;;
	replay) echo "-c $T/good.conf $T/cap.pcap" ;;
	apply) echo --confirm ;;
	'profile show' | 'profile activate') echo release ;;
	run) echo "-c $T/bad.conf" ;;
	'allow list' | 'deny list' | 'allow flush' | 'deny flush' | 'ban list' | \
		'ban flush' | 'set list' | stats | top | status | version | reload | \
		'profile list' | 'profile auto') ;;
	*) return 1 ;;
	esac
}

# expect_taken "OBJECT [COMMAND]" RC ERR : the command took --pin-dir: it
# looked for pins there (exit 3, naming the directory), or it needs none
# (config check, version, replay: exit 0), or run stopped at its bad config (exit 2,
# naming the file).
expect_taken() {
	case "$1" in
	'config check' | version | replay) [ "$2" = 0 ] ;;
	run) [ "$2" = 2 ] && [[ $3 == *bad.conf:2* ]] ;;
	*) [ "$2" = 3 ] && [[ $3 == *"$NOWHERE"* ]] ;;
	esac
}

why=
while read -r cmd; do
	if ! a=$(args_of "$cmd"); then
		why+="'$cmd' is new to this test: give it arguments in args_of; "
		continue
	fi
	for order in after verbose-after; do
		extra=(--pin-dir "$NOWHERE")
		[ $order = verbose-after ] && extra=(-v --pin-dir="$NOWHERE" -v)
		# shellcheck disable=SC2086 # $cmd and $a are words
		err=$("$SG_BIN" $cmd $a "${extra[@]}" 2>&1 >/dev/null)
		rc=$?
		expect_taken "$cmd" "$rc" "$err" ||
			why+="'slotguard $cmd $a ${extra[*]}': exit $rc, '$err'; "
	done
done < <(code_commands)
check cli-pin-dir-after-every-command "$why" [ -z "$why" ]

why=
while read -r obj cmd; do
	[ -n "$cmd" ] || continue
	a=$(args_of "$obj $cmd") || continue
	# shellcheck disable=SC2086
	err=$("$SG_BIN" "$obj" --pin-dir "$NOWHERE" -v "$cmd" $a 2>&1 >/dev/null)
	rc=$?
	expect_taken "$obj $cmd" "$rc" "$err" ||
		why+="'slotguard $obj --pin-dir $NOWHERE -v $cmd $a': exit $rc, '$err'; "
done < <(code_commands)
check cli-global-between-object-and-command "$why" [ -z "$why" ]

why=
for obj in $(code_objects); do
	help=$("$SG_BIN" "$obj" help 2>"$T/err")
	rc=$?
	dash=$("$SG_BIN" "$obj" --help 2>/dev/null)
	if [ "$rc" != 0 ] || [[ $help != "Usage: slotguard $obj"* ]] || [ "$help" != "$dash" ]; then
		why+="'slotguard $obj help': exit $rc, '$(head -c 80 <<<"$help")' $(head -c 100 "$T/err"); "
	fi
done
check cli-object-help "$why" [ -z "$why" ]

a=$("$SG_BIN" --version 2>&1)
rc_a=$?
b=$("$SG_BIN" version 2>&1)
if [ "$rc_a" = 0 ] && [ "$a" = "$b" ] && [[ $a == "slotguard "* ]]; then
	good=1
else
	good=0
fi
check cli-version-option "--version: exit $rc_a '$a'; version: '$b'" \
	[ "$good" = 1 ]

# unknown ARGS... : exit 2 and a message naming the help given as HINT.
why=
unknown() {
	local hint=$1 err rc
	shift
	err=$("$SG_BIN" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] && [[ $err == *"$hint"* ]] ||
		why+="'slotguard $*': exit $rc, '$err' (want '$hint'); "
}
for obj in $(code_objects); do
	cmd=$(code_commands | awk -v o="$obj" '$1 == o && NF == 2 { print $2; exit }')
	unknown "(try 'slotguard $obj help')" "$obj" $cmd --no-such-option
	unknown "(try 'slotguard $obj help')" "$obj" $cmd -Z
done
unknown "(try 'slotguard --help')" --no-such-option status
unknown "option '--for' needs a value (try 'slotguard ban help')" ban add 192.0.2.1 --for
unknown "option '--pin-dir' needs a value (try 'slotguard status help')" status --pin-dir
unknown "unknown command 'frob' (try 'slotguard ban help')" ban frob
check cli-unknown-option-names-help "$why" [ -z "$why" ]

# On real pins: every place for --pin-dir (and $SLOTGUARD_PIN_DIR) gives
# the same answer as the others.
if ! why=$(lab_prereq) || ! lab_run_ready; then
	skip cli-same-answer-wherever-pin-dir "${why:-slotguard run is not in this build}"
	exit 0
fi
lab_up people || { fail cli-same-answer-wherever-pin-dir "the lab did not come up"; exit 1; }
lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail cli-same-answer-wherever-pin-dir "slotguard run did not start"; exit 1; }
sg allow add 10.200.98.0/24 >/dev/null
sg ban add 10.200.99.0/24 --for 1h --reason cli-test >/dev/null
why=
gw() { in_ns "$LAB_GW" "$@"; }
for words in "status --json" "allow list --json" "deny list" "ban list --json" "top --json" "version"; do
	read -ra w <<<"$words"
	first=$(gw "$SG_BIN" --pin-dir "$LAB_PIN" "${w[@]}" 2>&1)
	rc=$?
	# ban list shows seconds left and wall-clock times converted from the
	# program's monotonic clock, status the daemon's uptime: leave those
	# out of the comparison.
	first=$(sed '/"seconds_left":\|"since":\|"until":\|"uptime_seconds":/d' <<<"$first")
	[ "$rc" = 0 ] || why+="'$words' before: exit $rc '$first'; "
	for variant in after middle env; do
		case $variant in
		after) out=$(gw "$SG_BIN" "${w[@]}" --pin-dir "$LAB_PIN" 2>&1) ;;
		middle) out=$(gw "$SG_BIN" "${w[0]}" --pin-dir "$LAB_PIN" "${w[@]:1}" 2>&1) ;;
		env) out=$(SLOTGUARD_PIN_DIR=$LAB_PIN gw "$SG_BIN" "${w[@]}" 2>&1) ;;
		esac
		out=$(sed '/"seconds_left":\|"since":\|"until":\|"uptime_seconds":/d' <<<"$out")
		[ "$out" = "$first" ] ||
			why+="'$words' with --pin-dir $variant differs: $(diff <(echo "$first") <(echo "$out") | head -n 4 | tr '\n' ' '); "
	done
done
jqr "$(gw "$SG_BIN" allow list --json --pin-dir "$LAB_PIN")" '.entries[].prefix' | grep -qx 10.200.98.0/24 ||
	why+="allow list after the command did not read the lab's pins; "
check cli-same-answer-wherever-pin-dir "$why" [ -z "$why" ]
exit 0
