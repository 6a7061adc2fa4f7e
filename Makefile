# iscsi-sim: one entry point.
#
#   make            build what a developer needs: the release reftarget and
#                   reftarget-ctl, unit tests and isim (make build: every
#                   variant, as make test does)
#   make test       install what is missing, build, run every test
#   make run        run the harness against the reference target (scenarios, swarm,
#                   conformance) and write build/report/index.html
#   make serve      serve the reference target on 127.0.0.1:3260 (1 GiB RAM LUN)
#   make fresh-check  what CI does: make test in a Debian 12 root made new for the run
#   make bench      reftarget vs tgt vs istgt (tools/bench.sh; BENCH_QUICK=1: 2-min smoke)
#
# Sources are discovered by directory, so adding a file needs no edit here.
# BUILD=dir puts all output elsewhere (parallel work trees, CI).

BUILD ?= build
CC ?= gcc
# Parallel, and unbuffered: a recipe's output appears as it is written
# (--output-sync would hold a long step's progress until it ends).
MAKEFLAGS += --jobs=$(shell nproc)
SHELL := /bin/bash
AR ?= ar

# Quiet by default, as kbuild and git are: one short line per compile, link
# or archive ("  CC  ref_target/core/conn.c"); V=1 prints full commands.
# $(call say,WHAT,NAME) goes in front of a recipe line.
V ?= 0
ifeq ($(V),1)
say =
else
say = @printf '  %-4s %s\n' '$(1)' '$(2)';
endif

# Every compile, link and archive rule has `| deps` (order-only): make runs
# tools/deps.sh to its end before any compiler starts, whatever --jobs is.
# DEPS_CMD is replaceable for tools/tests/make-order.sh, which checks this.
DEPS_CMD ?= tools/deps.sh --quiet

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wundef -Wvla -Wimplicit-fallthrough \
	-Wcast-qual -Wwrite-strings -Wold-style-definition -Wno-missing-field-initializers
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -MMD -MP -Iref_target -I. $(if $(filter 0,$(RBD)),-DBS_NO_RBD)
REL_CFLAGS := $(BASE_CFLAGS) -O2
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
ASAN_LDFLAGS := -fsanitize=address,undefined

# Libraries from Debian packages (tools/deps.sh installs them).
LIB_ENGINE := -lnettle -lisal
# The rbd backstore is built where librbd's headers are (bs.h tests with
# __has_include; tools/deps.sh installs librbd-dev librados-dev) and left
# out elsewhere; RBD=0 leaves it out anyway. Expanded when a link runs,
# after deps.sh, so a fresh root links what deps.sh just installed.
ifeq ($(RBD),0)
LIB_RBD :=
else
LIB_RBD = $(shell echo '\#include <rbd/librbd.h>' | $(CC) -E -x c - >/dev/null 2>&1 && echo -lrbd -lrados -pthread)
endif
LIB_DAEMON = -ljansson -luring $(LIB_RBD)
LIB_CHECK := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

