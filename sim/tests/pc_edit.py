#!/usr/bin/env python3
"""pc_edit.py: plant violations and transport trouble in a clean iSCSI
capture, for the pcap oracle test (sim/tests/oracle_pcap.sh).

    pc_edit.py IN.pcap OUT.pcap OP [OP ...]     ops apply in order
    pc_edit.py IN.pcap --list                   the PDUs, one a line

Classic pcap files (either byte order), Ethernet, IPv4/IPv6, TCP; the
capture must be clean and in order (what `isim oracle --live --write`
keeps of a loopback session). PDUs are counted per direction over the
whole capture, from 0, by opcode name (see OPS). A BHS edited in a session
with header digests gets its digest recomputed, so the edit breaks only
the rule it aims at.

PDU edits (DIR: ini or tgt):
    set DIR OP N FIELD VALUE   FIELD in FIELDS; VALUE a number or +N / -N
    hdigest DIR OP N           corrupt the header digest
    shortedtl N                the SCSI Command of the N-th Data-In with data
                               asks for half of that Data-In's data
Frame edits, after every PDU edit (K: the K-th frame, from 0, carrying
payload in direction DIR in the clean capture, or OP:N, the frame that
carries the first byte of the N-th PDU OP from DIR):
    swap DIR K      K and the next payload frame of DIR change places
    dup DIR K       K again right after itself (a retransmission)
    dupdiff DIR K   the same, with one payload byte changed
    drop DIR K      K is lost
    cut N           the first N frames are lost (the capture starts later)
"""
import struct
import sys

OPS = {'nop-out': 0x00, 'scsi-cmd': 0x01, 'tmf-req': 0x02, 'login-req': 0x03, 'text-req': 0x04,
       'data-out': 0x05, 'logout-req': 0x06, 'nop-in': 0x20, 'scsi-rsp': 0x21, 'tmf-rsp': 0x22,
       'login-rsp': 0x23, 'text-rsp': 0x24, 'data-in': 0x25, 'logout-rsp': 0x26, 'r2t': 0x31,
       'async': 0x32, 'reject': 0x3f}
NAMES = {v: k for k, v in OPS.items()}
FIELDS = {'itt': 16, 'edtl': 20, 'ttt': 20, 'cmdsn': 24, 'statsn': 24, 'expcmdsn': 28, 'maxcmdsn': 32,
          'datasn': 36, 'r2tsn': 36, 'bufferoffset': 40, 'desired': 44, 'residual': 44}
BHS = 48


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def die(msg):
    sys.stderr.write('pc_edit: %s\n' % msg)
    sys.exit(2)


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        die('%s: not a pcap file' % path)
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        die('%s: not a classic pcap file' % path)
    if struct.unpack(e + 'I', data[20:24])[0] != 1:
        die('%s: not Ethernet' % path)
    recs, off = [], 24
    while off + 16 <= len(data):
        ts1, ts2, cap, wire = struct.unpack(e + 'IIII', data[off:off + 16])
        recs.append([ts1, ts2, wire, bytearray(data[off + 16:off + 16 + cap])])
        off += 16 + cap
    return e, data[:24], recs


def write_pcap(path, e, ghdr, recs):
    with open(path, 'wb') as f:
        f.write(ghdr)
        for ts1, ts2, wire, d in recs:
            f.write(struct.pack(e + 'IIII', ts1, ts2, max(wire, len(d)), len(d)))
            f.write(bytes(d))


def tcp_of(d):
    """(src, sport, dst, dport, seq, flags, payload offset, payload length) or None."""
    if len(d) < 14:
        return None
    et, off = struct.unpack('>H', d[12:14])[0], 14
    if et == 0x0800:
        ihl = (d[off] & 15) * 4
        total = struct.unpack('>H', d[off + 2:off + 4])[0]
        if d[off + 9] != 6:
            return None
        src, dst, t, end = bytes(d[off + 12:off + 16]), bytes(d[off + 16:off + 20]), off + ihl, off + total
    elif et == 0x86dd:
        if d[off + 6] != 6:
            return None
        plen = struct.unpack('>H', d[off + 4:off + 6])[0]
        src, dst, t, end = bytes(d[off + 8:off + 24]), bytes(d[off + 24:off + 40]), off + 40, off + 40 + plen
    else:
        return None
    sport, dport, seq = struct.unpack('>HHI', d[t:t + 8])
    hl = (d[t + 12] >> 4) * 4
    return src, sport, dst, dport, seq, d[t + 13], t + hl, end - (t + hl)


