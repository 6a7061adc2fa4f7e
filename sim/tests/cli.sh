#!/usr/bin/env bash
# cli.sh ISIM: isim's command line says what is wrong and exits non-zero.
# Every number is parsed whole and in range, every range is A..B with
# A <= B, an unknown command or option is named, an output file that
# cannot be written fails the command (exit 2), and a scenario error names
# the file and the line that caused it. Each case runs isim and checks its
# exit status and that stderr contains the expected words.
set -uo pipefail
isim=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

# expect STATUS 'WORDS' ARGS...: isim ARGS exits STATUS, stderr has WORDS.
expect() {
	local want=$1 words=$2
	shift 2
	n=$((n + 1))
	local err rc
	err=$("$isim" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qF -- "$words" <<<"$err"; then
		echo "FAIL: isim $* -> exit $rc (want $want), stderr:"
		sed 's/^/    /' <<<"$err" | head -5
		echo "    (wanted: $words)"
		fails=$((fails + 1))
	else
		echo "ok: isim $* -> $rc: $(grep -F -- "$words" <<<"$err" | head -1)"
	fi
}

# Numbers: whole string, decimal, in range.
expect 2 "--seed: 'x' is not a number" run --seed x
expect 2 "--seed: '12abc' is not a number" run --seed 12abc
expect 2 "--seed: '-3' is not a number" run --seed -3
expect 2 "--seed: '+3' is not a number" run --seed +3
expect 2 "--seed: ' 3' is not a number" run --seed ' 3'
expect 2 "--seed: '' is not a number" run --seed ''
expect 2 "is out of range 0..18446744073709551615" run --seed 18446744073709551616
expect 2 "--jobs: '0' is out of range 1..64" swarm --seeds 1..2 --jobs 0
expect 2 "--jobs: '65' is out of range 1..64" swarm --seeds 1..2 --jobs 65
expect 2 "--jobs: '2x' is not a number" swarm --seeds 1..2 --jobs 2x
# Ranges.
expect 2 "--seeds: '10..1': A (10) is above B (1)" swarm --seeds 10..1
expect 2 "--seeds: '10' is not a range A..B" swarm --seeds 10
expect 2 "--seeds: '1..x' is not a range A..B: 'x' is not a number" swarm --seeds 1..x
expect 2 "--seeds: '-1..5' is not a range" bench --seeds -1..5
expect 2 "spans more than" swarm --seeds 0..18446744073709551615
# isim live beside the guest: --history is one host's, --hosts in range
# (refused before anything connects).
u=iscsi://127.0.0.1:1/iqn.x/0
expect 2 "--history and --hosts go together" live --scenario scenarios/05-all-paths-down-queue.scn --target $u --target $u --history /dev/null
expect 2 "naming one host" live --scenario scenarios/05-all-paths-down-queue.scn --target $u --target $u --hosts 0,1 --history /dev/null
expect 2 "--hosts 2: host numbers 0..1" live --scenario scenarios/05-all-paths-down-queue.scn --target $u --target $u --hosts 2 --history /dev/null
expect 2 "UNMAP, COMPARE AND WRITE" live --scenario scenarios/10-caw-two-gateways-not-atomic.scn --target $u --target $u --hosts 1 --history /dev/null
# Shards: I/N, 1 <= I <= N.
expect 2 "--shard: '0/4': I: '0' is out of range 1..4" swarm --seeds 1..8 --shard 0/4
expect 2 "--shard: '5/4': I: '5' is out of range 1..4" swarm --seeds 1..8 --shard 5/4
expect 2 "--shard: '1/0': N: '0' is out of range" swarm --seeds 1..8 --shard 1/0
expect 2 "--shard: '2' is not a shard I/N" swarm --seeds 1..8 --shard 2
expect 2 "has no seeds" swarm --seeds 1..2 --shard 3/4
# Commands and options, named.
expect 2 "unknown command 'frobnicate'" frobnicate --seed 1
expect 2 "no command given"
expect 2 "run: unknown option '--sed'" run --sed 1
expect 2 "run: option --seed needs a value" run --seed
expect 2 "run: option --seed given twice" run --seed 1 --seed 2
expect 2 "run: option --shard does not apply" run --seed 1 --shard 1/2
expect 2 "run: unexpected argument 'extra'" run --seed 1 extra
expect 2 "run: needs --seed N or --scenario FILE" run
expect 2 "run: --seeds needs --scenario" run --seeds 1..3
expect 2 "swarm: needs --seeds A..B" swarm
expect 2 "merge: needs the shards' results files" merge
n=$((n + 1))
if grep -q '^usage:' <<<"$("$isim" --help)"; then echo "ok: isim --help -> 0"; else echo "FAIL: isim --help"; fails=$((fails + 1)); fi

# Output files that cannot be written: exit 2, before the run where possible.
nodir=$tmp/no/such/dir
expect 2 "$nodir/t.svg" run --seed 1 --svg "$nodir/t.svg"
expect 2 "$nodir/t.jsonl" run --seed 1 --trace "$nodir/t.jsonl"
expect 2 "$nodir/t.pcap" run --seed 1 --pcap "$nodir/t.pcap"
expect 2 "$nodir/row.md" run --scenario sim/tests/scenarios/calm.scn --row "$nodir/row.md"
expect 2 "$nodir/r.md" swarm --seeds 1..1 --report "$nodir/r.md"
expect 2 "$nodir/r.res" swarm --seeds 1..1 --results "$nodir/r.res"
expect 2 "$nodir/b.md" bench --seeds 1..1 --report "$nodir/b.md"
expect 2 "$nodir/p.scn" params --seed 1 -o "$nodir/p.scn"
if [ -e /dev/full ]; then # writable to open, every write fails (ENOSPC)
	expect 2 "/dev/full" params --seed 1 -o /dev/full
	expect 2 "/dev/full" run --seed 1 --svg /dev/full
	expect 2 "/dev/full" run --seed 1 --trace /dev/full
	expect 2 "/dev/full" swarm --seeds 1..1 --report /dev/full
fi

# Scenario errors name FILE:LINE of the line that caused them, parse errors
# and errors found after the whole file was read alike.
cat >"$tmp/bad-fault.scn" <<'EOF'
# line 1
seed 3
topology gateways=2 initiators=2
run duration=20s

# faults
fault gw_crash at=5s for=2s gw=1


# the next fault names a gateway that is not there

fault gw_pause at=6s for=1s gw=2
expect pass
EOF
expect 2 "$tmp/bad-fault.scn:12: fault gw_pause gw=2 names a gateway that does not exist" run --scenario "$tmp/bad-fault.scn"
printf 'seed 1\n\ntarget cmd_windw=8\n' >"$tmp/bad-key.scn"
expect 2 "$tmp/bad-key.scn:3: unknown key 'cmd_windw'" run --scenario "$tmp/bad-key.scn"
expect 2 "--set:2: unknown key 'caww'" run --seed 1 --set 'workload caw=0' --set 'workload caww=0'
expect 2 "--set:1: topology gateways=0 is out of range" run --seed 1 --set 'topology gateways=0'
# A value each key accepts alone but the engine refuses with the others
# (FirstBurstLength above MaxBurstLength, RFC 7143 §13.14): the world
# fails at its start, naming the engine's reason (it died dividing by
# zero once, counting hosts it never set up).
n=$((n + 1))
out=$("$isim" run --seed 1 --set 'target max_burst=8192' 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "config refused: params.first_burst_length" <<<"$out"; then
	echo "ok: isim run --seed 1 --set 'target max_burst=8192' -> 1: config refused"
else
	echo "FAIL: isim run --seed 1 --set 'target max_burst=8192' -> exit $rc (want 1, config refused)"
	head -3 <<<"$out" | sed 's/^/    /'
	fails=$((fails + 1))
fi

echo "summary: $((n - fails)) of $n command line cases behave"
[ "$fails" -eq 0 ]
