#!/usr/bin/env bash
# netfuzz-summary.sh DIR: DIR/summary.md from the campaigns' rows and
# findings tables that fuzz/scripts/netfuzz-peer.sh left in DIR (PEER.tsv,
# PEER.md), plus DIR/../cov/cov.md when `make netfuzz-cov` left one: the
# network fuzzer's part of REPORT.md (tools/report.sh). Never hand-edited.
#
# netfuzz-summary.sh row DIR PEER: DIR/PEER.tsv (peer version seconds cases
# cases/s findings restarts outcomes command) and DIR/PEER.md (its findings
# table) from what netfuzz-peer.sh left: PEER.out, PEER.meta and
# PEER-target.log (the supervisor's restarts); the command shows the
# options the peer's campaign adds (PEER.meta's options).
set -euo pipefail
if [ "${1:-}" = row ]; then
	dir=${2:?usage: netfuzz-summary.sh row DIR PEER}
	peer=${3:?usage: netfuzz-summary.sh row DIR PEER}
	meta() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$dir/$peer.meta"; }
	version=$(meta version) url=$(meta url) secs=$(meta seconds) seed=$(meta seed) options=$(meta options)
	version=${version//$(pwd)\//} # the checkout's own paths, relative
	last=$(grep '^netfuzz: [0-9]' "$dir/$peer.out" | tail -1 || true)
	re='^netfuzz: \([0-9]*\) cases in \([0-9.]*\) s, \([0-9]*\) findings$'
	cases=$(sed -n "s/$re/\\1/p" <<<"$last")
	wall=$(sed -n "s/$re/\\2/p" <<<"$last")
	nfind=$(sed -n "s/$re/\\3/p" <<<"$last")
	rate=$(awk -v n="${cases:-0}" -v s="${wall:-0}" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
	restarts=$(grep -c '^supervisor: restart' "$dir/$peer-target.log" || true)
	outcomes=$(sed -n 's/^outcomes: //p' "$dir/$peer.out")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$version" "${wall:-?}" "${cases:-?}" "$rate" \
		"${nfind:-?}" "$restarts" "$outcomes" "isim netfuzz --url $url --seconds $secs --seed $seed${options:+ $options}" >"$dir/$peer.tsv"
	{
		echo "#### $peer: ${cases:-?} cases in ${wall:-?} s, ${nfind:-?} findings"
		echo
		echo "$version; seed $seed; outcomes: $outcomes; the supervisor restarted it $restarts times."
		echo
		if grep -q '^  finding ' "$dir/$peer.out"; then
			echo '| # | class | mutator | first case | seen | steps | file |'
			echo '|---:|---|---|---:|---:|---|---|'
			sed -n 's/^  finding \([0-9]*\): \([a-z]*\) (\([^)]*\)), first at case \([0-9]*\), seen \([0-9]*\) times, \([0-9]*\) steps\(.*\): \(.*\)$/| \1 | \2 | \3 | \4 | \5 | \6\7 | \8 |/p' \
				"$dir/$peer.out" | sed "s|$(cd "$dir" && pwd)/||; s|$dir/||"
		else
			echo 'No finding.'
		fi
	} >"$dir/$peer.md"
	exit 0
fi
dir=${1:?usage: netfuzz-summary.sh DIR}
ls "$dir"/*.tsv >/dev/null 2>&1 || { echo "netfuzz-summary.sh: no PEER.tsv in $dir (make netfuzz-peers)" >&2; exit 2; }
{
	echo "### isim netfuzz against each target (\`make netfuzz-peers\`)"
	echo
	echo "Each target on loopback in a private network namespace, restarted by a supervisor whenever it died"
	echo "(LIO, in its QEMU guest: also when LIO stopped answering logins); cases/s counts the minimizing of"
	echo "findings too. Findings and their minimized replay files:"
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
