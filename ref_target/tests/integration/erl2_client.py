#!/usr/bin/env python3
"""erl2_client.py: the raw-socket initiator of daemon_erl2.sh.

ErrorRecoveryLevel 2 (connection recovery, RFC 7143 §7.2.2, §6.3.4,
§11.5.1 TASK REASSIGN, §11.14.1 Logout reason 2) against the reftarget
daemon, which runs under libfaketime at SPEED times real time: spans this
client measures in real time, times SPEED, are the daemon's.

usage: erl2_client.py PORT TARGET INITIATOR SPEED CASE ARGS...
  write_reassign             a WRITE whose connection dies after a quarter
                             of its data: a new connection with the same
                             CID (reinstatement), TASK REASSIGN, a recovery
                             R2T for the rest, GOOD; READ gives back what
                             was written, once
  status_resend              a READ answered in full, its status never
                             acknowledged, then the connection dies:
                             reinstated, TASK REASSIGN with ExpDataSN 2
                             sends Data-In from DataSN 2 and the status
                             again, on the new connection's StatSN
  mcs_logout T2W T2R         two connections (MC/S); a READ's status lost
                             on CID 0; Logout "remove the connection for
                             recovery" for CID 0 on CID 1: response 0 with
                             Time2Wait T2W and Time2Retain T2R (§11.15.2-3);
                             TASK REASSIGN on CID 1 answers the READ
  retain_expiry T2W T2R      a WRITE waiting for data when its only
                             connection dies: the session stays (a Login
                             to its TSIH is accepted), then is discarded
                             T2W + T2R faked seconds after the failure (a
                             Login to its TSIH then gets 0x020a)
  erl1_contrast              the same WRITE at ERL 1: the session is gone
                             at once, and TASK REASSIGN is answered
                             "allegiance reassignment not supported"
Each check prints "ok CASE ..." or "bad CASE ..." (exit 1 on bad).
"""
import socket
import sys
import time

PORT, IQN, INI = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SPEED = float(sys.argv[4])
CASE = sys.argv[5]
ARGS = [float(a) for a in sys.argv[6:]]

OP_SCSI, OP_TMF, OP_LOGIN, OP_DATA_OUT, OP_LOGOUT = 0x01, 0x02, 0x03, 0x05, 0x06
OP_NOP_IN, OP_SCSI_RSP, OP_TMF_RSP, OP_LOGIN_RSP, OP_DATA_IN, OP_LOGOUT_RSP, OP_R2T = \
    0x20, 0x21, 0x22, 0x23, 0x25, 0x26, 0x31
IMMEDIATE = 0x40
FFP_LOGIN = 0x80 | (1 << 2) | 3  # T, CSG operational, NSG full feature
STAY_LOGIN = 1 << 2              # CSG operational, T=0
TASK_REASSIGN, LOGOUT_RECOVERY = 8, 2
BS = 512
# as daemon_faketime.sh: spans within [0.95, 1.1] of the expected value,
# plus half a real second of scheduling slack
LOW, HIGH, SLACK_REAL = 0.95, 1.1, 0.5
ISID = bytes([0x80, 0, 0, 0, 0x24, 0x68])
FIRST_KEYS = ["InitiatorName=" + INI, "SessionType=Normal", "TargetName=" + IQN]
DECLARED = {"TargetPortalGroupTag", "MaxRecvDataSegmentLength", "TargetAlias", "TargetAddress"}

failures = 0


def say(good, name, what):
    global failures
    failures += not good
    print("%s %s %s" % ("ok" if good else "bad", name, what))
    return good


class Gone(Exception):
    pass


def be(b, at, n=4):
    return int.from_bytes(b[at:at + n], "big")


def bhs(op, flags, itt, dsl=0):
    h = bytearray(48)
    h[0], h[1] = op, flags
    h[5:8] = dsl.to_bytes(3, "big")
    h[16:20] = itt.to_bytes(4, "big")
    return h


def put(h, at, v, n=4):
    h[at:at + n] = (v & ((1 << (8 * n)) - 1)).to_bytes(n, "big")


class Session:
    """What the connections of one session share: CmdSN, ITTs, TSIH."""

    def __init__(self):
        self.tsih = 0
        self.cmdsn = 1
        self.itt = 0x100

    def next_itt(self):
        self.itt += 1
        return self.itt