class Stream:
    """One direction of one connection: its payload bytes, where each lives.

    Records are placed by sequence number, so a live capture on a 2-CPU
    loopback that saw two segments in the other order (or twice) still
    edits; a gap (bytes the capture never saw) is an error."""

    def __init__(self):
        self.isn = None
        self.raw = {}  # relative sequence number -> (record index, offset in record, length)
        self._pieces = None

    def add(self, seq, syn, rec, poff, plen):
        if syn:
            self.isn = (seq + 1) & 0xffffffff
            return
        if plen == 0:
            return
        if self.isn is None:
            self.isn = seq
        rel = (seq - self.isn) & 0xffffffff
        if rel not in self.raw:  # a retransmission keeps the first copy
            self.raw[rel] = (rec, poff, plen)
            self._pieces = None

    @property
    def pieces(self):
        """(stream offset, record index, offset in record, length), in order."""
        if self._pieces is None:
            out, end = [], 0
            for rel in sorted(self.raw):
                rec, poff, plen = self.raw[rel]
                if rel + plen <= end:
                    continue  # wholly retransmitted
                if rel > end:
                    die('record %d: the capture lacks stream bytes %d..%d' % (rec, end, rel))
                skip = end - rel
                out.append((end, rec, poff + skip, plen - skip))
                end = rel + plen
            self._pieces = out
        return self._pieces

    @property
    def size(self):
        p = self.pieces
        return p[-1][0] + p[-1][3] if p else 0

    def locate(self, off):
        for s, rec, poff, plen in self.pieces:
            if s <= off < s + plen:
                return rec, poff + off - s
        die('stream offset %d beyond the capture' % off)

    def read(self, recs, off, n):
        out = bytearray()
        for i in range(n):
            rec, p = self.locate(off + i)
            out.append(recs[rec][3][p])
        return out

    def write(self, recs, off, data):
        for i, b in enumerate(data):
            rec, p = self.locate(off + i)
            recs[rec][3][p] = b


def parse(recs):
    """Connections in order of first sight: {'dirs': {'ini': Stream, 'tgt': Stream}}."""
    conns, order = {}, []
    for i, (_, _, _, d) in enumerate(recs):
        t = tcp_of(d)
        if t is None:
            continue
        src, sport, dst, dport, seq, flags, poff, plen = t
        syn, ack = flags & 2, flags & 16
        key = (src, sport, dst, dport)
        rkey = (dst, dport, src, sport)
        if key in conns:
            c, side = conns[key], 'ini'
        elif rkey in conns:
            c, side = conns[rkey], 'tgt'
        else:
            c = {'dirs': {'ini': Stream(), 'tgt': Stream()}}
            conns[key] = c
            order.append(c)
            side = 'tgt' if syn and ack else 'ini'
            if side == 'tgt':  # first seen from the target: key it the other way round
                del conns[key]
                conns[rkey] = c
        c['dirs'][side].add(seq, syn, i, poff, plen)
    return order


def pdus(recs, conns):
    """Every PDU: dict(dir, op, off, hd, stream, bhs)."""
    out = []
    for c in conns:
        text = b''
        lists = {}
        for side in ('tgt', 'ini'):
            s = c['dirs'][side]
            off, hd, dd, lst = 0, False, False, []
            while off + BHS <= s.size:
                bhs = s.read(recs, off, BHS)
                op = bhs[0] & 0x3f
                if side == 'tgt' and op == 0x23:
                    dsl0 = int.from_bytes(bhs[5:8], 'big')
                    text += bytes(s.read(recs, off + BHS, min(dsl0, s.size - off - BHS)))
                if op not in (0x03, 0x23):
                    hd = b'HeaderDigest=CRC32C' in text
                    dd = b'DataDigest=CRC32C' in text
                dsl = int.from_bytes(bhs[5:8], 'big')
                ahs = bhs[4] * 4
                n = BHS + ahs + (4 if hd else 0) + ((dsl + 3) & ~3) + (4 if dd and dsl else 0)
                lst.append({'dir': side, 'op': op, 'off': off, 'hd': hd, 'stream': s, 'bhs': bhs, 'dsl': dsl,
                            'ahs': ahs})
                off += n
            lists[side] = lst
        out += lists['ini'] + lists['tgt']
    return out


def nth(all_pdus, side, opname, n, pred=None):
    if opname not in OPS:
        die('unknown PDU %s (%s)' % (opname, ', '.join(sorted(OPS))))
    m = [p for p in all_pdus if p['dir'] == side and p['op'] == OPS[opname] and (pred is None or pred(p))]
    if n >= len(m):
        die('only %d %s PDUs from the %s' % (len(m), opname, side))
    return m[n]


