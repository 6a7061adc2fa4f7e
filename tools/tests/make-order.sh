#!/usr/bin/env bash
# make-order.sh: every compile, link and archive that make runs starts only
# after tools/deps.sh has finished (issue 10: under --jobs a fresh machine
# compiled before the -dev packages were there).
#
# How: a deps command that sleeps, then leaves a marker; a compiler and an
# archiver that fail unless the marker is there (and otherwise just create
# their output, so the whole tree "builds" in seconds). `make -B` forces
# every rule of `build` and `fuzz-build`, with as many jobs as it likes.
# The check can fail: with DEPS_CMD run without the order-only prerequisite,
# the first compile starts during the sleep (a self-check below proves it).
set -uo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cat >"$T/tool" <<'EOT'
#!/usr/bin/env bash
# Stand-in for cc, clang, afl-clang-fast and ar: refuse to run before deps.
[ -e "$MARK" ] || { echo "make-order: $* ran before deps finished" >&2; exit 1; }
out=
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift ;;
	rcs) out=$2; shift ;;
	esac
	shift
done
[ -n "$out" ] && : >"$out"
exit 0
EOT
chmod +x "$T/tool"

run() { # BUILD-DIR DEPS-CMD: make build and fuzz-build with the stand-ins
	MARK="$T/$1.done" make -B --jobs=8 BUILD="$T/$1" DEPS_CMD="$2" \
		CC="$T/tool" AR="$T/tool" FUZZ_CLANG="$T/tool" FUZZ_AFL_CC="$T/tool" \
		"$T/$1/rel/reftarget" "$T/$1/asan/unit_tests" "$T/$1/rel/isim" \
		"$T/$1/fuzz/lf/pdu" "$T/$1/fuzz/rep/pdu" >"$T/$1.log" 2>&1
}

fail=0
if run ordered "sleep 2; touch $T/ordered.done"; then
	echo "PASS  every compile, link and archive waited for deps ($(grep -c '^  \(CC\|LD\|AR\) ' "$T/ordered.log") steps)"
else
	echo "FAIL  a build step ran before deps finished:"; grep 'make-order' "$T/ordered.log" | head -5
	fail=1
fi
# Self-check: deps that do not finish first (the marker is only made after
# the build) must be caught by the stand-ins.
if run unordered "true"; then
	echo "FAIL  self-check: a build without deps' marker passed"; fail=1
else
	echo "PASS  self-check: a build step before deps is caught"
fi
[ $fail -eq 0 ] && echo "result: make-order 2 passed, 0 failed" || echo "result: make-order failed"
exit $fail
