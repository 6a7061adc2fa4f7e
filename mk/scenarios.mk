# scenarios: the failover scenario library (scenarios/README.md), replayed
# on the simulator.
#
#   make scenarios     every scenario once at its seed, and the seed families
#                      the files ask for: a progress line, the table
#                      $(SCENARIOS_OUT)/table.md, SVG timelines; logs in
#                      $(BUILD)/scenario-logs
#
# SCENARIOS_OUT is $(BUILD)/scenarios: a run never rewrites the committed
# results (scenarios/results/, which REPORT.md falls back to); `make
# publish` (or `make report PUBLISH=1`) copies a run's table and timelines
# there.
.PHONY: scenarios
SCENARIOS_OUT ?= $(BUILD)/scenarios

scenarios: deps $(BUILD)/rel/isim
	LOGS=$(BUILD)/scenario-logs scenarios/run.sh $(BUILD)/rel/isim $(SCENARIOS_OUT)
