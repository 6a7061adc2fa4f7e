#!/usr/bin/env bash
# run.sh: the conformance matrix. Brings up each target on this machine,
# runs the same suites against each, writes one CSV per target, then the
# matrix and the differential summary (conformance/matrix.sh) and the
# checks of reftarget against issue 3's bar and its listed skips
# (conformance/bar.sh).
#
#   conformance/run.sh [-t "reftarget tgt lio"] [-s "cu tools guest"]
#                      [-f REGEX] [-x REGEX] [-o RESULTS_DIR] [-r REFERENCE_DIR]
#                      [-u URL [-U URL2]]
#
#   -t  targets (conformance/targets/<name>.sh), in column order; `url` is
#       a target already running, given by -u (targets/url.sh). The
#       reftarget column runs each test on the LU flavour
#       conformance/flavours.txt gives it, starting each flavour once;
#       reftarget:<flavour> runs everything on that one flavour, in a
#       column of its own (reftarget-<flavour>)
#   -s  suites: cu (libiscsi iscsi-test-cu, per test), tools (libiscsi
#       tools), guest (open-iscsi in a QEMU guest; host targets only),
#       protocol (isim protocol, conformance/PROTOCOL.md; its differential
#       table goes to RESULTS_DIR/protocol-diff.md)
#   -f  grep -E filter on iscsi-test-cu test names (default: all 230);
#       @FILE: the tests FILE names, one a line, "#" starts a comment
#       (conformance/quick.txt, the selection `make run` runs)
#   -x  grep -E filter of test names to leave out (the fast subset in
#       `make test` leaves out the minute-long Sanitize.Reset)
#   -o  where <target>.csv, <target>.meta, matrix.csv and summary.md go
#       (default conformance/results)
#   -r  results of a previous full run, used for a target not run now
#       (the fast subset in `make test` compares with the recorded LIO
#       column this way)
#   -u  the url target's URL, iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN;
#       HOST must be an address of the namespace the run is in, so the
#       target must be started inside it: conformance/with-target.sh does
#       that with a start hook (README.md, "Your own target")
#   -U  a second portal to the same LU, for the MultipathIO tests
#
# Everything runs inside a loopback-only network namespace
# (tools/netns-run.sh): targets listen on 127.0.0.1, the LIO guest is
# reached by hostfwd only. Exit status: non-zero when a target failed to
# start (a url target: did not answer), reftarget differs from LIO in a
# way that conformance/expected-differences.md does not list, skips in a
# way conformance/skips.md does not list, or misses the bar once it is
# enforced (conformance/bar.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${RT_IN_NETNS:-}" != 1 ]; then
	# Guest images need Debian's package registry: build (or find cached)
	# them here, on the host's network, before the loopback-only namespace
	# where nothing but 127.0.0.1 can be reached. The image scripts are
	# idempotent and print their cache directory.
	want_t="reftarget tgt lio lio-tcmu istgt" want_s="cu tools guest protocol"
	for ((i = 1; i <= $#; i++)); do
		case "${!i}" in
		-t) j=$((i + 1)); want_t=${!j} ;;
		-s) j=$((i + 1)); want_s=${!j} ;;
		esac
	done
	case " $want_t " in *" lio"*) "$HERE/guest/lio-image.sh" >/dev/null ;; esac
	case " $want_t " in *" lio-tcmu "*) "$HERE/guest/tcmu-image.sh" >/dev/null ;; esac
	case " $want_s " in *" guest "*) "$HERE/guest/initiator-image.sh" >/dev/null ;; esac
	# CONF_URL_ON_HOST=1 (make conformance URL=...): the url target runs on
	# this machine's loopback, outside the namespace; carry its portals,
	# and nothing else, into it (bridge.sh).
	if [ "${CONF_URL_ON_HOST:-0}" = 1 ]; then
		. "$HERE/lib.sh"
		. "$HERE/bridge.sh"
		urls=()
		for ((i = 1; i <= $#; i++)); do
			case "${!i}" in -u | -U) j=$((i + 1)); urls+=("${!j}") ;; esac
		done
		[ ${#urls[@]} -gt 0 ] || conf_die "CONF_URL_ON_HOST=1 needs -u URL"
		CONF_BRIDGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/iscsi-sim-bridge.XXXXXX")
		export CONF_BRIDGE_DIR
		trap 'bridge_stop "$CONF_BRIDGE_DIR/pids"; rm -rf "$CONF_BRIDGE_DIR"' EXIT
		bridge_host_start "$CONF_BRIDGE_DIR" "${urls[@]}"
		rc=0
		"$HERE/../tools/netns-run.sh" "$HERE/run.sh" "$@" || rc=$?
		exit $rc
	fi
	exec "$HERE/../tools/netns-run.sh" "$HERE/run.sh" "$@"
fi
. "$HERE/lib.sh"

targets="reftarget tgt lio lio-tcmu istgt"
suites="cu tools guest protocol"
filter=.
exclude=
out=$CONF_DIR/results
reference=
url= url2=
while getopts "t:s:f:x:o:r:u:U:" opt; do
	case "$opt" in
	t) targets=$OPTARG ;;
	s) suites=$OPTARG ;;
	f) filter=$OPTARG ;;
	x) exclude=$OPTARG ;;
	o) out=$OPTARG ;;
	r) reference=$OPTARG ;;
	u) url=$OPTARG ;;
	U) url2=$OPTARG ;;
	*) sed -n '2,42p' "$0" >&2; exit 2 ;;
	esac