class Conn:
    def __init__(self, sess, cid):
        self.sess, self.cid = sess, cid
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        self.exp_statsn = 0
        self.keys = {}

    def send(self, h, data=b""):
        put(h, 5, len(data), 3)
        self.s.sendall(bytes(h) + data + b"\0" * (-len(data) % 4))

    def recv(self, limit=5):
        """The next PDU but NOP-Ins without a reply wanted: (bhs, data)."""
        while True:
            self.s.settimeout(limit)
            buf = b""
            try:
                while len(buf) < 48:
                    c = self.s.recv(48 - len(buf))
                    if not c:
                        raise Gone()
                    buf += c
                n = be(buf, 5, 3)
                want, data = n + (-n % 4), b""
                while len(data) < want:
                    c = self.s.recv(want - len(data))
                    if not c:
                        raise Gone()
                    data += c
            except (socket.timeout, ConnectionResetError):
                raise Gone()
            op = buf[0] & 0x3F
            status = op in (OP_SCSI_RSP, OP_TMF_RSP, OP_LOGIN_RSP, OP_LOGOUT_RSP) or \
                (op == OP_DATA_IN and buf[1] & 0x01)
            if status:
                self.exp_statsn = (be(buf, 24) + 1) & 0xFFFFFFFF
            if op == OP_NOP_IN and buf[20:24] == b"\xff\xff\xff\xff":
                continue
            return buf, data[:n]

    def close(self):
        self.s.close()


def keys_of(data):
    return dict(k.split("=", 1) for k in data.decode().split("\0") if "=" in k)


def login_pdu(c, flags, keys, exp_statsn):
    data = b"".join(k.encode() + b"\0" for k in keys)
    h = bhs(IMMEDIATE | OP_LOGIN, flags, 0x77)
    h[8:14] = ISID
    put(h, 14, c.sess.tsih, 2)
    put(h, 20, c.cid, 2)
    put(h, 24, c.sess.cmdsn)
    put(h, 28, exp_statsn)
    c.send(h, data)


def login(sess, cid, extra=(), exp_statsn=0):
    """A connection of sess in full feature phase (answering the target's
    offers as they come); exp_statsn: the old connection's, for a
    reinstatement (§11.12). Returns the Conn, or None with the status."""
    c = Conn(sess, cid)
    keys = FIRST_KEYS + list(extra)
    for _ in range(4):
        login_pdu(c, FFP_LOGIN, keys, exp_statsn)
        h, data = c.recv()
        st = be(h, 36, 2)
        if h[0] & 0x3F != OP_LOGIN_RSP or st != 0:
            c.close()
            return None, st
        sent = keys_of(data)
        c.keys.update(sent)
        exp_statsn = c.exp_statsn
        if h[1] & 0x80 and h[1] & 3 == 3:
            sess.tsih = be(h, 14, 2)
            return c, 0
        offered = {k.split("=", 1)[0] for k in keys}
        keys = ["%s=%s" % (k, v) for k, v in sent.items() if k not in DECLARED and k not in offered]
    raise Gone()


def probe(sess):
    """The first Login PDU of a connection naming sess's TSIH, T=0: the
    target says whether the session exists (0 or 0x020a) and binds
    nothing; the connection is closed."""
    c = Conn(sess, 9)
    login_pdu(c, STAY_LOGIN, FIRST_KEYS, 0)
    try:
        h, _ = c.recv()
        st = be(h, 36, 2)
    except Gone:
        st = None
    c.close()
    return st


ERL2 = ["ErrorRecoveryLevel=2", "MaxConnections=2", "ImmediateData=No", "InitialR2T=Yes",
        "MaxRecvDataSegmentLength=8192", "DefaultTime2Wait=0", "DefaultTime2Retain=3600"]


def scsi(c, cdb, flags, edtl):
    """A SCSI Command (simple attribute, LUN 0); returns its ITT."""
    itt = c.sess.next_itt()
    h = bhs(OP_SCSI, 0x80 | flags | 1, itt)
    put(h, 20, edtl)
    put(h, 24, c.sess.cmdsn)
    put(h, 28, c.exp_statsn)
    h[32:32 + len(cdb)] = cdb
    c.sess.cmdsn += 1
    c.send(h)
    return itt


def clear_ua(c, name):
    """TEST UNIT READY until GOOD: the new I_T nexus's unit attention."""
    for _ in range(3):
        scsi(c, bytes(16), 0, 0)
        h, _ = expect(c, name, OP_SCSI_RSP)
        if h[3] == 0:
            return
    say(False, name, "TEST UNIT READY never GOOD")
    raise Gone()


