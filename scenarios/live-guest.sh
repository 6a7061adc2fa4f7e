#!/usr/bin/env bash
# live-guest.sh ISIM OUTDIR: the live scenarios whose initiator is the real
# Linux stack, open-iscsi with dm-multipath in the QEMU initiator guest
# (conformance/guest/initiator-image.sh, TCG), inside tools/netns-run.sh
# (`make scenarios-live-guest`). Per scenario:
# - the simulated twin (`isim run`), its row for the fidelity table;
# - two reftargets sharing one backing file (the scenario's LU), each
#   behind its own fault proxy (`isim proxy --path 0:G --start signal`:
#   the schedule of the scenario's faults on host 0's link to gateway G,
#   its clock held until the guest's workload starts);
# - the protocol oracle capturing live on lo, on the gateways' ports
#   (`isim oracle --live lo`: every PDU between proxies and targets);
# - the file's host 1, if it has one: the simulator's own initiator and
#   multipath over real TCP (`isim live --hosts 1 --history --start
#   signal`, its own proxies applying host 1's faults), its clock started
#   with the guest's workload, writing its I/O history;
# - the guest: host 0 of the scenario. It reaches the proxies only through
#   QEMU's guestfwd (10.0.2.100:3260 -> path 0, 10.0.2.101:3260 -> path 1,
#   one socat per connection, restrict=on: no other way out), gets the
#   scenario's initiator and multipath settings as iscsid.conf and
#   multipath.conf (guest/live-init.sh), logs in both paths, and runs
#   guest_writer, the scenario's workload, on the multipath device; its
#   "LIVE-GO" starts the proxies' clocks (SIGUSR1); it then reads every
#   block back and writes its I/O history and kernel log to a raw disk;
# - `isim guest-check`: one data oracle over both hosts' histories (the
#   guest's writes numbered in a version space of their own: guest_writer
#   ver_base=, oracle/history.h), the metrics of both hosts summed as the
#   simulator sums them, the scenario's expectation; the row. The
#   simulated twin runs the same file, both hosts.
# The gateways get the scenario's target NOP-In interval and timeout
# (a JSON configuration; reftarget's own default is no NOP-In), the guest
# the file's `multipath fast_io_fail_tmo` as multipath's, and when the
# file leaves it off (the simulator's default: the session keeps its
# replacement_timeout) the file's replacement_timeout: multipathd writes
# fast_io_fail_tmo (default 5 s) over every iSCSI session's recovery
# timeout, which is open-iscsi's replacement_timeout (multipath.conf(5);
# writing `off` would leave it too, multipathd cannot switch it off on
# iSCSI, but the measured runs wrote the number). Two variants run with those defaults instead, the
# setups in which the real stack departs from the scenario's world, each
# a row of its own that is shown, not judged (the exit status is the
# faithful runs'): SCENARIO@target-nop-off (gateways without NOP-In) and
# SCENARIO@fast-io-fail-default (multipath's 5 s over replacement_timeout).
# An entry NAME:tgt runs against two tgtd sharing the file instead of the
# reftargets (LUN 1, one identity for dm-multipath, no NOP-In: tgt's
# default): 01-stale-write-fencing-off, the stale write the guest's own
# failover leaves behind, with gateways that fence nothing. A file that
# expects a failure gets up to LIVE_TRIES (3) guest runs, as in
# scenarios/live.sh; the row is the last run's.
# LIVE_GUEST_SCENARIOS="..." picks entries (default: the four files, 01
# against tgt and one run of each variant); LIVE_GUEST_REJUDGE=1 judges the last run's
# files again without a guest.
# A file with more than two hosts is refused (one `isim live` history is
# one host; a second simulated host would need a version space of its
# own). Rows go to OUTDIR/rows.tsv and
# OUTDIR/fidelity.md (scenarios/live.sh's columns); logs beside them.
# Every process is stopped by PID (trap); each guest run is bounded by
# LIVE_GUEST_SECONDS (default 240) of wall time.
set -uo pipefail
isim=${1:?usage: live-guest.sh ISIM OUTDIR}
out=${2:?usage: live-guest.sh ISIM OUTDIR}
cd "$(dirname "$0")/.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
bin=$(dirname "$isim")
reftarget=${REFTARGET:-$bin/reftarget}
writer=$bin/guest_writer
limit=${LIVE_GUEST_SECONDS:-240}
read -ra SCENARIOS <<<"${LIVE_GUEST_SCENARIOS:-05-all-paths-down-queue 05-all-paths-down-fail 21-partition-heavy-writes-short-timeout 21-partition-heavy-writes-long-timeout 01-stale-write-fencing-off:tgt 21-partition-heavy-writes-short-timeout@target-nop-off 21-partition-heavy-writes-long-timeout@fast-io-fail-default}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
img=$(conformance/guest/initiator-image.sh) || { echo "FAIL: no guest image"; exit 1; }
lio=$(dirname "$img")/lio
work=$(mktemp -d)
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
IQN=iqn.2026-12.org.iscsi-sim:live
GW0=3460 GW1=3461 PX0=3470 PX1=3471
# guest_writer's version space (oracle/history.h: space 1, bit 40 up; the
# simulator's host numbers its writes from 1, space 0)
GUEST_VER_BASE=$((1 << 40))
# how much sooner than the guest's login_timeout a relay's connect gives up
# (start_proxy): socat starts a few ms after the guest's connect
RELAY_CONNECT_MARGIN_MS=500

wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# key=value settings of one line of `isim params` (times in whole seconds,
# rounded up, at least 1; shares without %) as shell assignments.
params() {
	"$isim" params --scenario "$1" | awk -v line="$2" '
		function secs(v,  n) {
			n = v + 0
			if (v ~ /ms$/) n = n / 1e3; else if (v ~ /us$/) n = n / 1e6; else if (v ~ /ns$/) n = n / 1e9
			return n == int(n) ? (n < 1 ? 1 : n) : int(n) + 1
		}
		function us(v,  n) {
			n = v + 0
			if (v ~ /ms$/) return n * 1e3; if (v ~ /us$/) return n; if (v ~ /ns$/) return int(n / 1e3)
			return n * 1e6
		}
		$1 == line { for (i = 2; i <= NF; i++) { split($i, kv, "="); k = toupper(kv[1]); v = kv[2]
			if (k == "THINK") { print "THINK_US=" us(v); continue }
			if (v ~ /^[0-9.]+(ns|us|ms|s)$/) v = secs(v); sub(/%$/, "", v); print k "=" v } }'
}

# sim_row NAME: the simulated twin's row
. "$(dirname "$0")/live-sim-row.sh"

# One guest run of scenario $1 (variant $2, or none); its verdict's exit
# status. LIVE_GUEST_REJUDGE=1: no run, the last one's files judged again
# (after a change to isim guest-check; the simulated twins run again).
guest_run() {
	local s=$1 variant=${2:-} gwk=${3:-reftarget} scn=scenarios/$1.scn g run=$1${2:+@$2} label=open-iscsi+dm-multipath
	[ "$gwk" = reftarget ] || { run=$run.$gwk label="$label ($gwk)"; }
	[ -n "${TRY_LABEL:-}" ] && { run=$run.try$TRY; label="$label$TRY_LABEL"; }
	eval "$(params "$scn" lu | sed 's/^/LU_/')"
	eval "$(params "$scn" run | sed 's/^/RUN_/')"
	eval "$(params "$scn" initiator | sed 's/^/INI_/')"
	eval "$(params "$scn" multipath | sed 's/^/MP_/')"
	eval "$(params "$scn" workload | sed 's/^/WL_/')"
	eval "$(params "$scn" topology | sed 's/^/TOP_/')"
	[ "$TOP_INITIATORS" -le 2 ] || { echo "FAIL $run: $TOP_INITIATORS hosts; the guest and one simulated host at most"; return 1; }
	eval "$(params "$scn" target | grep '^NOP_' | sed 's/^/TGT_/')"
	local nop_ms=$((TGT_NOP_INTERVAL_MS)) nop_to_ms=$((TGT_NOP_TIMEOUT_MS))
	local fast_io_fail=$MP_FAST_IO_FAIL_TMO
	[ "$fast_io_fail" = off ] && fast_io_fail=$INI_REPLACEMENT_TIMEOUT
	case $variant in
	"") ;;
	target-nop-off) nop_ms=0 label="$label, gateways without NOP-In" ;;
	fast-io-fail-default) fast_io_fail= label="$label, multipath's default fast_io_fail_tmo" ;;
	*) echo "FAIL $run: unknown variant (target-nop-off, fast-io-fail-default)"; return 1 ;;
	esac
	if [ "${LIVE_GUEST_REJUDGE:-0}" = 1 ]; then
		judge "$s" "$run" "$label"
		return
	fi
	rm -f "$work/lu.img"
	truncate -s $((LU_BLOCKS * LU_BLOCK_SIZE)) "$work/lu.img"
	for g in 0 1; do
		local port=$((GW0 + g)) px=$((PX0 + g))
		if [ "$gwk" = tgt ]; then
			start_tgtd "$g" "$run" || { echo "FAIL $run: tgtd $g did not start"; return 1; }
			start_proxy "$g" "$scn" "$run" || return 1
			continue
		fi
		cat >"$work/gw$g.json" <<-EOF
			{ "portals": [ { "address": "127.0.0.1", "port": $port } ],
			  "lus": [ { "name": "lu", "backstore": "file", "path": "$work/lu.img", "block_size": $LU_BLOCK_SIZE } ],
			  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
			                 "luns": [ { "lun": 0, "lu": "lu" } ] } ] } ],
			  "params": { "nop_in_interval_ms": $nop_ms, "nop_in_timeout_ms": $nop_to_ms } }
		EOF
		"$reftarget" --config "$work/gw$g.json" -q \
			--state-dir "$work/state$g" >"$out/$run.reftarget$g.log" 2>&1 &
		pids+=($!)
		wait_port $port || { echo "FAIL $run: reftarget $g did not start"; return 1; }
		start_proxy "$g" "$scn" "$run" || return 1
	done
	"$isim" oracle --live lo --port $GW0,$GW1 --seconds "$limit" --quiet --write "$out/$run.pcap" \
		>"$out/$run.oracle.out" 2>&1 &
	local oracle=$!
	pids+=($oracle)
	# the file's host 1: the simulator's initiator beside the guest, on
	# the same gateways (tgt serves the LU as LUN 1), its clock started
	# with the guest's (SIGUSR1 at LIVE-GO)
	local host1=
	rm -f "$out/$run.host1.history"
	if [ "$TOP_INITIATORS" -ge 2 ]; then
		local lun=0
		[ "$gwk" = tgt ] && lun=1
		"$isim" live --scenario "$scn" --target "iscsi://127.0.0.1:$GW0/$IQN/$lun" \
			--target "iscsi://127.0.0.1:$GW1/$IQN/$lun" --hosts 1 --history "$out/$run.host1.history" \
			--start signal --seconds "$limit" --label "$run host 1" --log "$out/$run.host1.faults.log" \
			>"$out/$run.host1.out" 2>&1 &
		host1=$!
		pids+=($host1)
	fi
	# what the guest needs: its init, the writer, the scenario's settings
	rm -rf "$work/payload" && mkdir -p "$work/payload"
	install -m 755 conformance/guest/live-init.sh "$work/payload/init"
	install -m 755 "$writer" "$work/payload/guest_writer"
	cat >"$work/payload/live.env" <<-EOF
		IQN=$IQN
		REPLACEMENT_TIMEOUT=$INI_REPLACEMENT_TIMEOUT
		NOOP_INTERVAL=$INI_NOOP_INTERVAL
		NOOP_TIMEOUT=$INI_NOOP_TIMEOUT
		LOGIN_TIMEOUT=$INI_LOGIN_TIMEOUT
		CMD_TIMEOUT=$INI_CMD_TIMEOUT
		NO_PATH_RETRY=$MP_NO_PATH_RETRY
		POLLING_INTERVAL=$MP_POLLING_INTERVAL
		FAILBACK=$MP_FAILBACK
		FAST_IO_FAIL=$fast_io_fail
		WRITER_ARGS="blocks=$LU_BLOCKS bs=$LU_BLOCK_SIZE duration=$RUN_DURATION start=$WL_START qd=$WL_QD think_us=$WL_THINK_US read=$WL_READ write=$WL_WRITE write_fua=$WL_WRITE_FUA flush=$WL_FLUSH max_blocks=$WL_MAX_BLOCKS hot_blocks=$WL_HOT_BLOCKS hot=$WL_HOT seed=1 ver_base=$GUEST_VER_BASE"
	EOF
	cp "$work/payload/live.env" "$out/$run.live.env"
	rm -f "$work/payload.ext4" "$work/result.raw"
	mke2fs -q -t ext4 -d "$work/payload" "$work/payload.ext4" 16M >/dev/null || return 1
	truncate -s 64M "$work/result.raw"
	# the relays' connect timeout: the guest's login timeout less a margin
	# (",," is a comma inside a QEMU option's value); their messages to a
	# file, never to stderr: guestfwd's cmd: gives stderr to the guest's
	# connection, and socat's "2026/12/08 ... E connect(...)" read as a
	# PDU (a Data Segment Length of 0x31322F, "12/")
	local relay_tmo
	relay_tmo=$(awk -v l="$INI_LOGIN_TIMEOUT" -v m="$RELAY_CONNECT_MARGIN_MS" 'BEGIN { printf "%.3f", l - m / 1000 }')
	local console=$out/$run.console.log
	: >"$console"
	local t0=$SECONDS
	qemu-system-x86_64 -accel "${CONF_QEMU_ACCEL:-tcg,thread=multi}" -cpu max -smp 2 -m 1024 \
		-kernel "$lio/vmlinux" -initrd "$img/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet live=1" \
		-drive "file=$img/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
		-drive "file=$work/payload.ext4,if=virtio,format=raw,snapshot=on" \
		-drive "file=$work/result.raw,if=virtio,format=raw" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:3260-cmd:socat -lf /dev/null STDIO TCP:127.0.0.1:$PX0,,connect-timeout=$relay_tmo,guestfwd=tcp:10.0.2.101:3260-cmd:socat -lf /dev/null STDIO TCP:127.0.0.1:$PX1,,connect-timeout=$relay_tmo" \
		-device virtio-net-pci,netdev=n0 \
		-display none -monitor none -serial "file:$console" -no-reboot >"$out/$run.qemu.log" 2>&1 &
	local qemu=$!
	pids+=($qemu)
	local go=
	while kill -0 $qemu 2>/dev/null && [ $((SECONDS - t0)) -lt "$limit" ]; do
		if [ -z "$go" ] && grep -q '^LIVE-GO' "$console"; then
			# the workload's clock started: so do the fault schedules
			# and host 1's (polled every 10 ms until then: isim
			# guest-check allows host 1's clock GUEST_START_LAG_NS_MAX)
			kill -USR1 "$proxy0" "$proxy1" $host1
			go=$((SECONDS - t0))
		fi
		grep -q '^LIVE-DONE' "$console" && break
		if [ -z "$go" ]; then sleep 0.01; else sleep 0.1; fi
	done
	# host 1 stops at the file's duration (plus its liveness for
	# outstanding I/O): its history is whole when it exits
	if [ -n "$host1" ]; then
		while kill -0 "$host1" 2>/dev/null && [ $((SECONDS - t0)) -lt "$limit" ]; do sleep 0.2; done
		tail -n 1 "$out/$run.host1.out" | sed 's/^/  /'
	fi
	local wall=$((SECONDS - t0))
	echo "$wall" >"$out/$run.wall"
	for _ in $(seq 50); do kill -0 $qemu 2>/dev/null || break; sleep 0.1; done
	stop_all
	tr -d '\r' <"$console" | grep '^LIVE-' | sed 's/^/  guest: /'
	[ -n "$go" ] && echo "  guest: booted and logged in after ${go} s"
	tr -d '\000' <"$work/result.raw" >"$out/$run.result.txt"
	sed -n '/^==HIST$/,/^==DMESG$/p' "$out/$run.result.txt" | sed '1d;$d' >"$out/$run.history"
	sed -n '/^==DMESG$/,/^==MPATHD$/p' "$out/$run.result.txt" | sed '1d;$d' >"$out/$run.dmesg"
	sed -n '/^==MPATHD$/,/^==TOPOLOGY$/p' "$out/$run.result.txt" | sed '1d;$d' >"$out/$run.multipathd.log"
	local proto
	proto=$(sed -n 's/^oracle: .* \([0-9]*\) violations$/\1/p' "$out/$run.oracle.out" | tail -n 1)
	grep -v '^oracle:\|^note:' "$out/$run.oracle.out" | head -n 5 | sed 's/^/  protocol oracle: /'
	tail -n 1 "$out/$run.oracle.out" | sed 's/^/  /'
	judge "$s" "$run" "$label"
}

