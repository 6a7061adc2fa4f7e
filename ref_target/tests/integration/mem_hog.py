#!/usr/bin/env python3
"""mem_hog: an initiator that does not read its socket, for daemon_membudget.sh.

Raw iSCSI PDUs (RFC 7143 §11) over one TCP connection: a login straight to
full feature phase, then either
  reads N LEN   N READ(10) commands of LEN bytes each, pipelined at once, or
  nops LEN      NOP-Out pings with LEN bytes of data until the socket is full
and then it reads nothing until the file GO exists. Then it reads every
answer, checks that each command got its status (GOOD or TASK SET FULL) or
each ping its echo, sends one more command to prove the CmdSN window grew
again, and exits 0. Prints "sent ..." once it has stopped sending and
"done ..." at the end; exit 1 with a message on any protocol surprise or
after TIMEOUT seconds.

usage: mem_hog.py HOST PORT TARGET NAME GO reads|nops ARGS...
Not part of the target: a tool.
"""
import os
import select
import socket
import struct
import sys
import time

BHS = 48
RESERVED = 0xFFFFFFFF
TIMEOUT = 60.0
OP_NOP_OUT, OP_SCSI_CMD, OP_LOGIN = 0x00, 0x01, 0x03
OP_NOP_IN, OP_SCSI_RSP, OP_LOGIN_RSP, OP_DATA_IN, OP_R2T, OP_REJECT = 0x20, 0x21, 0x23, 0x25, 0x31, 0x3F
STATUS_GOOD, STATUS_CHECK, STATUS_TASK_SET_FULL = 0x00, 0x02, 0x28
BLOCK = 512


def die(msg):
    print("mem_hog: " + msg, flush=True)
    sys.exit(1)


def pad(n):
    return (4 - n % 4) % 4


def sn_le(a, b):
    return a == b or ((b - a) & 0xFFFFFFFF) < 0x80000000


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=10)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.out = b""  # bytes to send while receiving (recv_pdu)
        self.cmd_sn = 0
        self.exp_stat_sn = 0
        self.max_cmd_sn = 0

    def pdu(self, opcode, flags, itt, data=b"", rest=b""):
        """BHS bytes 0..47: opcode, flags, DSL, LUN 0, ITT, then rest (bytes 20..47)."""
        head = struct.pack(">BB2xI8sI", opcode, flags, len(data), bytes(8), itt)
        head = head[:5] + len(data).to_bytes(3, "big") + head[8:]
        head += rest.ljust(28, b"\0")
        assert len(head) == BHS
        return head + data + bytes(pad(len(data)))

    def recv_pdu(self, deadline):
        while True:
            if len(self.buf) >= BHS:
                dsl = int.from_bytes(self.buf[5:8], "big")
                total = BHS + dsl + pad(dsl)
                if len(self.buf) >= total:
                    bhs, data = self.buf[:BHS], self.buf[BHS:BHS + dsl]
                    self.buf = self.buf[total:]
                    self.track(bhs)
                    return bhs, data
            left = deadline - time.monotonic()
            if left <= 0:
                die("timed out waiting for the target")
            # bytes still to send go as the target takes them, while we
            # read: both sides writing at once must not deadlock
            r, w, _ = select.select([self.s], [self.s] if self.out else [], [], left)
            if w:
                try:
                    self.out = self.out[self.s.send(self.out):]
                except BlockingIOError:
                    pass
            if r:
                try:
                    chunk = self.s.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    die("the target closed the connection")
                self.buf += chunk

    def track(self, bhs):
        stat_sn, exp_cmd_sn, max_cmd_sn = struct.unpack(">III", bhs[24:36])
        op = bhs[0] & 0x3F
        itt = struct.unpack(">I", bhs[16:20])[0]
        # StatSN counts only for PDUs that carry status (§4.2.2.2)
        if op in (OP_SCSI_RSP, OP_LOGIN_RSP) or (op == OP_DATA_IN and bhs[1] & 0x01) or \
                (op == OP_NOP_IN and itt != RESERVED):
            self.exp_stat_sn = (stat_sn + 1) & 0xFFFFFFFF
        if op != OP_LOGIN_RSP and sn_le(self.max_cmd_sn, max_cmd_sn):
            self.max_cmd_sn = max_cmd_sn

    def login(self, initiator, target):
        keys = ["InitiatorName=" + initiator, "TargetName=" + target, "SessionType=Normal",
                "HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
                "InitialR2T=Yes", "ImmediateData=Yes", "MaxBurstLength=262144",
                "FirstBurstLength=65536", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0",
                "MaxConnections=1", "DataPDUInOrder=Yes", "DataSequenceInOrder=Yes"]
        data = b"".join(k.encode() + b"\0" for k in keys)
        isid = bytes([0x80, 0, 0, 0x4d, 0x48]) + os.urandom(1)  # random qualifier: one session each
        rest = struct.pack(">II", self.cmd_sn, self.exp_stat_sn)
        # Login: opcode with I bit, T=1 CSG=1 (operational) NSG=3 (full feature)
        head = struct.pack(">BBBB", OP_LOGIN | 0x40, 0x87, 0, 0) + bytes([0]) + len(data).to_bytes(3, "big")
        head += isid + struct.pack(">HIH2x", 0, 1, 0) + rest + bytes(16)
        assert len(head) == BHS
        self.s.sendall(head + data + bytes(pad(len(data))))
        bhs, _ = self.recv_pdu(time.monotonic() + 10)
        if bhs[0] & 0x3F != OP_LOGIN_RSP or bhs[36] != 0 or not bhs[1] & 0x80 or bhs[1] & 0x3 != 3:
            die("login refused: status %02x%02x" % (bhs[36], bhs[37]))
        self.cmd_sn = struct.unpack(">I", bhs[28:32])[0]
        self.max_cmd_sn = struct.unpack(">I", bhs[32:36])[0]

    def read10(self, itt, nbytes):
        blocks = nbytes // BLOCK
        cdb = struct.pack(">BBIBHB", 0x28, 0, 0, 0, blocks, 0).ljust(16, b"\0")
        rest = struct.pack(">III", nbytes, self.cmd_sn, self.exp_stat_sn) + cdb
        self.cmd_sn = (self.cmd_sn + 1) & 0xFFFFFFFF
        # F=1 R=1 SIMPLE
        return self.pdu(OP_SCSI_CMD, 0xC1, itt, b"", rest)

    def nop_out(self, itt, data):
        rest = struct.pack(">III", RESERVED, self.cmd_sn, self.exp_stat_sn)
        return self.pdu(OP_NOP_OUT | 0x40, 0x80, itt, data, rest)


