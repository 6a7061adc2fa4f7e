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
#   8. the unfenced twin (rbd "blocklist_on_break": false, as librbd's
#      rbd_blocklist_on_break_lock=false; the scenario library's
#      01-stale-write-fencing-off): steps 1-5 again with gateways C and D
#      on an image of their own; D's takeover breaks C's lock and
#      blocklists nobody; the paused write, released, is acknowledged and
#      LANDS on top of D's newer data: read back through D and from the
#      image itself (rbd export), the stale data is there. The data check
#      that step 5 passes flags the twin: this step asserts exactly that.
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
PORT_C=$((PORT_A + 2)) PORT_D=$((PORT_A + 3)) # the unfenced twin's (step 8)
TWIN=$IMAGE-unfenced
T=$(mktemp -d "${TMPDIR:-/tmp}/rt-failover.XXXXXX")
GW=$T/gw_tool
PIDS=()

. ref_target/tests/ceph/lib.sh # the cwd is the checkout (cd above)
trap 'ceph_cleanup ""' EXIT

gw() { timeout -k 2 30 "$GW" "$@" 2>&1; }

config() { # config NAME PORT [IMAGE [RBD_KEYS]]
	cat >"$T/$1.json" <<EOF
{ "portals": [ { "address": "127.0.0.1", "port": $2 } ],
  "lus": [ { "name": "lu0", "backstore": "rbd",
             "rbd": { "pool": "rbd", "image": "${3:-$IMAGE}", "conf": "$CEPH_CONF", "op_timeout_s": 20${4:+, $4} } } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                                            "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ] }
EOF
}

start_gw() { # start_gw NAME PORT [IMAGE [RBD_KEYS]]: sets PID
	config "$@"
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

# paused_write URL BYTE GW_PID: a client logged in to the gateway writes
# BYTE at LBA 0 while the gateway is stopped (SIGSTOP): the write PDU
# (immediate data) waits in its socket, unanswered. Sets PAUSED (the
# client's PID; its output in $T/paused.out).
paused_write() {
	rm -f "$T/go" "$T/go.ready"
	timeout -k 2 60 "$GW" "$1" write 0 "$2" "$T/go" >"$T/paused.out" 2>&1 &
	PAUSED=$!
	if wait_file "$T/go.ready" 10; then pass "the client is logged in to the owner"; else fail "client logs in to the owner"; fi
	kill -STOP "$3"
	touch "$T/go"
	sleep 1 # the write PDU lands in the stopped gateway's socket
	if kill -0 "$PAUSED" 2>/dev/null; then pass "the write to the stopped owner is unanswered"; else fail "write pending" "$(cat "$T/paused.out")"; fi
}

# took_over LOG PID: SIGUSR1, wait for the takeover's log line, print it
took_over() {
	local before
	before=$(grep -c "takeover: " "$1")
	kill -USR1 "$2"
	for _ in $(seq 100); do
		[ "$(grep -c "takeover: " "$1")" -gt "$before" ] && break
		sleep 0.1
	done
	grep "takeover: " "$1" | tail -n1
}

# image_byte IMAGE LBA: the byte the image itself holds at LBA's first
# byte, read from the cluster (rbd export), past every gateway
image_byte() {
	timeout 30 rbd -c "$CEPH_CONF" export --no-progress "rbd/$1" - 2>/dev/null |
		head -c $(($2 * 512 + 1)) | tail -c 1 | od -An -tx1 | tr -d ' \n' | sed 's/^/byte 0x/'
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
if grep "takeover: " "$T/a.log" | grep "took the exclusive lock: it was free" >/dev/null; then
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
paused_write "$URL_A" 0xa2 "$A"

# 3. B takes over
t0=$(date +%s%N)
took=$(took_over "$T/b.log" "$B")
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
if wait "$PAUSED"; then rc=0; else rc=$?; fi
expect "A rejects the paused write: NOT READY, unavailable (fail over)" "CHECK 2/04/0c" "$(cat "$T/paused.out")"
[ "$rc" = 3 ] || fail "the paused write's exit status" "$rc (want 3, CHECK CONDITION)"
sleep 1
expect "reading back through B gives B's data, not A's stale write" "byte 0xb1" "$(gw "$URL_B" read 0)"
expect "... and so does the image itself (rbd export)" "byte 0xb1" "$(image_byte "$IMAGE" 0)"

# 6. A stays fenced
expect "A, blocklisted, rejects a new write" "CHECK 2/04/0c" "$(gw "$URL_A" write 8 0xa3)"
expect "A's rejected write did not land" "byte 0x00" "$(gw "$URL_B" read 8)"

# 7. takeovers that change nothing say so
signal_says() { # signal_says NAME LOG PID TEXT
	local said
	said=$(took_over "$2" "$3")
	if grep -qF "$4" <<<"$said"; then pass "$1"; else fail "$1" "$said"; fi
}
signal_says "a second takeover by B changes nothing" "$T/b.log" "$B" "already holds the lock"
signal_says "A, blocklisted, cannot take over" "$T/a.log" "$A" "is blocklisted: restart it to serve"

# 8. the unfenced twin: steps 1-5 again, on an image of its own, with
# gateways C and D whose takeover breaks the lock without blocklisting
# ("blocklist_on_break": false, what librbd's rbd_blocklist_on_break_lock
# = false does; the scenario library's 01-stale-write-fencing-off). The
# paused write must now LAND on top of D's newer data: the data check
# that passed above flags it here, which is what the fencing buys.
timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$TWIN" || { fail "create image $TWIN"; exit 1; }
UNFENCED='"blocklist_on_break": false'
start_gw c "$PORT_C" "$TWIN" "$UNFENCED" || { fail "gateway C starts (unfenced)"; exit 1; }
C=$PID
start_gw d "$PORT_D" "$TWIN" "$UNFENCED" || { fail "gateway D starts (unfenced)"; exit 1; }
D=$PID
URL_C=iscsi://127.0.0.1:$PORT_C/$IQN/0
URL_D=iscsi://127.0.0.1:$PORT_D/$IQN/0
took=$(took_over "$T/c.log" "$C")
if grep -q "took the exclusive lock: it was free" <<<"$took"; then pass "twin: C takes the free lock"; else fail "twin: C takes the lock" "$took"; fi
expect "twin: C serves the first write" GOOD "$(gw "$URL_C" write 0 0xc1)"
paused_write "$URL_C" 0xc2 "$C"
bl_before=$(timeout 10 ceph -c "$CEPH_CONF" osd blocklist ls 2>/dev/null | grep -c '^127')
took=$(took_over "$T/d.log" "$D")
if grep -q "took the exclusive lock: broke .* UNFENCED" <<<"$took"; then
	pass "twin: D breaks C's lock without blocklisting it"
else
	fail "twin: D's unfenced takeover" "$took"
fi
bl_after=$(timeout 10 ceph -c "$CEPH_CONF" osd blocklist ls 2>/dev/null | grep -c '^127')
if [ "$bl_after" = "$bl_before" ]; then pass "twin: the blocklist is unchanged ($bl_after entries)"; else fail "twin: blocklist grew" "$bl_before -> $bl_after"; fi
expect "twin: D serves the client's newer write" GOOD "$(gw "$URL_D" write 0 0xd1)"
sleep 1 # D's write is on the OSD before C runs again
kill -CONT "$C"
if wait "$PAUSED"; then rc=0; else rc=$?; fi
expect "twin: C, never fenced, acknowledges the paused write" GOOD "$(cat "$T/paused.out")"
sleep 1
expect "twin FLAGGED: reading back through D gives C's stale write, not D's newer data" "byte 0xc2" "$(gw "$URL_D" read 0)"
expect "twin FLAGGED: ... and the image itself holds it (rbd export)" "byte 0xc2" "$(image_byte "$TWIN" 0)"

[ "$failed" -eq 0 ]
