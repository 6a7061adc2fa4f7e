#!/usr/bin/env python3
"""seeds.py [--origin NAME=PORT,...]... [--map OLD=NEW]... PCAP OUTDIR: cut
captured iSCSI traffic into inputs for every fuzz harness, in each
harness's own input format (the header comment of fuzz/harness_<name>.c),
one file per input named by its SHA-1 (as libFuzzer names what it merges),
under OUTDIR/<harness>/.

--origin names the target behind some TCP ports (default reftarget on
3260-3262): a stream is the traffic to one of them, and OUTDIR/origins.tsv
lists, per harness and input, the origins whose traffic gave it. --map
replaces a text value (TargetName, CHAP_N, ...) equal to OLD by NEW in
Login and Text Requests: the harnesses log in to fz_cfg's targets
(fuzz/fz_cfg.c), so another target's names must become theirs.

The initiator's side of every TCP stream is framed into PDUs (RFC 7143
§11.2; digests as the login negotiated them), then:
  pdu      the raw stream in windows of PDUs, whole and with a split plan
  text     Text Request sequences, and every login text as one message
  login    each connection's Login Requests, CHAP_R replaced by the
           harness's "compute it" placeholder (the challenge differs)
  scsi     each connection's SCSI commands with their data-out
  dataout  each connection's writes as command + right-Data-Out records
  session  each connection's full feature phase as structured records
The harnesses that log in themselves (dataout, session) are given the
configuration and login keys that reproduce what the capture negotiated
(InitialR2T, ImmediateData, digests, bursts, MaxOutstandingR2T), so the
target's R2T and data-in shapes are replayed with the initiator's PDUs.
Kept small: data segments are cut to DATA_CAP bytes, streams to WINDOW PDUs,
at most WINDOWS windows per connection (minimizing keeps what adds coverage).
"""
import argparse
import hashlib
import os
import struct
import subprocess

DEFAULT_ORIGIN = ("reftarget", {3260, 3261, 3262})
DATA_CAP = 1024
WINDOW = 24
WINDOWS = 3
PDU_RAW_MAX = 4096  # pdu seeds: PDUs longer than this are left out

OP_NOP_OUT, OP_SCSI_CMD, OP_TMF, OP_LOGIN, OP_TEXT, OP_DATA_OUT, OP_LOGOUT, OP_SNACK = 0, 1, 2, 3, 4, 5, 6, 0x10
OP_LOGIN_RSP = 0x23
# harness_session.c: index of each opcode in its opcodes[] table
SESSION_PICK = {OP_NOP_OUT: 0, OP_SCSI_CMD: 1, OP_TMF: 4, OP_TEXT: 5, OP_DATA_OUT: 6, OP_LOGOUT: 7,
                OP_SNACK: 8, OP_LOGIN: 9}
# harness_session.c fix bits, and type bytes rec_kind[] maps to each kind
FIX_IMMEDIATE, FIX_F, FIX_RAW_ITT, FIX_RAW_REST = 0x01, 0x02, 0x10, 0x40
REC_PDU, REC_DATA_OUT, REC_DISK_ALL = 0, 16, 22
# harness_dataout.c
DOUT_CMD, DOUT_GOOD, DOUT_DISK_ALL = 0, 1, 4
WRITE_KINDS = {0x0a: 0, 0x2a: 1, 0xaa: 2, 0x8a: 3}
# fz_world_keys() bits: the initiator's login keys
KEY_NO_IMMEDIATE, KEY_NO_INITIAL_R2T, KEY_BURST_8K, KEY_FIRST_4K, KEY_R2T_4, KEY_HD, KEY_DD = \
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
# fz_cfg_init() bits of the first configuration byte: the target's side
CFG_HD, CFG_DD, CFG_INITIAL_R2T, CFG_NO_IMMEDIATE, CFG_R2T_4, CFG_SMALL_BURST = \
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def streams(pcap, origins):
    """{stream: [initiator bytes, target bytes, origin]} from tshark;
    origins: [(name, ports)]."""
    origin_of = {port: name for name, ports in origins for port in ports}
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-E", "separator=/t",
                          "-e", "tcp.stream", "-e", "tcp.dstport", "-e", "tcp.payload",
                          "-Y", "tcp.len > 0"], check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2]:
            continue
        s = res.setdefault(int(parts[0]), [bytearray(), bytearray(), None])
        data = bytes.fromhex(parts[2].replace(":", ""))
        port = int(parts[1])
        if port in origin_of:
            s[2] = origin_of[port]
        s[0 if port in origin_of else 1].extend(data)
    return {k: v for k, v in res.items() if v[2] is not None}


