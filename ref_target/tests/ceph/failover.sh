#!/usr/bin/env bash
# failover.sh: two reftarget gateways export one RBD image; ownership by
# the image's exclusive lock, takeover by lock break and blocklist (the
# Ceph iSCSI gateway's fencing, ref_target/backstore/rbd.c).
#
#   1. gateway A takes the free image's lock (SIGUSR1; a gateway also takes
#      it at its first write) and serves a write; gateway B, not the owner,
#      refuses writes (NOT READY, transition) but serves reads
#   2. a client logged in to A sends a write while A is stopped (SIGSTOP):
#      the write waits in A's socket, unanswered
#   3. B takes over (SIGUSR1): blocklists A by its full client address
#      (ip:port/nonce; both gateways are 127.0.0.1, a bare IP would fence
#      B too), breaks A's lock, takes it
#   4. the client writes newer data through B
#   5. A continues (SIGCONT): its paused write must be rejected (librbd
#      -108, answered NOT READY 04/0C "unavailable": fail over, do not
#      retry here), never acknowledged, and must not land: reading back
#      through B gives B's data
#   6. A stays fenced: a new write through A is rejected too
#   7. a second takeover by B changes nothing; A, blocklisted, cannot
#      take over
# and COMPARE AND WRITE as librbd's compare-and-write (rbd.c): through the
# owner, against never-written blocks, a miscompare's INFORMATION the byte
# that differs (in an image's second object, where librbd 16's
# mismatch_off is not the image offset), refused by the non-owner, and
# through B after the takeover against what A's compare wrote.
#
# Needs a running Ceph (tools/ceph-up.sh) named by CEPH_CONF, in this
# network namespace; ceph-test.sh provides both. Ends with
# "summary: N passed, M failed".
cd "$(dirname "$0")/../../.." || exit 1
set -uo pipefail
BUILD=${BUILD:-build}
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
CEPH_CONF=${CEPH_CONF:?CEPH_CONF: the ceph.conf of a running cluster (tools/ceph-up.sh)}
IMAGE=${FAILOVER_IMAGE:-failover}
IQN=iqn.2026-11.org.iscsi-sim:rbd-gw
PORT_A=${FAILOVER_PORT:-3270}
PORT_B=$((PORT_A + 1))
T=$(mktemp -d "${TMPDIR:-/tmp}/rt-failover.XXXXXX")
GW=$T/gw_tool
PIDS=()

. ref_target/tests/ceph/lib.sh # the cwd is the checkout (cd above)
trap 'ceph_cleanup ""' EXIT

gw() { timeout -k 2 30 "$GW" "$@" 2>&1; }

