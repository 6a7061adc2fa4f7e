#!/usr/bin/env bash
# netfuzz-corpus.sh BUILD: the corpus exchange between the network fuzzer
# and the in-process harnesses (fuzz/scripts/netfuzz-corpus.py; run inside
# tools/netns-run.sh):
#   1. the checked-in corpora of the pdu and scsi harnesses become netfuzz
#      case files (some of each);
#   2. 15 of each, as `isim netfuzz --seeds`, run against reftarget as the
#      first 30 cases: all load, none is a finding;
#   3. 80 cases of the fuzzer (--show, nothing sent) become inputs of the
#      pdu, login, text, scsi, dataout and session harnesses (some for
#      each), and each harness's replay build ($BUILD/fuzz/rep/<h>) runs
#      them without an oracle violation or sanitizer report.
# Results under BUILD/netfuzz-corpus/. Ends with a summary line.
set -uo pipefail
build=${1:?usage: netfuzz-corpus.sh BUILD}
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
isim=$build/rel/isim
out=$build/netfuzz-corpus
rm -rf "$out"
mkdir -p "$out/seeds-run" "$out/shown"
PORT=3380
IQN=iqn.2026-12.org.iscsi-sim:netfuzz
URL=iscsi://127.0.0.1:$PORT/$IQN/0
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# 1. in-process corpora -> netfuzz cases
if python3 fuzz/scripts/netfuzz-corpus.py to-netfuzz "$out/seeds" fuzz/corpus/pdu fuzz/corpus/scsi >"$out/to-netfuzz.out" 2>&1 &&
	[ "$(ls "$out/seeds" | grep -c '^pdu-')" -gt 0 ] && [ "$(ls "$out/seeds" | grep -c '^scsi-')" -gt 0 ]; then
	ok "in-process corpora to netfuzz cases: $(sed -n 's/^netfuzz-corpus: \([a-z]*\): \([0-9]*\) .*/\1 \2/p' "$out/to-netfuzz.out" | paste -sd, -)"
else
	bad "to-netfuzz: $(tail -2 "$out/to-netfuzz.out")"
fi

# 2. those cases as seeds against reftarget
ls "$out/seeds" | grep '^pdu-' | head -15 | while read -r f; do cp "$out/seeds/$f" "$out/seeds-run/"; done
ls "$out/seeds" | grep '^scsi-' | head -15 | while read -r f; do cp "$out/seeds/$f" "$out/seeds-run/"; done
"$build/rel/reftarget" --portal "127.0.0.1:$PORT" --target "$IQN" --lun ram:64M --state-dir "$out/state" -q \
	>"$out/reftarget.log" 2>&1 &
pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
timeout 120 "$isim" netfuzz --url "$URL" --seeds "$out/seeds-run" --cases 30 --rate 100 --probe-timeout 2 \
	--no-minimize --out "$out/run" >"$out/run.out" 2>&1
if grep -q '^netfuzz: 30 seed cases from' "$out/run.out" && grep -q '^netfuzz: 30 cases in .* 0 findings$' "$out/run.out"; then
	ok "30 converted seeds run against reftarget: $(grep '^outcomes' "$out/run.out"); $(grep 'seed cases' "$out/run.out" | sed 's/^netfuzz: //')"
else
	bad "the converted seeds: $(grep -E '^(isim|netfuzz|FINDING)' "$out/run.out" | head -5)"
fi

# 3. netfuzz cases -> harness inputs, replayed
for n in $(seq 0 79); do "$isim" netfuzz --url "$URL" --show "$n" >"$out/shown/case-$n.case"; done
python3 fuzz/scripts/netfuzz-corpus.py to-harness "$out/harness" "$out/shown" >"$out/to-harness.out" 2>&1
for h in pdu login text scsi dataout session; do
	k=$(ls "$out/harness/$h" 2>/dev/null | wc -l)
	if [ "$k" -eq 0 ]; then
		bad "no $h input from the netfuzz cases"
	elif [ ! -x "$build/fuzz/rep/$h" ]; then
		bad "$build/fuzz/rep/$h is not built (make fuzz-regress builds it)"
	elif r=$("$build/fuzz/rep/$h" "$out/harness/$h" 2>"$out/rep-$h.log"); then
		ok "$k $h inputs from netfuzz cases replay clean ($(grep '^result:' <<<"$r"))"
	else
		bad "$h inputs from netfuzz cases: $(grep -E '^replay:|ERROR|==fz==' "$out/rep-$h.log" | head -3)"
	fi
done
echo "summary: $pass passed, $fail failed"
[ $fail -eq 0 ]
