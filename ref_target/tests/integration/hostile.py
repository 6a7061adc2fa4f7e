#!/usr/bin/env python3
"""hostile.py: the hostile clients of the admission tests (admission_*.sh),
as raw sockets. Not a test by itself (tools/test.sh runs *.sh only).

  hostile.py flood --sources 127.0.0.2[,127.0.0.3...] --per-source N
                   --seconds S [--port P] [--rate R]
      Open N idle connections from each source address (bound with
      bind(), so the target sees that address) as fast as it can, never
      sending a byte, and print "ramped"; then, for S seconds in all,
      re-open every one the target closes, at most R a second in all.
      Prints one line of counts at the end.

  hostile.py sessions --initiator NAME --target IQN --count N
                      [--source ADDR] [--port P] [--distinct-names]
      Log in up to N sessions (distinct ISIDs; with --distinct-names also
      NAME-1, NAME-2 ...), one after the other, holding every one open,
      and stop at the first refusal. Prints "ok K" and, if refused,
      "refused K status 0xCCDD" (K: how many got in before it). Then
      waits for its standard input to close (the test logs in its own
      initiator meanwhile) and exits.
"""
import argparse
import resource
import selectors
import socket
import struct
import sys
import time

ISCSI_OP_LOGIN_REQ = 0x03
ISCSI_OP_LOGIN_RSP = 0x23
IMMEDIATE = 0x40
# RFC 7143 §11.12: T=1, CSG=operational (1), NSG=full feature (3)
LOGIN_FLAGS = 0x80 | (1 << 2) | 3


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def dial(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2.0)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def flood(a):
    raise_fd_limit()
    sources = a.sources.split(",")
    want = {src: a.per_source for src in sources}
    have = {src: 0 for src in sources}
    sel = selectors.DefaultSelector()
    opened = closed = failed = 0
    peak = 0
    end = time.monotonic() + a.seconds
    for src in sources:
        for _ in range(want[src]):
            try:
                s = dial(src, a.port)
            except OSError:
                failed += 1
                continue
            sel.register(s, selectors.EVENT_READ, src)
            have[src] += 1
            opened += 1
    print("ramped", flush=True)
    budget, last = 0.0, time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        budget = min(budget + (now - last) * a.rate, a.rate)  # at most one second's worth at once
        last = now
        for src in sources:
            while have[src] < want[src] and budget >= 1:
                budget -= 1
                try:
                    s = dial(src, a.port)
                except OSError:
                    failed += 1
                    break
                sel.register(s, selectors.EVENT_READ, src)
                have[src] += 1
                opened += 1
        peak = max(peak, sum(have.values()))
        for key, _ in sel.select(timeout=0.02):
            s, src = key.fileobj, key.data
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                continue  # the target never speaks first; ignore it if it does
            sel.unregister(s)
            s.close()
            have[src] -= 1
            closed += 1
    print(f"flood: opened {opened} closed_by_target {closed} connect_failed {failed} "
          f"peak_open {peak} open_at_end {sum(have.values())}", flush=True)
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise ConnectionError("closed by the target")
        b += chunk
    return b


def login(source, port, initiator, target, index):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5.0)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    keys = (f"InitiatorName={initiator}\0SessionType=Normal\0TargetName={target}\0").encode()
    pad = (-len(keys)) % 4
    # ISID: type 0x80 (random, RFC 7143 §11.12.5), the rest from index
    isid = bytes([0x80, 0x23]) + struct.pack(">I", index)
    bhs = struct.pack(">BBBBB3s6sHIHHII16x", ISCSI_OP_LOGIN_REQ | IMMEDIATE, LOGIN_FLAGS, 0, 0, 0,
                      len(keys).to_bytes(3, "big"), isid, 0, index, 1, 0, 0, 0)
    assert len(bhs) == 48
    s.sendall(bhs + keys + b"\0" * pad)
    rsp = recv_exact(s, 48)
    dsl = int.from_bytes(rsp[5:8], "big")
    recv_exact(s, dsl + (-dsl) % 4)
    if rsp[0] & 0x3f != ISCSI_OP_LOGIN_RSP:
        raise ConnectionError(f"opcode 0x{rsp[0]:02x} instead of a Login Response")
    return s, (rsp[36] << 8) | rsp[37]


def sessions(a):
    raise_fd_limit()
    held = []
    line = None
    for k in range(a.count):
        name = f"{a.initiator}-{k + 1}" if a.distinct_names else a.initiator
        # A connection the target closes before answering (its connection
        # rate per source) is tried again, as initiators do, for 10 s.
        for attempt in range(100):
            try:
                s, status = login(a.source, a.port, name, a.target, k + 1)
                break
            except OSError as e:
                s, error = None, e
                time.sleep(0.1)
        if s is None:
            line = f"refused {k} error {error}"
            break
        if status != 0:
            line = f"refused {k} status 0x{status:04x}"
            s.close()
            break
        held.append(s)
    print(f"ok {len(held)}", flush=True)
    if line:
        print(line, flush=True)
    sys.stdin.read()  # hold the sessions until the test is done with them
    for s in held:
        s.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--sources", required=True)
    f.add_argument("--per-source", type=int, required=True)
    f.add_argument("--seconds", type=float, required=True)
    f.add_argument("--port", type=int, default=3260)
    f.add_argument("--rate", type=float, default=300.0)
    s = sub.add_parser("sessions")
    s.add_argument("--initiator", required=True)
    s.add_argument("--target", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--source", default="127.0.0.1")
    s.add_argument("--port", type=int, default=3260)
    s.add_argument("--distinct-names", action="store_true")
    a = p.parse_args()
    flood(a) if a.cmd == "flood" else sessions(a)


if __name__ == "__main__":
    main()
