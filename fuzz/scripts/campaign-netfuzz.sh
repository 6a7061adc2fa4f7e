#!/usr/bin/env bash
# campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT: one slice of the
# fuzzing campaign's network fuzzer (fuzz/scripts/campaign.sh): isim
# netfuzz, coverage-guided, against BUILD/netcov/reftarget (a 64 MiB RAM
# LU) for SECONDS with seed SEED, the cases of CORPUS first (--seeds, when
# it has any), findings and kept cases under OUT (emptied first; the
# fuzzer's output in OUT/netfuzz.out). The target runs under a supervisor
# that restarts it when it dies (a crash is a finding, the slice goes on)
# and that waits for it at the end, so that its CPU time is counted in
# this script's children (campaign.sh measures the slice's CPU so).
# Run inside tools/netns-run.sh. Exit status: isim netfuzz's (0 no finding,
# 1 findings, 2 could not run).
set -uo pipefail
build=${1:?usage: campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT}
secs=${2:?usage: campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT}
seed=${3:?usage: campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT}
corpus=${4:?usage: campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT}
out=${5:?usage: campaign-netfuzz.sh BUILD SECONDS SEED CORPUS OUT}
cd "$(dirname "$0")/../.." || exit 2
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "campaign-netfuzz.sh: run me through tools/netns-run.sh" >&2; exit 2; }
target=$build/netcov/reftarget
[ -x "$target" ] && [ -x "$build/rel/isim" ] || { echo "campaign-netfuzz.sh: no $target or $build/rel/isim" >&2; exit 2; }
port=3410 iqn=iqn.2026-12.org.iscsi-sim:netfuzz
rm -rf "$out"
mkdir -p "$out"
map=$out/cov.map

(
	child=
	trap '[ -n "$child" ] && { kill "$child" 2>/dev/null; wait "$child"; }; exit 0' TERM
	while :; do
		RT_NETCOV_MAP=$map "$target" --portal "127.0.0.1:$port" --target "$iqn" --lun ram:64M \
			--state-dir "$out/state" -q >>"$out/reftarget.log" 2>&1 &
		child=$!
		wait "$child"
		echo "supervisor: reftarget exited with status $? (restarting)" >>"$out/reftarget.log"
		sleep 0.3
	done
) &
sup=$!
trap 'kill "$sup" 2>/dev/null; wait "$sup" 2>/dev/null' EXIT
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

seeds=()
[ -n "$(ls "$corpus"/*.case 2>/dev/null)" ] && seeds=(--seeds "$corpus")
"$build/rel/isim" netfuzz --url "iscsi://127.0.0.1:$port/$iqn/0" --seconds "$secs" --seed "$seed" \
	--cov-map "$map" --out "$out" --restart-wait 20 "${seeds[@]}" >"$out/netfuzz.out" 2>&1
rc=$?
tail -1 "$out/netfuzz.out"
rm -f "$map"
exit $rc