def pad(n):
    return (4 - n % 4) % 4


def frame(buf, digests):
    """PDUs of a byte stream: [(bhs, ahs, data, raw bytes)]; digests(i) says
    whether header/data digests are on for the i-th PDU."""
    pdus, off = [], 0
    while off + 48 <= len(buf):
        hd, dd = digests(len(pdus))
        bhs = bytes(buf[off:off + 48])
        ahs_len = bhs[4] * 4
        dsl = int.from_bytes(bhs[5:8], "big")
        end = off + 48 + ahs_len + (4 if hd else 0)
        data_off = end
        end += dsl + pad(dsl) + (4 if dd and dsl else 0)
        if end > len(buf):
            break
        pdus.append((bhs, bytes(buf[off + 48:off + 48 + ahs_len]), bytes(buf[data_off:data_off + dsl]),
                     bytes(buf[off:end])))
        off = end
    return pdus


def keys(data):
    res = {}
    for pair in data.split(b"\0"):
        if b"=" in pair:
            k, v = pair.split(b"=", 1)
            res[k.decode(errors="replace")] = v.decode(errors="replace")
    return res


def login_result(target_bytes):
    """The keys the target answered during the login, the last answer of
    each (its Login Responses, up to the one that enters full feature
    phase)."""
    res = {}
    for bhs, _, data, _ in frame(target_bytes, lambda i: (False, False)):
        if bhs[0] & 0x3f != OP_LOGIN_RSP:
            break
        res.update(keys(data))
        if bhs[36] == 0 and bhs[1] & 0x83 == 0x83:
            break
    return res


def num(k, key, default):
    try:
        return int(k.get(key, ""), 0)
    except ValueError:
        return default


def session_bytes(offered, answered):
    """(fz_cfg byte, login-keys byte) under which fz_world's login
    negotiates what the capture did: the target's answers give the
    configuration, the initiator's offers its keys (RFC 7143 §13: InitialR2T
    is OR-ed, ImmediateData AND-ed, bursts take the minimum)."""
    cfg = ((CFG_HD if answered.get("HeaderDigest") == "CRC32C" else 0) |
           (CFG_DD if answered.get("DataDigest") == "CRC32C" else 0) |
           (CFG_INITIAL_R2T if answered.get("InitialR2T", "Yes") == "Yes" else 0) |
           (CFG_NO_IMMEDIATE if answered.get("ImmediateData", "Yes") == "No" else 0) |
           (CFG_R2T_4 if num(answered, "MaxOutstandingR2T", 1) > 1 else 0) |
           (CFG_SMALL_BURST if num(answered, "MaxBurstLength", 262144) <= 4096 else 0))
    k = ((KEY_NO_IMMEDIATE if offered.get("ImmediateData", "Yes") == "No" else 0) |
         (KEY_NO_INITIAL_R2T if offered.get("InitialR2T", "Yes") == "No" else 0) |
         (KEY_BURST_8K if num(offered, "MaxBurstLength", 262144) <= 8192 else 0) |
         (KEY_FIRST_4K if num(offered, "FirstBurstLength", 65536) <= 4096 else 0) |
         (KEY_R2T_4 if num(offered, "MaxOutstandingR2T", 1) > 1 else 0) |
         (KEY_HD if "CRC32C" in offered.get("HeaderDigest", "") else 0) |
         (KEY_DD if "CRC32C" in offered.get("DataDigest", "") else 0))
    return cfg, k


def rename(pdus, names):
    """Login and Text Requests with every value in names replaced."""
    if not names:
        return pdus
    res = []
    for bhs, ahs, data, raw in pdus:
        if bhs[0] & 0x3f in (OP_LOGIN, OP_TEXT):
            pairs = []
            for pair in data.split(b"\0"):
                k, eq, v = pair.partition(b"=")
                pairs.append(k + eq + names.get(v, v))
            data = b"\0".join(pairs)
            bhs = bhs[:5] + len(data).to_bytes(3, "big") + bhs[8:]
        res.append((bhs, ahs, data, raw))
    return res


