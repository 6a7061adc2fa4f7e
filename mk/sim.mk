# sim: the deterministic simulator and its program isim (sim/README.md).
#
#   make sim           isim (release and sanitizer builds) and the sim unit tests
#   make sim-test      the simulator's share of `make test`, alone, then its
#                      results for REPORT.md (sim/results/*.md)
#   make bench-sim     simulated seconds per wall second -> $(BUILD)/bench-sim.md
#                      (part of `make bench`)
#   make sim-bugs      isim against engines built with each planted bug
#   make swarm [SEEDS=1..300] [SHARD=I/N] [SWARM_JOBS=n]
#                      a swarm of seeded worlds (one shard of it with SHARD)
#                      into $(BUILD)/sim/swarm/: <name>.md report, <name>.res
#                      results file (`isim merge` input), <name>.log output;
#                      progress on stderr as it runs
#
# isim links the engine library the top Makefile builds ($(BUILD)/<variant>/
# libengine.a). Planted bugs are compiled here with -DRT_PLANT_BUG=<name>
# -DRT_PLANT_BUG_<name>=1 into $(BUILD)/bug-<name>/: the engine for a bug
# planted in ref_target, the simulator's core for one planted in sim/ (the
# initiator's), the other side as released.
.PHONY: sim sim-test bench-sim sim-bugs swarm
BENCH_TARGETS += bench-sim

# The planted bugs: sim/planted-bugs.txt is the one list, a name and the
# file its switch lives in a line; SIM_BUG_SIDES pairs them as name:ref_target
# or name:sim (the side compiled with the switch).
SIM_BUGS := $(shell grep -o '^[a-z0-9_]\+' sim/planted-bugs.txt)
SIM_BUG_SIDES := $(shell sed -nE 's/^([a-z][a-z0-9_]*)[[:space:]]+(ref_target|sim)\/.*/\1:\2/p' sim/planted-bugs.txt)
# By folder (sim/README.md): sim/host/ may talk to the OS (CLI, file
# output); every other folder but tests/ is the deterministic core, checked
# for it by sim/tests/purity.sh.
SIM_HOST_SRC := $(sort $(wildcard sim/host/*.c))
SIM_CORE_SRC := $(sort $(filter-out sim/host/% sim/tests/%,$(wildcard sim/*/*.c)))
SIM_TEST_SRC := $(sort $(wildcard sim/tests/test_*.c))
LIB_SIM := -lnettle -lisal -lpcap -lm

sim: deps $(BUILD)/rel/isim $(BUILD)/asan/isim $(BUILD)/rel/sim_tests $(BUILD)/asan/sim_tests \
	$(BUILD)/rel/sim_live_probe $(BUILD)/rel/guest_writer

define sim_variant
$(BUILD)/$(1)/libsim.a: $(call objs,$(1),$(SIM_CORE_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/$(1)/isim: $(call objs,$(1),$(SIM_HOST_SRC)) $(BUILD)/$(1)/libsim.a $(BUILD)/$(1)/libdaemon.a \
		$(BUILD)/$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) $$($(2)_LDFLAGS) -o $$@ $$^ $$(LIB_SIM) $$(LIB_DAEMON)

$(BUILD)/$(1)/sim_tests: $(call objs,$(1),$(SIM_TEST_SRC)) $(BUILD)/$(1)/sim/runner.o $(BUILD)/$(1)/libsim.a \
		$(BUILD)/$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) $$($(2)_LDFLAGS) -o $$@ $$^ $$(LIB_CHECK) $$(LIB_SIM)

# The engine's unit test runner, with the simulator's list of suites.
$(BUILD)/$(1)/sim/runner.o: ref_target/tests/main.c $(BUILD)/sim-suites/suites.h | deps
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)$$(CC) $$($(2)_CFLAGS) -I$(BUILD)/sim-suites -c $$< -o $$@
$(call objs,$(1),$(SIM_TEST_SRC)): $(2)_CFLAGS += -Wno-missing-prototypes

-include $$(patsubst %.o,%.d,$(call objs,$(1),$(SIM_CORE_SRC) $(SIM_HOST_SRC) $(SIM_TEST_SRC)))
endef
$(eval $(call sim_variant,rel,REL))
$(eval $(call sim_variant,asan,ASAN))

$(BUILD)/rel/sim_live_probe: $(call objs,rel,sim/tests/live_probe_main.c) $(BUILD)/rel/libsim.a | deps
	$(call say,LD,$@)$(CC) -o $@ $^ $(LIB_SIM)
# its header dependencies too: a stale probe object against a newer
# libsim.a (a changed struct isess) crashed the proxy test's probe
-include $(BUILD)/rel/sim/tests/live_probe_main.d

# guest_writer: the open-iscsi guest's workload in live runs
# (scenarios/live-guest.sh copies it into the guest; Debian 12 on both sides).
$(BUILD)/rel/guest_writer: $(call objs,rel,sim/tests/guest_writer_main.c) $(BUILD)/rel/libsim.a | deps
	$(call say,LD,$@)$(CC) -o $@ $^ -lpthread
