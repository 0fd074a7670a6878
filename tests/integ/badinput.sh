#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Bad input changes nothing: every file of the corpus in badinput/ (broken
# configs and list files, see badinput/expect) is refused with exit 2 and
# FILE:LINE: reason, by `config check`, by `allow replace` and by a running
# daemon on SIGHUP, which keeps its config, its lists and its life; bad
# command lines are refused with exit 2 and leave the state as it was.
. "$(dirname "$0")/../lib/integ.sh"

CORPUS=$(cd "$(dirname "$0")/badinput" && pwd)

TESTS=(badinput-run-bad-list-exit-2 badinput-run-bad-list-leaves-nothing
	badinput-corpus-base-is-good badinput-config-check-exit-2
	badinput-config-check-says-where-and-why badinput-list-replace-exit-2
	badinput-list-replace-says-where-and-why badinput-list-replace-changes-nothing
	badinput-list-too-many-entries badinput-sighup-bad-config-daemon-alive
	badinput-sighup-bad-config-says-where badinput-sighup-bad-config-keeps-settings
	badinput-sighup-bad-list-keeps-lists badinput-config-check-reads-lists
	badinput-cli-unknown-command badinput-cli-missing-args
	badinput-cli-allow-add-bad-cidr-changes-nothing
	badinput-cli-allow-del-absent-changes-nothing badinput-cli-ban-bad-for
	badinput-cli-ban-bad-cidr)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people || { fail badinput-lab "the lab did not come up"; exit 1; }
conf=$LAB_TMP/sg.conf

# The running state differs from the corpus' base in every setting, so a
# bad file that slipped through, even in part, would show.
printf '# the running allowlist\n10.200.250.0/24\nfd00:5a:fa::/48\n' >"$LAB_TMP/allow.txt"
cp "$LAB_TMP/allow.txt" "$LAB_TMP/allow.good"
printf '10.200.251.7/32\n' >"$LAB_TMP/deny.txt"
lab_conf "$LAB_TMP/good.conf"
cp "$LAB_TMP/good.conf" "$conf"

# says FILE LINE REGEX TEXT : TEXT names FILE:LINE: and gives a reason.
says() {
	grep -qF -- "$1:$2: " <<<"$4" && grep -Eq -- "$3" <<<"$4"
}

# ---- a first `run` with a bad allowlist file: refused as bad input, and
# nothing left behind that would stand in the way of the corrected start.
# Its own pin directory, so the lab's daemon below starts clean whatever
# happens here.
fresh_pin=$LAB_PIN-fresh
trap 'rm -rf "$fresh_pin"; lab_down' EXIT
sed "s|^allowlist = .*|allowlist = $CORPUS/list-host-bits.txt|" "$LAB_TMP/good.conf" >"$LAB_TMP/run-badlist.conf"
timeout 20 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$fresh_pin" \
	run -c "$LAB_TMP/run-badlist.conf" >"$LAB_TMP/run-badlist.log" 2>&1
rc=$?
said=$(grep ' error: ' "$LAB_TMP/run-badlist.log" | head -c 300)
if [ "$rc" = 2 ] && says "$CORPUS/list-host-bits.txt" 6 'host bits' "$said"; then
	pass badinput-run-bad-list-exit-2
else
	fail badinput-run-bad-list-exit-2 "slotguard run with an allowlist file with a bad line 6: exit $rc (want 2: bad input), said '$said'"
