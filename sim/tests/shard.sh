#!/usr/bin/env bash
# shard.sh ISIM [MANIFEST]: a swarm cut into shards and merged is the
# unsharded swarm (sim/README.md, "Swarms across machines").
#  1. Seeds 1..60 with worlds that fail (--set 'disk honor_flush=no': more
#     failures than the report lists, so merging keeps the lowest seeds):
#     one run on 2 jobs, and 4 shards (1 or 2 jobs each) merged in a
#     shuffled order. The merged report equals the unsharded report byte for
#     byte but for its `Wall time:` line, the results files but for wall_ns,
#     and isim's FAIL/replay lines are the same.
#  2. The Kubernetes indexed Job (MANIFEST, default tools/k8s/swarm-job.yaml):
#     its container command, taken from the manifest, runs for every index
#     0..N-1 here (N from the manifest, /out a temporary folder, seeds 1..16),
#     and `isim merge` of its files equals one unsharded run.
#  3. merge refuses shards that do not make one swarm, naming what is wrong:
#     a missing shard, a shard given twice, shards of different N, of
#     different seeds or --set lines, a file cut short, a shard that stopped
#     early, a file that is not a results file.
set -uo pipefail
isim=$(realpath "$1")
manifest=${2:+$(realpath "$2")}
cd "$(dirname "$0")/../.." || exit 2
manifest=${manifest:-tools/k8s/swarm-job.yaml}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() {
	echo "FAIL: $*"
	bad=1
}
nowall() { grep -v '^Wall time:' "$1"; }
nowallns() { grep -v '^wall_ns ' "$1"; }
faillines() { grep -E '^(FAIL|  replay|\(and|caught)' "$1"; }

# ---- 1. four shards merged = one run ----
set_fail=(--set 'disk honor_flush=no')
"$isim" swarm --seeds 1..60 --jobs 2 "${set_fail[@]}" --results "$tmp/all.res" --report "$tmp/all.md" \
	>"$tmp/all.out" 2>"$tmp/all.err"
rc=$?
[ $rc -eq 1 ] || fail "the unsharded swarm with failing worlds exited $rc, not 1"
for k in 1 2 3 4; do
	"$isim" swarm --seeds 1..60 --shard "$k/4" --jobs $(((k % 2) + 1)) "${set_fail[@]}" \
		--results "$tmp/s$k.res" >/dev/null 2>&1
	rc=$?
	[ $rc -le 1 ] || fail "shard $k/4 exited $rc"
done
"$isim" merge --report "$tmp/merged.md" --results "$tmp/merged.res" \
	"$tmp/s3.res" "$tmp/s1.res" "$tmp/s4.res" "$tmp/s2.res" >"$tmp/merged.out" 2>"$tmp/merged.err"
rc=$?
[ $rc -eq 1 ] || fail "merge of shards with failing worlds exited $rc, not 1: $(cat "$tmp/merged.err")"
failed=$(sed -n 's/^failed //p' "$tmp/all.res")
[ "${failed:-0}" -gt 20 ] || fail "seeds 1..60 with honor_flush=no: only ${failed:-0} failed; the test wants more than the 20 the report lists"
if cmp -s <(nowall "$tmp/all.md") <(nowall "$tmp/merged.md"); then
	echo "ok: 4 shards merged: report equals the unsharded report ($(wc -l <"$tmp/all.md") lines, $failed failing seeds, Wall time line aside)"
else
	fail "merged report differs from the unsharded one:"
	diff <(nowall "$tmp/all.md") <(nowall "$tmp/merged.md") | head -20
fi
if cmp -s <(nowallns "$tmp/all.res") <(nowallns "$tmp/merged.res"); then
	echo "ok: merged results file equals the unsharded one (wall_ns aside)"
else
	fail "merged results file differs:"
	diff <(nowallns "$tmp/all.res") <(nowallns "$tmp/merged.res") | head -20
fi
if cmp -s <(faillines "$tmp/all.out") <(faillines "$tmp/merged.out"); then
	echo "ok: the same FAIL and replay lines ($(grep -c '^FAIL' "$tmp/all.out") shown)"
else
	fail "FAIL/replay lines differ"
	diff <(faillines "$tmp/all.out") <(faillines "$tmp/merged.out") | head
fi
grep -q "replay: isim run --seed 1 --set 'disk honor_flush=no'" "$tmp/all.out" ||
	fail "no replay command with its --set line in the output"
grep -q "| \`isim run --seed 1 --set 'disk honor_flush=no'\` |" "$tmp/merged.md" ||
	fail "no replay command in the merged report"
# The shards are disjoint and cover the range: 60 worlds in all, 15 each.
for k in 1 2 3 4; do
	[ "$(sed -n 's/^worlds //p' "$tmp/s$k.res")" = 15 ] || fail "shard $k/4 of 1..60 did not run 15 worlds"
done

