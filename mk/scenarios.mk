# scenarios: the failover scenario library (scenarios/README.md), replayed
# on the simulator.
#
#   make scenarios     every scenario once at its seed, and the seed families
#                      the files ask for: a progress line, the table
#                      $(SCENARIOS_OUT)/table.md, SVG timelines; logs in
#                      $(BUILD)/scenario-logs
#   make scenarios-live  the live scenarios (scenarios/live.sh) against real
#                      targets (two reftargets, two tgtd sharing one file,
#                      LIO in the conformance guest) through fault proxies,
#                      each beside its simulated twin:
#                      $(BUILD)/scenarios-live/fidelity.md (about
#                      8 minutes; make publish records it in
#                      scenarios/results/live-fidelity.md for REPORT.md)
#   make scenarios-live-guest  the all-paths-down and partition scenarios (05,
#                      21), and the stale write (01) against two tgtd, with
#                      the real Linux initiator: open-iscsi and
#                      dm-multipath in the QEMU guest (TCG) as host 0, a file's
#                      host 1 the simulator's initiator beside it, through the
#                      same proxies, two reftargets (scenarios/live-guest.sh):
#                      $(BUILD)/scenarios-live-guest/fidelity.md (about 90 s
#                      a scenario; LIVE_GUEST_SCENARIOS="..." picks; make
#                      publish records it in scenarios/results/)
#
# SCENARIOS_OUT is $(BUILD)/scenarios: a run never rewrites the committed
# results (scenarios/results/, which REPORT.md falls back to); `make
# publish` (or `make report PUBLISH=1`) copies a run's table and timelines
# there.
.PHONY: scenarios
SCENARIOS_OUT ?= $(BUILD)/scenarios

scenarios: deps $(BUILD)/rel/isim
	LOGS=$(BUILD)/scenario-logs scenarios/run.sh $(BUILD)/rel/isim $(SCENARIOS_OUT)

# make scenarios-live: the live scenarios (scenarios/live.sh): each against
# two reftargets and two tgtd sharing one backing file, or LIO in the
# conformance guest (conformance/guest/lio-image.sh, cached), the simulator's
# initiators through fault proxies (`isim live`), next to the same file in
# the simulator: $(BUILD)/scenarios-live/fidelity.md (the section
# tools/report.sh includes; `make publish` copies it to
# scenarios/results/live-fidelity.md), fault logs and outputs beside it.
# 30 to 50 s per scenario and gateway kind; in a private loopback
# namespace.
.PHONY: scenarios-live
scenarios-live: deps $(BUILD)/rel/isim $(BUILD)/rel/reftarget
	BUILD=$(BUILD) tools/netns-run.sh scenarios/live.sh $(BUILD)/rel/isim $(BUILD)/scenarios-live

# make scenarios-live-guest: scenarios/live-guest.sh; the guest image is
# conformance/guest/initiator-image.sh's (built once, cached).
.PHONY: scenarios-live-guest
scenarios-live-guest: deps $(BUILD)/rel/isim $(BUILD)/rel/reftarget $(BUILD)/rel/guest_writer
	BUILD=$(BUILD) tools/netns-run.sh scenarios/live-guest.sh $(BUILD)/rel/isim $(BUILD)/scenarios-live-guest
