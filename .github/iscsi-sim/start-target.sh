#!/usr/bin/env bash
# start-target.sh build | start WORK: the hook through which CI.yml builds
# and starts the iSCSI target under test.
#
# ===== THIS IS THE FILE YOU EDIT =====================================
# Copy it to .github/iscsi-sim/start-target.sh in your repository (the
# path ISCSI_SIM_HOOK in CI.yml names) and replace the two marked blocks
# with your target's build and start. As shipped it builds and starts
# iscsi-sim's own reference target, so that CI.yml runs as it is; while
# your repository has no hook, CI.yml uses this one.
#
#   build       runs first, on the job's network: install packages,
#               compile. Current folder: your repository; ISCSI_SIM_DIR:
#               the iscsi-sim checkout.
#   start WORK  runs inside the loopback-only network namespace the suites
#               run in (tools/netns-run.sh: only 127.0.0.1 and ::1 exist
#               there): start the target in the background listening on
#               127.0.0.1, wait until it accepts connections, then print on
#               stdout, and nothing else:
#                 URL=iscsi://127.0.0.1:PORT/IQN/LUN  (iscsi://USER%SECRET@127.0.0.1:...
#                                                      when it requires CHAP)
#                 PID=<pid>        what to stop at the end (repeat for several)
#               and, if you can, URL2= (a second portal to the same LU: the
#               MultipathIO tests), VERSION= (named in the results),
#               LU_BYTES= (the LU's size, checked by READ CAPACITY(16)).
#               WORK is a scratch folder for the target's files and logs.
#               Logs and chatter go to WORK or stderr. The suites write to
#               the LU (iscsi-test-cu -d): give it a scratch LU of ~1 GiB.
# Environment: ISCSI_SIM_PORT (default 3260) moves the portal;
# ISCSI_SIM_CHAP=USER:SECRET makes the example require CHAP.
set -euo pipefail
: "${ISCSI_SIM_DIR:?ISCSI_SIM_DIR must name the iscsi-sim checkout}"
PORT=${ISCSI_SIM_PORT:-3260}
IQN=iqn.2026-11.org.iscsi-sim:ci
LU_MIB=1000

# reftarget's build folder, absolute: BUILD as iscsi-sim's Makefile takes it.
build_dir() {
	local b=${BUILD:-build}
	case "$b" in /*) echo "$b" ;; *) echo "$(cd "$ISCSI_SIM_DIR" && pwd)/$b" ;; esac
}

case "${1:-}" in
build)
	# ----- YOUR BUILD GOES HERE (example: iscsi-sim's reftarget) -----
	make -C "$ISCSI_SIM_DIR" BUILD="$(build_dir)" "$(build_dir)/rel/reftarget" >&2
	;;
start)
	WORK=${2:?usage: start-target.sh start WORK}
	# ----- YOUR START GOES HERE (example: iscsi-sim's reftarget) -----
	truncate -s "${LU_MIB}M" "$WORK/lu.img"
	chap=() creds=
	if [ -n "${ISCSI_SIM_CHAP:-}" ]; then
		chap=(--chap "$ISCSI_SIM_CHAP")
		creds="${ISCSI_SIM_CHAP%%:*}%${ISCSI_SIM_CHAP#*:}@"
	fi
	"$(build_dir)/rel/reftarget" --portal "127.0.0.1:$PORT" --portal "127.0.0.1:$((PORT + 1))" \
		--target "$IQN" --lun "file:$WORK/lu.img" "${chap[@]}" \
		--state-dir "$WORK/state" >"$WORK/target.log" 2>&1 &
	pid=$!
	# Wait until it accepts connections (bash's /dev/tcp), 10 s at most.
	up=0
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && { up=1; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ $up = 0 ]; then
		echo "start-target.sh: reftarget did not listen on 127.0.0.1:$PORT:" >&2
		tail -n 20 "$WORK/target.log" >&2
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	echo "URL=iscsi://${creds}127.0.0.1:$PORT/$IQN/0"
	echo "URL2=iscsi://${creds}127.0.0.1:$((PORT + 1))/$IQN/0"
	echo "PID=$pid"
	echo "VERSION=reftarget $(git -C "$ISCSI_SIM_DIR" describe --tags --always 2>/dev/null || echo unknown)"
	echo "LU_BYTES=$((LU_MIB * 1024 * 1024))"
	;;
*)
	echo "usage: start-target.sh build | start WORK" >&2
	exit 2
	;;
esac
