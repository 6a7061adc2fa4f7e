#!/usr/bin/env python3
"""regressions.py: write the hand-made regression inputs for the known CVE
classes of iSCSI targets into fuzz/regressions/<harness>/, one file per
input, named after the class. Each input is written in the format of its
harness (the header comment of fuzz/harness_<name>.c). make test replays
them forever (fuzz/scripts/regress.sh).

  CVE-2018-14633  LIO: CHAP_R longer than the digest overflowed a stack
                  buffer (hex and base64, every algorithm)
  CVE-2026-53176  a Login Request whose data segment is shorter than its
                  text needs (1..3 bytes, no NUL; C bit with no data)
  SPDK text C bit a Text Request with C=1 and no data looped forever
  CVE-2020-28374  LIO: EXTENDED COPY named a target outside the I_T nexus

and, under <harness>/open/, reproducers of our own open findings
(fuzz/FINDINGS.md), replayed only once fixed (move them up a level).
"""
import hashlib
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "regressions")
T = "iqn.2026-11.org.iscsi-sim"
INI = f"{T}:fuzz-initiator"


def u16(v):
    return struct.pack(">H", v)


def put(harness, name, blob):
    d = os.path.join(ROOT, *harness.split("/"))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def text(*pairs):
    return b"".join(p.encode() + b"\0" for p in pairs)


# ---- login harness: option, 2 cfg bytes, records (flags, extras, len, data)

def login_rec(flags, data):
    return bytes([flags, 0]) + u16(len(data)) + data


T_SEC_TO_OP = 0x81     # T=1, CSG=security, NSG=operational
SEC = 0x00             # T=0, CSG=security
OP_TO_FFP = 0x87       # T=1, CSG=operational, NSG=full feature


def chap_overflow(alg, value):
    return bytes(3) + login_rec(T_SEC_TO_OP, text(f"InitiatorName={INI}", "SessionType=Normal",
                                                  f"TargetName={T}:fuzz-chap", "AuthMethod=CHAP")) + \
        login_rec(SEC, text(f"CHAP_A={alg}")) + \
        login_rec(T_SEC_TO_OP, text("CHAP_N=fuzz-user", "CHAP_R=" + value))


def nexus_naa(naa_id, serial):
    """inquiry_naa(): NAA 6, company 52-54-00, naa_id, FNV-1a of the serial."""
    h = 0xcbf29ce484222325
    for c in serial.encode():
        h ^= c
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return struct.pack(">QQ", (6 << 60) | (0x525400 << 36) | naa_id, h)


def xcopy_list():
    """EXTENDED COPY (LID1) from LU 0 (FZSERIAL0, ours) to LU 2 (FZSERIAL2,
    the CHAP target's: not in the open target's nexus)."""
    def target(naa):
        d = bytes([0xe4, 0x00, 0, 0, 0x01, 0x03, 0, 16]) + naa + bytes(4)
        return d + bytes([0]) + (512).to_bytes(3, "big")
    targets = target(nexus_naa(0x10, "FZSERIAL0")) + target(nexus_naa(0x12, "FZSERIAL2"))
    seg = bytes([0x02, 0]) + u16(0x18) + u16(0) + u16(1) + bytes(2) + u16(8) + \
        struct.pack(">QQ", 0, 0)
    return bytes([0, 0x18]) + u16(len(targets)) + bytes(4) + struct.pack(">I", len(seg)) + bytes(4) + \
        targets + seg


def xcopy_cdb(n):
    return bytes([0x83, 0]) + bytes(8) + struct.pack(">I", n) + bytes(2)


# ---- session harness: option, 2 cfg bytes, keys, plan, records
KEYS_IMMEDIATE = 0x02  # ImmediateData=Yes, InitialR2T=No (fz_world_keys)
REC_PDU, REC_DISK_ALL = 0, 22  # type bytes harness_session.c's rec_kind[] maps to them
PICK = {"scsi": 1, "text": 5, "login": 9}


def session(opt, recs):
    return bytes([opt, 0, 0, KEYS_IMMEDIATE]) + bytes(4) + b"".join(recs)


