#!/bin/bash
# live-init.sh: the open-iscsi guest's steps in a live scenario run
# (scenarios/live-guest.sh), run as PID 1 by guest/initiator-test.sh when
# the kernel command line says live=1. Comes on the read-only live disk
# (/dev/vdb, mounted at /live) with guest_writer (sim/tests/
# guest_writer_main.c) and live.env (the scenario's settings, written by the
# host). The host reaches nothing here and the guest reaches the host only
# at 10.0.2.100:3260 (path 0, gateway 0's proxy) and 10.0.2.101:3260 (path
# 1, gateway 1's proxy), QEMU guestfwd with restrict=on.
#
# Steps, each a console line the host reads:
#   LIVE-STEP login|multipath PASS|FAIL [detail]
#   LIVE-GO                     the workload's clock starts (host: faults start)
#   LIVE-WORKLOAD-DONE, LIVE-READBACK-DONE
#   LIVE-DONE                   results written to /dev/vdc, power off next
# /dev/vdc (raw, zeroed by the host) gets the text "==HIST" + the writer's
# log, "==DMESG" + the kernel log, "==MPATHD" + multipathd's log, "==END".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. /live/live.env
say() { echo "$*" >/dev/console; }
finish() {
	{
		echo "==HIST"; cat /tmp/hist 2>/dev/null
		echo "==DMESG"; dmesg
		echo "==MPATHD"; cat /tmp/multipathd.log 2>/dev/null
		echo "==TOPOLOGY"; cat /tmp/topology 2>/dev/null
		echo "==END"
	} | dd of=/dev/vdc bs=64k conv=fsync 2>/dev/null
	say "LIVE-DONE $1"
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
modprobe -a iscsi_tcp sd_mod crc32c_generic dm_multipath dm_service_time dm_round_robin scsi_dh_alua 2>/dev/null
mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets /run/udev
echo "InitiatorName=iqn.2003-01.org.conformance:open-iscsi-live" >/etc/iscsi/initiatorname.iscsi
# The scenario's initiator line, in open-iscsi's words (iscsid.conf(5)):
# NOP-Out interval and timeout, replacement_timeout (how long a session
# that is down holds its commands before failing them up to multipath),
# the login timeout.
cat >/etc/iscsi/iscsid.conf <<EOF
node.startup = manual
node.session.timeo.replacement_timeout = $REPLACEMENT_TIMEOUT
node.conn[0].timeo.noop_out_interval = $NOOP_INTERVAL
node.conn[0].timeo.noop_out_timeout = $NOOP_TIMEOUT
node.conn[0].timeo.login_timeout = $LOGIN_TIMEOUT
node.session.initial_login_retry_max = 4
EOF
# The scenario's multipath line, in multipath.conf(5)'s words: every SCSI
# disk is multipathed (find_multipaths no), one path group per path in
# priority order (failover), the TUR checker every polling_interval.
# multipathd sets each iSCSI session's recovery timeout (open-iscsi's
# replacement_timeout) to fast_io_fail_tmo, 5 s unless said: FAST_IO_FAIL
# (the scenario's multipath fast_io_fail_tmo, or its replacement_timeout
# where that is off) says it; empty keeps the default.
cat >/etc/multipath.conf <<EOF
defaults {
${FAST_IO_FAIL:+	fast_io_fail_tmo $FAST_IO_FAIL}
	user_friendly_names yes
	find_multipaths no
	polling_interval $POLLING_INTERVAL
	no_path_retry $NO_PATH_RETRY
	failback $FAILBACK
	path_grouping_policy failover
	path_selector "service-time 0"
	path_checker tur
}
blacklist {
	devnode "^vd[a-z]"
}
EOF
/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
iscsid -f >/tmp/iscsid.log 2>&1 &
# iscsiadm's first call can beat iscsid to its socket
for i in $(seq 50); do
	iscsiadm -m session 2>&1 | grep -q 'iscsid is not running' || break
	sleep 0.1
done

disk_of() { # disk_of PORTAL: the SCSI disk of that session
	iscsiadm -m session -P3 2>/dev/null | awk -v p="$1" '
		/Current Portal:/ { cur = ($3 ~ "^" p) }
		cur && /Attached scsi disk/ { print $4; exit }'
}
login() { # login PORTAL: a session and its disk, within 30 s
	iscsiadm -m node -o new -T "$IQN" -p "$1" >/dev/null &&
		iscsiadm -m node -T "$IQN" -p "$1" --login >/tmp/login.log 2>&1 || return 1
	local i d
	for i in $(seq 300); do
		d=$(disk_of "$1")
		if [ -n "$d" ] && [ -b "/dev/$d" ]; then
			echo "$CMD_TIMEOUT" >"/sys/block/$d/device/timeout"
			echo "$d"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# Path 0 first, so that the failover policy's first group is gateway 0's
# (the scenario's prefer=owner: gateway 0 owns the LU).
d0=$(login 10.0.2.100:3260) && d1=$(login 10.0.2.101:3260) ||
	{ say "LIVE-STEP login FAIL $(tail -n 1 /tmp/login.log)"; finish login; }
say "LIVE-STEP login PASS path0=$d0 path1=$d1"
udevadm settle -t 10 2>/dev/null
multipathd -d -s -v2 >/tmp/multipathd.log 2>&1 &
dm=
for i in $(seq 300); do
	for n in /sys/block/dm-*/dm/name; do
		[ -e "$n" ] && [ -d "${n%/dm/name}/slaves/$d0" ] && [ -d "${n%/dm/name}/slaves/$d1" ] && dm=${n%/dm/name}
	done
	[ -n "$dm" ] && break
	[ $((i % 50)) = 0 ] && multipath -v0 2>/dev/null
	sleep 0.1
done
multipath -ll >/tmp/topology 2>&1
if [ -z "$dm" ]; then
	say "LIVE-STEP multipath FAIL no map over $d0 and $d1: $(tr '\n' ' ' </tmp/topology | cut -c1-200)"
	finish multipath
fi
dev=/dev/${dm##*/}
say "LIVE-STEP multipath PASS $dev ($(cat "$dm/dm/name")) over $d0 $d1: $(grep -c 'status=active\|status=enabled' /tmp/topology) groups"
# what the sessions run with, once multipathd has had its say
sleep 1
say "LIVE-STEP timeouts PASS recovery_tmo $(cat /sys/class/iscsi_session/session*/recovery_tmo | tr '\n' ' ')(replacement_timeout $REPLACEMENT_TIMEOUT, fast_io_fail_tmo ${FAST_IO_FAIL:-default})"
/live/guest_writer dev="$dev" log=/tmp/hist $WRITER_ARGS >/dev/console 2>&1
finish "writer exit $?"
