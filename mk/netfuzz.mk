# netfuzz: the network fuzzer against a live target (`isim netfuzz`,
# sim/host/cmd_netfuzz.c; fuzz/README.md, "Network fuzzer").
#
#   make netfuzz URL=iscsi://HOST:PORT/IQN/LUN [SECONDS=n] [SEED=s]
#                [CHAP=user:secret] [MUTUAL=user:secret] [RATE=n] [MUTATOR=name]
#                fuzzes that target (loopback addresses only) for SECONDS
#                (default 60), findings and their minimized replay files
#                under $(BUILD)/netfuzz/; ends with
#                "netfuzz: N cases in S s, F findings", exit 0 iff F is 0
#   make netfuzz-test
#                the fuzzer's own test (sim/tests/netfuzz.sh): a smoke run
#                against reftarget finds nothing, the planted-bug reftargets
#                are found and minimized, a saved finding replays
#
# The planted bugs meant for it (sim/planted-bugs-net.txt) get an engine and
# a reftarget each: $(BUILD)/bug-<name>/reftarget.
.PHONY: netfuzz netfuzz-test netfuzz-bugs

NETFUZZ_DIR := $(BUILD)/netfuzz
NETFUZZ_BUGS := $(shell grep -o '^[a-z0-9_]\+' sim/planted-bugs-net.txt)

netfuzz: deps $(BUILD)/rel/isim
	@[ -n "$(URL)" ] || { echo "make netfuzz: URL=iscsi://HOST[:PORT]/IQN/LUN is required (fuzz/README.md)" >&2; exit 2; }
	@mkdir -p $(NETFUZZ_DIR)
	$(BUILD)/rel/isim netfuzz --url '$(URL)' --seconds '$(if $(SECONDS),$(SECONDS),60)' --out $(NETFUZZ_DIR) \
		$(if $(SEED),--seed '$(SEED)') $(if $(CHAP),--chap '$(CHAP)') $(if $(MUTUAL),--mutual '$(MUTUAL)') \
		$(if $(RATE),--rate '$(RATE)') $(if $(MUTATOR),--mutator '$(MUTATOR)')

# One engine and one reftarget per planted bug, release flags plus the
# switch (as mk/sim.mk does for the simulator's plants).
define netfuzz_bug
$(BUILD)/bug-$(1)/%.o: %.c | deps
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$< [$(1)])$$(CC) $$(REL_CFLAGS) -DRT_PLANT_BUG=$(1) -DRT_PLANT_BUG_$(1)=1 -c $$< -o $$@

$(BUILD)/bug-$(1)/libengine.a: $(patsubst %.c,$(BUILD)/bug-$(1)/%.o,$(ENGINE_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(BUILD)/bug-$(1)/reftarget: $(call objs,rel,ref_target/daemon/main.c) $(BUILD)/rel/libdaemon.a \
		$(BUILD)/rel/libbs.a $(BUILD)/bug-$(1)/libengine.a | deps
	$$(call say,LD,$$@)$$(CC) -o $$@ $$^ $$(LIB_DAEMON) $$(LIB_ENGINE)

-include $$(patsubst %.c,$(BUILD)/bug-$(1)/%.d,$(ENGINE_SRC))
endef
$(foreach b,$(NETFUZZ_BUGS),$(eval $(call netfuzz_bug,$(b))))

netfuzz-bugs: $(foreach b,$(NETFUZZ_BUGS),$(BUILD)/bug-$(b)/reftarget)

netfuzz-test: deps $(BUILD)/rel/isim $(BUILD)/asan/isim $(BUILD)/rel/reftarget netfuzz-bugs
	tools/netns-run.sh sim/tests/netfuzz.sh $(BUILD)
