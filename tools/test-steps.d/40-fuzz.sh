# 40-fuzz.sh: fuzzing's share of `make test` (sourced by tools/test.sh,
# which defines `step`); see fuzz/README.md.
#   fuzz-regress  every regression input and the checked-in corpora, replayed
#                 through the gcc ASan+UBSan build of each harness
#   fuzz-smoke    every harness under libFuzzer with ASan+UBSan for
#                 FUZZ_SMOKE_SECONDS each (40 here: about 4 minutes, plus
#                 the build of the fuzz binaries, about 3)
#   fuzz-truth    make fuzz's own promises with a planted crash
#                 (fuzz/tests/truth.sh, about 35 s): non-zero exit, crash
#                 file, stack, replay command; unknown names refused; the
#                 checkout left clean
#   fuzz-campaign make fuzz-campaign's own promises (fuzz/tests/campaign.sh,
#                 about 55 s): slices take turns, a ledger row each with
#                 measured CPU, a planted crash saved and listed without
#                 stopping it, netfuzz seeds carried over, publish appends
#                 once, the checkout left clean
step fuzz-regress make -s BUILD="$BUILD" fuzz-regress
step fuzz-smoke make -s BUILD="$BUILD" FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-40}" fuzz-smoke
step fuzz-truth make -s BUILD="$BUILD" fuzz-truth
step fuzz-campaign make -s BUILD="$BUILD" fuzz-campaign-test
