#!/bin/bash
# tcmu-init.sh: PID 1 of the LIO + TCMU guest (/sbin/conformance-init of
# conformance/guest/tcmu-image.sh's rootfs), the lio-tcmu column.
#
# The same LUs, portals, CHAP and ACLs as the lio column's guest
# (conformance/guest/lio-init.sh), configured the same way, through
# configfs, but each LU is a TCMU user backstore (target_core_user,
# core/user_N) served by tcmu-runner's qcow handler from a qcow2 file
# (lio_tcmu_format=raw: a raw one) made by qemu-img on ext4 on a RAM disk:
# the path initiator -> LIO -> TCMU -> tcmu-runner -> backend. Serves, on
# 0.0.0.0:3260:
#   $lio_iqn      LUN 0: user:qcow, lio_size_mb MiB, open access
#                 (generate_node_acls=1, authentication=0), ErrorRecoveryLevel
#                 offered up to 2
#   $lio_iqn-chap LUN 0: a 64 MiB user:qcow LU, CHAP required with
#                 lio_chap_user/lio_chap_secret, only for the initiator
#                 names of lio_acl (comma-separated)
# Parameters come from the kernel command line (lio_iqn=... etc.). Prints
# on the console TCMU-LOG lines (tcmu-runner's log, when something fails)
# and LIO-READY <version> | LIO-FAILED <why>, then idles until QEMU is
# stopped from the host. The guest is 10.0.2.15 on QEMU's user network;
# its portal is reached through hostfwd only.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
say() { echo "$*" >/dev/console; }
fail() {
	say "LIO-FAILED $*"
	[ -f /var/log/tcmu-runner.log ] && sed 's/^/TCMU-LOG /' /var/log/tcmu-runner.log | tail -n 40 >/dev/console
	while :; do sleep 3600; done
}

for kv in $(cat /proc/cmdline); do
	case "$kv" in lio_*=*) eval "${kv%%=*}='${kv#*=}'" ;; esac
done
[ -n "${lio_iqn:-}" ] && [ -n "${lio_size_mb:-}" ] || fail "no lio_iqn= or lio_size_mb= on the kernel command line"
# qcow2 (default) or raw: the qcow handler serves both (it probes qcow,
# qcow2, then a raw file of exactly the LU's size).
lio_tcmu_format=${lio_tcmu_format:-qcow2}
case "$lio_tcmu_format" in qcow2 | raw) ;; *) fail "lio_tcmu_format=$lio_tcmu_format: qcow2 or raw" ;; esac

# LIO keeps its PR (APTPL) and ALUA files under /etc/target when that
# directory exists as target_core_mod loads, else under /var/target; it
# needs them even with APTPL=0 (shared/notes/peers-and-guests.md): made
# first, as lio-image.sh's initramfs has them.
mkdir -p /etc/target/pr /etc/target/alua /var/run /var/log
# target_core_user brings uio; iscsi_target_mod asks for crc32c by name
# when a login negotiates digests (guest/lio-image.sh).
modprobe -a configfs target_core_mod target_core_user iscsi_target_mod crc32c_generic ||
	fail "modprobe of the LIO and TCMU modules"
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config

# The image files live in RAM, as the lio column's fileio files do, but on
# ext4 on a RAM disk (brd) rather than tmpfs: the qcow handler allocates a
# qcow2 cluster with fallocate(FALLOC_FL_ZERO_RANGE), which tmpfs refuses
# (EOPNOTSUPP, and every first write to a cluster fails with MEDIUM ERROR).
# rd_size is in KiB.
modprobe brd rd_nr=1 rd_size=$(((lio_size_mb + 128) * 1024)) || fail "modprobe brd"
mkfs.ext4 -q -E lazy_itable_init=1,lazy_journal_init=1 /dev/ram0 || fail "mkfs.ext4 /dev/ram0"
mount -t ext4 /dev/ram0 /mnt || fail "mount /dev/ram0"

