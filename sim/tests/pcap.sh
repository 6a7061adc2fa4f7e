#!/usr/bin/env bash
# pcap.sh ISIM WORLD...: isim's pcap is what Wireshark reads as iSCSI.
# A WORLD is a seed number or a scenario file. For each, `isim run --pcap`
# writes the capture; tshark (Wireshark's dissectors) must decode iSCSI
# PDUs in it and flag no packet as malformed and no expert error (a bad
# length, offset or digest field in what the simulator synthesizes).
set -uo pipefail
isim=$1
shift
command -v tshark >/dev/null || { echo "tshark missing (tools/deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0 pdus_all=0
count() { tshark -r "$tmp/w.pcap" -Y "$1" 2>/dev/null | wc -l; }
for world in "$@"; do
	case "$world" in
	*.scn) how=(--scenario "$world") ;;
	*) how=(--seed "$world") ;;
	esac
	"$isim" run "${how[@]}" --pcap "$tmp/w.pcap" >/dev/null 2>&1
	if [ ! -s "$tmp/w.pcap" ]; then
		echo "$world: no pcap written"
		bad=1
		continue
	fi
	pdus=$(count iscsi)
	malformed=$(count _ws.malformed)
	errors=$(count '_ws.expert.severity == error')
	echo "$world: $pdus iSCSI packets, $malformed malformed, $errors expert errors"
	pdus_all=$((pdus_all + pdus))
	if [ "$pdus" -eq 0 ] || [ "$malformed" -ne 0 ] || [ "$errors" -ne 0 ]; then
		tshark -r "$tmp/w.pcap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | head -n 5 |
			sed 's/^/    /'
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "summary: $# worlds, $pdus_all iSCSI packets decoded by tshark, none malformed" ||
	echo "summary: a capture tshark cannot read cleanly"
exit $bad