def put_bhs(recs, p, bhs):
    p['stream'].write(recs, p['off'], bhs)
    p['bhs'] = bytearray(bhs)
    if p['hd']:
        hl = BHS + p['ahs']
        crc = crc32c(bytes(p['stream'].read(recs, p['off'], hl)))
        p['stream'].write(recs, p['off'] + hl, struct.pack('<I', crc))


def value(old, v):
    if v[0] in '+-':
        return (old + int(v, 0)) & 0xffffffff
    return int(v, 0) & 0xffffffff


def payload_frames(recs, side):
    conns = parse(recs)
    out = []
    for c in conns:
        out += [rec for _, rec, _, _ in c['dirs'][side].pieces]
    return sorted(set(out))


def main(argv):
    if len(argv) == 3 and argv[2] == '--list':
        e, g, recs = read_pcap(argv[1])
        for p in pdus(recs, parse(recs)):
            rec, _ = p['stream'].locate(p['off'])
            print('frame %d %s %s itt 0x%x dsl %d' % (rec + 1, p['dir'], NAMES.get(p['op'], hex(p['op'])),
                                                      struct.unpack('>I', p['bhs'][16:20])[0], p['dsl']))
        return 0
    if len(argv) < 4:
        die('usage: pc_edit.py IN OUT OP [ARGS] ... | IN --list')
    e, g, recs = read_pcap(argv[1])
    args = argv[3:]
    frame_ops = []  # after every PDU edit, on frames as the clean capture has them
    while args:
        op = args.pop(0)
        if op == 'set':
            side, name, n, field, v = args[:5]
            del args[:5]
            p = nth(pdus(recs, parse(recs)), side, name, int(n))
            bhs = bytearray(p['bhs'])
            at = FIELDS[field]
            bhs[at:at + 4] = struct.pack('>I', value(struct.unpack('>I', bhs[at:at + 4])[0], v))
            put_bhs(recs, p, bhs)
        elif op == 'hdigest':
            side, name, n = args[:3]
            del args[:3]
            p = nth(pdus(recs, parse(recs)), side, name, int(n))
            if not p['hd']:
                die('hdigest: the session has no header digests')
            at = p['off'] + BHS + p['ahs']
            b = p['stream'].read(recs, at, 1)
            p['stream'].write(recs, at, bytes([b[0] ^ 0xff]))
        elif op == 'shortedtl':
            n = int(args.pop(0))
            all_pdus = pdus(recs, parse(recs))
            din = nth(all_pdus, 'tgt', 'data-in', n, lambda p: p['dsl'] > 0)
            itt = din['bhs'][16:20]
            cmds = [p for p in all_pdus if p['dir'] == 'ini' and p['op'] == 0x01 and p['bhs'][16:20] == itt]
            if not cmds:
                die('shortedtl: no command for ITT %s' % itt.hex())
            cmd = cmds[-1]
            bhs = bytearray(cmd['bhs'])
            off = struct.unpack('>I', din['bhs'][40:44])[0]
            bhs[20:24] = struct.pack('>I', off + din['dsl'] // 2)
            put_bhs(recs, cmd, bhs)
        elif op in ('swap', 'dup', 'dupdiff', 'drop', 'cut'):
            n = 1 if op == 'cut' else 2
            frame_ops.append([op] + args[:n])
            del args[:n]
        else:
            die('unknown op %s' % op)
    frames = {side: [recs[i] for i in payload_frames(recs, side)] for side in ('ini', 'tgt')}
    all_pdus = pdus(recs, parse(recs)) if frame_ops else []
    orig = list(recs)  # PDU positions are indexes into the capture before any frame edit
    for fop in frame_ops:
        if fop[0] == 'cut':
            del recs[:int(fop[1])]
            continue
        op, side, k = fop[0], fop[1], fop[2]
        fr = frames[side]
        if ':' in k:  # OP:N, the frame that carries the N-th such PDU's first byte
            name, n = k.split(':')
            p = nth(all_pdus, side, name, int(n))
            rec, _ = p['stream'].locate(p['off'])
            k = next(i for i, r in enumerate(fr) if r is orig[rec])
        k = int(k)
        if k + 1 >= len(fr):
            die('%s: only %d payload frames from the %s' % (op, len(fr), side))
        i = next(n for n, r in enumerate(recs) if r is fr[k])
        if op == 'swap':
            j = next(n for n, r in enumerate(recs) if r is fr[k + 1])
            recs[i], recs[j] = recs[j], recs[i]
        elif op == 'drop':
            del recs[i]
        else:
            copy = [recs[i][0], recs[i][1], recs[i][2], bytearray(recs[i][3])]
            if op == 'dupdiff':
                copy[3][-1] ^= 0x5a
            recs.insert(i + 1, copy)
    write_pcap(argv[2], e, g, recs)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
