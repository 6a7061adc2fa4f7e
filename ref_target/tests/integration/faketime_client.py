#!/usr/bin/env python3
"""faketime_client.py: the raw-socket initiator of daemon_faketime.sh.

It measures the reftarget daemon's timers (RFC 7143 §11.18-19 NOP-In,
the pre-login, login and logout timeouts) and what it does with
Time2Wait/Time2Retain while the daemon runs under libfaketime at SPEED times
real time. This client runs in real time: a span it measures, times SPEED,
is the span in the daemon's (faked) time. Every wait has a real-time limit
a few times the expected span, so a daemon whose clock is not sped up fails
in seconds with a message saying so, instead of hanging.

usage: faketime_client.py PORT TARGET INITIATOR SPEED CASE EXPECT_S...
CASE and its expected spans in faked seconds:
  nop_interval INTERVAL        an idle FFP connection that answers every
                               NOP-In gets the next one INTERVAL after its
                               answer (three in a row)
  nop_timeout INTERVAL TIMEOUT a connection that never answers: one NOP-In
                               after INTERVAL, no second, closed TIMEOUT
                               after it (INTERVAL + TIMEOUT after our last PDU)
  prelogin SILENCE             connect, send nothing: closed after SILENCE
  login_stall LOGIN            one Login PDU with T=0, then nothing: closed
                               LOGIN after the connect
  logout_times T2W T2R         Logout "remove the connection for recovery"
                               at ERL 0: response 2 carrying the negotiated
                               DefaultTime2Wait / DefaultTime2Retain (§11.15)
  after_drop ERL T2W           at ErrorRecoveryLevel ERL (0 or 1) a
                               connection that just vanished: its session
                               is gone at once (a login to its TSIH: 0x020a;
                               keeping it for Time2Retain is connection
                               recovery, ERL 2's, §7.2.2: daemon_erl2.sh)
                               and a new session with the same ISID is
                               accepted well within Time2Wait: that wait is
                               the initiator's to keep (§11.15.2), the
                               target does not enforce it
  async_logout PID TIMEOUT     logs in, sends the daemon (PID) SIGTERM: an
                               Async Message "logout requested" (§11.9.1)
                               whose Parameter3 is TIMEOUT, then, as we
                               never log out, the close TIMEOUT after it
Each measurement prints "ok CASE ..." or "bad CASE ..." (exit 1 on bad).
"""
import os
import signal
import socket
import sys
import time

PORT, IQN, INI = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SPEED = float(sys.argv[4])
CASE = sys.argv[5]
ARGS = [float(a) for a in sys.argv[6:]]

# A span in faked seconds is right within [LOW, HIGH] of its expected
# value, plus SLACK_REAL real seconds of scheduling delay on top (2 shared
# cores: either process can be late to run by a few tenths of a second;
# 0.3 s seen at a load average of 12).
# Spans run from a moment no later than the daemon's start of the timer
# (last_send, connect) to when we see it act, so they come out long, never
# short: the daemon fires a timer only once its clock is past it (loop.c
# checks the deadline after every epoll_wait), and LOW can stay tight.
LOW = 0.95
HIGH = 1.1
SLACK_REAL = 0.5
# Waits end after this many times the expected span, in real time.
WAIT_FACTOR = 3.0

OP_NOP_OUT, OP_LOGIN, OP_LOGOUT = 0x00, 0x03, 0x06
OP_NOP_IN, OP_LOGIN_RSP, OP_LOGOUT_RSP, OP_ASYNC = 0x20, 0x23, 0x26, 0x32
FFP_LOGIN = 0x80 | (1 << 2) | 3  # T, CSG operational, NSG full feature
STAY_LOGIN = 1 << 2              # CSG operational, T=0: the login goes on
ISID = bytes([0x80, 0, 0, 0, 0x12, 0x34])

failures = 0
# When our last PDU went out (time.monotonic()): the daemon's timers
# count from when it received it, which is no earlier. Spans measured from
# here to when we see the daemon act can only come out long when either
# process is late to run, never short: the lower bound stays tight.
last_send = 0.0


def faked(real_s):
    return real_s * SPEED


def faked_to_real(faked_s):
    return faked_s / SPEED


def verdict(name, measured, expect):
    """measured and expect in faked seconds."""
    global failures
    lo = expect * LOW
    hi = expect * HIGH + faked(SLACK_REAL)
    good = lo <= measured <= hi
    if not good:
        failures += 1
    print("%s %s measured %.2f s faked (%.3f s real), expected %.2f s [%.2f, %.2f]" %
          ("ok" if good else "bad", name, measured, measured / SPEED, expect, lo, hi))


