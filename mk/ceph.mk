# ceph: the rbd backstore against a real single-node Ceph (tools/ceph-up.sh).
#
#   make ceph-test  in a loopback-only namespace: start Ceph (memstore, one
#                   mon, one OSD), run libiscsi's SBC tests through the rbd
#                   backstore and the two-gateway failover (owner paused
#                   mid-write, takeover by lock break and blocklist, the
#                   paused write rejected), persistent reservations shared
#                   through RADOS across a gateway failover, ALUA that
#                   follows the lock (STPG, bounded transfers); logs in
#                   $(BUILD)/ceph; ends with
#                   "ceph: N passed, F failed"
#
.PHONY: ceph-test

ceph-test: deps $(BUILD)/rel/reftarget
	@BUILD=$(BUILD) tools/ceph-test.sh
