# netfuzz: the network fuzzer against a live target (`isim netfuzz`,
# sim/host/cmd_netfuzz.c; fuzz/README.md, "Network fuzzer").
#
#   make netfuzz URL=iscsi://HOST:PORT/IQN/LUN [SECONDS=n] [SEED=s]
#                [CHAP=user:secret] [MUTUAL=user:secret] [RATE=n] [MUTATOR=name]
#                [SEEDS=dir] [COV_MAP=file]
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
		$(if $(RATE),--rate '$(RATE)') $(if $(MUTATOR),--mutator '$(MUTATOR)') $(if $(SEEDS),--seeds '$(SEEDS)') \
		$(if $(COV_MAP),--cov-map '$(COV_MAP)')

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

# Coverage-guided mode (fuzz/README.md, "Coverage-guided mode"): a
# reftarget whose engine, backstore and daemon are compiled by clang with
# -fsanitize-coverage=trace-pc-guard, and ref_target/daemon/cov/netcov.c
# (not instrumented, linked into this build only) counting edge hits in
# the map file named by RT_NETCOV_MAP, which isim netfuzz reads.
#
#   make netfuzz-cov [SECONDS=n] [SEED=s] [CASES=n]
#                edges reached with and without coverage guidance, the
#                same seed and number of cases against the same build
#                (sim/tests/netfuzz-cov.sh), into $(BUILD)/netfuzz/cov/
.PHONY: netfuzz-cov
NETCOV := $(BUILD)/netcov
NETCOV_CC ?= clang
NETCOV_CFLAGS := $(BASE_CFLAGS) -O2
NETCOV_SRC := $(ENGINE_SRC) $(BS_SRC) $(DAEMON_SRC) ref_target/daemon/main.c

$(NETCOV)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$< [netcov])$(NETCOV_CC) $(NETCOV_CFLAGS) -fsanitize-coverage=trace-pc-guard -c $< -o $@

$(NETCOV)/netcov.o: ref_target/daemon/cov/netcov.c | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$< [netcov])$(NETCOV_CC) $(NETCOV_CFLAGS) -c $< -o $@

$(NETCOV)/reftarget: $(patsubst %.c,$(NETCOV)/%.o,$(NETCOV_SRC)) $(NETCOV)/netcov.o | deps
	$(call say,LD,$@)$(NETCOV_CC) -o $@ $^ $(LIB_DAEMON) $(LIB_ENGINE)

-include $(patsubst %.c,$(NETCOV)/%.d,$(NETCOV_SRC)) $(NETCOV)/netcov.d

netfuzz-cov: deps $(BUILD)/rel/isim $(NETCOV)/reftarget
	tools/netns-run.sh sim/tests/netfuzz-cov.sh $(BUILD) $(if $(SECONDS),$(SECONDS),120) $(if $(SEED),$(SEED),1) $(CASES)

# Campaigns against the peers (fuzz/scripts/netfuzz-peer.sh): each of
# PEERS in turn (reftarget tgt istgt by default; lio, the conformance
# guest under QEMU TCG, on request), SECONDS each (600), under a
# supervisor that restarts it (lio: also when LIO stops answering logins),
# in the loopback-only namespace, at nice 10;
# then $(BUILD)/netfuzz/peers/summary.md, the table tools/report.sh puts in
# REPORT.md, with the published rows (fuzz/results/netfuzz/rows/) of the
# peers not run here; `make publish` copies each row and its findings to
# fuzz/results/netfuzz/ unless the published run of that peer ended later.
#
#   make netfuzz-peers [PEERS="reftarget tgt istgt"] [SECONDS=600] [SEED=1]
#   make netfuzz-peers PEERS=lio SECONDS=1800   LIO in the guest
.PHONY: netfuzz-peers
PEERS ?= reftarget tgt istgt
netfuzz-peers: deps $(BUILD)/rel/isim $(BUILD)/rel/reftarget
	@mkdir -p $(BUILD)/netfuzz/peers
	for p in $(PEERS); do \
		nice -n 10 tools/netns-run.sh env BUILD=$(BUILD) fuzz/scripts/netfuzz-peer.sh $$p \
			$(if $(SECONDS),$(SECONDS),600) $(BUILD)/netfuzz/peers $(if $(SEED),$(SEED),1) || exit 1; \
	done
	fuzz/scripts/netfuzz-summary.sh $(BUILD)/netfuzz/peers

# The corpus exchange (fuzz/scripts/netfuzz-corpus.py; fuzz/README.md,
# "Corpus exchange"):
#   make netfuzz-corpus   every netfuzz case under $(BUILD)/netfuzz (runs'
#                         findings and corpora) -> $(BUILD)/fuzz/seeds/<h>/,
#                         which make fuzz-minimize merges into fuzz/corpus/<h>;
#                         fuzz/corpus/{pdu,scsi} -> $(BUILD)/netfuzz/seeds/,
#                         for make netfuzz SEEDS=$(BUILD)/netfuzz/seeds
#   make netfuzz-corpus-test  its test (sim/tests/netfuzz-corpus.sh)
.PHONY: netfuzz-corpus netfuzz-corpus-test
netfuzz-corpus: deps
	python3 fuzz/scripts/netfuzz-corpus.py to-netfuzz $(BUILD)/netfuzz/seeds fuzz/corpus/pdu fuzz/corpus/scsi
	python3 fuzz/scripts/netfuzz-corpus.py to-harness $(BUILD)/fuzz/seeds $(BUILD)/netfuzz

netfuzz-corpus-test: deps $(BUILD)/rel/isim $(BUILD)/rel/reftarget $(FUZZ_REP_BINS)
	tools/netns-run.sh sim/tests/netfuzz-corpus.sh $(BUILD)