def bad(name, why):
    global failures
    failures += 1
    print("bad %s %s" % (name, why))


def bhs(op, flags, dsl=0, itt=1):
    h = bytearray(48)
    h[0], h[1] = op, flags
    h[5:8] = dsl.to_bytes(3, "big")
    h[16:20] = itt.to_bytes(4, "big")
    return h


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def connect():
    return socket.create_connection(("127.0.0.1", PORT), timeout=5)


def recv_pdu(s, limit_real):
    """The next PDU (header, data), None on close, "timeout" if none came
    within limit_real real seconds."""
    s.settimeout(limit_real)
    buf = b""
    try:
        while len(buf) < 48:
            c = s.recv(48 - len(buf))
            if not c:
                return None
            buf += c
        n = int.from_bytes(buf[5:8], "big")
        want = n + (-n % 4)
        data = b""
        while len(data) < want:
            c = s.recv(want - len(data))
            if not c:
                return None
            data += c
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return None
    return buf, data[:n]


def keys_of(data):
    return dict(k.split("=", 1) for k in data.decode().split("\0") if "=" in k)


def send(s, b):
    global last_send
    last_send = time.monotonic()
    s.sendall(b)


def login(s, flags, keys, exp_statsn=0, tsih=0):
    data = b"".join(k.encode() + b"\0" for k in keys)
    h = bhs(0x40 | OP_LOGIN, flags, len(data), 0x77)
    h[8:14] = ISID
    h[14:16] = tsih.to_bytes(2, "big")
    h[24:28] = (1).to_bytes(4, "big")  # CmdSN
    h[28:32] = exp_statsn.to_bytes(4, "big")
    send(s, bytes(h) + pad(data))


FIRST_KEYS = ["InitiatorName=" + INI, "SessionType=Normal", "TargetName=" + IQN]
# What the target declares (§13.12, §13.9): not answered.
DECLARED = {"TargetPortalGroupTag", "MaxRecvDataSegmentLength", "TargetAlias", "TargetAddress"}


def login_status(s, keys, tsih):
    """One Login Request straight to FFP: the response's status, or None."""
    login(s, FFP_LOGIN, keys, 0, tsih)
    r = recv_pdu(s, 5)
    if not isinstance(r, tuple) or r[0][0] & 0x3F != OP_LOGIN_RSP:
        return None
    return int.from_bytes(r[0][36:38], "big")


def login_ffp(name, extra=()):
    """A session in full feature phase: (socket, last login response, the
    keys the target sent). Keys the target offers (it offers a
    DefaultTime2Wait/Retain other than the RFC's 2 and 20, §13.15-16) are
    accepted as offered, then T=1 again."""
    s = connect()
    keys, got = FIRST_KEYS + list(extra), {}
    exp_statsn = 0
    for _ in range(4):
        login(s, FFP_LOGIN, keys, exp_statsn)
        r = recv_pdu(s, 5)
        if not isinstance(r, tuple) or r[0][0] & 0x3F != OP_LOGIN_RSP or r[0][36:38] != b"\0\0":
            bad(name, "login failed: %r" % (r if not isinstance(r, tuple) else r[0][36:38].hex()))
            return None, None, None
        h, data = r
        sent = keys_of(data)
        got.update(sent)
        exp_statsn = (int.from_bytes(h[24:28], "big") + 1) & 0xFFFFFFFF
        if h[1] & 0x80 and h[1] & 3 == 3:
            return s, h, got
        offered = {k for k in (k.split("=", 1)[0] for k in keys)}
        keys = ["%s=%s" % (k, v) for k, v in sent.items() if k not in DECLARED and k not in offered]
    bad(name, "no full feature phase after 4 Login Requests")
    return None, None, None


def nop_answer(s, nop_in, cmdsn, exp_statsn):
    """§11.18: an immediate NOP-Out, ITT 0xffffffff, echoing TTT and LUN."""
    h = bhs(0x40 | OP_NOP_OUT, 0x80, 0, 0xFFFFFFFF)
    h[8:16] = nop_in[8:16]
    h[20:24] = nop_in[20:24]
    h[24:28] = cmdsn.to_bytes(4, "big")
    h[28:32] = exp_statsn.to_bytes(4, "big")
    send(s, bytes(h))


