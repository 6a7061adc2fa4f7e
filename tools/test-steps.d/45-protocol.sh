# 45-protocol.sh: the protocol suite's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   protocol   isim protocol against reftarget (open access, then mutual
#              CHAP): every test PASS or NA; a reftarget with the planted
#              bug maxcmdsn_off_by_one fails ffp.window-full; a
#              non-loopback URL is refused (sim/tests/protocol.sh)
step protocol-build make --no-print-directory BUILD="$BUILD" "$BUILD/bug-maxcmdsn_off_by_one/reftarget"
step protocol tools/netns-run.sh sim/tests/protocol.sh "$BUILD"
