#!/usr/bin/env bash
# url-run.sh: `make conformance URL=...`, every suite against a target that
# is already running on this machine's loopback (yours), compared with the
# recorded reftarget, tgt, LIO, lio-tcmu and istgt columns.
#
#   make conformance URL=iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN [URL2=...]
#                    [CHAP=user:secret] [TESTS=REGEX] DESTRUCTIVE=yes
#
# TESTS limits iscsi-test-cu to the tests whose names match (run.sh -f).
# Runs run.sh -t url with the suites cu (libiscsi iscsi-test-cu, every
# test), tools (libiscsi's tools) and protocol (isim protocol), into
# $BUILD/conformance/results-url, the recorded conformance/results beside
# it (matrix.csv, summary.md, protocol-diff.md). The target stays where it
# is: run.sh carries its portals into the suites' namespace (bridge.sh).
#
# iscsi-test-cu runs with -d: its tests WRITE, UNMAP, SANITIZE and FORMAT
# the LU, and reserve it. Nothing runs without DESTRUCTIVE=yes.
#
# Exit status: 0 when every test ran and none FAILed or HANGed; 1 when a
# test failed (listed above the last line) or a suite could not run; 2
# for a usage error or no DESTRUCTIVE=yes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
USAGE="usage: make conformance URL=iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN [URL2=...] [CHAP=user:secret] [TESTS=REGEX] DESTRUCTIVE=yes"
url=${URL:-} url2=${URL2:-} chap=${CHAP:-}
[ -n "$url" ] || { echo "$USAGE" >&2; exit 2; }
out=$BUILD/conformance/results-url

# with_chap URL: the URL with CHAP's USER%SECRET@ in it, unless it has some.
with_chap() {
	local u=$1
	[ -n "$u" ] && [ -n "$chap" ] || { echo "$u"; return; }
	[[ $u != iscsi://*@* ]] || conf_die "CHAP= given and the URL has credentials of its own: give them once"
	echo "iscsi://${chap%%:*}%${chap#*:}@${u#iscsi://}"
}
if [ -n "$chap" ]; then
	[[ $chap =~ ^[^:%@/]+:[^%@/]+$ ]] || { echo "CHAP='$( sed 's/:.*/:***/' <<<"$chap")': want CHAP=user:secret, neither empty, without % @ / in them" >&2; exit 2; }
fi
url=$(with_chap "$url")
url2=$(with_chap "$url2")
# Check both URLs before the warning, so that a typo is the first thing said.
for u in "$url" "$url2"; do
	[ -z "$u" ] || "$HERE/targets/url.sh" parse "$u" >/dev/null || exit 2
done
read -r host port iqn lun _ <<<"$("$HERE/targets/url.sh" parse "$url")"

cat >&2 <<EOT

  ###########################################################################
  #  WARNING: THIS WIPES THE LU.                                            #
  ###########################################################################
     Target:  $iqn, LUN $lun at $host port $port${url2:+ (and the second portal)}
     libiscsi's iscsi-test-cu runs with -d (data loss): its tests WRITE
     over the whole LU, UNMAP it, SANITIZE and FORMAT it, and take
     PERSISTENT RESERVATIONS on it. Every byte on that LU will be lost.
     Point it at a scratch LU made for the test, never at one with data.
EOT
if [ "${DESTRUCTIVE:-}" != yes ]; then
	printf '\n     Nothing was run. To go on: add DESTRUCTIVE=yes\n\n' >&2
	exit 2
fi
echo >&2

rc=0
CONF_URL_ON_HOST=1 "$HERE/run.sh" -t url -u "$url" ${url2:+-U "$url2"} -s "cu tools protocol" \
	${TESTS:+-f "$TESTS"} -o "$out" -r "$CONF_DIR/results" || rc=$?

csv=$out/url.csv
[ -s "$csv" ] || { echo "conformance: the url target did not run (see above)" >&2; exit 1; }
# One line per suite: tests and verdicts (rows: SCSI.*/iSCSI.* cu, tools.*, protocol.*).
awk -F, 'NR > 1 {
	s = ($1 ~ /^protocol\./) ? "protocol" : ($1 ~ /^tools\./) ? "tools" : "cu"
	n[s]++; v[s, $2]++
	if ($2 == "FAIL" || $2 == "HANG") { bad++; print "  " $2 " " $1 }
} END {
	split("cu tools protocol", order, " ")
	for (i = 1; i <= 3; i++) {
		s = order[i]
		if (!n[s]) continue
		line = sprintf("  %-9s %4d tests:", s, n[s])
		split("PASS FAIL HANG SKIP NA", k, " ")
		for (j = 1; j <= 5; j++) if (v[s, k[j]]) line = line sprintf(" %d %s", v[s, k[j]], k[j])
		print line
	}
	exit bad > 0
}' "$csv" || rc=1
echo "results: $out/summary.md (tables, the recorded reftarget, tgt, LIO, lio-tcmu and istgt beside yours), $out/matrix.csv, $out/protocol-diff.md"
fails=$(awk -F, 'NR > 1 && ($2 == "FAIL" || $2 == "HANG")' "$csv" | wc -l)
echo "conformance: url: $(($(wc -l <"$csv") - 1)) tests, $fails failed or hung; exit $rc"
exit $rc
