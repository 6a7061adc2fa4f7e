#!/usr/bin/env bash
# live_tgt.sh BUILD: the simulator's initiator against tgt, a real target
# it shares no code with, over loopback TCP (run inside tools/netns-run.sh).
# Login with and without CHAP, immediate data, unsolicited and solicited
# Data-Out, digests, read-back, SYNCHRONIZE CACHE, logout.
set -uo pipefail
build=$1
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
work=$(mktemp -d)
export TGT_PORT=3390
trap 'conformance/targets/tgt.sh stop "$work" >/dev/null 2>&1; rm -rf "$work"' EXIT
conformance/targets/tgt.sh start "$work" || exit 1
. "$work/target.env"
probe=$build/rel/sim_live_probe
iqn=${URL#iscsi://*/}
iqn=${iqn%/*}
chap_iqn=${CHAP_URL#iscsi://*/}
chap_iqn=${chap_iqn%/*}
pass=0 fail=0
run() {
	if timeout 60 "$probe" "$@" >"$work/probe.log" 2>&1 && tail -1 "$work/probe.log" | grep -q PASS; then
		pass=$((pass + 1)); echo "PASS $*"
	else
		fail=$((fail + 1)); echo "FAIL $*"; tail -5 "$work/probe.log"
	fi
}
for flags in "" "-i" "-u" "-i -u" "-d" "-u -d"; do
	# shellcheck disable=SC2086
	run 127.0.0.1 "$TGT_PORT" "$iqn" 1 $flags
done
# tgt numbers SHA-1 as CHAP_A 7 (peers note), so offer MD5 only.
run 127.0.0.1 "${CHAP_PORTAL##*:}" "$chap_iqn" 1 -c conformance conformance-secret-1 -a 5
echo "summary: $pass passed, $fail failed against tgt"
[ $fail -eq 0 ]
