#!/usr/bin/env bash
# netfuzz-summary.sh DIR: DIR/summary.md from the campaigns' rows and
# findings tables that fuzz/scripts/netfuzz-peer.sh left in DIR (PEER.tsv,
# PEER.md), plus DIR/../cov/cov.md when `make netfuzz-cov` left one: the
# network fuzzer's part of REPORT.md (tools/report.sh). Never hand-edited.
set -euo pipefail
dir=${1:?usage: netfuzz-summary.sh DIR}
ls "$dir"/*.tsv >/dev/null 2>&1 || { echo "netfuzz-summary.sh: no PEER.tsv in $dir (make netfuzz-peers)" >&2; exit 2; }
{
	echo "### isim netfuzz against each target (\`make netfuzz-peers\`)"
	echo
	echo "Each target on loopback in a private network namespace, restarted by a supervisor whenever it died;"
	echo "cases/s counts the minimizing of findings too. Findings and their minimized replay files:"
	echo "fuzz/results/netfuzz/<target>/."
	echo
	echo '| target | version | seconds | cases | cases/s | findings | restarts | outcomes | command |'
	echo '|---|---|---:|---:|---:|---:|---:|---|---|'
	for f in "$dir"/*.tsv; do
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$f"
	done
	for f in "$dir"/*.md; do
		[ "$(basename "$f")" = summary.md ] && continue
		echo
		cat "$f"
	done
	if [ -s "$dir/../cov/cov.md" ]; then
		echo
		cat "$dir/../cov/cov.md"
	fi
} >"$dir/summary.md.tmp"
mv "$dir/summary.md.tmp" "$dir/summary.md"
echo "netfuzz-summary: wrote $dir/summary.md"