class Out:
    """Inputs by harness and SHA-1, with the origins that gave each."""

    def __init__(self, root):
        self.root = root
        self.origin = None
        self.seen = {}

    def put(self, harness, blob):
        name = hashlib.sha1(blob).hexdigest()
        origins = self.seen.setdefault((harness, name), set())
        if not origins:
            d = os.path.join(self.root, harness)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "wb") as f:
                f.write(blob)
        origins.add(self.origin)

    def finish(self):
        with open(os.path.join(self.root, "origins.tsv"), "w") as f:
            for (h, name), origins in sorted(self.seen.items()):
                f.write(f"{h}\t{name}\t{','.join(sorted(origins))}\n")
        for h in sorted({h for h, _ in self.seen}):
            mine = [o for (hh, _), o in self.seen.items() if hh == h]
            by = {}
            for origins in mine:
                key = ",".join(sorted(origins))
                by[key] = by.get(key, 0) + 1
            print(f"seeds: {h}: {len(mine)} inputs (" +
                  ", ".join(f"{k} {n}" for k, n in sorted(by.items())) + ")")


def u16(v):
    return struct.pack(">H", v & 0xffff)


def u32(v):
    return struct.pack(">I", v & 0xffffffff)


def seed_pdu(out, raw_pdus, hd, dd):
    opt = (1 if hd else 0) | (2 if dd else 0)
    small = [p for p in raw_pdus if len(p[3]) <= PDU_RAW_MAX]
    for start in range(0, min(len(small), WINDOWS * WINDOW), WINDOW):
        stream = b"".join(p[3] for p in small[start:start + WINDOW])
        out.put("pdu", bytes([opt]) + bytes(4) + stream)
        out.put("pdu", bytes([opt | 4]) + bytes([0x81, 0x07, 0x30, 0xc5]) + stream)


def seed_login(out, login_pdus):
    recs = b""
    for bhs, _, data, _ in login_pdus:
        parts = []
        for pair in data.split(b"\0"):
            if pair.startswith(b"CHAP_R="):
                pair = b"CHAP_R=@B" if pair.startswith(b"CHAP_R=0b") else b"CHAP_R=@H"
            parts.append(pair)
        text = b"\0".join(parts)
        recs += bytes([bhs[1], 0]) + u16(len(text)) + text
    if recs:
        out.put("login", bytes(3) + recs)


def seed_text(out, login_pdus, ffp, discovery):
    opt = 1 if discovery else 0
    for bhs, _, data, _ in login_pdus:
        out.put("text", bytes([opt | 2, 0, 0]) + bytes([0x80]) + u16(len(data)) + data[:DATA_CAP])
    recs, last_itt = b"", None
    for bhs, _, data, _ in ffp:
        if bhs[0] & 0x3f != OP_TEXT:
            continue
        itt = bhs[16:20]
        ttt = int.from_bytes(bhs[20:24], "big")
        flags = (bhs[1] & 0xc0) | (0 if ttt == 0xffffffff else 1) | (4 if itt != last_itt else 0)
        last_itt = itt
        recs += bytes([flags]) + u16(len(data)) + data[:DATA_CAP]
    if recs:
        out.put("text", bytes([opt, 0, 0]) + recs)


def write_data(ffp):
    """ITT -> bytes written (immediate data and Data-Out by offset)."""
    res = {}
    for bhs, _, data, _ in ffp:
        op = bhs[0] & 0x3f
        itt = bhs[16:20]
        if op == OP_SCSI_CMD and data:
            res.setdefault(itt, {})[0] = data
        elif op == OP_DATA_OUT:
            res.setdefault(itt, {})[int.from_bytes(bhs[40:44], "big")] = data
    return {itt: b"".join(v for _, v in sorted(d.items())) for itt, d in res.items()}


def seed_scsi(out, ffp):
    written = write_data(ffp)
    recs, n = [], 0
    for bhs, _, data, _ in ffp:
        if bhs[0] & 0x3f != OP_SCSI_CMD:
            continue
        lun = bhs[9] & 0xff
        dout = written.get(bhs[16:20], b"")[:DATA_CAP]
        recs.append(bytes([0x08 if lun == 1 else 0, 16]) + bhs[32:48] + u16(len(dout)) + dout)
    for start in range(0, min(len(recs), WINDOWS * WINDOW), WINDOW):
        out.put("scsi", bytes(3) + b"".join(recs[start:start + WINDOW]))