# start_proxy G SCENARIO RUN: host 0's proxy to gateway G, its schedule
# held until SIGUSR1 (proxyG= its PID). A partition answers no SYN (isim
# proxy's default): the guest's own SYN ends at QEMU's slirp, which
# accepts it, but the socat that guestfwd starts for the connection
# connects to this proxy, and that connect waits, its SYN retransmitted
# by the host's kernel, as the guest's would be on a real network. socat
# gives up (connect-timeout) just before the guest's login_timeout ends
# the attempt (RELAY_CONNECT_MARGIN_MS): a connect that forms after the
# heal serves an attempt the guest still waits on, and none outlives it
# to deliver an abandoned Login (which the target would take as the
# reinstatement of the guest's live session).
start_proxy() {
	local g=$1 px=$((PX0 + $1))
	"$isim" proxy --listen 127.0.0.1:$px --to 127.0.0.1:$((GW0 + g)) --scenario "$2" --path 0:$g \
		--start signal --log "$out/$3.path$g.faults.log" --seconds "$limit" >"$out/$3.proxy$g.out" 2>&1 &
	pids+=($!)
	eval "proxy$g=$!"
	wait_port $px || { echo "FAIL $3: proxy $g did not start"; return 1; }
}

# start_tgtd G RUN: tgtd as gateway G on GW0+G, the shared file as LUN 1
# (LUN 0 is tgt's controller), no NOP-In (tgt's default). Both tgtds give
# the LU the same identity (scsi_id, scsi_sn: VPD page 0x83 and 0x80), so
# that dm-multipath in the guest sees one device behind both paths.
start_tgtd() {
	local g=$1 port=$((GW0 + $1)) cport=$((21000 + $$ % 5000 + $1))
	mkdir -p /var/run/tgtd
	tgtd -f -C $cport --iscsi "portal=127.0.0.1:$port" >"$out/$2.tgtd$g.log" 2>&1 &
	pids+=($!)
	wait_port $port || return 1
	local adm=(tgtadm --lld iscsi -C $cport)
	"${adm[@]}" --op new --mode target --tid 1 -T $IQN &&
		"${adm[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lu.img" --blocksize "$LU_BLOCK_SIZE" &&
		"${adm[@]}" --op update --mode logicalunit --tid 1 --lun 1 --params scsi_id=isim-live-lu,scsi_sn=isimlive0001 &&
		"${adm[@]}" --op bind --mode target --tid 1 -I ALL
}