ENGINE_SRC := $(sort $(wildcard ref_target/core/*.c ref_target/scsi/*.c))
BS_SRC := $(sort $(wildcard ref_target/backstore/*.c))
DAEMON_SRC := $(sort $(filter-out ref_target/daemon/main.c,$(wildcard ref_target/daemon/*.c)))
UNIT_SRC := $(sort $(wildcard ref_target/tests/*.c))

# $(call objs,variant,sources)
objs = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))

.PHONY: all build deps test run serve clean unit unit-asan valgrind integration help
# A plain `make` builds the release binaries one edit-compile-test loop uses;
# the sanitizer variants, planted-bug engines and the rest come with
# `make build` (which `make test` runs first).
all: deps $(BUILD)/rel/reftarget $(BUILD)/rel/reftarget-ctl $(BUILD)/rel/unit_tests $(BUILD)/rel/isim

deps:
	@$(DEPS_CMD)

build: deps $(BUILD)/rel/reftarget $(BUILD)/rel/reftarget-ctl $(BUILD)/asan/reftarget $(BUILD)/asan/reftarget-ctl $(BUILD)/rel/unit_tests $(BUILD)/asan/unit_tests sim

define variant
$(BUILD)/$(1)/%.o: %.c | deps
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)$$(CC) $$($(2)_CFLAGS) -c $$< -o $$@

$(BUILD)/$(1)/libengine.a: $(call objs,$(1),$(ENGINE_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/$(1)/libbs.a: $(call objs,$(1),$(BS_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/$(1)/libdaemon.a: $(call objs,$(1),$(DAEMON_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/$(1)/reftarget: $(call objs,$(1),ref_target/daemon/main.c) $(BUILD)/$(1)/libdaemon.a $(BUILD)/$(1)/libbs.a $(BUILD)/$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) $$($(2)_LDFLAGS) -o $$@ $$^ $$(LIB_DAEMON) $$(LIB_ENGINE)

# reftarget-ctl: the control socket's command line (ref_target/client)
$(BUILD)/$(1)/reftarget-ctl: $(call objs,$(1),ref_target/client/reftarget_ctl.c) | deps
	$$(call say,LD,$$@)$$(CC) $$($(2)_LDFLAGS) -o $$@ $$^ $$(LIB_DAEMON)

$(BUILD)/$(1)/unit_tests: $(call objs,$(1),$(UNIT_SRC)) $(BUILD)/$(1)/libdaemon.a $(BUILD)/$(1)/libbs.a $(BUILD)/$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) $$($(2)_LDFLAGS) -o $$@ $$^ $$(LIB_CHECK) $$(LIB_DAEMON) $$(LIB_ENGINE)

-include $$(patsubst %.o,%.d,$(call objs,$(1),$(ENGINE_SRC) $(BS_SRC) $(DAEMON_SRC) $(UNIT_SRC) ref_target/daemon/main.c ref_target/client/reftarget_ctl.c))
endef
REL_LDFLAGS :=
$(eval $(call variant,rel,REL))
$(eval $(call variant,asan,ASAN))

# Test files define their suite without a header of prototypes.
$(call objs,rel,$(UNIT_SRC)): REL_CFLAGS += -Wno-missing-prototypes
$(call objs,asan,$(UNIT_SRC)): ASAN_CFLAGS += -Wno-missing-prototypes

# The unit test runner finds every suite by name: each test file defines
# "Suite *suite_<name>(void)"; this list is generated, never hand-kept.
$(BUILD)/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@grep -ho 'Suite \*suite_[a-z0-9_]*(void)' $(UNIT_SRC) | sed 's/Suite \*\(suite_[a-z0-9_]*\)(void)/SUITE(\1)/' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(call objs,rel,ref_target/tests/main.c) $(call objs,asan,ref_target/tests/main.c): $(BUILD)/suites.h
$(call objs,rel,ref_target/tests/main.c): REL_CFLAGS += -I$(BUILD)
$(call objs,asan,ref_target/tests/main.c): ASAN_CFLAGS += -I$(BUILD)

unit: deps $(BUILD)/rel/unit_tests
	$(BUILD)/rel/unit_tests
unit-asan: deps $(BUILD)/asan/unit_tests
	$(BUILD)/asan/unit_tests

test: build
	@BUILD=$(BUILD) tools/test.sh

run: deps $(BUILD)/rel/reftarget $(BUILD)/rel/isim
	@BUILD=$(BUILD) tools/harness.sh

serve: deps $(BUILD)/rel/reftarget
	@BUILD=$(BUILD) tools/serve.sh

clean:
	rm -rf $(BUILD)

# What CI does (.ci/run): FRESH_CMD (default make test) in a clone of HEAD
# inside a Debian 12 root made new for the run; run it before you stop.
FRESH_CMD ?= make test
.PHONY: fresh-check
fresh-check:
	tools/fresh-root.sh $(FRESH_CMD)

# Each area (sim, fuzz, conformance, ...) owns its own make fragment; a
# fragment adds its benchmark to BENCH_TARGETS.
BENCH_TARGETS := bench-target
include $(sort $(wildcard mk/*.mk))

.PHONY: report publish
# REPORT.md: coverage and benchmarks measured now, the rest from the
# results the other commands left (tools/report.sh says which).
# PUBLISH=1 first copies those results into the committed folders.
# Coverage, then the benchmarks, one after the other: a benchmark that
# shares the two cores with the coverage run measures the coverage run.
report: $(if $(filter 1,$(PUBLISH)),publish)
	$(MAKE) coverage
	$(MAKE) --jobs=1 bench
	BUILD=$(BUILD) tools/report.sh REPORT.md

# Runs write under $(BUILD) only; this copies their results into the
# committed scenarios/results and fuzz/results (tools/publish.sh).
publish:
	@BUILD=$(BUILD) tools/publish.sh

.PHONY: bench bench-target
bench: $(BENCH_TARGETS)
bench-target: deps $(BUILD)/rel/reftarget
	BUILD=$(BUILD) tools/bench.sh

# The Makefile's own list, then each area's (the "#   make ..." block at
# the top of every mk/*.mk): one place per target, no second copy here.
help:
	@sed -n '3,10s/^#//p' Makefile
	@for f in mk/*.mk; do echo; awk 'NR > 1 && !/^#/ { exit } /^#   make / { on = 1 } on && /^#$$/ { exit } on { print substr($$0, 2) }' "$$f"; done
