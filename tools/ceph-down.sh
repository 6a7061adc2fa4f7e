#!/usr/bin/env bash
# ceph-down.sh DIR: stop the Ceph that tools/ceph-up.sh DIR started, by the
# PIDs in DIR/run (the OSD first: stopped after the mon it waits 5 s for
# it), TERM then KILL after 5 s each. Leaves DIR (logs) for the caller.
set -uo pipefail
DIR=${1:?usage: ceph-down.sh DIR}

stop_pid() {
	local f=$1 pid i
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	case "$pid" in *[!0-9]* | '') return 0 ;; esac
	kill -TERM "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$f"
}

stop_pid "$DIR/run/osd.pid"
stop_pid "$DIR/run/mon.pid"
