# live-sim-row.sh: sourced by scenarios/live.sh and scenarios/live-guest.sh.
# sim_row NAME: run scenarios/NAME.scn in the simulator ($isim), keep its
# output in $out/NAME.sim.out and append its row (the fidelity table's
# columns) to $out/rows.tsv; true when it met the file's expectation.
# The twin runs on the disk the live gateways have: one plain file that no
# gateway locks (`disk exclusive_lock=no`). The simulated disk's default is
# a Ceph RBD image's exclusive lock, which moves between gateways as they
# write; in 05 fail it made host 1's writes through gateway 0 and host 0's
# through gateway 1 take the lock in turn, host 0's I/O answered NOT READY
# on gateway 1 until its path to gateway 0 was back: a fail over at 34.0 s
# that no live run can show (none with the lock off, as in the guest).
sim_row() {
	local s=$1
	"$isim" run --scenario "scenarios/$s.scn" --set 'disk exclusive_lock=no' >"$out/$s.sim.out" 2>&1
	awk -v s="$s" '
		function secs(v) {
			if (v == 0) return "-"
			if (v ~ /ms$/) return sprintf("%.1f", v / 1e3)
			if (v ~ /us$/) return sprintf("%.1f", v / 1e6)
			if (v ~ /ns$/) return sprintf("%.1f", v / 1e9)
			return sprintf("%.1f", v + 0)
		}
		/^expectation:/ { e = $0; sub(/^expectation: /, "", e); sub(/;.*/, "", e)
			v = $0; sub(/.*observed: /, "", v); sub(/:.*/, "", v) }
		/metrics:/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); m[kv[1]] = kv[2] } }
		/^seed .* wall / { w = $0; sub(/.* wall /, "", w); sub(/s .*/, "", w) }
		END { printf "%s\tsim\t%s\t%s\t%s\t%s\t%d\t%d\t-\t%.1f\n", s, v, e, secs(m["failover"]),
			secs(m["latency_max"]), m["io_failed"], m["path_failures"], w }
	' "$out/$s.sim.out" >>"$out/rows.tsv"
	grep -q '^expectation: .*: met$' "$out/$s.sim.out"
}
