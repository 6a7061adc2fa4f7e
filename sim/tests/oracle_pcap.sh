#!/usr/bin/env bash
# oracle_pcap.sh BUILD: `isim oracle` over captures of a real initiator
# (libiscsi, sim/tests/pc_client.c) against reftarget, taken with
# `isim oracle --live lo --write` (run inside tools/netns-run.sh).
#   1. clean sessions (no digests; CRC32C header digests): 0 violations,
#      the PDUs and the one connection counted, exit 0;
#   2. planted violations (sim/tests/pc_edit.py edits PDUs): each found,
#      with the right rule and RFC section, on the frame of the edited PDU;
#      exit 1;
#   3. transport trouble: reordered, retransmitted (same and different
#      bytes), a lost frame, a capture that starts mid-connection (with and
#      without digests): 0 violations and the right note; a planted
#      violation after a reordering is still found;
#   4. garbage: random frames and randomly flipped bytes of the clean
#      capture, under ASan: no crash, the summary line, exit 0 or 1;
#   5. usage: a missing file and an interface other than lo: exit 2, named.
# Captures and outputs under BUILD/oracle-pcap/. Ends with a summary line.
set -uo pipefail
build=${1:?usage: oracle_pcap.sh BUILD}
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
isim=$build/rel/isim
asan=$build/asan/isim
out=$build/oracle-pcap
rm -rf "$out"
mkdir -p "$out"
PORT=3320
IQN=iqn.2026-12.org.iscsi-sim:oracle-pcap
. sim/tests/lib.sh

gcc -O2 -Wall -Wextra -Werror -o "$out/pc_client" sim/tests/pc_client.c -liscsi || { echo "pc_client does not build"; exit 1; }

# capture NAME PORT [crc32c]: pc_client's session on PORT, captured.
capture() {
	local name=$1 port=$2 dig=${3:-}
	timeout 60 "$isim" oracle --live lo --port "$port" --seconds 50 --write "$out/$name.pcap" \
		>"$out/$name.live" 2>"$out/$name.live.err" &
	local oc=$!
	pids+=($oc)
	for _ in $(seq 100); do grep -q 'capturing on lo' "$out/$name.live.err" && break; sleep 0.1; done
	timeout 60 "$out/pc_client" "iscsi://127.0.0.1:$port/$IQN/0" $dig >"$out/$name.client" 2>&1
	local rc=$?
	sleep 0.3
	kill -INT "$oc"
	wait "$oc"
	[ $rc -eq 0 ] || { echo "pc_client failed:"; cat "$out/$name.client"; return 1; }
}

# oracle NAME FILE [options]: run the oracle, keep output and status; wall time.
oracle() {
	local name=$1 file=$2
	shift 2
	local t0=$(date +%s%N)
	"$isim" oracle --pcap "$file" --port 3320,3321 ${ORACLE_OPTS:-} "$@" >"$out/$name.out" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	echo "  $name: $(tail -1 "$out/$name.out") (exit $(cat "$out/$name.rc"), $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
}

