# 50-conformance.sh: the conformance matrix's share of `make test` (sourced
# by tools/test.sh, which defines `step`). reftarget and tgt run the whole
# libiscsi suite (230 tests, about 30 s each), the libiscsi tools and the
# open-iscsi guest; their differences from LIO are checked against the LIO
# column recorded in conformance/results by the last `make conformance`.
# LIO itself boots in QEMU in its own step, compared with this run's
# reftarget column. The full run, updating conformance/results, is
# `make conformance`.
step conformance env BUILD="$BUILD" conformance/run.sh -t "reftarget tgt" -s "cu tools guest" \
	-o "$BUILD/conformance/results-test" -r conformance/results
step conformance-lio env BUILD="$BUILD" conformance/run.sh -t lio -s "cu tools" \
	-o "$BUILD/conformance/results-test-lio" -r "$BUILD/conformance/results-test"
