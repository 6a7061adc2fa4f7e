#!/usr/bin/env bash
# url_host.sh: `make conformance URL=...` against a target already running
# outside the suites' namespace (conformance/url-run.sh, bridge.sh), as a
# user with a tgtd on their 127.0.0.1 runs it.
#
# This test's own namespace stands for the user's machine: reftarget (the
# CI hook, .github/iscsi-sim/start-target.sh) listens on its loopback, and
# url-run.sh makes the suites' namespace inside it. Checks:
#   - without DESTRUCTIVE=yes: the warning, exit 2, nothing run;
#   - a URL that is not loopback, a port where nothing listens, a bad CHAP=:
#     a clear error, nothing run;
#   - with DESTRUCTIVE=yes and a few cu tests: every suite ran through the
#     bridge (cu, tools and protocol rows, all PASS or NA), the recorded
#     columns are beside it, the last line says so, exit 0;
#   - the bridge's socat processes are gone afterwards.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${RT_IN_NETNS:-}" != 1 ]; then exec "$ROOT/tools/netns-run.sh" "$0" "$@"; fi
cd "$ROOT"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
T=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

mkdir -p "$T/hook"
ISCSI_SIM_PORT=3271 ISCSI_SIM_DIR=$ROOT .github/iscsi-sim/start-target.sh start "$T/hook" >"$T/hook.env" 2>"$T/hook.err" ||
	{ cat "$T/hook.err"; echo "summary: 0 passed, 1 failed (the hook did not start reftarget)"; exit 1; }
while IFS== read -r k v; do
	case "$k" in URL) URL=$v ;; URL2) URL2=$v ;; PID) pids+=("$v") ;; esac
done <"$T/hook.env"
[ -n "${URL:-}" ] || { echo "summary: 0 passed, 1 failed (no URL from the hook)"; exit 1; }

# url-run.sh makes a namespace of its own: not the one this test runs in.
run() { env -u RT_IN_NETNS "$@" conformance/url-run.sh; }
out=$BUILD/conformance/results-url
rm -rf "$out"

run URL="$URL" >"$T/o1" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'WIPES THE LU' "$T/o1" && grep -q 'DESTRUCTIVE=yes' "$T/o1" && [ ! -e "$out" ]; then
	ok "no DESTRUCTIVE=yes: warning, exit 2, nothing run"
else
	bad "no DESTRUCTIVE=yes: rc=$rc, $(tail -n 2 "$T/o1" | tr '\n' ' ')"
fi

run URL="iscsi://192.0.2.1/iqn.2026-12.org.example:x/0" DESTRUCTIVE=yes >"$T/o2" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q 'loopback' "$T/o2" && [ ! -e "$out/url.csv" ]; then
	ok "a URL off this machine's loopback is refused"
else
	bad "a non-loopback URL: rc=$rc, $(tail -n 2 "$T/o2" | tr '\n' ' ')"
fi

run URL="iscsi://127.0.0.1:3299/iqn.2026-12.org.example:x/0" DESTRUCTIVE=yes >"$T/o3" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q 'nothing listens' "$T/o3" && [ ! -e "$out/url.csv" ]; then
	ok "a port where nothing listens: named, nothing run"
else
	bad "nothing listening: rc=$rc, $(tail -n 2 "$T/o3" | tr '\n' ' ')"
fi

run URL="$URL" CHAP="nocolon" DESTRUCTIVE=yes >"$T/o4" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'CHAP=user:secret' "$T/o4"; then
	ok "a malformed CHAP= is a usage error"
else
	bad "bad CHAP=: rc=$rc, $(tail -n 2 "$T/o4" | tr '\n' ' ')"
fi

# Both portals: reftarget advertises both in SendTargets, and only the
# portals given are carried into the suites' namespace (iscsi-ls follows
# the first one it is told of).
run URL="$URL" URL2="${URL2:-}" DESTRUCTIVE=yes TESTS='^SCSI\.(Inquiry\.Standard|ReadCapacity16\.Simple|TestUnitReady\.Simple|Write10\.Simple)$' \
	>"$T/o5" 2>&1
rc=$?
csv=$out/url.csv
last=$(tail -n 1 "$T/o5")
if [ $rc = 0 ] && [[ $last == "conformance: url: "*" tests, 0 failed or hung; exit 0" ]]; then
	ok "DESTRUCTIVE=yes: ran, exit 0 ($last)"
else
	bad "DESTRUCTIVE=yes: rc=$rc, last line '$last'"
	tail -n 30 "$T/o5"
fi
n_cu=$(grep -cE '^SCSI\.' "$csv" 2>/dev/null)
n_tools=$(grep -c '^tools\.' "$csv" 2>/dev/null)
n_proto=$(grep -c '^protocol\.' "$csv" 2>/dev/null)
if [ "${n_cu:-0}" = 4 ] && [ "${n_tools:-0}" -gt 0 ] && [ "${n_proto:-0}" -ge 150 ]; then
	ok "every suite ran through the bridge: $n_cu cu, $n_tools tools, $n_proto protocol rows"
else
	bad "rows: cu ${n_cu:-0} (want 4), tools ${n_tools:-0}, protocol ${n_proto:-0} (want >= 150)"
fi
if awk -F, 'NR > 1 && $2 != "PASS" && $2 != "NA" && $2 != "SKIP" { bad = 1; print } END { exit bad }' "$csv" >"$T/notpass"; then
	ok "reftarget through the bridge: every row PASS, SKIP or NA"
else
	bad "rows neither PASS nor NA: $(head -n 3 "$T/notpass" | tr '\n' ' ')"
fi
if head -n 1 "$out/matrix.csv" 2>/dev/null | grep -q 'reftarget' && head -n 1 "$out/matrix.csv" | grep -q 'url'; then
	ok "the recorded columns are beside the url column: $(head -n 1 "$out/matrix.csv")"
else
	bad "matrix.csv header: $(head -n 1 "$out/matrix.csv" 2>/dev/null)"
fi
if [ -s "$out/protocol-diff.md" ]; then ok "protocol-diff.md written"; else bad "no protocol-diff.md"; fi
if pgrep -f "iscsi-sim-bridge" >/dev/null; then
	bad "bridge processes left running: $(pgrep -af iscsi-sim-bridge | head -n 3 | tr '\n' ' ')"
else
	ok "no bridge process left"
fi
echo "summary: $pass passed, $fail failed"
[ $fail = 0 ]
