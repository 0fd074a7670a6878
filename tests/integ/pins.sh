#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Nothing pinned is trusted unchecked: a pin directory reached through a
# symlink (on bpffs or off it, at any component, or a symlink inside it)
# is refused with a message that says so; a stand-in at any pin path the
# daemon made (another type, or the same type with other sizes) makes
# every command refuse, naming the pin and what differs, and nothing is
# written into it; pins slotguard did not make are reported by `status`.
. "$(dirname "$0")/../lib/integ.sh"
TESTS=(pins-symlink-on-bpffs-run-refused pins-symlink-outside-bpffs-run-refused
	pins-symlink-parent-run-refused pins-owner-refusal-says-chown
	pins-symlink-cli-refused pins-symlink-inside-cli-refused
	pins-symlink-inside-run-refused pins-symlink-daemon-dir-refused
	pins-standin-maps-found pins-standin-type-MAP pins-standin-size-MAP
	pins-standin-link-status-refused pins-standin-link-run-refused
	pins-stray-status-text pins-stray-status-json pins-stray-commands-work
	pins-run-over-checked-pins)
lab_need_daemon "${TESTS[@]}" || exit 0
lab_up people || { fail pins-lab "the lab did not come up"; exit 1; }
CONF_LISTS=no lab_conf "$LAB_TMP/sg.conf"
BPFFS=/sys/fs/bpf
HOLD=$BPFFS/sgtest-hold-$LAB_ID # originals wait here while a stand-in sits at their path
lab_track_path "$HOLD"
mkdir -m 0700 "$HOLD" || { fail pins-setup "cannot make $HOLD"; exit 1; }
TRIES=0

# run_settled : the `slotguard run` of try_run exited, or came up (put
# its own program on the lab's interface).
run_settled() {
	sg_daemon_alive || return 0
	[ "$(lab_xdp_prog "$(lab_gw_if people)")" != "$RUN_PROG_BEFORE" ]
}

# try_run PIN_DIR [SIGNAL] : `slotguard run` that should refuse to start,
# with its pins in PIN_DIR; waits (10 s at most) until it exits or comes
# up. RUN_RC: its exit status, or "up" (then it was stopped with SIGNAL,
# TERM by default; KILL keeps the pins as they were). RUN_OUT: its output.
try_run() {
	TRIES=$((TRIES + 1))
	RUN_OUT=$LAB_TMP/try.$TRIES.out
	RUN_PROG_BEFORE=$(lab_xdp_prog "$(lab_gw_if people)")
	ns_bg "$LAB_GW" "$RUN_OUT" "$SG_BIN" --pin-dir "$1" run -c "$LAB_TMP/sg.conf"
	SG_DAEMON_PID=$BG_PID
	wait_until 10 run_settled
	if sg_daemon_alive; then
		RUN_RC=up
		sg_stop_daemon "${2:-TERM}"
	else
		wait "$SG_DAEMON_PID" 2>/dev/null
		RUN_RC=$?
		lab_forget "$SG_DAEMON_PID"
		SG_DAEMON_PID=
	fi
}

# refused_saying REGEX... : try_run's run refused (exit 1 or 2, the
# interface kept the program it had) and its output matches every REGEX
# (ERE, case-insensitive).
refused_saying() {
	local re
	[ "$RUN_RC" = 1 ] || [ "$RUN_RC" = 2 ] || return 1
	[ "$(lab_xdp_prog "$(lab_gw_if people)")" = "$RUN_PROG_BEFORE" ] || return 1
	for re in "$@"; do
		grep -Eqi -- "$re" "$RUN_OUT" || return 1
	done
}

run_said() { echo "run exit $RUN_RC, said: $(head -c 400 "$RUN_OUT")"; }

# ---- a symlinked pin directory, on bpffs and off it -----------------------
real=$BPFFS/sgtest-real-$LAB_ID
lnk=$BPFFS/sgtest-lnk-$LAB_ID
lab_track_path "$real" "$lnk"
mkdir -m 0700 "$real" && ln -s "$real" "$lnk"
try_run "$lnk"
check pins-symlink-on-bpffs-run-refused "pin_dir $lnk -> $real (root, 0700, on bpffs): $(run_said); pinned in $real: $(ls "$real" 2>/dev/null | wc -l)" \
	refused_saying "$lnk" symlink
