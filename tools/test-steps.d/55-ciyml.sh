# 55-ciyml.sh: CI.yml's share of `make test` (sourced by tools/test.sh,
# which defines `step`).
#   ci-yml  the `run:` commands of CI.yml's main job replayed in a temp
#           folder, against our reftarget through the worked start hook, a
#           few iscsi-test-cu tests and the libiscsi tools (about a minute
#           after reftarget's build); then the uploaded paths and every make
#           target CI.yml names are checked (tools/tests/ciyml.sh). It
#           replays the committed HEAD: a clone stands in for the checkout.
step ci-yml tools/netns-run.sh tools/tests/ciyml.sh
