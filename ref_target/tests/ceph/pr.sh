#!/usr/bin/env bash
# pr.sh: persistent reservations shared by two reftarget gateways through
# RADOS (rbd "pr_shared": the object "<image>.pr", updated with a
# compare-and-set on its version; ref_target/scsi/pr_shared.c), so that a
# cluster's fencing by SCSI PR (fence_scsi, Windows failover clustering)
# holds across a gateway failover.
#
#   1. gateways A and B export one image with pr_shared; A owns it
#   2. initiators register concurrently through both gateways: every
#      registration survives (the losers of the compare-and-set reapply)
#   3. through A, I1 reserves WRITE EXCLUSIVE, REGISTRANTS ONLY; B answers
#      READ RESERVATION the same; the record is in RADOS ("PRS1")
#   4. a change through B reaches A's I/O checks before B answers (B's
#      store notifies, A marks its cached state stale before it
#      acknowledges): I2 registered through B writes through A at once;
#      unregistered through B, it conflicts through A at once
#   5. A dies (SIGKILL); B takes over (SIGUSR1: lock break, blocklist)
#   6. through B: READ KEYS and READ RESERVATION show what was made
#      through A; a non-registered initiator's WRITE is a RESERVATION
#      CONFLICT, a registrant's passes
#   7. through B, registrant I3 PREEMPTs I1: I1, A's old holder, is fenced
#   8. A restarted (a new client: the old one is blocklisted) reads the
#      state from RADOS, not from anything local
#   9. a gateway that does not acknowledge a change in time is fenced
#      before the change is answered: B (the owner) stopped (SIGSTOP), I3
#      preempts I4 through A (answered after the notify's 5 s, A's log
#      names B blocklisted); B resumed (SIGCONT) with a write of I4's
#      waiting in its socket: never GOOD (B's old state would let it
#      through: the window the simulator's model found)
#  10. a corrupt record fails closed: PR IN is a CHECK CONDITION (HARDWARE
#      ERROR), the log says why
#  11. the unshared twin ("pr_shared": false, each gateway's PR state its
#      own, as ceph-iscsi's; the scenario library's
#      09-pr-failover-unshared-state): gateways E and F on an image of
#      their own; I1's reservation made through E is not reported through
#      F, and after E dies and F takes over, the unregistered I2's WRITE
#      through F is GOOD. Steps 3 and 6 pass these checks with pr_shared;
#      this step asserts that the twin fails them.
#
# Needs a running Ceph (tools/ceph-up.sh) named by CEPH_CONF, in this
# network namespace; ceph-test.sh provides both. PR_KEEP=DIR keeps the
# gateways' logs there (e.g. to look for sanitizer reports with
# REFTARGET=build/asan/reftarget). Ends with
# "summary: N passed, M failed".
cd "$(dirname "$0")/../../.." || exit 1
set -uo pipefail
BUILD=${BUILD:-build}
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
CEPH_CONF=${CEPH_CONF:?CEPH_CONF: the ceph.conf of a running cluster (tools/ceph-up.sh)}
IMAGE=${PR_IMAGE:-prshared}
IQN=iqn.2026-12.org.iscsi-sim:rbd-pr
PORT_A=${PR_PORT:-3280}
PORT_B=$((PORT_A + 1))
PORT_E=$((PORT_A + 2)) PORT_F=$((PORT_A + 3)) # the unshared twin's (step 11)
TWIN=$IMAGE-local
T=$(mktemp -d "${TMPDIR:-/tmp}/rt-cephpr.XXXXXX")
PRT=$T/pr_tool
PIDS=()
EXIT_CONFLICT=3 # pr_tool: RESERVATION CONFLICT
I1=(-i iqn.2026-12.org.iscsi-sim:node1) # the reservation holder, through A
I2=(-i iqn.2026-12.org.iscsi-sim:node2) # never registered
I3=(-i iqn.2026-12.org.iscsi-sim:node3) # registered; preempts through B
I4=(-i iqn.2026-12.org.iscsi-sim:node4) # registered, then preempted while B is stopped

. ref_target/tests/ceph/lib.sh # the cwd is the checkout (cd above)
trap 'ceph_cleanup "${PR_KEEP:-}"' EXIT

