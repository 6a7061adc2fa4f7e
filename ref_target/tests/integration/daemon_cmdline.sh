#!/usr/bin/env bash
# daemon_cmdline.sh: reftarget's command line (ref_target/daemon/main.c).
# Every bad value or combination exits 2 before anything opens, with a
# message that names the flag and the value; the flags that only set
# options (--sync-io, --ctl, -v, -q, --help) are taken. --ctl as root
# creates /run/reftarget (0700): checked in a private mount namespace with
# a tmpfs on /run, so the machine's /run is not touched.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

# usage NAME WANT ARGS...: reftarget ARGS must exit 2 saying WANT on stderr
# (after "reftarget: " for the option parser, after "ERROR " for a quick
# flag's value), and listen on nothing.
usage() {
	local name=$1 want=$2 rc
	shift 2
	LAST_LOG=$T/usage.log
	timeout 10 "$REFTARGET" --state-dir "$T/state" "$@" >"$T/usage.out" 2>"$LAST_LOG"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" "$LAST_LOG" && ! grep -q "listening on" "$LAST_LOG"; then
		pass "$name"
	else
		echo "    exit $rc, want 2 and: $want"
		fail "$name"
	fi
}

seventeen() {
	local flag=$1 value=$2 i
	for i in $(seq 17); do printf '%s\n%s\n' "$flag" "${value//N/$i}"; done
}

usage "--lio-portal without = is refused" "reftarget: --lio-portal 10.0.2.15:3260: expected FROM=TO" \
	--lio-config x.json --lio-portal 10.0.2.15:3260
usage "--lio-dev with an empty FROM is refused" "reftarget: --lio-dev =/srv/x.img: expected FROM=TO" \
	--lio-config x.json --lio-dev =/srv/x.img
usage "--lio-dev with an empty TO is refused" "reftarget: --lio-dev /dev/ram0=: expected FROM=TO" \
	--lio-config x.json --lio-dev /dev/ram0=
mapfile -t MANY < <(seventeen --lio-dev "/dev/ramN=/srv/N.img")
usage "a 17th --lio-dev is refused" "reftarget: too many --lio-dev flags (16 at most)" --lio-config x.json "${MANY[@]}"
mapfile -t MANY < <(seventeen --portal "127.0.0.1:N")
usage "a 17th --portal is refused" "reftarget: too many --portal flags (16 at most)" "${MANY[@]}"
usage "--lio-portal needs --lio-config" "reftarget: --lio-portal needs --lio-config" --lio-portal a:1=b:2
usage "--lio-dev needs --lio-config" "reftarget: --lio-dev needs --lio-config" --lio-dev /dev/x=/srv/x
usage "--config and --lio-config do not mix" "reftarget: --config and --lio-config cannot be combined" \
	--config a.json --lio-config b.json
usage "a quick flag and --lio-config do not mix" "reftarget: --allow-target-reset cannot be combined with --lio-config" \
	--allow-target-reset --lio-config b.json
usage "an unknown option is refused" "reftarget: unknown option" --colour
usage "a stray argument is refused" "reftarget: unexpected argument 'extra'" --check extra
usage "a --mem-budget that is not a size is refused" "ERROR --mem-budget 'lots': expected a size such as 512M or 2G" \
	--mem-budget lots --check

LAST_LOG=$T/help.log
check "--help prints the options and exits 0" bash -c \
	"'$REFTARGET' --help >'$T/help.out' 2>'$LAST_LOG' && grep -q -- '--lio-portal FROM=TO' '$T/help.out'"
check "--sync-io, --mem-budget, --allow-target-reset and -q are taken (--check)" \
	"$REFTARGET" --state-dir "$T/state" --check --sync-io -q --mem-budget 64M --allow-target-reset --lun "file:$T/f.img:1M"
LAST_LOG=$T/verbose.log
check "-v logs debug lines, and --sync-io is said" bash -c \
	"'$REFTARGET' --state-dir '$T/state' --check -v --sync-io --lun 'file:$T/f.img:1M' 2>'$LAST_LOG' &&
	 grep -q 'DEBUG' '$LAST_LOG' && grep -q 'synchronous disk I/O, as --sync-io asks' '$LAST_LOG'"
if [ "$(id -u)" = 0 ]; then
	check "--ctl as root makes /run/reftarget (0700), in a private /run" \
		unshare -m -- bash -c "mount -t tmpfs tmpfs /run && '$REFTARGET' --state-dir '$T/state' --check --ctl &&
			[ \"\$(stat -c %a /run/reftarget)\" = 700 ]"
else
	echo "skip: --ctl as root (not root)"
fi
summary
