#!/usr/bin/env bash
# ceph-up.sh DIR [IMAGE SIZE]...: a single-node Ceph for tests, one mon and
# one OSD on memstore, bound to 127.0.0.1, with pool "rbd" and the RBD
# images asked for (default: one "disk0" of 128M). Everything lives in DIR:
# ceph.conf, the admin keyring, the daemons' data, logs and PID files.
# Meant to run inside the loopback-only namespace the tests use
# (tools/netns-run.sh); refuses to run outside one unless CEPH_ANY_NET=1.
#
# Stops with tools/ceph-down.sh DIR (by the PIDs it wrote; OSD before mon,
# as otherwise the OSD waits for the mon). A failed start stops what it
# started. Bounded: CEPH_UP_TIMEOUT seconds (default 60; it takes 2-3 s).
#
# Settings are those measured in shared/notes/ceph.md: paxos propose
# interval 0.1 (the default 1.0 makes start-up ~8.5 s), pool size 1, no mgr
# (so commands that would wait for one are not used), each daemon and
# client with its own admin socket.
set -euo pipefail

DIR=${1:?usage: ceph-up.sh DIR [IMAGE SIZE]...}
shift
[ $# -gt 0 ] || set -- disk0 128M
TIMEOUT=${CEPH_UP_TIMEOUT:-60}
if [ "${RT_IN_NETNS:-}" != 1 ] && [ "${CEPH_ANY_NET:-}" != 1 ]; then
	echo "ceph-up: run inside tools/netns-run.sh (or set CEPH_ANY_NET=1)" >&2
	exit 2
fi
for b in ceph-mon ceph-osd ceph ceph-authtool monmaptool rbd; do
	command -v "$b" >/dev/null || { echo "ceph-up: $b missing (tools/deps.sh installs Ceph)" >&2; exit 2; }
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
MON_PORT=${CEPH_MON_PORT:-6789}
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF=$DIR/ceph.conf
KEYRING=$DIR/keyring
mkdir -p "$DIR/mon" "$DIR/osd" "$DIR/run" "$DIR/log"

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $KEYRING
run dir = $DIR/run
log file = $DIR/log/\$name.\$pid.log
admin socket = $DIR/run/\$name.\$pid.asok
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon mgr mkfs grace = 3600
paxos propose interval = 0.1
osd crush chooseleaf type = 0
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
ms bind ipv6 = false
[mon.a]
mon data = $DIR/mon
[osd.0]
osd data = $DIR/osd
keyring = $DIR/osd/keyring
osd objectstore = memstore
memstore page set = true
osd max object size = 134217728
EOF

PIDFILES=()
start_ok=0
on_exit() {
	[ "$start_ok" = 1 ] && return 0
	echo "ceph-up: start failed; stopping what was started (logs in $DIR/log)" >&2
	"$(dirname "$0")/ceph-down.sh" "$DIR" >&2 || true
}
trap on_exit EXIT

t0=$(date +%s.%N)
deadline=$(($(date +%s) + TIMEOUT))
# a Ceph command bounded by what is left of the budget (without a mgr,
# some commands wait for ever rather than fail)
c() {
	local left=$((deadline - $(date +%s)))
	[ $left -gt 0 ] || { echo "ceph-up: out of time (${TIMEOUT}s)" >&2; return 1; }
	timeout -k 2 "$left" "$@"
}

ceph-authtool "$KEYRING" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$KEYRING" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
	--cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
c ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$KEYRING"
c ceph-mon -c "$CONF" -i a --pid-file "$DIR/run/mon.pid"
PIDFILES+=("$DIR/run/mon.pid")

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(c ceph -c "$CONF" osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || { echo "ceph-up: expected osd id 0, got $OSD_ID" >&2; exit 1; }
ceph-authtool "$DIR/osd/keyring" --create-keyring --gen-key -n osd.0 >/dev/null
c ceph -c "$CONF" auth add osd.0 osd 'allow *' mon 'allow profile osd' -i "$DIR/osd/keyring" >/dev/null 2>&1
c ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
c ceph-osd -c "$CONF" -i 0 --pid-file "$DIR/run/osd.pid" 2>>"$DIR/log/osd-start.err"

c ceph -c "$CONF" osd pool create rbd 8 8 >/dev/null 2>&1
c ceph -c "$CONF" osd pool set rbd size 1 --yes-i-really-mean-it >/dev/null 2>&1
c rbd -c "$CONF" pool init rbd
while [ $# -ge 2 ]; do
	c rbd -c "$CONF" create --size "$2" "rbd/$1"
	shift 2
done
# the OSD is up and serving once a write to the pool returns
echo probe | c rados -c "$CONF" -p rbd put ceph-up-probe -
c rados -c "$CONF" -p rbd rm ceph-up-probe
start_ok=1
echo "ceph-up: ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s:" \
	"$CONF (mon 127.0.0.1:$MON_PORT, pool rbd)"
