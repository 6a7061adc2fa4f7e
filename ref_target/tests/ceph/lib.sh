# lib.sh: what the Ceph gateway tests (failover.sh, pr.sh, alua.sh) share,
# sourced after each sets T (its temp folder) and PIDS (the gateways it
# started). The tests stop only what they started, by PID.

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
# expect NAME WANT OUTPUT: OUTPUT's first line must be WANT
expect() { if [ "$(head -n1 <<<"$3")" = "$2" ]; then pass "$1"; else fail "$1" "want '$2', got '$(tr '\n' ' ' <<<"$3")'"; fi; }

# ceph_cleanup KEEP_DIR: the summary line; every gateway stopped (CONT for
# a stopped one, TERM first: a drained exit writes the gcov build's counts
# for make coverage; KILL after 10 s); on failure the tail of each log;
# $T copied to KEEP_DIR when set, then removed.
ceph_cleanup() {
	local p alive keep=${1:-}
	echo "summary: $passed passed, $failed failed"
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 50); do
		alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.2
	done
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$failed" -gt 0 ]; then
		for f in "$T"/*.log; do
			echo "--- $f"
			tail -n 25 "$f"
		done
	fi
	[ -n "$keep" ] && cp -r "$T" "$keep"
	rm -rf "$T"
}