done
[ $OPTIND -gt $# ] || conf_die "unexpected argument '${!OPTIND}' (options only; run.sh -h lists them)"
# The url target: its URLs are checked before anything runs.
if [[ " $targets " == *" url "* ]]; then
	[ -n "$url" ] || conf_die "target url needs -u iscsi://HOST[:PORT]/IQN/LUN"
	"$CONF_DIR/targets/url.sh" parse "$url" >/dev/null
	[ -z "$url2" ] || "$CONF_DIR/targets/url.sh" parse "$url2" >/dev/null
	export CONF_URL=$url CONF_URL2=$url2
elif [ -n "$url$url2" ]; then
	conf_die "-u and -U name the url target: add -t url"
fi
mkdir -p "$out" "$CONF_WORK"
if [ "${filter#@}" != "$filter" ]; then
	list=${filter#@}
	[ -r "$list" ] || conf_die "-f $filter: cannot read $list"
	filter="^($(sed 's/#.*//' "$list" | awk 'NF { print $1 }' | sed 's/\./\\./g' | paste -sd'|'))\$"
	[ "$filter" != '^()$' ] || conf_die "-f @$list: no test named"
fi

# The skip counter (cu_skip.c) is built here so that the scripts work from
# a clean clone without a make target in between.
shim=$BUILD/conformance/cu_skip.so
if [ ! -s "$shim" ] || [ "$CONF_DIR/cu_skip.c" -nt "$shim" ]; then
	mkdir -p "$(dirname "$shim")"
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -shared -fPIC \
		-o "$shim" "$CONF_DIR/cu_skip.c" -ldl
fi

versions() {
	local kernel
	kernel=$(cat "$CONF_CACHE/lio/kernel-version" 2>/dev/null || echo unknown)
	echo "libiscsi=$(dpkg-query -W -f='${Version}' libiscsi-bin 2>/dev/null || echo unknown)"
	case "$1" in
	lio-tcmu) echo "version=linux $kernel + tcmu-runner $(cat "$CONF_WORK/lio-tcmu/tcmu-runner-version" 2>/dev/null || echo unknown) (user:qcow)" ;;
	tgt*) echo "version=tgt $(tgtd -V 2>&1 | head -n 1)" ;;
	lio*) echo "version=linux $kernel" ;;
	reftarget*) echo "version=reftarget $(git -C "$CONF_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" ;;
	url*) echo "version=${CONF_URL_VERSION:-unknown}" ;;
	esac
}

# The iscsi-test-cu tests this run runs (-f, -x), one a line.
selected=$CONF_WORK/selected-tests
"$CONF_DIR/suites/libiscsi-cu.sh" --list | grep -E -- "$filter" |
	{ if [ -n "$exclude" ]; then grep -vE -- "$exclude"; else cat; fi; } >"$selected" || true
case " $suites " in
*" cu "*) [ -s "$selected" ] || conf_die "no test matches -f '$filter' -x '$exclude'" ;;
esac

# run_part SCRIPT WORK FLAVOUR SUITES TESTS: start the target (FLAVOUR
# empty: its only LU), run SUITES (cu over the test list in file TESTS),
# stop. Leaves WORK/<suite>.csv; fails if the target did not start or a
# suite could not run.
run_part() {
	local script=$1 work=$2 flavour=$3 part_suites=$4 tests=$5 target s rc=0
	target=$CONF_DIR/targets/$script.sh
	mkdir -p "$work"
	if ! "$target" start "$work" $flavour; then
		"$target" stop "$work" || true
		conf_log "== $script${flavour:+ ($flavour)}: did not start"
		return 2
	fi
	# Stop what we started even when a suite dies or we are interrupted.
	trap '"'"$target"'" stop "'"$work"'" || true' EXIT
	for s in $part_suites; do
		conf_log "== $script${flavour:+ ($flavour)}: suite $s"
		case "$s" in
		cu) "$CONF_DIR/suites/libiscsi-cu.sh" "$work" "$work/cu.csv" "@$tests" || rc=1 ;;
		tools) "$CONF_DIR/suites/libiscsi-tools.sh" "$work" "$work/tools.csv" || true ;;
		guest) "$CONF_DIR/suites/open-iscsi-guest.sh" "$work" "$work/guest.csv" || true ;;
		protocol) "$CONF_DIR/suites/protocol.sh" "$work" "$work/protocol.csv" || rc=1 ;;
		*) conf_die "unknown suite $s" ;;
		esac
	done
	"$target" stop "$work" || true
	trap - EXIT
	return $rc
}

