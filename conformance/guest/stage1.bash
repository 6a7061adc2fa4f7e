# stage1.bash: sourced by the guest image scripts that boot a Debian
# rootfs (initiator-image.sh, targetcli-image.sh): stage1 builds OUT's small
# initramfs (busybox-static; loads STAGE1_MODULES of the LIO guest's kernel,
# mounts /dev/vda, switch_root: conformance/guest/initiator-stage1.sh), the
# same for every such guest. Needs OUT, LIO, VER, CONF_DIR; rebuilt when
# this file, the stage-1 script or the kernel changed.
STAGE1_MODULES=(virtio_pci virtio_blk virtio_net ext4)

stage1() {
	local stamp dir=$OUT/initramfs m
	stamp=$(cat "$CONF_DIR/guest/initiator-stage1.sh" "$CONF_DIR/guest/stage1.bash" "$LIO/kernel-version" | sha256sum | cut -c1-16)
	[ -s "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/initramfs.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$dir/bin/busybox"
	for m in sh mount umount insmod switch_root sleep cat echo; do ln -s busybox "$dir/bin/$m"; done
	for m in "${STAGE1_MODULES[@]}"; do
		modprobe -d "$LIO/root" -S "$VER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		cp "$ko" "$dir/modules/"
		basename "$ko" >>"$dir/modules/order"
	done
	install -m 755 "$CONF_DIR/guest/initiator-stage1.sh" "$dir/init"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -9) >"$OUT/initramfs.cpio.gz"
	echo "$stamp" >"$OUT/initramfs.stamp"
}
