# 52-ceph.sh: the rbd backstore's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   ceph  a single-node Ceph, libiscsi's SBC tests through the rbd
#         backstore, the two-gateway failover with SIGSTOP/SIGCONT,
#         persistent reservations across a gateway failover
#         (tools/ceph-test.sh, what `make ceph-test` runs)
step ceph env BUILD="$BUILD" tools/ceph-test.sh
