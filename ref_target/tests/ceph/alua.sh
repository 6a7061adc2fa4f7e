#!/usr/bin/env bash
# alua.sh: ALUA that follows the exclusive lock across two reftarget
# gateways on one RBD image (rbd "alua_group"; backstore/rbd_own.c, the
# ownership record "<image>.alua": backstore/rbd_alua.h).
#
#   lu0 (image alua):
#   (each gateway's portal group has its own relative port id, 1 and 2,
#   and lists the other's in "alua", so RTPG reports the same groups and
#   ports through both)
#   1. nobody owns yet: REPORT TARGET PORT GROUPS through A and through B
#      answer the same, both groups active/optimized
#   2. a write through A takes the lock (implicit): both RTPGs say
#      1:AO 2:S; B refuses a write (NOT READY, standby), takes no lock
#   3. a path checker probing every path (TEST UNIT READY, INQUIRY, RTPG
#      through both) moves nothing
#   4. STPG through B for B's group: A hands over cooperatively (drains,
#      releases; nobody is blocklisted); both RTPGs say 1:S 2:AO; B writes;
#      A, the old owner, refuses a write (standby), never acknowledges it
#   5. STPG through B naming A's group: B asks A (notify); both say 1:AO 2:S
#   lu1 (image alua-pp):
#   6. two clients that disagree about the path, each writing through its
#      gateway and, refused, asking for it with STPG (as Linux's
#      scsi_dh_alua does): at most RBDA_TRANSFERS_MAX (4) transfers, then
#      STPG fails (HARDWARE ERROR 67/0A) and writes to the non-owner are
#      refused with the ALUA state (standby): counted
#   lu0 again:
#   7. the owner A stopped (SIGSTOP) with a write in its socket: STPG
#      through B waits RBD_OWN_RELEASE_MS for A's hand-over, then fences
#      A (blocklist by full address, lock break) and answers GOOD; A,
#      continued (SIGCONT), rejects the paused write (NOT READY 04/0C:
#      unavailable), the data is B's; A's RTPG reports its group
#      unavailable
#   8. a would-be owner that asks B, the owner, for the lock and then never
#      takes it (notify "release" by notify_tool, what a new owner that dies
#      mid hand-over leaves): B drains, releases, reports its group
#      TRANSITIONING, and within RBDA_TRANSITION_MAX_MS (5 s) finds nobody
#      recorded, the lock free, and serves again: 2:AO, a write GOOD, the
#      record's gen unchanged (no transfer)
#
# Needs a running Ceph (tools/ceph-up.sh) named by CEPH_CONF, in this
# network namespace; ceph-test.sh provides both. Ends with
# "summary: N passed, M failed".
cd "$(dirname "$0")/../../.." || exit 1
set -uo pipefail
BUILD=${BUILD:-build}
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
CEPH_CONF=${CEPH_CONF:?CEPH_CONF: the ceph.conf of a running cluster (tools/ceph-up.sh)}
IMAGE=${ALUA_IMAGE:-alua}
IQN=iqn.2026-12.org.iscsi-sim:rbd-alua
PORT_A=${ALUA_PORT:-3290}
PORT_B=$((PORT_A + 1))
TRANSFERS_MAX=4 # RBDA_TRANSFERS_MAX (backstore/rbd_alua.h)
T=$(mktemp -d "${TMPDIR:-/tmp}/rt-alua.XXXXXX")
GW=$T/gw_tool
NOTIFY=$T/notify_tool
PIDS=()

. ref_target/tests/ceph/lib.sh # the cwd is the checkout (cd above)
trap 'ceph_cleanup "${ALUA_KEEP:-}"' EXIT

gw() { timeout -k 2 30 "$GW" "$@" 2>&1; }
rtpg() { gw "$1" rtpg | head -n1; }
# same NAME WANT LUN: RTPG through A and through B both WANT (the other
# gateway learns by notify: a moment)
same() {
	local a b
	for _ in $(seq 30); do
		a=$(rtpg "iscsi://127.0.0.1:$PORT_A/$IQN/$3") b=$(rtpg "iscsi://127.0.0.1:$PORT_B/$IQN/$3")
		[ "$a" = "groups $2" ] && [ "$b" = "groups $2" ] && break
		sleep 0.1
	done
	if [ "$a" = "groups $2" ] && [ "$b" = "groups $2" ]; then pass "$1: RTPG through A and B: $2"; else fail "$1" "A '$a', B '$b', want '$2'"; fi
}
# record IMAGE: the ownership record's text
record() { timeout 10 rados -c "$CEPH_CONF" -p rbd get "$1.alua" - 2>/dev/null; }
gen() { record "$1" | sed -n 's/.* gen=\([0-9]*\) .*/\1/p'; }
# blocklisted: the cluster's blocklisted client addresses, sorted (earlier
# steps of ceph-test.sh leave theirs: compare before and after)
blocklisted() { timeout 10 ceph -c "$CEPH_CONF" osd blocklist ls 2>/dev/null | grep -Eo '^127\.0\.0\.1:[0-9]+/[0-9]+' | sort; }

