# bridge.sh (sourced): a target on the HOST's loopback, reached from inside
# the loopback-only namespace the suites run in, one portal and nothing else.
#
# Why: the suites run in a private namespace (tools/netns-run.sh) so that a
# SendTargets answer naming some other address reaches nothing. A user's
# target already running on the host's 127.0.0.1:PORT (`make conformance
# URL=...`) is not in that namespace. Rather than run the suites in the
# host's namespace, we carry exactly the URL's portals across, through a
# Unix socket in the file system both namespaces share:
#
#   host:       socat UNIX-LISTEN:DIR/pN.sock,fork  TCP:HOST:PORT
#   namespace:  socat TCP-LISTEN:PORT,bind=HOST,fork  UNIX-CONNECT:DIR/pN.sock
#
# so that inside the namespace HOST:PORT answers as the target does, and
# every other address and port still reaches nothing. HOST must be
# loopback (127.0.0.0/8 or ::1): the namespace owns the same addresses.
#
# bridge_host_start DIR URL...  (outside the namespace) starts one host half
#     per portal, after checking something listens there; PIDs in DIR/pids.
# bridge_ns_start DIR WORK URL... (inside) starts the namespace halves; PIDs
#     in WORK/bridge.pids; waits until each portal accepts.
# bridge_stop PIDFILE  stops what one of them started, by PID.
# Needs conf_log/conf_die/conf_wait_port (lib.sh) and url.sh's parse.

BRIDGE_WAIT_SECONDS=10

# bridge_portals URL...: "INDEX HOST PORT" for each distinct portal.
bridge_portals() {
	local u host port rest i=0
	for u in "$@"; do
		[ -n "$u" ] || continue
		read -r host port rest <<<"$("$CONF_DIR/targets/url.sh" parse "$u")"
		echo "$host $port"
	done | awk '!seen[$0]++ { print n++, $0 }'
}

# bridge_addr HOST PORT: socat's TCP address for it (IPv6 in brackets).
# nodelay on both TCP legs: with Nagle, a Data-Out after its command's
# header waits for a delayed ACK (40 ms on Linux) and libiscsi's write
# tests through the bridge took minutes instead of a second.
bridge_addr() { case "$1" in *:*) echo "TCP6:[$1]:$2,nodelay" ;; *) echo "TCP4:$1:$2,nodelay" ;; esac; }

bridge_host_start() {
	local dir=$1 i host port
	shift
	command -v socat >/dev/null || conf_die "socat is missing (tools/deps.sh installs it)"
	mkdir -p "$dir"
	: >"$dir/pids"
	while read -r i host port; do
		case "$host" in
		127.* | ::1 | 0:0:0:0:0:0:0:1) ;;
		*) conf_die "target URL host $host: a target outside this machine's loopback is out of reach by design (conformance/README.md, \"Your own target\")" ;;
		esac
		conf_wait_port "$host" "$port" "$BRIDGE_WAIT_SECONDS" ||
			conf_die "nothing listens on $host port $port on this machine (waited ${BRIDGE_WAIT_SECONDS}s): start your target first"
		socat "UNIX-LISTEN:$dir/p$i.sock,fork,unlink-early,mode=600" "$(bridge_addr "$host" "$port")" \
			</dev/null >/dev/null 2>>"$dir/socat.log" &
		echo $! >>"$dir/pids"
		conf_log "bridge: $host port $port carried into the suites' namespace (socket $dir/p$i.sock)"
	done < <(bridge_portals "$@")
}

bridge_ns_start() {
	local dir=$1 work=$2 i host port bind
	shift 2
	: >"$work/bridge.pids"
	while read -r i host port; do
		local t=$((SECONDS + BRIDGE_WAIT_SECONDS))
		while [ ! -S "$dir/p$i.sock" ] && [ $SECONDS -lt $t ]; do sleep 0.1; done
		[ -S "$dir/p$i.sock" ] || conf_die "bridge: no socket $dir/p$i.sock from the host half"
		case "$host" in *:*) bind="TCP6-LISTEN:$port,bind=[$host]" ;; *) bind="TCP4-LISTEN:$port,bind=$host" ;; esac
		socat "$bind,reuseaddr,nodelay,fork" "UNIX-CONNECT:$dir/p$i.sock" </dev/null >/dev/null 2>>"$work/bridge.log" &
		echo $! >>"$work/bridge.pids"
		conf_wait_port "$host" "$port" "$BRIDGE_WAIT_SECONDS" ||
			conf_die "bridge: $host port $port does not answer inside the namespace"
	done < <(bridge_portals "$@")
}

bridge_stop() {
	local file=$1 pid
	[ -s "$file" ] || return 0
	# socat forks a child per connection: those go with their parent.
	while read -r pid; do
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
	done <"$file"
	while read -r pid; do
		wait "$pid" 2>/dev/null || true
	done <"$file"
	: >"$file"
}
