#!/usr/bin/env bash
# deps.sh: install every Debian package the project needs, idempotently.
# Every build, test, bench and report step's package is here: .ci/run runs
# make test in a fresh Debian 12 root with nothing else installed
# (tools/fresh-root.sh), so a missing line fails CI, not a user.
#
# Fast when nothing is missing (one dpkg-query), so `make` can call it every
# time. Runs `apt-get update` at most once, and only when something is
# missing. --quiet prints nothing when everything is present.
set -euo pipefail

PACKAGES=(
	# build
	gcc make pkg-config binutils git
	# engine: CHAP digests (MD5, SHA-1, SHA-256, SHA3-256); CRC32C digests
	# (ISA-L's crc32_iscsi, for the engine and the simulator)
	nettle-dev libisal-dev
	# daemon: JSON configuration; io_uring for file and block LUs
	libjansson-dev liburing-dev
	# unit tests and memory checks
	check libsubunit-dev valgrind
	# integration tests: real initiator tools and suite, and libiscsi's
	# headers for the test clients we compile (pr_tool.c, iobench.c);
	# network namespaces, process tools
	libiscsi-bin libiscsi-dev iproute2 util-linux procps
	# coverage; time-driven daemon behaviour (libfaketime preloaded by
	# ref_target/tests/integration/daemon_faketime.sh)
	lcov faketime libfaketime
	# fuzzing (seeds.py of make fuzz-corpus is the one Python script)
	clang llvm libclang-rt-14-dev afl++ python3
	# traces; xmllint checks the timeline SVG is well-formed
	libpcap-dev tshark libxml2-utils
	# conformance peers: tgt, istgt, LIO in a QEMU guest, open-iscsi guest
	tgt istgt qemu-system-x86 busybox-static cpio kmod zstd xz-utils debootstrap socat e2fsprogs
	# the rbd backstore (librbd's headers) and a single-node Ceph for its
	# tests (make ceph-test: tools/ceph-up.sh, one mon and one OSD)
	ceph-mon ceph-osd ceph-common librbd-dev librados-dev
	# make bench's write cross-check: qemu-img bench with QEMU's iscsi:// driver
	qemu-utils qemu-block-extra
	# the HTML report, rendered and checked in a real browser
	chromium
)

quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

# One query for all; a package dpkg has never heard of prints no line.
installed=" $({ dpkg-query -W -f='${db:Status-Status}=${Package} ' "${PACKAGES[@]}" 2>/dev/null || true; } | tr ' ' '\n' | sed -n 's/^installed=//p' | tr '\n' ' ') "
missing=()
for p in "${PACKAGES[@]}"; do
	case "$installed" in *" $p "*) ;; *) missing+=("$p") ;; esac
done

if [ "${#missing[@]}" -eq 0 ]; then
	[ "$quiet" = 1 ] || echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