config() { # config NAME PORT GROUP
	cat >"$T/$1.json" <<EOC
{ "portals": [ { "address": "127.0.0.1", "port": $2 } ],
  "lus": [ { "name": "lu0", "backstore": "rbd",
             "rbd": { "pool": "rbd", "image": "$IMAGE", "conf": "$CEPH_CONF", "op_timeout_s": 20,
                      "alua_group": $3 },
             "alua": [ { "tpg": 1, "relative_port": 1 }, { "tpg": 2, "relative_port": 2 } ] },
           { "name": "lu1", "backstore": "rbd",
             "rbd": { "pool": "rbd", "image": "$IMAGE-pp", "conf": "$CEPH_CONF", "op_timeout_s": 20,
                      "alua_group": $3 },
             "alua": [ { "tpg": 1, "relative_port": 1 }, { "tpg": 2, "relative_port": 2 } ] } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "tag": $3, "relative_port": $3, "portals": [ 0 ], "open_access": true,
                                            "luns": [ { "lun": 0, "lu": "lu0" }, { "lun": 1, "lu": "lu1" } ] } ] } ] }
EOC
}

start_gw() { # start_gw NAME PORT GROUP: sets PID
	config "$1" "$2" "$3"
	"$REFTARGET" --config "$T/$1.json" --state-dir "$T/state-$1" -v >"$T/$1.log" 2>&1 &
	PID=$!
	PIDS+=("$PID")
	for _ in $(seq 100); do
		grep -q "ready:" "$T/$1.log" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "gateway $1 did not start:"
	tail -n 20 "$T/$1.log"
	return 1
}

