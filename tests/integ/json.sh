#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every read command's --json is one valid JSON document (checked with jq),
# with the fields scripts rely on, with the daemon running and without it.
. "$(dirname "$0")/../lib/integ.sh"

READS=("status" "stats" "top" "top -n 3" "allow list" "deny list" "ban list"
	"ban list --all" "version")
# json_name WORDS : "top -n 3" -> json-top-n-3
json_name() { echo "json-$(tr -s ' -' '-' <<<"$1")"; }
TESTS=()
for r in "${READS[@]}"; do
	TESTS+=("$(json_name "$r")")
done
TESTS+=(json-stats-shape json-ban-list-shape json-list-shape json-top-names-bot
	json-stats-interval-stream json-without-daemon)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail json-lab "the lab did not come up"; exit 1; }
lab_conf "$LAB_TMP/sg.conf"
sg_run_daemon "$LAB_TMP/sg.conf" || { fail json-daemon "slotguard run did not start"; exit 1; }

# Something in every table: counters, a ban from a flood, a manual ban,
# list entries of both families.
bot4=$(lab_client_addr bot)
traffic people --count 5 --rate 20/s >/dev/null
traffic bot --count 100 --rate 200/s >/dev/null
sg ban add 10.200.99.0/24 --for 5m --reason json-test >/dev/null
sg allow add 10.200.98.0/24 fd00:5a:98::/48 >/dev/null
sg deny add 10.200.97.7 fd00:5a:97::/64 >/dev/null

# read_json NAME WORDS... : run `slotguard WORDS --json`, PASS if exit 0 and
# exactly one JSON document. The output is left in $JSON.
read_json() {
	local name=$1 rc
	shift
	JSON=$(sg "$@" --json 2>"$LAB_TMP/json.err")
	rc=$?
	if [ "$rc" = 0 ] && json_ok "$JSON"; then
		pass "$name"
	else
		fail "$name" "slotguard $* --json: exit $rc, output '$(head -c 200 <<<"$JSON")', stderr '$(head -c 200 "$LAB_TMP/json.err")'"
	fi
}

declare -A OUT=()
for r in "${READS[@]}"; do
	# shellcheck disable=SC2086
	read_json "$(json_name "$r")" $r
	OUT[$r]=$JSON
done

# stats: every lab interface, counters with numbers, the three verdicts.
stats=${OUT[stats]}
want=$(lab_ifaces | tr ' ' '\n' | sort | tr '\n' ' ')
got=$(jqr "$stats" '[.interfaces[]?.name] | sort | join(" ")' 2>/dev/null)
shape=$(jqr "$stats" '(.interfaces | type == "array")
	and ([.interfaces[].counters[] | (.verdict | type == "string")
	      and (.reason | type == "string") and (.packets | type == "number")
	      and (.bytes | type == "number")] | all)
	and (.totals | has("pass") and has("drop") and has("would_drop"))
	and ([.interfaces[].counters[] | select(.verdict == "drop")] | length > 0)' 2>/dev/null)
if [ "$got " = "$want" ] && [ "$shape" = true ]; then
	pass json-stats-shape
else
	fail json-stats-shape "interfaces '$got' (want '$want'), shape check '$shape': $(head -c 400 <<<"$stats")"
fi

bans=${OUT[ban list]}
shape=$(jqr "$bans" --arg c 10.200.99.0/24 '(.bans | type == "array") and .count == (.bans | length)
	and ([.bans[] | select(.prefix == $c and .note == "json-test" and .origin == "manual"
		and .budget == "manual" and .active)] | length == 1)
	and ([.bans[] | has("seconds_left") and has("offences") and has("since")
		and has("until")] | all)' 2>/dev/null)
check json-ban-list-shape "ban list --json: $(head -c 400 <<<"$bans")" [ "$shape" = true ]

a=${OUT[allow list]} d=${OUT[deny list]}
if [ "$(list_cidrs "$a" | tr '\n' ' ')" = "10.200.98.0/24 fd00:5a:98::/48 " ] &&
	[ "$(list_cidrs "$d" | tr '\n' ' ')" = "10.200.97.7/32 fd00:5a:97::/64 " ] &&
	[ "$(jqr "$a" '[.entries[].family] | sort | join(",")')" = ipv4,ipv6 ]; then
	pass json-list-shape
else
	fail json-list-shape "allow list --json: $a; deny list --json: $d"
fi

# The flooding bot is the heaviest source; it should be named.
top=${OUT[top]}
check json-top-names-bot "top --json does not mention $bot4: $(head -c 400 <<<"$top")" \
	grep -q -F "\"$bot4" <<<"$top"

# --interval prints one document per interval.
timeout 2.5 nsenter --net="/run/netns/$LAB_GW" "$SG_BIN" --pin-dir "$LAB_PIN" \
	stats --json --interval 1 >"$LAB_TMP/interval.out" 2>"$LAB_TMP/interval.err"
n=$(jq -s 'length' <"$LAB_TMP/interval.out" 2>/dev/null)
check json-stats-interval-stream "stats --json --interval 1 for 2.5 s gave ${n:-unparsable} documents: $(head -c 300 "$LAB_TMP/interval.out") $(head -c 200 "$LAB_TMP/interval.err")" \
	[ "${n:-0}" -ge 2 ]

# Without a daemon the same reads work on the pins.
sg_stop_daemon KILL
bad=
for r in "${READS[@]}"; do
	# shellcheck disable=SC2086
	out=$(sg $r --json 2>/dev/null) && json_ok "$out" || bad+="${bad:+, }$r"
done
check json-without-daemon "after kill -9 these gave no valid JSON: $bad" [ -z "$bad" ]

exit 0
