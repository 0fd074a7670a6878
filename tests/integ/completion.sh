#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bash completion (completion/slotguard.bash) driven the way bash drives
# it: COMP_WORDS and COMP_CWORD of a command line, the function that
# `complete -p slotguard` names, and what it leaves in COMPREPLY. Objects
# and commands are held to the code's dispatch tables.
. "$(dirname "$0")/../lib/integ.sh"
. "$LAB_ROOT/tests/lib/code_words.sh"

SCRIPT=$LAB_ROOT/completion/slotguard.bash
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
TESTS=(completion-registered completion-objects completion-commands
	completion-global-option-first completion-options completion-option-values
	completion-interfaces completion-files completion-set-names
	completion-profile-names completion-default-config)

if [ ! -r "$BASH_COMPLETION" ]; then
	skip_all "needs the bash-completion package (make deps)" "${TESTS[@]}"
	exit 0
fi
TMP=$(mktemp -d /tmp/sgtest-completion.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# A config with sets and profiles, written the ways an engineer might.
cat >"$TMP/sg.conf" <<'CONF'
[slotguard]
mode = monitor
[set partners]
file = partners.txt
  [ set hosting ]
action = limit
[profile release-window]
[service https]
CONF
printf '[set from-default]\n[profile night]\n' >"$TMP/default.conf"
: >"$TMP/allow-new.txt"
: >"$TMP/also.list"

# The driver: a clean bash with bash-completion and the script loaded, that
# completes each line given (the cursor at the end; a trailing blank starts
# a new word) and prints the candidates sorted, blank separated.
cat >"$TMP/drive.bash" <<DRIVE
. "$BASH_COMPLETION"
. "$SCRIPT"
_slotguard_conf_default=$TMP/default.conf
fn=\$(complete -p slotguard 2>/dev/null | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
[ "\$1" = registered ] && { echo "\$fn"; exit 0; }
COMP_LINE=\$1
COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<<"\$COMP_LINE"
[[ \$COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
COMPREPLY=()
"\$fn" slotguard "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "\${COMPREPLY[@]}" | sort | paste -sd' ' -
DRIVE

# comp LINE : the candidates for LINE.
comp() {
	(cd "$TMP" && bash --norc --noprofile "$TMP/drive.bash" "$1" 2>&1)
}

# expect NAME LINE WANT : the candidates are exactly WANT (sorted words).
expect() {
	local got want
	got=$(comp "$2")
	want=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort | paste -sd' ' -)
	if [ "$got" = "$want" ]; then
		return 0
	fi
	WHY+="'$2' gave '$got', want '$want'; "
	return 1
}

# verdict NAME : PASS when no expect since the last verdict failed.
verdict() {
	if [ -z "$WHY" ]; then pass "$1"; else fail "$1" "$WHY"; fi
	WHY=
}
WHY=

fn=$(comp registered)
check completion-registered "complete -p slotguard names '$fn', want _slotguard" \
	[ "$fn" = _slotguard ]

expect completion-objects "slotguard " "$(code_objects | paste -sd' ' -) help"
verdict completion-objects

# Every object with commands in the code offers exactly those (and help).
while read -r obj; do
	cmds=$(code_commands | awk -v o="$obj" '$1 == o && NF == 2 { print $2 }' |
		paste -sd' ' -)
	[ -n "$cmds" ] && expect completion-commands "slotguard $obj " "$cmds help"
done < <(code_objects)
verdict completion-commands

expect x "slotguard --pin-dir /sys/fs/bpf/lab ban " "add del flush list help"
expect x "slotguard -v allow " "add del list replace flush help"
expect x "slotguard --pin-dir " ""
verdict completion-global-option-first

expect x "slotguard ban list --" "--pin-dir --verbose --help --json --all"
expect x "slotguard run --log" "--log-format"
expect x "slotguard --" "--pin-dir --verbose --help --version"
expect x "slotguard stats --in" "--interval"
expect x "slotguard replay --" "--pin-dir --verbose --help --config --allow-check --top --json"
verdict completion-options

expect x "slotguard top --by " "packets conns requests drops excess"
expect x "slotguard top --level s" "source subnet"
expect x "slotguard run --log-format " "text json"
expect x "slotguard ban add 192.0.2.1 --for " ""
verdict completion-option-values

# Interface names: what this host has (lo at least), nothing else.
got=$(comp "slotguard run -i ")
have=$(ls /sys/class/net)
bad=
for i in $got; do
	grep -qx -- "$i" <<<"$have" || bad+=" $i"
done
if [ -z "$bad" ] && [[ " $got " == *" lo "* ]]; then
	good=1
else
	good=0
fi
check completion-interfaces "'slotguard run -i ' gave '$got' (not interfaces here:$bad)" \
	[ "$good" = 1 ]

expect x "slotguard allow replace $TMP/allow" "$TMP/allow-new.txt"
expect x "slotguard config check $TMP/sg." "$TMP/sg.conf"
expect x "slotguard run -c $TMP/sg." "$TMP/sg.conf"
expect x "slotguard deny replace $TMP/also.l" "$TMP/also.list"
expect x "slotguard ban del $TMP/al" ""
expect x "slotguard replay -c $TMP/sg.conf $TMP/also.l" "$TMP/also.list"
expect x "slotguard replay --allow-check $TMP/allow-" "$TMP/allow-new.txt"
verdict completion-files

expect x "slotguard set show -c $TMP/sg.conf " "partners hosting"
expect x "slotguard -c $TMP/sg.conf set replace h" "hosting"
expect x "slotguard set del -c $TMP/sg.conf p" "partners"
expect x "slotguard -c $TMP/sg.conf set replace hosting $TMP/sg." "$TMP/sg.conf"
verdict completion-set-names

expect x "slotguard profile activate -c $TMP/sg.conf " "release-window"
expect x "slotguard profile show --config=$TMP/sg.conf r" "release-window"
verdict completion-profile-names

# Without -c, the default config (here a stand-in for
# /etc/slotguard/slotguard.conf).
expect x "slotguard set show " "from-default"
expect x "slotguard profile activate " "night"
verdict completion-default-config
exit 0
