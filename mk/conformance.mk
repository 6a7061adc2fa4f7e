# conformance: libiscsi's suite and tools, and open-iscsi in a guest, against
# reftarget, tgt and LIO (in QEMU); see conformance/README.md.
#
#   make conformance        all targets, all suites, every test, into
#                           $(BUILD)/conformance/results (make publish copies
#                           them to the recorded conformance/results)
#   make conformance-lio    LIO only (boot, suite, tools) into $(BUILD)/conformance/results-lio,
#                           compared with the recorded reftarget column
#   make conformance-fast   reftarget and tgt (suite, tools, guest) into
#                           $(BUILD)/conformance/results-fast, compared with the recorded LIO
#                           column; leaves out the minute-long Sanitize.Reset
#   make conformance-images build the cached kernel, initramfs and guest rootfs
.PHONY: conformance conformance-lio conformance-fast conformance-images

# The tests the fast runs leave out: they wait a minute on purpose.
CONF_SLOW_TESTS := ^SCSI\.Sanitize\.Reset$$

conformance: deps $(BUILD)/rel/reftarget
	BUILD=$(BUILD) conformance/run.sh -t "reftarget tgt lio" -s "cu tools guest" \
		-o $(BUILD)/conformance/results

conformance-lio: deps
	BUILD=$(BUILD) conformance/run.sh -t "lio" -s "cu tools" \
		-o $(BUILD)/conformance/results-lio -r conformance/results

conformance-fast: deps $(BUILD)/rel/reftarget
	BUILD=$(BUILD) conformance/run.sh -t "reftarget tgt" -s "cu tools guest" -x '$(CONF_SLOW_TESTS)' \
		-o $(BUILD)/conformance/results-fast -r conformance/results

conformance-images: deps
	BUILD=$(BUILD) conformance/guest/lio-image.sh
	BUILD=$(BUILD) conformance/guest/initiator-image.sh
