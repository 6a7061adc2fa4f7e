# 50-conformance.sh: the conformance matrix's share of `make test` (sourced
# by tools/test.sh, which defines `step`).
#   conformance-selftest  the harness's own tests (verdicts, skip shim,
#                         matrix, flavour rules, the bar check)
#   conformance-url-host  `make conformance URL=...` against a reftarget
#                         outside the suites' namespace, through the bridge
#                         (conformance/tests/url_host.sh)
#   conformance           reftarget, each test on its LU flavour
#                         (conformance/flavours.txt): the libiscsi suite but
#                         the minute-long Sanitize.Reset, the libiscsi tools
#                         and the open-iscsi guest; differences from LIO are
#                         checked against the LIO column recorded in
#                         conformance/results by the last `make conformance`,
#                         skips against conformance/skips.md, the bar of
#                         issue 3 as conformance/bar.conf says
#   conformance-tgt       tgt, suite and tools, into the same results: the
#                         bar's "every test tgt passes" against this tgt (its
#                         guest run, a control, is left to `make conformance`)
#   conformance-lio       LIO booted in QEMU (about 5 s under TCG): suite and
#                         tools, checked against this run's reftarget column
# The full run is `make conformance`; `make publish` records it in conformance/results.
step conformance-selftest env BUILD="$BUILD" conformance/tests/selftest.sh
step conformance-url-host env BUILD="$BUILD" conformance/tests/url_host.sh
step conformance env BUILD="$BUILD" conformance/run.sh -t reftarget -s "cu tools guest" \
	-x '^SCSI\.Sanitize\.Reset$' -o "$BUILD/conformance/results-test" -r conformance/results
step conformance-tgt env BUILD="$BUILD" conformance/run.sh -t tgt -s "cu tools" \
	-x '^SCSI\.Sanitize\.Reset$' -o "$BUILD/conformance/results-test" -r conformance/results
step conformance-lio env BUILD="$BUILD" conformance/run.sh -t lio -s "cu tools" \
	-o "$BUILD/conformance/results-test-lio" -r "$BUILD/conformance/results-test"
