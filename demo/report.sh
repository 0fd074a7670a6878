# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The demo's report (sourced by demo/run.sh): who got the slots in each
# round, what slotguard counted, the verdict and the JSON result. Reads the
# round files in $DEMO_TMP: rN-CLASS.json (clients), rN-stats.json and
# rN-bans.* (slotguard), rN-slots.json (the slot counter).

# json_ok FILE : the file's last line is a JSON object.
json_ok() { tail -n 1 "$1" 2>/dev/null | jq -e 'type == "object"' >/dev/null 2>&1; }

# val N CLASS FIELD : a number from a client's result.
val() { tail -n 1 "$DEMO_TMP/r$1-$2.json" | jq -r ".$3 // 0"; }

pct() { echo $(((100 * $1 + $2 / 2) / $2)); }

# booked_by N CLASS... : slots the classes booked in round N.
booked_by() {
	local n=$1 c sum=0
	shift
	for c in "$@"; do sum=$((sum + $(val "$n" "$c" booked))); done
	echo "$sum"
}

# The bots slotguard's budgets alone must stop (the hosting farm needs a set).
PLAIN_BOTS=(fastbot farm bot6 keepalive)

# cell TEXT : one round's column of the table.
cell() { printf '| %-12s ' "$1"; }

print_table() {
	local n c booked sum
	echo
	printf '%-34s' "who got the $SLOTS slots"
	for n in 1 2 3 4 5; do cell "${TITLE[${ROUNDS[n - 1]}]}"; done
	echo
	for c in "${CLASSES[@]}"; do
		printf '%-34s' "${LABEL[$c]}"
		for n in 1 2 3 4 5; do
			booked=$(val "$n" "$c" booked)
			cell "$(printf '%4s %5s%%' "$booked" "$(pct "$booked" "$SLOTS")")"
		done
		echo
	done
	printf '%-34s' "not booked"
	for n in 1 2 3 4 5; do
		sum=$(booked_by "$n" "${CLASSES[@]}")
		cell "$(printf '%4s %5s%%' $((SLOTS - sum)) "$(pct $((SLOTS - sum)) "$SLOTS")")"
	done
	echo
	for n in 1 2 3 4 5; do
		sum=$(booked_by "$n" "${CLASSES[@]}")
		booked=$(jq -r '.booked // "?"' "$DEMO_TMP/r$n-slots.json" 2>/dev/null)
		[ "$booked" = "$sum" ] ||
			echo "(round $n: the slot counter handed out ${booked:-?} slots, the clients saw $sum)" >&2
	done
	printf '%-34s' "own-address people with a slot"
	for n in 1 2 3 4 5; do cell "$(val "$n" people persons_booked) of $PERSONS"; done
	echo
	printf '%-34s' "NAT people with a slot"
	for n in 1 2 3 4 5; do cell "$(val "$n" nat persons_booked) of $NAT_PEOPLE"; done
	echo
	printf '%-34s' "people's requests unanswered"
	for n in 1 2 3 4 5; do
		cell "$(($(val "$n" people failed) + $(val "$n" people pages_failed)))"
	done
	echo
}

# reason_packets N VERDICT : "reason packets" lines from a round's stats.
reason_packets() {
	jq -r --arg v "$2" '[.interfaces[]?.counters[]? | select(.verdict == $v)]
		| group_by(.reason)[] | "\(.[0].reason) \(map(.packets) | add)"' \
		"$DEMO_TMP/r$1-stats.json"
}

budget_counts() {
	jq -r --arg k "$2" '.[$k] // {} | to_entries | map(select(.value > 0))
		| if length == 0 then "none" else map("\(.key) \(.value)") | join(", ") end' \
		"$DEMO_TMP/r$1-stats.json"
}

# count_of N VERDICT REASON : packets of one reason in a round.
count_of() {
	reason_packets "$1" "$2" | awk -v r="$3" '$1 == r {n = $2} END {print n + 0}'
}

print_slotguard() {
	local r reasons
	echo
	echo "What slotguard counted (slotguard stats --json; packets to the booking site)"
	reasons=$( (reason_packets 2 would_drop; reason_packets 3 drop;
		reason_packets 4 drop; reason_packets 5 drop) | awk '{print $1}' | sort -u)
	printf '  %-22s %12s %12s %12s %12s\n' "reason" "would_drop" "conns only" "enforcing" "+ sets"
	for r in $reasons; do
		printf '  %-22s %12s %12s %12s %12s\n' "$r" "$(count_of 2 would_drop "$r")" \
			"$(count_of 3 drop "$r")" "$(count_of 4 drop "$r")" "$(count_of 5 drop "$r")"
	done
	printf '  %-22s %12s %12s %12s %12s\n' "passed" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r2-stats.json")" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r3-stats.json")" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r4-stats.json")" \
		"$(jq -r '.totals.pass.packets // 0' "$DEMO_TMP/r5-stats.json")"
	echo "  would-bans while monitoring:          $(budget_counts 2 would_bans_total)"
	echo "  bans while enforcing:                 $(budget_counts 4 bans_total)"
	echo "  limited, not banned (below 5x):       $(budget_counts 4 limited_total)"
	echo
	echo "Bans at the end of the enforcing round (slotguard ban list)"
	sed 's/^/  /' "$DEMO_TMP/r4-bans.txt"
	echo
	echo "Ban and limited events in slotguard run's log, enforcing (the slots opened at $(date -u -d "@$((OPEN_MS[4] / 1000))" +%T).$(printf %03d $((OPEN_MS[4] % 1000)))Z)"
	grep -E ' slotguard (ban|limited): ' "$DEMO_TMP/daemon-4.log" | sed 's/^[0-9-]*T/  /'
}