def rw10(op, lba, blocks):
    return bytes([op, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + bytes(7)


def data_out(c, itt, ttt, data_sn, offset, data, final):
    h = bhs(OP_DATA_OUT, 0x80 if final else 0, itt)
    put(h, 20, ttt)
    put(h, 28, c.exp_statsn)
    put(h, 36, data_sn)
    put(h, 40, offset)
    c.send(h, data)


def answer_r2t(c, itt, r2t, data):
    """Data-Out for everything an R2T asks for, 8 KiB a PDU."""
    ttt, off, length = be(r2t, 20), be(r2t, 40), be(r2t, 44)
    sn = 0
    for at in range(off, off + length, 8192):
        n = min(8192, off + length - at)
        data_out(c, itt, ttt, sn, at, data[at:at + n], at + n == off + length)
        sn += 1


def expect(c, name, op):
    h, data = c.recv()
    if h[0] & 0x3F != op:
        say(False, name, "expected opcode 0x%02x, got 0x%02x" % (op, h[0] & 0x3F))
        raise Gone()
    return h, data


def read_reply(c, name, length):
    """Data-In up to the status; (data, status bhs, [DataSNs])."""
    got, sns = b"", []
    while True:
        h, data = c.recv()
        op = h[0] & 0x3F
        if op == OP_DATA_IN:
            got += data
            sns.append(be(h, 36))
            if h[1] & 0x01:
                return got, h, sns
        elif op == OP_SCSI_RSP:
            return got, h, sns
        else:
            say(False, name, "unexpected opcode 0x%02x in a read" % op)
            raise Gone()


def tmf_reassign(c, ref, exp_data_sn):
    itt = c.sess.next_itt()
    h = bhs(IMMEDIATE | OP_TMF, 0x80 | TASK_REASSIGN, itt)
    put(h, 20, ref)
    put(h, 24, c.sess.cmdsn)
    put(h, 28, c.exp_statsn)
    put(h, 36, exp_data_sn)
    c.send(h)
    h, _ = c.recv()
    return h[2] if h[0] & 0x3F == OP_TMF_RSP else None


def pattern(n, seed):
    return bytes((k * 13 + seed) & 0xFF for k in range(n))


def write_reassign():
    name = "write_reassign"
    sess = Session()
    c, st = login(sess, 0, ERL2)
    if not say(c is not None and c.keys.get("ErrorRecoveryLevel") == "2", name,
               "login at ERL 2 (status %s, keys %s)" % (st, c.keys if c else "-")):
        return
    clear_ua(c, name)
    data = pattern(64 * 1024, 7)
    itt = scsi(c, rw10(0x2A, 64, 128), 0x20, len(data))
    r2t, _ = expect(c, name, OP_R2T)
    ttt = be(r2t, 20)
    data_out(c, itt, ttt, 0, 0, data[:16384], False)  # a quarter, then the link dies
    old_statsn = c.exp_statsn
    c.close()
    time.sleep(0.2)
    c, st = login(sess, 0, [], old_statsn)
    if not say(c is not None, name, "reinstatement of CID 0 (status %04x)" % (st or 0)):
        return
    rsp = tmf_reassign(c, itt, 0)
    if not say(rsp == 0, name, "TASK REASSIGN: response %s, expected 0" % rsp):
        return
    r2t, _ = expect(c, name, OP_R2T)
    off, length = be(r2t, 40), be(r2t, 44)
    say(off == 16384 and length == len(data) - 16384 and be(r2t, 20) != ttt, name,
        "recovery R2T for the rest: offset %d length %d (new TTT)" % (off, length))
    answer_r2t(c, itt, r2t, data)
    h, _ = expect(c, name, OP_SCSI_RSP)
    say(h[3] == 0, name, "the write's status on the new connection: 0x%02x" % h[3])
    scsi(c, rw10(0x28, 64, 128), 0x40, len(data))
    got, h, _ = read_reply(c, name, len(data))
    say(got == data, name, "READ gives back the %d bytes written" % len(data))
    c.close()


def status_resend():
    name = "status_resend"
    sess = Session()
    c, _ = login(sess, 0, ERL2)
    if c is None:
        return say(False, name, "login")
    clear_ua(c, name)
    data = pattern(32 * 1024, 3)
    itt = scsi(c, rw10(0x2A, 0, 64), 0x20, len(data))
    r2t, _ = expect(c, name, OP_R2T)
    answer_r2t(c, itt, r2t, data)
    expect(c, name, OP_SCSI_RSP)
    unacked = c.exp_statsn
    itt = scsi(c, rw10(0x28, 0, 64), 0x40, len(data))
    got, h, sns = read_reply(c, name, len(data))
    say(got == data and sns == [0, 1, 2, 3], name, "the READ answered in full: DataSN %s" % sns)
    c.close()  # its status never acknowledged
    time.sleep(0.2)
    c, st = login(sess, 0, [], unacked)
    if not say(c is not None, name, "reinstatement (status %04x)" % (st or 0)):
        return
    new_statsn = c.exp_statsn
    rsp = tmf_reassign(c, itt, 2)
    if not say(rsp == 0, name, "TASK REASSIGN with ExpDataSN 2: response %s" % rsp):
        return
    got, h, sns = read_reply(c, name, len(data))
    say(sns == [2, 3] and got == data[16384:], name, "Data-In again from DataSN 2: %s" % sns)
    say(h[0] & 0x3F == OP_SCSI_RSP and h[3] == 0 and be(h, 24) == new_statsn + 1, name,
        "then the status, StatSN %d on the new connection (expected %d)" % (be(h, 24), new_statsn + 1))
    say(tmf_reassign(c, itt, 0) == 1, name, "a second TASK REASSIGN: Task does not exist")
    c.close()


def mcs_logout(t2w, t2r):
    name = "mcs_logout"
    sess = Session()
    a, _ = login(sess, 0, ERL2)
    b, st = login(sess, 1, [])
    if not say(a is not None and b is not None, name, "two connections (status %s)" % st):
        return
    clear_ua(a, name)
    itt = scsi(a, rw10(0x28, 0, 16), 0x40, 16 * BS)
    want, _, _ = read_reply(a, name, 16 * BS)
    a.close()
    h = bhs(IMMEDIATE | OP_LOGOUT, 0x80 | LOGOUT_RECOVERY, sess.next_itt())
    put(h, 20, 0, 2)
    put(h, 24, sess.cmdsn)
    put(h, 28, a.exp_statsn - 1)  # the READ's status not acknowledged
    b.send(h)
    h, _ = expect(b, name, OP_LOGOUT_RSP)
    got = (h[2], be(h, 40, 2), be(h, 42, 2))
    say(got == (0, int(t2w), int(t2r)), name, "Logout for recovery of CID 0: response %d Time2Wait %d "
        "Time2Retain %d, expected 0 %d %d" % (got + (int(t2w), int(t2r))))
    rsp = tmf_reassign(b, itt, 0)
    if not say(rsp == 0, name, "TASK REASSIGN on CID 1: response %s" % rsp):
        return
    got, h, _ = read_reply(b, name, 16 * BS)
    say(got == want and h[3] == 0, name, "the READ's data and status on CID 1")
    b.close()


def retain_expiry(t2w, t2r):
    name = "retain_expiry"
    sess = Session()
    c, _ = login(sess, 0, ERL2)
    if c is None:
        return say(False, name, "login")
    say(c.keys.get("DefaultTime2Wait") == str(int(t2w)) and c.keys.get("DefaultTime2Retain") == str(int(t2r)),
        name, "DefaultTime2Wait %s DefaultTime2Retain %s negotiated" %
        (c.keys.get("DefaultTime2Wait"), c.keys.get("DefaultTime2Retain")))
    scsi(c, rw10(0x2A, 0, 8), 0x20, 8 * BS)
    expect(c, name, OP_R2T)
    c.close()
    t0 = time.monotonic()
    expect_s = t2w + t2r
    first = probe(sess)
    say(first == 0, name, "just after the failure a Login to its TSIH is accepted (status %s)" % first)
    limit = t0 + expect_s / SPEED * 3
    st = first
    while st == 0 and time.monotonic() < limit:
        time.sleep(0.02)
        st = probe(sess)
    t = (time.monotonic() - t0) * SPEED
    lo, hi = expect_s * LOW, expect_s * HIGH + SLACK_REAL * SPEED
    say(st == 0x020A and lo <= t <= hi, name,
        "the session discarded %.2f s faked after the failure, expected %.0f s [%.2f, %.2f] (status %s)" %
        (t, expect_s, lo, hi, "none" if st is None else "%04x" % st))


def erl1_contrast():
    name = "erl1_contrast"
    sess = Session()
    c, _ = login(sess, 0, ["ErrorRecoveryLevel=1"] + ERL2[1:])
    if c is None:
        return say(False, name, "login")
    say(c.keys.get("ErrorRecoveryLevel") == "1", name, "ERL 1 negotiated")
    itt = scsi(c, rw10(0x2A, 0, 8), 0x20, 8 * BS)
    expect(c, name, OP_R2T)
    say(tmf_reassign(c, itt, 0) == 4, name, "TASK REASSIGN: allegiance reassignment not supported (4)")
    c.close()
    time.sleep(0.2)
    st = probe(sess)
    say(st == 0x020A, name, "the session is gone at once: a Login to its TSIH gets %s" %
        ("none" if st is None else "%04x" % st))


CASES = {"write_reassign": write_reassign, "status_resend": status_resend, "mcs_logout": mcs_logout,
         "retain_expiry": retain_expiry, "erl1_contrast": erl1_contrast}
try:
    CASES[CASE](*ARGS)
except Gone:
    say(False, CASE, "the connection closed or went silent")
sys.exit(1 if failures else 0)
