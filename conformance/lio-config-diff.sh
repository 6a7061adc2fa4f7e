#!/usr/bin/env bash
# lio-config-diff.sh [-o OUT]: the differential of issue 20, LIO configured
# by the real targetcli-fb against reftarget loaded from the file targetcli
# wrote.
#
# 1. Boots the targetcli guest (conformance/guest/targetcli-image.sh: Debian
#    bookworm, targetcli-fb, the LIO of the matrix's kernel) under QEMU with
#    user networking, restrict=on, and one hostfwd from 127.0.0.1 per portal.
#    The guest feeds conformance/guest/targetcli-session.txt to targetcli
#    (fileio and block backstores, two targets, LUNs, three ACLs, one-way
#    and mutual CHAP with `set auth`, `set attribute authentication=1`, two
#    portals, `saveconfig`) and prints the saveconfig.json in base64
#    on its console; it lands in OUT/saveconfig.json (checksum checked).
# 2. Starts `reftarget --lio-config OUT/saveconfig.json`, with --lio-portal
#    serving the guest's portals (10.0.2.15:326x) on 127.0.0.1 and --lio-dev
#    serving the guest's /srv/disk0.img and /dev/ram0 from files of the same
#    sizes (the only two changes, both flags: the file itself is as written).
# 3. Runs the same observations on both (conformance/lio-config-probes.txt:
#    libiscsi's iscsi-ls, iscsi-inq, iscsi-readcapacity16 with and without
#    the right CHAP, mutual CHAP, initiator names in and out of the ACLs; and
#    a subset of the protocol suite, `isim protocol --test`), each output
#    normalized (the guest's portal names stand for both targets' addresses),
#    and writes OUT/lio-config-diff.md: a table side by side.
# A difference is explained when conformance/lio-config-expected.md lists
# the probe with both observations; any other difference, a guest that does
# not come up or a file reftarget refuses makes the exit status non-zero.
#
# Nothing follows an address a target advertises: iscsi-ls only lists
# (never -s), every other tool is given its URL, and the run is in a
# loopback-only namespace (tools/netns-run.sh) where 10.0.2.15 does not
# exist. Guest images are built first, outside the namespace (they need
# Debian's registry once; cached in $CONF_CACHE/targetcli).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=
while getopts "o:" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	*) echo "usage: $0 [-o OUT]" >&2; exit 2 ;;
	esac
done
if [ "${RT_IN_NETNS:-}" != 1 ]; then
	"$HERE/guest/targetcli-image.sh" >/dev/null
	exec "$HERE/../tools/netns-run.sh" "$0" "$@"
fi
. "$HERE/lib.sh"
conf_require_netns
OUT=${OUT:-$BUILD/conformance/results-lio-config}
case "$OUT" in /*) ;; *) OUT=$CONF_ROOT/$OUT ;; esac
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
ISIM=${ISIM:-$BUILD/rel/isim}
[ -x "$REFTARGET" ] || conf_die "$REFTARGET is missing (make $REFTARGET)"
[ -x "$ISIM" ] || conf_die "$ISIM is missing (make $ISIM)"
PROBES=$CONF_DIR/lio-config-probes.txt
EXPECTED=$CONF_DIR/lio-config-expected.md
BOOT_TIMEOUT=${CONF_LIO_BOOT_TIMEOUT:-300}
# The guest's portals (targetcli-session.txt) and where each side serves them.
GUEST_PORTS=(3260 3261 3262)
LIO_BASE=${LIO_CFG_PORT:-3290}
REF_BASE=${REF_CFG_PORT:-3390}
# Sizes of the guest's storage (targetcli-session.txt; brd rd_size in
# targetcli-init.sh), for the files reftarget serves them from.
DISK0_BYTES=$((64 * 1048576))
RAM0_BYTES=$((32 * 1048576))

rm -rf "$OUT"
mkdir -p "$OUT/lio" "$OUT/reftarget" "$OUT/work"
W=$OUT/work
cleanup() {
	conf_stop_pid "$W/ref.pid" 5
	conf_stop_pid "$W/qemu.pid" 0
}
trap cleanup EXIT

# --- 1. the guest: targetcli's session, saveconfig.json out ---------------
img=$("$CONF_DIR/guest/targetcli-image.sh")
lio=$("$CONF_DIR/guest/lio-image.sh")
fwd=
for i in "${!GUEST_PORTS[@]}"; do
	fwd+=",hostfwd=tcp:127.0.0.1:$((LIO_BASE + i))-:${GUEST_PORTS[$i]}"
done
: >"$W/console.log"
t0=$SECONDS
qemu-system-x86_64 -accel "${CONF_QEMU_ACCEL:-tcg,thread=multi}" -cpu max -smp 2 -m 1024 \
	-kernel "$lio/vmlinux" -initrd "$img/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet" \
	-drive "file=$img/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
	-netdev "user,id=n0,restrict=on$fwd" -device virtio-net-pci,netdev=n0 \
	-display none -monitor none -serial "file:$W/console.log" -no-reboot \
	>"$W/qemu.log" 2>&1 &
echo $! >"$W/qemu.pid"
deadline=$((SECONDS + BOOT_TIMEOUT))
until grep -q -a '^LIO-\(READY\|FAILED\)' "$W/console.log"; do
	kill -0 "$(cat "$W/qemu.pid")" 2>/dev/null || { tail -n 20 "$W/console.log" "$W/qemu.log" >&2; conf_die "QEMU exited"; }
	[ $SECONDS -lt $deadline ] || { tail -n 30 "$W/console.log" >&2; conf_die "the guest was not ready in ${BOOT_TIMEOUT}s"; }
	sleep 0.5
done
tr -d '\r' <"$W/console.log" >"$W/console.txt"
sed -n '/^TCLI-LOG-BEGIN/,/^TCLI-LOG-END/p' "$W/console.txt" >"$OUT/targetcli.log"
grep -q '^LIO-READY' "$W/console.txt" || { cat "$OUT/targetcli.log" >&2; conf_die "$(grep -a '^LIO-FAILED' "$W/console.txt")"; }
sed -n '/^SAVECONFIG-BEGIN/,/^SAVECONFIG-END/p' "$W/console.txt" | sed '1d;$d' | base64 -d >"$OUT/saveconfig.json" ||
	conf_die "saveconfig.json did not come out whole"
want=$(sed -n 's/^SAVECONFIG-END \([0-9a-f]*\).*/\1/p' "$W/console.txt")
[ "$(sha256sum <"$OUT/saveconfig.json" | cut -c1-64)" = "$want" ] || conf_die "saveconfig.json: checksum differs from the guest's"
grep -q ' Error\|^tcli| .*\(No such\|not found\|Unknown\)' "$OUT/targetcli.log" &&
	{ cat "$OUT/targetcli.log" >&2; conf_die "targetcli refused part of the session"; }
