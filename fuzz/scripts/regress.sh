#!/usr/bin/env bash
# regress.sh HARNESS...: replay every regression input (fuzz/regressions/<h>,
# the fixed ones; open/ holds reproducers of findings not fixed yet) and the
# whole checked-in corpus (fuzz/corpus/<h>) through the replay build (gcc
# with the Makefile's ASan+UBSan flags). Any oracle violation or sanitizer
# report fails; the last "replay:" line of the log names the input.
set -uo pipefail
. "$(dirname "$0")/env.sh"
failed=()
n=0
for h in "$@"; do
	dirs=()
	for d in "$FUZZ_DIR/regressions/$h" "$FUZZ_DIR/corpus/$h"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	[ ${#dirs[@]} -gt 0 ] || continue
	if out=$("$FZ/rep/$h" "${dirs[@]}" 2>"$FZ/rep/$h.log"); then
		count=$(sed -n 's/^result: \([0-9]*\) inputs.*/\1/p' <<<"$out")
		n=$((n + ${count:-0}))
		printf 'replay %-8s OK    %5s inputs\n' "$h" "${count:-?}"
	else
		failed+=("$h")
		printf 'replay %-8s FAIL\n' "$h"
		grep -E '^replay:' "$FZ/rep/$h.log" | tail -n 1 | sed 's/^/    /'
		grep -E '==fz==|ERROR:|SUMMARY:|runtime error' "$FZ/rep/$h.log" | head -n 8 | sed 's/^/    /'
	fi
done
if [ ${#failed[@]} -eq 0 ]; then
	echo "result: $n regression and corpus inputs replayed over $# harnesses, no oracle violation"
	exit 0
fi
echo "result: replay failed for ${failed[*]}"
exit 1