def seed_dataout(out, ffp, cfg, k):
    recs, tasks = b"", {}
    for bhs, _, data, _ in ffp:
        op = bhs[0] & 0x3f
        itt = bhs[16:20]
        if op == OP_SCSI_CMD and bhs[32] in WRITE_KINDS:
            cdb = bhs[32:48]
            kind = WRITE_KINDS[cdb[0]]
            if kind == 0:
                lba, n = int.from_bytes(cdb[1:4], "big") & 0x1fffff, cdb[4] or 256
            elif kind == 1:
                lba, n = int.from_bytes(cdb[2:6], "big"), int.from_bytes(cdb[7:9], "big")
            elif kind == 2:
                lba, n = int.from_bytes(cdb[2:6], "big"), int.from_bytes(cdb[6:10], "big")
            else:
                lba, n = int.from_bytes(cdb[2:10], "big"), int.from_bytes(cdb[10:14], "big")
            k = kind | (0x04 if bhs[9] == 1 else 0) | (0x10 if data else 0)
            recs += bytes([DOUT_CMD, k, (max(n, 1) - 1) & 0xff]) + u16(lba)
            tasks[itt] = len(tasks) % 8
        elif op == OP_DATA_OUT and itt in tasks:
            recs += bytes([DOUT_GOOD, tasks[itt]]) + u16(len(data))
    if recs:
        out.put("dataout", bytes([cfg, 0, k]) + bytes(4) + recs + bytes([DOUT_DISK_ALL]))


def seed_session(out, ffp, cfg, k):
    recs, slots = [], {}
    for bhs, ahs, data, _ in ffp:
        op = bhs[0] & 0x3f
        itt = bhs[16:20]
        if op == OP_DATA_OUT:
            if itt in slots:
                recs.append(bytes([REC_DATA_OUT, slots[itt]]) + u16(len(data)))
            continue
        if op not in SESSION_PICK:
            continue
        if op == OP_SCSI_CMD and itt not in slots:
            slots[itt] = len(slots) % 64
        fix = FIX_RAW_ITT | FIX_RAW_REST | (FIX_IMMEDIATE if bhs[0] & 0x40 else 0)
        d = data[:DATA_CAP]
        recs.append(bytes([REC_PDU, SESSION_PICK[op], fix, bhs[1], bhs[9] & 3]) + itt + bhs[20:48] +
                    u16(len(d)) + d)
        if op == OP_SCSI_CMD:
            recs.append(bytes([REC_DISK_ALL]))
    for start in range(0, min(len(recs), 2 * WINDOWS * WINDOW), 2 * WINDOW):
        out.put("session", bytes([0, cfg, 0, k]) + bytes(4) + b"".join(recs[start:start + 2 * WINDOW]))


def pair(text):
    a, eq, b = text.partition("=")
    if not eq or not a:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return a, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--origin", type=pair, action="append", default=[], metavar="NAME=PORT,...")
    ap.add_argument("--map", type=pair, action="append", default=[], metavar="OLD=NEW")
    ap.add_argument("pcap")
    ap.add_argument("outdir")
    args = ap.parse_args()
    origins = [(n, {int(p) for p in ports.split(",")}) for n, ports in args.origin] or [DEFAULT_ORIGIN]
    names = {a.encode(): b.encode() for a, b in args.map}
    out = Out(args.outdir)
    for ini, tgt, origin in streams(args.pcap, origins).values():
        out.origin = origin
        answered = login_result(tgt)
        hd = answered.get("HeaderDigest") == "CRC32C"
        dd = answered.get("DataDigest") == "CRC32C"
        # digests apply from the first PDU after the last Login Request
        all_pdus = frame(ini, lambda i: (False, False))
        nlogin = 0
        while nlogin < len(all_pdus) and all_pdus[nlogin][0][0] & 0x3f == OP_LOGIN:
            nlogin += 1
        pdus = frame(ini, lambda i: (hd and i >= nlogin, dd and i >= nlogin))
        seed_pdu(out, pdus, False, False) if not (hd or dd) else seed_pdu(out, pdus[nlogin:], hd, dd)
        pdus = rename(pdus, names)
        login, ffp = pdus[:nlogin], pdus[nlogin:]
        offered = {}
        for p in login:
            offered.update(keys(p[2]))
        discovery = offered.get("SessionType") == "Discovery"
        cfg, k = session_bytes(offered, answered)
        seed_login(out, login)
        seed_text(out, login, ffp, discovery)
        if not discovery:
            seed_scsi(out, ffp)
            seed_dataout(out, ffp, cfg, k)
            seed_session(out, ffp, cfg, k)
    out.finish()


if __name__ == "__main__":
    main()
