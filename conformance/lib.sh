# lib.sh: helpers shared by the conformance scripts (sourced, never run).
#
# Owns the conventions every script follows: where work and cache files
# live, how a daemon is waited for and stopped (by the PID we recorded,
# never by name), and the rule that anything talking to a target runs in a
# loopback-only network namespace (tools/netns-run.sh;
# shared/notes/peers-and-guests.md, "The network rule, and the trap").

CONF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_ROOT=$(cd "$CONF_DIR/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$CONF_ROOT/$BUILD ;; esac
# Caches survive runs (kernel, initramfs, guest rootfs); work is per run.
CONF_CACHE=${CONF_CACHE:-$BUILD/conformance/cache}
CONF_WORK=${CONF_WORK:-$BUILD/conformance/work}

# The LU every target serves: 1000 MiB of 512-byte blocks, just under
# READ(6)'s 2^21-block reach so that Read6.BeyondEol is exercised rather
# than skipped (SBC-3 §5.13; a 1 GiB LU is exactly 2^21 blocks).
# CONF_LU_MIB=1024 CONF_MULTIPATH=0 reproduces the setup of the numbers in
# shared/notes/peers-and-guests.md.
CONF_LU_BYTES=$((${CONF_LU_MIB:-1000} * 1024 * 1024))
CONF_BLOCK_SIZE=512
# Initiator names for the suite (-i/-I): two are needed for the
# reservation tests, which register one key per I_T nexus.
CONF_INITIATOR=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
CONF_INITIATOR2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
# CHAP identity of the CHAP-protected target every peer offers
# (RFC 7143 §12.1.3: secrets of at least 12 bytes).
CONF_CHAP_USER=conformance
CONF_CHAP_SECRET=conformance-secret-1

conf_log() { printf '[conformance %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
conf_die() { conf_log "error: $*"; exit 1; }

# Everything that opens a connection runs inside the loopback-only
# namespace: there, a guest address that leaks through SendTargets is
# unreachable by construction, not by care.
conf_require_netns() {
	[ "${RT_IN_NETNS:-}" = 1 ] || conf_die "run me through tools/netns-run.sh"
}

# conf_wait_port HOST PORT SECONDS: wait until a TCP connect succeeds.
conf_wait_port() {
	local host=$1 port=$2 deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
		sleep 0.2
	done
	return 1
}

# conf_stop_pid PIDFILE [GRACE]: stop the process we started, by the PID
# recorded when we started it: TERM, then KILL after GRACE seconds (10);
# GRACE 0 sends KILL at once.
conf_stop_pid() {
	local file=$1 grace=${2:-10} pid i
	[ -s "$file" ] || return 0
	pid=$(cat "$file")
	if kill -0 "$pid" 2>/dev/null; then
		[ "$grace" -gt 0 ] && kill -TERM "$pid" 2>/dev/null
		for i in $(seq $((grace * 5))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$file"
	return 0
}

# conf_env_get WORK KEY: one value from a target's target.env.
conf_env_get() {
	sed -n "s/^$2=//p" "$1/target.env" | tail -n 1
}