# run_target SPEC: run every suite against one column; results into $out.
# SPEC is a target name, or reftarget:flavour (column reftarget-flavour).
# The plain reftarget column is run in parts, one per flavour that
# flavours.txt gives a selected test: the default flavour ("file") also
# runs the tools and guest suites. Every row of $out/<column>.csv says the
# flavour it ran on ("-" for a target with one LU).
run_target() {
	local t=${1/:/-} script=${1%%:*} flavour= rc=0 t0=$SECONDS
	local base=$CONF_WORK/$t parts=() f s p
	[ "$1" = "$script" ] || flavour=${1#*:}
	rm -rf "$base"
	mkdir -p "$base"
	conf_log "== $t: starting"
	if [ "$1" = reftarget ]; then
		"$CONF_DIR/flavours.sh" <"$selected" >"$base/flavours.tsv"
		# The default flavour first, then the others in rule order.
		for f in file $(cut -f2 "$base/flavours.tsv" | awk '!seen[$0]++'); do
			case " ${parts[*]} " in *" $f "*) continue ;; esac
			parts+=("$f")
		done
	else
		parts=("${flavour:--}")
		cp "$selected" "$base/tests"
	fi
	for p in "${parts[@]}"; do
		local work=$base part_suites=$suites tests=$base/tests
		if [ "$1" = reftarget ]; then
			work=$base/$p tests=$base/tests-$p
			awk -F'\t' -v f="$p" '$2 == f { print $1 }' "$base/flavours.tsv" >"$tests"
			# Only the default flavour runs the tools and the guest.
			[ "$p" = file ] || part_suites=$(sed 's/\<tools\>//; s/\<guest\>//; s/\<protocol\>//' <<<"$suites")
			[ -s "$tests" ] || part_suites=$(sed 's/\<cu\>//' <<<"$part_suites")
			[ -n "${part_suites// /}" ] || continue
		fi
		# The CHAP-protected target serves the tools and protocol suites only.
		CONF_CHAP_TARGET=$([[ " $part_suites " == *" tools "* || " $part_suites " == *" protocol "* ]] && echo 1 || echo 0) \
			run_part "$script" "$work" "$([ "$p" = - ] || echo "$p")" "$part_suites" "$tests" || rc=$?
		[ $rc -lt 2 ] || break
	done
	if [ $rc -ge 2 ]; then
		{ echo "target=$t"; echo "status=did-not-start"; } >"$out/$t.meta"
		conf_log "== $t: did not start"
		return 1
	fi
	{
		echo "test,result,seconds,flavour,detail"
		for s in $suites; do
			for p in "${parts[@]}"; do
				f=$base/$p/$s.csv
				[ "$p" != - ] && [ "$1" = reftarget ] || f=$base/$s.csv
				[ -f "$f" ] || continue
				# test,result,seconds,"detail": the flavour goes before detail.
				tail -n +2 "$f" | sed -E "s/^([^,]*,[^,]*,[^,]*),/\1,$p,/"
			done | sort -t, -k1,1 -s
		done
	} >"$out/$t.csv"
	{
		echo "target=$t"
		echo "status=$([ $rc = 0 ] && echo ran || echo suite-error)"
		echo "wall_seconds=$((SECONDS - t0))"
		f=$base/boot-seconds
		[ -f "$f" ] && echo "boot_seconds=$(cat "$f")"
		echo "suites=$suites"
		echo "filter=$filter"
		echo "exclude=$exclude"
		[ "$1" = reftarget ] && echo "flavours=$(cut -f2 "$base/flavours.tsv" | sort | uniq -c | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }')"
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
# now is filled from the reference run, if any. A run of the url target
# alone has its own column only, unless a reference run is given to
# compare with; the bar is reftarget's, so it is not checked then.
columns=$(printf '%s\n' reftarget tgt lio lio-tcmu istgt ${targets//:/-} | awk '!seen[$0]++' | tr '\n' ' ')
url_only=$([ "$targets" = url ] && echo 1 || echo 0)
[ "$url_only" = 1 ] && [ -z "$reference" ] && columns=url
"$CONF_DIR/matrix.sh" "${matrix_args[@]}" $columns || status=1
# The protocol suite's four columns and where they disagree (fresh or recorded).
if [[ " $suites " == *" protocol "* ]]; then
	pargs=()
	for t in $columns; do
		conf_column "$out" "$reference" "$t"
		[ -n "$col_file" ] && grep -q '^protocol\.' "$col_file" && pargs+=("$t=$col_file")
	done
	[ ${#pargs[@]} -eq 0 ] || "$CONF_DIR/protocol-diff.sh" "$out/protocol-diff.md" "${pargs[@]}" || status=1
fi
# The bar is about libiscsi's suite: a run without it (e.g. the protocol
# suite alone) has nothing to check it with.
if [ "$url_only" = 0 ] && [[ " $suites " == *" cu "* ]]; then
	"$CONF_DIR/bar.sh" "${matrix_args[@]}" || status=1
fi
exit $status
