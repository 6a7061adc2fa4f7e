#!/bin/sh
# lio-init.sh: /init of the LIO guest (busybox sh, PID 1).
#
# Loads the LIO modules, configures LIO purely through configfs
# (/sys/kernel/config/target) and prints LIO-READY on the console, then
# idles until QEMU is stopped from the host. Serves, on 0.0.0.0:3260:
#   $lio_iqn      LUN 0: fileio on tmpfs, lio_size_mb MiB, open access
#                 (generate_node_acls=1, authentication=0), ErrorRecoveryLevel
#                 offered up to 2
#   $lio_iqn-chap LUN 0: a 64 MiB fileio LU, CHAP required with
#                 lio_chap_user/lio_chap_secret, only for the initiator
#                 names of lio_acl (comma-separated): a node ACL each, LUN 0
#                 mapped, the CHAP identity on each ACL (generate_node_acls=0)
# Parameters come from the kernel command line (lio_iqn=... etc.).
# Optional, for the live scenarios (scenarios/live.sh, gateway lio):
#   lio_nop_acl   initiator names (comma-separated) given a node ACL on
#                 $lio_iqn (LUN 0 mapped) whose NOP-In interval and timeout
#                 are lio_nopin and lio_nopin_response (seconds, 3 at
#                 least): LIO keeps those per node ACL, and the ACLs it
#                 generates for other initiators take its defaults (15, 30)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for ko in $(cat /modules/order); do insmod "/modules/$ko" || echo "lio-init: insmod $ko failed"; done
mount -t configfs configfs /sys/kernel/config

for kv in $(cat /proc/cmdline); do
	case "$kv" in lio_*=*) eval "${kv%%=*}='${kv#*=}'" ;; esac
done

# QEMU user networking: the guest is 10.0.2.15, the host's hostfwd lands here.
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up

# Backing files on tmpfs. LIO needs /etc/target/pr even with APTPL=0, or
# every PERSISTENT RESERVE OUT fails with LOGICAL UNIT COMMUNICATION FAILURE.
mount -t tmpfs -o size=$((lio_size_mb + 128))m tmpfs /mnt
mkdir -p /etc/target/pr /etc/target/alua

T=/sys/kernel/config/target
# lun NAME IQN SIZE_MB: a fileio backstore exported as LUN 0 of IQN/tpgt_1.
lun() {
	bs=$T/core/fileio_0/$1
	mkdir -p "$bs"
	echo "fd_dev_name=/mnt/$1.img,fd_dev_size=$(($3 * 1024 * 1024)),fd_buffered_io=1" >"$bs/control"
	echo "$1" >"$bs/wwn/vpd_unit_serial"
	echo 1 >"$bs/enable"
	tpg=$T/iscsi/$2/tpgt_1
	mkdir -p "$tpg/lun/lun_0" "$tpg/np/0.0.0.0:3260"
	ln -s "$bs" "$tpg/lun/lun_0/$1"
	echo 1 >"$tpg/attrib/generate_node_acls"
	echo 1 >"$tpg/attrib/cache_dynamic_acls"
	echo 0 >"$tpg/attrib/demo_mode_write_protect"
}
lun lu "$lio_iqn" "$lio_size_mb"
echo 0 >"$T/iscsi/$lio_iqn/tpgt_1/attrib/authentication"
# LIO implements error recovery levels 1 and 2 but offers 0 unless told:
# offer 2, so the protocol suite's ERL tests meet LIO's recovery (an
# initiator that asks for 0, as libiscsi does, still gets 0: §13.20 min)
echo 2 >"$T/iscsi/$lio_iqn/tpgt_1/param/ErrorRecoveryLevel"
# ... and the most a dynamic (demo-mode) ACL may use: LIO caps the level at
# the ACL's default_erl, which a generated ACL takes from the group's
echo 2 >"$T/iscsi/$lio_iqn/tpgt_1/attrib/default_erl"
for n in $(echo "${lio_nop_acl:-}" | tr , ' '); do
	acl=$T/iscsi/$lio_iqn/tpgt_1/acls/$n
	mkdir -p "$acl/lun_0"
	ln -s "$T/iscsi/$lio_iqn/tpgt_1/lun/lun_0" "$acl/lun_0/lun_0"
	echo "$lio_nopin" >"$acl/attrib/nopin_timeout" || echo "lio-init: nopin_timeout $lio_nopin refused"
	echo "$lio_nopin_response" >"$acl/attrib/nopin_response_timeout" ||
		echo "lio-init: nopin_response_timeout $lio_nopin_response refused"
done
echo 1 >"$T/iscsi/$lio_iqn/tpgt_1/enable"
lun luchap "$lio_iqn-chap" 64
tpg=$T/iscsi/$lio_iqn-chap/tpgt_1
echo 0 >"$tpg/attrib/generate_node_acls"
for n in $(echo "$lio_acl" | tr , ' '); do
	mkdir -p "$tpg/acls/$n/lun_0"
	ln -s "$tpg/lun/lun_0" "$tpg/acls/$n/lun_0/lun_0"
	printf %s "$lio_chap_user" >"$tpg/acls/$n/auth/userid"
	printf %s "$lio_chap_secret" >"$tpg/acls/$n/auth/password"
done
echo 1 >"$tpg/attrib/authentication"
echo 1 >"$T/iscsi/$lio_iqn-chap/tpgt_1/enable"

echo "LIO-READY $(cat /sys/kernel/config/target/version 2>/dev/null | head -n 1)"
while :; do sleep 3600; done
