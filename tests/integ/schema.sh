#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# One JSON vocabulary (docs/JSON.md): every command that takes --json, and
# every line of `run --log-format json`, is validated against its
# definition in docs/slotguard.schema.json with Debian's python3-jsonschema.
# A command that takes --json without a definition fails the test. Under
# the journal (JOURNAL_STREAM naming stderr), lines start with their syslog
# priority and carry no time of their own.
. "$(dirname "$0")/../lib/integ.sh"
. "$(dirname "$0")/../lib/code_words.sh"

SCHEMA=$LAB_ROOT/docs/slotguard.schema.json
CHECK=$LAB_ROOT/tests/lib/schema_check.py
# "WORDS|DEFINITION": the documents checked, with the arguments to get them.
DOCS=("status|status" "stats|stats" "stats --interval 0.3 --count 2|stats --lines"
	"top|top" "top -n 2 --level source --by excess|top" "top --sets|top_sets"
	"allow list|list" "deny list|list" "set list|set_list" "set show hosting|list"
	"ban list|ban_list" "ban list --all|ban_list" "version|version"
	"config check @GOOD@|config_check" "config check @BAD@|config_check"
	"explain 10.200.99.7|explain" "explain 10.200.96.5|explain"
	"explain fd00:5a:98::1|explain" "explain 10.200.97.7|explain"
	"replay -c @GOOD@ @PCAP@|replay"
	"replay -c @GOOD@ -c @GOOD@ --allow-check @ALLOW@ @PCAP@|replay"
	"profile list|profile_list" "profile show release|profile")
schema_name() { echo "schema-$(tr -s ' -@' '-' <<<"${1%%|*}" | sed 's/-$//')"; }
TESTS=(schema-every-json-command-has-a-definition)
for d in "${DOCS[@]}"; do
	TESTS+=("$(schema_name "$d")")
done
TESTS+=(schema-log-events schema-log-event-kinds schema-journal-text
	schema-journal-json schema-no-journal-timestamps)

if ! why=$(lab_prereq); then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi
if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	skip_all "needs python3-jsonschema (make deps)" "${TESTS[@]}"
	exit 0
fi
if ! lab_run_ready; then
	skip_all "slotguard run is not in this build" "${TESTS[@]}"
	exit 0
fi
lab_up people bot || { fail schema-lab "the lab did not come up"; exit 1; }
printf '10.200.245.0/24\n' >"$LAB_TMP/hosting.txt"
CONF_BAN_TIME=2s lab_conf "$LAB_TMP/sg.conf" "[set hosting]
file = $LAB_TMP/hosting.txt
action = limit
conn_rate = 100/s

[profile release]
days = mon-sun
start = 07:55
end = 08:30
timezone = Europe/Madrid
conn_rate = 1/s"
sed 's/^conn_rate = 5\/s$/conn_rate = fast/' "$LAB_TMP/sg.conf" >"$LAB_TMP/bad.conf"
# A capture for replay (bots banned, a set hit), and people to check.
"$BUILD/tools/sg_pcapgen" -o "$LAB_TMP/cap.pcap" -n 3000 --port "$LAB_PORT"
printf '10.10.1.2\n192.0.2.0/24\n' >"$LAB_TMP/people.txt"
sg_run_daemon "$LAB_TMP/sg.conf" --log-format json || { fail schema-daemon "slotguard run did not start"; exit 1; }

# Something in every table and every kind of log event: a ban of the
# program's own (which ends after 2 s: an unban), manual changes, entries.
traffic people --count 5 --rate 20/s >/dev/null
traffic bot --count 100 --rate 200/s >/dev/null
sg ban add 10.200.99.0/24 --for 5m --reason schema-test >/dev/null
sg allow add 10.200.98.0/24 fd00:5a:98::/48 >/dev/null
sg deny add 10.200.97.7 >/dev/null
sg set add hosting 10.200.96.0/24 >/dev/null

# Which commands take --json: those whose getopt does not refuse it.
why=
while read -r cmd; do
	err=$(sg $cmd --json 2>&1 >/dev/null)
	[[ $err == *"unknown option '--json'"* ]] && continue
	found=
	for d in "${DOCS[@]}"; do
		w=${d%%|*}
		[[ $w == "$cmd" || $w == "$cmd "* ]] && found=1
	done
	[ -n "$found" ] || why+="'$cmd' takes --json but has no definition here; "
done < <(code_commands)
check schema-every-json-command-has-a-definition "$why" [ -z "$why" ]