fi
left=$(find "$fresh_pin" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
st=$(in_ns "$LAB_GW" "$SG_BIN" --pin-dir "$fresh_pin" status 2>&1 >/dev/null)
strc=$?
if [ "$left" = 0 ] && [ "$strc" = 3 ] && lab_xdp_detached_all; then
	pass badinput-run-bad-list-leaves-nothing
else
	fail badinput-run-bad-list-leaves-nothing "after the refused run: $left entries left in its pin directory, XDP attached: $(lab_xdp_detached_all && echo no || echo yes); slotguard status there: exit $strc (want 3, nothing loaded), '${st:0:240}' (a corrected run meets the same)"
fi
rm -rf "$fresh_pin"

sg_run_daemon "$conf" || { fail badinput-daemon "slotguard run did not start"; exit 1; }

# settings : what the XDP program runs with, generation aside.
settings() {
	sg status --json | jq -cS '{mode, config: (.config | del(.generation)), services}'
}

# cidrs LIST : the entries of the allow- or denylist, one line.
cidrs() {
	list_cidrs "$(sg "$1" list --json)" | tr '\n' ' '
}

# bans : the ban table, one line (cidr, reason, end).
bans() {
	sg ban list --json --all | jq -cS '[.bans[] | {prefix, budget, note, origin}]'
}

# expect_cases PREFIX : "FILE LINE REGEX" of the corpus files with PREFIX.
expect_cases() {
	grep -v '^#' "$CORPUS/expect" | grep "^$1"
}


# ---- the corpus is one defect away from good files
sg config check "$CORPUS/good.conf" >/dev/null 2>"$LAB_TMP/good.err"
rc=$?
rc_list=$(cp "$LAB_TMP/allow.txt" "$LAB_TMP/keep" && sg allow replace "$CORPUS/good.txt" >/dev/null 2>&1; echo $?)
sg allow replace "$LAB_TMP/allow.good" >/dev/null
check badinput-corpus-base-is-good "config check good.conf: exit $rc ($(head -c 200 "$LAB_TMP/good.err")); allow replace good.txt: exit $rc_list" \
	[ "$rc" = 0 -a "$rc_list" = 0 ]

# ---- config check: exit 2, FILE:LINE: reason
n=0 bad_rc='' bad_msg=''
while read -r f line re; do
	n=$((n + 1))
	err=$(sg config check "$CORPUS/$f" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] || bad_rc+="$f (exit $rc) "
	says "$CORPUS/$f" "$line" "$re" "$err" || bad_msg+="$f: want :$line: /$re/, got '${err:0:160}'; "
done < <(expect_cases conf-)
check badinput-config-check-exit-2 "of $n broken configs, not refused with exit 2: $bad_rc" [ -z "$bad_rc" ]
check badinput-config-check-says-where-and-why "$bad_msg" [ -z "$bad_msg" ]

# ---- allow replace: exit 2, FILE:LINE: reason, the list as it was
allow0=$(cidrs allow) deny0=$(cidrs deny)
n=0 bad_rc='' bad_msg='' changed=''
while read -r f line re; do
	n=$((n + 1))
	err=$(sg allow replace "$CORPUS/$f" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] || bad_rc+="$f (exit $rc) "
	says "$CORPUS/$f" "$line" "$re" "$err" || bad_msg+="$f: want :$line: /$re/, got '${err:0:160}'; "
	now=$(cidrs allow)
	if [ "$now" != "$allow0" ]; then
		changed+="$f: allowlist now '$now'; "
		sg allow replace "$LAB_TMP/allow.good" >/dev/null
	fi
	# The denylist takes the same parser; a few files are enough.
	case $f in list-host-bits.txt | list-binary.txt | list-overlong-line.txt)
		sg deny replace "$CORPUS/$f" >/dev/null 2>&1
		rc=$?
		[ "$rc" = 2 ] || bad_rc+="deny $f (exit $rc) "
		;;
	esac
done < <(expect_cases list-)
[ "$(cidrs deny)" = "$deny0" ] || changed+="denylist now '$(cidrs deny)', was '$deny0'"
check badinput-list-replace-exit-2 "of $n broken list files, not refused with exit 2: $bad_rc" [ -z "$bad_rc" ]
check badinput-list-replace-says-where-and-why "$bad_msg" [ -z "$bad_msg" ]
check badinput-list-replace-changes-nothing "the allowlist was '$allow0': $changed" \
	[ -z "$changed" -a -n "$allow0" ]

