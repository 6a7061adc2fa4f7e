#!/usr/bin/env bash
# determinism.sh ISIM [FILE.scn...]: every scenario, run twice in one
# process, is the same world (trace hash and event count), whatever it
# expects; then one run per file twice as separate processes gives
# byte-identical JSONL traces. Default: every scenario of the library.
set -uo pipefail
isim=$1
shift
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$(dirname "$0")"/[0-9]*.scn)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 bad=0
for f in "${files[@]}"; do
	"$isim" run --scenario "$f" --check-determinism >"$tmp/out" 2>&1
	"$isim" run --scenario "$f" --trace "$tmp/a.jsonl" >/dev/null 2>&1
	"$isim" run --scenario "$f" --trace "$tmp/b.jsonl" >/dev/null 2>&1
	if grep -q '^determinism: same world twice' "$tmp/out" && cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"; then
		same=$((same + 1))
	else
		bad=$((bad + 1))
		echo "DIFFERENT: $f"
		grep '^determinism' "$tmp/out"
	fi
done
echo "summary: $same of $((same + bad)) scenarios replay as the same world (trace hash, and JSONL byte for byte)"
[ "$bad" -eq 0 ]
