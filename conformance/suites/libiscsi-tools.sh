#!/usr/bin/env bash
# libiscsi-tools.sh WORK OUT.csv: libiscsi's command-line tools against the
# target described by WORK/target.env: discovery (iscsi-ls, with and
# without CHAP), INQUIRY and its VPD pages (iscsi-inq), READ CAPACITY(16)
# (iscsi-readcapacity16), and CHAP logins that must succeed or be refused
# (RFC 7143 §12.1.3). Each check is one row of OUT.csv (test,result,
# seconds,detail) named tools.*, result PASS, FAIL or NA.
#
# A target given by URL (targets/url.sh) may lack what a check needs: no
# second portal (URL2), no CHAP credentials (CHAP_URL), an unknown LU size
# (LU_BYTES); those checks are NA, or check only the form of the answer.
# LS_CREDENTIALS (USER%SECRET@) is what discovery needs on a target that
# requires CHAP for everything.
#
# iscsi-ls follows SendTargets answers; against a target in a guest
# (GUEST=1) those name the guest's own address, so its rows are NA by rule
# (shared/notes/peers-and-guests.md, "the trap"), not merely unreachable.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
conf_require_netns

WORK=${1:?usage: libiscsi-tools.sh WORK OUT.csv}
OUT=${2:?usage: libiscsi-tools.sh WORK OUT.csv}
for k in PORTAL URL URL2 CHAP_URL CHAP_BAD_URL NOCHAP_URL GUEST LU_BYTES; do
	printf -v "$k" '%s' "$(conf_env_get "$WORK" "$k")"
done
CHAP_PORTAL=$(conf_env_get "$WORK" CHAP_PORTAL)
CHAP_PORTAL=${CHAP_PORTAL:-$PORTAL}
LS_CREDENTIALS=$(conf_env_get "$WORK" LS_CREDENTIALS)
# The CHAP identity is the one in CHAP_URL (iscsi://USER%SECRET@...).
CHAP_CREDENTIALS=$(sed -nE 's|^iscsi://([^@/]*@).*|\1|p' <<<"$CHAP_URL")
IQN=$(sed -E 's|^iscsi://[^/]*/([^/]*)/.*|\1|' <<<"$URL")
CHAP_IQN=$(sed -E 's|^iscsi://[^/]*/([^/]*)/.*|\1|' <<<"$CHAP_URL")
LOGS=$WORK/tools-logs
mkdir -p "$LOGS"
TIMEOUT=30
INIT=(-i "$CONF_INITIATOR")

echo "test,result,seconds,detail" >"$OUT.tmp"
declare -A count=([PASS]=0 [FAIL]=0 [NA]=0)
# check NAME EXPECT GREP CMD...: run CMD; EXPECT ok (exit 0) or refused
# (non-zero exit); when GREP is not empty the output must match it (grep -E).
check() {
	local name=$1 expect=$2 pattern=$3 rc=0 result detail t0 secs
	shift 3
	t0=$EPOCHREALTIME
	timeout -k 5 "$TIMEOUT" "$@" </dev/null >"$LOGS/$name.log" 2>&1 || rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	result=PASS detail=
	if [ "$expect" = ok ] && [ $rc -ne 0 ]; then
		result=FAIL detail="exit $rc: $(grep -v '^$' "$LOGS/$name.log" | tail -n 1 | cut -c1-120 || true)"
	elif [ "$expect" = refused ] && [ $rc -eq 0 ]; then
		result=FAIL detail="accepted, expected refusal"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$LOGS/$name.log"; then
		result=FAIL detail="output lacks /$pattern/"
	fi
	record "$name" "$result" "$secs" "$detail"
}
record() {
	count[$2]=$((count[$2] + 1))
	printf '%s,%s,%s,"%s"\n' "$1" "$2" "$3" "${4//\"/\"\"}" >>"$OUT.tmp"
	printf '%-4s %5ss %s %s\n' "$2" "$3" "$1" "$4"
}

if [ "$GUEST" = 1 ]; then
	for name in tools.ls.discovery tools.ls.show-luns tools.ls.chap-discovery tools.ls.chap-show-luns; do
		record "$name" NA 0.0 "discovery-following tool not pointed at a guest"
	done
else
	check tools.ls.discovery ok "Target:$IQN Portal:" iscsi-ls "${INIT[@]}" "iscsi://$LS_CREDENTIALS$PORTAL"
	check tools.ls.show-luns ok "Lun:[0-9]+ +Type:DIRECT_ACCESS" iscsi-ls "${INIT[@]}" -s "iscsi://$LS_CREDENTIALS$PORTAL"
	if [ -z "$CHAP_URL" ]; then
		record tools.ls.chap-discovery NA 0.0 "no CHAP credentials given"
		record tools.ls.chap-show-luns NA 0.0 "no CHAP credentials given"
	else
		check tools.ls.chap-discovery ok "Target:$CHAP_IQN Portal:" \
			iscsi-ls "${INIT[@]}" "iscsi://$CHAP_CREDENTIALS$CHAP_PORTAL"
		check tools.ls.chap-show-luns ok "Lun:[0-9]+ +Type:DIRECT_ACCESS" \
			iscsi-ls "${INIT[@]}" -s "iscsi://$CHAP_CREDENTIALS$CHAP_PORTAL"
	fi
fi
check tools.inq.standard ok "Peripheral Device Type:DIRECT_ACCESS" iscsi-inq "${INIT[@]}" "$URL"
check tools.inq.vpd-supported ok "SUPPORTED_VPD_PAGES|0x80|UNIT_SERIAL" iscsi-inq "${INIT[@]}" -e 1 -c 0 "$URL"
# iscsi-inq reads page codes as decimal: 128 = 0x80, 131 = 0x83, 176 = 0xb0.
check tools.inq.vpd-unit-serial ok "Unit Serial Number:\[ *[^] ]" iscsi-inq "${INIT[@]}" -e 1 -c 128 "$URL"
check tools.inq.vpd-device-id ok "Association:\(0\) LOGICAL_UNIT" iscsi-inq "${INIT[@]}" -e 1 -c 131 "$URL"
check tools.inq.vpd-block-limits ok "maximum transfer length:" iscsi-inq "${INIT[@]}" -e 1 -c 176 "$URL"
if [ -n "$URL2" ]; then
	check tools.inq.second-portal ok "Peripheral Device Type:DIRECT_ACCESS" iscsi-inq "${INIT[@]}" "$URL2"
else
	record tools.inq.second-portal NA 0.0 "no second portal given"
fi
# An unknown size: READ CAPACITY(16) must still answer a byte count.
check tools.readcapacity16.size ok "^${LU_BYTES:-[1-9][0-9]*}\$" iscsi-readcapacity16 "${INIT[@]}" -s "$URL"
if [ -n "$CHAP_URL" ]; then
	check tools.chap.login ok "Peripheral Device Type:DIRECT_ACCESS" iscsi-inq "${INIT[@]}" "$CHAP_URL"
	check tools.chap.wrong-secret-refused refused "Authentication failure" iscsi-inq "${INIT[@]}" "$CHAP_BAD_URL"
	check tools.chap.no-credentials-refused refused "" iscsi-inq "${INIT[@]}" "$NOCHAP_URL"
else
	for name in tools.chap.login tools.chap.wrong-secret-refused tools.chap.no-credentials-refused; do
		record "$name" NA 0.0 "no CHAP credentials given"
	done
fi

mv "$OUT.tmp" "$OUT"
echo "result: tools ${count[PASS]} PASS / ${count[FAIL]} FAIL / ${count[NA]} NA"
[ "${count[FAIL]}" -eq 0 ]
