#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `config check` passes only what `run -c` starts with: a config without
# interfaces, or naming one this host lacks, is refused by both, exit 2,
# with file and line; --skip-host-checks validates a file for another
# gateway. The installed config says in its first lines what must be set.
# IPv4-mapped IPv6 input (::ffff:a.b.c.d, as dual-stack servers log IPv4
# clients) is taken as IPv4 everywhere, with a note, and matches IPv4.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(confcheck-no-interfaces-refused confcheck-missing-interface-refused
	confcheck-skip-host-checks confcheck-run-missing-interface-exit-2
	confcheck-run-i-missing-exit-2 confcheck-example-says-what-to-set
	confcheck-example-with-interface-ok
	mapped-cli-ban-and-allow mapped-list-file-replace mapped-config-lists
	mapped-config-destinations mapped-entry-matches-ipv4)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail confcheck-lab "the lab did not come up"; exit 1; }
T=$LAB_TMP

# ---- no interfaces: run and check refuse alike
lab_conf "$T/good.conf"
grep -v '^interfaces = ' "$T/good.conf" >"$T/noif.conf"
sg config check "$T/noif.conf" >/dev/null 2>"$T/check.err"
rc_check=$?
timeout 20 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN-x" \
	run -c "$T/noif.conf" >"$T/run.out" 2>&1
rc_run=$?
if [ "$rc_check" = 2 ] && [ "$rc_run" = 2 ] && grep -q 'no interfaces' "$T/check.err"; then
	pass confcheck-no-interfaces-refused
else
	fail confcheck-no-interfaces-refused "config check: exit $rc_check '$(cat "$T/check.err")'; run: exit $rc_run '$(head -c 200 "$T/run.out")'"
fi

# ---- an interface this host lacks: named with file and line
sed 's/^interfaces = \(.*\)$/interfaces = \1,sgnosuch0/' "$T/good.conf" >"$T/missing.conf"
line=$(grep -n '^interfaces = ' "$T/missing.conf" | cut -d: -f1)
sg config check "$T/missing.conf" >/dev/null 2>"$T/check.err"
rc=$?
if [ "$rc" = 2 ] && grep -q "missing.conf:$line: .*sgnosuch0" "$T/check.err"; then
	pass confcheck-missing-interface-refused
else
	fail confcheck-missing-interface-refused "config check of a config naming sgnosuch0 (line $line): exit $rc '$(cat "$T/check.err")'"
fi
sg config check --skip-host-checks "$T/missing.conf" >/dev/null 2>"$T/check.err"
rc=$?
sg config check --skip-host-checks "$T/noif.conf" >/dev/null 2>&1
rc_noif=$?
if [ "$rc" = 0 ] && [ "$rc_noif" = 2 ]; then
	pass confcheck-skip-host-checks
else
	fail confcheck-skip-host-checks "--skip-host-checks: missing interface exit $rc '$(cat "$T/check.err")'; no interfaces exit $rc_noif (want 0 and 2)"
fi
timeout 20 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN-x" \
	run -c "$T/missing.conf" >"$T/run.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q "missing.conf:$line: .*sgnosuch0" "$T/run.out" && lab_xdp_detached_all &&
	[ ! -e "$LAB_PIN-x" ]; then
	pass confcheck-run-missing-interface-exit-2
else
	fail confcheck-run-missing-interface-exit-2 "run with sgnosuch0: exit $rc '$(head -c 300 "$T/run.out")'; attached: $(lab_xdp_attached_all && echo yes || echo no)"
fi
timeout 20 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN-x" \
	run -c "$T/good.conf" -i sgnosuch0 >"$T/run.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q -- "-i sgnosuch0" "$T/run.out"; then
	pass confcheck-run-i-missing-exit-2
else
	fail confcheck-run-i-missing-exit-2 "run -i sgnosuch0: exit $rc '$(head -c 300 "$T/run.out")'"
fi

# ---- the installed config: its first lines say what to set; with that
# set (and nothing else), it passes.
example=$LAB_ROOT/slotguard.conf.example
"$SG_BIN" config check "$example" >/dev/null 2>"$T/check.err"
rc=$?
head=$(grep -v '^# SPDX' "$example" | head -n 6)
if [ "$rc" = 2 ] && grep -q interfaces "$T/check.err" && grep -qi 'interfaces' <<<"$head"; then
	pass confcheck-example-says-what-to-set
else
	fail confcheck-example-says-what-to-set "config check of the example: exit $rc '$(cat "$T/check.err")'; its first lines: $head"
