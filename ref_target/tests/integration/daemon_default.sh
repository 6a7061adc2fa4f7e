#!/usr/bin/env bash
# daemon_default.sh: reftarget with no arguments serves the embedded default
# (127.0.0.1:3260, iqn.2026-11.org.iscsi-sim:ref, one 1 GiB RAM LUN, open
# access) to libiscsi's tools, and stops cleanly on SIGTERM. It prints the
# URLs it really serves once it listens (the port it bound, IPv6 in
# brackets, loopback for a wildcard portal), says which port it took when
# --portal names none, and refuses a --portal it cannot parse with exit 2.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2026-11.org.iscsi-sim:ref
URL=iscsi://127.0.0.1:3260
LU=$URL/$IQN/0
if start default; then
	check "iscsi-ls finds the default target and its LUN" bash -c \
		"iscsi-ls -s $URL | tee /dev/stderr | grep -q '$IQN' &&
		 iscsi-ls -s $URL | grep -q 'Lun:0'"
	check "iscsi-inq reads the standard INQUIRY" bash -c \
		"iscsi-inq $LU | tee /dev/stderr | grep -qi 'peripheral device type.*direct'"
	check "iscsi-inq reads the unit serial number page" iscsi-inq -e 1 -c 0x80 "$LU"
	check "the LU holds 1 GiB" bash -c "[ \$(iscsi-readcapacity16 -s $LU) = 1073741824 ]"
	check "blocks are 512 bytes" bash -c "iscsi-readcapacity16 $LU | grep -q 'LOGICAL BLOCK LENGTH IN BYTES:512'"
	refuse "an unknown target is refused" iscsi-inq "$URL/iqn.2026-11.org.iscsi-sim:nope/0"
	check "the default prints its portal and LU URL" diff <(printf '%s\n' \
		"portal 127.0.0.1:3260: $URL" "$LU") "$T/default.out"
	stop "$PID" 10
	check "SIGTERM when idle exits 0" test "$RC" = 0
	check "the log has no errors" bash -c "! grep -q 'ERROR' '$LAST_LOG'"
	check "the engine returned all its memory" bash -c "! grep -q 'not returned at exit' '$LAST_LOG'"
fi

# urls NAME: the URL lines daemon NAME printed on stdout.
urls() { grep '^iscsi://' "$T/$1.out"; }

# The printed URL is the one that works: the port given, not 3260; printed
# while the target runs (flushed, not held until exit).
if start port --portal 127.0.0.1:3610; then
	check "a given port is the one printed" diff <(printf '%s\n' \
		"portal 127.0.0.1:3610: iscsi://127.0.0.1:3610" "iscsi://127.0.0.1:3610/$IQN/0") "$T/port.out"
	check "the printed URL answers" bash -c "iscsi-inq \$(grep '^iscsi://.*/0\$' '$T/port.out')"
	refuse "nothing listens on 3260" iscsi-ls -s "$URL"
	stop "$PID" 10
fi

# No port: the well-known one, and the log says so.
if start noport --portal 127.0.0.1; then
	check "no port given: the log says 3260 was taken" log_has noport \
		"INFO  portal 127.0.0.1:3260 (no port given: 3260, the RFC 7143 well-known port)"
	check "no port given: the URL names 3260" bash -c "[ \"\$(grep '^iscsi://' '$T/noport.out')\" = '$LU' ]"
	check "no port given: the URL answers" iscsi-inq "$LU"
	stop "$PID" 10
fi
if start portgiven --portal 127.0.0.1:3611; then
	check "a port given: no 'no port given' line" bash -c "! grep -q 'no port given' '$T/portgiven.log'"
	stop "$PID" 10
fi

# A wildcard portal says it listens everywhere and names loopback to use here.
if start wild --portal 0.0.0.0:3612 --portal '[::]:3613'; then
	check "0.0.0.0 is printed as every IPv4 address" grep -qxF \
		"portal 0.0.0.0:3612 listens on every IPv4 address of this host; from this host: iscsi://127.0.0.1:3612" \
		"$T/wild.out"
	check "[::] is printed as every IPv6 address" grep -qxF \
		"portal [::]:3613 listens on every IPv6 address of this host; from this host: iscsi://[::1]:3613" \
		"$T/wild.out"
	check "the wildcard URLs are loopback ones" diff <(printf '%s\n' \
		"iscsi://127.0.0.1:3612/$IQN/0" "iscsi://[::1]:3613/$IQN/0") <(urls wild)
	check "the IPv4 wildcard URL answers" iscsi-inq "iscsi://127.0.0.1:3612/$IQN/0"
	check "the IPv6 wildcard URL answers" iscsi-inq "iscsi://[::1]:3613/$IQN/0"
	stop "$PID" 10
