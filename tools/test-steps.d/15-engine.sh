# 15-engine.sh: the engine's promises beyond its unit tests (sourced by
# tools/test.sh, which defines `step`).
#   engine-purity  ref_target/core and ref_target/scsi, as compiled into
#                  libengine.a, call only pure libc (no I/O, clock,
#                  randomness, environment) and nettle, and hold no mutable
#                  global state; a planted time(NULL) is caught
#                  (ref_target/tests/engine-purity.sh)
step engine-purity ref_target/tests/engine-purity.sh "$BUILD/rel/libengine.a"