# The committed copy (ref_target/tests/data/lio/targetcli-fb.json, which
# make test loads) should still be what this targetcli writes: the same
# file but for the random wwns and aliases. A drift is reported, not fatal.
FIXTURE=$CONF_ROOT/ref_target/tests/data/lio/targetcli-fb.json
shape() {
	python3 -c 'import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ("wwn", "alias") or not isinstance(v, str) or k == "wwn" and v.startswith("iqn.")}
    return [strip(v) for v in o] if isinstance(o, list) else o
print(json.dumps(strip(json.load(open(sys.argv[1]))), sort_keys=True, indent=1))' "$1"
}
if ! diff <(shape "$FIXTURE") <(shape "$OUT/saveconfig.json") >"$OUT/fixture-drift.diff"; then
	conf_log "note: this targetcli's file differs from $FIXTURE beyond wwns and aliases ($OUT/fixture-drift.diff): copy it there"
fi
conf_log "guest: targetcli session done, LIO ready in $((SECONDS - t0)) s ($(sed -n 's/^LIO-READY //p' "$W/console.txt"))"
for i in "${!GUEST_PORTS[@]}"; do
	conf_wait_port 127.0.0.1 $((LIO_BASE + i)) 20 || conf_die "hostfwd 127.0.0.1:$((LIO_BASE + i)) not listening"
done

# --- 2. reftarget from the same file ---------------------------------------
truncate -s "$DISK0_BYTES" "$W/disk0.img"
truncate -s "$RAM0_BYTES" "$W/ram0.img"
args=(--lio-config "$OUT/saveconfig.json" --state-dir "$W/state" -q
	--lio-dev "/srv/disk0.img=$W/disk0.img" --lio-dev "/dev/ram0=$W/ram0.img")
for i in "${!GUEST_PORTS[@]}"; do
	args+=(--lio-portal "10.0.2.15:${GUEST_PORTS[$i]}=127.0.0.1:$((REF_BASE + i))")
done
echo "$REFTARGET ${args[*]}" >"$W/reftarget.cmd"
"$REFTARGET" "${args[@]}" >"$W/reftarget.log" 2>&1 &
echo $! >"$W/ref.pid"
for i in "${!GUEST_PORTS[@]}"; do
	conf_wait_port 127.0.0.1 $((REF_BASE + i)) 20 ||
		{ cat "$W/reftarget.log" >&2; conf_die "reftarget refused the file or did not listen on 127.0.0.1:$((REF_BASE + i))"; }
done