def case_nop_interval(interval):
    name = "nop_interval"
    s, rsp, _ = login_ffp(name)
    if s is None:
        return
    cmdsn = 1
    exp_statsn = (int.from_bytes(rsp[24:28], "big") + 1) & 0xFFFFFFFF
    t0 = last_send  # the daemon's last receive: our last Login Request
    for i in range(3):
        r = recv_pdu(s, faked_to_real(interval) * WAIT_FACTOR)
        t = time.monotonic()
        if r == "timeout":
            bad(name, "no NOP-In within %.1f s real (%.0f s faked at x%g): is the daemon's clock sped up?" %
                (faked_to_real(interval) * WAIT_FACTOR, interval * WAIT_FACTOR, SPEED))
            return
        if r is None:
            bad(name, "connection closed while waiting for NOP-In %d" % (i + 1))
            return
        h, _ = r
        if h[0] & 0x3F != OP_NOP_IN or h[20:24] == b"\xff\xff\xff\xff":
            bad(name, "expected a NOP-In asking for an answer, got opcode 0x%02x" % (h[0] & 0x3F))
            return
        verdict("%s[%d]" % (name, i + 1), faked(t - t0), interval)
        nop_answer(s, h, cmdsn, exp_statsn)
        t0 = last_send
    s.close()


def case_nop_timeout(interval, timeout):
    name = "nop_timeout"
    s, _, _ = login_ffp(name)
    if s is None:
        return
    t0 = last_send
    r = recv_pdu(s, faked_to_real(interval) * WAIT_FACTOR)
    t_ping = time.monotonic()
    if not isinstance(r, tuple) or r[0][0] & 0x3F != OP_NOP_IN:
        bad(name, "no NOP-In within %.1f s real (%.0f s faked at x%g): %r" %
            (faked_to_real(interval) * WAIT_FACTOR, interval * WAIT_FACTOR, SPEED, r))
        return
    verdict(name + "[ping]", faked(t_ping - t0), interval)
    # Not answered: nothing more (§11.19: one ping outstanding), then the close.
    r = recv_pdu(s, faked_to_real(timeout) * WAIT_FACTOR)
    t_close = time.monotonic()
    if r == "timeout":
        bad(name, "still open %.1f s real (%.0f s faked) after an unanswered NOP-In" %
            (faked_to_real(timeout) * WAIT_FACTOR, timeout * WAIT_FACTOR))
        return
    if r is not None:
        bad(name, "expected the close, got opcode 0x%02x" % (r[0][0] & 0x3F))
        return
    # from our last PDU, as the ping: the ping's deadline starts when the
    # daemon sends it, which we only see late if we run late
    verdict(name + "[close]", faked(t_close - t0), interval + timeout)
    s.close()


def wait_close(name, s, t0, expect):
    r = recv_pdu(s, faked_to_real(expect) * WAIT_FACTOR)
    t = time.monotonic()
    if r == "timeout":
        bad(name, "still open %.1f s real (%.0f s faked at x%g): is the daemon's clock sped up?" %
            (faked_to_real(expect) * WAIT_FACTOR, expect * WAIT_FACTOR, SPEED))
    elif r is not None:
        bad(name, "expected the close, got opcode 0x%02x" % (r[0][0] & 0x3F))
    else:
        verdict(name, faked(t - t0), expect)
    s.close()


def case_prelogin(silence):
    t0 = time.monotonic()
    s = connect()
    wait_close("prelogin", s, t0, silence)


def case_login_stall(login_s):
    name = "login_stall"
    t0 = time.monotonic()
    s = connect()
    login(s, STAY_LOGIN, FIRST_KEYS)
    r = recv_pdu(s, 5)
    if not isinstance(r, tuple) or r[0][0] & 0x3F != OP_LOGIN_RSP or r[0][36:38] != b"\0\0":
        bad(name, "the first Login Response: %r" % (r,))
        return
    wait_close(name, s, t0, login_s)


