#!/usr/bin/env bash
# capture.sh: seed corpora from real traffic (make fuzz-corpus). Runs in a
# loopback-only network namespace (tools/netns-run.sh): three reftarget
# instances (open; CHAP; mutual CHAP) named and keyed as the harnesses'
# fz_cfg targets, libiscsi's tools and a selection of iscsi-test-cu suites
# against them, all of it captured with tshark; fuzz/scripts/seeds.py then
# cuts the initiator's side into inputs for every harness under
# $BUILD/fuzz/seeds/<harness>/, and fuzz/scripts/minimize.sh merges them
# into fuzz/corpus/<harness>/ (libFuzzer -merge=1: only inputs that add
# coverage are kept).
set -euo pipefail
BUILD=${BUILD:-build}
OUT=$BUILD/fuzz/capture
RT=$BUILD/rel/reftarget
INI=iqn.2026-11.org.iscsi-sim:fuzz-initiator   # FZ_INITIATOR (fuzz/fz_cfg.h)
T=iqn.2026-11.org.iscsi-sim                     # fz_cfg target names
CHAP=fuzz-user%fuzz-secret-1234                  # FZ_USER / FZ_SECRET
MUTUAL="target_user=fuzz-target&target_password=fuzz-target-secret"
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "capture.sh: run through tools/netns-run.sh" >&2; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$RT" -q --portal 127.0.0.1:3260 --target "$T:fuzz-open" --lun ram:64M --lun ram:16M \
	--state-dir "$OUT/state-open" &
pids+=($!)
"$RT" -q --portal 127.0.0.1:3261 --target "$T:fuzz-chap" --lun ram:16M \
	--chap fuzz-user:fuzz-secret-1234 --state-dir "$OUT/state-chap" &
pids+=($!)
"$RT" -q --portal 127.0.0.1:3262 --target "$T:fuzz-mutual" --lun ram:16M \
	--chap fuzz-user:fuzz-secret-1234 --mutual-chap fuzz-target:fuzz-target-secret \
	--state-dir "$OUT/state-mutual" &
pids+=($!)
tshark -q -i lo -f 'tcp portrange 3260-3262' -w "$OUT/traffic.pcap" 2>"$OUT/tshark.log" &
tshark_pid=$!
pids+=($tshark_pid)
sleep 2

run() { # a client; its failures are the target's business, not the capture's
	timeout 60 "$@" >>"$OUT/clients.log" 2>&1 || echo "capture: '$*' exited $?" >>"$OUT/clients.log"
}
U="iscsi://127.0.0.1:3260/$T:fuzz-open"
run iscsi-ls -i "$INI" -s iscsi://127.0.0.1:3260
run iscsi-inq -i "$INI" "$U/0"
for page in 0x00 0x80 0x83 0xb0 0xb1 0xb2; do run iscsi-inq -i "$INI" -e 1 -c "$page" "$U/0"; done
run iscsi-readcapacity16 -i "$INI" "$U/1"
run timeout -s INT 1 iscsi-perf -i "$INI" -m 4 -b 1 "$U/0"
run iscsi-inq -i "$INI" "iscsi://$CHAP@127.0.0.1:3261/$T:fuzz-chap/0"
run iscsi-inq -i "$INI" "iscsi://$CHAP@127.0.0.1:3262/$T:fuzz-mutual/0?$MUTUAL"
for suite in CompareAndWrite ExtendedCopy GetLBAStatus Inquiry ModeSense6 OrWrite Prefetch10 \
	PreventAllow PrinReadKeys PrinReportCapabilities ProutRegister ProutReserve ProutClear \
	ProutPreempt Read6 Read10 Read16 ReadCapacity10 ReadCapacity16 ReportSupportedOpcodes \
	Reserve6 StartStopUnit TestUnitReady Unmap Verify10 Verify16 Write10 Write16 WriteSame10 \
	WriteSame16 WriteVerify10 iSCSIcmdsn iSCSIdatasn iSCSIResiduals iSCSITMF; do
	run iscsi-test-cu -s -d -i "$INI" -I "$INI-2" -t "ALL.$suite" "$U/0"
done
sleep 1
kill -INT "$tshark_pid"
wait "$tshark_pid" 2>/dev/null || true
python3 fuzz/scripts/seeds.py "$OUT/traffic.pcap" "$BUILD/fuzz/seeds"
