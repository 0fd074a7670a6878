#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The filter outlives its loader: `kill -9` of `slotguard run` leaves the
# XDP program attached and enforcing, the CLI keeps working on the pins, a
# new `run` picks up the same bans, lists and counters; SIGTERM detaches
# and removes the pins, unless keep_attached = yes.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(restart-kill9-filter-stays-attached restart-kill9-still-enforcing
	restart-kill9-cli-works-without-daemon restart-run-over-pins
	restart-keeps-bans restart-keeps-lists restart-keeps-counters
	restart-still-enforcing restart-sigterm-exits-0 restart-sigterm-detaches
	restart-sigterm-removes-pins restart-after-sigterm-traffic-passes
	restart-cli-without-pins-exit-3 restart-keep-attached-stays
	restart-keep-attached-then-clean-stop restart-refuses-other-abi)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot deny || { fail restart-lab "the lab did not come up"; exit 1; }
kb=$(lab_k bot) kd=$(lab_k deny)
bot4=$(lab_client_addr bot)

# Lists only through the CLI: a restart must keep them from the pins.
CONF_LISTS=no lab_conf "$LAB_TMP/sg.conf"
CONF_LISTS=no CONF_KEEP=yes lab_conf "$LAB_TMP/keep.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail restart-daemon "slotguard run did not start"; exit 1; }

sg deny add "10.200.$kd.2" "fd00:5a:$kd::/64" >/dev/null &&
	sg allow add 10.200.250.0/24 fd00:5a:fa::/48 >/dev/null &&
	sg ban add "$bot4" --for 10m --reason scalper-test >/dev/null &&
	sg ban add "fd00:5a:$kb::/64" --for 10m >/dev/null ||
	{ fail restart-setup "deny/allow/ban add failed"; exit 1; }

# enforcing : the bot (both families) and the denied client get nothing,
# a person gets everything. Prints what went wrong, if anything.
enforcing() {
	local b4 b6 d4 d6 p
	b4=$(traffic bot --count 3 --rate 10/s)
	b6=$(traffic bot --family 6 --count 3 --rate 10/s)
	d4=$(traffic deny --count 3 --rate 10/s)
	d6=$(traffic deny --family 6 --count 3 --rate 10/s)
	p=$(traffic people --count 3 --rate 10/s)
	[ "$(jqr "$b4" .succeeded)" = 0 ] && [ "$(jqr "$b6" .succeeded)" = 0 ] &&
		[ "$(jqr "$d4" .succeeded)" = 0 ] && [ "$(jqr "$d6" .succeeded)" = 0 ] &&
		[ "$(jqr "$p" .succeeded)" = 3 ] && return 0
	echo "banned bot v4 $b4 v6 $b6; denied v4 $d4 v6 $d6; people $p"
	return 1
}

why=$(enforcing) || note "before kill -9 already not enforcing: $why"
bans_before=$(jqr "$(sg ban list --json)" '[.bans[].prefix] | sort | join(" ")')
deny_before=$(list_cidrs "$(sg deny list --json)")
allow_before=$(list_cidrs "$(sg allow list --json)")

# ---- kill -9: the filter stays
sg_stop_daemon KILL
check restart-kill9-filter-stays-attached "no XDP program on $(lab_ifaces) after kill -9" \
	lab_xdp_attached_all
if why=$(enforcing); then
	pass restart-kill9-still-enforcing
else
	fail restart-kill9-still-enforcing "after kill -9: $why"
fi
person=$(lab_client_addr people)
out=$(sg ban list --json) &&
	sg deny add "$person" >/dev/null && denied=$(traffic people --count 2 --rate 10/s) &&
	sg deny del "$person" >/dev/null && back=$(traffic people --count 2 --rate 10/s)
if json_ok "$out" && [ "$(jqr "$denied" .succeeded)" = 0 ] && [ "$(jqr "$back" .succeeded)" = 2 ]; then
	pass restart-kill9-cli-works-without-daemon
else
	fail restart-kill9-cli-works-without-daemon "ban list: $out; people with deny add: ${denied:-?}; after deny del: ${back:-?}"
fi
counters_before=$(stat_packets "$(sg stats --json)" drop banned)

# ---- a new run over the same pins
if sg_run_daemon "$LAB_TMP/sg.conf" 2>"$LAB_TMP/rerun.err"; then
	pass restart-run-over-pins
else
	fail restart-run-over-pins "second slotguard run did not come up: $(head -c 400 "$LAB_TMP/rerun.err")"
	exit 1
fi
bans=$(sg ban list --json)
bans_after=$(jqr "$bans" '[.bans[].prefix] | sort | join(" ")')
if [ -n "$bans_before" ] && [ "$bans_before" = "$bans_after" ] && grep -q scalper-test <<<"$bans" &&
	ban_active "$bans" "$bot4/32"; then
	pass restart-keeps-bans
else
	fail restart-keeps-bans "bans before '$bans_before', after '$bans_after'; ban list --json: $bans"
