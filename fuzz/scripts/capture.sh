#!/usr/bin/env bash
# capture.sh: seed corpora from real traffic (make fuzz-corpus). libiscsi's
# tools and a selection of iscsi-test-cu suites run against two kinds of
# target, all of it captured with tshark on lo:
#   reftarget  three instances (open; CHAP; mutual CHAP) on 3260-3262,
#              named and keyed as the harnesses' fz_cfg targets;
#   LIO        the Linux kernel target in a QEMU guest
#              (conformance/targets/lio.sh: an open and a CHAP target),
#              reached only through its hostfwd ports 127.0.0.1:3280-3281.
# fuzz/scripts/seeds.py then cuts the initiator's side into inputs for
# every harness under $BUILD/fuzz/seeds/<harness>/ (LIO's target names and
# CHAP user mapped to fz_cfg's, since the harnesses log in to their own
# targets; origins.tsv says which traffic each input came from), and
# fuzz/scripts/minimize.sh merges them into fuzz/corpus/<harness>/
# (libFuzzer -merge=1: only inputs that add coverage are kept).
#
# Started on the host, it builds (or finds cached) the LIO guest image
# there, since that needs Debian's package registry, then re-runs itself in
# a loopback-only network namespace (tools/netns-run.sh) where everything
# else happens. LIO is skipped, saying why, when the image cannot be built,
# the guest does not boot, or FUZZ_CAPTURE_LIO=0; reftarget is captured
# regardless. A target in a guest answers SendTargets with its guest
# address, so no discovery-following tool (iscsi-ls) is pointed at LIO:
# every LIO client gets an explicit URL to 127.0.0.1
# (shared/notes/peers-and-guests.md, "the trap").
set -euo pipefail
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
OUT=$BUILD/fuzz/capture
LIO_IMAGE_LOG=$BUILD/fuzz/lio-image.log

if [ "${RT_IN_NETNS:-}" != 1 ]; then
	mkdir -p "$BUILD/fuzz"
	skip=
	if [ "${FUZZ_CAPTURE_LIO:-1}" != 1 ]; then
		skip="FUZZ_CAPTURE_LIO=${FUZZ_CAPTURE_LIO}"
	elif ! BUILD=$BUILD "$PWD/conformance/guest/lio-image.sh" >/dev/null 2>"$LIO_IMAGE_LOG"; then
		skip="guest image could not be built: $(tail -n 1 "$LIO_IMAGE_LOG") ($LIO_IMAGE_LOG)"
	fi
	export CAPTURE_LIO_SKIP=$skip
	exec tools/netns-run.sh fuzz/scripts/capture.sh "$@"
fi

INI=iqn.2026-11.org.iscsi-sim:fuzz-initiator   # FZ_INITIATOR (fuzz/fz_cfg.h)
T=iqn.2026-11.org.iscsi-sim                     # fz_cfg target names
CHAP=fuzz-user%fuzz-secret-1234                  # FZ_USER / FZ_SECRET
MUTUAL="target_user=fuzz-target&target_password=fuzz-target-secret"
RT_PORTS=3260,3261,3262
# lio.sh serves on LIO_PORT and LIO_PORT+1; a small LU keeps the guest's
# memory (LU + 1 GiB) and tmpfs small, and matches reftarget's 64 MiB LU.
export LIO_PORT=3280 CONF_LU_MIB=64
LIO_PORTS=$LIO_PORT,$((LIO_PORT + 1))
LIO=conformance/targets/lio.sh
LIO_WORK=$OUT/lio
# iscsi-test-cu suites run against every target (ALL.<suite>).
SUITES="CompareAndWrite ExtendedCopy GetLBAStatus Inquiry ModeSense6 OrWrite Prefetch10
	PreventAllow PrinReadKeys PrinReportCapabilities ProutRegister ProutReserve ProutClear
	ProutPreempt Read6 Read10 Read16 ReadCapacity10 ReadCapacity16 ReportSupportedOpcodes
	Reserve6 StartStopUnit TestUnitReady Unmap Verify10 Verify16 Write10 Write16 WriteSame10
	WriteSame16 WriteVerify10 iSCSIcmdsn iSCSIdatasn iSCSIResiduals iSCSITMF"
rm -rf "$OUT" "$BUILD/fuzz/seeds"
mkdir -p "$OUT"
log() { printf 'capture: %s\n' "$*" | tee -a "$OUT/clients.log" >&2; }

