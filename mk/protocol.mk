# protocol: the iSCSI protocol conformance suite against any target
# (`isim protocol`, sim/host/cmd_protocol.c; conformance/PROTOCOL.md).
#
#   make protocol URL=iscsi://HOST:PORT/IQN/LUN [URL2=...] [CHAP=user:secret]
#                 [MUTUAL=user:secret] [SEED=n] [TESTS=id,id] [ASYNC_TRIGGER='cmd']
#                 runs the suite against that target (loopback addresses
#                 only), writes $(BUILD)/protocol/protocol.md and .log, and
#                 ends with "protocol: N tests, P pass, F fail, A na";
#                 exit 0 iff no test failed
#   make protocol-test
#                 the suite's own test (sim/tests/protocol.sh): reftarget
#                 passes, with and without CHAP, with MC/S and discovery
#                 CHAP, redirecting, with a session quota, stopped by
#                 --async-trigger; a reftarget built with the
#                 planted bug maxcmdsn_off_by_one fails ffp.window-full
.PHONY: protocol protocol-test

PROTOCOL_DIR := $(BUILD)/protocol
# The planted bug the suite's own test must catch (sim/planted-bugs.txt).
PROTOCOL_BUG := maxcmdsn_off_by_one

protocol: deps $(BUILD)/rel/isim
	@[ -n "$(URL)" ] || { echo "make protocol: URL=iscsi://HOST[:PORT]/IQN/LUN is required (conformance/PROTOCOL.md)" >&2; exit 2; }
	@mkdir -p $(PROTOCOL_DIR)
	$(BUILD)/rel/isim protocol --url '$(URL)' $(if $(URL2),--url2 '$(URL2)') $(if $(CHAP),--chap '$(CHAP)') \
		$(if $(MUTUAL),--mutual '$(MUTUAL)') $(if $(SEED),--seed '$(SEED)') $(if $(TESTS),--test '$(TESTS)') \
		$(if $(ASYNC_TRIGGER),--async-trigger '$(ASYNC_TRIGGER)') --out $(PROTOCOL_DIR)

# reftarget on the engine with the planted bug (the daemon and backstores as released).
$(BUILD)/bug-$(PROTOCOL_BUG)/reftarget: $(call objs,rel,ref_target/daemon/main.c) $(BUILD)/rel/libdaemon.a \
		$(BUILD)/rel/libbs.a $(BUILD)/bug-$(PROTOCOL_BUG)/libengine.a | deps
	$(call say,LD,$@)$(CC) -o $@ $^ $(LIB_DAEMON) $(LIB_ENGINE)

protocol-test: deps $(BUILD)/rel/isim $(BUILD)/rel/reftarget $(BUILD)/bug-$(PROTOCOL_BUG)/reftarget
	tools/netns-run.sh sim/tests/protocol.sh $(BUILD)
