#!/usr/bin/env bash
# url.sh start|stop|urls WORK | parse URL: a target that is already
# running, given by its URL: yours, started by your CI job
# (conformance/with-target.sh) or by hand inside tools/netns-run.sh.
#
# Same contract as tgt.sh (WORK/target.env), but it starts nothing and so
# stops nothing: `start` checks the URL and that something listens there,
# then describes the target to the suites. It reads
#   CONF_URL        iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN (run.sh -u):
#                   the LU every suite runs against; with USER%SECRET the
#                   logins use CHAP and the tools suite checks that a wrong
#                   secret and no credentials are refused
#   CONF_URL2       optional (run.sh -U): a second portal to the same LU,
#                   for the MultipathIO tests and tools.inq.second-portal
#                   (NA without it)
#   CONF_URL_VERSION   optional: the version the results name
#   CONF_URL_LU_BYTES  optional: the LU's size, checked by READ CAPACITY(16)
# `parse URL` checks one URL and prints "HOST PORT IQN LUN USER SECRET"
# (USER and SECRET "-" when absent), or says what is wrong with it.
#
# HOST must be an address, not a name, and one this network namespace
# owns: loopback (127.0.0.0/8, [::1]) or an address on one of its
# interfaces. run.sh runs inside a loopback-only namespace
# (tools/netns-run.sh), so a target listening on the host's 127.0.0.1 is
# not there: start it inside the namespace (conformance/README.md, "Your
# own target"), or let run.sh carry its portals in (CONF_URL_ON_HOST=1,
# `make conformance URL=...`; bridge.sh).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

USAGE="usage: url.sh start|stop|urls WORK | url.sh parse URL"
# RFC 7143 §13.4 (SendTargets) and §4.2.7.1: an iSCSI name is at most 223
# bytes.
IQN_BYTES_MAX=223
# SAM-5 §4.7.6 flat space addressing, the widest single-level LUN libiscsi
# encodes: 14 bits.
LUN_MAX=16383
# How long start waits for the portal to accept a TCP connection.
WAIT_SECONDS=${CONF_URL_WAIT_SECONDS:-10}
FORM="iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN"

# bad URL WHY: a clear error for a URL we cannot use, with the secret
# masked (the message goes to CI logs).
bad() {
	local shown
	shown=$(sed -E 's|^(iscsi://[^%@/]*%)[^@/]*@|\1***@|' <<<"$1")
	conf_die "bad target URL '$shown': $2 (want $FORM)"
}

