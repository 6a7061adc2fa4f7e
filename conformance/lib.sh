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
# The protocol suite's own initiator name (sim/host/psuite.h) and the
# simulator's live probe's (sim/tests/live_probe_main.c, live_tgt.sh). The
# CHAP-protected target every peer offers admits only these names (an
# access list), so that the suite's access-list tests have one.
CONF_PROTOCOL_INITIATOR=iqn.2026-12.org.iscsi-sim:protocol-suite
CONF_PROBE_INITIATOR=iqn.2024-01.sim:live-probe
CONF_ACL_INITIATORS="$CONF_INITIATOR $CONF_INITIATOR2 $CONF_PROTOCOL_INITIATOR $CONF_PROBE_INITIATOR"
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

# conf_write_target_env WORK TARGET GUEST PORT PORT2 IQN CHAP_PORT CHAP_IQN LUN LU_BYTES [LINE...]:
# the WORK/target.env every conformance/targets/*.sh start writes (the
# contract in tgt.sh's header): the open LU at IQN/LUN on two loopback
# portals, the CHAP-protected one at CHAP_IQN/LUN on CHAP_PORT with the
# right and a wrong secret and none, then any extra KEY=VALUE LINEs.
conf_write_target_env() {
	local work=$1 target=$2 guest=$3 port=$4 port2=$5 iqn=$6 chap_port=$7 chap_iqn=$8 lun=$9
	local lu_bytes=${10} chap=127.0.0.1:$chap_port/$chap_iqn/$lun
	shift 10
	{
		cat <<EOT
TARGET=$target
PORTAL=127.0.0.1:$port
URL=iscsi://127.0.0.1:$port/$iqn/$lun
URL2=iscsi://127.0.0.1:$port2/$iqn/$lun
CHAP_PORTAL=127.0.0.1:$chap_port
CHAP_URL=iscsi://$CONF_CHAP_USER%$CONF_CHAP_SECRET@$chap
CHAP_BAD_URL=iscsi://$CONF_CHAP_USER%wrong-secret-000@$chap
NOCHAP_URL=iscsi://$chap
DISCOVERY_CHAP=0
GUEST=$guest
LU_BYTES=$lu_bytes
EOT
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$work/target.env"
}

# conf_target_cmd CMD: the start|stop|urls dispatch every
# conformance/targets/*.sh ends with (start and stop are its functions).
conf_target_cmd() {
	case "$1" in
	start) start ;;
	stop) stop ;;
	urls) sed -n 's/^URL2\{0,1\}=//p' "$WORK/target.env" ;;
	*) conf_die "unknown command $1" ;;
	esac
}

# conf_out_ref_opts ARG...: the -o RESULTS_DIR [-r REFERENCE_DIR] options
# of bar.sh and matrix.sh, into $out and $reference; $OPTIND is left past
# them (shift $((OPTIND - 1)) for the operands).
conf_out_ref_opts() {
	local opt
	out='' reference=''
	while getopts "o:r:" opt; do
		case "$opt" in
		o) out=$OPTARG ;;
		r) reference=$OPTARG ;;
		*) exit 2 ;;
		esac
	done
}

# conf_column OUT REFERENCE T: where target T's results are, into
# $col_file and $col_src: OUT/T.csv "fresh" when this run ran T
# (OUT/T.meta says status=ran), else REFERENCE/T.csv "recorded", else
# "missing" with an empty $col_file.
conf_column() {
	if [ -f "$1/$3.csv" ] && grep -q '^status=ran' "$1/$3.meta" 2>/dev/null; then
		col_file=$1/$3.csv col_src=fresh
	elif [ -n "$2" ] && [ -f "$2/$3.csv" ]; then
		col_file=$2/$3.csv col_src=recorded
	else
		col_file='' col_src=missing
	fi
}