for d in "${DOCS[@]}"; do
	words=${d%%|*} def=${d#*|}
	words=${words//@GOOD@/$LAB_TMP/sg.conf}
	words=${words//@BAD@/$LAB_TMP/bad.conf}
	words=${words//@PCAP@/$LAB_TMP/cap.pcap}
	words=${words//@ALLOW@/$LAB_TMP/people.txt}
	# shellcheck disable=SC2086 # words and options split on purpose
	sg $words --json >"$LAB_TMP/doc.json" 2>"$LAB_TMP/doc.err"
	rc=$?
	read -r dname dopt <<<"$def"
	out=$("$CHECK" "$SCHEMA" "$dname" "$LAB_TMP/doc.json" $dopt 2>&1)
	want_rc=0
	[[ $words == *bad.conf ]] && want_rc=2
	if [ "$rc" = "$want_rc" ] && [ -z "$out" ]; then
		pass "$(schema_name "$d")"
	else
		fail "$(schema_name "$d")" "slotguard $words --json: exit $rc (want $want_rc); $out; output $(head -c 200 "$LAB_TMP/doc.json")"
	fi
done

# ---- the log: every line, each kind of event at least once
wait_until 8 grep -q '"event":"unban"' "$SG_DAEMON_LOG"
sg reload >/dev/null 2>&1
out=$("$CHECK" "$SCHEMA" log_event "$SG_DAEMON_LOG" --lines 2>&1)
check schema-log-events "$out" [ -z "$out" ]
why=
for kind in '"msg":' '"event":"ban"' '"event":"unban"' '"event":"manual_change"'; do
	grep -q "$kind" "$SG_DAEMON_LOG" || why+="no $kind line; "
done
check schema-log-event-kinds "$why in $(head -c 300 "$SG_DAEMON_LOG")" [ -z "$why" ]
sg_stop_daemon TERM

# ---- the journal: JOURNAL_STREAM names the log file (as systemd would
# name its stream), lines carry <priority> and no time; a refused reload
# (error) and a key waiting for a restart (warning) show both kinds.
# journal_run FORMAT : a daemon whose stderr the environment calls the
# journal; a warning and an error provoked; the log in $SG_DAEMON_LOG.
journal_run() {
	local log=$LAB_TMP/daemon.$((LAB_DAEMON_RUNS + 1)).log
	: >"$log"
	export JOURNAL_STREAM
	JOURNAL_STREAM=$(stat -c '%d:%i' "$log")
	sg_run_daemon "$LAB_TMP/sg.conf" --log-format "$1"
	unset JOURNAL_STREAM
	cp "$LAB_TMP/sg.conf" "$LAB_TMP/sg.conf.keep"
	sed -i 's/^max_tracked_sources = .*/max_tracked_sources = 32768/' "$LAB_TMP/sg.conf"
	sg reload >/dev/null 2>&1
	cp "$LAB_TMP/bad.conf" "$LAB_TMP/sg.conf"
	sg reload >/dev/null 2>&1
	cp "$LAB_TMP/sg.conf.keep" "$LAB_TMP/sg.conf"
	sg_stop_daemon TERM
}
journal_run text
bad=$(grep -v -E '^<[346]>(info|warning|error|ban|ban_escalated|would_ban|limited|unban): ' "$SG_DAEMON_LOG" | head -3)
if [ -s "$SG_DAEMON_LOG" ] && [ -z "$bad" ] && grep -q '^<4>warning: reload: \[slotguard\] max_tracked_sources' "$SG_DAEMON_LOG" &&
	grep -q '^<3>error: reload refused: ' "$SG_DAEMON_LOG" && grep -q '^<6>info: running' "$SG_DAEMON_LOG"; then
	pass schema-journal-text
else
	fail schema-journal-text "lines without '<N>level: ' or without the warning/error lines: ${bad:-none}; log: $(head -c 400 "$SG_DAEMON_LOG")"
fi
journal_run json
out=$("$CHECK" "$SCHEMA" log_event "$SG_DAEMON_LOG" --lines 2>&1)
mismatch=$(grep -v -E '^<3>\{"level":"error"|^<4>\{"level":"warning"|^<6>\{"level":"info"' "$SG_DAEMON_LOG" | head -3)
if [ -s "$SG_DAEMON_LOG" ] && [ -z "$out" ] && [ -z "$mismatch" ] && grep -q '^<3>' "$SG_DAEMON_LOG"; then
	pass schema-journal-json
else
	fail schema-journal-json "schema: ${out:-ok}; lines whose priority and level differ (or that have a time): ${mismatch:-none}; log: $(head -c 400 "$SG_DAEMON_LOG")"
fi
# JOURNAL_STREAM inherited but stderr elsewhere: the usual lines.
export JOURNAL_STREAM=1:1
sg_run_daemon "$LAB_TMP/sg.conf"
unset JOURNAL_STREAM
sg_stop_daemon TERM
check schema-no-journal-timestamps "with a JOURNAL_STREAM that is not stderr: $(head -c 200 "$SG_DAEMON_LOG")" \
	grep -q -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z slotguard info: running' "$SG_DAEMON_LOG"
exit 0
