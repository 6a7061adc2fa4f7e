#!/usr/bin/env bash
# pcap.sh ISIM WORLD...: isim's pcap is what Wireshark reads as iSCSI.
# A WORLD is a seed number or a scenario file. For each, `isim run --pcap`
# writes the capture; tshark (Wireshark's dissectors, default preferences)
# must flag no packet as malformed, raise no expert error (a bad length,
# offset or digest field in what the simulator synthesizes), and decode
# every PDU: as many as isim's protocol oracle framed on the wire (the
# pdu.* events of the --pdus trace). The oracle of a connection, like the
# capture, stops at a RST or once both ends sent their FIN (sim/world.c):
# a half-closed connection still carries PDUs the other way, and those
# tshark decodes in a TCP stream after its first FIN are shown apart. The
# count matters: a PDU the dissector misframes is often dropped silently
# rather than flagged (sim/host/pcap_out.h, digests).
set -uo pipefail
# shellcheck source=sim/tests/worlds.sh
. "$(dirname "$0")/worlds.sh"
isim=$1
shift
command -v tshark >/dev/null || { echo "tshark missing (tools/deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0 pdus_all=0
for world in "$@"; do
	world_how "$world"
	rm -f "$tmp/w.pcap" "$tmp/w.jsonl"
	"$isim" run "${how[@]}" --pcap "$tmp/w.pcap" --trace "$tmp/w.jsonl" --pdus >/dev/null 2>&1
	if [ ! -s "$tmp/w.pcap" ] || [ ! -s "$tmp/w.jsonl" ]; then
		echo "$world: no pcap or trace written"
		bad=1
		continue
	fi
	sent=$(grep -c '"ev":"pdu\.' "$tmp/w.jsonl")
	# One pass: PDUs decoded (one iscsi.opcode each, but a Reject's data is
	# the rejected BHS, decoded nested: its opcode follows 0x3f) before and
	# after their stream's first FIN, malformed frames, frames with an
	# expert error (severity PI_ERROR = 0x00800000).
	read -r pdus late malformed errors < <(tshark -r "$tmp/w.pcap" -T fields -e tcp.stream -e tcp.flags.fin \
		-e iscsi.opcode -e _ws.malformed -e _ws.expert.severity 2>/dev/null | awk -F'\t' '
		$3 != "" {
			n = split($3, op, ",")
			for (i = 1; i <= n; i++) {
				if ($1 in fin) l++; else p++
				if (op[i] == "0x3f") i++
			}
		}
		$2 == "1" { fin[$1] = 1 }
		$4 != "" { m++ }
		$5 ~ /(^|,)8388608(,|$)/ { e++ }
		END { print p + 0, l + 0, m + 0, e + 0 }')
	echo "$world: $((pdus + late)) of $sent PDUs decoded ($late after a FIN), $malformed malformed, $errors expert errors"
	pdus_all=$((pdus_all + pdus + late))
	if [ "$sent" -eq 0 ] || [ $((pdus + late)) -ne "$sent" ] || [ "$malformed" -ne 0 ] || [ "$errors" -ne 0 ]; then
		tshark -r "$tmp/w.pcap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | head -n 5 |
			sed 's/^/    /'
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "summary: $# worlds, $pdus_all iSCSI PDUs, every one decoded by tshark, none malformed" ||
	echo "summary: a capture tshark cannot read cleanly"
exit $bad
