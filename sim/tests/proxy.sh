#!/usr/bin/env bash
# proxy.sh BUILD: the fault-injecting proxy (`isim proxy`) against real
# peers, inside tools/netns-run.sh (everything on the namespace's loopback).
#   1. determinism: the simulator's initiator (sim_live_probe: login, TUR,
#      writes and reads of 1..1024 blocks with R2T-solicited Data-Out,
#      SYNCHRONIZE CACHE, logout) through the proxy to reftarget, with
#      latency + jitter, a slicer on to_ini and every R2T held: twice; the
#      two fault logs are identical (offsets and PDU indexes) and the probe
#      passes both times; the same with the connection cut right after the
#      3rd Data-Out (the probe's session sees its connection drop);
#   2. each fault does what it says (a python peer on each side):
#      reset after= bytes -> the client reads ECONNRESET; blackhole -> the
#      client's read times out while the connection stays open; bandwidth
#      rate= -> the measured rate is within 25 % of it; limit_data -> the
#      client gets exactly that many bytes, then EOF; hold_r2t -> the
#      probe takes at least 350 ms longer per R2T held (hold=400ms); iscsi-inq
#      (libiscsi) through a slicer of 1..3 bytes works; a connect during a
#      partition is not answered (the client's connect waits, its kernel
#      retransmits the SYN) and forms only after the heal, and not at all
#      when the client gave up first; with --syn hold the connect completes
#      and the target hears of it at the heal; --start signal holds the
#      schedule until SIGUSR1;
#   3. a non-loopback --listen or --to is refused (exit 2).
# Ends with a summary line; results under BUILD/proxy-test/.
set -uo pipefail
build=${1:?usage: proxy.sh BUILD}
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
isim=$build/rel/isim
probe=$build/rel/sim_live_probe
out=$build/proxy-test
rm -rf "$out"
mkdir -p "$out"
TPORT=3380 PPORT=3381 EPORT=3382
IQN=iqn.2026-12.org.iscsi-sim:proxy
. sim/tests/lib.sh

# proxy NAME TO_PORT FAULTS...: start a proxy on PPORT, log in out/NAME.log.
proxy() {
	local name=$1 to=$2
	shift 2
	local args=()
	for f in "$@"; do args+=(--fault "$f"); done
	"$isim" proxy --listen 127.0.0.1:$PPORT --to 127.0.0.1:"$to" --seed 7 --log "$out/$name.log" \
		--seconds 60 "${args[@]}" >"$out/$name.out" 2>&1 &
	PROXY_PID=$!
	pids+=("$PROXY_PID")
	# Not wait_port: a probe connection would be the proxy's connection 0.
	for _ in $(seq 100); do grep -q listening "$out/$name.out" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
unproxy() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }

"$build/rel/reftarget" --portal 127.0.0.1:$TPORT --target $IQN --lun ram:64M -q --state-dir "$out/state" \
	>"$out/reftarget.log" 2>&1 &
pids+=($!)
wait_port $TPORT || { echo "reftarget did not start"; cat "$out/reftarget.log"; exit 1; }

# 1. determinism
MIX=("latency lat=1ms jitter=4ms" "slicer min=1 max=900 delay=0ns dir=to_ini" "hold_r2t hold=20ms")
for run in a b; do
	proxy "mix-$run" $TPORT "${MIX[@]}"
	if timeout 60 "$probe" 127.0.0.1 $PPORT $IQN 0 -i >"$out/probe-mix-$run.log" 2>&1 &&
		tail -1 "$out/probe-mix-$run.log" | grep -q PASS; then
		ok "probe through latency+slicer+hold_r2t (run $run)"
	else
		bad "probe through latency+slicer+hold_r2t (run $run)"; tail -5 "$out/probe-mix-$run.log"
	fi
	unproxy
done
holds=$(grep -c 'fault=hold_r2t' "$out/mix-a.log")
if [ "$holds" -ge 4 ] && cmp -s "$out/mix-a.log" "$out/mix-b.log"; then
	ok "same schedule, same client traffic: identical fault logs ($(wc -l <"$out/mix-a.log") lines, $holds R2Ts held)"
