#!/usr/bin/env bash
# login_phase_raw.sh: raw PDUs from python3 sockets against the daemon, for
# answers no initiator library lets us provoke (RFC 7143):
#  - a NOP-Out after the login started: Login Response 0x020b "invalid
#    during login", then the connection closes (§6.3, §11.13.5);
#  - a Login Request of 8193 bytes: Login Response 0x0200, not a Reject
#    (§13.12: 8192 at most during login);
#  - an initiator missing from the ACL: 0x0202 "authorization failure";
#  - READ(10) of one block sent with W=1, R=0: GOOD with O=1 and the whole
#    block as residual, no Data-In (§11.3.1, §11.4.5).
# Each case prints "name value"; the checks compare.
#
# shellcheck disable=SC2317 # the helpers below run through check
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

PORT=3274
IQN=iqn.2026-11.org.iscsi-sim:raw
INI=iqn.2026-11.org.iscsi-sim:raw-host
cat >"$T/raw.json" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT } ],
  "lus": [ { "name": "d0", "size": "16M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ {
      "portals": [ 0 ],
      "acls": [ { "initiator": "$INI", "luns": [ { "lun": 0, "lu": "d0" } ] } ] } ] } ]
}
JSON

cat >"$T/raw.py" <<'PY'
import socket, struct, sys

PORT, IQN, INI = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def bhs(op, flags, dsl=0, itt=1, rest=b""):
    h = bytearray(48)
    h[0], h[1] = op, flags
    h[5:8] = dsl.to_bytes(3, "big")
    h[16:20] = itt.to_bytes(4, "big")
    h[20:20 + len(rest)] = rest
    return h

def pad(b):
    return b + b"\0" * (-len(b) % 4)

def login(sock, keys, flags, dsl=None, itt=0x77):
    data = b"".join(k.encode() + b"\0" for k in keys)
    h = bhs(0x43, flags, len(data) if dsl is None else dsl, itt)
    h[8:14] = bytes([0x80, 0, 0, 0, 0, 1])  # ISID
    h[24:28] = (1).to_bytes(4, "big")        # CmdSN
    sock.sendall(bytes(h) + pad(data))

def recv_pdu(sock):
    buf = b""
    while len(buf) < 48:
        c = sock.recv(48 - len(buf))
        if not c:
            return None, None
        buf += c
    n = int.from_bytes(buf[5:8], "big")
    want = n + (-n % 4)
    data = b""
    while len(data) < want:
        c = sock.recv(want - len(data))
        if not c:
            break
        data += c
    return buf, data[:n]

def closed(sock):
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True

def conn():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s

OPER_STAY = 1 << 2            # CSG operational, T=0
OPER_FFP = 0x80 | (1 << 2) | 3
KEYS = ["InitiatorName=" + INI, "SessionType=Normal", "TargetName=" + IQN]

# 1. NOP-Out while the login goes on
s = conn()
login(s, KEYS, OPER_STAY)
h, _ = recv_pdu(s)
print("first_login_status %04x" % int.from_bytes(h[36:38], "big"))
s.sendall(bytes(bhs(0x40, 0x80, itt=5, rest=b"\xff\xff\xff\xff")))
h, _ = recv_pdu(s)
print("nop_answer %s" % ("none" if h is None else "op%02x-%04x" % (h[0] & 0x3f, int.from_bytes(h[36:38], "big"))))
print("nop_closed %s" % closed(s))

# 2. a Login Request of 8193 bytes
s = conn()
big = ("InitiatorName=" + INI).encode() + b"\0"
big += b"X" * (8193 - len(big))
h = bhs(0x43, OPER_STAY, len(big), 0x78)
h[8:14] = bytes([0x80, 0, 0, 0, 0, 2])
s.sendall(bytes(h) + pad(big))
h, _ = recv_pdu(s)
print("long_answer %s" % ("none" if h is None else "op%02x-%04x" % (h[0] & 0x3f, int.from_bytes(h[36:38], "big"))))
print("long_closed %s" % closed(s))

# 3. an initiator missing from the ACL
s = conn()
login(s, ["InitiatorName=iqn.2026-11.org.iscsi-sim:stranger", "SessionType=Normal", "TargetName=" + IQN], OPER_FFP)
h, _ = recv_pdu(s)
print("stranger_status %04x" % int.from_bytes(h[36:38], "big"))

# 4. READ(10) with W=1, R=0
s = conn()
login(s, KEYS, OPER_FFP)
h, _ = recv_pdu(s)
statsn = int.from_bytes(h[24:28], "big")
def scsi(itt, sn, flags, edtl, cdb):
    r = bytearray(28)
    r[0:4] = edtl.to_bytes(4, "big")
    r[4:8] = sn.to_bytes(4, "big")
    r[8:12] = (statsn + 1).to_bytes(4, "big")
    r[12:12 + len(cdb)] = cdb
    s.sendall(bytes(bhs(0x01, flags, 0, itt, bytes(r))))
    return recv_pdu(s)
h, _ = scsi(10, 1, 0x80, 0, bytes(16))            # TUR: the power-on unit attention
read10 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0])
h, _ = scsi(11, 2, 0x80 | 0x20 | 1, 512, read10)  # F, W, simple
print("read_w_opcode %02x" % (h[0] & 0x3f))
print("read_w_status %02x" % h[3])
print("read_w_overflow %s" % bool(h[1] & 0x04))
print("read_w_residual %d" % int.from_bytes(h[44:48], "big"))
PY

says() {
	local line
	for line in "$@"; do
		grep -qxF -- "$line" "$T/said" || { echo "missing: $line"; cat "$T/said"; return 1; }
	done
}

if start raw --config "$T/raw.json"; then
	check "the raw client ran" bash -c "timeout -k 5 $CHECK_TIMEOUT python3 '$T/raw.py' $PORT $IQN $INI >'$T/said' 2>&1; rc=\$?; cat '$T/said'; exit \$rc"
	check "a login that goes on answers 0" says "first_login_status 0000"
	check "a NOP-Out during login: Login Response 0x020b (§6.3)" says "nop_answer op23-020b"
	check "then the connection closes" says "nop_closed True"
	check "a Login Request of 8193 bytes: Login Response 0x0200, not a Reject" says "long_answer op23-0200"
	check "then the connection closes" says "long_closed True"
	check "an initiator missing from the ACL: 0x0202" says "stranger_status 0202"
	check "READ(10) with W=1, R=0: a SCSI Response, no Data-In" says "read_w_opcode 21"
	check "READ(10) with W=1, R=0: GOOD" says "read_w_status 00"
	check "READ(10) with W=1, R=0: overflow of the whole block" says "read_w_overflow True" "read_w_residual 512"
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
fi
summary