# Both targets offer RFC 7143's default burst sizes (8 KiB PDUs, solicited
# data only), not reftarget's larger defaults: the captures then hold the
# many small Data-In/Data-Out PDUs the edits below rearrange.
# config FILE PORT EXTRA-PARAMS
config() {
	cat >"$1" <<EOT
{ "portals": [ { "address": "127.0.0.1", "port": $2 } ],
  "lus": [ { "name": "disk0", "size": "16M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                 "luns": [ { "lun": 0, "lu": "disk0" } ] } ] } ],
  "params": { "max_recv_data_segment_length": 8192, "max_burst_length": 262144,
              "first_burst_length": 65536, "max_outstanding_r2t": 1, "initial_r2t": true$3 } }
EOT
}
config "$out/plain.json" "$PORT" ""
config "$out/hd.json" $((PORT + 1)) ', "header_digest": true'
"$build/rel/reftarget" --config "$out/plain.json" --state-dir "$out/state-a" -q >"$out/reftarget-a.log" 2>&1 &
pids+=($!)
"$build/rel/reftarget" --config "$out/hd.json" --state-dir "$out/state-b" -q >"$out/reftarget-b.log" 2>&1 &
pids+=($!)
wait_port $PORT && wait_port $((PORT + 1)) || exit 1

# ---- 1. clean sessions ----
capture clean $PORT || exit 1
capture clean-hd $((PORT + 1)) crc32c || exit 1
for c in clean clean-hd; do
	oracle "$c" "$out/$c.pcap"
	line=$(tail -1 "$out/$c.out")
	if [[ $line =~ ^oracle:\ ([0-9]+)\ PDUs\ on\ 1\ connections,\ 0\ violations$ ]] && [ "${BASH_REMATCH[1]}" -gt 100 ] &&
		[ "$(cat "$out/$c.rc")" = 0 ] && ! grep -q '^frame' "$out/$c.out" && [ "$(tail -1 "$out/$c.live")" = "$line" ]; then
		ok "$c capture: $line (the live run said the same)"
	else
		bad "$c capture: $line (exit $(cat "$out/$c.rc")); live: $(tail -1 "$out/$c.live")"; head -20 "$out/$c.out"
	fi
done
grep -q 'HeaderDigest=CRC32C' "$out/clean-hd.pcap" 2>/dev/null || grep -aq 'HeaderDigest=CRC32C' "$out/clean-hd.pcap" ||
	bad "the clean-hd session did not negotiate header digests"

# ---- 2. planted violations ----
# plant NAME BASE 'RULE REGEX' 'SECTION' EDIT...: the edited capture's
# oracle names the rule and section, on the frame of the first edited PDU
# (its frame found by --list on the edited file: FRAME_OF is "DIR OP N").
plant() {
	local name=$1 base=$2 rule=$3 sec=$4 frame_of=$5
	shift 5
	if ! python3 sim/tests/pc_edit.py "$out/$base.pcap" "$out/$name.pcap" "$@" 2>"$out/$name.edit"; then
		bad "$name: the editor failed: $(cat "$out/$name.edit")"; return
	fi
	oracle "$name" "$out/$name.pcap"
	local want=""
	if [ -n "$frame_of" ]; then
		read -r d o n <<<"$frame_of"
		want=$(python3 sim/tests/pc_edit.py "$out/$name.pcap" --list | awk -v d="$d" -v o="$o" -v n="$n" \
			'$3 == d && $4 == o { if (k++ == n) { print $2; exit } }')
	fi
	local hit
	hit=$(grep -E "^frame [0-9]+: .*$rule.*\[RFC 7143 $sec\]$" "$out/$name.out" | head -1)
	if [ -n "$hit" ] && [ "$(cat "$out/$name.rc")" = 1 ] && { [ -z "$want" ] || [[ $hit == "frame $want: "* ]]; }; then
		ok "$name: ${hit:0:220}"
	else
		bad "$name: wanted /$rule/ [$sec] on frame ${want:-any}; got:"; grep -E '^frame' "$out/$name.out" | head -5
	fi
}
plant statsn clean 'StatSN [0-9]+, expected' '§4.2.2.2' 'tgt scsi-rsp 3' set tgt scsi-rsp 3 statsn +1
plant datasn clean 'DataSN [0-9]+, expected' '§11.7.5' 'tgt data-in 3' set tgt data-in 3 datasn +1
plant bufferoffset clean 'BufferOffset [0-9]+, expected' '§13.18' 'tgt data-in 4' set tgt data-in 4 bufferoffset +512
plant past-edtl clean 'Data-In beyond the expected length' '§11.7.6' '' shortedtl 2
plant unknown-itt clean 'SCSI Response for ITT 0xdeadbeef, which names no live task' '§11.2.1.8' 'tgt scsi-rsp 5' \
	set tgt scsi-rsp 5 itt 0xdeadbeef
plant r2tsn clean 'R2TSN [0-9]+, expected' '§11.8.2' 'tgt r2t 1' set tgt r2t 1 r2tsn +1
plant cmdsn clean 'initiator CmdSN [0-9]+, expected' '§4.2.2.1' 'ini scsi-cmd 6' set ini scsi-cmd 6 cmdsn +5
plant hdigest clean-hd 'target header digest wrong' '§11.2.3' 'tgt scsi-rsp 2' hdigest tgt scsi-rsp 2
plant statsn-reordered clean 'StatSN [0-9]+, expected' '§4.2.2.2' '' set tgt scsi-rsp 3 statsn +1 swap ini data-out:10 swap tgt data-in:3

# ---- 3. transport trouble: the verdict stays clean ----
# clean_with NAME BASE 'NOTE REGEX' EDIT...
clean_with() {
	local name=$1 base=$2 note=$3
	shift 3
	python3 sim/tests/pc_edit.py "$out/$base.pcap" "$out/$name.pcap" "$@" 2>"$out/$name.edit" ||
		{ bad "$name: the editor failed: $(cat "$out/$name.edit")"; return; }
	oracle "$name" "$out/$name.pcap"
	if [ "$(cat "$out/$name.rc")" = 0 ] && grep -q ', 0 violations$' "$out/$name.out" &&
		{ [ -z "$note" ] || grep -Eq "$note" "$out/$name.out"; }; then
		ok "$name: $(tail -1 "$out/$name.out")${note:+ (note: /$note/)}"
	else
		bad "$name: $(tail -1 "$out/$name.out")"; grep -E '^(frame|note)' "$out/$name.out" | head -8
	fi
}
clean_with reordered clean '' swap ini data-out:10 swap tgt data-in:3 swap ini data-out:40
clean_with retransmitted clean '' dup ini data-out:10 dup tgt data-in:3 dup tgt scsi-rsp:4
clean_with retransmit-differs clean 'retransmitted target bytes differ' dupdiff tgt data-in:3
clean_with lost-frame clean 'bytes of the target stream missing.*looking for a BHS' drop tgt r2t:1
clean_with mid-connection clean 'no SYN seen.*joined mid-connection' cut 40
clean_with mid-connection-hd clean-hd 'header digests CRC32C, data digests None \(recognised' cut 40
ORACLE_OPTS="--digests header" clean_with mid-connection-given clean-hd 'digests from --digests \(header CRC32C' cut 40

# ---- 4. garbage, under ASan ----
if [ -x "$asan" ]; then
	python3 - "$out" <<'EOF'
import os, random, struct, sys
out = sys.argv[1]
rnd = random.Random(15)
clean = open(os.path.join(out, 'clean.pcap'), 'rb').read()
def eth_tcp(sport, dport, seq, flags, payload, v6=False):
    tcp = struct.pack('>HHIIBBHHH', sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    if v6:
        ip = struct.pack('>IHBB', 6 << 28, len(tcp), 6, 64) + bytes(15) + b'\x01' + bytes(15) + b'\x01'
        return bytes(12) + b'\x86\xdd' + ip + tcp
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, b'\x7f\0\0\1', b'\x7f\0\0\1')
    return bytes(12) + b'\x08\x00' + ip + tcp
for k in range(12):
    recs = []
    for i in range(rnd.randint(1, 400)):
        if rnd.random() < 0.1:
            d = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 120)))
        else:
            n = rnd.choice([0, 1, 47, 48, 52, 100, 1000, 9000])
            pay = bytes(rnd.getrandbits(8) for _ in range(n))
            if n >= 48 and rnd.random() < 0.5:  # BHS-looking starts
                pay = bytes([rnd.choice([0x01, 0x05, 0x21, 0x25, 0x31, 0x23, 0x03])]) + pay[1:4] + b'\0' + pay[5:]
            d = eth_tcp(rnd.choice([3320, 40000, 40001]), rnd.choice([3320, 3321]), rnd.getrandbits(32) if rnd.random() < 0.3 else i * 700,
                        rnd.choice([0x18, 0x10, 0x02, 0x12, 0x11, 0x04, 0x19]), pay, v6=rnd.random() < 0.2)
        recs.append(struct.pack('<IIII', 0, i, len(d), len(d)) + d)
    open(os.path.join(out, 'garbage-%d.pcap' % k), 'wb').write(clean[:24] + b''.join(recs))