else
	bad "fault logs differ or hold nothing ($holds R2Ts held)"; diff "$out/mix-a.log" "$out/mix-b.log" | head
fi
for run in a b; do
	proxy "cut-$run" $TPORT "cut_after_dataout n=3 conn=0"
	timeout 60 "$probe" 127.0.0.1 $PPORT $IQN 0 -i >"$out/probe-cut-$run.log" 2>&1
	echo "rc=$?" >>"$out/probe-cut-$run.log"
	unproxy
done
if grep -q 'conn=0 dir=to_gw off=[0-9]* pdu=[0-9]* fault=cut_after_dataout op=data_out n=3' "$out/cut-a.log" &&
	cmp -s "$out/cut-a.log" "$out/cut-b.log" && grep -q 'session event 1 .*closed by peer' "$out/probe-cut-a.log" &&
	grep -q 'session event 1 .*closed by peer' "$out/probe-cut-b.log"; then
	ok "cut after the 3rd Data-Out: same offset twice ($(cut -d' ' -f3,4 "$out/cut-a.log")), the session saw its connection drop both times"
else
	bad "cut after the 3rd Data-Out"; cat "$out/cut-a.log" "$out/cut-b.log"; tail -5 "$out/probe-cut-a.log"
fi

# 2. each fault does what it says, against a python peer
python3 - "$EPORT" >"$out/peer.log" 2>&1 <<'EOF' &
import socket, sys, threading, time
# echo, except that a client sending "SEND n\n" gets n bytes; each accept
# is logged with its CLOCK_MONOTONIC time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def serve(c):
    try:
        first = c.recv(65536)
        if first.startswith(b"SEND "):
            c.sendall(b"x" * int(first.split()[1]))
        else:
            while first:
                c.sendall(first); first = c.recv(65536)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept(); print("accept %.3f" % time.monotonic(), flush=True)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
pids+=($!)
wait_port $EPORT || { echo "peer did not start"; exit 1; }
client() { timeout 30 python3 - "$PPORT" "$@"; }

proxy reset $EPORT "reset after=100 dir=to_gw"
r=$(client <<'EOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.settimeout(5)
c.sendall(b"a" * 300)
got = 0
try:
    while True:
        b = c.recv(65536)
        if not b: print("eof", got); break
        got += len(b)
except ConnectionResetError: print("reset", got)
except socket.timeout: print("timeout", got)
EOF
)
unproxy
# The peer got 100 bytes and the RST right behind them: the client may
# see some of its echo, never more than 100 bytes, then ECONNRESET.
case $r in
"reset "[0-9]*) [ "${r#reset }" -le 100 ] && ok "reset after=100: the client read ${r#reset } bytes, then ECONNRESET" || bad "reset: '$r'" ;;
*) bad "reset: client saw '$r'" ;;
esac

proxy blackhole $EPORT "blackhole dir=to_ini at=0s"
r=$(client <<'EOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.settimeout(1.5)
c.sendall(b"ping")
try:
    b = c.recv(100); print("eof" if not b else "data")
except socket.timeout: print("timeout")
except ConnectionResetError: print("reset")
EOF
)
unproxy
[ "$r" = timeout ] && ok "blackhole: the client's read times out, the connection stays open" || bad "blackhole: client saw '$r'"

# --start signal: the rules' clock stays at 0 until SIGUSR1 (the open-iscsi
# guest logs in through the proxy before its workload starts the schedule)
"$isim" proxy --listen 127.0.0.1:$PPORT --to 127.0.0.1:$EPORT --seed 7 --log "$out/held.log" --seconds 60 \
	--fault "blackhole dir=to_ini at=1s" --start signal >"$out/held.out" 2>&1 &
