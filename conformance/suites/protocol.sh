#!/usr/bin/env bash
# protocol.sh WORK OUT.csv: the iSCSI protocol suite (`isim protocol`,
# conformance/PROTOCOL.md) against the target described by WORK/target.env
# (URL, URL2). Each test is one row of OUT.csv (test,result,seconds,detail)
# named protocol.<id>, result PASS, FAIL or NA; the detail starts with the
# test's RFC 7143 section and level. The suite's own output is kept in
# WORK/protocol/ (protocol.md, protocol.log with the PDUs of each FAIL).
#
# The suite talks only to the URL it is given, never to an address a
# target advertises, so it runs against the LIO guest too (GUEST=1).
# ISIM (default $BUILD/rel/isim) is the binary; PROTOCOL_TIMEOUT bounds
# the whole run (default 1800 s).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
conf_require_netns

WORK=${1:?usage: protocol.sh WORK OUT.csv}
OUT=${2:?usage: protocol.sh WORK OUT.csv}
ISIM=${ISIM:-$BUILD/rel/isim}
[ -x "$ISIM" ] || conf_die "$ISIM is missing (make $BUILD/rel/isim)"
URL=$(conf_env_get "$WORK" URL)
URL2=$(conf_env_get "$WORK" URL2)
mkdir -p "$WORK/protocol"
rc=0
timeout -k 5 "${PROTOCOL_TIMEOUT:-1800}" "$ISIM" protocol --url "$URL" ${URL2:+--url2 "$URL2"} \
	--out "$WORK/protocol" >"$WORK/protocol/stdout" 2>&1 || rc=$?
[ $rc -le 1 ] || conf_log "protocol suite: exit $rc ($(tail -n 1 "$WORK/protocol/stdout"))"
"$CONF_DIR/protocol-csv.sh" "$WORK/protocol/protocol.log" >"$OUT"
conf_log "protocol suite: $(grep '^protocol:' "$WORK/protocol/stdout" || echo 'no summary')"
[ $rc -le 1 ]