for k in range(8):  # the clean capture with bytes flipped
    b = bytearray(clean)
    for _ in range(rnd.choice([1, 10, 100, 1000])):
        i = rnd.randrange(24, len(b))
        b[i] ^= 1 << rnd.randrange(8)
    open(os.path.join(out, 'flipped-%d.pcap' % k), 'wb').write(bytes(b))
EOF
	g_ok=0 g_bad=0
	for f in "$out"/garbage-*.pcap "$out"/flipped-*.pcap; do
		ASAN_OPTIONS=detect_leaks=1 "$asan" oracle --pcap "$f" --port 3320,3321 >"$f.out" 2>"$f.err"
		rc=$?
		if { [ $rc = 0 ] || [ $rc = 1 ]; } && grep -Eq '^oracle: [0-9]+ PDUs on [0-9]+ connections, [0-9]+ violations$' "$f.out" &&
			! grep -q 'Sanitizer' "$f.err"; then
			g_ok=$((g_ok + 1))
		else
			g_bad=$((g_bad + 1)); echo "  $f: exit $rc"; tail -5 "$f.err"
		fi
	done
	[ $g_bad = 0 ] && ok "garbage under ASan: $g_ok captures (random frames, flipped bytes), no crash, no leak" ||
		bad "garbage under ASan: $g_bad of $((g_ok + g_bad)) captures crashed or lost the summary"
else
	echo "SKIP garbage under ASan: no $asan"
fi

# ---- 5. usage ----
"$isim" oracle --pcap "$out/no-such.pcap" >"$out/usage1.out" 2>&1
rc1=$?
"$isim" oracle --live eth0 >"$out/usage2.out" 2>&1
rc2=$?
if [ $rc1 = 2 ] && grep -q "no-such.pcap" "$out/usage1.out" && [ $rc2 = 2 ] && grep -q "only the loopback" "$out/usage2.out"; then
	ok "usage: a missing file and a non-loopback interface exit 2, named"
else
	bad "usage: exit $rc1 / $rc2"; cat "$out/usage1.out" "$out/usage2.out"
fi

echo "summary: $pass passed, $fail failed"
[ $fail -eq 0 ]
