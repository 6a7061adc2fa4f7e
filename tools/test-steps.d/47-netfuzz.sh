# 47-netfuzz.sh: the network fuzzer's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   netfuzz-build  the planted-bug reftargets it must find (sim/planted-bugs-net.txt)
#   netfuzz        isim netfuzz against reftarget (25 s, no finding), finds
#                  and minimizes each planted bug, replays a saved finding,
#                  refuses a non-loopback URL (sim/tests/netfuzz.sh)
#   netfuzz-corpus the corpus exchange with the in-process harnesses, both
#                  ways (sim/tests/netfuzz-corpus.sh, about 30 s)
#   netfuzz-cov    the coverage-guided mode against the sanitizer-coverage
#                  reftarget, 150 cases guided and unguided at once: edges
#                  measured, cases kept, no finding (sim/tests/netfuzz-cov.sh,
#                  about 30 s after its build)
step netfuzz-build make --no-print-directory BUILD="$BUILD" netfuzz-bugs
step netfuzz tools/netns-run.sh sim/tests/netfuzz.sh "$BUILD"
step netfuzz-corpus make --no-print-directory BUILD="$BUILD" netfuzz-corpus-test
step netfuzz-cov env NETFUZZ_COV_EVERY=50 make --no-print-directory BUILD="$BUILD" netfuzz-cov CASES=150
