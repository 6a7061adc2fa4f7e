# coverage: line and branch coverage of ref_target (engine, SCSI layer,
# backstores, daemon) by the unit tests, with gcov/lcov.
#
#   make coverage     -> $(BUILD)/coverage/summary.md and html/index.html
.PHONY: coverage
GCOV_CFLAGS := $(BASE_CFLAGS) -O0 --coverage
GCOV_LDFLAGS := --coverage
$(eval $(call variant,gcov,GCOV))

$(call objs,gcov,$(UNIT_SRC)): GCOV_CFLAGS += -Wno-missing-prototypes
$(call objs,gcov,ref_target/tests/main.c): GCOV_CFLAGS += -I$(BUILD)
$(call objs,gcov,ref_target/tests/main.c): $(BUILD)/suites.h

coverage: deps $(BUILD)/gcov/unit_tests
	@find $(BUILD)/gcov -name '*.gcda' -delete
	$(BUILD)/gcov/unit_tests >/dev/null
	BUILD=$(BUILD) tools/coverage.sh
