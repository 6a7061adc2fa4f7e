#!/usr/bin/env bash
# engine-purity.sh [LIBENGINE]: the engine (ref_target/core and
# ref_target/scsi, archived as $BUILD/rel/libengine.a, the default) reaches
# the world only through struct rt_env (DESIGN.md): it reads no clock, no
# randomness, no environment, does no I/O and keeps no mutable global state,
# so the daemon, the simulator and the unit tests drive the same code.
# Checked on the compiled objects, whatever the sources are named:
#   1. every symbol the archive uses and does not define is on ALLOW below
#      (libc functions that only compute on the memory they are given,
#      nettle's hashes, ISA-L's CRC32C, what the compiler itself refers to);
#   2. no object lives in a writable section (.data, .bss, thread-local,
#      common): tables are const, state lives in the engine's allocations.
# Then it checks itself: the archive plus a probe calling time(NULL), and
# plus a probe keeping a static counter, must each fail and name the probe.
set -uo pipefail
cd "$(dirname "$0")/../.."
lib=${1:-${BUILD:-build}/rel/libengine.a}
CC=${CC:-gcc}

# Allowed external symbols, each a function of its arguments alone.
ALLOW=(
	# bytes and strings in memory the caller owns
	memchr memcmp memcpy memmove memset
	strcasecmp strchr strcmp strlen strncasecmp strncmp strnlen strrchr strstr
	# formatting into a caller's buffer (never a stream)
	snprintf vsnprintf
	# text to an address, for config validation (no name lookup)
	inet_pton
	# a violated invariant ends the process: its message never returns to the engine
	__assert_fail
	# ISA-L's CRC32C of the bytes it is given (crc32c.c; it picks its code
	# path by cpuid once, every path giving the same CRC, tested against
	# the engine's own table)
	crc32_iscsi
	# the compiler's own: the GOT; the CPU feature table that
	# __builtin_cpu_supports reads; the stack protector's abort
	_GLOBAL_OFFSET_TABLE_ __cpu_model __stack_chk_fail
)
# nettle's functions hash and compare the bytes they are given.
ALLOW_PATTERN='^nettle_[a-z0-9_]+$'

# symbols ARCHIVE: one line per symbol of interest, from objdump's table
# (16-digit addresses: 64-bit objects), "KIND MEMBER NAME [SECTION]":
#   U  used and undefined in that member
#   D  defined globally (so a use in another member stays inside)
#   W  an object in a writable section
symbols() {
	objdump -t "$1" | awk '
	/file format/ { obj = $1; sub(/:$/, "", obj); next }
	index($0, "\t") == 0 { next }
	{
		split($0, half, "\t")
		sec = half[1]; sub(/.* /, "", sec)
		flags = substr($0, 18, 7)
		name = half[2]; sub(/^[0-9a-f]+ /, "", name); sub(/^\.hidden /, "", name)
		if (sec == "*UND*") { print "U", obj, name; next }
		if (flags ~ /[gwu]/) print "D", obj, name
		if (flags ~ /O/ && ((sec ~ /^\.(data|bss|tdata|tbss)/ && sec !~ /^\.data\.rel\.ro/) || sec == "*COM*"))
			print "W", obj, name, sec
	}'
}

# check ARCHIVE: prints each violation as "MEMBER: ..."; fails if any.
# Sets EXTERNALS to the symbols used from outside the archive.
EXTERNALS=
check() {
	local table kind obj name sec bad=0
	table=$(symbols "$1") || return 2
	[ -n "$table" ] || { echo "engine-purity: no symbols in $1"; return 2; }
	declare -A defined=() allowed=()
	for name in "${ALLOW[@]}"; do allowed[$name]=1; done
	while read -r kind obj name sec; do
		[ "$kind" = D ] && defined[$name]=1
	done <<<"$table"
	while read -r kind obj name sec; do
		case $kind in
		U)
			[ -n "${defined[$name]:-}" ] && continue
			[[ " $EXTERNALS " == *" $name "* ]] || EXTERNALS+=" $name"
			[ -n "${allowed[$name]:-}" ] && continue
			[[ $name =~ $ALLOW_PATTERN ]] && continue
			echo "$obj: calls $name (not on engine-purity.sh's ALLOW list: I/O, clock, randomness or environment?)"
			bad=1
			;;
		W)
			echo "$obj: mutable global state $name in $sec (make it const, or keep it in the engine)"
			bad=1
			;;
		esac
	done <<<"$table"
	return $bad
}

[ -f "$lib" ] || { echo "engine-purity: $lib not found (make $lib)"; exit 2; }
check "$lib"
rc=$?
[ $rc -eq 0 ] || { echo "engine-purity: $lib is not pure (above)"; exit 1; }
externals=$(wc -w <<<"$EXTERNALS")

# Self-check: the check can fail.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# probe NAME SOURCE WANT: the archive plus NAME.o must fail, naming WANT.
probe() {
	printf '%s\n' "$2" >"$tmp/$1.c"
	if ! "$CC" -std=c11 -O2 -c "$tmp/$1.c" -o "$tmp/$1.o"; then
		echo "engine-purity: self-check: cannot compile the $1 probe"
		return 1
	fi
	cp "$lib" "$tmp/lib.a" && ar rcs "$tmp/lib.a" "$tmp/$1.o" || return 1
	local out
	if out=$(check "$tmp/lib.a"); then
		echo "engine-purity: self-check: an engine with the $1 probe passed"
		return 1
	fi
	if ! grep -q "^$1.o: .*$3" <<<"$out"; then
		echo "engine-purity: self-check: the $1 probe failed without naming $3:"
		echo "$out"
		return 1
	fi
	echo "self-check: $(grep "^$1.o: " <<<"$out" | head -1)"
}
probe clock_probe '#include <time.h>
long clock_probe(void);
long clock_probe(void) { return (long)time(NULL); }' 'calls time ' || exit 1
probe state_probe 'int state_probe(void);
int state_probe(void) { static int calls; return ++calls; }' 'mutable global state calls' || exit 1

echo "summary: $lib uses $externals external symbols, all pure (ALLOW), and holds no mutable global state; a planted time(NULL) and a static counter are caught"