# One entry more than a list holds: refused as a whole, before any write.
awk 'BEGIN { for (i = 0; i <= 1048576; i++)
	printf "10.%d.%d.%d/32\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
	>"$LAB_TMP/too-many.txt"
err=$(sg allow replace "$LAB_TMP/too-many.txt" 2>&1 >/dev/null)
rc=$?
now=$(cidrs allow)
if [ "$rc" = 2 ] && says "$LAB_TMP/too-many.txt" 1048577 'more than 1048576' "$err" &&
	[ "$now" = "$allow0" ]; then
	pass badinput-list-too-many-entries
else
	fail badinput-list-too-many-entries "allow replace of 1,048,577 entries: exit $rc, '${err:0:200}', allowlist '$now' (was '$allow0')"
fi
rm -f "$LAB_TMP/too-many.txt"

# ---- SIGHUP with each broken config: the daemon lives, says where, keeps
# its settings.
# hup_says PATTERN : SIGHUP, then wait (5 s at most) for PATTERN in the
# daemon's log after this point.
hup_says() {
	local from
	from=$(wc -c <"$SG_DAEMON_LOG")
	kill -HUP "$SG_DAEMON_PID"
	wait_until 5 sh -c "tail -c +$((from + 1)) '$SG_DAEMON_LOG' | grep -qF -- \"\$1\"" _ "$1"
}
settings0=$(settings)
n=0 dead='' silent='' drift=''
while read -r f line re; do
	n=$((n + 1))
	cp "$CORPUS/$f" "$conf"
	hup_says "$conf:$line:" || silent+="$f "
	if ! sg_daemon_alive; then
		dead="$f"
		break
	fi
	now=$(settings)
	if [ "$now" != "$settings0" ]; then
		drift+="$f: $(diff <(jq . <<<"$settings0") <(jq . <<<"$now") | grep '^[<>]' | head -4 | tr '\n' ' '); "
		cp "$LAB_TMP/good.conf" "$conf"
		hup_says "reloaded"
	fi
done < <(expect_cases conf-)
cp "$LAB_TMP/good.conf" "$conf"
check badinput-sighup-bad-config-daemon-alive "slotguard run died on SIGHUP with $dead; log: $(tail -c 400 "$SG_DAEMON_LOG")" \
	[ -z "$dead" ]
check badinput-sighup-bad-config-says-where "no '$conf:LINE:' in the daemon's log within 5 s of SIGHUP with: $silent" \
	[ -z "$silent" ]
check badinput-sighup-bad-config-keeps-settings "status --json changed after SIGHUP with: $drift" \
	[ -z "$drift" -a -n "$settings0" ]
if [ -n "$dead" ]; then
	skip badinput-sighup-bad-list-keeps-lists "the daemon died"
	skip_rest=1
fi

# ---- SIGHUP with each broken allowlist file named by the config
if [ -z "${skip_rest:-}" ]; then
	allow0=$(cidrs allow)
	n=0 changed='' silent=''
	while read -r f line re; do
		n=$((n + 1))
		cp "$CORPUS/$f" "$LAB_TMP/allow.txt"
		hup_says "allow.txt:$line:" || silent+="$f "
		now=$(cidrs allow)
		[ "$now" = "$allow0" ] || changed+="$f: '$now'; "
	done < <(expect_cases list-)
	cp "$LAB_TMP/allow.good" "$LAB_TMP/allow.txt"
	if [ -z "$changed" ] && [ -z "$silent" ] && sg_daemon_alive; then
		pass badinput-sighup-bad-list-keeps-lists
	else
		fail badinput-sighup-bad-list-keeps-lists "allowlist was '$allow0'; changed by: $changed; not named in the log: $silent; alive: $(sg_daemon_alive && echo yes || echo no)"
	fi
fi

