#!/usr/bin/env bash
# tcmu-image.sh: build (once) the LIO + TCMU guest of the lio-tcmu column
# (conformance/targets/lio-tcmu.sh): a Debian rootfs with tcmu-runner and
# the small initramfs that mounts it.
#
# Owns $CONF_CACHE/tcmu/: debootstrap/ (Debian bookworm, minbase, with
# tcmu-runner 1.5.4 and its handlers, qemu-utils for the qcow2 files the
# handler serves, and dbus: tcmu-runner registers org.kernel.TCMUService1
# on the system bus; about a minute to make, so kept), rootfs.ext4 (that
# tree plus the LIO guest kernel's modules, target_core_user among them,
# and conformance/guest/tcmu-init.sh as /sbin/conformance-init, made with
# mke2fs -d, no loop mount) and initramfs.cpio.gz (stage1.bash: busybox,
# virtio and ext4, switch_root). The kernel is the LIO guest's
# (guest/lio-image.sh), so the LIO in front of TCMU is the LIO the lio
# column tests. QEMU boots rootfs.ext4 with snapshot=on: every run starts
# from this image.
#
# Why qcow: Debian 12's tcmu-runner ships no plain "file" handler (upstream
# builds handler_file.so only as an example); its handlers are
# handler_qcow.so, handler_rbd.so, handler_file_optical.so (an MMC
# CD/DVD device) and handler_file_zbc.so (a zoned ZBC disk). qcow, a
# qcow2 file on the guest's tmpfs, is the one that is a plain SBC disk on a
# local file. rbd would need a Ceph the guest can reach (see
# conformance/README.md, "lio-tcmu").
# Prints the cache directory.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

OUT=$CONF_CACHE/tcmu
LIO=$("$CONF_DIR/guest/lio-image.sh")
VER=$(cat "$LIO/kernel-version")
PACKAGES=tcmu-runner,qemu-utils,dbus,kmod,iproute2,util-linux,procps
. "$CONF_DIR/guest/stage1.bash"
mkdir -p "$OUT"

rootfs_tree() {
	local stamp="bookworm minbase $PACKAGES"
	[ -f "$OUT/debootstrap.stamp" ] && [ "$(cat "$OUT/debootstrap.stamp")" = "$stamp" ] && return 0
	conf_log "tcmu-image: debootstrap (about a minute)"
	rm -rf "$OUT/debootstrap"
	local mirror
	mirror=$("$CONF_DIR/../tools/apt-mirror.sh" bookworm) || conf_die "no apt source for bookworm in /etc/apt"
	mkdir -p /var/cache/apt/archives
	debootstrap --variant=minbase --include="$PACKAGES" --cache-dir=/var/cache/apt/archives \
		bookworm "$OUT/debootstrap" "$mirror" >"$OUT/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$OUT/debootstrap.log" >&2; conf_die "debootstrap failed"; }
	rm -rf "$OUT/debootstrap/var/cache/apt/archives"/*.deb
	ls "$OUT"/debootstrap/usr/lib/*/tcmu-runner/handler_qcow.so >/dev/null 2>&1 ||
		conf_die "tcmu-runner's qcow handler is missing from the tree"
	echo "$stamp" >"$OUT/debootstrap.stamp"
}

rootfs_image() {
	local stamp tree=$OUT/debootstrap
	stamp=$(cat "$OUT/debootstrap.stamp" "$CONF_DIR/guest/tcmu-init.sh" "$0" "$LIO/kernel-version" |
		sha256sum | cut -c1-16)
	[ -s "$OUT/rootfs.ext4" ] && [ "$(cat "$OUT/rootfs.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$tree/lib/modules"
	mkdir -p "$tree/lib/modules"
	cp -a "$LIO/root/lib/modules/$VER" "$tree/lib/modules/"
	install -m 755 "$CONF_DIR/guest/tcmu-init.sh" "$tree/sbin/conformance-init"
	rm -f "$OUT/rootfs.ext4"
	mke2fs -q -t ext4 -d "$tree" -L conformance "$OUT/rootfs.ext4" 2G >/dev/null
	echo "$stamp" >"$OUT/rootfs.stamp"
}

rootfs_tree
[ "${1:-}" = --tree-only ] && exit 0
rootfs_image
stage1
echo "$OUT"
