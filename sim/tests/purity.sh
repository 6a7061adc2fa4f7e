#!/usr/bin/env bash
# purity.sh: the deterministic core of sim/ never calls the operating
# system and keeps no mutable global state (sim/README.md, "Rules").
# The deterministic core is every sim/ folder but host/ (the programs that
# may touch the OS) and tests/.
set -uo pipefail
cd "$(dirname "$0")/../.."
core=$(ls sim/*/*.c sim/*/*.h | grep -v -E '^sim/(host|tests)/')
bad=0
# Calls that reach the OS or hidden state: allocation, clocks, libc
# randomness, environment, threads, files and stdio streams, sockets.
calls='(^|[^a-z_>.])(malloc|calloc|realloc|free|time|clock_gettime|gettimeofday|rand|srand|random|drand48|getenv|pthread_[a-z_]+|fopen|fwrite|fread|printf|puts|fputs|read|write|socket|send|recv|sleep|usleep|fork|getpid)\('
if grep -n -E "$calls" $core | grep -v -E '^\S+:[0-9]+:\s*(/\*|\*)'; then
	echo "purity: OS or global-state calls in the deterministic core (above)"
	bad=1
fi
# File-scope variables must be const (tables are fine, state is not).
if grep -n -E '^(static )?(unsigned |struct |enum |const )*[a-z_0-9]+ \**[a-z_0-9]+(\[[^]]*\])* *(=|;)' $core |
	grep -v -E ':(struct|enum) [a-z_0-9]+;$' |
	grep -v -E ':(static )?const |^[^:]+:[0-9]+:(typedef|extern|return)'; then
	echo "purity: mutable file-scope variables in the deterministic core (above)"
	bad=1
fi
n=$(echo "$core" | wc -w)
if [ $bad -eq 0 ]; then
	echo "summary: $n files of the deterministic core call no OS function and hold no mutable globals"
fi
exit $bad
