#!/usr/bin/env python3
"""summary.py RUNS.jsonl RESULTS.json SECS ROUNDS LU_MB: the tables of
`make bench` (tools/bench.sh) from its runs, one JSON object a line.

Each cell (target, mode, load, sessions, digest, client) gets the median
and the min-max over the rounds of every figure; RESULTS.json holds them,
stdout gets the Markdown for REPORT.md, ending with issue 17's goals and
whether each held in this run.
"""
import json
import os
import statistics
import sys
import time

TARGETS = ["ref", "tgt", "istgt"]
NAMES = {"ref": "reftarget", "tgt": "tgt", "istgt": "istgt"}
# A client process at this share of one core or more holds the figure back
# (it cannot go faster); target and client together at this share of every
# core (2 cores here, both shared by the two): the machine does.
CLIENT_BOUND_PCT = 90
MACHINE_BOUND_PCT_PER_CPU = 90
LOADS = ["4k-randread-qd1", "4k-randread-qd32", "4k-randwrite-qd1", "4k-randwrite-qd32",
         "4k-mix70-qd1", "4k-mix70-qd32", "1m-seqread-qd4", "1m-seqwrite-qd4"]
FIGS = ["iops", "mbps", "lat_us_p50", "lat_us_p99", "lat_us_p999", "target_cpu_us_per_io",
        "target_cpu_pct", "client_cpu_pct"]


def figures(run):
    r = run["res"]
    secs = r.get("seconds") or 1.0
    ios = r.get("ios") or r.get("iops", 0) * secs
    f = {k: r[k] for k in ("iops", "mbps", "lat_us_p50", "lat_us_p99", "lat_us_p999") if k in r}
    f["target_cpu_us_per_io"] = run["target_cpu_s"] * 1e6 / ios if ios else 0.0
    f["target_cpu_pct"] = 100.0 * run["target_cpu_s"] / secs
    if "client_cpu_s" in r:
        f["client_cpu_pct"] = 100.0 * r["client_cpu_s"] / secs
    return f


