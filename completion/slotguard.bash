# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bash completion for slotguard(8): objects, commands, options, interface
# names, file names where a file is expected, and set and profile names
# (the [set NAME] and [profile NAME] sections of the config file given with
# -c on the line, else of /etc/slotguard/slotguard.conf). Needs the
# bash-completion package; installed as .../bash-completion/completions/slotguard.

# Objects that exist, and the commands of those that have commands.
_slotguard_objects='run allow deny ban set stats top status explain replay config reload apply profile version help'
declare -A _slotguard_commands=(
	[allow]='add del list replace flush help'
	[deny]='add del list replace flush help'
	[ban]='add del flush list help'
	[config]='check help'
	[set]='list show add del replace flush help'
	[profile]='list show activate auto help'
)
# Long options by "object" or "object command"; the global ones go everywhere.
declare -A _slotguard_options=(
	[run]='--config --interface --state-dir --monitor --enforce --log-format --metrics-optional'
	[reload]='--timeout'
	[apply]='--config --confirm-within --confirm --cancel --timeout'
	[stats]='--json --interval --count'
	[top]='--limit --by --level --shared --sets --json'
	[status]='--json'
	[explain]='--service --json'
	[replay]='--config --allow-check --top --json'
	[version]='--json'
	[allow list]='--json'
	[deny list]='--json'
	[ban add]='--for --reason --replace --local'
	[ban list]='--json --all'
	[ban flush]='--all'
	[config check]='--json --skip-host-checks'
	[set list]='--json'
	[set show]='--json'
	[set add]='--file'
	[profile list]='--json'
	[profile show]='--json'
)
_slotguard_global_options='--pin-dir --verbose --help'
# Options that take a value (the next word is not an argument).
_slotguard_valued='--pin-dir|-c|--config|-w|--confirm-within|-i|--interface|--state-dir|--log-format|--for|--reason|--interval|--count|-n|--limit|-b|--by|-l|--level|-f|--file|-t|--timeout|-a|--allow-check|--top'
# The config file read for set and profile names when -c is not given.
_slotguard_conf_default=${_slotguard_conf_default:-/etc/slotguard/slotguard.conf}

# _slotguard_words WORDS : COMPREPLY = the WORDS that start with $cur.
_slotguard_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# _slotguard_sections TYPE FILE : the NAMEs of the [TYPE NAME] sections.
_slotguard_sections()
{
	[[ -r $2 ]] || return 0
	sed -n "s/^[[:space:]]*\\[[[:space:]]*$1[[:space:]]\\{1,\\}\\([^][:space:]]\\{1,\\}\\)[[:space:]]*\\].*/\\1/p" "$2"
}

# _slotguard_value OBJECT OPTION : complete the value of OPTION.
_slotguard_value()
{
	case $2 in
	--pin-dir | --state-dir) _filedir -d ;;
	-c | --config) [[ $1 == stats ]] || _filedir ;;
	-i | --interface) [[ $1 == stats ]] || _available_interfaces ;;
	--log-format) _slotguard_words 'text json' ;;
	-b | --by) _slotguard_words 'packets conns requests drops excess' ;;
	-f | --file | -a | --allow-check) _filedir ;;
	-l | --level) _slotguard_words 'source subnet all' ;;
	esac
}

# _slotguard_args OBJECT COMMAND N CONF : complete the Nth argument (from 0).
_slotguard_args()
{
	case "$1 $2 $3" in
	'allow replace 0' | 'deny replace 0' | 'config check 0' | 'set replace 1')
		_filedir
		;;
	'set show 0' | 'set add 0' | 'set del 0' | 'set replace 0' | 'set flush 0')
		_slotguard_words "$(_slotguard_sections set "$4")"
		;;
	'replay  '*) # the capture
		_filedir
		;;
	'profile show 0' | 'profile activate 0')
		_slotguard_words "$(_slotguard_sections profile "$4")"
		;;
	esac
}

_slotguard()
{
	# split: set by _init_completion -s, which turns --opt=value into
	# prev=--opt and cur=value.
	# shellcheck disable=SC2034
	local cur prev words cword split
	_init_completion -s || return

	local i w obj='' cmd='' nargs=0 conf=$_slotguard_conf_default
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == @($_slotguard_valued) ]]; then
			[[ $w == -c || $w == --config ]] && [[ $obj != stats ]] &&
				conf=${words[i + 1]}
			((i++))
		elif [[ $w == --config=* ]]; then
			conf=${w#--config=}
		elif [[ $w == -* ]]; then
			:
		elif [[ -z $obj ]]; then
			obj=$w
		elif [[ -z $cmd && -n ${_slotguard_commands[$obj]-} ]]; then
			cmd=$w
		else
			((nargs++))
		fi
	done
	# -c may also come after the word being completed.
	for ((i = cword + 1; i < ${#words[@]}; i++)); do
		[[ ${words[i]} == -c || ${words[i]} == --config ]] &&
			[[ $obj != stats ]] && conf=${words[i + 1]-}
	done

	if [[ $prev == @($_slotguard_valued) ]]; then
		_slotguard_value "$obj" "$prev"
		return
	fi
	if [[ $cur == -* ]]; then
		local opts=$_slotguard_global_options
		if [[ -z $obj ]]; then
			opts+=' --version'
		else
			opts+=" ${_slotguard_options[$obj]-} ${_slotguard_options[$obj $cmd]-}"
		fi
		_slotguard_words "$opts"
		return
	fi
	if [[ -z $obj ]]; then
		_slotguard_words "$_slotguard_objects"
	elif [[ -n ${_slotguard_commands[$obj]-} && -z $cmd ]]; then
		_slotguard_words "${_slotguard_commands[$obj]}"
	else
		_slotguard_args "$obj" "$cmd" "$nargs" "$conf"
	fi
}
complete -F _slotguard slotguard