rm -rf "${real:?}"/* 2>/dev/null

off=$LAB_TMP/not-bpffs
lnk2=$BPFFS/sgtest-lnk2-$LAB_ID
lab_track_path "$lnk2"
mkdir -m 0700 "$off" && ln -s "$off" "$lnk2"
try_run "$lnk2"
check pins-symlink-outside-bpffs-run-refused "pin_dir $lnk2 -> $off (not bpffs): $(run_said)" \
	refused_saying "$lnk2" symlink

preal=$BPFFS/sgtest-preal-$LAB_ID
plnk=$BPFFS/sgtest-plnk-$LAB_ID
lab_track_path "$preal" "$plnk"
mkdir -m 0755 "$preal" && ln -s "$preal" "$plnk"
try_run "$plnk/slotguard"
if refused_saying "$plnk" symlink && [ ! -e "$preal/slotguard" ]; then
	pass pins-symlink-parent-run-refused
else
	fail pins-symlink-parent-run-refused "pin_dir $plnk/slotguard with $plnk -> $preal: $(run_said); $preal/slotguard made: $([ -e "$preal/slotguard" ] && echo yes || echo no)"
fi

owned=$BPFFS/sgtest-owned-$LAB_ID
lab_track_path "$owned"
mkdir -m 0700 "$owned" && chown 65534:65534 "$owned"
try_run "$owned"
check pins-owner-refusal-says-chown "pin_dir owned by uid 65534, mode 0700: $(run_said)" \
	refused_saying "$owned" chown

# ---- the real daemon; the CLI through a symlink ----------------------------
sg_run_daemon "$LAB_TMP/sg.conf" || { fail pins-daemon "slotguard run did not start"; exit 1; }
sg ban add 192.0.2.77 --for 1h --reason pins-test >/dev/null &&
	sg allow add 198.18.0.0/24 2001:db8:18::/48 >/dev/null &&
	sg deny add 198.18.1.0/24 >/dev/null ||
	{ fail pins-setup "ban/allow/deny add failed"; exit 1; }
bans_before=$(sg ban list --json | jq -c '[.bans[].prefix] | sort')
grep -qF '"192.0.2.77/32"' <<<"$bans_before" ||
	{ fail pins-setup "ban list --json does not show the ban just added: $bans_before"; exit 1; }

lnk3=$BPFFS/sgtest-lnk3-$LAB_ID
lab_track_path "$lnk3"
ln -s "$LAB_PIN" "$lnk3"
sl=$(in_ns "$LAB_GW" "$SG_BIN" --pin-dir "$lnk3" status 2>&1)
sl_rc=$?
ba=$(in_ns "$LAB_GW" "$SG_BIN" --pin-dir "$lnk3" ban add 192.0.2.78 --for 1h 2>&1)
ba_rc=$?
bans_now=$(sg ban list --json | jq -c '[.bans[].prefix] | sort')
if [ "$sl_rc" != 0 ] && [ "$ba_rc" != 0 ] && grep -qi symlink <<<"$sl" &&
	grep -qi symlink <<<"$ba" && grep -qF "$lnk3" <<<"$sl" &&
	[ "$bans_now" = "$bans_before" ]; then
	pass pins-symlink-cli-refused
else
	fail pins-symlink-cli-refused "--pin-dir $lnk3 -> $LAB_PIN: status exit $sl_rc '$(head -c 200 <<<"$sl")'; ban add exit $ba_rc '$(head -c 200 <<<"$ba")'; bans $bans_before -> $bans_now"
fi

# Kill -9: the pins stay, no daemon touches them while they are swapped.
sg_stop_daemon KILL

# ---- a stand-in at each pinned map's path ----------------------------------
# Every command, read or write, must refuse, naming the pin and what differs.
CMDS=("status" "status --json" "ban list" "ban add 198.51.100.7 --for 10m"
	"ban del 192.0.2.77" "allow list" "allow add 198.51.100.0/24" "top" "stats")
SIZE_CMDS=("status" "ban add 198.51.100.7 --for 10m" "allow add 198.51.100.0/24")
# Every command opens the pins through the one check (sg_state_open): all
# of them are tried over the first maps' stand-ins, a reader and a writer
# over the rest (the whole cross product took minutes).
FEW_CMDS=("status" "ban add 198.51.100.7 --for 10m")

# not_refusing NAME CMD... : the commands that did not refuse over the
# stand-in NAME (exit non-zero, naming it and something about its shape).
not_refusing() {
	local name=$1 c out rc bad=
	shift
	for c in "$@"; do
		# shellcheck disable=SC2086 # the command is words
		out=$(sg $c 2>&1 >/dev/null)
		rc=$?
		if [ "$rc" = 0 ] || ! grep -qF "$name" <<<"$out" ||
			! grep -Eqi 'type|key|value|flags|entries|size' <<<"$out"; then
			bad+="'$c' (exit $rc: $(head -c 160 <<<"$out")); "
		fi
	done
	echo "$bad"
}

# standin NAME TYPE KEY VALUE ENTRIES FLAGS : a map made by bpftool at NAME's pin path.
standin() {
	local extra=()
	[ "$2" = array_of_maps ] || [ "$2" = hash_of_maps ] &&
		extra=(inner_map pinned "$HOLD/inner-template")
	bpftool map create "$LAB_PIN/$1" type "$2" key "$3" value "$4" entries "$5" \
		flags "$6" name standin "${extra[@]}"
}

# standin_round TEST WHAT NAME TYPE KEY VALUE ENTRIES FLAGS -- CMD... : a
# stand-in at NAME's path, every CMD refusing, nothing written into it.
standin_round() {
	local test=$1 what=$2 name=$3 dump after bad
	shift 3
	if ! standin "$name" "$1" "$2" "$3" "$4" "$5" 2>"$LAB_TMP/standin.err"; then
		fail "$test" "bpftool: $(head -c 200 "$LAB_TMP/standin.err")"
		return
	fi
	shift 6
	dump=$(bpftool -j map dump pinned "$LAB_PIN/$name")
	bad=$(not_refusing "$name" "$@")
	after=$(bpftool -j map dump pinned "$LAB_PIN/$name")
	if [ -z "$bad" ] && [ "$dump" = "$after" ]; then
		pass "$test"
	else
		fail "$test" "$what: not refused by: ${bad:-none}; stand-in written: $([ "$dump" = "$after" ] && echo no || echo "yes: $(head -c 200 <<<"$after")")"
	fi
	rm -f "$LAB_PIN/$name"
}

bpftool map create "$HOLD/inner-template" type hash key 4 value 4 entries 4 name tmpl ||
	fail pins-setup "bpftool cannot make a map"
maps=0
for path in "$LAB_PIN"/*; do
	name=${path##*/}
	info=$(bpftool -j map show pinned "$path" 2>/dev/null) || continue
	maps=$((maps + 1))
	type=$(jqr "$info" .type) key=$(jqr "$info" .bytes_key)
	value=$(jqr "$info" .bytes_value) entries=$(jqr "$info" .max_entries)
	flags=$(jqr "$info" .flags)
	mv "$path" "$HOLD/$name" || { fail "pins-standin-type-$name" "cannot move the pin aside"; continue; }
	# Another type: a hash (an array for a hash), small.
	other=hash
	[ "$type" = hash ] && other=array
	cmds=("${CMDS[@]}") size_cmds=("${SIZE_CMDS[@]}")
	[ "$maps" -le 3 ] || cmds=("${FEW_CMDS[@]}") size_cmds=("${FEW_CMDS[@]}")
	standin_round "pins-standin-type-$name" "a $other stand-in for $type $name" \
		"$name" "$other" 4 4 16 0 -- "${cmds[@]}"
	# The same type with other sizes.
	case $type in
	ringbuf) s=(0 0 $((entries * 2)) "$flags") ;;
	array_of_maps | hash_of_maps) s=("$key" "$value" $((entries + 1)) "$flags") ;;
	*) s=("$key" $((value + 8)) "$entries" "$flags") ;;
	esac
	standin_round "pins-standin-size-$name" \
		"a $type stand-in (key ${s[0]} value ${s[1]} entries ${s[2]}) for $name (key $key value $value entries $entries)" \
		"$name" "$type" "${s[@]}" -- "${size_cmds[@]}"
	mv "$HOLD/$name" "$path"