PROXY_PID=$!
pids+=("$PROXY_PID")
for _ in $(seq 100); do grep -q listening "$out/held.out" 2>/dev/null && break; sleep 0.05; done
r=$(client "$PROXY_PID" <<'EOF'
import os, signal, socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.settimeout(1.5)
def ping():
    c.sendall(b"ping")
    try:
        b = c.recv(100); return "eof" if not b else "data"
    except socket.timeout: return "timeout"
time.sleep(1.5)                      # past at=1s: the clock is held, no blackhole yet
first = ping()
os.kill(int(sys.argv[2]), signal.SIGUSR1)
time.sleep(1.3)                      # 1 s after the signal the blackhole starts
print(first, ping())
EOF
)
unproxy
[ "$r" = "data timeout" ] && ok "--start signal: no timed fault before SIGUSR1, the blackhole at=1s one second after it" ||
	bad "--start signal: client saw '$r' (want 'data timeout')"

# A connect during a partition: as on a real network nothing answers its
# SYN (the listener's filter drops it), the client's kernel retransmits it
# (1 s, then 2 s later ...), and the first SYN after the heal forms the
# connection: connect() returns >= 0.9 s after it began (it would at once
# without the partition: the proxy accepts at once otherwise), the target
# accepts then, and the echo follows. A client that gave up during the
# partition (connect timeout) reaches nothing, before or after the heal.
accepts() { grep -c '^accept' "$out/peer.log"; }
n0=$(accepts)
proxy syn $EPORT "partition at=0s for=3s"
r=$(client <<'EOF'
import socket, sys, time
t0 = time.monotonic()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
t1 = time.monotonic()
c.sendall(b"ping")
try:
    b = c.recv(100); print("%.3f %.3f %s" % (t0, t1 - t0, "echo" if b == b"ping" else "other"))
except OSError: print("%.3f %.3f error" % (t0, t1 - t0))
EOF
)
unproxy
read -r t0 took what <<<"$r"
t_acc=$(grep '^accept' "$out/peer.log" | sed -n "$((n0 + 1))p" | cut -d' ' -f2)
if [ "$what" = echo ] && [ -n "$t_acc" ] && awk -v a="$t_acc" -v c="$t0" -v k="$took" 'BEGIN { exit !(k >= 0.9 && a - c >= 0.9) }' &&
	grep -q 'event=syn_lost' "$out/syn.log" && grep -q 'event=syn_answered' "$out/syn.log"; then
	ok "a connect during a partition: unanswered until the heal (connect took $took s), then the target accepts and echoes"
else
	bad "connect during a partition: client '$r', target accepted at '$t_acc'"; cat "$out/syn.log"
fi
n0=$(accepts)
proxy synq $EPORT "partition at=0s for=3s"
r=$(client <<'EOF'
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5); print("connected")
except socket.timeout: print("timeout")
EOF
)
sleep 3.2 # past the partition's end, whenever the client started
unproxy
if [ "$r" = timeout ] && [ "$(accepts)" = "$n0" ]; then
	ok "a client that gave up during the partition: its connect timed out, the target never saw it"
else
	bad "a client that gave up during the partition: '$r', $(($(accepts) - n0)) connection(s) reached the target"; cat "$out/synq.log"
fi

# --syn hold (the open-iscsi guest's proxies: its relay's connect must not
# outlive the guest's connection): the connect completes at once, the
# target hears of it only at the heal (>= 0.3 s after the client's
# connect; the client's start-up eats into the partition on a loaded
# machine), then the echo.
n0=$(accepts)
"$isim" proxy --listen 127.0.0.1:$PPORT --to 127.0.0.1:$EPORT --seed 7 --log "$out/synhold.log" --seconds 60 \
	--fault "partition at=0s for=3s" --syn hold >"$out/synhold.out" 2>&1 &