# judge SCENARIO RUN LABEL: the verdict and row of a guest run from what
# it left in OUTDIR (history, kernel log, console, oracle, wall).
judge() {
	local s=$1 run=$2 label=$3 scn=scenarios/$1.scn console=$out/$2.console.log proto wall
	proto=$(sed -n 's/^oracle: .* \([0-9]*\) violations$/\1/p' "$out/$run.oracle.out" 2>/dev/null | tail -n 1)
	wall=$(cat "$out/$run.wall" 2>/dev/null || echo 0)
	if ! grep -q '^LIVE-DONE' "$console" || ! grep -q '^E ' "$out/$run.history"; then
		echo "  guest: no complete history (wall limit ${limit} s hit, or the guest failed: $console)"
		printf '%s\t%s\tno verdict (guest did not finish)\t-\t-\t-\t-\t-\t%s\t%s\n' \
			"$s" "$label" "${proto:--}" "$wall" >>"$ROWS"
		return 1
	fi
	kernel_events "$scn" "$run" | tee "$out/$run.kernel.txt"
	local more=()
	[ -s "$out/$run.host1.history" ] && more=(--history "$out/$run.host1.history")
	"$isim" guest-check --scenario "$scn" --history "$out/$run.history" --dmesg "$out/$run.dmesg" "${more[@]}" \
		--protocol-violations "${proto:-0}" --label "$s	$label" \
		--row "$ROWS" --wall "$wall" | tee "$out/$run.guest.out"
	return "${PIPESTATUS[0]}"
}

