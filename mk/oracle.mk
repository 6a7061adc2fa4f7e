# oracle: the simulator's protocol oracle over anyone's traffic (`isim
# oracle`, sim/host/cmd_oracle.c; sim/README.md, "The oracle on captures").
#
#   make oracle PCAP=file [PORTS=3260,3261] [DIGESTS=header,data|none|auto]
#                 reads a pcap/pcapng capture, reassembles every iSCSI
#                 connection, checks both directions; each rule broken on its
#                 own line (frame, PDU, rule, RFC 7143 section), then
#                 "oracle: N PDUs on C connections, V violations"; exit 0 iff
#                 V is 0
#   make oracle-test
#                 its own test (sim/tests/oracle_pcap.sh): libiscsi against
#                 reftarget captured live on the namespace's lo; clean, then
#                 with planted violations, reordering, loss, a mid-connection
#                 start, and garbage under ASan
.PHONY: oracle oracle-test

oracle: deps $(BUILD)/rel/isim
	@[ -n "$(PCAP)" ] || { echo "make oracle: PCAP=file is required (a pcap or pcapng capture)" >&2; exit 2; }
	$(BUILD)/rel/isim oracle --pcap '$(PCAP)' $(if $(PORTS),--port '$(PORTS)') $(if $(DIGESTS),--digests '$(DIGESTS)')

oracle-test: deps $(BUILD)/rel/isim $(BUILD)/asan/isim $(BUILD)/rel/reftarget
	tools/netns-run.sh sim/tests/oracle_pcap.sh $(BUILD)
