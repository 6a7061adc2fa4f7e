# lib.sh (sourced): what the real-TCP tests of sim/tests share (proxy,
# netfuzz, oracle_pcap, scenarios/live.sh): the processes a test started,
# stopped by PID on exit whatever happened; PASS/FAIL counters; waiting
# for a loopback port.
#
#   pids+=($!)        after starting a daemon in the background
#   ok WHAT / bad WHAT  one PASS / FAIL line, counted in $pass / $fail
#   wait_port PORT    until 127.0.0.1:PORT accepts (10 s); else says so, 1

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
trap stop_all EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$1"; return 1
}