# ---- config check also reads the list files the config names: a pass
# must mean that a reload would take the config.
sed "s|^allowlist = .*|allowlist = $CORPUS/list-host-bits.txt|" "$LAB_TMP/good.conf" >"$LAB_TMP/badlist.conf"
sed "s|^denylist = .*|denylist = $LAB_TMP/no-such-file.txt|" "$LAB_TMP/good.conf" >"$LAB_TMP/nolist.conf"
err1=$(sg config check "$LAB_TMP/badlist.conf" 2>&1 >/dev/null)
rc1=$?
err2=$(sg config check "$LAB_TMP/nolist.conf" 2>&1 >/dev/null)
rc2=$?
if [ "$rc1" = 2 ] && says "$CORPUS/list-host-bits.txt" 6 'host bits' "$err1" &&
	[ "$rc2" = 2 ] && grep -q 'no-such-file.txt' <<<"$err2"; then
	pass badinput-config-check-reads-lists
else
	fail badinput-config-check-reads-lists "config check of a config whose allowlist has a bad line 6: exit $rc1 '${err1:0:160}'; whose denylist does not exist: exit $rc2 '${err2:0:160}' (want exit 2 naming the list file; SIGHUP and run refuse both)"
fi

# ---- bad command lines: exit 2, a message, nothing changed
allow0=$(cidrs allow) deny0=$(cidrs deny) bans0=$(bans)
# refused ARGS... : exit 2 and something on stderr; prints what went wrong.
refused() {
	local err rc
	err=$(sg "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] && [ -n "$err" ] && return 0
	echo "'$*': exit $rc, '${err:0:120}'; "
}
out=
for args in frobnicate "allow frob" "ban frob" "config frob" "status --frob" \
	"--frob status" "stats --interval" "allow list extra" "ban list extra"; do
	# shellcheck disable=SC2086
	out+=$(refused $args)
done
check badinput-cli-unknown-command "$out" [ -z "$out" ]
out=
for args in "" "allow add" "deny add" "allow del" "allow replace" \
	"ban add" "ban del" "config check" "ban add --for 1h" "ban add --reason x"; do
	# shellcheck disable=SC2086
	out+=$(refused $args)
done
out+=$(refused allow replace "$LAB_TMP/a" "$LAB_TMP/b")
out+=$(refused allow replace "$LAB_TMP/does-not-exist.txt")
check badinput-cli-missing-args "$out" [ -z "$out" ]
out=$(refused allow add 198.18.0.0/24 10.0.0.300/8)
out+=$(refused allow add 198.18.1.0/24 2001:db8::1/32)
out+=$(refused deny add 198.18.2.0/24 '')
check badinput-cli-allow-add-bad-cidr-changes-nothing "$out allowlist '$(cidrs allow)' (was '$allow0'), denylist '$(cidrs deny)' (was '$deny0')" \
	[ -z "$out" -a "$(cidrs allow)" = "$allow0" -a "$(cidrs deny)" = "$deny0" ]
out=$(refused allow del 10.200.250.0/24 198.18.9.0/24)
check badinput-cli-allow-del-absent-changes-nothing "$out allowlist '$(cidrs allow)' (was '$allow0')" \
	[ -z "$out" -a "$(cidrs allow)" = "$allow0" ]
out=
for d in 5x 0s -1s 999d 1.5h "" 1h1h 10 '1h 30m'; do
	out+=$(refused ban add 198.18.3.1 --for "$d")
done
out+=$(refused ban add 198.18.3.1 --reason "$(printf 'x%.0s' {1..128})")
check badinput-cli-ban-bad-for "$out bans now $(bans) (were $bans0)" \
	[ -z "$out" -a "$(bans)" = "$bans0" ]
out=
for c in 198.18.3.300 198.18.3.1/8 not-an-address 2001:db8::g ''; do
	out+=$(refused ban add "$c" --for 1h)
done
check badinput-cli-ban-bad-cidr "$out bans now $(bans) (were $bans0)" \
	[ -z "$out" -a "$(bans)" = "$bans0" ]

exit 0