pids=()
lio_started=0
cleanup() {
	[ $lio_started = 0 ] || "$LIO" stop "$LIO_WORK" || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

RT=$BUILD/rel/reftarget
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
tshark -q -i lo -f "tcp portrange 3260-3262 or tcp portrange $LIO_PORT-$((LIO_PORT + 1))" \
	-w "$OUT/traffic.pcap" 2>"$OUT/tshark.log" &
tshark_pid=$!
pids+=($tshark_pid)
sleep 2

run() { # a client; its failures are the target's business, not the capture's
	local t=$1
	shift
	timeout "$t" "$@" >>"$OUT/clients.log" 2>&1 || echo "capture: '$*' exited $?" >>"$OUT/clients.log"
}
# clients URL [CHAP_URL [MUTUAL_URL]]: the same traffic against any target
# (URL: LUN 0 of its open target). iscsi-inq reads page codes as decimal:
# 0 (supported pages), 0x80, 0x83, 0xb0, 0xb1, 0xb2.
clients() {
	local url=$1 chap_url=${2:-} mutual_url=${3:-} page suite
	run 60 iscsi-inq -i "$INI" "$url"
	for page in 0 128 131 176 177 178; do run 60 iscsi-inq -i "$INI" -e 1 -c "$page" "$url"; done
	run 60 iscsi-readcapacity16 -i "$INI" "$url"
	run 60 timeout -s INT 1 iscsi-perf -i "$INI" -m 4 -b 1 "$url"
	[ -z "$chap_url" ] || run 60 iscsi-inq -i "$INI" "$chap_url"
	[ -z "$mutual_url" ] || run 60 iscsi-inq -i "$INI" "$mutual_url"
	for suite in $SUITES; do
		run "$SUITE_TIMEOUT" iscsi-test-cu -s -d -i "$INI" -I "$INI-2" -t "ALL.$suite" "$url"
	done
}

log "reftarget: tools and $(wc -w <<<"$SUITES") iscsi-test-cu suites"
U="iscsi://127.0.0.1:3260/$T:fuzz-open"
run 60 iscsi-ls -i "$INI" -s iscsi://127.0.0.1:3260
run 60 iscsi-readcapacity16 -i "$INI" "$U/1"
SUITE_TIMEOUT=60 clients "$U/0" "iscsi://$CHAP@127.0.0.1:3261/$T:fuzz-chap/0" \
	"iscsi://$CHAP@127.0.0.1:3262/$T:fuzz-mutual/0?$MUTUAL"

# LIO. Its names are lio.sh's (target.env); seeds.py maps them to fz_cfg's.
maps=()
lio_skip=${CAPTURE_LIO_SKIP:-}
if [ -z "$lio_skip" ]; then
	lio_started=1
	if ! "$LIO" start "$LIO_WORK" 2>"$OUT/lio-start.log"; then
		lio_skip="the guest did not start: $(tail -n 1 "$OUT/lio-start.log") ($OUT/lio-start.log)"
	fi
fi
if [ -z "$lio_skip" ]; then
	env_get() { sed -n "s/^$1=//p" "$LIO_WORK/target.env" | tail -n 1; }
	url=$(env_get URL) url2=$(env_get URL2) chap_url=$(env_get CHAP_URL)
	# The trap, made impossible: only explicit URLs to the host's hostfwd.
	for u in "$url" "$url2" "$chap_url"; do
		[[ "$u" =~ ^iscsi://([^@/]*@)?127\.0\.0\.1:[0-9]+/ ]] || { log "LIO URL $u is not on 127.0.0.1"; exit 1; }
	done
	iqn=$(sed -E 's|^iscsi://[^/]*/([^/]*)/.*|\1|' <<<"$url")
	chap_iqn=$(sed -E 's|^iscsi://[^/]*/([^/]*)/.*|\1|' <<<"$chap_url")
	chap_user=$(sed -E 's|^iscsi://([^%]*)%.*|\1|' <<<"$chap_url")
	maps=(--map "$iqn=$T:fuzz-open" --map "$chap_iqn=$T:fuzz-chap" --map "$chap_user=fuzz-user")
	log "LIO ($(cat "$LIO_WORK/boot-seconds")s to boot): tools and the same suites"
	# Under TCG a suite takes a few times longer than against reftarget.
	SUITE_TIMEOUT=180 clients "$url" "$chap_url"
	run 60 iscsi-inq -i "$INI" "$url2"
	"$LIO" stop "$LIO_WORK" || true
	lio_started=0
else
	log "LIO SKIPPED: $lio_skip"
fi

sleep 1
kill -INT "$tshark_pid"
wait "$tshark_pid" 2>/dev/null || true
python3 fuzz/scripts/seeds.py --origin "reftarget=$RT_PORTS" --origin "lio=$LIO_PORTS" "${maps[@]}" \
	"$OUT/traffic.pcap" "$BUILD/fuzz/seeds"
[ -z "$lio_skip" ] || log "LIO SKIPPED: $lio_skip; the seeds are reftarget's only"