# parse URL: print "HOST PORT IQN LUN USER SECRET" or die.
parse() {
	local url=$1 rest auth= hostport path host port=3260 iqn lun user=- secret=-
	[[ $url == iscsi://* ]] || bad "$url" "it must start with iscsi://"
	rest=${url#iscsi://}
	[[ $rest != *[[:space:]]* ]] || bad "$url" "it contains white space"
	[[ $rest != *[?#]* ]] || bad "$url" "options (?...) and fragments (#...) are not supported"
	hostport=${rest%%/*}
	[ "$hostport" != "$rest" ] || bad "$url" "no /IQN/LUN after the host"
	path=${rest#*/}
	if [[ $hostport == *@* ]]; then
		auth=${hostport%@*} hostport=${hostport##*@}
		[[ $auth =~ ^([^%@:/]+)%([^%@/]+)$ ]] ||
			bad "$url" "credentials must be USER%SECRET, neither empty, without % @ / in them"
		user=${BASH_REMATCH[1]} secret=${BASH_REMATCH[2]}
	fi
	if [[ $hostport =~ ^\[([0-9A-Fa-f:.]+)\](:([^:]*))?$ ]]; then
		host=${BASH_REMATCH[1]}
		[ -z "${BASH_REMATCH[2]}" ] || port=${BASH_REMATCH[3]}
	elif [[ $hostport =~ ^([^:]+)(:([^:]*))?$ ]]; then
		host=${BASH_REMATCH[1]}
		[ -z "${BASH_REMATCH[2]}" ] || port=${BASH_REMATCH[3]}
	else
		bad "$url" "host '$hostport' is neither an IPv4 address nor [IPv6] (with an optional :PORT)"
	fi
	[[ $port =~ ^[1-9][0-9]{0,4}$ ]] && [ "$port" -le 65535 ] ||
		bad "$url" "port '$port' is not a number from 1 to 65535"
	if [[ $hostport != \[* ]]; then
		[[ $host =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
			bad "$url" "host '$host' is not an IPv4 address (names are not resolved: give the address)"
		local o
		for o in "${BASH_REMATCH[@]:1}"; do
			[[ $o =~ ^(0|[1-9][0-9]*)$ ]] && [ "$o" -le 255 ] || bad "$url" "host '$host' is not an IPv4 address"
		done
	fi
	[[ $path =~ ^([^/]+)/([^/]+)$ ]] || bad "$url" "the path must be /IQN/LUN, one IQN and one LUN"
	iqn=${BASH_REMATCH[1]} lun=${BASH_REMATCH[2]}
	[[ $iqn =~ ^(iqn\.[0-9]{4}-[0-9]{2}\.[^[:space:]]+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16}([0-9A-Fa-f]{16})?)$ ]] ||
		bad "$url" "'$iqn' is not an iSCSI name (iqn.YYYY-MM.…, eui.<16 hex>, naa.<16 or 32 hex>; RFC 7143 §4.2.7.2)"
	[ "${#iqn}" -le $IQN_BYTES_MAX ] || bad "$url" "the iSCSI name is longer than $IQN_BYTES_MAX bytes"
	[[ $lun =~ ^(0|[1-9][0-9]{0,4})$ ]] && [ "$lun" -le $LUN_MAX ] ||
		bad "$url" "LUN '$lun' is not a number from 0 to $LUN_MAX"
	echo "$host $port $iqn $lun $user $secret"
}

# own_address HOST: HOST is loopback or an address of this namespace.
own_address() {
	case "$1" in 127.* | ::1 | 0:0:0:0:0:0:0:1) return 0 ;; esac
	ip -o addr show 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4 }' | grep -xF -- "$1" >/dev/null
}

# portal HOST PORT: HOST:PORT, IPv6 in brackets.
portal() { case "$1" in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }

# check URL: parse it, check its host is ours and that it listens.
check() {
	local host port iqn lun user secret
	read -r host port iqn lun user secret <<<"$(parse "$1")"
	own_address "$host" || conf_die "target URL host $host is not loopback nor an address of this network namespace: the suites talk only to addresses this namespace owns (conformance/README.md)"
	conf_wait_port "$host" "$port" "$WAIT_SECONDS" ||
		conf_die "nothing listens on $(portal "$host" "$port") in this network namespace (waited ${WAIT_SECONDS}s). A target on the host's loopback is not visible here: start it inside the namespace, e.g. with conformance/with-target.sh (conformance/README.md, \"Your own target\")"
}

start() {
	conf_require_netns
	local url=${CONF_URL:?url.sh: CONF_URL is not set (run.sh -u URL)} url2=${CONF_URL2:-}
	local host port iqn lun user secret bytes=${CONF_URL_LU_BYTES:-}
	mkdir -p "$WORK"
	# A target on the host's loopback (run.sh, CONF_URL_ON_HOST=1): its
	# portals answer here through bridge.sh.
	if [ -n "${CONF_BRIDGE_DIR:-}" ]; then
		. "$CONF_DIR/bridge.sh"
		bridge_ns_start "$CONF_BRIDGE_DIR" "$WORK" "$url" "$url2"
	fi
	check "$url"
	[ -z "$url2" ] || check "$url2"
	[ -z "$bytes" ] || [[ $bytes =~ ^[1-9][0-9]*$ ]] || conf_die "CONF_URL_LU_BYTES '$bytes' is not a byte count"
	read -r host port iqn lun user secret <<<"$(parse "$url")"
	local p creds= chap= chap_bad= nochap=
	p=$(portal "$host" "$port")
	nochap=iscsi://$p/$iqn/$lun
	if [ "$user" != - ]; then
		creds=$user%$secret@
		chap=$url
		# Same length as the real secret: a length check must not be what
		# refuses it.
		chap_bad=iscsi://$user%$(printf '%*s' "${#secret}" '' | tr ' ' x)@$p/$iqn/$lun
		[ "$chap_bad" != "$chap" ] || chap_bad=iscsi://$user%$(printf '%*s' "${#secret}" '' | tr ' ' y)@$p/$iqn/$lun
	fi
	mkdir -p "$WORK"
	cat >"$WORK/target.env" <<EOT
TARGET=url
PORTAL=$p
URL=$url
URL2=$url2
CHAP_PORTAL=$([ -n "$chap" ] && echo "$p")
CHAP_URL=$chap
CHAP_BAD_URL=$chap_bad
NOCHAP_URL=$([ -n "$chap" ] && echo "$nochap")
LS_CREDENTIALS=$creds
DISCOVERY_CHAP=$([ -n "$chap" ] && echo 1 || echo 0)
GUEST=0
LU_BYTES=$bytes
EOT
	conf_log "target at $p ($iqn LUN $lun$([ -n "$chap" ] && echo ", CHAP user $user")${url2:+, second portal given}) answers"
}

cmd=${1:?$USAGE}
case "$cmd" in
parse) parse "${2:?$USAGE}" ;;
start) WORK=${2:?$USAGE}; start ;;
stop) # started nothing but the namespace half of a bridge, if any
	WORK=${2:?$USAGE}
	if [ -f "$WORK/bridge.pids" ]; then
		. "$CONF_DIR/bridge.sh"
		bridge_stop "$WORK/bridge.pids"
	fi ;;
urls) WORK=${2:?$USAGE}; sed -n 's/^URL2\{0,1\}=//p' "$WORK/target.env" | grep -v '^$' ;;
*) conf_die "unknown command $cmd ($USAGE)" ;;
esac
