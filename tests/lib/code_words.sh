# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# What the code says the command line and the config file are, read from
# the sources' own tables (not from a list kept by hand), for the tests
# that hold the manuals and the completion to it (sourced):
#   code_objects       objects of main.c's dispatch table
#   code_commands      "OBJECT COMMAND", or "OBJECT" for an object without
#                      commands, from each object's struct sg_cmd table
#   code_long_options  every long option of loader/cli's struct option tables
#   code_conf_keys     "SECTION KEY" from the struct sg_conf_key tables

CODE_ROOT=${CODE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# _code_table FILE... : the first string of each { "name", ... } entry of
# every static table of struct TYPE ($CODE_TYPE) in FILE, as "TABLE name".
_code_table() {
	awk -v type="$CODE_TYPE" '
		$0 ~ "struct " type " [a-z_0-9]+\\[[A-Z_]*\\] = \\{" {
			name = $0
			sub(".*struct " type " ", "", name)
			sub("\\[.*", "", name)
			in_table = 1
			next
		}
		in_table && /^};/ { in_table = 0 }
		in_table {
			line = $0
			while (match(line, /\{ *"[^"]+"/)) {
				word = substr(line, RSTART, RLENGTH)
				sub(/^\{ *"/, "", word)
				sub(/"$/, "", word)
				print name, word
				line = substr(line, RSTART + RLENGTH)
			}
		}' "$@"
}

# code_objects : one object per line.
code_objects() {
	CODE_TYPE=sg_cmd _code_table "$CODE_ROOT/loader/cli/main.c" |
		awk '$1 == "objects" { print $2 }'
}

# _code_object_fn OBJECT : the function main.c's table runs for OBJECT.
_code_object_fn() {
	sed -n "s/.*{ *\"$1\", *\\([a-z_0-9]*\\),.*/\\1/p" "$CODE_ROOT/loader/cli/main.c" |
		head -n 1
}

# code_commands : "OBJECT COMMAND" per line (or "OBJECT" alone). An
# object's commands are the struct sg_cmd tables of the file that defines
# its function.
code_commands() {
	local obj fn file cmds
	for obj in $(code_objects); do
		fn=$(_code_object_fn "$obj")
		file=$(grep -l "^int $fn(" "$CODE_ROOT"/loader/cli/*.c "$CODE_ROOT"/loader/cli/verbs/*.c | head -n 1)
		cmds=
		[ -n "$file" ] && cmds=$(CODE_TYPE=sg_cmd _code_table "$file" |
			awk '{ print $2 }')
		if [ -z "$cmds" ]; then
			echo "$obj"
		else
			awk -v o="$obj" '{ print o, $0 }' <<<"$cmds"
		fi
	done
}

# code_long_options : every long option name the CLI knows, once, sorted.
code_long_options() {
	grep -ho '{ *"[a-z][a-z0-9-]*", *\(no\|required\|optional\)_argument' \
		"$CODE_ROOT"/loader/cli/*.c "$CODE_ROOT"/loader/cli/verbs/*.c | sed 's/{ *"\([^"]*\)".*/\1/' | sort -u
}

# code_conf_keys : "SECTION KEY" per line, sorted. The sections are the
# names config*.c gives the SG_SEC_* values; the keys, the tables that
# sg_conf_keys[] maps each SG_SEC_* to.
code_conf_keys() {
	local core=$CODE_ROOT/loader/core
	declare -A sec_name=()
	local sec name table
	while read -r sec name; do
		sec_name[$sec]=$name
	done < <(grep -ho '\[SG_SEC_[A-Z_0-9]*\] = "[a-z_0-9]*"' "$core"/*.c |
		sed 's/\[\(SG_SEC_[A-Z_0-9]*\)\] = "\(.*\)"/\1 \2/')
	# sg_conf_keys[] = { [SG_SEC_X] = table, ... }
	while read -r sec table; do
		name=${sec_name[$sec]:-?$sec}
		CODE_TYPE=sg_conf_key _code_table "$core"/*.c |
			awk -v t="$table" -v s="$name" '$1 == t { print s, $2 }'
	done < <(awk '/sg_conf_keys\[[A-Z_]*\] = \{/ { on = 1; next }
		on && /^};/ { on = 0 }
		on' "$core"/*.c |
		grep -o '\[SG_SEC_[A-Z_0-9]*\] = [a-z_0-9]*' |
		sed 's/\[\(.*\)\] = \(.*\)/\1 \2/') | sort -u
}
