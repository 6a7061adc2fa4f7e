#!/bin/bash
# targetcli-init.sh: PID 1 of the targetcli-fb guest (/sbin/conformance-init).
#
# An administrator's targetcli session against the real LIO: loads the LIO
# modules of the guest kernel (and brd, whose /dev/ram0 is the block
# backstore), feeds /etc/conformance/session.txt
# (conformance/guest/targetcli-session.txt) to targetcli on its standard
# input, the way a person types it, and prints on the console:
#   TCLI-LOG-BEGIN ... TCLI-LOG-END        what targetcli answered
#   SAVECONFIG-BEGIN ... SAVECONFIG-END    the saveconfig.json, base64 (Debian's
#                                          rtslib-fb keeps it in /etc/rtslib-fb-target/,
#                                          upstream's in /etc/target/)
#   LIO-READY | LIO-FAILED <why>
# then keeps LIO serving what the session configured until QEMU is stopped
# from the host (conformance/lio-config-diff.sh). The guest is 10.0.2.15 on
# QEMU's user network; its portals are reached through hostfwd only.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs -o size=160m tmpfs /srv
say() { echo "$*" >/dev/console; }
fail() { say "LIO-FAILED $*"; while :; do sleep 3600; done; }

modprobe -a configfs target_core_mod target_core_file target_core_iblock iscsi_target_mod crc32c_generic ||
	fail "modprobe of the LIO modules"
# One 32 MiB RAM disk (rd_size is in KiB): the block backstore.
modprobe brd rd_nr=1 rd_size=32768 || fail "modprobe brd"
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
# LIO needs these even with APTPL=0 (shared/notes/peers-and-guests.md).
mkdir -p /etc/target/pr /etc/target/alua /var/run

# targetcli lists tcmu-runner's backstores over the system D-Bus and gives
# up without a bus: one is started (nothing answers for TCMU, which is fine).
mkdir -p /run/dbus
dbus-daemon --system --fork || fail "dbus-daemon"

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up

targetcli </etc/conformance/session.txt >/tmp/targetcli.log 2>&1
rc=$?
say "TCLI-LOG-BEGIN"
sed 's/^/tcli| /' /tmp/targetcli.log >/dev/console
say "TCLI-LOG-END rc=$rc"
saved=
for f in /etc/rtslib-fb-target/saveconfig.json /etc/target/saveconfig.json; do
	[ -s "$f" ] && saved=$f && break
done
[ -n "$saved" ] || fail "no saveconfig.json in /etc/rtslib-fb-target or /etc/target"
say "SAVECONFIG-BEGIN $saved"
base64 -w 76 "$saved" >/dev/console
say "SAVECONFIG-END $(sha256sum <"$saved" | cut -c1-64)"
say "LIO-READY $(head -n 1 /sys/kernel/config/target/version 2>/dev/null)"
while :; do sleep 3600; done
