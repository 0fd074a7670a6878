#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The manuals against the code: every command, long option and config key
# the code has (read from its dispatch, option and key tables) is in
# slotguard(8) or slotguard.conf(5), nothing in them is missing from the
# code, and both render with man(1) without a warning.
. "$(dirname "$0")/../lib/integ.sh"
. "$LAB_ROOT/tests/lib/code_words.sh"

MAN_SRC=$LAB_ROOT/docs/man
TESTS=(man-render-slotguard.8 man-render-slotguard.conf.5 man-commands
	man-options man-conf-keys man-compare-catches)

for t in scdoc man; do
	command -v "$t" >/dev/null || { skip_all "needs $t (make deps)" "${TESTS[@]}"; exit 0; }
done

# man_commands : "OBJECT [COMMAND]" of each "*slotguard OBJECT [COMMAND]*"
# that starts a line under COMMANDS in slotguard.8.scd.
man_commands() {
	awk '/^# / { on = ($0 == "# COMMANDS") }
		on && match($0, /^\*slotguard [a-z]+( [a-z]+)?\*/) {
			print substr($0, 12, RLENGTH - 12)
		}' "$MAN_SRC/slotguard.8.scd" | sort -u
}

# man_options : every *--option* in slotguard.8.scd.
man_options() {
	grep -o '\*--[a-z][a-z0-9-]*\*' "$MAN_SRC/slotguard.8.scd" |
		tr -d '*' | sed 's/^--//' | sort -u
}

# man_conf_keys : "SECTION KEY" for each "*key* =" line under a "## [...]"
# heading of SECTIONS AND KEYS, once per section the heading names.
man_conf_keys() {
	awk '/^# / { on = ($0 == "# SECTIONS AND KEYS"); next }
		on && /^## / {
			n = 0
			line = $0
			while (match(line, /\[[a-z_0-9]+/)) {
				sec[++n] = substr(line, RSTART + 1, RLENGTH - 1)
				line = substr(line, RSTART + RLENGTH)
			}
			next
		}
		on && match($0, /^\*[a-z_0-9]+\* =/) {
			key = substr($0, 2, RLENGTH - 4)
			for (i = 1; i <= n; i++)
				print sec[i], key
		}' "$MAN_SRC/slotguard.conf.5.scd" | sort -u
}

# compare WHAT MANUAL CODE_LIST MAN_LIST : nothing when both lists hold
# the same lines, else what is missing where.
compare() {
	local what=$1 manual=$2 only_code only_man
	only_code=$(comm -23 <(sort -u <<<"$3") <(sort -u <<<"$4") | paste -sd, -)
	only_man=$(comm -13 <(sort -u <<<"$3") <(sort -u <<<"$4") | paste -sd, -)
	[ -n "$only_code" ] && echo "$what in the code but not in $manual: $only_code. "
	[ -n "$only_man" ] && echo "$what in $manual but not in the code: $only_man."
	return 0
}

# check_same NAME WHAT MANUAL CODE_LIST MAN_LIST
check_same() {
	local why
	if [ -z "$4" ] || [ -z "$5" ]; then
		fail "$1" "could not read the $2 (code: $(wc -l <<<"$4") lines, manual: $(wc -l <<<"$5"))"
		return
	fi
	why=$(compare "$2" "$3" "$4" "$5")
	if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

# render PAGE : man -l of the page built into $BUILD/man shows its NAME
# section, with no warning from man or groff.
render() {
	local page=$BUILD/man/$1 out err
	if [ ! -s "$page" ]; then
		fail "man-render-$1" "$page was not built (make man)"
		return
	fi
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >"$LAB_TMP_MAN")
	out=$(head -n 5 "$LAB_TMP_MAN")
	if [ -z "$err" ] && grep -q '^NAME' <<<"$out" &&
		grep -q "^ *${1%%.*} " "$LAB_TMP_MAN"; then
		pass "man-render-$1"
	else
		fail "man-render-$1" "man -l $page: stderr '$(head -c 300 <<<"$err")', start '$(head -c 200 <<<"$out")'"
	fi
}

LAB_TMP_MAN=$(mktemp /tmp/sgtest-man.XXXXXX)
trap 'rm -f "$LAB_TMP_MAN"' EXIT

render slotguard.8
render slotguard.conf.5

check_same man-commands "commands" "slotguard(8)" "$(code_commands)" "$(man_commands)"
check_same man-options "options" "slotguard(8)" "$(code_long_options)" "$(man_options)"
code_keys=$(code_conf_keys)
man_keys=$(man_conf_keys)
check_same man-conf-keys "config keys" "slotguard.conf(5)" "$code_keys" "$man_keys"

# The comparison is not blind: a manual without its first key, and one
# with a key the code lacks, are both caught.
short=$(compare keys m "$code_keys" "$(tail -n +2 <<<"$man_keys")")
extra=$(compare keys m "$code_keys" "$man_keys
ban no_such_key")
if [[ $short == *"in the code but not in m: $(head -n 1 <<<"$man_keys")."* ]] &&
	[[ $extra == *"in m but not in the code: ban no_such_key."* ]]; then
	pass man-compare-catches
else
	fail man-compare-catches "missing key reported as '$short', extra key as '$extra'"
fi
exit 0
