#!/usr/bin/env bash
# minimize.sh HARNESS: merge what fuzzing found ($BUILD/fuzz/work/<h>/corpus) and
# captured seeds ($BUILD/fuzz/seeds/<h>) into fuzz/corpus/<h>, keeping only
# inputs that add coverage (libFuzzer -merge=1), so the checked-in corpus
# stays small. The one fuzz command that writes into the checkout, on
# purpose: its result is meant to be committed.
set -euo pipefail
. "$(dirname "$0")/env.sh"
h=$1
new=$FZ/merge/$h
rm -rf "$new"
mkdir -p "$new" "$FUZZ_DIR/corpus/$h"
srcs=("$FUZZ_DIR/corpus/$h")
for d in "$FZ_WORK/$h/corpus" "$FZ/seeds/$h"; do
	[ -d "$d" ] && srcs+=("$d")
done
# shellcheck disable=SC2046
"$FZ/lf/$h" $(fuzz_lf_flags "$h") -artifact_prefix="$FZ/merge-$h-" -merge=1 "$new" "${srcs[@]}" >"$FZ/merge-$h.log" 2>&1
before=$(find "$FUZZ_DIR/corpus/$h" -type f | wc -l)
rm -rf "$FUZZ_DIR/corpus/$h"
mv "$new" "$FUZZ_DIR/corpus/$h"
after=$(find "$FUZZ_DIR/corpus/$h" -type f | wc -l)
echo "minimize $h: $before -> $after inputs ($(du -sk "$FUZZ_DIR/corpus/$h" | cut -f1) KiB)"
