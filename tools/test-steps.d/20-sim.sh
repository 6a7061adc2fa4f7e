# 20-sim.sh: the simulator's share of `make test` (sourced by tools/test.sh,
# which defines `step`). sim/README.md says what each oracle checks.
#   sim-build             isim, sim unit tests, the planted-bug isim variants
#   sim-purity            the deterministic core calls no OS function
#   sim-readme-files      sim/README.md's file table names exactly sim/'s files
#   sim-unit(-asan)       sim/tests unit tests (Check), plain and sanitized
#   sim-determinism       same seed, same world: trace hashes and JSONL bytes
#                         (seeds, and a scenario that fails on purpose)
#   sim-scenarios         sim/tests/scenarios/*.scn meet their `expect` lines
#   sim-timeline          the SVG timeline of a stale write: legend, gateway
#                         rows, path -> gateway, the oracle's mark on the
#                         write's version, wrapped text; the trace's dio.write
#                         carries that version
#   sim-headline          isim run's headline I/O counts are the metrics'
#   sim-pcap              tshark decodes every PDU of isim's pcap, none
#                         malformed (seeds 1 3 8: a half-close; a scenario
#                         with Rejects)
#   sim-cli               isim's command line: strict numbers and ranges,
#                         unknown commands/options named, unwritable output
#                         files fail, scenario errors name FILE:LINE
#   sim-lio-config        isim run --lio-config: the file's target, ACL names,
#                         CHAP and MaxRecvDataSegmentLength on the wire (pcap)
#   sim-shard             4 shards merged = the unsharded swarm (report byte
#                         for byte but its Wall time line); the k8s Job's
#                         command run locally; merge refuses bad shard sets
#   sim-swarm             300 seeded worlds (60 simulated s, 2 gateways,
#                         4 initiators, faults drawn per seed): no oracle fires
#   sim-swarm-asan        a few worlds under ASan/UBSan (sim and engine)
#   sim-swarm-erl         100 worlds with ErrorRecoveryLevels and noisy links
#                         drawn (run draw_erl=yes): no oracle fires
#   sim-swarm-all-draws   100 worlds with every draw flag at once: ERLs and
#                         noisy links (draw_erl), host life cycles
#                         (draw_hosts), half with persistent reservations in
#                         one shared record (draw_pr_shared), multipath
#                         variants (draw_mpath), half with connections per
#                         session and a connection's reset (draw_mcs): no
#                         oracle fires (replaces sim-swarm-pr-shared and
#                         sim-swarm-mcs, which took two of these each)
#   sim-planted-list      sim/planted-bugs.txt names every bug planted in
#                         the engine or the simulator's initiator, and
#                         only those, each with the file that plants it
#   sim-catches-<bug>     each planted bug (the target's or the
#                         initiator's) is caught within 100 seeds, or by
#                         the scenario family planted.sh names (the
#                         oracles can fail)
#   sim-initiator-vs-tgt  the simulated initiator against tgt on loopback
#   sim-oracle-pcap       isim oracle over live captures of libiscsi against
#                         reftarget: clean (0 violations), planted violations
#                         each found with its rule and frame, reordering,
#                         loss and mid-connection starts still clean, garbage
#                         captures under ASan (sim/tests/oracle_pcap.sh)
SIM_PLANT_SEEDS=100
step sim-build make -s BUILD="$BUILD" sim sim-bugs
step sim-purity sim/tests/purity.sh
step sim-readme-files sim/tests/readme_files.sh
step sim-unit "$BUILD/rel/sim_tests"
step sim-unit-asan "$BUILD/asan/sim_tests"
step sim-determinism sim/tests/determinism.sh "$BUILD/rel/isim" 1 2 3 4 5 6 \
	sim/tests/scenarios/misdirected-writes.scn
step sim-scenarios sim/tests/scenarios.sh "$BUILD/rel/isim" sim/tests/scenarios/*.scn
step sim-timeline sim/tests/timeline.sh "$BUILD/rel/isim" scenarios/01-stale-write-fencing-off.scn
step sim-headline sim/tests/headline.sh "$BUILD/rel/isim" scenarios/09-pr-failover-unshared-state.scn \
	scenarios/05-all-paths-down-fail.scn 1
step sim-pcap sim/tests/pcap.sh "$BUILD/rel/isim" 1 3 8 sim/tests/scenarios/zombie-gateway-without-fencing.scn
step sim-cli sim/tests/cli.sh "$BUILD/rel/isim"
step sim-lio-config sim/tests/lio_config.sh "$BUILD/rel/isim"
step sim-shard sim/tests/shard.sh "$BUILD/rel/isim"
step sim-swarm "$BUILD/rel/isim" swarm --seeds 1..300 --jobs 2
step sim-swarm-asan "$BUILD/asan/isim" swarm --seeds 1..12 --jobs 2
step sim-swarm-erl "$BUILD/rel/isim" swarm --seeds 1..100 --jobs 2 --set 'run draw_erl=yes'
step sim-swarm-all-draws "$BUILD/rel/isim" swarm --seeds 1..100 --jobs 2 --set 'run draw_erl=yes' \
	--set 'run draw_hosts=yes' --set 'run draw_pr_shared=yes' --set 'run draw_mpath=yes' --set 'run draw_mcs=yes'
step sim-planted-list sim/tests/planted-list.sh
for bug in $(grep -o '^[a-z0-9_]\+' sim/planted-bugs.txt); do
	step "sim-catches-$bug" sim/tests/planted.sh "$BUILD" "$bug" "$SIM_PLANT_SEEDS"
done
step sim-initiator-vs-tgt tools/netns-run.sh sim/tests/live_tgt.sh "$BUILD"
step sim-oracle-pcap tools/netns-run.sh sim/tests/oracle_pcap.sh "$BUILD"
