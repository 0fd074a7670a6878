#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A config file caught half written is never applied: `config check` and a
# reload refuse a file with no key, one that does not end with a newline,
# one whose last section has no key, and (reload) one that another process
# holds open for writing; the daemon keeps its settings and says so. 100
# SIGHUPs, each while the config is being rewritten in place (truncated,
# then written), never leave enforce mode. A reload that turns enforce into
# monitor is logged as a warning naming the file and line, or the absent key.
. "$(dirname "$0")/../lib/integ.sh"
TESTS=(halfwritten-check-good halfwritten-check-empty
	halfwritten-check-comments-only halfwritten-check-no-newline
	halfwritten-check-empty-last-section halfwritten-sighup-empty-refused
	halfwritten-sighup-empty-keeps-enforce halfwritten-sighup-100-in-place
	halfwritten-monitor-warning-says-line halfwritten-monitor-warning-key-absent)
lab_need_daemon "${TESTS[@]}" || exit 0
lab_up people || { fail halfwritten-lab "the lab did not come up"; exit 1; }
conf=$LAB_TMP/sg.conf
good=$LAB_TMP/good.conf
lab_conf "$good"
size=$(wc -c <"$good")
mode_line=$(grep -n '^mode = enforce$' "$good" | cut -d: -f1)
# Byte offsets into good.conf where a writer may be caught.
mode_at=$(head -n $((mode_line - 1)) "$good" | wc -c)         # complete lines before `mode`
header_end=$(grep -b -m1 '^\[slotguard\]$' "$good" | cut -d: -f1)
header_end=$((header_end + 12))                                # just after "[slotguard]\n"
mid_line=$((mode_at - 4))                                      # inside the line before `mode`
near_end=$((size - 3))                                         # inside the last line

# check_refuses NAME FILE WHY REGEX : `config check FILE` exits 2 and says
# REGEX (ERE, case-insensitive) about FILE.
check_refuses() {
	local name=$1 file=$2 why=$3 re=$4 out rc
	out=$(sg config check "$file" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && grep -qF "$file" <<<"$out" && grep -Eqi -- "$re" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "config check of $why: exit $rc (want 2), said '$(head -c 300 <<<"$out")'"
	fi
}

# ---- config check ----------------------------------------------------------
out=$(sg config check "$good" 2>&1)
check halfwritten-check-good "config check of the lab's config: $(head -c 300 <<<"$out")" [ $? = 0 ]
: >"$LAB_TMP/empty.conf"
check_refuses halfwritten-check-empty "$LAB_TMP/empty.conf" "an empty file" 'empty|no key'
printf '# slotguard\n\n# mode = enforce\n' >"$LAB_TMP/comments.conf"
check_refuses halfwritten-check-comments-only "$LAB_TMP/comments.conf" "a file of comments" 'empty|no key'
# Cut inside `max_tracked_sources = 65536`: what is left (6553) still parses.
cut=$(grep -b '^max_tracked_sources = ' "$good" | cut -d: -f1)
head -c $((cut + 26)) "$good" >"$LAB_TMP/cut.conf"
check_refuses halfwritten-check-no-newline "$LAB_TMP/cut.conf" \
	"a file cut inside its last line ('$(tail -n 1 "$LAB_TMP/cut.conf")')" 'newline'
src=$(grep -b '^\[source\]$' "$good" | cut -d: -f1)
head -c $((src + 9)) "$good" >"$LAB_TMP/header.conf"
check_refuses halfwritten-check-empty-last-section "$LAB_TMP/header.conf" \
	"a file cut after its [source] header" 'source.*no key|no key.*source'

# ---- reloads -------------------------------------------------------------
cp "$good" "$conf"
sg_run_daemon "$conf" || { fail halfwritten-daemon "slotguard run did not start"; exit 1; }

# reloads_done : how many reloads the daemon finished (applied or refused).
reloads_done() {
	grep -Ec 'reloaded |keeping the running settings' "$SG_DAEMON_LOG"
}

reloads_past() { [ "$(reloads_done)" -gt "$1" ]; }

# hup : SIGHUP the daemon and wait (5 s at most) until it has answered.
hup() {
	local n
	n=$(reloads_done)
	kill -HUP "$SG_DAEMON_PID"
	wait_until 5 reloads_past "$n"
}

mode_now() { jqr "$(sg status --json)" .mode; }

: >"$conf"
from=$(wc -c <"$SG_DAEMON_LOG")
hup
said=$(tail -c +$((from + 1)) "$SG_DAEMON_LOG")
check halfwritten-sighup-empty-refused "SIGHUP with an empty config: the log says '$(head -c 300 <<<"$said")'" \
	grep -qi 'refused' <<<"$said"
m=$(mode_now)
check halfwritten-sighup-empty-keeps-enforce "SIGHUP with an empty config: mode is now $m" [ "$m" = enforce ]
cp "$good" "$conf"
hup

# 100 SIGHUPs, each while the file is being rewritten in place: held open
# by a writer that truncated it and wrote part (0-4), or left closed with a
# part that shows (5-7). Each reload is answered before the writer goes on;
# then the whole file is reloaded, so that every SIGHUP starts from enforce.
left=() answered=0
for ((i = 0; i < 100; i++)); do
	k=$((i % 8))
	case $k in
	0 | 5) part=0 ;;
	1 | 6) part=$mid_line ;;
	2 | 7) part=$header_end ;;
	3) part=$mode_at ;;
	4) part=$near_end ;;
	esac
	if [ "$k" -lt 5 ]; then
		exec 7>"$conf"
		head -c "$part" "$good" >&7
	else
		head -c "$part" "$good" >"$conf"
	fi
	hup && answered=$((answered + 1))
	m=$(mode_now)
	[ "$m" = enforce ] || left+=("SIGHUP $i (state $k, $part of $size bytes): mode $m")
	if [ "$k" -lt 5 ]; then
		tail -c +$((part + 1)) "$good" >&7
		exec 7>&-
	else
		cat "$good" >"$conf"
	fi
	hup
