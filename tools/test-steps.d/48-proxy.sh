# 48-proxy.sh: the fault-injecting proxy's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   proxy  isim proxy against reftarget and python peers: two runs of one
#          schedule give the same fault log; reset, blackhole, bandwidth,
#          limit_data, hold_r2t, cut_after_dataout and slicer each do what
#          they say; non-loopback addresses refused (sim/tests/proxy.sh)
step proxy tools/netns-run.sh sim/tests/proxy.sh "$BUILD"
#   live-smoke  one live scenario (21-partition-heavy-writes-short-timeout,
#          30 s) against two reftargets sharing a file, the simulator's
#          initiators through fault proxies, and its simulated twin: both
#          must meet the file's expectation (scenarios/live.sh)
step live-smoke tools/netns-run.sh env LIVE_SCENARIOS=21-partition-heavy-writes-short-timeout:reftarget \
	scenarios/live.sh "$BUILD/rel/isim" "$BUILD/scenarios-live-smoke"
#   guest-check  the open-iscsi guest's workload (guest_writer) on a file and
#          its judge (isim guest-check): a clean history passes, a lost write
#          is caught, failover from the kernel log, bad input refused; two
#          hosts' histories in one data oracle (a stale read across hosts
#          caught, one within the start lag not, one version space refused)
#          (sim/tests/guest_check.sh; the guest itself is make
#          scenarios-live-guest, not part of make test)
step guest-check sim/tests/guest_check.sh "$BUILD"
