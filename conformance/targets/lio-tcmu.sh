#!/usr/bin/env bash
# lio-tcmu.sh start|stop|urls WORK: LIO with a TCMU user backstore, served by
# Debian's tcmu-runner, in a QEMU guest: the path initiator -> LIO -> TCMU
# -> tcmu-runner -> backend of the Ceph iSCSI gateway (issue 18).
#
# Same contract as lio.sh (WORK/target.env, WORK/pid), same LUs, portals,
# CHAP LU and ACLs, so the suites run unchanged; only the backstore
# differs: user:qcow (tcmu-runner's qcow handler on a qcow2 file in the
# guest's RAM; Debian ships no plain file handler, see
# conformance/guest/tcmu-image.sh) where the lio column has fileio.
# CONF_TCMU_FORMAT=raw gives the handler a raw file instead (it opens
# both): the column without qcow2's own behaviour. Boots
# the LIO guest's kernel with guest/tcmu-image.sh's Debian rootfs
# (snapshot=on) under QEMU (TCG; CONF_QEMU_ACCEL=kvm to try), configured by
# guest/tcmu-init.sh. Reached only through QEMU user networking with
# restrict=on and two hostfwd rules from 127.0.0.1 to the guest's 3260;
# GUEST=1: SendTargets names the guest's own address, which no tool may
# follow (lio.sh says why; the loopback-only namespace makes it
# unreachable anyway).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

cmd=${1:?usage: lio-tcmu.sh start|stop|urls WORK}
WORK=${2:?usage: lio-tcmu.sh start|stop|urls WORK}
# 3310-3311: no other target or test uses them (conformance/README.md's
# table).
PORT=${LIO_TCMU_PORT:-3310}
PORT2=$((PORT + 1))
IQN=iqn.2003-01.org.conformance:lio-tcmu
# Under TCG a Debian rootfs, dbus and tcmu-runner take longer than the
# busybox LIO guest: ready in 30-50 s here (5 s for lio.sh); room for a busy CI.
BOOT_TIMEOUT=${CONF_LIO_BOOT_TIMEOUT:-300}
# Every command crosses from the kernel into tcmu-runner and back in a TCG
# guest: the tests that send hundreds of commands (CompareAndWrite.Simple
# and Miscompare: 256 WRITEs and COMPARE AND WRITEs each) take 30-60 s
# here on a loaded machine where LIO takes 1 s, so the per-test limit of
# libiscsi-cu.sh (30 s) is raised for this target (TEST_TIMEOUT in
# target.env; CONF_TEST_TIMEOUT still overrides it).
TEST_TIMEOUT=${CONF_TCMU_TEST_TIMEOUT:-120}
# The whole suite took 1000 s here with the machine's load at 20 (LIO: 100
# s): past libiscsi-cu.sh's budget of 1200 s on a busier day, so 3600.
SUITE_BUDGET=${CONF_TCMU_SUITE_BUDGET:-3600}
FORMAT=${CONF_TCMU_FORMAT:-qcow2}
case "$FORMAT" in qcow2 | raw) ;; *) conf_die "CONF_TCMU_FORMAT=$FORMAT: qcow2 or raw" ;; esac

start() {
	conf_require_netns
	mkdir -p "$WORK"
	local img lio t0 accel
	img=$("$CONF_DIR/guest/tcmu-image.sh")
	lio=$("$CONF_DIR/guest/lio-image.sh")
	accel=${CONF_QEMU_ACCEL:-tcg,thread=multi}
	t0=$EPOCHREALTIME
	: >"$WORK/console.log"
	qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m $((${CONF_LU_MIB:-1000} + 1024)) \
		-kernel "$lio/vmlinux" -initrd "$img/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet lio_iqn=$IQN lio_size_mb=$((CONF_LU_BYTES / 1048576)) lio_chap_user=$CONF_CHAP_USER lio_chap_secret=$CONF_CHAP_SECRET lio_acl=$(tr ' ' , <<<"$CONF_ACL_INITIATORS") lio_tcmu_format=$FORMAT" \
		-drive "file=$img/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:3260,hostfwd=tcp:127.0.0.1:$PORT2-:3260" \
		-device virtio-net-pci,netdev=n0 \
		-display none -monitor none -serial "file:$WORK/console.log" -no-reboot \
		>"$WORK/qemu.log" 2>&1 &
	echo $! >"$WORK/pid"
	local deadline=$((SECONDS + BOOT_TIMEOUT))
	until grep -a -q '^LIO-\(READY\|FAILED\)' "$WORK/console.log"; do
		kill -0 "$(cat "$WORK/pid")" 2>/dev/null || { tail -n 20 "$WORK/console.log" "$WORK/qemu.log" >&2; conf_die "QEMU exited"; }
		[ $SECONDS -lt $deadline ] || { tail -n 20 "$WORK/console.log" >&2; conf_die "LIO + TCMU not ready in ${BOOT_TIMEOUT}s"; }
		sleep 0.5
	done
	grep -a -q '^LIO-READY' "$WORK/console.log" ||
		{ grep -a '^TCMU-LOG\|^LIO-FAILED' "$WORK/console.log" >&2; conf_die "$(grep -a '^LIO-FAILED' "$WORK/console.log" | tr -d '\r')"; }
	conf_wait_port 127.0.0.1 "$PORT" 10 || conf_die "hostfwd 127.0.0.1:$PORT not listening"
	local boot
	boot=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "$boot" >"$WORK/boot-seconds"
	{ sed -n 's/^TCMU-RUNNER \([^ ]*\).*/\1/p' "$WORK/console.log" | tr -d '\r' | head -n 1; echo "$FORMAT"; } |
		paste -sd' ' >"$WORK/tcmu-runner-version"
	# The CHAP-protected LU shares the open one's portal: CHAP_PORTAL = PORTAL.
	conf_write_target_env "$WORK" lio-tcmu 1 "$PORT" "$PORT2" "$IQN" "$PORT" "$IQN-chap" 0 "$CONF_LU_BYTES" \
		"TEST_TIMEOUT=$TEST_TIMEOUT" "SUITE_BUDGET=$SUITE_BUDGET"
	conf_log "LIO + TCMU ($(cat "$lio/kernel-version"), tcmu-runner $(cat "$WORK/tcmu-runner-version"), accel $accel) ready in ${boot}s on 127.0.0.1:$PORT and :$PORT2"
}

stop() {
	conf_stop_pid "$WORK/pid"
}

conf_target_cmd "$cmd"
