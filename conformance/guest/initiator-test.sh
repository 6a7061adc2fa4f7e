#!/bin/bash
# initiator-test.sh: PID 1 of the open-iscsi guest (/sbin/conformance-init).
#
# The Linux kernel initiator (open-iscsi) against a target on the host,
# reached at 10.0.2.100:3260 through QEMU's guestfwd. The node record is
# made by hand: a host target advertises 127.0.0.1 in SendTargets, which in
# here is the guest itself (shared/notes/peers-and-guests.md). Steps, each
# reported on the console as "GUEST-STEP <name> PASS|FAIL [why]":
#   login   iscsiadm login, and a SCSI disk appears
#   mkfs    mkfs.ext4 on it
#   write   files of random data written, their SHA-256 kept off the disk
#   read    unmounted (page cache dropped), mounted again, checksums match
#   fsck    e2fsck -f finds the file system clean
#   logout  iscsiadm logout
# then "GUEST-DONE" and power off. A step after a failed one is FAIL
# "not reached". Parameters from the kernel command line: conf_iqn.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
for kv in $(cat /proc/cmdline); do
	case "$kv" in conf_iqn=*) IQN=${kv#*=} ;; esac
done
# A live scenario run (scenarios/live-guest.sh) brings its own steps on a
# second disk: its init (conformance/guest/live-init.sh) takes over here.
if grep -qw 'live=1' /proc/cmdline; then
	mkdir -p /live && mount -o ro /dev/vdb /live && exec /bin/bash /live/init
	echo "LIVE-FAIL cannot mount the live disk /dev/vdb" >/dev/console
	echo o >/proc/sysrq-trigger
fi
PORTAL=10.0.2.100:3260
# 24 files of 1 MiB and one of 8 MiB: enough to cross many R2Ts and
# bursts at ~10 MB/s through TCG and slirp.
FILES=24

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
modprobe -a iscsi_tcp sd_mod crc32c_generic 2>/dev/null
mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets
echo "InitiatorName=iqn.2003-01.org.conformance:open-iscsi-guest" >/etc/iscsi/initiatorname.iscsi
iscsid -f >/tmp/iscsid.log 2>&1 &

failed=
report() {
	echo "GUEST-STEP $1 $2${3:+ $3}" >/dev/console
}
# step NAME FUNCTION: run one step unless an earlier one failed; a step may
# leave a one-line detail for its PASS in /tmp/step.detail.
step() {
	if [ -n "$failed" ]; then
		report "$1" FAIL "not reached (after $failed failed)"
		return
	fi
	rm -f /tmp/step.detail
	if "$2" >/tmp/step.log 2>&1; then
		report "$1" PASS "$(cat /tmp/step.detail 2>/dev/null)"
	else
		failed=$1
		report "$1" FAIL "$(grep -v '^$' /tmp/step.log | tail -n 1 | cut -c1-150)"
	fi
}

do_login() {
	iscsiadm -m node -o new -T "$IQN" -p "$PORTAL" >/dev/null &&
		iscsiadm -m node -T "$IQN" -p "$PORTAL" --login || return 1
	local i
	for i in $(seq 100); do
		DISK=$(iscsiadm -m session -P3 | sed -n 's/.*Attached scsi disk \(sd[a-z]*\).*/\1/p' | head -n 1)
		if [ -n "$DISK" ] && [ -b "/dev/$DISK" ]; then
			echo "/dev/$DISK: $(cat "/sys/block/$DISK/device/vendor" "/sys/block/$DISK/device/model" | tr -s ' \n' ' ')" >/tmp/step.detail
			return 0
		fi
		sleep 0.1
	done
	echo "no SCSI disk appeared"
	return 1
}
do_mkfs() { mkfs.ext4 -q -F "/dev/$DISK"; }
do_write() {
	mkdir -p /mnt/t && mount "/dev/$DISK" /mnt/t || return 1
	local i
	for i in $(seq "$FILES"); do
		head -c 1048576 /dev/urandom >"/mnt/t/f$i" || return 1
	done
	head -c 8388608 /dev/urandom >/mnt/t/big || return 1
	(cd /mnt/t && sha256sum f* big) >/tmp/sums && sync && umount /mnt/t &&
		echo "$((FILES + 8)) MiB in $((FILES + 1)) files" >/tmp/step.detail
}
read_back() {
	echo 3 >/proc/sys/vm/drop_caches
	mount "/dev/$DISK" /mnt/t && (cd /mnt/t && sha256sum -c --quiet /tmp/sums) && umount /mnt/t
}
do_fsck() { e2fsck -f -n "/dev/$DISK"; }
do_logout() { iscsiadm -m node -T "$IQN" -p "$PORTAL" --logout; }

step login do_login
step mkfs do_mkfs
step write do_write
step read read_back
step fsck do_fsck
step logout do_logout
echo "GUEST-DONE" >/dev/console
sync
echo o >/proc/sysrq-trigger
sleep 10