fi
sed 's/^#interfaces = eth0 eth1$/interfaces = lo/' "$example" >"$T/example.conf"
"$SG_BIN" config check "$T/example.conf" >"$T/check.out" 2>&1
rc=$?
check confcheck-example-with-interface-ok "the example with interfaces = lo: exit $rc: $(head -c 300 "$T/check.out")" \
	[ "$rc" = 0 ]

# ---- IPv4-mapped input
CONF_LISTS=yes lab_conf "$T/sg.conf"
sg_run_daemon "$T/sg.conf" || { fail confcheck-daemon "slotguard run did not start"; exit 1; }
sg ban add ::ffff:10.200.77.2 >/dev/null 2>"$T/ban.err"
rc_ban=$?
sg allow add ::ffff:10.200.77.0/120 >/dev/null 2>"$T/allow.err"
rc_allow=$?
bans=$(sg ban list --json) allow=$(sg allow list --json)
if [ "$rc_ban" = 0 ] && [ "$rc_allow" = 0 ] && ban_active "$bans" 10.200.77.2/32 &&
	grep -q 10.200.77.0/24 <<<"$(list_cidrs "$allow")" &&
	grep -q 'IPv4-mapped' "$T/ban.err" && grep -q 'IPv4-mapped' "$T/allow.err"; then
	pass mapped-cli-ban-and-allow
else
	fail mapped-cli-ban-and-allow "ban add ::ffff:10.200.77.2: exit $rc_ban '$(cat "$T/ban.err")'; allow add ::ffff:10.200.77.0/120: exit $rc_allow '$(cat "$T/allow.err")'; bans $bans; allow $allow"
fi
printf '# mapped\n::ffff:10.200.78.0/120\n10.200.79.0/24\n' >"$T/mapped.txt"
sg deny replace "$T/mapped.txt" >/dev/null 2>"$T/replace.err"
rc=$?
deny=$(sg deny list --json)
if [ "$rc" = 0 ] && [ "$(list_cidrs "$deny" | tr '\n' ' ')" = "10.200.78.0/24 10.200.79.0/24 " ] &&
	grep -q 'mapped.txt:2: .*IPv4-mapped' "$T/replace.err"; then
	pass mapped-list-file-replace
else
	fail mapped-list-file-replace "deny replace of a file with ::ffff:10.200.78.0/120: exit $rc '$(cat "$T/replace.err")'; deny list $deny"
fi
# The config's allowlist file, read by config check and by the daemon.
printf '::ffff:%s\n' "$(lab_client_addr people)" >"$T/allow.txt"
sg config check "$T/sg.conf" >/dev/null 2>"$T/check.err"
rc=$?
from=$(wc -c <"$SG_DAEMON_LOG")
sg reload >/dev/null 2>&1
said=$(tail -c +$((from + 1)) "$SG_DAEMON_LOG" | grep -c 'allow.txt:1: .*IPv4-mapped')
allow=$(sg allow list --json)
if [ "$rc" = 0 ] && grep -q 'allow.txt:1: .*IPv4-mapped' "$T/check.err" && [ "$said" -ge 1 ] &&
	grep -q "$(lab_client_addr people)/32" <<<"$(list_cidrs "$allow")"; then
	pass mapped-config-lists
else
	fail mapped-config-lists "config check: exit $rc '$(cat "$T/check.err")'; daemon log lines about allow.txt:1: $said; allow list $allow"
fi
sed "s/^port = $LAB_PORT\$/&\ndestinations = ::ffff:10.200.0.0\/112/" "$T/sg.conf" >"$T/dst.conf"
sg config check --json "$T/dst.conf" >"$T/check.json" 2>"$T/check.err"
rc=$?
if [ "$rc" = 0 ] && grep -q 'dst.conf:[0-9]*: destinations: .*IPv4-mapped' "$T/check.err" &&
	[ "$(jq -r '.note | test("IPv4-mapped")' "$T/check.json")" = true ]; then
	pass mapped-config-destinations
else
	fail mapped-config-destinations "config check with destinations = ::ffff:10.200.0.0/112: exit $rc '$(cat "$T/check.err")' $(head -c 300 "$T/check.json")"
fi
# What was given mapped matches the IPv4 client: a mapped ban drops it.
sg ban add "::ffff:$(lab_client_addr bot)" --for 10m >/dev/null 2>&1
out=$(traffic bot --count 3 --rate 10/s)
check mapped-entry-matches-ipv4 "bot banned as ::ffff:$(lab_client_addr bot): $out" \
	[ "$(jqr "$out" .succeeded)" = 0 ]
exit 0