config() { # config NAME PORT
	cat >"$T/$1.json" <<EOF
{ "portals": [ { "address": "127.0.0.1", "port": $2 } ],
  "lus": [ { "name": "lu0", "backstore": "rbd",
             "rbd": { "pool": "rbd", "image": "$IMAGE", "conf": "$CEPH_CONF", "op_timeout_s": 20 } } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                                            "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ] }
EOF
}

start_gw() { # start_gw NAME PORT: sets PID
	config "$1" "$2"
	"$REFTARGET" --config "$T/$1.json" --state-dir "$T/state-$1" -v >"$T/$1.log" 2>&1 &
	PID=$!
	PIDS+=("$PID")
	for _ in $(seq 100); do
		grep -q "ready:" "$T/$1.log" && return 0
		sleep 0.1
	done
	echo "gateway $1 did not start:"
	tail -n 20 "$T/$1.log"
	return 1
}

wait_file() { # wait_file FILE SECONDS
	local i
	for i in $(seq $(($2 * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

gcc -O2 -Wall -Wextra -Werror -o "$GW" ref_target/tests/ceph/gw_tool.c -liscsi || { fail "gw_tool builds"; exit 1; }
timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$IMAGE" || { fail "create image $IMAGE"; exit 1; }

start_gw a "$PORT_A" || { fail "gateway A starts"; exit 1; }
A=$PID
start_gw b "$PORT_B" || { fail "gateway B starts"; exit 1; }
B=$PID
URL_A=iscsi://127.0.0.1:$PORT_A/$IQN/0
URL_B=iscsi://127.0.0.1:$PORT_B/$IQN/0
# the same image shows the same identity through both gateways (multipath)
sa=$(grep -o 'serial [0-9a-f]*' "$T/a.log") sb=$(grep -o 'serial [0-9a-f]*' "$T/b.log")
if [ -n "$sa" ] && [ "$sa" = "$sb" ]; then pass "both gateways give the LU one serial ($sa)"; else fail "one serial" "$sa vs $sb"; fi

# 1. A owns the image (a takeover of a free image), and writes; B is not the owner
kill -USR1 "$A"
for _ in $(seq 50); do
	grep -q "takeover: " "$T/a.log" && break
	sleep 0.1
done
if grep "takeover: " "$T/a.log" | grep -q "took the exclusive lock: it was free"; then
	pass "A takes the free image's lock"
else
	fail "A takes the free lock" "$(grep "takeover: " "$T/a.log")"
fi
expect "A serves the first write" GOOD "$(gw "$URL_A" write 0 0xa1)"
owner=$(timeout 10 rbd -c "$CEPH_CONF" lock ls "rbd/$IMAGE" 2>&1)
if grep -q "auto " <<<"$owner"; then pass "the image has an exclusive-lock owner"; else fail "lock owner" "$owner"; fi
expect "B, not the owner, refuses a write (NOT READY, transition)" "CHECK 2/04/0a" "$(gw "$URL_B" write 64 0xb0)"
expect "B serves reads of A's data" "byte 0xa1" "$(gw "$URL_B" read 0)"
# COMPARE AND WRITE on block 8200: 4 MiB + 4 KiB, in the image's second object
expect "A's COMPARE AND WRITE of a never-written block (zeroes)" GOOD "$(gw "$URL_A" caw 8200 0x00 0xc1)"
expect "a miscompare names the differing byte (INFORMATION)" "CHECK e/1d/00 info 300" \
	"$(gw "$URL_A" caw 8200 0xc1 0xc3 300)"
expect "B, not the owner, refuses a COMPARE AND WRITE (NOT READY, transition)" "CHECK 2/04/0a" \
	"$(gw "$URL_B" caw 8200 0xc1 0xc3)"
expect "neither wrote: A's compare with the first value holds" GOOD "$(gw "$URL_A" caw 8200 0xc1 0xc3)"

# 2. a write to A that A receives while stopped
rm -f "$T/go" "$T/go.ready"
timeout -k 2 60 "$GW" "$URL_A" write 0 0xa2 "$T/go" >"$T/paused.out" 2>&1 &
paused=$!
if wait_file "$T/go.ready" 10; then pass "the client is logged in to A"; else fail "client logs in to A"; fi
kill -STOP "$A"
touch "$T/go"
sleep 1 # the write PDU (immediate data) lands in A's socket
if kill -0 "$paused" 2>/dev/null; then pass "the write to the stopped A is unanswered"; else fail "write pending" "$(cat "$T/paused.out")"; fi

# 3. B takes over
t0=$(date +%s%N)
kill -USR1 "$B"
for _ in $(seq 100); do
	grep -q "takeover: " "$T/b.log" && break
	sleep 0.1
done
took=$(grep "takeover: " "$T/b.log" | tail -n1)
if grep -q "took the exclusive lock" <<<"$took"; then
	pass "B took over in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
	fail "B takes over" "$took"
fi
bl=$(timeout 10 ceph -c "$CEPH_CONF" osd blocklist ls 2>/dev/null)
if grep -Eq '^127\.0\.0\.1:[0-9]+/[0-9]+ ' <<<"$bl" && ! grep -Eq '^127\.0\.0\.1(:0)?/0 |^127\.0\.0\.1 ' <<<"$bl"; then
	pass "A is blocklisted by its full address ($(grep -Eo '^127\.0\.0\.1:[0-9]+/[0-9]+' <<<"$bl" | head -n1)), not a bare IP"
else
	fail "blocklist by full address" "$bl"
fi
addr=$(grep -Eo '^127\.0\.0\.1:[0-9]+/[0-9]+' <<<"$bl" | head -n1)
if [ -n "$addr" ] && grep -qF "blocklisted $addr;" <<<"$took"; then
	pass "the blocklisted address is the one B's takeover chose"
else
	fail "B's takeover names the blocklisted address" "$took"
fi

# 4. newer data through B
expect "B serves the client's newer write" GOOD "$(gw "$URL_B" write 0 0xb1)"
expect "B's COMPARE AND WRITE sees what A's wrote" GOOD "$(gw "$URL_B" caw 8200 0xc3 0xc4)"
expect "B's COMPARE AND WRITE with A's old value miscompares at byte 0" "CHECK e/1d/00 info 0" \
	"$(gw "$URL_B" caw 8200 0xc3 0xc5)"

# 5. A continues: its paused write is rejected and does not land
kill -CONT "$A"
if wait "$paused"; then rc=0; else rc=$?; fi
expect "A rejects the paused write: NOT READY, unavailable (fail over)" "CHECK 2/04/0c" "$(cat "$T/paused.out")"
[ "$rc" = 3 ] || fail "the paused write's exit status" "$rc (want 3, CHECK CONDITION)"
sleep 1
expect "reading back through B gives B's data, not A's stale write" "byte 0xb1" "$(gw "$URL_B" read 0)"

# 6. A stays fenced
expect "A, blocklisted, rejects a new write" "CHECK 2/04/0c" "$(gw "$URL_A" write 8 0xa3)"
expect "A's rejected write did not land" "byte 0x00" "$(gw "$URL_B" read 8)"

# 7. takeovers that change nothing say so
signal_says() { # signal_says NAME LOG PID TEXT
	local before
	before=$(grep -c "takeover: " "$2")
	kill -USR1 "$3"
	for _ in $(seq 50); do
		[ "$(grep -c "takeover: " "$2")" -gt "$before" ] && break
		sleep 0.1
	done
	if grep "takeover: " "$2" | tail -n1 | grep -qF "$4"; then pass "$1"; else fail "$1" "$(grep "takeover: " "$2" | tail -n1)"; fi
}
signal_says "a second takeover by B changes nothing" "$T/b.log" "$B" "already holds the lock"
signal_says "A, blocklisted, cannot take over" "$T/a.log" "$A" "is blocklisted: restart it to serve"

[ "$failed" -eq 0 ]
