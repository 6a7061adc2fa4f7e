# env.sh: what every fuzz script shares (sourced). Paths, sanitizer
# options, and per-harness libFuzzer settings.
BUILD=${BUILD:-build}
FZ=$BUILD/fuzz
FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DICT=$FUZZ_DIR/iscsi.dict
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
	pdu | session | scsi) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

# libFuzzer flags common to every run of harness $1.
fuzz_lf_flags() {
	echo "-dict=$DICT -max_len=$(fuzz_max_len "$1") -timeout=10 -rss_limit_mb=4096 -print_final_stats=1"
}