# nat_banned N : a ban in round N covers the carrier NAT's address.
nat_banned() {
	jq -e --arg a "$NAT_ADDR" '[.bans[] | select(.prefix == ($a + "/32")
		or (.prefix | startswith("10.68.7.")))] | length > 0' \
		"$DEMO_TMP/r$1-bans.json" >/dev/null
}

# verdict : enforcing protected people; sets WHY either way. Enforcing
# the shipped budgets (round 4) stops every bot but the hosting farm, which
# looks like 64 people until a set names its provider (round 5); with the
# sets people book, and the NAT's people as well as others.
verdict() {
	local got fails bots bots0 need=$(((PERSONS * 9 + 9) / 10)) n
	local host4 host5 nat5 own5
	OK=1 WHY=
	bots0=$(booked_by 1 "${PLAIN_BOTS[@]}")
	for n in 4 5; do
		fails=$(($(val "$n" people failed) + $(val "$n" people pages_failed)))
		bots=$(booked_by "$n" "${PLAIN_BOTS[@]}")
		[ "$fails" = 0 ] ||
			OK=0 WHY+="round $n: $fails of the people's requests got no answer; "
		if [ $((bots * 4)) -gt "$bots0" ] || [ $((bots * 10)) -gt "$SLOTS" ]; then
			OK=0 WHY+="round $n: bots booked $bots slots (unfiltered: $bots0); "
		fi
		! nat_banned "$n" || OK=0 WHY+="round $n: the carrier NAT was banned; "
	done
	got=$(val 5 people persons_booked)
	[ "$got" -ge "$need" ] ||
		OK=0 WHY+="with sets, only $got of $PERSONS people booked a slot (want $need); "
	host4=$(val 4 hosting booked) host5=$(val 5 hosting booked)
	if [ $((host5 * 5)) -gt "$SLOTS" ] || [ $((host5 * 2)) -gt "$host4" ]; then
		OK=0 WHY+="the hosting farm in a limit set still booked $host5 slots (without the set: $host4); "
	fi
	nat5=$(val 5 nat persons_booked) own5=$(val 5 people persons_booked)
	# Per person, NAT people get at least 3/4 of what others get.
	if [ $((nat5 * PERSONS * 4)) -lt $((own5 * NAT_PEOPLE * 3)) ]; then
		OK=0 WHY+="with member budgets, $nat5 of $NAT_PEOPLE NAT people booked (others: $own5 of $PERSONS); "
	fi
	if [ "$OK" = 1 ]; then
		WHY="enforcing, the bots with a budget of their own booked $(booked_by 4 "${PLAIN_BOTS[@]}") slots (unfiltered: $bots0); with sets, $got of $PERSONS people and $nat5 of $NAT_PEOPLE behind the NAT booked, the hosting farm $host5 (without the set: $host4)"
	fi
}

write_result() {
	local n c json
	json=$(jq -n --argjson slots "$SLOTS" --argjson persons "$PERSONS" \
		--argjson nat "$NAT_PEOPLE" \
		--argjson ok "$([ "$OK" = 1 ] && echo true || echo false)" --arg why "$WHY" \
		'{slots: $slots, persons: $persons, nat_persons: $nat, ok: $ok,
		  why: $why, rounds: {}}')
	for n in 1 2 3 4 5; do
		for c in "${CLASSES[@]}"; do
			json=$(jq --arg r "${ROUNDS[n - 1]}" --arg c "$c" \
				--argjson v "$(tail -n 1 "$DEMO_TMP/r$n-$c.json")" \
				'.rounds[$r][$c] = $v' <<<"$json")
		done
	done
	for n in 2 3 4 5; do
		json=$(jq --arg r "${ROUNDS[n - 1]}" \
			--argjson s "$(cat "$DEMO_TMP/r$n-stats.json")" \
			--argjson b "$(cat "$DEMO_TMP/r$n-bans.json")" \
			'.stats[$r] = $s | .bans[$r] = $b.bans' <<<"$json")
	done
	printf '%s\n' "$json" >"$RESULT"
}
