#!/usr/bin/env bash
# fresh-root.sh [CMD...]: run CMD (default: make test; a shell command line,
# so 'make run && make test' is one) in a clone of this
# repository's HEAD inside a Debian 12 root made new for this run, with only
# what a new user starts with (git, make, ca-certificates, sudo). Whatever
# CMD needs beyond that must be installed by the project itself
# (tools/deps.sh, which make calls): a package installed by hand on the
# machine that runs this cannot make it pass. `.ci/run` and
# `make fresh-check` call it.
#
# Phases, each timed and printed: root (debootstrap of bookworm, minbase),
# deps (CMD's start up to its first compile: tools/deps.sh's install) and
# test (the rest of CMD). The root is new every run; the .deb files it
# downloads are kept in FRESH_CACHE (default /var/cache/iscsi-sim/fresh,
# outside the clone) so that later runs fetch nothing twice.
#
# The root reaches Debian's registry as this machine does: its apt sources
# and apt settings are copied from /etc/apt. /proc, /sys, /dev and /run are
# mounted in for network namespaces, QEMU and Chromium. Everything is
# unmounted and the root removed on exit, whatever happened (a root whose
# mounts cannot all be undone is left in place, never deleted through them).
#
# Exit status: CMD's. The last line printed is CMD's last line (make test's
# SUMMARY line).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/iscsi-sim/fresh}
SUITE=bookworm
KEEP=${FRESH_KEEP:-0}
[ $# -gt 0 ] || set -- make test

if [ "$(id -u)" -ne 0 ]; then
	echo "fresh-root: needs root (debootstrap, chroot, mounts)" >&2
	exit 2
fi
if ! command -v debootstrap >/dev/null; then
	echo "fresh-root: installing debootstrap (this machine's tool, not the root's)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null; }
fi

if ! MIRROR=$("$HERE/tools/apt-mirror.sh" "$SUITE"); then
	echo "fresh-root: no apt source for $SUITE in /etc/apt: cannot tell debootstrap where Debian is" >&2
	exit 2
fi

mkdir -p "$CACHE/debootstrap" "$CACHE/archives/partial" /var/tmp
ROOT=$(mktemp -d /var/tmp/iscsi-sim-fresh.XXXXXX)
# Free space decides whether a run can finish (the build, the guests' images
# and the tests' traces take a few GB): say it first, where a log shows it.
echo "[fresh-root] $ROOT: $(df -h --output=avail /var/tmp | tail -n 1 | tr -d ' ') free on /var/tmp"

# mounted_under DIR: the mount points at or below DIR, deepest first.
mounted_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

cleanup() {
	local rc=$? pid m left
	set +e
	# Processes still running in the root are ours (started by CMD).
	for pid in /proc/[0-9]*; do
		[ "$(readlink "$pid/root" 2>/dev/null)" = "$ROOT" ] && kill -9 "${pid#/proc/}" 2>/dev/null
	done
	sleep 0.5
	for m in $(mounted_under "$ROOT"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	left=$(mounted_under "$ROOT")
	if [ -n "$left" ]; then
		echo "fresh-root: still mounted, $ROOT left in place: $left" >&2
	elif [ "$KEEP" = 1 ]; then
		echo "fresh-root: kept $ROOT (FRESH_KEEP=1)"
	else
		rm -rf --one-file-system "$ROOT"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase() { printf '[fresh-root] %s\n' "$*"; }
t_start=$(date +%s)

# ---- root ----
phase "root: debootstrap $SUITE (minbase + git make ca-certificates sudo) into $ROOT"
if ! debootstrap --variant=minbase --include=git,make,ca-certificates,sudo \
	--cache-dir="$CACHE/debootstrap" "$SUITE" "$ROOT" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
	tail -n 20 "$CACHE/debootstrap.log" >&2
	echo "fresh-root: debootstrap failed (log: $CACHE/debootstrap.log)" >&2
	exit 1
fi
# How this machine reaches the registry: its sources and apt settings
# (not its docker-clean, which would empty the .deb cache).
rm -f "$ROOT/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d/. "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
[ -e /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"
find "$ROOT/etc/apt/sources.list.d" -name '*.disabled*' -delete
for f in /etc/apt/apt.conf.d/*; do
	case "$(basename "$f")" in docker-clean) ;; *) cp "$f" "$ROOT/etc/apt/apt.conf.d/" ;; esac
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

# A root as a machine has it: / of mode 0755 (mktemp made it 0700, which
# keeps every user but root out of every path: a test that drops to
# another uid could not reach /tmp) and a mount point of its own
# (unshare -m --propagation private, which daemon_cmdline.sh's private /run
# needs, changes the propagation of /).
chmod 755 "$ROOT"
mount --bind "$ROOT" "$ROOT" && mount --make-private "$ROOT"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"
mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
mount --bind "$CACHE/archives" "$ROOT/var/cache/apt/archives"

# The clone under test: this repository's HEAD, and shared/ beside it as CI
# lays it out.
git clone -q --no-hardlinks "$HERE" "$ROOT/root/iscsi-sim"
git -C "$ROOT/root/iscsi-sim" checkout -q "$(git -C "$HERE" rev-parse HEAD)"
if [ -n "$(git -C "$HERE" status --porcelain --untracked-files=no)" ]; then
	phase "note: uncommitted changes in $HERE are not in the clone (HEAD $(git -C "$HERE" rev-parse --short HEAD) is)"
fi
[ -d "$HERE/../shared" ] && cp -a "$HERE/../shared" "$ROOT/root/shared"
t_root=$(date +%s)
phase "root: ready in $((t_root - t_start)) s"

# ---- deps, test ----
phase "running '$*' in the fresh root"
mark=$ROOT/root/.first-compile summary=$ROOT/root/.summary
set +e
chroot "$ROOT" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" CI="${CI:-}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	bash -c "cd /root/iscsi-sim && $*" 2>&1 |
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"  CC "* | "  LD "*) [ -e "$mark" ] || date +%s >"$mark" ;;
		SUMMARY:*) printf '%s\n' "$line" >"$summary" ;;
		esac
	done
rc=${PIPESTATUS[0]}
set -e
t_end=$(date +%s)
t_deps=$(cat "$mark" 2>/dev/null || echo "$t_end")
phase "phases: root $((t_root - t_start)) s, deps $((t_deps - t_root)) s, test $((t_end - t_deps)) s; total $((t_end - t_start)) s; exit $rc"
# The runner's summary line last, as CI reads it.
[ -s "$summary" ] && cat "$summary"
exit "$rc"
