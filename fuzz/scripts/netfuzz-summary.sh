#!/usr/bin/env bash
# netfuzz-summary.sh DIR [OUT]: OUT (DIR/summary.md) from the campaigns'
# rows and findings tables that fuzz/scripts/netfuzz-peer.sh left in DIR
# (PEER.tsv, PEER.md), plus DIR/../cov/cov.md when `make netfuzz-cov` left
# one: the network fuzzer's part of REPORT.md (tools/report.sh). Never
# hand-edited. A peer DIR has no row of, and the coverage table when DIR/..
# has none, come from the published rows (NETFUZZ_PUBLISHED,
# fuzz/results/netfuzz/rows/: PEER.tsv, PEER.md, PEER.meta, cov.md, which
# make publish keeps), so that a campaign against one peer leaves the
# others' rows as they were.
#
# netfuzz-summary.sh row DIR PEER: DIR/PEER.tsv (peer version seconds cases
# cases/s findings restarts outcomes command) and DIR/PEER.md (its findings
# table) from what netfuzz-peer.sh left: PEER.out, PEER.meta and
# PEER-target.log (the supervisor's restarts); the command shows the
# options the peer's campaign adds (PEER.meta's options). It adds the
# run's end (`ended`, the time PEER.out was last written) to PEER.meta:
# make publish keeps the newer of a published row and a build's.
set -euo pipefail
if [ "${1:-}" = row ]; then
	dir=${2:?usage: netfuzz-summary.sh row DIR PEER}
	peer=${3:?usage: netfuzz-summary.sh row DIR PEER}
	meta() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$dir/$peer.meta"; }
	[ -n "$(meta ended)" ] || printf 'ended\t%s\n' "$(date -u -r "$dir/$peer.out" +%Y-%m-%dT%H:%M:%SZ)" >>"$dir/$peer.meta"
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
dir=${1:?usage: netfuzz-summary.sh DIR [OUT]}
out=${2:-$dir/summary.md}
pub=${NETFUZZ_PUBLISHED:-fuzz/results/netfuzz/rows}
# rows: DIR's, then the published ones of peers DIR has none of
rows=() tables=()
for f in "$dir"/*.tsv; do [ -e "$f" ] && rows+=("$f") && tables+=("${f%.tsv}.md"); done
if [ "$(cd "$pub" 2>/dev/null && pwd)" != "$(cd "$dir" && pwd)" ]; then
	for f in "$pub"/*.tsv; do
		[ -e "$f" ] && [ ! -e "$dir/$(basename "$f")" ] && rows+=("$f") && tables+=("${f%.tsv}.md")
	done
fi
[ ${#rows[@]} -gt 0 ] || { echo "netfuzz-summary.sh: no PEER.tsv in $dir (make netfuzz-peers)" >&2; exit 2; }
# sorted by peer, whichever folder the row is in
mapfile -t order < <(for i in "${!rows[@]}"; do echo "$(basename "${rows[$i]}") $i"; done | sort | cut -d' ' -f2)
cov=$dir/../cov/cov.md
[ -s "$cov" ] || cov=$pub/cov.md
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
	for i in "${order[@]}"; do
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "${rows[$i]}"
	done
	for i in "${order[@]}"; do
		[ -s "${tables[$i]}" ] || continue
		echo
		cat "${tables[$i]}"
	done
	if [ -s "$cov" ]; then
		echo
		cat "$cov"
	fi
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "netfuzz-summary: wrote $out"