fi
deny_after=$(list_cidrs "$(sg deny list --json)")
allow_after=$(list_cidrs "$(sg allow list --json)")
if [ -n "$deny_before" ] && [ "$deny_before" = "$deny_after" ] &&
	[ -n "$allow_before" ] && [ "$allow_before" = "$allow_after" ]; then
	pass restart-keeps-lists
else
	fail restart-keeps-lists "deny '$deny_before' -> '$deny_after'; allow '$allow_before' -> '$allow_after'"
fi
counters_after=$(stat_packets "$(sg stats --json)" drop banned)
check restart-keeps-counters "drop/banned went from $counters_before to $counters_after across the restart" \
	[ "$counters_before" -gt 0 -a "$counters_after" -ge "$counters_before" ]
if why=$(enforcing); then
	pass restart-still-enforcing
else
	fail restart-still-enforcing "after the restart: $why"
fi

# ---- SIGTERM: detach and clean up
sg_stop_daemon TERM
rc=$?
check restart-sigterm-exits-0 "slotguard run exited $rc on SIGTERM; log: $(tail -c 300 "$SG_DAEMON_LOG")" \
	[ "$rc" = 0 ]
bpfnet=$(in_ns "$LAB_GW" bpftool -j net show 2>/dev/null)
if lab_xdp_detached_all && [ "$(jqr "$bpfnet" '[.[].xdp[]?] | length')" = 0 ]; then
	pass restart-sigterm-detaches
else
	fail restart-sigterm-detaches "XDP still on the gateway after SIGTERM: $(ip -n "$LAB_GW" -d link show | grep -i xdp | head -3) bpftool: $bpfnet"
fi
left=$(find "$LAB_PIN" -mindepth 1 2>/dev/null | head -5)
check restart-sigterm-removes-pins "left under $LAB_PIN: $left" [ -z "$left" ]
out=$(traffic bot --count 3 --rate 10/s)
check restart-after-sigterm-traffic-passes "the banned bot with no filter: $out" \
	[ "$(jqr "$out" .succeeded)" = 3 ]
sg status >/dev/null 2>&1
rc=$?
check restart-cli-without-pins-exit-3 "slotguard status with nothing pinned exited $rc" [ "$rc" = 3 ]

# ---- keep_attached = yes: SIGTERM leaves the filter and its pins
if sg_run_daemon "$LAB_TMP/keep.conf"; then
	sg ban add "$bot4" --for 10m --reason kept >/dev/null
	sg_stop_daemon TERM
	rc=$?
	out=$(traffic bot --count 3 --rate 10/s)
	if [ "$rc" = 0 ] && lab_xdp_attached_all && [ -e "$LAB_PIN/sg_config" ] &&
		[ "$(jqr "$out" .succeeded)" = 0 ]; then
		pass restart-keep-attached-stays
	else
		fail restart-keep-attached-stays "keep_attached = yes, SIGTERM: exit $rc, attached: $(lab_xdp_attached_all && echo yes || echo no), pins: $(ls "$LAB_PIN" 2>/dev/null | wc -l), banned bot: $out"
	fi
	# A later run without keep_attached takes over and stops cleanly.
	if sg_run_daemon "$LAB_TMP/sg.conf"; then
		bans=$(sg ban list --json)
		sg_stop_daemon TERM
		rc=$?
		if ban_active "$bans" "$bot4/32" && [ "$rc" = 0 ] && lab_xdp_detached_all &&
			[ -z "$(find "$LAB_PIN" -mindepth 1 2>/dev/null)" ]; then
			pass restart-keep-attached-then-clean-stop
		else
			fail restart-keep-attached-then-clean-stop "run after a kept stop: bans $bans; SIGTERM exit $rc; detached: $(lab_xdp_detached_all && echo yes || echo no)"
		fi
	else
		fail restart-keep-attached-then-clean-stop "slotguard run over kept pins did not start"
	fi
else
	fail restart-keep-attached-stays "slotguard run with keep_attached = yes did not start"
	skip restart-keep-attached-then-clean-stop "no kept state to start from"
fi

# ---- pins of another ABI version: refused, with a message, nothing attached
mkdir -p "$LAB_PIN"
if bpftool map create "$LAB_PIN/sg_config" type array key 4 value 8 entries 1 \
	name sg_config 2>"$LAB_TMP/abi.err"; then
	timeout 10 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN" \
		run -c "$LAB_TMP/sg.conf" >"$LAB_TMP/abi.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && lab_xdp_detached_all &&
		grep -q "$LAB_PIN" "$LAB_TMP/abi.out" &&
		grep -Eqi 'ABI|version|does not match' "$LAB_TMP/abi.out"; then
		pass restart-refuses-other-abi
	else
		fail restart-refuses-other-abi "run over a foreign sg_config pin: exit $rc, said '$(head -c 300 "$LAB_TMP/abi.out")', attached: $(lab_xdp_attached_all && echo yes || echo no)"
	fi
else
	skip restart-refuses-other-abi "bpftool could not make a foreign map: $(head -c 200 "$LAB_TMP/abi.err")"
fi

exit 0
