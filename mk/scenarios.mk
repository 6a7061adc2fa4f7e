# scenarios: the failover scenario library (scenarios/README.md), replayed
# on the simulator.
#
#   make scenarios     every scenario once at its seed, and the seed families
#                      the files ask for: a progress line, the table
#                      $(SCENARIOS_OUT)/table.md (REPORT.md includes
#                      scenarios/results/table.md), SVG timelines; logs in
#                      $(BUILD)/scenario-logs
#
# `make test` runs the same with SCENARIOS_OUT=$(BUILD)/scenarios, so a test
# run never rewrites the committed results.
.PHONY: scenarios
SCENARIOS_OUT ?= scenarios/results

scenarios: deps $(BUILD)/rel/isim
	LOGS=$(BUILD)/scenario-logs scenarios/run.sh $(BUILD)/rel/isim $(SCENARIOS_OUT)
