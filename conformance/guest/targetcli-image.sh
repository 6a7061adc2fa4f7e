#!/usr/bin/env bash
# targetcli-image.sh: build (once) the targetcli-fb guest: a Debian rootfs
# with LIO's admin tools and the small initramfs that mounts it.
#
# Owns $CONF_CACHE/targetcli/: debootstrap/ (Debian bookworm, minbase, with
# targetcli-fb and python3-rtslib-fb, and dbus: targetcli asks the system
# bus for tcmu-runner's handlers and stops if there is no bus; about a
# minute to make, so kept),
# rootfs.ext4 (that tree plus the LIO guest kernel's modules,
# conformance/guest/targetcli-init.sh as /sbin/conformance-init and
# conformance/guest/targetcli-session.txt as /etc/conformance/session.txt,
# made with mke2fs -d, no loop mount) and initramfs.cpio.gz (busybox-static
# with conformance/guest/initiator-stage1.sh as /init: loads virtio and
# ext4, mounts /dev/vda, switch_root). The kernel is the LIO guest's
# (guest/lio-image.sh), so LIO here is the same LIO the matrix tests. QEMU
# boots rootfs.ext4 with snapshot=on: every run starts from this image.
# Prints the cache directory.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

OUT=$CONF_CACHE/targetcli
LIO=$("$CONF_DIR/guest/lio-image.sh")
VER=$(cat "$LIO/kernel-version")
PACKAGES=targetcli-fb,python3-rtslib-fb,dbus,kmod,iproute2,util-linux,procps
. "$CONF_DIR/guest/stage1.bash"
mkdir -p "$OUT"

rootfs_tree() {
	local stamp="bookworm minbase $PACKAGES"
	[ -f "$OUT/debootstrap.stamp" ] && [ "$(cat "$OUT/debootstrap.stamp")" = "$stamp" ] && return 0
	conf_log "targetcli-image: debootstrap (about a minute)"
	rm -rf "$OUT/debootstrap"
	local mirror
	mirror=$("$CONF_DIR/../tools/apt-mirror.sh" bookworm) || conf_die "no apt source for bookworm in /etc/apt"
	mkdir -p /var/cache/apt/archives
	debootstrap --variant=minbase --include="$PACKAGES" --cache-dir=/var/cache/apt/archives \
		bookworm "$OUT/debootstrap" "$mirror" >"$OUT/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$OUT/debootstrap.log" >&2; conf_die "debootstrap failed"; }
	rm -rf "$OUT/debootstrap/var/cache/apt/archives"/*.deb
	echo "$stamp" >"$OUT/debootstrap.stamp"
}

rootfs_image() {
	local stamp tree=$OUT/debootstrap
	stamp=$(cat "$OUT/debootstrap.stamp" "$CONF_DIR/guest/targetcli-init.sh" \
		"$CONF_DIR/guest/targetcli-session.txt" "$0" "$LIO/kernel-version" | sha256sum | cut -c1-16)
	[ -s "$OUT/rootfs.ext4" ] && [ "$(cat "$OUT/rootfs.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$tree/lib/modules"
	mkdir -p "$tree/lib/modules" "$tree/etc/conformance"
	cp -a "$LIO/root/lib/modules/$VER" "$tree/lib/modules/"
	install -m 755 "$CONF_DIR/guest/targetcli-init.sh" "$tree/sbin/conformance-init"
	install -m 644 "$CONF_DIR/guest/targetcli-session.txt" "$tree/etc/conformance/session.txt"
	rm -f "$OUT/rootfs.ext4"
	mke2fs -q -t ext4 -d "$tree" -L conformance "$OUT/rootfs.ext4" 2G >/dev/null
	echo "$stamp" >"$OUT/rootfs.stamp"
}

rootfs_tree
[ "${1:-}" = --tree-only ] && exit 0
rootfs_image
stage1
echo "$OUT"