def main():
    runs_path, out_path, secs, rounds, lu_mb = sys.argv[1:6]
    cells = {}
    for line in open(runs_path):
        run = json.loads(line)
        key = (run["target"], run["mode"], run["load"], run["sessions"], run["digest"], run["client"])
        cells.setdefault(key, []).append(figures(run))
    res = {}
    for key, fs in cells.items():
        agg = {}
        for fig in FIGS:
            vals = [f[fig] for f in fs if fig in f]
            if vals:
                agg[fig] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
        agg["rounds"] = len(fs)
        res[key] = agg
    load = os.getloadavg()
    meta = {"loadavg_start": os.environ.get("BENCH_LOAD_START", "?"), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(),
            "loadavg": load, "seconds_per_run": int(secs), "rounds": int(rounds), "lu_mib": int(lu_mb)}
    with open(out_path, "w") as f:
        json.dump({"meta": meta, "cells": [dict(zip(("target", "mode", "load", "sessions", "digest",
                                                       "client"), k), **v) for k, v in sorted(res.items())]},
                  f, indent=1)

    def get(t, m, l, n=1, d=0, c="iobench", fig=None):
        cell = res.get((t, m, l, n, d, c))
        if cell is None:
            return None
        if fig is None:
            fig = "mbps" if l.startswith("1m") else "iops"
        return cell.get(fig)

    def fmt(v, unit_mb=False):
        if v is None:
            return "-"
        if unit_mb:
            return "%.0f (%.0f-%.0f)" % (v["median"], v["min"], v["max"])
        if v["median"] >= 1000:
            return "%.1fk (%.1f-%.1f)" % (v["median"] / 1e3, v["min"] / 1e3, v["max"] / 1e3)
        return "%.0f (%.0f-%.0f)" % (v["median"], v["min"], v["max"])

    def med(v):
        return v["median"] if v else None

    p = print
    start = meta["loadavg_start"]
    p("%s; %d CPUs; load average at the start %s, at the end %.2f %.2f %.2f (the machine is shared: the "
      "figures are indicative). %s rounds of %s s per run, targets alternating; LUs of %s MiB in memory, "
      "written full first. Median (min-max) over the rounds." % (meta["date"], meta["cpus"], start, *load,
                                                                   rounds, secs, lu_mb))
    if load[0] > (os.cpu_count() or 1):
        p()
        p("**The machine had more runnable work than CPUs during this run.** Throughput then follows the share "
          "of the CPUs each process gets, and a target with several threads (tgt, istgt) gets more of it than "
          "a single-threaded one (reftarget): compare the *target CPU us/IO* columns (the work each target "
          "does per I/O) and the *target CPU %* ones (the share it got), not only IOPS.")
    p()
    p("### One session, no digests: IOPS (4 KiB) or MB/s (1 MiB)")
    p()
    p("`def`: each target at its own defaults; `same`: each offering MaxRecvDataSegmentLength 256 KiB, "
      "MaxBurstLength 1 MiB, FirstBurstLength 256 KiB, MaxOutstandingR2T 16, InitialR2T Yes (istgt 0.4 "
      "refuses No), ImmediateData Yes; libiscsi asks 256 KiB PDUs, FirstBurstLength 256 KiB, InitialR2T No, "
      "ImmediateData Yes and does not ask MaxOutstandingR2T (so it stays 1). reftarget's defaults "
      "differ from `same` in InitialR2T No and allowing no digests.")
    p()
    p("| load | " + " | ".join("%s %s" % (NAMES[t], m) for t in TARGETS for m in ("def", "same")) + " |")
    p("|---|" + "---:|" * 6)
    for l in LOADS:
        p("| %s | " % l + " | ".join(fmt(get(t, m, l), l.startswith("1m")) for t in TARGETS
                                     for m in ("def", "same")) + " |")
    p()
    p("### Latency and CPU (same parameters, one session, medians)")
    p()
    p("| load | target | p50 us | p99 us | p99.9 us | target CPU us/IO | target CPU % | client CPU % |")
    p("|---|---|---:|---:|---:|---:|---:|---:|")
    for l in LOADS:
        for t in TARGETS:
            c = res.get((t, "same", l, 1, 0, "iobench"))
            if c is None:
                continue
            vals = ["%.1f" % c[f]["median"] if f in c else "-" for f in FIGS[2:]]
            p("| %s | %s | %s |" % (l, NAMES[t], " | ".join(vals)))
    p()
    p("### Sessions (same parameters; the same commands in flight in total: 4 KiB at QD 32 split over the "
      "sessions, 1 MiB at QD 1 per session)")
    p()
    p("| load | target | 1 session | 4 sessions | 16 sessions | 16 vs 1 | target CPU us/IO, 1 / 16 | target CPU %, 1 / 16 |")
    p("|---|---|---:|---:|---:|---:|---:|---:|")
    for l in ("4k-randread-qd32", "4k-randwrite-qd32", "1m-seqread-qd4", "1m-seqwrite-qd4"):
        for t in TARGETS:
            one, four, six = (get(t, "same", l, n) for n in (1, 4, 16))
            if four is None and six is None:
                continue
            ratio = "%.0f%%" % (100 * med(six) / med(one)) if one and six else "-"
            mb = l.startswith("1m")
            cpu = [get(t, "same", l, n, 0, "iobench", f) for n in (1, 16) for f in ("target_cpu_us_per_io",
                                                                                      "target_cpu_pct")]
            cpus = ["%.1f" % med(c) if c else "-" for c in cpu]
            p("| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |" % (l, NAMES[t], fmt(one, mb), fmt(four, mb),
                                                                   fmt(six, mb), ratio, cpus[0], cpus[2], cpus[1],
                                                                   cpus[3]))
    p()
    p("### HeaderDigest=CRC32C (same parameters, one session; libiscsi 1.19 has no DataDigest)")
    p()
    p("| load | target | digests off | header digest on | cost | target CPU us/IO, off / on |")
    p("|---|---|---:|---:|---:|---:|")
    for l in ("4k-randread-qd32", "4k-randwrite-qd32", "1m-seqread-qd4", "1m-seqwrite-qd4"):
        for t in TARGETS:
            off, on = get(t, "same", l), get(t, "same", l, 1, 1)
            if on is None:
                continue
            cost = "%.0f%%" % (100 * (1 - med(on) / med(off))) if off else "-"
            mb = l.startswith("1m")
            c0 = get(t, "same", l, 1, 0, "iobench", "target_cpu_us_per_io")
            c1 = get(t, "same", l, 1, 1, "iobench", "target_cpu_us_per_io")
            cpu = "%.1f / %.1f" % (med(c0), med(c1)) if c0 and c1 else "-"
            p("| %s | %s | %s | %s | %s | %s |" % (l, NAMES[t], fmt(off, mb), fmt(on, mb), cost, cpu))
    p()
    p("### Cross-check: clients nobody here wrote (same parameters, one session)")
    p()
    p("libiscsi's iscsi-perf for reads, QEMU's qemu-img bench (iscsi:// driver) for writes; qemu-img has "
      "no random offsets, so its 4 KiB row is sequential. IOPS (4 KiB) or MB/s (1 MiB); target CPU us/IO.")
    p()
    p("| load | client | " + " | ".join(NAMES[t] for t in TARGETS) + " | target CPU us/IO | client CPU % |")
    p("|---|---|---:|---:|---:|---:|---:|")
    for l, c in (("4k-randread-qd32", "iscsi-perf"), ("1m-seqread-qd4", "iscsi-perf"),
                 ("4k-seqwrite-qd32", "qemu-img"), ("1m-seqwrite-qd4", "qemu-img")):
        cpu = [get(t, "same", l, 1, 0, c, "target_cpu_us_per_io") for t in TARGETS]
        ccpu = [get(t, "same", l, 1, 0, c, "client_cpu_pct") for t in TARGETS]
        p("| %s | %s | %s | %s | %s |" % (l, c, " | ".join(fmt(get(t, "same", l, 1, 0, c), l.startswith("1m"))
                                                            for t in TARGETS),
                                           " / ".join("%.1f" % med(x) if x else "-" for x in cpu),
                                           " / ".join("%.0f" % med(x) if x else "-" for x in ccpu)))
    p()
    p("### Issue 17's goals in this run (reftarget; `same` and `def` as above)")
    p()
    p("The last column is what held reftarget's run back: its CPU and its client's, in %% of one core "
      "(medians). A client at %d%% of a core or more is the bottleneck (the issue asks to show such a "
      "figure rather than count it against the target); so are the cores when target and client "
      "together use %d%% or more of every one." % (CLIENT_BOUND_PCT, MACHINE_BOUND_PCT_PER_CPU))
    p()
    p("| goal | figures | holds | reftarget CPU % / client CPU % |")
    p("|---|---|---|---|")

    def bound(mode, l, c, n=1, d=0):
        """What bounded reftarget's run of this cell: the client, the
        machine's cores, or neither (the target itself or the network)."""
        tc = get("ref", mode, l, n, d, c, "target_cpu_pct")
        cc = get("ref", mode, l, n, d, c, "client_cpu_pct")
        if not tc or not cc:
            return "-"
        t, k = med(tc), med(cc)
        why = ""
        if k >= CLIENT_BOUND_PCT:
            why = ": client-bound"
        elif t + k >= MACHINE_BOUND_PCT_PER_CPU * (os.cpu_count() or 1):
            why = ": both cores busy"
        return "%.0f / %.0f%s" % (t, k, why)

    def goal(text, figs, ok, held="-"):
        p("| %s | %s | %s | %s |" % (text, figs, "-" if ok is None else ("yes" if ok else "**no**"), held))

    for mode in ("same", "def"):
        for l in ("4k-randread-qd32", "4k-randwrite-qd32", "4k-seqwrite-qd32"):
            for c in ("iobench", "iscsi-perf", "qemu-img"):
                r, tg, ig = (med(get(t, mode, l, 1, 0, c)) for t in TARGETS)
                if not (r and tg and ig):
                    continue
                goal("%s %s (%s): >= 2x tgt, >= 1.5x istgt" % (l, mode, c),
                     "%.2fx tgt, %.2fx istgt" % (r / tg, r / ig), r >= 2 * tg and r >= 1.5 * ig,
                     bound(mode, l, c))
        for l in ("1m-seqread-qd4", "1m-seqwrite-qd4"):
            for c in ("iobench", "iscsi-perf", "qemu-img"):
                r, ig = med(get("ref", mode, l, 1, 0, c)), med(get("istgt", mode, l, 1, 0, c))
                if not (r and ig):
                    continue
                goal("%s %s (%s): >= 2500 MB/s, >= 1.2x istgt" % (l, mode, c),
                     "%.0f MB/s, %.2fx istgt" % (r, r / ig), r >= 2500 and r >= 1.2 * ig,
                     bound(mode, l, c))
    for l in ("4k-randread-qd32", "4k-randwrite-qd32", "1m-seqread-qd4", "1m-seqwrite-qd4"):
        one, six = med(get("ref", "same", l)), med(get("ref", "same", l, 16))
        if one and six:
            goal("%s: 16 sessions >= 90%% of 1" % l, "%.0f%%" % (100 * six / one), six >= 0.9 * one,
                 bound("same", l, "iobench", 16))
    for l in ("4k-randread-qd32", "4k-randwrite-qd32", "1m-seqread-qd4", "1m-seqwrite-qd4"):
        off, on = med(get("ref", "same", l)), med(get("ref", "same", l, 1, 1))
        if off and on:
            goal("%s: header digest costs <= 15%%" % l, "%.0f%%" % (100 * (1 - on / off)), on >= 0.85 * off,
                 bound("same", l, "iobench", 1, 1))


if __name__ == "__main__":
    main()
