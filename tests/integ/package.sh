#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The Debian package: `make deb` (lintian clean), then its life in a
# throw-away root, an overlay of this machine's / in a private mount
# namespace, chrooted into, so the machine's own dpkg database and /etc are
# never touched: install of an older build, files, manuals, completion and
# the unit (systemd-analyze verify; systemd need not run), an upgrade with
# locally modified conffiles, remove, purge.
. "$(dirname "$0")/../lib/integ.sh"

TESTS=(make-install-destdir pkg-build pkg-lintian pkg-install pkg-files
	pkg-unit-verify pkg-upgrade pkg-conffiles pkg-remove pkg-purge
	pkg-host-untouched)
CONF_DIR=/etc/slotguard

# ---- inside the private mount namespace ----------------------------------

# in_root CMD... : CMD in the throw-away root.
in_root() { chroot "$ROOT" "$@"; }

# root_status : "Status Version" of the package in the throw-away root.
root_status() {
	# shellcheck disable=SC2016 # dpkg-query's own ${fields}
	in_root dpkg-query -W -f='${Status} ${Version}' slotguard 2>/dev/null
}

# shipped DEB PATH : the content of PATH as DEB ships it.
shipped() {
	dpkg-deb --fsys-tarfile "$1" | tar -xOf - ".$2"
}

# mount_root TMP : the overlay at $ROOT, with /dev, /proc and empty /run and
# /tmp (no /run/systemd/system: maintainer scripts call no systemctl).
mount_root() {
	mount -t tmpfs tmpfs "$1/ovl" &&
		mkdir "$1/ovl/upper" "$1/ovl/work" "$1/ovl/root" &&
		mount -t overlay overlay \
			-o "lowerdir=/,upperdir=$1/ovl/upper,workdir=$1/ovl/work" "$ROOT" &&
		mount --rbind /dev "$ROOT/dev" &&
		mount -t proc proc "$ROOT/proc" &&
		mount -t tmpfs tmpfs "$ROOT/run" &&
		mount -t tmpfs tmpfs "$ROOT/tmp"
}