def main():
    for alg in (5, 6, 7, 8):
        put("login", f"cve-2018-14633-chap-r-hex-alg{alg}", chap_overflow(alg, "0x" + "41" * 1000))
        put("login", f"cve-2018-14633-chap-r-base64-alg{alg}", chap_overflow(alg, "0b" + "QUFB" * 600))
    put("login", "cve-2018-14633-chap-r-one-byte-over",
        chap_overflow(5, "0x" + "41" * 17))
    for n, data in enumerate([b"I", b"In", b"a=b", b"\0"]):
        put("login", f"cve-2026-53176-short-login-{n}", bytes(3) + login_rec(OP_TO_FFP, data))
    put("login", "cve-2026-53176-c-bit-no-data", bytes(3) + login_rec(0x44, b"") + login_rec(OP_TO_FFP, b""))

    # pdu: option, plan, stream
    login_bhs = bytearray(48)
    login_bhs[0], login_bhs[1] = 0x43, OP_TO_FFP
    for n in (1, 2, 3):
        b = bytearray(login_bhs)
        b[5:8] = n.to_bytes(3, "big")
        put("pdu", f"cve-2026-53176-short-login-dsl{n}", bytes(5) + bytes(b) + b"I" * n + bytes((4 - n) % 4))
    b = bytearray(login_bhs)
    b[4] = 0xff
    put("pdu", "ahs-longer-than-stream", bytes(5) + bytes(b) + bytes(16))
    b = bytearray(login_bhs)
    b[5:8] = b"\xff\xff\xff"
    put("pdu", "dsl-max-short-stream", bytes([0x06]) + bytes(4) + bytes(b) + bytes(64))

    # session: the same short login on a real connection (raw login)
    put("session", "cve-2026-53176-short-login",
        session(0x01, [bytes([REC_PDU, PICK["login"], 0x00, OP_TO_FFP, 0]) + u16(1) + b"I"]))

    # text: C=1 with no data, new exchange, then echoing our TTT, then F
    put("text", "spdk-text-c-bit-no-data", bytes(3) + bytes([0x40]) + u16(0) + bytes([0x41]) + u16(0) +
        bytes([0x81]) + u16(0))
    put("text", "spdk-text-c-bit-then-empty-continue",
        bytes(3) + bytes([0x40]) + u16(8) + b"SendTarg" + bytes([0x41]) + u16(0) + bytes([0x41]) + u16(0))
    text_c = bytes([REC_PDU, PICK["text"], 0x00, 0x40, 0, 0]) + u16(0)
    put("session", "spdk-text-c-bit-no-data", session(0, [text_c] * 4))

    # scsi: nexus A, LUN 0, completions in order, CDB, data-out
    plist = xcopy_list()
    put("scsi", "cve-2020-28374-xcopy-outside-nexus",
        bytes(3) + bytes([0x00, 16]) + xcopy_cdb(len(plist)) + u16(len(plist)) + plist)
    put("session", "cve-2020-28374-xcopy-outside-nexus",
        session(0, [bytes([REC_PDU, PICK["scsi"], 0x02, 0x21, 0]) + u16(len(plist)) + xcopy_cdb(len(plist)) +
                    u16(len(plist)) + plist, bytes([REC_DISK_ALL])]))
    # open findings (fuzz/FINDINGS.md)
    pr_out_huge = bytes([0x5f, 0, 0, 0, 0]) + struct.pack(">I", 0x04000000) + bytes(7)
    put("scsi/open", "F1-pr-out-parameter-list-64MiB", bytes(3) + bytes([0x00, 16]) + pr_out_huge + u16(0))
    put("session/open", "F1-pr-out-parameter-list-64MiB",
        session(0, [bytes([REC_PDU, PICK["scsi"], 0x02, 0x01, 0]) + u16(0) + pr_out_huge + u16(0),
                    bytes([REC_DISK_ALL])]))
    rc16_32mib = bytes([0x9e, 0x10]) + bytes(8) + struct.pack(">I", 0x02000010) + bytes(2)
    put("session/open", "F1-read-capacity16-allocation-length-32MiB",
        session(0, [bytes([REC_PDU, PICK["scsi"], 0x02, 0x41, 0]) + u16(16) + rc16_32mib + u16(0)]))
    write10 = bytes([0, 0x01, 0]) + u16(0)  # DOUT_CMD: WRITE(10), 1 block at LBA 0, no immediate data
    put("dataout/open", "F2-window-closed-cmdsn-taken", bytes([0x00, 0x01, 0x00]) + bytes(4) + write10 * 2)
    inquiry0 = bytes([0x12, 0, 0, 0, 0, 0]) + bytes(10)
    put("session/open", "F3-inquiry-allocation-length-0",
        session(0, [bytes([REC_PDU, PICK["scsi"], 0x02, 0x41, 0]) + u16(0) + inquiry0 + u16(0)]))
    for h in sorted(os.listdir(ROOT)):
        d = os.path.join(ROOT, h)
        print(f"regressions: {h}: {len([f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))])}")


if __name__ == "__main__":
    main()
