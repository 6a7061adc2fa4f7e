# fuzz: AFL++ and libFuzzer harnesses over every parser of the engine and
# over whole sessions (fuzz/README.md).
#
#   make fuzz-smoke          every harness for FUZZ_SMOKE_SECONDS (45; capture 20) under
#                            ASan+UBSan, then the regressions; part of make test
#   make fuzz HARNESS=x [ENGINE=libfuzzer|afl] [SECONDS=n] [JOBS=n]
#                            a long run (SECONDS, default 600) with a progress
#                            line; exits 1 if it found a crash or hang (printing
#                            the file, the sanitizer's first frames and the
#                            command that replays it), 2 if it could not start;
#                            crashes land in $(BUILD)/fuzz/crashes/<harness>/,
#                            the corpus grows in $(BUILD)/fuzz/work/<harness>/corpus,
#                            the summary in $(BUILD)/fuzz/results/runs/
#   make fuzz-regress        replay fuzz/regressions and fuzz/corpus (gcc ASan)
#   make fuzz-report [SECONDS=n]  exec/s, edges, ref_target line coverage and
#                            corpus size per harness (n seconds per measurement,
#                            default 20) into $(BUILD)/fuzz/results/fuzz.md
#   make fuzz-minimize HARNESS=x   merge $(BUILD)/fuzz/work/x/corpus into fuzz/corpus/x, minimized
#   make fuzz-corpus         capture seed corpora from libiscsi against reftarget
#                            and LIO (in QEMU; its image is built on the host,
#                            the capture runs in a loopback-only namespace)
#   make fuzz-build          every binary (libFuzzer, AFL++, replay, coverage)
#   make fuzz-campaign [SECONDS=3600] [SLICE=600] [HARNESSES="..."] [ENGINES="libfuzzer afl"]
#                            a campaign at nice 19 (FUZZ_CAMPAIGN_NICE) for SECONDS: slices of SLICE s, each
#                            time the (harness, engine) with the fewest CPU-seconds so
#                            far (HARNESSES: every harness and netfuzz, the network
#                            fuzzer against reftarget), corpora merged after each,
#                            one row per slice in $(BUILD)/fuzz/results/campaign.tsv;
#                            a finding is saved and listed, never a stop
#   make fuzz-campaign-publish  append that ledger to fuzz/results/campaign.tsv and
#                            regenerate fuzz/results/campaign.md (also by make publish)
#
# Runs leave the checkout clean: everything they write is under $(BUILD)/;
# `make publish` (or `make report PUBLISH=1`) copies the results into the
# committed fuzz/results/.
#
# One source per harness (fuzz/harness_<name>.c) builds four ways:
#   lf   clang -fsanitize=fuzzer,address,undefined          $(BUILD)/fuzz/lf/<name>
#   afl  afl-clang-fast (FUZZ_AFL_CC) + ASan/UBSan, AFL++'s libFuzzer driver
#   fast clang -fsanitize=fuzzer -O2, no sanitizer: throughput (fuzz-report)
#   rep  gcc with the Makefile's sanitizer flags + fuzz/replay.c (regressions)
#   cov  clang source-based coverage + fuzz/replay.c (fuzz-report)
.PHONY: fuzz fuzz-smoke fuzz-regress fuzz-report fuzz-minimize fuzz-corpus fuzz-build fuzz-truth \
	fuzz-campaign fuzz-campaign-publish fuzz-campaign-test