# check_installed OLD_VERSION : pkg-install, pkg-files, pkg-unit-verify.
check_installed() {
	local ver=$1 out missing='' f unit
	out=$(in_root slotguard version 2>&1)
	if [ "$(root_status)" = "install ok installed $ver" ] &&
		[[ $out == "slotguard "* ]]; then
		good=1
	else
		good=0
	fi
	check pkg-install "status '$(root_status)', slotguard version: '$out'" \
		[ "$good" = 1 ]

	for f in /usr/sbin/slotguard /lib/systemd/system/slotguard.service \
		$CONF_DIR/slotguard.conf $CONF_DIR/allow.txt $CONF_DIR/deny.txt \
		/usr/share/slotguard/grafana-dashboard.json /usr/share/slotguard/alerts.yml \
		/usr/share/man/man8/slotguard.8.gz /usr/share/man/man5/slotguard.conf.5.gz \
		/usr/share/bash-completion/completions/slotguard; do
		[ -s "$ROOT$f" ] || missing+=" $f"
	done
	local conffiles manual completion enabled
	# shellcheck disable=SC2016 # dpkg-query's own ${fields}
	conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' slotguard | awk 'NF { print $1 }' |
		sort | paste -sd' ' -)
	manual=$(in_root env MANWIDTH=80 man -P cat slotguard.conf 2>&1 | grep -c '^ *\[ban\]')
	completion=$(in_root bash -c '. /usr/share/bash-completion/completions/slotguard &&
		complete -p slotguard' 2>&1)
	enabled=$(ls "$ROOT"/etc/systemd/system/*.wants/slotguard.service 2>/dev/null)
	if [ -z "$missing" ] &&
		[ "$conffiles" = "$CONF_DIR/allow.txt $CONF_DIR/deny.txt $CONF_DIR/slotguard.conf" ] &&
		[ "$manual" -ge 1 ] && [[ $completion == *"-F _slotguard slotguard"* ]] &&
		[ -z "$enabled" ]; then
		good=1
	else
		good=0
	fi
	check pkg-files "missing:${missing:- none}; conffiles '$conffiles'; man slotguard.conf [ban] lines: $manual; completion '$completion'; enabled at install: '${enabled:-no}'" \
		[ "$good" = 1 ]

	# The unit as installed, and a copy whose ExecStart names no program:
	# verify must accept the first and refuse the second.
	unit=/lib/systemd/system/slotguard.service
	out=$(in_root systemd-analyze verify "$unit" 2>&1)
	local rc=$? bad_rc
	sed 's|^ExecStart=.*|ExecStart=/usr/sbin/slotguard-missing run|' "$ROOT$unit" \
		>"$ROOT/tmp/broken.service"
	in_root systemd-analyze verify /tmp/broken.service >/dev/null 2>&1
	bad_rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ] && [ "$bad_rc" != 0 ] &&
		grep -q '^ExecStart=/usr/sbin/slotguard run -c /etc/slotguard/slotguard.conf$' "$ROOT$unit"; then
		good=1
	else
		good=0
	fi
	check pkg-unit-verify "verify: exit $rc '$out'; a broken copy: exit $bad_rc; ExecStart: $(grep '^ExecStart=' "$ROOT$unit")" \
		[ "$good" = 1 ]
}

# check_upgrade OLD NEW NEW_VERSION : a locally changed allow.txt (not
# changed by the package) and deny.txt (changed by the package too), an
# unchanged slotguard.conf (changed by the package), then the upgrade as
# an unattended one runs it (--force-confold).
check_upgrade() {
	local new=$2 ver=$3 out rc
	echo "192.0.2.55/32   # added on this gateway" >>"$ROOT$CONF_DIR/allow.txt"
	echo "203.0.113.66/32 # added on this gateway" >>"$ROOT$CONF_DIR/deny.txt"
	out=$(in_root dpkg -i --force-confold /tmp/new.deb 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ "$(root_status)" = "install ok installed $ver" ]; then
		good=1
	else
		good=0
	fi
	check pkg-upgrade "dpkg -i: exit $rc, status '$(root_status)': $(tail -n 5 <<<"$out")" \
		[ "$good" = 1 ]

	local why=
	grep -q '^192.0.2.55/32' "$ROOT$CONF_DIR/allow.txt" ||
		why+="allow.txt lost its local line; "
	grep -q '^203.0.113.66/32' "$ROOT$CONF_DIR/deny.txt" ||
		why+="deny.txt lost its local line; "
	[ "$(cat "$ROOT$CONF_DIR/deny.txt.dpkg-dist" 2>/dev/null)" = "$(shipped "$new" $CONF_DIR/deny.txt)" ] ||
		why+="no deny.txt.dpkg-dist with the new shipped file; "
	[ "$(cat "$ROOT$CONF_DIR/slotguard.conf")" = "$(shipped "$new" $CONF_DIR/slotguard.conf)" ] ||
		why+="slotguard.conf (not changed here) is not the new shipped one; "
	check pkg-conffiles "$why" [ -z "$why" ]
}

# check_remove_purge : remove keeps the conffiles, purge leaves nothing.
check_remove_purge() {
	local files out why=
	files=$(in_root dpkg -L slotguard | while read -r f; do
		[ -d "$ROOT$f" ] || echo "$f"
	done)
	out=$(in_root dpkg -r slotguard 2>&1) || why+="dpkg -r failed: $out; "
	[ "$(root_status)" = "deinstall ok config-files $VERSION_NEW" ] ||
		why+="status '$(root_status)'; "
	[ -e "$ROOT/usr/sbin/slotguard" ] && why+="the binary is still there; "
	grep -q '^192.0.2.55/32' "$ROOT$CONF_DIR/allow.txt" 2>/dev/null ||
		why+="the modified allow.txt is gone; "
	check pkg-remove "$why" [ -z "$why" ]

	why=
	out=$(in_root dpkg -P slotguard 2>&1) || why+="dpkg -P failed: $out; "
	[ -z "$(root_status)" ] || [[ $(root_status) == *not-installed* ]] ||
		why+="status '$(root_status)'; "
	[ -e "$ROOT$CONF_DIR" ] && why+="$CONF_DIR is left: $(ls -A "$ROOT$CONF_DIR" | paste -sd' ' -); "
	for f in $files; do
		[ -e "$ROOT$f" ] && why+="$f is left; "
	done
	ls "$ROOT"/var/lib/systemd/deb-systemd-helper-*/slotguard.service* >/dev/null 2>&1 &&
		why+="deb-systemd-helper state is left; "
	[ -n "$files" ] || why+="no files were checked; "
	check pkg-purge "${why}(files checked: $(wc -w <<<"$files"))" [ -z "$why" ]
}

inner() {
	local tmp=$1 old=$2 new=$3 out rc
	ROOT=$tmp/ovl/root
	if ! mount_root "$tmp"; then
		fail pkg-install "could not mount the throw-away root"
		return 1
	fi
	cp "$old" "$ROOT/tmp/old.deb" && cp "$new" "$ROOT/tmp/new.deb" || return 1
	# The copy starts without slotguard, whatever this machine has.
	in_root dpkg -P slotguard >/dev/null 2>&1
	rm -rf "${ROOT:?}$CONF_DIR"
	# man-db's trigger would rebuild the whole index at each step.
	rm -f "$ROOT/var/lib/man-db/auto-update"

	out=$(in_root dpkg -i /tmp/old.deb 2>&1)
	rc=$?
	[ "$rc" = 0 ] || note "dpkg -i of the older build: exit $rc: $out"
	check_installed "$VERSION_OLD"
	check_upgrade "$old" "$new" "$VERSION_NEW"
	check_remove_purge
}

if [ "${1:-}" = --in-root ]; then
	VERSION_OLD=$5 VERSION_NEW=$6
	inner "$2" "$3" "$4"
	exit 0
fi

# ---- outside: build, make the older build, run the inside ---------------

# make install into a DESTDIR: the manuals and the completion go with the
# binary, the unit names the binary where PREFIX put it.
check_make_install() {
	local d=$1/destdir why='' f
	make -C "$LAB_ROOT" --no-print-directory install BUILD="$BUILD" DESTDIR="$d" \
		PREFIX=/opt/sg >"$1/install.log" 2>&1 || why+="make install failed: $(tail -n 5 "$1/install.log"); "
	for f in /opt/sg/sbin/slotguard /opt/sg/share/man/man8/slotguard.8 \
		/opt/sg/share/man/man5/slotguard.conf.5 \
		/opt/sg/share/bash-completion/completions/slotguard \
		/etc/slotguard/slotguard.conf /lib/systemd/system/slotguard.service; do
		[ -s "$d$f" ] || why+="no $f; "
	done
	grep -q '^ExecStart=/opt/sg/sbin/slotguard run' "$d/lib/systemd/system/slotguard.service" 2>/dev/null ||
		why+="the unit does not run /opt/sg/sbin/slotguard; "
	check make-install-destdir "$why" [ -z "$why" ]
}

why=
[ "$(id -u)" = 0 ] || why="needs root (mounts a throw-away root)"
for c in unshare chroot dpkg-deb dpkg-buildpackage lintian git; do
	[ -n "$why" ] || command -v "$c" >/dev/null || why="needs $c (make deps)"
done
[ -n "$why" ] || grep -qw overlay /proc/filesystems || why="needs overlayfs"
if [ -n "$why" ]; then
	skip_all "$why" "${TESTS[@]}"
	exit 0
fi

TMP=$(mktemp -d /tmp/sgtest-pkg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/ovl"
check_make_install "$TMP"
host_before=$(dpkg-query -W -f='${Status} ${Version}' slotguard 2>/dev/null;
	ls -la --time-style=full-iso $CONF_DIR 2>/dev/null)

had_bin=no
[ -x "$SG_BIN" ] && had_bin=yes
make -C "$LAB_ROOT" --no-print-directory deb BUILD="$BUILD" >"$TMP/make-deb.log" 2>&1
rc=$?
DEB_DIR=$BUILD/deb
new=$(ls "$DEB_DIR"/slotguard_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
# The package is built in a copy: this tree's build/ must survive it.
kept=yes
[ $had_bin = yes ] && [ ! -x "$SG_BIN" ] && kept=no
if [ -n "$new" ] && [ $kept = yes ]; then
	good=1
else
	good=0
fi
check pkg-build "make deb: exit $rc, .deb '${new:-none}', $SG_BIN kept: $kept: $(tail -n 15 "$TMP/make-deb.log")" \
	[ "$good" = 1 ]
tags=$(grep -E '^[EW]: ' "$DEB_DIR/lintian.txt" 2>/dev/null)
if [ "$rc" = 0 ] && [ -s "$new" ] && [ -e "$DEB_DIR/lintian.txt" ] && [ -z "$tags" ]; then
	good=1
else
	good=0
fi
check pkg-lintian "make deb: exit $rc; lintian: ${tags:-$(tail -n 5 "$TMP/make-deb.log")}" \
	[ "$good" = 1 ]
if [ -z "$new" ]; then
	skip_all "no package was built" "${TESTS[@]:2}"
	exit 0
fi

# The older build: this package with a lower version, and the config and
# denylist an earlier release would have shipped.
VERSION_NEW=$(dpkg-deb -f "$new" Version)
VERSION_OLD="$VERSION_NEW~older1"
dpkg-deb -R "$new" "$TMP/old"
sed -i "s/^Version: .*/Version: $VERSION_OLD/" "$TMP/old/DEBIAN/control"
echo "# (the older build's config)" >>"$TMP/old$CONF_DIR/slotguard.conf"
echo "# (the older build's denylist)" >>"$TMP/old$CONF_DIR/deny.txt"
dpkg-deb --root-owner-group -b "$TMP/old" "$TMP/old.deb" >/dev/null

unshare -m --propagation private bash "$0" --in-root "$TMP" "$TMP/old.deb" "$new" \
	"$VERSION_OLD" "$VERSION_NEW"

host_after=$(dpkg-query -W -f='${Status} ${Version}' slotguard 2>/dev/null;
	ls -la --time-style=full-iso $CONF_DIR 2>/dev/null)
check pkg-host-untouched "this machine's slotguard package or $CONF_DIR changed: before '$host_before', after '$host_after'" \
	[ "$host_before" = "$host_after" ]
exit 0
