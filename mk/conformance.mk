# conformance: libiscsi's suite and tools, open-iscsi in a guest and the
# protocol suite (isim protocol), against reftarget, tgt, LIO (in QEMU) and
# istgt; see conformance/README.md and conformance/PROTOCOL.md.
#
#   make conformance        all targets, all suites, every test, into
#                           $(BUILD)/conformance/results (make publish copies
#                           them to the recorded conformance/results)
#   make conformance URL=iscsi://HOST:PORT/IQN/LUN [URL2=...] [CHAP=user:secret] DESTRUCTIVE=yes
#                           the same suites (but the guest) against YOUR target, already
#                           running on this machine's loopback, beside the recorded
#                           columns, into $(BUILD)/conformance/results-url
#                           (conformance/url-run.sh; it wipes the LU: DESTRUCTIVE=yes)
#   make conformance-lio    LIO only (boot, suite, tools) into $(BUILD)/conformance/results-lio,
#                           compared with the recorded reftarget column
#   make conformance-lio-tcmu  LIO with a TCMU backstore (tcmu-runner's qcow handler) in a
#                           Debian guest: boot, suite, tools into
#                           $(BUILD)/conformance/results-lio-tcmu, compared with the
#                           recorded LIO column (about 18 minutes on a loaded machine: every command
#                           crosses into tcmu-runner in a TCG guest)
#   make conformance-fast   reftarget and tgt (suite, tools, guest) into
#                           $(BUILD)/conformance/results-fast, compared with the recorded LIO
#                           column; leaves out the minute-long Sanitize.Reset
#   make conformance-protocol  the protocol suite (isim protocol) alone against all five
#                           targets into $(BUILD)/conformance/results-protocol, with
#                           protocol-diff.md (where the targets disagree, the RFC's side)
#   make conformance-lio-config  LIO configured by the real targetcli-fb in a guest
#                           vs reftarget --lio-config loaded from the saveconfig.json it
#                           wrote: libiscsi's tools and the protocol suite side by side
#                           (conformance/lio-config-diff.sh) into
#                           $(BUILD)/conformance/results-lio-config; also a step of
#                           make conformance
#   make conformance-images build the cached kernel, initramfs and guest rootfs
.PHONY: conformance conformance-lio conformance-lio-tcmu conformance-fast conformance-images conformance-protocol \
	conformance-lio-config

# The tests the fast runs leave out: they wait a minute on purpose.
CONF_SLOW_TESTS := ^SCSI\.Sanitize\.Reset$$

conformance: deps $(BUILD)/rel/reftarget $(BUILD)/rel/isim
ifeq ($(URL),)
	BUILD=$(BUILD) conformance/run.sh -t "reftarget tgt lio lio-tcmu istgt" -s "cu tools guest protocol" \
		-o $(BUILD)/conformance/results
	BUILD=$(BUILD) conformance/lio-config-diff.sh -o $(BUILD)/conformance/results/lio-config
else
	BUILD=$(BUILD) URL='$(URL)' URL2='$(URL2)' CHAP='$(CHAP)' TESTS='$(TESTS)' DESTRUCTIVE='$(DESTRUCTIVE)' conformance/url-run.sh
endif

# The protocol suite alone against the five targets (minutes, not an hour):
# its columns and protocol-diff.md, compared with the recorded run.
conformance-protocol: deps $(BUILD)/rel/reftarget $(BUILD)/rel/isim
	BUILD=$(BUILD) conformance/run.sh -t "reftarget tgt lio lio-tcmu istgt" -s "protocol" \
		-o $(BUILD)/conformance/results-protocol -r conformance/results

# targetcli's saveconfig.json, LIO and reftarget from it (minutes: one guest boot).
conformance-lio-config: deps $(BUILD)/rel/reftarget $(BUILD)/rel/isim
	BUILD=$(BUILD) conformance/lio-config-diff.sh -o $(BUILD)/conformance/results-lio-config

conformance-lio: deps
	BUILD=$(BUILD) conformance/run.sh -t "lio" -s "cu tools" \
		-o $(BUILD)/conformance/results-lio -r conformance/results

conformance-lio-tcmu: deps
	BUILD=$(BUILD) conformance/run.sh -t "lio-tcmu" -s "cu tools" \
		-o $(BUILD)/conformance/results-lio-tcmu -r conformance/results

conformance-fast: deps $(BUILD)/rel/reftarget
	BUILD=$(BUILD) conformance/run.sh -t "reftarget tgt" -s "cu tools guest" -x '$(CONF_SLOW_TESTS)' \
		-o $(BUILD)/conformance/results-fast -r conformance/results

conformance-images: deps
	BUILD=$(BUILD) conformance/guest/lio-image.sh
	BUILD=$(BUILD) conformance/guest/initiator-image.sh
	BUILD=$(BUILD) conformance/guest/targetcli-image.sh
	BUILD=$(BUILD) conformance/guest/tcmu-image.sh
