#!/usr/bin/env bash
# lio.sh start|stop|urls WORK: LIO, the Linux kernel target, in a QEMU guest.
#
# Same contract as tgt.sh (WORK/target.env, WORK/pid). Boots Debian's kernel
# with conformance/guest/lio-image.sh's initramfs under QEMU (TCG: this
# machine kind's /dev/kvm does not boot Debian's kernel; CONF_QEMU_ACCEL=kvm
# to try), configured through configfs by guest/lio-init.sh. The guest is
# reached only through QEMU user networking with restrict=on and two hostfwd
# rules from 127.0.0.1 to the guest's 3260, which give the LU a second host
# portal for MultipathIO. GUEST=1 tells the suites that SendTargets names
# the guest's own address: no discovery-following tool may be pointed here
# (shared/notes/peers-and-guests.md, "the trap"); the loopback-only
# namespace makes such an address unreachable anyway.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

cmd=${1:?usage: lio.sh start|stop|urls WORK}
WORK=${2:?usage: lio.sh start|stop|urls WORK}
PORT=${LIO_PORT:-3280}
PORT2=$((PORT + 1))
IQN=iqn.2003-01.org.conformance:lio
# Under TCG LIO is ready 5-8 s after QEMU starts; leave room for a busy CI.
BOOT_TIMEOUT=${CONF_LIO_BOOT_TIMEOUT:-120}
# LIO_KERNEL_EXTRA: more kernel parameters (fuzz/scripts/netfuzz-peer.sh turns
# oopses and hung tasks into panics, so that a broken LIO ends QEMU).

start() {
	conf_require_netns
	mkdir -p "$WORK"
	local img t0 accel
	img=$("$CONF_DIR/guest/lio-image.sh")
	accel=${CONF_QEMU_ACCEL:-tcg,thread=multi}
	t0=$EPOCHREALTIME
	: >"$WORK/console.log"
	qemu-system-x86_64 -accel "$accel" -cpu max -smp 2 -m $((${CONF_LU_MIB:-1000} + 1024)) \
		-kernel "$img/vmlinux" -initrd "$img/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet lio_iqn=$IQN lio_size_mb=$((CONF_LU_BYTES / 1048576)) lio_chap_user=$CONF_CHAP_USER lio_chap_secret=$CONF_CHAP_SECRET lio_acl=$(tr ' ' , <<<"$CONF_ACL_INITIATORS")${LIO_KERNEL_EXTRA:+ $LIO_KERNEL_EXTRA}" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:3260,hostfwd=tcp:127.0.0.1:$PORT2-:3260" \
		-device virtio-net-pci,netdev=n0 \
		-display none -monitor none -serial "file:$WORK/console.log" -no-reboot \
		>"$WORK/qemu.log" 2>&1 &
	echo $! >"$WORK/pid"
	local deadline=$((SECONDS + BOOT_TIMEOUT))
	until grep -q '^LIO-READY' "$WORK/console.log"; do
		kill -0 "$(cat "$WORK/pid")" 2>/dev/null || { tail -n 20 "$WORK/console.log" "$WORK/qemu.log" >&2; conf_die "QEMU exited"; }
		[ $SECONDS -lt $deadline ] || { tail -n 20 "$WORK/console.log" >&2; conf_die "LIO not ready in ${BOOT_TIMEOUT}s"; }
		sleep 0.2
	done
	conf_wait_port 127.0.0.1 "$PORT" 10 || conf_die "hostfwd 127.0.0.1:$PORT not listening"
	local boot
	boot=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "$boot" >"$WORK/boot-seconds"
	# The CHAP-protected LU shares the open one's portal: CHAP_PORTAL = PORTAL.
	conf_write_target_env "$WORK" lio 1 "$PORT" "$PORT2" "$IQN" "$PORT" "$IQN-chap" 0 "$CONF_LU_BYTES"
	conf_log "LIO ($(cat "$img/kernel-version"), accel $accel) ready in ${boot}s on 127.0.0.1:$PORT and :$PORT2"
}

stop() {
	conf_stop_pid "$WORK/pid"
}

conf_target_cmd "$cmd"
