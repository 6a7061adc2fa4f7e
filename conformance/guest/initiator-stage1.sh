#!/bin/sh
# initiator-stage1.sh: /init of the open-iscsi guest's initramfs (busybox).
# Loads virtio and ext4, mounts the Debian rootfs from /dev/vda and hands
# over to /sbin/conformance-init (guest/initiator-test.sh) there.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for ko in $(cat /modules/order); do insmod "/modules/$ko" 2>/dev/null || echo "stage1: insmod $ko failed"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || { echo "GUEST-STEP boot FAIL cannot mount /dev/vda"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/conformance-init
