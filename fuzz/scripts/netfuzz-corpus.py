#!/usr/bin/env python3
"""netfuzz-corpus.py to-harness|to-netfuzz: the network fuzzer's cases and
the in-process harnesses' corpora feed each other where the formats allow
(fuzz/README.md, "Corpus exchange").

  to-harness OUTDIR CASE|DIR...
      netfuzz case files (a run's --out: findings, corpus/*.case) -> inputs
      of the pdu, login, text, scsi, dataout and session harnesses under
      OUTDIR/<harness>/, named by SHA-1, cut by seeds.py's own functions
      (the harness formats live there once). Each connection's PDU steps
      become the initiator's PDUs; the fields the fuzzer fills from the
      live connection get the values a clean session would have (CmdSN
      and ITT counting from the connect step's, LUN 0, DataSegmentLength
      = the data's); a login step is the harness's own login, its flags
      (unsol, noimm) the keys it offers. OUTDIR/origins-netfuzz.tsv lists
      the case each input came from.
  to-netfuzz OUTDIR HARNESS_CORPUS_DIR...
      corpus entries of the pdu harness (an initiator byte stream) and of
      the scsi harness (CDB records) -> netfuzz case files OUTDIR/*.case,
      for `isim netfuzz --seeds OUTDIR`: connect, the legitimate login
      (or the stream's own Login Requests when it starts with them), then
      each PDU with the fields a live connection must fill marked `fix`
      (CmdSN, ExpStatSN, ITT, LUN, DataSegmentLength), digests left to
      the session. The fuzzer gives a CDB it could not have drawn (off its
      opcode table, a write on its protected blocks) one of its table when
      it loads the seeds. A folder named pdu or scsi is read as that
      harness's; give others as NAME=DIR.
Prints what it wrote; exit 0, or 2 for a bad command line or file.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seeds  # noqa: E402  (the harness formats)

STEPS_MAX = 96          # NF_STEPS_MAX (sim/host/netfuzz.h)
DATA_MAX = 256 * 1024   # NF_DATA_MAX
PDUS_MAX = 40           # PDUs of one converted case (room for recv steps)
FIX_CMD = "cmdsn,expstatsn,itt-new,lun,dsl"
# The fields a live connection fills, by opcode (netfuzz.h, enum nf_fix).
FIX_BY_OP = {
    seeds.OP_SCSI_CMD: FIX_CMD,
    seeds.OP_DATA_OUT: "expstatsn,itt-last,lun,ttt-r2t,dsl",
    seeds.OP_TEXT: "cmdsn,expstatsn,itt-new,dsl",
    seeds.OP_NOP_OUT: "cmdsn,expstatsn,dsl",
    seeds.OP_TMF: FIX_CMD + ",rtt",
    seeds.OP_LOGOUT: "cmdsn,expstatsn,itt-new,dsl",
    seeds.OP_LOGIN: "login,cmdsn,expstatsn,dsl",
}


def die(msg):
    print(f"netfuzz-corpus.py: {msg}", file=sys.stderr)
    sys.exit(2)


# ---- netfuzz case files -> harness inputs ----

def read_case(path):
    """[(op, conn, {key: value})] of a case file."""
    steps = []
    with open(path) as f:
        lines = f.read().splitlines()
    if not any(line.startswith("netfuzz-case ") for line in lines):
        die(f"{path}: not a netfuzz case (no 'netfuzz-case 1' line)")
    for n, line in enumerate(lines, 1):
        w = line.split()
        if not w or w[0].startswith("#") or w[0] in ("netfuzz-case", "seed", "case", "mutator", "expect"):
            continue
        try:
            steps.append((w[0], int(w[1]), dict(x.split("=", 1) for x in w[2:])))
        except (IndexError, ValueError):
            die(f"{path}:{n}: not a step line")
    return steps


def data_of(v):
    if v is None:
        return b""
    if "*" in v:
        n, b = v.split("*")
        return bytes([int(b, 16)]) * int(n, 0)
    return bytes.fromhex(v)


def pdus_of(steps):
    """Per connection: (login flags, [(bhs, ahs, data, raw)]) with the fixed fields filled."""
    conns = {}
    for op, c, kv in steps:
        if op == "connect":
            conns[c] = {"flags": set(), "pdus": [], "cmdsn": int(kv.get("cmdsn", "1"), 0),
                        "itt": int(kv.get("itt", "1"), 0), "last": 0}
        elif c not in conns:
            continue
        elif op == "login":
            conns[c]["flags"] |= set(kv.get("flags", "").split(","))
        elif op in ("pdu", "raw"):
            s, data = conns[c], data_of(kv.get("data"))
            if op == "raw":
                s["pdus"].extend(seeds.frame(data, lambda i: (False, False)))
                continue
            bhs = bytearray(bytes.fromhex(kv["bhs"]))
            fix = set(kv.get("fix", "").split(","))
            if "itt-new" in fix:
                s["itt"] += 1
                s["last"] = s["itt"]
                bhs[16:20] = seeds.u32(s["itt"])
            if "itt-last" in fix:
                bhs[16:20] = seeds.u32(s["last"])
            if "cmdsn" in fix:
                bhs[24:28] = seeds.u32(s["cmdsn"])
                if not bhs[0] & 0x40 and bhs[0] & 0x3f not in (seeds.OP_DATA_OUT, seeds.OP_SNACK, seeds.OP_LOGIN):
                    s["cmdsn"] += 1
            if "lun" in fix:
                bhs[8:16] = bytes(8)
            if "dsl" in fix:
                bhs[5:8] = len(data).to_bytes(3, "big")
            bhs = bytes(bhs)
            s["pdus"].append((bhs, b"", data, bhs + data + bytes(seeds.pad(len(data)))))
    return [(s["flags"], s["pdus"]) for s in conns.values()]


class Out(seeds.Out):
    def finish(self):
        with open(os.path.join(self.root, "origins-netfuzz.tsv"), "w") as f:
            for (h, name), origins in sorted(self.seen.items()):
                f.write(f"{h}\t{name}\t{','.join(sorted(origins))}\n")
        for h in sorted({h for h, _ in self.seen}):
            print(f"netfuzz-corpus: {h}: {sum(1 for hh, _ in self.seen if hh == h)} inputs in {self.root}/{h}/")


def case_files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, files in sorted(os.walk(a)):
                yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(".case"))
        else:
            yield a


def to_harness(outdir, args):
    out, n = Out(outdir), 0
    for path in case_files(args):
        n += 1
        out.origin = os.path.basename(path)
        for flags, pdus in pdus_of(read_case(path)):
            if not pdus:
                continue
            seeds.seed_pdu(out, pdus, False, False)
            nlogin = 0
            while nlogin < len(pdus) and pdus[nlogin][0][0] & 0x3f == seeds.OP_LOGIN:
                nlogin += 1
            login, ffp = pdus[:nlogin], [p for p in pdus[nlogin:] if p[0][0] & 0x3f != seeds.OP_LOGIN]
            offered = {}
            for p in login:
                offered.update(seeds.keys(p[2]))
            answered = {}
            if "unsol" in flags:
                offered["InitialR2T"] = answered["InitialR2T"] = "No"
            if "noimm" in flags:
                offered["ImmediateData"] = answered["ImmediateData"] = "No"
            discovery = offered.get("SessionType") == "Discovery"
            cfg, k = seeds.session_bytes(offered, answered)
            seeds.seed_login(out, login)
            seeds.seed_text(out, login, ffp, discovery)
            if not discovery and ffp:
                seeds.seed_scsi(out, ffp)
                seeds.seed_dataout(out, ffp, cfg, k)
                seeds.seed_session(out, ffp, cfg, k)
    if n == 0:
        die("no .case file among " + " ".join(args))
    os.makedirs(outdir, exist_ok=True)
    out.finish()
    print(f"netfuzz-corpus: {n} netfuzz cases -> {len(out.seen)} harness inputs")


# ---- harness corpora -> netfuzz case files ----

def case_text(name, pdus, login_first):
    h = hashlib.sha1(name.encode()).digest()
    lines = ["# isim netfuzz case converted from " + name + " (fuzz/scripts/netfuzz-corpus.py)",
             "netfuzz-case 1", "seed 0", "case 0", "mutator replay",
             f"connect 0 isid=80{h[:5].hex()} cid=1 itt=0x{int.from_bytes(h[5:8], 'big') + 1:x} cmdsn=1"]
    if not login_first:
        lines.append("login 0 exchanges=0")
    for bhs, _, data, _ in pdus[:PDUS_MAX]:
        op = bhs[0] & 0x3f
        if op == seeds.OP_LOGIN and not login_first:
            continue
        fix = FIX_BY_OP.get(op, "expstatsn,dsl")
        if op == seeds.OP_TEXT and bhs[20:24] != b"\xff\xff\xff\xff":
            fix = "cmdsn,expstatsn,itt-last,ttt-text,dsl"  # a continuation of the exchange
        line = f"pdu 0 fix={fix} bhs={bhs.hex()}"
        if data:
            line += " data=" + data[:DATA_MAX].hex()
        lines.append(line)
        if op in (seeds.OP_SCSI_CMD, seeds.OP_LOGIN, seeds.OP_TEXT):
            lines.append("recv 0 ms=30")
        if len(lines) >= STEPS_MAX:
            break
    lines.append("recv 0 ms=100")
    return "\n".join(lines[:STEPS_MAX + 5]) + "\n"


def from_pdu(blob):
    """pdu harness: option byte (bit 0 HD, bit 1 DD), a 4-byte split plan, the stream."""
    if len(blob) < 5 + 48:
        return None
    hd, dd = bool(blob[0] & 1), bool(blob[0] & 2)
    return seeds.frame(blob[5:], lambda i: (hd, dd))


def from_scsi(blob):
    """scsi harness: option byte, two fz_cfg bytes, records (harness_scsi.c)."""
    pdus, i = [], 3
    while i < len(blob) and len(pdus) < PDUS_MAX:
        ctl = blob[i]
        i += 1
        if ctl & 0x80:
            i += 1
            continue
        i += (1 if ctl & 0x04 else 0) + (1 if ctl & 0x40 else 0)
        if i >= len(blob) or blob[i] > 16:
            break
        n = blob[i]
        cdb = blob[i + 1:i + 1 + n].ljust(16, b"\0")
        i += 1 + n
        if i + 2 > len(blob):
            break
        dlen = int.from_bytes(blob[i:i + 2], "big")
        data = blob[i + 2:i + 2 + dlen]
        i += 2 + dlen
        flags = 0x80 | (0x20 if data else 0x40) | 1  # F, W or R, SIMPLE
        edtl = len(data) if data else 4096
        bhs = bytes([seeds.OP_SCSI_CMD, flags, 0, 0, 0]) + len(data).to_bytes(3, "big") + bytes(12) + \
            seeds.u32(edtl) + bytes(8) + cdb
        pdus.append((bhs, b"", data, b""))
    return pdus


def to_netfuzz(outdir, args):
    os.makedirs(outdir, exist_ok=True)
    total = 0
    for a in args:
        kind, _, d = a.rpartition("=") if "=" in a else (os.path.basename(os.path.normpath(a)), "", a)
        conv = {"pdu": from_pdu, "scsi": from_scsi}.get(kind)
        if conv is None:
            die(f"{a}: give a pdu or scsi harness corpus (a folder so named, or pdu=DIR, scsi=DIR)")
        if not os.path.isdir(d):
            die(f"{d}: not a folder")
        n = 0
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                pdus = conv(fh.read())
            if not pdus:
                continue
            login_first = pdus[0][0][0] & 0x3f == seeds.OP_LOGIN
            with open(os.path.join(outdir, f"{kind}-{f[:16]}.case"), "w") as fh:
                fh.write(case_text(f"{kind}/{f}", pdus, login_first))
            n += 1
        print(f"netfuzz-corpus: {kind}: {n} netfuzz cases from {d} in {outdir}/")
        total += n
    if total == 0:
        die("no corpus entry could be converted")


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("to-harness", "to-netfuzz"):
        die("usage: netfuzz-corpus.py to-harness OUTDIR CASE|DIR... | to-netfuzz OUTDIR CORPUS_DIR...")
    (to_harness if sys.argv[1] == "to-harness" else to_netfuzz)(sys.argv[2], sys.argv[3:])


if __name__ == "__main__":
    main()
