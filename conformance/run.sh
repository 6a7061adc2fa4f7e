#!/usr/bin/env bash
# run.sh: the conformance matrix. Brings up each target on this machine,
# runs the same suites against each, writes one CSV per target, then the
# matrix and the differential summary (conformance/matrix.sh).
#
#   conformance/run.sh [-t "reftarget tgt lio"] [-s "cu tools guest"]
#                      [-f REGEX] [-o RESULTS_DIR] [-r REFERENCE_DIR]
#
#   -t  targets (conformance/targets/<name>.sh), in column order; a
#       reftarget flavour is reftarget:<flavour> (targets/reftarget.sh)
#   -s  suites: cu (libiscsi iscsi-test-cu, per test), tools (libiscsi
#       tools), guest (open-iscsi in a QEMU guest; host targets only)
#   -f  grep -E filter on iscsi-test-cu test names (default: all 230)
#   -o  where <target>.csv, <target>.meta, matrix.csv and summary.md go
#       (default conformance/results)
#   -r  results of a previous full run, used for a target not run now
#       (the fast subset in `make test` compares with the recorded LIO
#       column this way)
#
# Everything runs inside a loopback-only network namespace
# (tools/netns-run.sh): targets listen on 127.0.0.1, the LIO guest is
# reached by hostfwd only. Exit status: non-zero when a target failed to
# start, or reftarget differs from LIO in a way that
# conformance/expected-differences.md does not list.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${RT_IN_NETNS:-}" != 1 ]; then
	# Guest images need Debian's package registry: build (or find cached)
	# them here, on the host's network, before the loopback-only namespace
	# where nothing but 127.0.0.1 can be reached. The image scripts are
	# idempotent and print their cache directory.
	want_t="reftarget tgt lio" want_s="cu tools guest"
	for ((i = 1; i <= $#; i++)); do
		case "${!i}" in
		-t) j=$((i + 1)); want_t=${!j} ;;
		-s) j=$((i + 1)); want_s=${!j} ;;
		esac
	done
	case " $want_t " in *" lio"*) "$HERE/guest/lio-image.sh" >/dev/null ;; esac
	case " $want_s " in *" guest "*) "$HERE/guest/initiator-image.sh" >/dev/null ;; esac
	exec "$HERE/../tools/netns-run.sh" "$HERE/run.sh" "$@"
fi
. "$HERE/lib.sh"

targets="reftarget tgt lio"
suites="cu tools guest"
filter=.
out=$CONF_DIR/results
reference=
while getopts "t:s:f:o:r:" opt; do
	case "$opt" in
	t) targets=$OPTARG ;;
	s) suites=$OPTARG ;;
	f) filter=$OPTARG ;;
	o) out=$OPTARG ;;
	r) reference=$OPTARG ;;
	*) sed -n '2,22p' "$0" >&2; exit 2 ;;
	esac
done
mkdir -p "$out" "$CONF_WORK"

# The skip counter (cu_skip.c) is built here so that the scripts work from
# a clean clone without a make target in between.
shim=$BUILD/conformance/cu_skip.so
if [ ! -f "$shim" ] || [ "$CONF_DIR/cu_skip.c" -nt "$shim" ]; then
	mkdir -p "$(dirname "$shim")"
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -shared -fPIC \
		-o "$shim" "$CONF_DIR/cu_skip.c" -ldl
fi

versions() {
	echo "libiscsi=$(dpkg-query -W -f='${Version}' libiscsi-bin 2>/dev/null || echo unknown)"
	case "${1%%-*}" in
	tgt) echo "version=tgt $(tgtd -V 2>&1 | head -n 1)" ;;
	lio) echo "version=linux $(cat "$CONF_CACHE/lio/kernel-version" 2>/dev/null || echo unknown)" ;;
	reftarget) echo "version=reftarget $(git -C "$CONF_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" ;;
	esac
}

# run_target SPEC: start, run every suite, stop; results into $out. SPEC is
# a target name, or name:flavour (reftarget:thin), whose column is
# name-flavour.
run_target() {
	local t=${1/:/-} script=${1%%:*} flavour= s rc=0 t0=$SECONDS
	[ "$1" = "$script" ] || flavour=${1#*:}
	local work=$CONF_WORK/$t target=$CONF_DIR/targets/$script.sh
	rm -rf "$work"
	mkdir -p "$work"
	conf_log "== $t: starting"
	if ! "$target" start "$work" $flavour; then
		"$target" stop "$work" || true
		conf_log "== $t: did not start"
		{ echo "target=$t"; echo "status=did-not-start"; } >"$out/$t.meta"
		return 1
	fi
	# Stop what we started even when a suite dies or we are interrupted.
	trap '"'"$target"'" stop "'"$work"'" || true' EXIT
	for s in $suites; do
		conf_log "== $t: suite $s"
		case "$s" in
		cu) "$CONF_DIR/suites/libiscsi-cu.sh" "$work" "$work/cu.csv" "$filter" || rc=1 ;;
		tools) "$CONF_DIR/suites/libiscsi-tools.sh" "$work" "$work/tools.csv" || true ;;
		guest) "$CONF_DIR/suites/open-iscsi-guest.sh" "$work" "$work/guest.csv" || true ;;
		*) conf_die "unknown suite $s" ;;
		esac
	done
	"$target" stop "$work" || true
	trap - EXIT
	{
		echo "test,result,seconds,detail"
		for s in $suites; do
			if [ -f "$work/$s.csv" ]; then tail -n +2 "$work/$s.csv"; fi
		done
	} >"$out/$t.csv"
	{
		echo "target=$t"
		echo "status=$([ $rc = 0 ] && echo ran || echo suite-error)"
		echo "wall_seconds=$((SECONDS - t0))"
		[ -f "$work/boot-seconds" ] && echo "boot_seconds=$(cat "$work/boot-seconds")"
		echo "suites=$suites"
		echo "filter=$filter"
		echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		versions "$t"
	} >"$out/$t.meta"
	conf_log "== $t: done in $((SECONDS - t0))s"
	return $rc
}

status=0
for t in $targets; do
	run_target "$t" || status=1
done
matrix_args=(-o "$out")
[ -n "$reference" ] && matrix_args+=(-r "$reference")
# The matrix always has the three columns, in this order; a target not run
# now is filled from the reference run, if any.
columns=$(printf '%s\n' reftarget tgt lio ${targets//:/-} | awk '!seen[$0]++' | tr '\n' ' ')
"$CONF_DIR/matrix.sh" "${matrix_args[@]}" $columns || status=1
exit $status