def wait_for(path, deadline):
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            die("no go after %.0f s" % TIMEOUT)
        time.sleep(0.05)


def statuses(c, want, deadline):
    """Read until every ITT in want has its status; return {status: count}."""
    got = {}
    while want:
        bhs, data = c.recv_pdu(deadline)
        op = bhs[0] & 0x3F
        itt = struct.unpack(">I", bhs[16:20])[0]
        if op == OP_NOP_IN and itt == RESERVED and struct.unpack(">I", bhs[20:24])[0] != RESERVED:
            # a ping from the target: answer it (§11.19)
            c.s.sendall(c.pdu(OP_NOP_OUT | 0x40, 0x80, RESERVED, b"",
                              struct.pack(">III", struct.unpack(">I", bhs[20:24])[0], c.cmd_sn, c.exp_stat_sn)))
            continue
        status = None
        if op == OP_SCSI_RSP:
            status = bhs[3]
        elif op == OP_DATA_IN and bhs[1] & 0x01:
            status = bhs[3]
        elif op == OP_NOP_IN and itt != RESERVED:
            status = "echo" if len(data) > 0 else "empty"
        elif op == OP_REJECT:
            die("Reject reason %02x" % bhs[2])
        if status is not None:
            if itt not in want:
                die("status for unknown ITT %#x" % itt)
            want.discard(itt)
            got[status] = got.get(status, 0) + 1
    return got


def one_more_read(c, deadline):
    """The window grew back: one more command gets a status."""
    while not sn_le(c.cmd_sn, c.max_cmd_sn):  # wait for a NOP-In or any PDU to open it
        c.recv_pdu(deadline)
    c.s.sendall(c.read10(0x7FFFFFFF, 4096))
    got = statuses(c, {0x7FFFFFFF}, deadline)
    if STATUS_GOOD not in got and STATUS_CHECK not in got:
        die("the command after the drain got %s" % got)


def main():
    if len(sys.argv) < 8:
        die("usage: mem_hog.py HOST PORT TARGET NAME GO reads N LEN | nops LEN")
    host, port, target, name, go, mode = sys.argv[1:7]
    deadline = time.monotonic() + TIMEOUT
    c = Conn(host, int(port))
    c.login(name, target)
    if mode == "reads":
        n, length = int(sys.argv[7]), int(sys.argv[8])
        if not sn_le((c.cmd_sn + n - 1) & 0xFFFFFFFF, c.max_cmd_sn):
            die("window too small for %d commands" % n)
        c.s.sendall(b"".join(c.read10(0x1000 + k, length) for k in range(n)))
        print("sent %d reads of %d bytes" % (n, length), flush=True)
        wait_for(go, deadline)
        got = statuses(c, {0x1000 + k for k in range(n)}, deadline)
        other = {k: v for k, v in got.items() if k not in (STATUS_GOOD, STATUS_TASK_SET_FULL, STATUS_CHECK)}
        if other:
            die("unexpected statuses %s" % other)
        one_more_read(c, deadline)
        print("done good %d task_set_full %d check %d" % (got.get(STATUS_GOOD, 0),
              got.get(STATUS_TASK_SET_FULL, 0), got.get(STATUS_CHECK, 0)), flush=True)
    elif mode == "nops":
        length = int(sys.argv[7])
        payload = bytes(range(256)) * (length // 256)
        c.s.setblocking(False)
        pending, itts, itt, stalled_since = b"", set(), 0x2000, None
        while True:
            if not pending:
                pending = c.nop_out(itt, payload)
                itts.add(itt)
                itt += 1
            try:
                w = c.s.send(pending)
                pending = pending[w:]
                stalled_since = None
            except BlockingIOError:
                # the socket is full: the target stopped reading us
                if stalled_since is None:
                    stalled_since = time.monotonic()
                elif time.monotonic() - stalled_since > 1.0:
                    break
                time.sleep(0.01)
        print("sent %d pings of %d bytes" % (len(itts), length), flush=True)
        wait_for(go, deadline)
        c.out = pending
        pings = len(itts)
        got = statuses(c, itts, deadline)
        c.s.setblocking(True)
        c.s.settimeout(10)
        if got.get("echo", 0) != pings:
            die("echoes %s for %d pings" % (got, pings))
        one_more_read(c, deadline)
        print("done echoes %d" % got["echo"], flush=True)
    else:
        die("unknown mode " + mode)


if __name__ == "__main__":
    main()