done
monitor_lines=$(grep -c 'reloaded .*mode monitor' "$SG_DAEMON_LOG")
if [ "${#left[@]}" = 0 ] && [ "$monitor_lines" = 0 ] && [ "$answered" = 100 ]; then
	pass halfwritten-sighup-100-in-place
else
	fail halfwritten-sighup-100-in-place "answered $answered of 100 SIGHUPs; left enforce mode ${#left[@]} times: ${left[*]:0:4}; 'reloaded ... mode monitor' lines: $monitor_lines"
fi

# ---- enforce -> monitor on reload: a warning that says where -------------
# Written beside and renamed over: a whole file at every moment.
CONF_MODE=monitor lab_conf "$LAB_TMP/monitor.conf.new"
line=$(grep -n '^mode = monitor$' "$LAB_TMP/monitor.conf.new" | cut -d: -f1)
mv "$LAB_TMP/monitor.conf.new" "$conf"
from=$(wc -c <"$SG_DAEMON_LOG")
hup
said=$(tail -c +$((from + 1)) "$SG_DAEMON_LOG")
check halfwritten-monitor-warning-says-line "reload to mode = monitor (line $line): the log says '$(head -c 400 <<<"$said")'" \
	grep -Eq "warning.*$conf:$line.*monitor|warning.*monitor.*$conf:$line" <<<"$said"
cp "$good" "$LAB_TMP/back.new" && mv "$LAB_TMP/back.new" "$conf"
hup
grep -v '^mode = ' "$good" >"$LAB_TMP/nomode.new" && mv "$LAB_TMP/nomode.new" "$conf"
from=$(wc -c <"$SG_DAEMON_LOG")
hup
said=$(tail -c +$((from + 1)) "$SG_DAEMON_LOG")
check halfwritten-monitor-warning-key-absent "reload without a mode key: the log says '$(head -c 400 <<<"$said")'" \
	grep -Eqi "warning.*monitor.*(default|no .?mode)" <<<"$said"
exit 0