done
check pins-standin-maps-found "no pinned map found under $LAB_PIN: $(ls "$LAB_PIN")" [ "$maps" -ge 10 ]

# ---- a stand-in at a link's path -------------------------------------------
link=$(cd "$LAB_PIN" && ls -d link_* 2>/dev/null | head -n 1)
if [ -n "$link" ] && mv "$LAB_PIN/$link" "$HOLD/$link" &&
	standin "$link" hash 4 4 16 0 2>"$LAB_TMP/standin.err"; then
	out=$(sg status 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 0 ] && grep -qF "$link" <<<"$out" && grep -qi link <<<"$out"; then
		pass pins-standin-link-status-refused
	else
		fail pins-standin-link-status-refused "a hash map at $LAB_PIN/$link: status exit $rc: $(head -c 300 <<<"$out")"
	fi
	dump=$(bpftool -j map dump pinned "$LAB_PIN/$link")
	try_run "$LAB_PIN" KILL
	if refused_saying "$link" && [ "$dump" = "$(bpftool -j map dump pinned "$LAB_PIN/$link" 2>&1)" ]; then
		pass pins-standin-link-run-refused
	else
		fail pins-standin-link-run-refused "a hash map at $LAB_PIN/$link: $(run_said); still there: $([ -e "$LAB_PIN/$link" ] && echo yes || echo no)"
	fi
	rm -f "$LAB_PIN/$link"
	mv "$HOLD/$link" "$LAB_PIN/$link"