# tcmu-runner owns org.kernel.TCMUService1 on the system bus (how
# targetcli lists its handlers); it serves TCMU without a bus, but a bus
# keeps it on its usual path.
mkdir -p /run/dbus
dbus-daemon --system --fork || fail "dbus-daemon"
tcmu-runner >/var/log/tcmu-runner.stdout 2>&1 &
runner=$!
# Ready when it owns its bus name: by then it listens on TCMU's netlink
# family, so a device enabled below is opened by it at once.
i=0
until dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
	org.freedesktop.DBus.NameHasOwner string:org.kernel.TCMUService1 2>/dev/null | grep -q 'boolean true'; do
	kill -0 "$runner" 2>/dev/null || fail "tcmu-runner exited: $(tail -n 3 /var/log/tcmu-runner.stdout)"
	i=$((i + 1))
	[ $i -lt 300 ] || fail "tcmu-runner did not own org.kernel.TCMUService1 in 60 s"
	sleep 0.2
done

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up

T=/sys/kernel/config/target
n=0
# lun NAME IQN SIZE_MB: a user:qcow backstore (tcmu-runner's qcow handler,
# cfgstring = the qcow2 file; the handler checks that the image's size is
# dev_size) exported as LUN 0 of IQN/tpgt_1.
lun() {
	local bs=$T/core/user_$n/$1 img=/mnt/$1.$lio_tcmu_format tpg
	n=$((n + 1))
	qemu-img create -q -f "$lio_tcmu_format" "$img" "$(($3 * 1024 * 1024))" || fail "qemu-img create $img"
	mkdir -p "$bs"
	echo "dev_size=$(($3 * 1024 * 1024))" >"$bs/control" || fail "$bs: dev_size"
	echo "dev_config=qcow/$img" >"$bs/control" || fail "$bs: dev_config"
	echo "$1" >"$bs/wwn/vpd_unit_serial"
	echo 1 >"$bs/enable" || fail "$bs: enable (tcmu-runner refused the device)"
	tpg=$T/iscsi/$2/tpgt_1
	mkdir -p "$tpg/lun/lun_0" "$tpg/np/0.0.0.0:3260"
	ln -s "$bs" "$tpg/lun/lun_0/$1"
	echo 1 >"$tpg/attrib/generate_node_acls"
	echo 1 >"$tpg/attrib/cache_dynamic_acls"
	echo 0 >"$tpg/attrib/demo_mode_write_protect"
}
lun lu "$lio_iqn" "$lio_size_mb"
echo 0 >"$T/iscsi/$lio_iqn/tpgt_1/attrib/authentication"
# Error recovery up to 2, as lio-init.sh offers (its comment says why).
echo 2 >"$T/iscsi/$lio_iqn/tpgt_1/param/ErrorRecoveryLevel"
echo 2 >"$T/iscsi/$lio_iqn/tpgt_1/attrib/default_erl"
echo 1 >"$T/iscsi/$lio_iqn/tpgt_1/enable"
lun luchap "$lio_iqn-chap" 64
tpg=$T/iscsi/$lio_iqn-chap/tpgt_1
echo 0 >"$tpg/attrib/generate_node_acls"
for a in $(echo "$lio_acl" | tr , ' '); do
	mkdir -p "$tpg/acls/$a/lun_0"
	ln -s "$tpg/lun/lun_0" "$tpg/acls/$a/lun_0/lun_0"
	printf %s "$lio_chap_user" >"$tpg/acls/$a/auth/userid"
	printf %s "$lio_chap_secret" >"$tpg/acls/$a/auth/password"
done
echo 1 >"$tpg/attrib/authentication"
echo 1 >"$tpg/enable"

# Both devices must be tcmu-runner's: it holds their /dev/uioN open.
uios=$(ls -l /proc/$runner/fd 2>/dev/null | grep -c '/dev/uio')
[ "$uios" -ge 2 ] || fail "tcmu-runner holds $uios of 2 TCMU devices open"
say "TCMU-RUNNER $(tcmu-runner --version 2>&1 | awk 'NR == 1 { print $NF }') handlers $(cd /usr/lib/*/tcmu-runner && echo *)"
say "LIO-READY $(head -n 1 $T/version 2>/dev/null)"
# From here on tcmu-runner's log (errors and warnings: a handler's failed
# I/O, a command it refuses) goes to the console as TCMU-LOG lines, which
# the host keeps in WORK/console.log: the first line from each place in
# its source (field 5, function:line), since a test that loops over a
# refused command would otherwise log hundreds, and every byte on the
# emulated serial port costs the guest time under TCG.
tail -n 0 -F /var/log/tcmu-runner.log 2>/dev/null |
	awk '!seen[$5]++ { print "TCMU-LOG " $0; fflush() }' >/dev/console &
while :; do sleep 3600; done
