# env.sh: what every fuzz script shares (sourced). Paths, sanitizer
# options, and per-harness libFuzzer settings.
#
# What runs write stays under $BUILD/fuzz (FZ): the work corpora
# ($FZ/work/<h>), what the fuzzers find ($FZ/crashes/<h>) and the results
# ($FZ/results). The checkout's fuzz/ is read only to them; make publish
# copies results into fuzz/results, make fuzz-minimize merges into
# fuzz/corpus.
BUILD=${BUILD:-build}
FZ=$BUILD/fuzz
FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DICT=$FUZZ_DIR/iscsi.dict
FZ_WORK=$FZ/work
FZ_CRASHES=$FZ/crashes
FZ_RESULTS=$FZ/results
# Open findings' UBSan reports are suppressed (fuzz/ubsan.supp); every
# other report stops the run. Leak checking stays on (LSan via ASan).
export UBSAN_OPTIONS="suppressions=$FUZZ_DIR/ubsan.supp:halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
# Open findings (fuzz/FINDINGS.md) fail only when asked.
export FZ_STRICT=${FZ_STRICT:-0}

# The longest input worth generating per harness: a stream of PDUs needs
# room, a single text message less.
fuzz_max_len() {
	case $1 in
	pdu | session | scsi | capture) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

# Smoke seconds of harness $1 out of the default $2: capture (isim
# oracle's reassembler, framer and oracle, not the engine) gets
# FUZZ_SMOKE_CAPTURE_SECONDS (20) so that it adds well under 45 s to make
# test; make fuzz HARNESS=capture is its long run.
fuzz_smoke_seconds() {
	case $1 in
	capture) echo $((${FUZZ_SMOKE_CAPTURE_SECONDS:-20} < $2 ? ${FUZZ_SMOKE_CAPTURE_SECONDS:-20} : $2)) ;;
	*) echo "$2" ;;
	esac
}

# libFuzzer flags common to every run of harness $1.
fuzz_lf_flags() {
	echo "-dict=$DICT -max_len=$(fuzz_max_len "$1") -timeout=10 -rss_limit_mb=4096 -print_final_stats=1"
}

# The seed folder of harness $1: its checked-in corpus
# (fuzz/corpus/<h>) or, for a harness that has none yet, a seed folder made
# under work folder $2 with a one-byte input (AFL++ refuses to start
# without a non-empty one).
fuzz_seed_dir() {
	if [ -d "$FUZZ_DIR/corpus/$1" ]; then
		echo "$FUZZ_DIR/corpus/$1"
		return
	fi
	mkdir -p "$2/seeds"
	[ -s "$2/seeds/newline" ] || echo >"$2/seeds/newline"
	echo "fuzz $1: no checked-in corpus (fuzz/corpus/$1): starting from $2/seeds;" \
		"make fuzz-minimize HARNESS=$1 creates one" >&2
	echo "$2/seeds"
}

# The first lines of a sanitizer or oracle report in log $1: what went
# wrong, the access, and the first FUZZ_FRAMES (8) frames of the first
# stack (where it happened; not where the memory came from).
fuzz_stack_excerpt() {
	awk -v max="${FUZZ_FRAMES:-8}" '
		/==[0-9]+==ERROR|runtime error|==fz==|ERROR: libFuzzer|^SUMMARY:/ && !said[$0]++ { print; next }
		/^(READ|WRITE) of size/ && !access++ { print; next }
		/^ *#[0-9]+ 0x/ { if (!ended && frames < max) { print; frames++ } next }
		frames > 0 { ended = 1 }
	' "$1" | head -n $((${FUZZ_FRAMES:-8} + 8))
}
