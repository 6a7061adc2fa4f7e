#!/usr/bin/env bash
# timeline.sh ISIM [SCENARIO]: the failover timeline (isim run --svg) of a
# scenario whose data oracle flags a stale write (default: scenario 01,
# fencing off) is a picture a storage engineer can read, and the trace
# feeds it what it needs:
# - well-formed, self-contained SVG (nothing fetched: no href, script,
#   @import or url());
# - a legend naming the states drawn;
# - per gateway a group of rows: process, ALUA, lock;
# - each path row names the gateway its sessions went to (from the trace);
# - a fault that concerns only a gateway is not labelled with an initiator;
# - the oracle's mark: the version it names, on the write that landed it;
#   its message wrapped (no text line wider than the picture);
# - the trace's dio.write of that version exists (--pdus), and no event
#   uses the bare word "node".
set -uo pipefail
isim=$1
scn=${2:-scenarios/01-stale-write-fencing-off.scn}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() {
	echo "timeline: $*"
	bad=1
}

"$isim" run --scenario "$scn" --svg "$tmp/t.svg" --trace "$tmp/t.jsonl" >"$tmp/out" 2>&1
svg=$tmp/t.svg
if [ ! -s "$svg" ] || [ ! -s "$tmp/t.jsonl" ]; then
	echo "timeline: isim wrote no picture or no trace"
	cat "$tmp/out"
	exit 1
fi
ver=$(sed -n 's/.*"ev":"oracle\.violation".*"ver":\([0-9]*\).*/\1/p' "$tmp/t.jsonl")
[ -n "$ver" ] || fail "the trace's oracle.violation names no version (is $scn a stale-write scenario?)"

xmllint --noout "$svg" || fail "not well-formed XML"
grep -Eq "href|<script|@import|url\(" "$svg" && fail "the picture refers to something outside itself"

grep -q "<g id='legend'>" "$svg" || fail "no legend"
for l in "ALUA active/optimized" "ALUA standby" "ALUA transitioning" "exclusive lock owner" \
	"gateway down" "fault, start to heal" "stale write" "oracle violation"; do
	grep -qF ">$l" "$svg" || fail "the legend does not say '$l'"
done

gws=$(sed -n 's/.*"ev":"world\.start".*"gateways":\([0-9]*\).*/\1/p' "$tmp/t.jsonl")
for ((g = 0; g < ${gws:-0}; g++)); do
	grep -q "<g id='gw$g'>" "$svg" || fail "no row group for gateway $g"
	for row in process ALUA lock; do
		grep -qF ">gw$g $row</text>" "$svg" || fail "gateway $g has no $row row"
	done
done
[ "${gws:-0}" -ge 1 ] || fail "the trace's world.start says no gateway count"

# Each path row names the gateway the trace says its sessions went to.
paths=$(sed -n 's/.*"ev":"sess\.up","ini":\([0-9]*\),"path":\([0-9]*\),.*"gw":\([0-9]*\).*/\1 \2 \3/p' "$tmp/t.jsonl" | sort -u)
[ -n "$paths" ] || fail "the trace has no sess.up with ini, path and gw"
while read -r i p g; do
	[ -n "$i" ] || continue
	grep -qF ">ini$i path$p -&gt; gw$g</text>" "$svg" || fail "path row ini$i path$p does not say -> gw$g"
done <<<"$paths"

# A fault of one gateway (disk_slow in scenario 01) names no initiator.
if grep -q '"ev":"fault\.start".*"kind":"disk_slow"' "$tmp/t.jsonl"; then
	grep -q '"ev":"fault\.start".*"ini":.*"kind":"disk_slow"' "$tmp/t.jsonl" && fail "the trace names an initiator for disk_slow"
	grep -qE ">disk_slow gw[0-9]+" "$svg" || fail "no disk_slow gwN label"
	grep -qE ">disk_slow ini|disk_slow i[0-9]" "$svg" && fail "disk_slow labelled with an initiator"
fi

# The oracle's mark: the group, the ring, the version on the write.
oracle=$(sed -n "/<g id='oracle'>/,/<\/g>/p" "$svg")
[ -n "$oracle" ] || fail "no oracle mark"
grep -q "<circle" <<<"$oracle" || fail "the oracle mark has no ring"
grep -qF ">version $ver " <<<"$oracle" || fail "the oracle mark does not name the write of version $ver"
grep -qE "landed via gw[0-9]+ at [0-9.]+ s" <<<"$oracle" || fail "the oracle mark does not say where and when the write landed"
verdict=$(sed -n "/<g id='verdict'>/,/<\/g>/p" "$svg")
[ "$(echo "$verdict" | grep -c '<text')" -ge 3 ] || fail "the oracle's message is not wrapped onto lines"
grep -qF "returned version $ver" <<<"$verdict" || fail "the verdict box does not quote the oracle"
# 1600 px of monospace at 11 px is about 240 characters: no line is wider.
long=$(grep -o ">[^<]*</text>" "$svg" | awk 'length($0) > 247' | head -n 1)
[ -z "$long" ] || fail "a text line wider than the picture: ${long:0:80}..."

# The trace: the disk write that carried the version, and one word per thing.
"$isim" run --scenario "$scn" --trace "$tmp/p.jsonl" --pdus >/dev/null 2>&1
grep -q "\"ev\":\"dio\.write\",\"gw\":[0-9]*,.*\"ver\":$ver," "$tmp/p.jsonl" || fail "no dio.write carries version $ver"
grep -q '"node":' "$tmp/p.jsonl" && fail "the trace still says \"node\""

[ $bad -eq 0 ] && echo "summary: $scn timeline has a legend, ${gws} gateway row groups, path rows with their gateways, the oracle mark on version $ver"
exit $bad