PROXY_PID=$!
pids+=("$PROXY_PID")
for _ in $(seq 100); do grep -q listening "$out/synhold.out" 2>/dev/null && break; sleep 0.05; done
r=$(client <<'EOF'
import socket, sys, time
t0 = time.monotonic()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
t1 = time.monotonic()
c.sendall(b"ping")
try:
    b = c.recv(100); print("%.3f %.3f %s" % (t0, t1 - t0, "echo" if b == b"ping" else "other"))
except OSError: print("%.3f %.3f error" % (t0, t1 - t0))
EOF
)
unproxy
read -r t0 took what <<<"$r"
t_acc=$(grep '^accept' "$out/peer.log" | sed -n "$((n0 + 1))p" | cut -d' ' -f2)
if [ "$what" = echo ] && [ -n "$t_acc" ] && awk -v a="$t_acc" -v c="$t0" -v k="$took" 'BEGIN { exit !(k < 0.5 && a - c >= 0.3) }' &&
	grep -q 'event=syn_held' "$out/synhold.log" && grep -q 'event=syn_released' "$out/synhold.log"; then
	ok "--syn hold: the connect completes at once ($took s), the target hears of it at the heal, then the echo"
else
	bad "--syn hold: client '$r', target accepted at '$t_acc'"; cat "$out/synhold.log"
fi

proxy bw $EPORT "bandwidth rate=500000 dir=to_ini"
r=$(client <<'EOF'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.settimeout(10)
n = 1000000; t0 = time.monotonic(); c.sendall(b"SEND %d\n" % n); got = 0
while got < n:
    b = c.recv(65536)
    if not b: break
    got += len(b)
print(got, int(got / (time.monotonic() - t0)))
EOF
)
unproxy
rate=${r#* }
if [ "${r% *}" = 1000000 ] && [ "$rate" -ge 375000 ] && [ "$rate" -le 625000 ]; then
	ok "bandwidth rate=500000: measured $rate B/s (tolerance 25 %)"
else
	bad "bandwidth: '$r'"
fi

proxy limit $EPORT "limit_data after=5000 dir=to_ini"
r=$(client <<'EOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.settimeout(5)
c.sendall(b"SEND 100000\n"); got = 0
try:
    while True:
        b = c.recv(65536)
        if not b: break
        got += len(b)
    print("eof", got)
except OSError as e: print("error", got)
EOF
)
unproxy
[ "$r" = "eof 5000" ] && ok "limit_data after=5000: exactly 5000 bytes, then EOF" || bad "limit_data: client saw '$r'"

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; local rc=$?; t1=$(date +%s%N); echo "$(((t1 - t0) / 1000000)) $rc"; }
proxy plain $TPORT
base=$(ms timeout 60 "$probe" 127.0.0.1 $PPORT $IQN 0 -i)
unproxy
proxy hold $TPORT "hold_r2t hold=400ms"
held=$(ms timeout 60 "$probe" 127.0.0.1 $PPORT $IQN 0 -i)
unproxy
nheld=$(grep -c 'fault=hold_r2t' "$out/hold.log")
if [ "${base#* }" = 0 ] && [ "${held#* }" = 0 ] && [ $((${held% *} - ${base% *})) -ge $((nheld * 350)) ] &&
	[ "$nheld" -ge 4 ]; then
	ok "hold_r2t hold=400ms: the probe took ${held% *} ms against ${base% *} ms ($nheld R2Ts held)"
else
	bad "hold_r2t: ${held} against ${base}, $nheld R2Ts held"
fi

proxy inq $TPORT "slicer min=1 max=3 dir=both"
if timeout 30 iscsi-inq "iscsi://127.0.0.1:$PPORT/$IQN/0" >"$out/inq.log" 2>&1 && grep -qi 'vendor' "$out/inq.log"; then
	ok "iscsi-inq (libiscsi) through a 1..3-byte slicer"
else
	bad "iscsi-inq through the slicer"; tail -3 "$out/inq.log"
fi
unproxy

# 3. loopback only
for args in "--listen 10.1.2.3:$PPORT --to 127.0.0.1:$TPORT" "--listen 127.0.0.1:$PPORT --to 192.0.2.1:3260"; do
	# shellcheck disable=SC2086
	"$isim" proxy $args --seconds 1 >"$out/refuse.log" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q 'not a loopback' "$out/refuse.log"; then ok "refused: $args"; else bad "not refused ($rc): $args"; fi
done

echo "summary: $pass passed, $fail failed"
[ $fail -eq 0 ]
