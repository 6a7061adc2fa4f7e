#!/usr/bin/env bash
# ctl_socket.sh: the control socket's bounds and refusals at the daemon's
# level (ctl.h; the same paths in-process: test_ctl_socket.c,
# test_ctl_apply.c). --ctl-socket refused by path (too long, a directory
# that does not exist, a file that is not a socket: the daemon exits 1
# naming it, the file left alone); a stale socket (a daemon killed with
# SIGKILL) claimed by the next start; CTL_CLIENTS_MAX clients at once (the
# next is closed at once), idle clients closed after CTL_CLIENT_TIMEOUT_MS,
# clients that leave half-way, a request over CTL_REQ_MAX: the daemon
# answers the next client each time. saveconfig/restoreconfig refusals
# name the file and change nothing; a portal that cannot listen is said in
# the answer; a LUN of the quick flags keeps its thin provisioning (READ
# CAPACITY (16) LBPME/LBPRZ, SBC-3 §5.16.2) through a live change; a
# client connected at SIGTERM does not hold the stop.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

CTL=${CTL:-$BUILD/rel/reftarget-ctl}
IQN=iqn.2026-12.org.iscsi-sim:sock
S=$T/ctl.sock
c() { "$CTL" -s "$S" "$@"; }
# client.py SOCKET ACTION: raw clients of the control socket (python3)
cat >"$T/client.py" <<'PY'
import socket, sys, time
path, action = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(10)
    return s
def closed_without_answer(s):
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True
def ask(line):
    s = conn()
    s.sendall(line)
    data = b""
    while not data.endswith(b"\n"):
        b = s.recv(65536)
        if not b:
            break
        data += b
    return data.decode()
if action == "limit":
    # CTL_CLIENTS_MAX idle clients are held; the next one is closed at once
    idle = [conn() for _ in range(4)]
    time.sleep(0.3)
    extra = conn()
    extra.settimeout(2)
    if not closed_without_answer(extra):
        sys.exit("the client beyond CTL_CLIENTS_MAX was answered")
    # the idle ones are closed after CTL_CLIENT_TIMEOUT_MS (5 s), not before
    t0 = time.time()
    for s in idle:
        if not closed_without_answer(s):
            sys.exit("an idle client got an answer")
    waited = time.time() - t0
    if not 3.5 < waited < 8:
        sys.exit("idle clients closed after %.1f s, not about 5" % waited)
    print("idle clients closed after %.1f s" % waited)
elif action == "half":
    # half a request, then gone; and a whole one, gone before the answer
    s = conn(); s.sendall(b'{"cmd": "l'); s.close()
    s = conn(); s.sendall(b'{"cmd": "ls"}\n'); s.close()
    s = conn(); s.close()
elif action == "eof":
    # a request ended by EOF instead of a newline is still a request
    s = conn(); s.sendall(b'{"cmd": "ls"}'); s.shutdown(socket.SHUT_WR)
    a = s.recv(65536).decode()
    if '"ok":true' not in a:
        sys.exit("no answer to a request ended by EOF: " + a)
elif action == "flood":
    # far more than CTL_REQ_MAX without a newline: refused by its length
    s = conn()
    try:
        s.sendall(b"{" + b" " * (1 << 20))
    except (BrokenPipeError, ConnectionResetError):
        pass
    a = s.recv(65536).decode()
    if "CTL_REQ_MAX" not in a:
        sys.exit("no CTL_REQ_MAX refusal: " + a)
elif action == "ls":
    a = ask(b'{"cmd": "ls"}\n')
    if '"ok":true' not in a:
        sys.exit("ls: " + a)
elif action == "hold":
    # connect and wait (the daemon is stopped meanwhile)
    s = conn()
    print("connected", flush=True)
    s.settimeout(30)
    closed_without_answer(s)
PY
py() { timeout 20 python3 "$T/client.py" "$S" "$@"; }
# said PATTERN: what the last refuse printed holds PATTERN (check itself
# writes $T/out, so it is kept as $T/why first)
said() { grep -q -- "$1" "$T/why"; }