# kernel_events SCENARIO RUN: the initiator's steps in the guest's kernel
# log, in seconds after the first fault (the history's T line is the
# kernel's clock at LIVE-GO, when the proxies' schedules started): NOP-Out
# timeouts, session recovery timeouts (replacement_timeout), dm-multipath
# failing and reinstating paths. One line.
kernel_events() {
	local at
	at=$("$isim" params --scenario "$1" | awk '$1 == "fault" { for (i = 2; i <= NF; i++) if ($i ~ /^at=/) {
		v = substr($i, 4); n = v + 0; if (v ~ /ms$/) n /= 1e3; if (min == "" || n < min) min = n } }
		END { print min + 0 }')
	awk -v at="$at" -v run="$2" '
		NR == FNR { if ($1 == "T") t0 = $2 / 1e9; next }
		{ k = substr($0, 2, index($0, "]") - 2) + 0; w = "" }
		/ping timeout/ { w = "NOP-Out timeout" } /session recovery timed out/ { w = "replacement_timeout" }
		/Failing path/ { w = "path failed" } /Reinstating path/ { w = "path reinstated" }
		w != "" { e = e sprintf("%s%s +%.1f", e == "" ? "" : ", ", w, k - t0 - at) }
		END { printf "  kernel log of %s, s after the first fault: %s\n", run, e == "" ? "nothing" : e }
	' "$out/$2.history" "$out/$2.dmesg"
}

