# 48-proxy.sh: the fault-injecting proxy's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   proxy  isim proxy against reftarget and python peers: two runs of one
#          schedule give the same fault log; reset, blackhole, bandwidth,
#          limit_data, hold_r2t, cut_after_dataout and slicer each do what
#          they say; non-loopback addresses refused (sim/tests/proxy.sh)
step proxy tools/netns-run.sh sim/tests/proxy.sh "$BUILD"
