# 30-scenarios.sh: the failover scenario library's share of `make test`
# (sourced by tools/test.sh, which defines `step`); scenarios/README.md.
#   scenarios              every scenario meets its expectation, the ones
#                          expecting a violation observe it (`make scenarios`,
#                          results in $BUILD/scenarios), and the run leaves the
#                          checkout clean (tools/clean-run.sh)
#   scenarios-determinism  the same scenario twice is the same world (ALUA
#                          cluster, reservations, swizzle-clog, heartbeats);
#                          sim/tests/determinism.sh, as sim-determinism
step scenarios tools/clean-run.sh make -s BUILD="$BUILD" scenarios
step scenarios-determinism sim/tests/determinism.sh "$BUILD/rel/isim" scenarios/[0-9]*.scn
