# coverage: line and branch coverage of ref_target (engine, SCSI layer,
# backstores, daemon) by the unit tests and the integration tests (the
# latter against the gcov build of reftarget), with gcov/lcov. Both write
# into the same .gcda files (same objects), so the counts add up.
#
#   make coverage     -> $(BUILD)/coverage/summary.md, uncovered.md, html/index.html
#                        fails under COVERAGE_MIN_LINES / COVERAGE_MIN_BRANCHES (%),
#                        or when uncovered code has no reason in
#                        ref_target/tests/UNCOVERED.md (tools/coverage.sh)
#   make coverage COVERAGE_INTEGRATION=0   unit tests only (no namespace needed)
.PHONY: coverage
GCOV_CFLAGS := $(BASE_CFLAGS) -O0 --coverage
GCOV_LDFLAGS := --coverage
$(eval $(call variant,gcov,GCOV))

$(call objs,gcov,$(UNIT_SRC)): GCOV_CFLAGS += -Wno-missing-prototypes
$(call objs,gcov,ref_target/tests/main.c): GCOV_CFLAGS += -I$(BUILD)
$(call objs,gcov,ref_target/tests/main.c): $(BUILD)/suites.h

COVERAGE_INTEGRATION ?= 1
COVERAGE_MIN_LINES ?= 95
COVERAGE_MIN_BRANCHES ?= 85
# the control socket's tests drive the daemon with the rel reftarget-ctl
coverage: deps $(BUILD)/gcov/unit_tests $(BUILD)/gcov/reftarget $(BUILD)/rel/reftarget-ctl
	BUILD=$(BUILD) INTEGRATION=$(COVERAGE_INTEGRATION) MIN_LINES=$(COVERAGE_MIN_LINES) \
		MIN_BRANCHES=$(COVERAGE_MIN_BRANCHES) tools/coverage.sh
