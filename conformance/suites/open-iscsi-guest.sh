#!/usr/bin/env bash
# open-iscsi-guest.sh WORK OUT.csv: a real kernel initiator against the
# target described by WORK/target.env.
#
# Boots the open-iscsi guest (guest/initiator-image.sh; its steps are in
# guest/initiator-test.sh) under QEMU with user networking, restrict=on,
# and one guestfwd: 10.0.2.100:3260 in the guest runs
# `socat STDIO TCP:127.0.0.1:<port>` on the host, one socat per guest
# connection (the cmd: form; the plain tcp: form opens a single connection
# at start). Writes one row per guest step, named guest.<step>. A target
# that is itself a guest (GUEST=1) gets NA rows: two guests are not wired
# together here.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
conf_require_netns

WORK=${1:?usage: open-iscsi-guest.sh WORK OUT.csv}
OUT=${2:?usage: open-iscsi-guest.sh WORK OUT.csv}
STEPS=(login mkfs write read fsck logout)
TIMEOUT=${CONF_GUEST_TIMEOUT:-400}
URL=$(conf_env_get "$WORK" URL)
GUEST=$(conf_env_get "$WORK" GUEST)

echo "test,result,seconds,detail" >"$OUT.tmp"
if [ "$GUEST" = 1 ]; then
	for s in "${STEPS[@]}"; do echo "guest.$s,NA,0.0,\"target is itself a guest\"" >>"$OUT.tmp"; done
	mv "$OUT.tmp" "$OUT"
	echo "result: guest NA"
	exit 0
fi
# iscsi://127.0.0.1:PORT/IQN/LUN
hostport=$(sed -E 's|^iscsi://([^/@]*@)?([^/]*)/.*|\2|' <<<"$URL")
iqn=$(sed -E 's|^iscsi://[^/]*/([^/]*)/.*|\1|' <<<"$URL")
img=$("$CONF_DIR/guest/initiator-image.sh")
lio=$CONF_CACHE/lio
console=$WORK/guest-console.log
: >"$console"
t0=$SECONDS
qemu-system-x86_64 -accel "${CONF_QEMU_ACCEL:-tcg,thread=multi}" -cpu max -smp 2 -m 1024 \
	-kernel "$lio/vmlinux" -initrd "$img/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet conf_iqn=$iqn" \
	-drive "file=$img/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
	-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:3260-cmd:socat STDIO TCP:$hostport" \
	-device virtio-net-pci,netdev=n0 \
	-display none -monitor none -serial "file:$console" -no-reboot \
	>"$WORK/guest-qemu.log" 2>&1 &
qpid=$!
echo "$qpid" >"$WORK/guest-pid"
trap 'conf_stop_pid "$WORK/guest-pid"' EXIT
while kill -0 "$qpid" 2>/dev/null && ! grep -q '^GUEST-DONE' "$console"; do
	[ $((SECONDS - t0)) -lt "$TIMEOUT" ] || break
	sleep 0.5
done
conf_stop_pid "$WORK/guest-pid"
trap - EXIT
secs=$((SECONDS - t0))

declare -A count=([PASS]=0 [FAIL]=0)
for s in "${STEPS[@]}"; do
	line=$(grep -m 1 "^GUEST-STEP $s " "$console" | tr -d '\r' || true)
	if [ -z "$line" ]; then
		result=FAIL detail="guest did not report (timeout ${TIMEOUT}s or crash; see $console)"
	else
		result=$(awk '{print $3}' <<<"$line")
		detail=$(cut -d' ' -f4- <<<"$line")
	fi
	count[$result]=$((count[$result] + 1))
	printf 'guest.%s,%s,%s,"%s"\n' "$s" "$result" "$secs" "${detail//\"/\"\"}" >>"$OUT.tmp"
	printf '%-4s guest.%s %s\n' "$result" "$s" "$detail"
done
mv "$OUT.tmp" "$OUT"
echo "result: open-iscsi guest ${count[PASS]} PASS / ${count[FAIL]} FAIL in ${secs}s"
[ "${count[FAIL]}" -eq 0 ]
