#!/usr/bin/env bash
# lio-image.sh: build (once) the kernel and initramfs that run LIO in QEMU.
#
# Owns $CONF_CACHE/lio/: vmlinux (Debian's kernel, uncompressed: QEMU boots
# its PVH entry directly, which is quicker under TCG than decompressing a
# bzImage), initramfs.cpio.gz (busybox-static, the LIO modules and
# conformance/guest/lio-init.sh as /init) and kernel-version. The kernel comes
# from the linux-image-amd64 package's dependency, unpacked with dpkg-deb
# and never installed as this machine's kernel
# (shared/notes/peers-and-guests.md). Rebuilt when missing or when
# lio-init.sh changed; prints the cache directory.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

OUT=$CONF_CACHE/lio
INIT=$CONF_DIR/guest/lio-init.sh
mkdir -p "$OUT"

# The LIO fabric and backstores, their helpers, and the guest's NIC. CRC32C
# is loaded explicitly: iscsi_target_mod asks the crypto API for it by name
# when a login negotiates digests, which modprobe's dependencies miss.
MODULES=(configfs target_core_mod target_core_file target_core_iblock
	iscsi_target_mod crc32c_generic virtio_pci virtio_net)

kernel() {
	[ -s "$OUT/kernel-version" ] && [ -s "$OUT/vmlinux" ] && return 0
	local dl=$OUT/download pkg deb
	rm -rf "$dl" && mkdir -p "$dl"
	pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
	if [ -z "$pkg" ]; then
		apt-get update -q >/dev/null
		pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
	fi
	[ -n "$pkg" ] || conf_die "cannot resolve linux-image-amd64's kernel package"
	conf_log "lio-image: downloading $pkg"
	# A stale package list names a version the archive no longer has:
	# refresh the lists once and try again.
	if ! (cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1); then
		apt-get update -q >/dev/null
		(cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1) || conf_die "apt-get download $pkg failed"
	fi
	deb=$(ls "$dl"/*.deb)
	rm -rf "$OUT/root"
	dpkg-deb -x "$deb" "$OUT/root"
	local ver
	ver=$(ls "$OUT/root/lib/modules")
	depmod -b "$OUT/root" "$ver"
	# Debian compresses the bzImage payload with xz: the payload starts at
	# the xz magic; xz complains about the bytes after it, which we ignore.
	local bz=$OUT/root/boot/vmlinuz-$ver off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || conf_die "no xz payload in $bz"
	tail -c +"$((off + 1))" "$bz" | xz -dc >"$OUT/vmlinux.tmp" 2>/dev/null || true
	[ "$(head -c 4 "$OUT/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		conf_die "extracted vmlinux is not ELF"
	mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
	rm -rf "$dl"
	echo "$ver" >"$OUT/kernel-version"
}

initramfs() {
	local stamp
	stamp=$(cat "$INIT" "$0" | sha256sum | cut -c1-16) # contents only: any path to the script
	[ -s "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/initramfs.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	local ver dir m
	ver=$(cat "$OUT/kernel-version")
	dir=$OUT/initramfs
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,dev,proc,sys,mnt,tmp,etc/target/pr,etc/target/alua,modules}
	cp /bin/busybox "$dir/bin/busybox"
	for m in sh mount mkdir echo printf cat sleep ip insmod ls truncate seq tr cut poweroff; do
		ln -s busybox "$dir/bin/$m"
	done
	# Modules in dependency order, each once, loaded by /init from a list.
	: >"$dir/modules/order"
	for m in "${MODULES[@]}"; do
		modprobe -d "$OUT/root" -S "$ver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		cp "$ko" "$dir/modules/"
		basename "$ko" >>"$dir/modules/order"
	done
	cp "$INIT" "$dir/init"
	chmod +x "$dir/init"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -9) >"$OUT/initramfs.cpio.gz"
	echo "$stamp" >"$OUT/initramfs.stamp"
	conf_log "lio-image: initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB, kernel $ver"
}

kernel
initramfs
echo "$OUT"