-include $(BUILD)/rel/sim/tests/guest_writer_main.d

# The sim's suites, found as the engine's are.
$(BUILD)/sim-suites/suites.h: $(SIM_TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho 'Suite \*suite_[a-z0-9_]*(void)' $(SIM_TEST_SRC) | \
		sed 's/Suite \*\(suite_[a-z0-9_]*\)(void)/SUITE(\1)/' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

# One isim per planted bug, release flags plus the switch on the side the
# bug lives in: $(1) the name, $(2) ref_target (its own libengine.a) or sim
# (its own libsim.a).
define sim_bug
$(BUILD)/bug-$(1)/%.o: %.c | deps
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$< [$(1)])$$(CC) $$(REL_CFLAGS) -DRT_PLANT_BUG=$(1) -DRT_PLANT_BUG_$(1)=1 -c $$< -o $$@

ifeq ($(2),sim)
$(BUILD)/bug-$(1)/libsim.a: $(patsubst %.c,$(BUILD)/bug-$(1)/%.o,$(SIM_CORE_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/bug-$(1)/isim: $(call objs,rel,$(SIM_HOST_SRC)) $(BUILD)/bug-$(1)/libsim.a $(BUILD)/rel/libdaemon.a \
		$(BUILD)/rel/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) -o $$@ $$^ $$(LIB_SIM) $$(LIB_DAEMON)

-include $$(patsubst %.c,$(BUILD)/bug-$(1)/%.d,$(SIM_CORE_SRC))
else
$(BUILD)/bug-$(1)/libengine.a: $(patsubst %.c,$(BUILD)/bug-$(1)/%.o,$(ENGINE_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/bug-$(1)/isim: $(call objs,rel,$(SIM_HOST_SRC)) $(BUILD)/rel/libsim.a $(BUILD)/rel/libdaemon.a \
		$(BUILD)/bug-$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) -o $$@ $$^ $$(LIB_SIM) $$(LIB_DAEMON)

-include $$(patsubst %.c,$(BUILD)/bug-$(1)/%.d,$(ENGINE_SRC))
endif
endef
$(foreach b,$(SIM_BUG_SIDES),$(eval $(call sim_bug,$(word 1,$(subst :, ,$(b))),$(word 2,$(subst :, ,$(b))))))

sim-bugs: $(foreach b,$(SIM_BUGS),$(BUILD)/bug-$(b)/isim)

sim-test: sim sim-bugs
	@BUILD=$(BUILD) bash -c 'step() { local n=$$1; shift; printf "%-28s " "$$n"; if "$$@" > $(BUILD)/sim-$$n.log 2>&1; then echo PASS; else echo FAIL; tail -20 $(BUILD)/sim-$$n.log; fi; }; . tools/test-steps.d/20-sim.sh'
	sim/tests/results.sh $(BUILD)

# Twice: the swarm's own worlds (512 or 4096-byte blocks, drawn per seed),
# then the same worlds on 512-byte blocks, whose transfers are 8x smaller.
bench-sim: deps $(BUILD)/rel/isim
	$(BUILD)/rel/isim bench --seeds 1..20 --report $(BUILD)/bench-sim-drawn.md
	$(BUILD)/rel/isim bench --seeds 1..20 --set 'lu block_size=512' --report $(BUILD)/bench-sim-512.md
	{ cat $(BUILD)/bench-sim-drawn.md; echo; \
	  echo "The same worlds, every LU on 512-byte blocks (\`--set 'lu block_size=512'\`):"; echo; \
	  tail -n +3 $(BUILD)/bench-sim-512.md; } > $(BUILD)/bench-sim.md

# The swarm's progress (stderr) shows as it runs: make syncs no output.
SEEDS ?= 1..300
SHARD ?=
SWARM_JOBS ?= $(shell nproc)
SWARM_DIR := $(BUILD)/sim/swarm
SWARM_NAME = swarm-$(SEEDS)$(if $(SHARD),-shard-$(subst /,-of-,$(SHARD)))
swarm: deps $(BUILD)/rel/isim
	@mkdir -p $(SWARM_DIR)
	@set -o pipefail; out=$(SWARM_DIR)/$(SWARM_NAME); \
	rc=0; $(BUILD)/rel/isim swarm --seeds '$(SEEDS)' $(if $(SHARD),--shard '$(SHARD)') --jobs '$(SWARM_JOBS)' \
		--results "$$out.res" --report "$$out.md" > "$$out.log" || rc=$$?; \
	grep -E '^(FAIL|  replay|\(and|summary|isim:)' "$$out.log"; \
	[ -s "$$out.res" ] && echo "swarm: results $$out.res (isim merge input), report $$out.md, output $$out.log"; \
	exit $$rc