# pr URL ARGS...: one pr_tool run, bounded; its output, and its status in $RC
pr() { timeout -k 2 30 "$PRT" "$@" >"$T/out" 2>&1; RC=$?; cat "$T/out"; }
# is NAME WANT CMD...: CMD exits 0 and prints exactly WANT (lines)
is() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$T/got"
	got=$(cat "$T/got")
	if [ "$RC" = 0 ] && [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "exit $RC, want '$want', got '$(tr '\n' ' ' <<<"$got")'"; fi
}
# exits NAME RC CMD...: CMD ends with exit status RC
exits() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$T/got"
	got=$(cat "$T/got")
	if [ "$RC" = "$want" ]; then pass "$name"; else fail "$name" "exit $RC, want $want: $(tr '\n' ' ' <<<"$got")"; fi
}
# gen URL: READ KEYS's PRgeneration line
gen() { pr "$1" read-keys >/dev/null; head -n1 "$T/out"; }
# keys URL: READ KEYS, the keys sorted, one line
keys() { pr "$1" read-keys >/dev/null; grep '^key ' "$T/out" | sort | tr '\n' ' '; }

config() { # config NAME PORT [IMAGE PR_SHARED]
	cat >"$T/$1.json" <<EOF
{ "portals": [ { "address": "127.0.0.1", "port": $2 } ],
  "lus": [ { "name": "lu0", "backstore": "rbd",
             "rbd": { "pool": "rbd", "image": "${3:-$IMAGE}", "conf": "$CEPH_CONF", "op_timeout_s": 20,
                      "pr_shared": ${4:-true} } } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                                            "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ] }
EOF
}

start_gw() { # start_gw NAME PORT [IMAGE PR_SHARED]: sets PID
	config "$@"
	"$REFTARGET" --config "$T/$1.json" --state-dir "$T/state-$1" -v >>"$T/$1.log" 2>&1 &
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

takeover() { # takeover NAME PID: SIGUSR1, wait for the log line
	local before
	before=$(grep -c "takeover: " "$T/$1.log")
	kill -USR1 "$2"
	for _ in $(seq 100); do
		[ "$(grep -c "takeover: " "$T/$1.log")" -gt "$before" ] && break
		sleep 0.1
	done
	grep "takeover: " "$T/$1.log" | tail -n1
}

gcc -O2 -Wall -Wextra -Werror -o "$PRT" ref_target/tests/integration/pr_tool.c -liscsi || { fail "pr_tool builds"; exit 1; }
timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$IMAGE" || { fail "create image $IMAGE"; exit 1; }

# 1. two gateways, A the owner
start_gw a "$PORT_A" || { fail "gateway A starts (pr_shared)"; exit 1; }
A=$PID
start_gw b "$PORT_B" || { fail "gateway B starts (pr_shared)"; exit 1; }
B=$PID
URL_A=iscsi://127.0.0.1:$PORT_A/$IQN/0
URL_B=iscsi://127.0.0.1:$PORT_B/$IQN/0
took=$(takeover a "$A")
if grep -q "took the exclusive lock" <<<"$took"; then pass "A owns the image"; else fail "A owns the image" "$took"; fi
is "a fresh image has no registrations (through B)" "generation 0" pr "$URL_B" read-keys

# 2. concurrent registrations through both gateways: none lost
regs=()
for n in 1 2 3 4 5 6; do
	url=$URL_A
	[ $((n % 2)) = 0 ] && url=$URL_B
	timeout -k 2 30 "$PRT" -i "iqn.2026-12.org.iscsi-sim:racer$n" "$url" register "0x5$n" >"$T/race$n.out" 2>&1 &
	regs+=($!)
done
race_ok=1
for p in "${regs[@]}"; do wait "$p" || race_ok=0; done
RACERS="key 0x51 key 0x52 key 0x53 key 0x54 key 0x55 key 0x56 "
got=$(keys "$URL_A")
if [ $race_ok = 1 ] && [ "$got" = "$RACERS" ]; then
	pass "6 concurrent REGISTERs through A and B: every one stored"
else
	fail "concurrent REGISTERs" "$(cat "$T"/race*.out | tr '\n' ' ') keys: $got"
fi
lost=$(grep -h "stores lost" "$T/a.log" "$T/b.log" | head -n1)
is "... and PRgeneration counted each (through B)" "generation 6" gen "$URL_B"
races=$(cat "$T/a.log" "$T/b.log" | grep -c "another gateway stored first")
echo "note: $races store(s) lost a compare-and-set and were applied again${lost:+; $lost}"

# 3. the reservation, made through A
is "I1 registers 0xa1 through A" "" pr "${I1[@]}" "$URL_A" register 0xa1
is "I3 registers 0xc3 through B" "" pr "${I3[@]}" "$URL_B" register 0xc3
is "I1 reserves WRITE EXCLUSIVE, REGISTRANTS ONLY through A" "" pr "${I1[@]}" "$URL_A" reserve 0xa1 we-ro
is "B reports A's reservation" "generation 8
key 0xa1 type we-ro" pr "$URL_B" read-reservation
magic=$(timeout 10 rados -c "$CEPH_CONF" -p rbd get "$IMAGE.pr" - 2>&1 | head -c 4)
if [ "$magic" = PRS1 ]; then pass "the state is the RADOS object rbd/$IMAGE.pr (PRS1)"; else fail "RADOS object $IMAGE.pr" "$magic"; fi

# 4. B's changes reach A's I/O checks before B answers (watch/notify)
exits "through A: unregistered I2's WRITE is a RESERVATION CONFLICT" $EXIT_CONFLICT pr "${I2[@]}" "$URL_A" write 3
is "I2 registers 0xb2 through B" "" pr "${I2[@]}" "$URL_B" register 0xb2
exits "through A, at once: I2, now a registrant, writes" 0 pr "${I2[@]}" "$URL_A" write 3
is "I2 unregisters through B" "" pr "${I2[@]}" "$URL_B" unregister 0xb2
exits "through A, at once: I2's WRITE conflicts again" $EXIT_CONFLICT pr "${I2[@]}" "$URL_A" write 3

# 5. A dies; B takes over
kill -KILL "$A"
wait "$A" 2>/dev/null
took=$(takeover b "$B")
if grep -q "took the exclusive lock" <<<"$took"; then pass "B takes over from the dead A"; else fail "B takes over" "$took"; fi

# 6. through B, after the failover
is "through B: READ KEYS shows every registration" "$RACERS""key 0xa1 key 0xc3 " keys "$URL_B"
is "through B: READ RESERVATION shows I1's (0xa1, we-ro)" "generation 10
key 0xa1 type we-ro" pr "$URL_B" read-reservation
exits "through B: a non-registered initiator's WRITE is a RESERVATION CONFLICT" $EXIT_CONFLICT \
	pr "${I2[@]}" "$URL_B" write 0
exits "through B: a registrant's WRITE passes (registrants only)" 0 pr "${I3[@]}" "$URL_B" write 0
exits "through B: the holder's WRITE passes" 0 pr "${I1[@]}" "$URL_B" write 1

# 7. I3 preempts I1 through B: A's old holder is fenced
t0=$(date +%s%N)
is "through B: I3 PREEMPTs 0xa1" "" pr "${I3[@]}" "$URL_B" preempt 0xc3 0xa1 we-ro
# the dead A's watch went with its blocklisting: the notify waits for nobody
echo "note: PREEMPT through B after A's death and blocklisting took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
is "through B: the reservation is I3's" "generation 11
key 0xc3 type we-ro" pr "$URL_B" read-reservation
is "through B: I1's registration is gone" "$RACERS""key 0xc3 " keys "$URL_B"
exits "through B: I1, the old holder, is fenced (RESERVATION CONFLICT)" $EXIT_CONFLICT \
	pr "${I1[@]}" "$URL_B" write 2

# 8. A comes back as a new client: the state is RADOS's, not A's
start_gw a2 "$PORT_A" || { fail "gateway A restarts"; exit 1; }
is "restarted A reads I3's reservation from RADOS" "generation 11
key 0xc3 type we-ro" pr "$URL_A" read-reservation
exits "restarted A: I1's WRITE is a RESERVATION CONFLICT" $EXIT_CONFLICT pr "${I1[@]}" "$URL_A" write 2

# 9. a stopped gateway misses a change: fenced before the change is answered
A2=$PID
is "I4 registers 0xd4 through B" "" pr "${I4[@]}" "$URL_B" register 0xd4
exits "through B: I4, a registrant, writes" 0 pr "${I4[@]}" "$URL_B" write 5
kill -STOP "$B"
t0=$(date +%s%N)
is "B stopped: I3 PREEMPTs I4 through A" "" pr "${I3[@]}" "$URL_A" preempt 0xc3 0xd4 we-ro
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# I4's write waits in B's socket while B is stopped (connect and login
# queued by the kernel), so B's loop meets it when it resumes.
timeout -k 2 30 "$PRT" "${I4[@]}" "$URL_B" write 5 >"$T/late.out" 2>&1 &
late=$!
sleep 1
kill -CONT "$B"
wait "$late"
late_rc=$?
if [ "$ms" -ge 4000 ] && grep -q "did not acknowledge a PR change within 5000 ms: blocklisted" "$T/a2.log"; then
	pass "A answered the PREEMPT after the notify timed out ($ms ms), having blocklisted B"
else
	fail "A fences the silent B" "$ms ms; a2.log: $(grep -i 'acknowledge' "$T/a2.log" | tail -n1)"
fi
if [ "$late_rc" -ne 0 ]; then
	pass "resumed B: the preempted I4's write is not acknowledged (exit $late_rc: $(head -c 100 "$T/late.out" | tr '\n' ' '))"
else
	fail "resumed B acknowledged the preempted I4's write with its old state" "$(cat "$T/late.out")"
fi

# 10. a corrupt record fails closed (through A: B is blocklisted now)
printf 'XXXX, not a PR record at all' >"$T/bad"
timeout 10 rados -c "$CEPH_CONF" -p rbd put "$IMAGE.pr" "$T/bad" || fail "rados put a corrupt record"
exits "a corrupt record: PR IN through A fails (exit 1, CHECK CONDITION)" 1 pr "$URL_A" read-keys
if grep -q "HARDWARE_ERROR" "$T/out" && grep -q "unreadable (not a PR record (magic))" "$T/a2.log"; then
	pass "... HARDWARE ERROR to the initiator, the reason in A's log"
else
	fail "corrupt record's answer" "$(cat "$T/out"); log: $(grep unreadable "$T/a2.log" | tail -n1)"
fi

# 11. the unshared twin: the reservation lives in the gateway it was made through
timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$TWIN" || { fail "create image $TWIN"; exit 1; }
start_gw e "$PORT_E" "$TWIN" false || { fail "gateway E starts (pr_shared off)"; exit 1; }
E=$PID
start_gw f "$PORT_F" "$TWIN" false || { fail "gateway F starts (pr_shared off)"; exit 1; }
F=$PID
URL_E=iscsi://127.0.0.1:$PORT_E/$IQN/0
URL_F=iscsi://127.0.0.1:$PORT_F/$IQN/0
took=$(takeover e "$E")
if grep -q "took the exclusive lock" <<<"$took"; then pass "twin: E owns the image"; else fail "twin: E owns the image" "$took"; fi
is "twin: I1 registers 0xa1 through E" "" pr "${I1[@]}" "$URL_E" register 0xa1
is "twin: I1 reserves WRITE EXCLUSIVE, REGISTRANTS ONLY through E" "" pr "${I1[@]}" "$URL_E" reserve 0xa1 we-ro
is "twin: E reports it" "generation 1
key 0xa1 type we-ro" pr "$URL_E" read-reservation
is "twin FLAGGED: F does not report E's reservation" "generation 0
none" pr "$URL_F" read-reservation
kill -KILL "$E"
wait "$E" 2>/dev/null
took=$(takeover f "$F")
if grep -q "took the exclusive lock" <<<"$took"; then pass "twin: F takes over from the dead E"; else fail "twin: F takes over" "$took"; fi
exits "twin FLAGGED: through F, the unregistered I2's WRITE is GOOD (no RESERVATION CONFLICT)" 0 \
	pr "${I2[@]}" "$URL_F" write 0

[ "$failed" -eq 0 ]