FUZZ_HARNESSES := $(sort $(patsubst fuzz/harness_%.c,%,$(wildcard fuzz/harness_*.c)))
FUZZ_SUPPORT_SRC := $(sort $(filter-out fuzz/replay.c $(wildcard fuzz/harness_*.c),$(wildcard fuzz/*.c)))
# Engine, the test environment the harnesses reuse (linked, not copied), support.
# The capture harness adds isim oracle's reassembler, framer and oracle.
FUZZ_SIM_SRC := sim/host/cap_link.c sim/host/cap_tcp.c sim/host/cap_iscsi.c sim/oracle/protocol.c sim/oracle/protocol_login.c \
	sim/initiator/pdu.c sim/initiator/text_keys.c sim/initiator/crc32c.c
# The ctl harness: the control socket's requests and the configuration
# loader/saver of the daemon they feed (its I/O half, ctl.c, stays out).
FUZZ_DAEMON_SRC := ref_target/daemon/ctl_req.c ref_target/daemon/ctl_cmd.c ref_target/daemon/ctl_ls.c \
	ref_target/daemon/dcfg.c ref_target/daemon/dcfg_json.c ref_target/daemon/dcfg_jread.c ref_target/daemon/dcfg_locate.c \
	ref_target/daemon/dcfg_lio.c ref_target/daemon/dcfg_lio_tpg.c ref_target/daemon/dcfg_save.c \
	ref_target/daemon/dcfg_lio_save.c
FUZZ_LIB_SRC := $(ENGINE_SRC) ref_target/tests/fake_env.c $(FUZZ_SUPPORT_SRC) $(FUZZ_SIM_SRC) $(FUZZ_DAEMON_SRC)
FZ := $(BUILD)/fuzz

FUZZ_CLANG ?= clang
FUZZ_AFL_CC ?= afl-clang-fast
FUZZ_SMOKE_SECONDS ?= 45
HARNESS ?= session
ENGINE ?= libfuzzer
JOBS ?= 1
# SECONDS: one number for both commands, with the default each needs: a
# long run of make fuzz, one measurement of make fuzz-report (three per
# harness).
FUZZ_RUN_SECONDS := $(if $(SECONDS),$(SECONDS),600)
FUZZ_REPORT_SECONDS := $(if $(SECONDS),$(SECONDS),20)
FUZZ_ENGINES := libfuzzer afl

FUZZ_BASE := -std=c11 -D_GNU_SOURCE -g $(WARN) -MMD -MP -Iref_target -I.
# UBSan classes with an open finding are built recoverable so that
# fuzz/ubsan.supp can name them; fz.c makes every report halt otherwise.
FUZZ_RECOVER := -fsanitize-recover=nonnull-attribute
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all $(FUZZ_RECOVER) -fno-omit-frame-pointer
LF_CFLAGS := $(FUZZ_BASE) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	-fsanitize-coverage-ignorelist=fuzz/coverage.ignore
LF_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
AFL_CFLAGS := $(FUZZ_BASE) -O1 $(FUZZ_SAN)
AFL_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
REP_CFLAGS := $(ASAN_CFLAGS) $(FUZZ_RECOVER)
REP_LDFLAGS := $(ASAN_LDFLAGS)
FAST_CFLAGS := $(FUZZ_BASE) -O2 -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=fuzz/coverage.ignore
FAST_LDFLAGS := -fsanitize=fuzzer
COV_CFLAGS := $(FUZZ_BASE) -O0 -fprofile-instr-generate -fcoverage-mapping
COV_LDFLAGS := -fprofile-instr-generate

# $(call fuzz_variant,name,compiler,CFLAGS,LDFLAGS,main-source)
define fuzz_variant
$(FZ)/$(1)/obj/%.o: %.c | deps
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$< [$(1)])$(2) $(3) -c $$< -o $$@

$(FZ)/$(1)/libfz.a: $$(patsubst %.c,$(FZ)/$(1)/obj/%.o,$(FUZZ_LIB_SRC)) | deps
	@rm -f $$@
	$$(call say,AR,$$@)$$(AR) rcs $$@ $$^

$(FZ)/$(1)/%: $(FZ)/$(1)/obj/fuzz/harness_%.o $(5) $(FZ)/$(1)/libfz.a | deps
	$$(call say,LD,$$@)$(2) $(4) -o $$@ $$^ $(LIB_ENGINE) $(LIB_DAEMON)

-include $$(patsubst %.c,$(FZ)/$(1)/obj/%.d,$(FUZZ_LIB_SRC) fuzz/replay.c $(wildcard fuzz/harness_*.c))
endef
$(eval $(call fuzz_variant,lf,$(FUZZ_CLANG),$(LF_CFLAGS),$(LF_LDFLAGS),))
$(eval $(call fuzz_variant,afl,$(FUZZ_AFL_CC),$(AFL_CFLAGS),$(AFL_LDFLAGS),))
$(eval $(call fuzz_variant,fast,$(FUZZ_CLANG),$(FAST_CFLAGS),$(FAST_LDFLAGS),))
$(eval $(call fuzz_variant,rep,$(CC),$(REP_CFLAGS),$(REP_LDFLAGS),$(FZ)/rep/obj/fuzz/replay.o))
$(eval $(call fuzz_variant,cov,$(FUZZ_CLANG),$(COV_CFLAGS),$(COV_LDFLAGS),$(FZ)/cov/obj/fuzz/replay.o))
# Harness objects are built through a chained pattern rule: keep them.
.SECONDARY: $(foreach v,lf afl fast rep cov,$(patsubst %,$(FZ)/$(v)/obj/fuzz/harness_%.o,$(FUZZ_HARNESSES))) \
	$(FZ)/rep/obj/fuzz/replay.o $(FZ)/cov/obj/fuzz/replay.o

# Test-only harnesses (fuzz/tests/harness_<name>.c): tiny targets that
# prove make fuzz's own behaviour (fuzz/tests/truth.sh plants a crash).
# `make fuzz FUZZ_TEST=1 HARNESS=<name>` only: never in the harness list,
# fuzz-smoke, fuzz-build or the report. They link no engine.
FUZZ_TEST_HARNESSES := $(sort $(patsubst fuzz/tests/harness_%.c,%,$(wildcard fuzz/tests/harness_*.c)))
FUZZ_TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -O1 $(FUZZ_SAN)
$(addprefix $(FZ)/lf/,$(FUZZ_TEST_HARNESSES)): $(FZ)/lf/%: fuzz/tests/harness_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CLANG) $(FUZZ_TEST_CFLAGS) -fsanitize=fuzzer -o $@ $<
$(addprefix $(FZ)/afl/,$(FUZZ_TEST_HARNESSES)): $(FZ)/afl/%: fuzz/tests/harness_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_AFL_CC) $(FUZZ_TEST_CFLAGS) -fsanitize=fuzzer -o $@ $<

FUZZ_LF_BINS := $(addprefix $(FZ)/lf/,$(FUZZ_HARNESSES))
FUZZ_AFL_BINS := $(addprefix $(FZ)/afl/,$(FUZZ_HARNESSES))
FUZZ_REP_BINS := $(addprefix $(FZ)/rep/,$(FUZZ_HARNESSES))
FUZZ_COV_BINS := $(addprefix $(FZ)/cov/,$(FUZZ_HARNESSES))
FUZZ_FAST_BINS := $(addprefix $(FZ)/fast/,$(FUZZ_HARNESSES))

fuzz-build: deps $(FUZZ_LF_BINS) $(FUZZ_AFL_BINS) $(FUZZ_FAST_BINS) $(FUZZ_REP_BINS) $(FUZZ_COV_BINS)

fuzz-regress: deps $(FUZZ_REP_BINS)
	@BUILD=$(BUILD) fuzz/scripts/regress.sh $(FUZZ_HARNESSES)

fuzz-smoke: deps $(FUZZ_LF_BINS) $(FUZZ_REP_BINS)
	@BUILD=$(BUILD) FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz/scripts/smoke.sh $(FUZZ_HARNESSES)

# An unknown HARNESS or ENGINE builds nothing and stops with the valid
# names (exit 2), rather than make's "No rule to make target".
FUZZ_RUNNABLE := $(FUZZ_HARNESSES) $(if $(filter 1,$(FUZZ_TEST)),$(FUZZ_TEST_HARNESSES))
FUZZ_HARNESS_OK := $(filter $(HARNESS),$(FUZZ_RUNNABLE))
FUZZ_ENGINE_OK := $(filter $(ENGINE),$(FUZZ_ENGINES))
define fuzz_check_names
	@$(if $(FUZZ_HARNESS_OK),,echo "make $@: unknown HARNESS=$(HARNESS); valid: $(FUZZ_HARNESSES)" >&2; exit 2)
	@$(if $(FUZZ_ENGINE_OK),,echo "make $@: unknown ENGINE=$(ENGINE); valid: $(FUZZ_ENGINES)" >&2; exit 2)
endef

fuzz: deps $(if $(and $(FUZZ_HARNESS_OK),$(FUZZ_ENGINE_OK)),$(FZ)/lf/$(HARNESS) \
	$(if $(filter afl,$(ENGINE)),$(FZ)/afl/$(HARNESS)))
	$(fuzz_check_names)
	@BUILD=$(BUILD) fuzz/scripts/run.sh $(HARNESS) $(ENGINE) $(FUZZ_RUN_SECONDS) $(JOBS)

fuzz-minimize: deps $(if $(filter $(HARNESS),$(FUZZ_HARNESSES)),$(FZ)/lf/$(HARNESS))
	@$(if $(filter $(HARNESS),$(FUZZ_HARNESSES)),,echo "make $@: unknown HARNESS=$(HARNESS); valid: $(FUZZ_HARNESSES)" >&2; exit 2)
	@BUILD=$(BUILD) fuzz/scripts/minimize.sh $(HARNESS)

fuzz-report: deps $(FUZZ_LF_BINS) $(FUZZ_FAST_BINS) $(FUZZ_COV_BINS)
	@BUILD=$(BUILD) FUZZ_REPORT_SECONDS=$(FUZZ_REPORT_SECONDS) fuzz/scripts/report.sh $(FUZZ_HARNESSES)

fuzz-corpus: deps $(BUILD)/rel/reftarget
	@BUILD=$(BUILD) fuzz/scripts/capture.sh

# make fuzz's own promises (fuzz/tests/truth.sh, a make test step): a
# planted crash fails the run and is reported, unknown names are refused,
# a harness without a corpus gets one, the checkout stays clean.
fuzz-truth: deps
	@BUILD=$(BUILD) fuzz/tests/truth.sh

# Campaigns that add up across sessions (fuzz/scripts/campaign.sh; fuzz/README.md,
# "Campaigns"): HARNESSES names in-process harnesses and/or netfuzz (isim
# netfuzz, coverage-guided, against $(BUILD)/netcov/reftarget in the
# loopback-only namespace); ENGINES applies to the in-process ones.
# nice 19 takes only idle CPU; on an idle machine a lower one gives AFL++
# (a fork and a wake-up per input, which nice 19 delays most) its share.
FUZZ_CAMPAIGN_NICE ?= 19
FUZZ_CAMPAIGN_HARNESSES := $(if $(HARNESSES),$(HARNESSES),$(FUZZ_HARNESSES) netfuzz)
FUZZ_CAMPAIGN_ENGINES := $(if $(ENGINES),$(ENGINES),$(FUZZ_ENGINES))
FUZZ_CAMPAIGN_IN := $(filter $(FUZZ_HARNESSES),$(FUZZ_CAMPAIGN_HARNESSES))
fuzz-campaign: deps $(addprefix $(FZ)/lf/,$(FUZZ_CAMPAIGN_IN)) \
		$(if $(filter afl,$(FUZZ_CAMPAIGN_ENGINES)),$(addprefix $(FZ)/afl/,$(FUZZ_CAMPAIGN_IN))) \
		$(if $(filter netfuzz,$(FUZZ_CAMPAIGN_HARNESSES)),$(BUILD)/rel/isim $(BUILD)/netcov/reftarget)
	@BUILD=$(BUILD) nice -n $(FUZZ_CAMPAIGN_NICE) fuzz/scripts/campaign.sh run '$(if $(SECONDS),$(SECONDS),3600)' \
		'$(if $(SLICE),$(SLICE),600)' '$(FUZZ_CAMPAIGN_HARNESSES)' '$(FUZZ_CAMPAIGN_ENGINES)'

fuzz-campaign-publish:
	@BUILD=$(BUILD) fuzz/scripts/campaign.sh publish

# Its own test (fuzz/tests/campaign.sh, the fuzz-campaign step of make test).
fuzz-campaign-test: deps $(FZ)/lf/planted $(FZ)/lf/pdu $(BUILD)/rel/isim $(BUILD)/netcov/reftarget
	@BUILD=$(BUILD) tools/netns-run.sh fuzz/tests/campaign.sh
