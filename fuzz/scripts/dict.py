#!/usr/bin/env python3
"""dict.py: write fuzz/iscsi.dict from the sources, so the dictionary has
every text key the engine knows (ref_target/core/param.c) and every SCSI
operation code it implements (ref_target/scsi/opcodes.c), beside the value
keywords, the harnesses' names and secrets and the initiator opcodes.
Run it when either table grows: python3 fuzz/scripts/dict.py"""
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def main():
    keys = re.findall(r'\[P_[A-Z0-9_]+\] = \{"([A-Za-z0-9_]+)"', read("ref_target/core/param.c"))
    scsi = set(int(x, 16) for x in re.findall(r'^\s*\{(0x[0-9a-f]{2}),', read("ref_target/scsi/opcodes.c"), re.M))
    scsi |= {0x83, 0x84}  # EXTENDED COPY, RECEIVE COPY RESULTS: the XCOPY CVE class
    out = ["# iscsi.dict: libFuzzer / AFL++ dictionary for every harness (-dict / -x).",
           "# Written by fuzz/scripts/dict.py from ref_target/core/param.c (text keys,",
           "# RFC 7143 §13, §12.1.3, RFC 7144) and ref_target/scsi/opcodes.c (SCSI",
           "# operation codes), with value keywords (§6.2, §13), the names and secrets",
           "# of fuzz/fz_cfg.h and the initiator opcode bytes (§11.2.1.2).", ""]
    out.append("# key names, with the equals sign the parser wants")
    out += [f'key_{k}="{k}="' for k in keys]
    out += ['key_X_vendor="X-com.example.key="', 'key_X_hash="X#ext="', ""]
    out.append("# value keywords and numbers at the edges of the ranges")
    for v in ["None", "CRC32C", "CRC32C,None", "None,CRC32C", "Yes", "No", "Reject", "Irrelevant",
              "NotUnderstood", "Discovery", "Normal", "CHAP", "None,CHAP", "CHAP,None", "All", "0x", "0b",
              "5", "6", "7", "8", "7,6,5", "8,7,6,5", "512", "8192", "65536", "262144", "16777215",
              "16777216", "0", "1", "2", "3600", "65535"]:
        out.append(f'val_{re.sub(r"[^A-Za-z0-9]", "_", v)}="{v}"')
    out += ['sep_nul="\\x00"', 'sep_comma=","', ""]
    out.append("# the harnesses' configuration (fuzz/fz_cfg.h) and CHAP placeholders (harness_login.c)")
    for n, v in [("open", "iqn.2026-11.org.iscsi-sim:fuzz-open"), ("chap", "iqn.2026-11.org.iscsi-sim:fuzz-chap"),
                 ("mutual", "iqn.2026-11.org.iscsi-sim:fuzz-mutual"), ("acl", "iqn.2026-11.org.iscsi-sim:fuzz-acl"),
                 ("redirect", "iqn.2026-11.org.iscsi-sim:fuzz-redirect"),
                 ("ini", "iqn.2026-11.org.iscsi-sim:fuzz-initiator"), ("user", "fuzz-user"),
                 ("tuser", "fuzz-target"), ("iqn", "iqn."), ("eui", "eui."), ("naa", "naa."),
                 ("chap_r_hex", "CHAP_R=@H"), ("chap_r_b64", "CHAP_R=@B"), ("chap_r_wrong", "CHAP_R=@W")]:
        out.append(f'name_{n}="{v}"')
    out += ["", "# initiator opcode bytes (BHS byte 0), plain and immediate; useful flag pairs"]
    for n, v in [("nop_out", 0), ("scsi_cmd", 1), ("tmf", 2), ("login", 3), ("text", 4), ("data_out", 5),
                 ("logout", 6), ("snack", 0x10)]:
        out += [f'op_{n}="\\x{v:02x}"', f'op_{n}_imm="\\x{v | 0x40:02x}"']
    out += ['op_login_final="\\x43\\x87"', 'op_login_security="\\x43\\x81"',
            'tag_reserved="\\xff\\xff\\xff\\xff"', ""]
    out.append("# SCSI operation codes (CDB byte 0)")
    out += [f'scsi_{o:02x}="\\x{o:02x}"' for o in sorted(scsi)]
    with open(os.path.join(ROOT, "fuzz", "iscsi.dict"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