# --- 3. the probes, on both ------------------------------------------------
# A probe line: ID | what it shows | command, where @P0@ @P1@ @P2@ stand
# for the side's address of the guest's portals 3260, 3261 and 3262 and
# @ISIM@ for the protocol suite. Outputs are normalized: each side's
# addresses become the guest's portal names, timings and session ids go.
normalize() { # SIDE BASE
	local s=$2 e=()
	for i in "${!GUEST_PORTS[@]}"; do
		e+=(-e "s/127\.0\.0\.1:$((s + i))\b/10.0.2.15:${GUEST_PORTS[$i]}/g")
	done
	sed "${e[@]}" -e 's/[0-9]*\.[0-9]* *s\b/<t>/g' -e 's/[Ii][Ss][Ii][Dd][ =:]*[0-9a-fx]*/ISID/g'
}
probe() { # SIDE BASE ID CMD
	local side=$1 base=$2 id=$3 cmd=$4 rc=0
	cmd=${cmd//@P0@/127.0.0.1:$base}
	cmd=${cmd//@P1@/127.0.0.1:$((base + 1))}
	cmd=${cmd//@P2@/127.0.0.1:$((base + 2))}
	cmd=${cmd//@ISIM@/$ISIM}
	cmd=${cmd//@W@/$W/$side-$id}
	timeout -k 2 120 bash -c "$cmd" >"$W/$side-$id.raw" 2>&1 || rc=$?
	{ cat "$W/$side-$id.raw"; echo "exit=$rc"; } | normalize "$side" "$base" >"$OUT/$side/$id.txt"
}
ids=()
declare -A what
while IFS='|' read -r id desc cmd; do
	id=$(echo "$id" | tr -d ' ')
	case "$id" in '' | '#'*) continue ;; esac
	ids+=("$id")
	what[$id]=$(echo "$desc" | sed 's/^ *//; s/ *$//')
	probe lio "$LIO_BASE" "$id" "$cmd"
	probe reftarget "$REF_BASE" "$id" "$cmd"
done <"$PROBES"

# --- 4. the table ---------------------------------------------------------
cell() { sed 's/|/\\|/g' "$1" | paste -sd'\t' | sed 's/\t/<br>/g' | cut -c1-600; }
expected() { # ID: the listed LIO and reftarget cells and the reason, tab-separated
	awk -F'|' -v id="$1" '{ g = $2; gsub(/ /, "", g) } g == id {
		for (i = 3; i <= 5; i++) { gsub(/^ +| +$/, "", $i); gsub(/`/, "", $i) } print $3 "\t" $4 "\t" $5; exit }' "$EXPECTED"
}
# matches ONLY_LINES_FILE "PAT && PAT ...": every line matches a pattern
# and every pattern matches a line.
matches() {
	local only=$1 pats=$2 p line ok
	mapfile -t plist < <(sed 's/ && /\n/g' <<<"$pats")
	for p in "${plist[@]}"; do grep -qE -- "$p" "$only" || return 1; done
	while IFS= read -r line; do
		ok=0
		for p in "${plist[@]}"; do grep -qE -- "$p" <<<"$line" && { ok=1; break; }; done
		[ $ok = 1 ] || return 1
	done <"$only"
}
same=0 explained=0 unexplained=0 stale=0
{
	echo "# LIO configured by targetcli-fb vs reftarget --lio-config (the same file)"
	echo
	echo "saveconfig.json: \`$(sha256sum <"$OUT/saveconfig.json" | cut -c1-16)\`, written by targetcli-fb in the guest"
	echo "($(sed -n 's/^LIO-READY //p' "$W/console.txt")); reftarget: \`$(sed "s|$W|OUT/work|g; s|$OUT|OUT|g; s|$CONF_ROOT/||g" "$W/reftarget.cmd")\`."
	echo "Cells are normalized outputs (reftarget's 127.0.0.1 ports written as the guest's portals)."
	echo
	echo "| probe | what | LIO | reftarget | verdict |"
	echo "|---|---|---|---|---|"
} >"$OUT/lio-config-diff.md"
for id in "${ids[@]}"; do
	l=$(cell "$OUT/lio/$id.txt")
	r=$(cell "$OUT/reftarget/$id.txt")
	if cmp -s "$OUT/lio/$id.txt" "$OUT/reftarget/$id.txt"; then
		verdict=same
		same=$((same + 1))
		[ -z "$(expected "$id")" ] || { verdict="same (stale row in lio-config-expected.md)"; stale=$((stale + 1)); }
	else
		exp=$(expected "$id")
		# The listed difference must be the one seen (lio-config-expected.md).
		grep -vxF -f "$OUT/reftarget/$id.txt" "$OUT/lio/$id.txt" >"$W/$id.only-lio" || true
		grep -vxF -f "$OUT/lio/$id.txt" "$OUT/reftarget/$id.txt" >"$W/$id.only-ref" || true
		if [ -n "$exp" ] && matches "$W/$id.only-lio" "$(cut -f1 <<<"$exp")" &&
			matches "$W/$id.only-ref" "$(cut -f2 <<<"$exp")"; then
			verdict="explained: $(cut -f3 <<<"$exp")"
			explained=$((explained + 1))
		else
			verdict="**UNEXPLAINED**"
			unexplained=$((unexplained + 1))
			conf_log "unexplained difference in $id: LIO [$l] reftarget [$r]"
		fi
	fi
	echo "| $id | ${what[$id]} | $l | $r | $verdict |" >>"$OUT/lio-config-diff.md"
done
{
	echo
	echo "$((same + explained + unexplained)) probes: $same same, $explained explained differences, $unexplained unexplained ($stale stale rows of lio-config-expected.md)"
} >>"$OUT/lio-config-diff.md"
conf_log "lio-config differential: $((same + explained + unexplained)) probes, $same same, $explained explained, $unexplained unexplained, $stale stale ($OUT/lio-config-diff.md)"
[ "$unexplained" -eq 0 ]