rm -f "$out/rows.tsv"
ROWS=$out/rows.tsv
met=0 unmet=0 shown=0
for entry in "${SCENARIOS[@]}"; do
	gwk=reftarget TRY_LABEL=
	case $entry in *:*) gwk=${entry##*:} entry=${entry%:*} ;; esac
	s=${entry%%@*} variant=
	[ "$s" != "$entry" ] && variant=${entry#*@}
	[ -f "scenarios/$s.scn" ] || { echo "FAIL: no scenarios/$s.scn"; unmet=$((unmet + 1)); continue; }
	if [ -n "$variant" ]; then
		echo "== $s@$variant: the open-iscsi guest, a variant (shown, not judged; wall limit ${limit} s)"
		guest_run "$s" "$variant"
		shown=$((shown + 1))
		stop_all
		continue
	fi
	if grep -q "^$s	sim	" "$out/rows.tsv" 2>/dev/null; then :
	elif sim_row "$s"; then met=$((met + 1)); else
		echo "FAIL $s: the simulator does not meet the file's expectation"; unmet=$((unmet + 1)); fi
	# A failure the file expects shows only if the fault catches the
	# right I/O in flight (scenarios/live.sh): up to LIVE_TRIES guest runs,
	# each kept, the row the last one's.
	tries=1
	grep -q '^expect fail' "scenarios/$s.scn" && tries=${LIVE_TRIES:-3}
	for TRY in $(seq "$tries"); do
		TRY_LABEL=
		[ "$tries" -gt 1 ] && TRY_LABEL=", run $TRY of at most $tries"
		ROWS=$work/row.tsv
		rm -f "$ROWS"
		echo "== $s: the open-iscsi guest, $gwk gateways (wall limit ${limit} s)${TRY_LABEL}"
		guest_run "$s" "" "$gwk"
		rc=$?
		stop_all
		[ $rc -eq 0 ] && break
	done
	cat "$ROWS" >>"$out/rows.tsv" 2>/dev/null
	ROWS=$out/rows.tsv
	if [ $rc -eq 0 ]; then met=$((met + 1)); else unmet=$((unmet + 1)); fi
done
# The tolerance the simulator is held to (stated in the table's text):
# same verdict; times (fail over, longest I/O) within 2 s or 25 %,
# whichever is larger; I/Os failed up both none or both some (the counts
# scale with the I/O rate, and a TCG guest issues far fewer I/Os than
# the simulated host); the same number of path failures.
{
	echo "The same scenario files with the real Linux initiator: open-iscsi and dm-multipath in a QEMU guest"
	echo "(TCG) as host 0 of the scenario, and the file's host 1 (05, 01) as the simulator's own initiator and"
	echo "multipath over real TCP beside it (\`isim live --hosts 1 --history\`, its clock started with the"
	echo "guest's workload), both through the fault proxies (\`isim proxy --start signal\`: the schedule"
	echo "starts with the guest's workload; a partition answers no SYN, the host's kernel retransmits the"
	echo "relay's, which gives up with the guest's login timeout) to two reftargets (or two tgtd, run named"
	echo "(tgt)) sharing one backing file; the simulated twin runs on that disk too (\`disk exclusive_lock=no\`,"
	echo "no Ceph lock moving between gateways); its settings from the"
	echo "file (iscsid.conf: NOP-Out interval and timeout, replacement_timeout, login timeout; SCSI command"
	echo "timeout; multipath.conf: no_path_retry, polling_interval, failback, failover grouping, TUR"
	echo "checker), its workload guest_writer (the file's mix, queue depth and think time, O_DIRECT on the"
	echo "multipath device), then every block read back; \`isim guest-check\` replays both hosts' I/O histories"
	echo "into one data oracle (each writer's versions in a space of its own), the protocol oracle read the"
	echo "proxied streams live (\`isim oracle --live lo\`). Columns as in the table above, both hosts summed"
	echo "as the simulator sums them; for the guest: time to fail over = from the first fault to the first I/O"
	echo "completed GOOD after the path it was sent on failed, another up (kernel log); path failures ="
	echo "dm-multipath's \"Failing path\" lines; wall = boot to power-off. Tolerance: the same verdict, times"
	echo "within max(2 s, 25 %), I/Os failed up both none or both some, the same path failures. The gateways"
	echo "run the file's target NOP-In and the guest's multipath fast_io_fail_tmo is the file's (\`multipath"
	echo "fast_io_fail_tmo=\`), or its replacement_timeout where the file leaves it off (multipathd writes"
	echo "fast_io_fail_tmo, 5 s by default, over every iSCSI session's recovery timeout); the rows named after"
	echo "a variant run with those defaults instead. Every difference beyond the tolerance is explained in"
	echo "scenarios/README.md (\"What the guest taught the model\")."
	echo
	echo "| scenario | run | verdict | expected | time to fail over (s) | longest I/O (s) | I/Os failed up | path failures | protocol violations | wall (s) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$out/rows.tsv"
	echo
	echo "The guest's kernel, run by run (fault time as the proxies applied it, within 0.1 s):"
	echo
	cat "$out"/*.kernel.txt 2>/dev/null | sed 's/^  kernel log of \([^,]*\), s after the first fault: /- `\1`: /'
	echo
	echo "Simulator against the real stack, within the tolerance:"
	echo
	awk -F'\t' '
		function near(a, b,  d, t) {
			if (a == "-" || b == "-") return a == b
			d = a - b; if (d < 0) d = -d
			t = (a > b ? a : b) * 0.25; if (t < 2) t = 2
			return d <= t
		}
		$2 == "sim" { sv[$1] = $3; sf[$1] = $5; sl[$1] = $6; se[$1] = $7; sp[$1] = $8; next }
		$2 !~ /^open-iscsi\+dm-multipath( \([a-z]+\))?(, run [0-9]+ of at most [0-9]+)?$/ {
			v = $2; sub(/^open-iscsi\+dm-multipath, /, "", v)
			printf "- `%s`, %s (a setup that departs from the file on purpose, not judged): %s; fail over %s s, longest I/O %s s, %s path failures\n", $1, v, $3, $5, $6, $8
			next
		}
		{
			s = $1; d = ""
			if (!(s in sv)) next
			if ($3 != sv[s]) d = d sprintf("; verdict %s, simulated %s", $3, sv[s])
			if (!near($5, sf[s])) d = d sprintf("; fail over %s s, simulated %s s", $5, sf[s])
			if (!near($6, sl[s])) d = d sprintf("; longest I/O %s s, simulated %s s", $6, sl[s])
			if (($7 + 0 > 0) != (se[s] + 0 > 0)) d = d sprintf("; %s I/Os failed up, simulated %s", $7, se[s])
			if ($8 != sp[s]) d = d sprintf("; %s path failures, simulated %s", $8, sp[s])
			g = $2; sub(/^open-iscsi\+dm-multipath ?/, "", g); sub(/^, /, "", g)
			sub(/^\(/, "against ", g); sub(/\)/, "", g)
			printf "- `%s`%s: %s\n", s, g == "" ? "" : ", " g, d == "" ? "agrees" : "DIFFERS" d
		}' "$out/rows.tsv"
} >"$out/fidelity.md"
cat "$out/fidelity.md"
echo "summary: $met runs (simulated and guest) met their scenario's expectation, $unmet did not; $shown variant runs shown"
[ "$unmet" -eq 0 ]
