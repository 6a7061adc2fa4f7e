#!/usr/bin/env bash
# initiator-image.sh: build (once) the open-iscsi guest: a Debian rootfs and
# the small initramfs that mounts it.
#
# Owns $CONF_CACHE/initiator/: debootstrap/ (Debian bookworm, minbase, with
# open-iscsi and e2fsprogs; ~51 s to make, so kept), rootfs.ext4 (that tree
# plus the guest kernel's modules and conformance/guest/initiator-test.sh as
# /sbin/conformance-init, made with mke2fs -d, no loop mount) and
# initramfs.cpio.gz (busybox-static: loads virtio and ext4, mounts /dev/vda,
# switch_root). The kernel is the LIO guest's (guest/lio-image.sh). QEMU
# boots rootfs.ext4 with snapshot=on, so every run starts from this image.
# Prints the cache directory.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

OUT=$CONF_CACHE/initiator
LIO=$("$CONF_DIR/guest/lio-image.sh")
VER=$(cat "$LIO/kernel-version")
PACKAGES=open-iscsi,multipath-tools,e2fsprogs,kmod,iproute2,util-linux,procps,sg3-utils
. "$CONF_DIR/guest/stage1.bash"
mkdir -p "$OUT"

rootfs_tree() {
	local stamp="bookworm minbase $PACKAGES"
	[ -f "$OUT/debootstrap.stamp" ] && [ "$(cat "$OUT/debootstrap.stamp")" = "$stamp" ] && return 0
	conf_log "initiator-image: debootstrap (about a minute)"
	rm -rf "$OUT/debootstrap"
	# The mirror apt uses here; the .deb files go to apt's own cache (in
	# tools/fresh-root.sh's roots, a cache that outlives the root).
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
	stamp=$(cat "$OUT/debootstrap.stamp" "$CONF_DIR/guest/initiator-test.sh" "$0" "$LIO/kernel-version" | sha256sum | cut -c1-16)
	[ -s "$OUT/rootfs.ext4" ] && [ "$(cat "$OUT/rootfs.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$tree/lib/modules"
	mkdir -p "$tree/lib/modules"
	cp -a "$LIO/root/lib/modules/$VER" "$tree/lib/modules/"
	install -m 755 "$CONF_DIR/guest/initiator-test.sh" "$tree/sbin/conformance-init"
	rm -f "$OUT/rootfs.ext4"
	mke2fs -q -t ext4 -d "$tree" -L conformance "$OUT/rootfs.ext4" 2G >/dev/null
	echo "$stamp" >"$OUT/rootfs.stamp"
}

rootfs_tree
rootfs_image
stage1
echo "$OUT"
