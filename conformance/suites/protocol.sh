#!/usr/bin/env bash
# protocol.sh WORK OUT.csv: the iSCSI protocol suite (`isim protocol`,
# conformance/PROTOCOL.md) against the target described by WORK/target.env
# (URL, URL2). Each test is one row of OUT.csv (test,result,seconds,detail)
# named protocol.<id>, result PASS, FAIL or NA; the detail starts with the
# test's RFC 7143 section and level. The suite's own output is kept in
# WORK/protocol/ (protocol.md, protocol.log with the PDUs of each FAIL).
#
# The tests that need CHAP credentials, and the access-list tests, run a
# second time against the target's CHAP-protected LU (CHAP_URL, which
# admits only CONF_ACL_INITIATORS), whose rows replace their NAs.
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
[ $rc -le 1 ] || conf_log "protocol suite: exit $rc ($(head -n 1 "$WORK/protocol/stdout"))"
"$CONF_DIR/protocol-csv.sh" "$WORK/protocol/protocol.log" >"$OUT"
conf_log "protocol suite: $(grep '^protocol:' "$WORK/protocol/stdout" || echo 'no summary')"

# The CHAP and access-list tests against the target's CHAP-protected LU
# (CHAP_URL, which every conformance target offers): the first pass had no
# credentials, and URL has open access, so they were NA there. Their rows
# are replaced by this pass's.
CHAP_URL=$(conf_env_get "$WORK" CHAP_URL)
if [ $rc -le 1 ] && [ -n "$CHAP_URL" ] && [ "$CHAP_URL" != "$URL" ]; then
	ids=$(awk -F, '$2 == "NA" && ($0 ~ /no CHAP credentials given/ || $0 ~ /has no access list/) {
		sub(/^protocol\./, "", $1); print $1 }' "$OUT" | paste -sd,)
	if [ -n "$ids" ]; then
		mkdir -p "$WORK/protocol-chap"
		crc=0
		timeout -k 5 "${PROTOCOL_TIMEOUT:-1800}" "$ISIM" protocol --url "$CHAP_URL" --test "$ids" \
			--out "$WORK/protocol-chap" >"$WORK/protocol-chap/stdout" 2>&1 || crc=$?
		if [ $crc -le 1 ]; then
			"$CONF_DIR/protocol-csv.sh" "$WORK/protocol-chap/protocol.log" | tail -n +2 >"$WORK/protocol-chap/rows"
			{
				head -n 1 "$OUT"
				awk -F, 'NR == FNR { again[$1] = 1; next } FNR > 1 && !again[$1]' "$WORK/protocol-chap/rows" "$OUT"
				cat "$WORK/protocol-chap/rows"
			} | { IFS= read -r h; echo "$h"; sort -t, -k1,1; } >"$OUT.new"
			mv "$OUT.new" "$OUT"
			conf_log "protocol suite, CHAP tests on the CHAP-protected LU: $(grep '^protocol:' "$WORK/protocol-chap/stdout" || echo 'no summary')"
		else
			rc=$crc
			conf_log "protocol suite, CHAP pass: exit $crc ($(tail -n 1 "$WORK/protocol-chap/stdout"))"
		fi
	fi
fi
[ $rc -le 1 ]