def case_logout_times(t2w, t2r):
    name = "logout_times"
    # We offer the extremes: the result is the target's value (§13.15
    # DefaultTime2Wait: Maximum, §13.16 DefaultTime2Retain: Minimum).
    s, rsp, keys = login_ffp(name, ["DefaultTime2Wait=0", "DefaultTime2Retain=3600"])
    if s is None:
        return
    print("login keys %s" % " ".join("%s=%s" % kv for kv in sorted(keys.items())))
    exp_statsn = (int.from_bytes(rsp[24:28], "big") + 1) & 0xFFFFFFFF
    h = bhs(0x40 | OP_LOGOUT, 0x80 | 2, 0, 0x99)  # reason 2: remove for recovery
    h[20:22] = (0).to_bytes(2, "big")              # CID 0: this connection
    h[24:28] = (1).to_bytes(4, "big")
    h[28:32] = exp_statsn.to_bytes(4, "big")
    s.sendall(bytes(h))
    r = recv_pdu(s, 5)
    if not isinstance(r, tuple) or r[0][0] & 0x3F != OP_LOGOUT_RSP:
        bad(name, "no Logout Response: %r" % (r,))
        return
    h = r[0]
    got = (h[2], int.from_bytes(h[40:42], "big"), int.from_bytes(h[42:44], "big"))
    want = (2, int(t2w), int(t2r))
    print("%s %s response %d Time2Wait %d Time2Retain %d, expected %d %d %d" %
          ("ok" if got == want else "bad", name, *got, *want))
    if got != want:
        global failures
        failures += 1
    s.close()


def case_after_drop(erl, t2w):
    global failures
    name = "after_drop[erl%d]" % erl
    offer = ["ErrorRecoveryLevel=%d" % erl, "DefaultTime2Wait=0", "DefaultTime2Retain=3600"]
    s, rsp, keys = login_ffp(name, offer)
    if s is None:
        return
    if keys.get("ErrorRecoveryLevel", "0") != str(int(erl)):
        bad(name, "ErrorRecoveryLevel negotiated %s" % keys.get("ErrorRecoveryLevel", "0 (not answered)"))
        return
    tsih = int.from_bytes(rsp[14:16], "big")
    s.close()
    t_drop = time.monotonic()
    # the daemon's turn to see the close: a tenth of Time2Wait
    time.sleep(faked_to_real(t2w) / 10)
    s = connect()
    st = login_status(s, FIRST_KEYS + offer, tsih)
    s.close()
    print("%s %s login to the dropped session's TSIH %d: status %s, expected 020a" %
          ("ok" if st == 0x020A else "bad", name, tsih, "none" if st is None else "%04x" % st))
    failures += st != 0x020A
    s = connect()
    st = login_status(s, FIRST_KEYS + offer, 0)
    t = time.monotonic()
    s.close()
    good = st == 0 and faked(t - t_drop) < t2w
    print("%s %s a new session with the same ISID %.2f s faked after the drop (Time2Wait %g s): status %s" %
          ("ok" if good else "bad", name, faked(t - t_drop), t2w, "none" if st is None else "%04x" % st))
    failures += not good


def case_async_logout(pid, timeout):
    global failures
    name = "async_logout"
    s, _, _ = login_ffp(name)
    if s is None:
        return
    # the daemon's deadline starts when it handles the signal: no earlier
    t0 = time.monotonic()
    os.kill(int(pid), signal.SIGTERM)
    # a NOP-In may come first: left unanswered (its timeout is longer)
    limit = time.monotonic() + 10
    while True:
        r = recv_pdu(s, max(limit - time.monotonic(), 0.01))
        if not isinstance(r, tuple):
            bad(name, "no Async Message within 10 s real: %r" % (r,))
            return
        if r[0][0] & 0x3F == OP_ASYNC:
            break
    h = r[0]
    event, param3 = h[36], int.from_bytes(h[42:44], "big")
    good = event == 1 and param3 == int(timeout)
    print("%s %s AsyncEvent %d Parameter3 %d, expected 1 %d" % ("ok" if good else "bad", name, event, param3,
                                                            int(timeout)))
    failures += not good
    while True:
        r = recv_pdu(s, faked_to_real(timeout) * WAIT_FACTOR)
        if r == "timeout":
            bad(name, "still open %.1f s real (%.0f s faked) after the Async Message" %
                (faked_to_real(timeout) * WAIT_FACTOR, timeout * WAIT_FACTOR))
            return
        if r is None:
            break
    verdict(name + "[close]", faked(time.monotonic() - t0), timeout)


CASES = {
    "nop_interval": case_nop_interval,
    "nop_timeout": case_nop_timeout,
    "prelogin": case_prelogin,
    "login_stall": case_login_stall,
    "logout_times": case_logout_times,
    "after_drop": case_after_drop,
    "async_logout": case_async_logout,
}

CASES[CASE](*ARGS)
sys.exit(1 if failures else 0)