# ---- 2. the Kubernetes indexed Job's command ----
grep -qE '^\s+completionMode: Indexed\s*$' "$manifest" || fail "$manifest: no completionMode: Indexed"
completions=$(sed -n 's/^ *completions: *\([0-9]*\) *$/\1/p' "$manifest")
shards=$(awk '/- name: SHARDS/ { getline; gsub(/[^0-9]/, ""); print; exit }' "$manifest")
[ -n "$shards" ] && [ "$shards" = "$completions" ] ||
	fail "$manifest: completions ($completions) must equal SHARDS ($shards)"
# The block under `args: - |`, de-indented.
awk '/^ *args:/ { inargs = 1; next }
	inargs && /^ *- \|/ { match($0, /^ */); ind = RLENGTH + 2; inblock = 1; next }
	inblock { match($0, /^ */); if (RLENGTH < ind && $0 !~ /^ *$/) exit; print substr($0, ind + 1) }' \
	"$manifest" >"$tmp/pod.sh"
grep -q 'isim swarm' "$tmp/pod.sh" || fail "$manifest: no isim swarm command under args"
grep -q -- '--shard' "$tmp/pod.sh" || fail "$manifest: the command has no --shard"
sed -i "s|/out/|$tmp/out/|g" "$tmp/pod.sh"
mkdir -p "$tmp/bin" "$tmp/out"
ln -s "$isim" "$tmp/bin/isim"
for ((i = 0; i < ${shards:-0}; i++)); do
	PATH="$tmp/bin:$PATH" JOB_COMPLETION_INDEX=$i SEEDS=1..16 SHARDS=$shards JOBS=1 \
		sh "$tmp/pod.sh" >/dev/null 2>"$tmp/pod$i.err" || fail "pod $i: $(tail -2 "$tmp/pod$i.err")"
done
"$isim" swarm --seeds 1..16 --jobs 2 --report "$tmp/k8s-all.md" >/dev/null 2>&1
"$isim" merge --report "$tmp/k8s-merged.md" "$tmp"/out/shard-*.res >/dev/null 2>"$tmp/k8s-merge.err" ||
	fail "merge of the Job's shards: $(cat "$tmp/k8s-merge.err")"
if cmp -s <(nowall "$tmp/k8s-all.md") <(nowall "$tmp/k8s-merged.md"); then
	echo "ok: $manifest: its command for indexes 0..$((shards - 1)), merged, equals one run of seeds 1..16"
else
	fail "the Job's merged report differs from the unsharded one"
	diff <(nowall "$tmp/k8s-all.md") <(nowall "$tmp/k8s-merged.md") | head
fi

# ---- 3. merge refuses what is not one swarm ----
# refuse 'WORDS' FILE...: isim merge FILE... exits 2 saying WORDS.
refuse() {
	local words=$1
	shift
	local err
	err=$("$isim" merge "$@" 2>&1 >/dev/null)
	local rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$words" <<<"$err"; then
		echo "ok: merge refuses: $err"
	else
		fail "merge $* exited $rc: '$err' (wanted exit 2 and '$words')"
	fi
}
s=$tmp
refuse "1 of 4 shards missing: 3/4" "$s/s1.res" "$s/s2.res" "$s/s4.res"
refuse "shard 2/4 given twice ($s/s2.res and $s/s2.res): shards overlap" "$s/s1.res" "$s/s2.res" "$s/s2.res" "$s/s4.res"
sed 's|^shard 2/4$|shard 2/2|' "$s/s2.res" >"$s/n2.res"
refuse "$s/n2.res is shard 2/2, $s/s1.res is 1/4" "$s/s1.res" "$s/n2.res" "$s/s3.res" "$s/s4.res"
sed 's|^seeds 1..60$|seeds 1..64|' "$s/s2.res" >"$s/seeds.res"
refuse "$s/seeds.res has seeds 1..64, $s/s1.res has 1..60" "$s/s1.res" "$s/seeds.res" "$s/s3.res" "$s/s4.res"
sed 's|^set disk honor_flush=no$|set disk honor_flush=yes|' "$s/s2.res" >"$s/set.res"
refuse "ran with different --set lines" "$s/s1.res" "$s/set.res" "$s/s3.res" "$s/s4.res"
grep -v '^end$' "$s/s2.res" >"$s/cut.res"
refuse "$s/cut.res: line" "$s/s1.res" "$s/cut.res" "$s/s3.res" "$s/s4.res"
refuse "no 'end' line" "$s/s1.res" "$s/cut.res" "$s/s3.res" "$s/s4.res"
"$isim" swarm --seeds 1..60 --shard 2/4 --until-fail "${set_fail[@]}" --results "$s/early.res" >/dev/null 2>&1
refuse "$s/early.res (shard 2/4) ran" "$s/s1.res" "$s/early.res" "$s/s3.res" "$s/s4.res"
refuse "not an isim swarm results file" "$s/all.md"
refuse "$s/missing.res: No such file" "$s/missing.res"

[ $bad -eq 0 ] && echo "summary: shards merged equal the unsharded swarm (seeds 1..60 with failures, the k8s Job's command over seeds 1..16); merge names missing, overlapping and foreign shards"
exit $bad