# --ctl-socket refused by path: exit 1, the path in the message
LONG=$T/$(printf 'x%.0s' $(seq 120))/ctl.sock
refuse "a socket path longer than sun_path is refused" "$REFTARGET" --state-dir "$T/s0" --lun ram:1M --ctl-socket "$LONG"
cp "$T/out" "$T/why"
check "... naming the path and its limit" said "control socket $LONG: path longer than 107 bytes"
refuse "a socket in a directory that does not exist is refused" "$REFTARGET" --state-dir "$T/s0" --lun ram:1M \
	--ctl-socket "$T/no-such-dir/ctl.sock"
cp "$T/out" "$T/why"
check "... naming the path and why" said "control socket $T/no-such-dir/ctl.sock: No such file or directory"
echo keep >"$T/plain"
refuse "a socket path that is a file is refused" "$REFTARGET" --state-dir "$T/s0" --lun ram:1M --ctl-socket "$T/plain"
cp "$T/out" "$T/why"
check "... naming it" said "control socket $T/plain: exists and is not a socket"
check "... the file left as it was" grep -qx keep "$T/plain"

# a stale socket: what a daemon killed with SIGKILL leaves
if start killed --lun ram:1M --target "$IQN" --ctl-socket "$S"; then
	kill -KILL "$PID"
	wait "$PID" 2>/dev/null
	check "the killed daemon left its socket file" test -S "$S"
else
	fail "reftarget starts with a control socket"
fi
if start main --lun ram:64M --target "$IQN" --ctl-socket "$S"; then
	check "the next daemon claims the stale socket" c ls
	check "CTL_CLIENTS_MAX clients at once; idle ones closed after CTL_CLIENT_TIMEOUT_MS" py limit
	check "a request ended by EOF is answered" py eof
	check "clients that leave half-way cost nothing" py half
	check "a request over CTL_REQ_MAX is refused by its length" py flood
	check "the daemon answers the next client" py ls
	# thin provisioning of a quick-flag LUN survives a live change
	LU=iscsi://127.0.0.1:3260/$IQN/0
	thin() { iscsi-readcapacity16 "$LU" | grep -q 'LBPME:1 LBPRZ:1'; }
	check "the quick LUN is thin (READ CAPACITY (16) LBPME, LBPRZ)" thin
	check "a live change (a RAM backstore)" c /backstores/ramdisk create d1 1M
	check "the running LUN is still thin after it" thin
	# refusals name the file and change nothing
	c ls >"$T/ls.before"
	refuse "saveconfig into a directory that does not exist is refused" c saveconfig "$T/no-such-dir/x.json"
	cp "$T/out" "$T/why"
	check "... naming the file" said "saveconfig: $T/no-such-dir/x.json: No such file or directory"
	refuse "restoreconfig of a file that does not exist is refused" c restoreconfig "$T/none.json"
	cp "$T/out" "$T/why"
	check "... naming the file" said "$T/none.json: No such file or directory"
	echo '{"lus": 7}' >"$T/bad.json"
	refuse "restoreconfig of a file that does not load is refused" c restoreconfig "$T/bad.json"
	cp "$T/out" "$T/why"
	check "... naming the file and line" said "$T/bad.json:1: (top level): missing required key 'portals'"
	check "the configuration is as before the refusals" bash -c "'$CTL' -s '$S' ls | cmp -s - '$T/ls.before'"
	check "a portal that cannot listen is said in the answer" bash -c \
		"'$CTL' -s '$S' /iscsi/$IQN/tpg1/portals create 192.0.2.1 3260 | grep -q 'portals\[1\] does not listen: cannot listen on 192.0.2.1:3260'"
	# a client still connected when the daemon is told to stop
	py hold >"$T/hold.out" 2>&1 &
	HOLD=$!
	wait_for "$T/hold.out" connected 1
	stop "$PID"
	check "a client connected at SIGTERM does not hold the stop (exit 0)" test "$RC" -eq 0
	hold_done() { wait "$HOLD"; }
	check "the client was closed" hold_done
	check "the socket file is gone" test ! -e "$S"
else
	fail "reftarget starts on a stale control socket"
fi
summary