wait_file() { # wait_file FILE SECONDS
	for _ in $(seq $(($2 * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

gcc -O2 -Wall -Wextra -Werror -o "$GW" ref_target/tests/ceph/gw_tool.c -liscsi || { fail "gw_tool builds"; exit 1; }
gcc -O2 -Wall -Wextra -Werror -o "$NOTIFY" ref_target/tests/ceph/notify_tool.c -lrados || { fail "notify_tool builds"; exit 1; }
for img in "$IMAGE" "$IMAGE-pp"; do
	timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$img" || { fail "create image $img"; exit 1; }
done
start_gw a "$PORT_A" 1 || { fail "gateway A starts"; exit 1; }
A=$PID
start_gw b "$PORT_B" 2 || { fail "gateway B starts"; exit 1; }
B=$PID
A0=iscsi://127.0.0.1:$PORT_A/$IQN/0 B0=iscsi://127.0.0.1:$PORT_B/$IQN/0
A1=iscsi://127.0.0.1:$PORT_A/$IQN/1 B1=iscsi://127.0.0.1:$PORT_B/$IQN/1

# 1. no owner yet
same "nobody owns yet" "1:AO:1 2:AO:2" 0

# 2. implicit: the first write takes the lock
expect "A serves the first write (takes the lock)" GOOD "$(gw "$A0" write 0 0xa1)"
same "A owns" "1:AO:1 2:S:2" 0
expect "B, standby, refuses a write (NOT READY, standby)" "CHECK 2/04/0b" "$(gw "$B0" write 8 0xb0)"
g0=$(gen "$IMAGE")
echo "note: record after the first write: $(record "$IMAGE")"

# 3. a checker probing every path moves nothing
for url in "$A0" "$B0" "$A0" "$B0"; do gw "$url" rtpg >/dev/null; gw "$url" read 0 >/dev/null; done
if [ "$(gen "$IMAGE")" = "$g0" ]; then pass "RTPG, TUR, INQUIRY and reads through both paths: no transfer (gen $g0)"; else fail "probes moved the lock" "gen $g0 -> $(gen "$IMAGE")"; fi

# 4. explicit: STPG through B for its own group, a cooperative hand-over
bl0=$(blocklisted)
t0=$(date +%s%N)
expect "STPG through B (group 2 active/optimized)" GOOD "$(gw "$B0" stpg 2)"
echo "note: the cooperative hand-over took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
same "after STPG through B" "1:S:1 2:AO:2" 0
expect "B, the new owner, writes" GOOD "$(gw "$B0" write 0 0xb1)"
expect "A, the old owner, refuses a write (standby), never acknowledges it" "CHECK 2/04/0b" "$(gw "$A0" write 0 0xa2)"
new=$(comm -13 <(echo "$bl0") <(blocklisted) | grep -c .)
if [ "$new" = 0 ]; then pass "a cooperative hand-over blocklists nobody"; else fail "cooperative hand-over" "$new new blocklist entries"; fi

# 5. STPG through B naming A's group: B asks A
expect "STPG through B naming A's group 1" GOOD "$(gw "$B0" stpg 1)"
same "after STPG for group 1 through B" "1:AO:1 2:S:2" 0
expect "A owns again and writes" GOOD "$(gw "$A0" write 16 0xa3)"

# 6. two clients that disagree about the path, on lu1
moves=0 refused=0 acked_on_standby=0
for round in $(seq 8); do
	for side in A B; do
		if [ $side = A ]; then url=$A1 grp=1; else url=$B1 grp=2; fi
		out=$(gw "$url" write $((round * 8)) "$round")
		if [ "$out" != GOOD ]; then
			[ "$out" = "CHECK 2/04/0b" ] || [ "$out" = "CHECK 2/04/0a" ] || acked_on_standby=$((acked_on_standby + 1))
			st=$(gw "$url" stpg $grp)
			if [ "$st" = GOOD ]; then moves=$((moves + 1)); else refused=$((refused + 1)); last=$st; fi
		fi
	done
done
rec=$(record "$IMAGE-pp")
# every transfer raises gen by one; each gateway logs the ones it made
transfers=$(gen "$IMAGE-pp")
logged=$(cat "$T/a.log" "$T/b.log" | grep -c "$IMAGE-pp.alua: group [12] owns the lock")
echo "note: ping-pong: $moves STPG moves, $refused refused (${last:-none}); record: $rec"
if [ "$transfers" -le $TRANSFERS_MAX ] && [ "$logged" = "$transfers" ] && [ "$refused" -gt 0 ]; then
	pass "two hosts disagreeing: $transfers transfers (bound $TRANSFERS_MAX; the first write's included), $refused STPGs refused"
else
	fail "bounded transfers" "$transfers transfers in the record, $logged logged, $moves moves, $refused refused"
fi
expect "a refused STPG is SET TARGET PORT GROUPS COMMAND FAILED" "CHECK 4/67/0a" "${last:-none}"
[ $acked_on_standby = 0 ] && pass "every refused write was answered with the ALUA state" || fail "odd answers" "$acked_on_standby"
pp=$(rtpg "$A1")
same "lu1 after the ping-pong" "${pp#groups }" 1

# 7. the owner stopped mid-write: the hand-over times out, B fences A
rm -f "$T/go" "$T/go.ready"
bl0=$(blocklisted)
timeout -k 2 60 "$GW" "$A0" write 0 0xa4 "$T/go" >"$T/paused.out" 2>&1 &
paused=$!
wait_file "$T/go.ready" 10 || fail "client logs in to A"
kill -STOP "$A"
touch "$T/go"
sleep 1
t0=$(date +%s%N)
expect "STPG through B while A is stopped" GOOD "$(gw "$B0" stpg 2)"
echo "note: the hand-over from a stopped owner took $(( ($(date +%s%N) - t0) / 1000000 )) ms (RBD_OWN_RELEASE_MS 3000)"
addr=$(comm -13 <(echo "$bl0") <(blocklisted))
if [ -n "$addr" ] && [ "$(grep -c . <<<"$addr")" = 1 ] && grep -qF "blocklisted $addr;" "$T/b.log"; then
	pass "A fenced by its full address ($addr), the one B's log names"
else
	fail "A blocklisted by full address" "new: '$addr'; B: $(grep 'did not hand over' "$T/b.log")"
fi
expect "B writes" GOOD "$(gw "$B0" write 0 0xb2)"
kill -CONT "$A"
wait "$paused"
expect "A rejects the paused write (NOT READY, unavailable)" "CHECK 2/04/0c" "$(cat "$T/paused.out")"
sleep 0.5
expect "the data is B's" "byte 0xb2" "$(gw "$B0" read 0)"
expect "B's RTPG after the fencing" "groups 1:S:1 2:AO:2" "$(rtpg "$B0")"
# (A, blocklisted, can no longer read the record: it reports the others'
# states as it last knew them)
a=$(rtpg "$A0")
if [[ $a == "groups 1:U:1 "* ]]; then pass "A's RTPG: its own group unavailable ($a)"; else fail "A's RTPG" "$a"; fi

# 8. a hand-over nobody completes: B, the owner, leaves TRANSITIONING
g0=$(gen "$IMAGE")
t0=$(date +%s%N)
# (A, blocklisted, has no watch to acknowledge: the notify times out there)
echo "note: release asked of B: $(timeout 20 "$NOTIFY" "$CEPH_CONF" rbd "$IMAGE.alua" release 2000 2>&1)"
expect "B released the lock to nobody: its group transitioning" "groups 1:S:1 2:T:2" "$(rtpg "$B0")"
b=
for _ in $(seq 80); do
	b=$(rtpg "$B0")
	[ "$b" = "groups 1:S:1 2:AO:2" ] && break
	sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$b" = "groups 1:S:1 2:AO:2" ] && grep -q "nobody took the lock group 2 handed over" "$T/b.log"; then
	pass "B left TRANSITIONING on its own (after $ms ms; RBDA_TRANSITION_MAX_MS 5000)"
else
	fail "B left TRANSITIONING" "after $ms ms RTPG '$b'"
fi
expect "B writes again (takes the free lock back)" GOOD "$(gw "$B0" write 0 0xb3)"
if [ "$(gen "$IMAGE")" = "$g0" ]; then pass "no transfer recorded (gen $g0)"; else fail "the record moved" "gen $g0 -> $(gen "$IMAGE")"; fi

[ "$failed" -eq 0 ]
