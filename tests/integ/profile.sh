#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Release-window profiles with the real daemon: a [profile release] whose
# window (in Europe/Madrid time) starts a few seconds after the daemon and
# lasts four; the daemon switches at the boundaries (its log's times are
# held to the scheduled instants), the program's budget changes (read from
# sg_config through status --json, and seen in traffic), status, profile
# list and the metric say which runs; activate holds through a reload until
# auto.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(profile-default-before-window profile-switches-at-start
	profile-active-shown profile-reload-in-window profile-back-at-end
	profile-activate-holds profile-activate-survives-restart
	profile-auto profile-unknown-refused profile-show)

lab_need_daemon "${TESTS[@]}" || exit 0
[ -e /usr/share/zoneinfo/Europe/Madrid ] ||
	{ skip_all "needs tzdata (make deps)" "${TESTS[@]}"; exit 0; }
lab_up bot || { fail profile-lab "the lab did not come up"; exit 1; }

# The window: from 7 s from now to 11 s, written in Madrid's local time.
start_s=$(($(date +%s) + 7))
end_s=$((start_s + 4))
madrid() { TZ=Europe/Madrid date -d "@$1" +%H:%M:%S; }
CONF_BAN_AFTER=0 lab_conf "$LAB_TMP/sg.conf" "
[profile release]
days = mon-sun
start = $(madrid "$start_s")
end = $(madrid "$end_s")
timezone = Europe/Madrid
conn_rate = 1/s
conn_burst = 2
ban_time = 10m"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail profile-daemon "slotguard run did not start"; exit 1; }

burst() { sg status --json | jq -r '.config.budgets.source.conn.burst'; }
burst_is() { [ "$(burst)" = "$1" ]; }
through() { jqr "$(traffic bot --count 20 --rate max)" .succeeded; }
metric() {
	in_ns "$LAB_GW" curl -s --max-time 5 http://127.0.0.1:9717/metrics |
		awk -v n="$1" '$1 == n { print $2 }'
}
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }
# switched_ms PATTERN : the daemon's time (Unix ms) of the first line matching.
switched_ms() {
	local t
	t=$(grep -m1 -- "$1" "$SG_DAEMON_LOG" | cut -d' ' -f1)
	[ -n "$t" ] || return 1
	echo $(($(date -u -d "${t%.*}Z" +%s) * 1000 + 10#$(cut -c21-23 <<<"$t")))
}

list=$(sg profile list --json)
if [ "$(jqr "$list" .active)" = default ] && [ "$(jqr "$list" .next_switch)" = "$(rfc "$start_s")" ] &&
	[ "$(jqr "$list" .next_profile)" = release ] && burst_is 10 &&
	[ "$(metric 'slotguard_profile_active{profile="default"}')" = 1 ] &&
	[ "$(metric 'slotguard_profile_active{profile="release"}')" = 0 ]; then
	pass profile-default-before-window
else
	fail profile-default-before-window "profile list: $list; burst $(burst); want default, next switch $(rfc "$start_s") to release"
fi

wait_until 12 burst_is 2
at=$(switched_ms 'profile: default -> release')
got=$(through)
late=$((${at:-0} - start_s * 1000))
if [ -n "$at" ] && [ "$late" -ge 0 ] && [ "$late" -lt 500 ] && burst_is 2 && [ "$got" -le 3 ]; then
	pass profile-switches-at-start
else
	fail profile-switches-at-start "switched at ${at:-never} ms, $late ms after $(rfc "$start_s") (want 0 to 500); burst $(burst) (want 2); $got of 20 through"
fi
note "the window opened at $(rfc "$start_s"); the daemon switched $late ms later"

st=$(sg status --json)
text=$(sg status)
if [ "$(jqr "$st" .daemon.profile.active)" = release ] && [ "$(jqr "$st" .daemon.profile.why)" = schedule ] &&
	[ "$(jqr "$st" .daemon.profile.next_switch)" = "$(rfc "$end_s")" ] &&
	grep -q "profile: release (schedule)" <<<"$text" &&
	[ "$(metric 'slotguard_profile_active{profile="release"}')" = 1 ] &&
	[ "$(metric 'slotguard_profile_active{profile="default"}')" = 0 ] &&
	[ "$(sg profile list | awk '$1 == "release" { print $2 }')" = yes ]; then
	pass profile-active-shown
else
	fail profile-active-shown "status daemon.profile: $(jqr "$st" -c .daemon.profile); text: $(grep profile <<<"$text")"
fi

# A reload inside the window keeps the window's budgets.
sg reload >/dev/null 2>&1
check profile-reload-in-window "after a reload inside the window burst $(burst) (want 2)" burst_is 2

wait_until 8 burst_is 10
at=$(switched_ms 'profile: release -> default')
late=$((${at:-0} - end_s * 1000))
if [ -n "$at" ] && [ "$late" -ge 0 ] && [ "$late" -lt 500 ] && burst_is 10; then
	pass profile-back-at-end
else
	fail profile-back-at-end "switched back at ${at:-never} ms, $late ms after $(rfc "$end_s"); burst $(burst) (want 10)"
fi
note "the window closed at $(rfc "$end_s"); the daemon switched back $late ms later"

# ---- by hand: held through a reload, until auto
out=$(sg profile activate release 2>&1)
rc=$?
now_burst=$(burst)
sg reload >/dev/null 2>&1
st=$(sg status --json)
if [ "$rc" = 0 ] && [ "$now_burst" = 2 ] && burst_is 2 &&
	[ "$(jqr "$st" .daemon.profile.why)" = manual ] &&
	[ "$(jqr "$st" .daemon.profile.manual)" = release ]; then
	pass profile-activate-holds
else
	fail profile-activate-holds "activate: exit $rc: $out; burst $now_burst then after a reload $(burst) (want 2, 2); $(jqr "$st" -c .daemon.profile)"
fi
sg_stop_daemon TERM
sg_run_daemon "$LAB_TMP/sg.conf" || { fail profile-activate-survives-restart "the daemon did not start again"; exit 1; }
st=$(sg status --json)
check profile-activate-survives-restart "after a restart: burst $(burst) (want 2), $(jqr "$st" -c .daemon.profile)" \
	[ "$(burst)" = 2 -a "$(jqr "$st" .daemon.profile.manual)" = release ]
out=$(sg profile auto 2>&1)
rc=$?
check profile-auto "auto: exit $rc: $out; burst $(burst) (want 10: outside the window)" \
	[ "$rc" = 0 -a "$(burst)" = 10 -a "$(sg profile list --json | jq -r .why)" = schedule ]
sg profile activate nosuch >/dev/null 2>"$LAB_TMP/err"
rc=$?
check profile-unknown-refused "activate nosuch: exit $rc (want 2): $(cat "$LAB_TMP/err")" \
	[ "$rc" = 2 ]
show=$(sg profile show release --json)
if [ "$(jqr "$show" .timezone)" = Europe/Madrid ] && [ "$(jqr "$show" .days)" = mon-sun ] &&
	[[ $(jqr "$show" .changes) == *"conn_rate 1/s burst 2"*"ban_time 10m"* ]]; then
	pass profile-show
else
	fail profile-show "profile show release --json: $show"
fi
exit 0