else
	fail pins-standin-link-status-refused "no link pinned under $LAB_PIN ($(ls "$LAB_PIN")) or bpftool failed: $(head -c 200 "$LAB_TMP/standin.err")"
	skip pins-standin-link-run-refused "no stand-in link"
fi

# ---- symlinks inside the pin directory -------------------------------------
mv "$LAB_PIN/sg_config" "$HOLD/sg_config" && ln -s "$HOLD/sg_config" "$LAB_PIN/sg_config"
out=$(sg status 2>&1)
rc=$?
if [ "$rc" != 0 ] && grep -q sg_config <<<"$out" && grep -qi symlink <<<"$out"; then
	pass pins-symlink-inside-cli-refused
else
	fail pins-symlink-inside-cli-refused "$LAB_PIN/sg_config a symlink: status exit $rc: $(head -c 300 <<<"$out")"
fi
try_run "$LAB_PIN" KILL
check pins-symlink-inside-run-refused "$LAB_PIN/sg_config a symlink: $(run_said)" \
	refused_saying sg_config symlink
rm -f "$LAB_PIN/sg_config" && mv "$HOLD/sg_config" "$LAB_PIN/sg_config"

lockdir=$LAB_TMP/lockdir
mkdir -m 0700 "$lockdir"
rmdir "$LAB_PIN/daemon" 2>/dev/null
ln -s "$lockdir" "$LAB_PIN/daemon"
try_run "$LAB_PIN" KILL
check pins-symlink-daemon-dir-refused "$LAB_PIN/daemon a symlink to $lockdir: $(run_said)" \
	refused_saying "$LAB_PIN/daemon" symlink
rm -f "$LAB_PIN/daemon"
[ -d "$LAB_PIN/daemon" ] || mkdir -m 0700 "$LAB_PIN/daemon"

# ---- stray pins: reported, nothing refused ---------------------------------
bpftool map create "$LAB_PIN/stray_map" type hash key 4 value 4 entries 4 name stray &&
	mkdir "$LAB_PIN/stray_dir" && ln -s /tmp "$LAB_PIN/stray_link" ||
	fail pins-setup "cannot make the stray pins"
out=$(sg status 2>&1)
rc=$?
missing=
for s in stray_map stray_dir stray_link; do
	grep -q "$s" <<<"$out" || missing+="$s "
done
if [ "$rc" = 0 ] && [ -z "$missing" ] && grep -qi stray <<<"$out"; then
	pass pins-stray-status-text
else
	fail pins-stray-status-text "status exit $rc, does not name: ${missing:-(names all)}; said: $(head -c 400 <<<"$out")"
fi
json=$(sg status --json 2>/dev/null)
names=$(jqr "$json" '[.stray_pins[]?.name] | sort | join(" ")' 2>/dev/null)
check pins-stray-status-json "status --json .stray_pins names '$names', want 'stray_dir stray_link stray_map'" \
	[ "$names" = "stray_dir stray_link stray_map" ]
sg ban list >/dev/null && sg allow add 198.51.100.0/24 >/dev/null &&
	sg allow del 198.51.100.0/24 >/dev/null
check pins-stray-commands-work "ban list / allow add / allow del refused with stray pins present" [ $? = 0 ]
rm -rf "$LAB_PIN/stray_map" "$LAB_PIN/stray_dir" "$LAB_PIN/stray_link"

# ---- every pin back in place: the next run takes over -----------------------
if sg_run_daemon "$LAB_TMP/sg.conf" 2>"$LAB_TMP/rerun.err"; then
	bans_now=$(sg ban list --json | jq -c '[.bans[].prefix] | sort')
	check pins-run-over-checked-pins "bans before the stand-ins $bans_before, after the restart $bans_now" \
		[ "$bans_now" = "$bans_before" ]
	sg_stop_daemon TERM
else
	fail pins-run-over-checked-pins "slotguard run over the restored pins did not start: $(head -c 400 "$LAB_TMP/rerun.err")"
fi
exit 0
