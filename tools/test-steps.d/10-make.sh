# 10-make.sh: the build's own promises (sourced by tools/test.sh, which
# defines `step`).
#   make-order  under --jobs, every compile, link and archive starts after
#               tools/deps.sh has finished (tools/tests/make-order.sh)
step make-order tools/tests/make-order.sh