fi

# -q: errors only, and no URLs either (no "ready" line to wait for: the
# first INQUIRY that answers says it listens).
LAST_LOG=$T/quiet.log
"$REFTARGET" --state-dir "$T/state-quiet" -q --portal 127.0.0.1:3615 >"$T/quiet.out" 2>"$LAST_LOG" &
PID=$!
PIDS+=("$PID")
check "-q still serves" bash -c \
	"for i in \$(seq 50); do iscsi-inq iscsi://127.0.0.1:3615/$IQN/0 >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1"
check "-q prints no URL" test ! -s "$T/quiet.out"
stop "$PID" 10

# Several LUNs through an IPv6 portal: one bracketed URL per LUN.
if start v6 --portal '[::1]:3614' --target iqn.2026-11.org.sim:six --lun ram:1M --lun ram:2M; then
	check "IPv6 URLs in brackets, one per LUN" diff <(printf '%s\n' \
		"iscsi://[::1]:3614/iqn.2026-11.org.sim:six/0" "iscsi://[::1]:3614/iqn.2026-11.org.sim:six/1") \
		<(urls v6)
	check "the second LUN's URL answers" bash -c \
		"[ \$(iscsi-readcapacity16 -s 'iscsi://[::1]:3614/iqn.2026-11.org.sim:six/1') = 2097152 ]"
	stop "$PID" 10
fi

# bad_portal VALUE WHY: refused as a usage error (exit 2), saying why,
# before listening and without printing a URL.
bad_portal() {
	local rc
	LAST_LOG=$T/bad.log
	"$REFTARGET" --state-dir "$T/state-bad" --portal "$1" >"$T/bad.out" 2>"$LAST_LOG"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "ERROR --portal '$1': $2" "$LAST_LOG" && ! grep -q "listening" "$LAST_LOG" &&
		[ ! -s "$T/bad.out" ]; then
		pass "--portal '$1' is refused with exit 2"
	else
		echo "    exit $rc, want 2 and: --portal '$1': $2"
		fail "--portal '$1' is refused with exit 2"
	fi
}
bad_portal 127.0.0.1:0 "port must be 1..65535"
bad_portal 127.0.0.1:70000 "port must be 1..65535"
bad_portal 127.0.0.1: "port must be 1..65535"
bad_portal junk "'junk' is not an IPv4 address or a bracketed IPv6 address"
bad_portal ::1 "':' is not an IPv4 address or a bracketed IPv6 address"
bad_portal '[::1' "expected [IPv6]:port"
# The command line itself: --help prints the options and exits 0; an
# unknown option, a stray argument and a 17th --lun are usage errors
# (exit 2) that say why; -v, --chap and --mutual-chap pass --check.
# usage_refused WANT ARGS...: exit 2 and WANT on stderr
# shellcheck disable=SC2317 # called through check
usage_refused() {
	local want=$1 rc
	shift
	"$REFTARGET" --state-dir "$T/state-usage" "$@" >"$T/usage.out" 2>"$T/usage.log"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$T/usage.log"; then return 0; fi
	echo "exit $rc:"
	cat "$T/usage.log"
	return 1
}
check "--help prints the options and exits 0" bash -c "'$REFTARGET' --help | grep -q -- '--mutual-chap USER:SECRET'"
check "an unknown option is a usage error" usage_refused "reftarget: unknown option" --no-such-flag
check "a stray argument is a usage error" usage_refused "reftarget: unexpected argument 'stray'" stray
LUNS=()
for _ in $(seq 17); do LUNS+=(--lun ram:1M); done
check "a 17th --lun is a usage error" usage_refused "too many --lun flags (16 at most)" "${LUNS[@]}"
check "-v, --chap and --mutual-chap are accepted" "$REFTARGET" --state-dir "$T/state-usage" -v --check \
	--chap user:secret-1234567 --mutual-chap target:secret-7654321 --lun ram:1M
summary
