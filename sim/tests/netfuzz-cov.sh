#!/usr/bin/env bash
# netfuzz-cov.sh BUILD [SECONDS] [SEED] [CASES]: the network fuzzer's
# coverage-guided mode against the reftarget built with sanitizer coverage
# ($BUILD/netcov/reftarget, `make netfuzz-cov`), and what guidance gains:
#   1. guided: isim netfuzz --cov-map for SECONDS (120) or CASES cases, seed
#      SEED (1), against a fresh target whose edge map is a new file;
#   2. unguided: the same seed and the same number of cases, --no-guide
#      (the map measured, nothing kept: the generator alone), against
#      another fresh target of the same build (with CASES, both at once);
#   3. the edges each reached after every NETFUZZ_COV_EVERY (100) cases
#      (the progress lines) and at the end, into BUILD/netfuzz/cov/cov.md.
# Both runs must end with 0 findings (reftarget has none to give), both
# must have counted edges and the guided one kept cases. Exit 0 when so,
# 1 otherwise. Run inside tools/netns-run.sh.
set -uo pipefail
build=${1:?usage: netfuzz-cov.sh BUILD [SECONDS] [SEED] [CASES]}
secs=${2:-120}
seed=${3:-1}
cases=${4:-}
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
isim=$build/rel/isim
target=$build/netcov/reftarget
out=$build/netfuzz/cov
rm -rf "$out"
mkdir -p "$out"
IQN=iqn.2026-12.org.iscsi-sim:netfuzz
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
trap stop EXIT

# supervise PORT MAP: the coverage build on 127.0.0.1:PORT, its edges in
# MAP, restarted when it dies (a restart keeps counting into MAP).
supervise() {
	local port=$1 map=$2
	(
		child=
		trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
		while :; do
			RT_NETCOV_MAP=$map "$target" --portal "127.0.0.1:$port" --target "$IQN" --lun ram:64M \
				--state-dir "$out/state-$port" -q >>"$out/reftarget-$port.log" 2>&1 &
			child=$!
			wait "$child"
			echo "reftarget exited with status $?" >>"$out/reftarget-$port.log"
			sleep 0.3
		done
	) &
	pids+=($!)
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on $port"
	return 1
}

# run NAME PORT ARGS...: one fuzzing run against a fresh target; its
# status in $out/NAME.rc.
run() {
	local name=$1 port=$2
	shift 2
	supervise "$port" "$out/$name.map" || { echo 2 >"$out/$name.rc"; return; }
	local sup=${pids[-1]}
	"$isim" netfuzz --url "iscsi://127.0.0.1:$port/$IQN/0" --seed "$seed" --cov-map "$out/$name.map" \
		--out "$out/$name" "$@" >"$out/$name.out" 2>&1
	echo $? >"$out/$name.rc"
	kill "$sup" 2>/dev/null
	wait "$sup" 2>/dev/null
}

every=${NETFUZZ_COV_EVERY:-100}
if [ -n "$cases" ]; then
	# A number of cases: both runs at once, each against its own target.
	run guided 3360 --cases "$cases" --progress-cases "$every" &
	g=$!
	run unguided 3361 --cases "$cases" --no-guide --progress-cases "$every"
	wait "$g"
	n=$cases
else
	run guided 3360 --seconds "$secs" --progress-cases "$every"
	n=$(sed -n 's/^netfuzz: \([0-9]*\) cases in .*/\1/p' "$out/guided.out")
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "FAIL: the guided run did not finish:"; tail -5 "$out/guided.out"; exit 1; }
	run unguided 3361 --cases "$n" --no-guide --progress-cases "$every"
fi
rc_g=$(cat "$out/guided.rc")
rc_u=$(cat "$out/unguided.rc")

edges() { sed -n 's/^coverage: \([0-9]*\) of \([0-9]*\) edges.*/\1/p' "$1"; }
total=$(sed -n 's/^coverage: [0-9]* of \([0-9]*\) edges.*/\1/p' "$out/guided.out")
eg=$(edges "$out/guided.out")
eu=$(edges "$out/unguided.out")
{
	echo "### Coverage-guided mode against reftarget (\`make netfuzz-cov\`)"
	echo
	echo "Seed $seed, $n cases each, the reftarget of \`$target\` ($total instrumented edges, clang" \
		"-fsanitize-coverage=trace-pc-guard), a fresh target for each run; edges hit at least once:"
	echo
	echo '| cases | unguided (generator alone) | guided (corpus + mutations) |'
	echo '|---:|---:|---:|'
	# progress lines: "progress: N cases in S s (R/s), F findings, E of T edges, corpus K"
	prog() { sed -n 's/^progress: \([0-9]*\) cases .*, \([0-9]*\) of [0-9]* edges.*/\1 \2/p' "$1"; }
	join <(prog "$out/unguided.out") <(prog "$out/guided.out") | awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
	[ $((n % every)) = 0 ] || echo "| $n | $eu | $eg |"
	echo
	echo "Guided: $(grep '^coverage:' "$out/guided.out" | sed 's/^coverage: //')."
	echo "Unguided: $(tail -1 "$out/unguided.out"); guided: $(tail -1 "$out/guided.out")."
} >"$out/cov.md"
cat "$out/cov.md"
fail=0
for r in guided unguided; do
	grep -q '^netfuzz: .* 0 findings$' "$out/$r.out" || { echo "FAIL: the $r run has findings:"; grep -E '^(FINDING|  finding)' "$out/$r.out"; fail=1; }
done
[ "$rc_g" = 0 ] && [ "$rc_u" = 0 ] || fail=1
# The mechanism itself: the map was read (edges counted in both runs) and
# guidance kept cases.
kept=$(sed -n 's/^coverage: .*; corpus \([0-9]*\) cases.*/\1/p' "$out/guided.out")
[ "${eg:-0}" -gt 0 ] && [ "${eu:-0}" -gt 0 ] || { echo "FAIL: no edges counted (guided ${eg:-none}, unguided ${eu:-none})"; fail=1; }
[ "${kept:-0}" -gt 0 ] || { echo "FAIL: the guided run kept no case"; fail=1; }
echo "summary: guided $eg edges, unguided $eu edges after $n cases; $([ $fail = 0 ] && echo 'no finding' || echo FINDINGS)"
exit $fail
