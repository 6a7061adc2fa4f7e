#!/usr/bin/env bash
# guest_check.sh BUILD: the open-iscsi guest's workload and its judge,
# without the guest (scenarios/live-guest.sh runs them with it):
#   1. guest_writer (the guest's workload) for 3 s on a regular file, then
#      `isim guest-check` over its history: every block read back checked
#      by the data oracle, the scenario (05-all-paths-down-queue) met;
#   2. the same history with one block read back as an older version: the
#      data oracle fires (fail data, exit 1);
#   3. a history by hand with a kernel log: a write that waited 7 s across
#      a fault at 8 s completes while dm-multipath had failed one of two
#      paths: failed over 7.5 s after the fault; with both paths failed
#      it is no failover, nor is a write sent after the path failed;
#   4. a malformed history line: exit 2, the file and line named;
#   5. two hosts' histories in one data oracle (the guest's and `isim
#      live --history`'s beside it, scenarios/live-guest.sh): host 1
#      reading the guest's newest write passes, reading one the guest had
#      overwritten 3 s before is a stale read (fail data), within the
#      250 ms the second history's clock may lag it is not; host 1's P
#      lines count as its path failures; two histories in one version
#      space are refused (exit 2).
# Ends with a summary line; files under BUILD/guest-check-test/.
set -uo pipefail
build=${1:?usage: guest_check.sh BUILD}
cd "$(dirname "$0")/../.."
isim=$build/rel/isim
out=$build/guest-check-test
rm -rf "$out"
mkdir -p "$out"
pass=0 failn=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; failn=$((failn + 1)); }

# 1. the writer on a file (O_DIRECT: the build directory's file system)
truncate -s 1M "$out/lu.img"
if timeout 30 "$build/rel/guest_writer" dev="$out/lu.img" log="$out/hist" blocks=2048 bs=512 duration=3 start=1 \
	qd=4 think_us=1000 read=50 write=40 write_fua=5 flush=5 max_blocks=16 hot_blocks=32 hot=50 seed=1 \
	>"$out/writer.out" 2>&1 && grep -q '^LIVE-GO' "$out/writer.out" && grep -q '^E 0$' "$out/hist"; then
	ok "guest_writer: $(grep -c '^[WRF] ' "$out/hist") I/Os, $(grep -c '^V ' "$out/hist") read-back reads"
else
	bad "guest_writer did not run: $(tail -n 1 "$out/writer.out")"
fi
"$isim" guest-check --scenario scenarios/05-all-paths-down-queue.scn --history "$out/hist" >"$out/check1.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'no violation' "$out/check1.out" && grep -q ': pass (expected pass): met' "$out/check1.out"; then
	ok "guest-check: the writer's history passes the data oracle and the scenario"
else
	bad "guest-check on a clean history: exit $rc: $(tail -n 2 "$out/check1.out")"
fi

# 2. an acknowledged write lost: a read-back block goes back to zeroes
awk '!d && /^V / { n = split($7, a, ","); if (a[1] + 0 > 0) { a[1] = 0; s = a[1]
	for (i = 2; i <= n; i++) s = s "," a[i]; $7 = s; d = 1 } } { print }' "$out/hist" >"$out/hist.lost"
"$isim" guest-check --scenario scenarios/05-all-paths-down-queue.scn --history "$out/hist.lost" >"$out/check2.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'fail data (expected pass): NOT MET' "$out/check2.out" &&
	grep -q 'which no live write put there' "$out/check2.out"; then
	ok "guest-check: a block read back as zeroes after acknowledged writes: the data oracle fires"
else
	bad "guest-check on a lost write: exit $rc: $(tail -n 2 "$out/check2.out")"
fi

# 3. failover from the kernel log (times in ns from LIVE-GO; T = 0)
cat >"$out/hist.fo" <<'EOF'
T 0
W 1 0 1 0 1000000000 1100000000 0
W 2 0 1 0 7900000000 15500000000 0
W 3 8 1 0 16000000000 16100000000 0
V 0 16 30000000000 30000000100 0 2,0,0,0,0,0,0,0,3,0,0,0,0,0,0,0
E 0
EOF
echo '[   13.000000] device-mapper: multipath: 253:0: Failing path 8:0.' >"$out/dmesg.one"
printf '%s\n' '[   13.000000] device-mapper: multipath: 253:0: Failing path 8:0.' \
	'[   13.500000] device-mapper: multipath: 253:0: Failing path 8:16.' >"$out/dmesg.both"
scn=scenarios/21-partition-heavy-writes-short-timeout.scn
"$isim" guest-check --scenario $scn --history "$out/hist.fo" --dmesg "$out/dmesg.one" >"$out/check3.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'fail over 7.5 s, longest I/O 7.6 s' "$out/check3.out" && grep -q '1 path failures' "$out/check3.out"; then
	ok "guest-check: one of two paths failed, a write completed through the other: failed over 7.5 s after the fault"
else
	bad "guest-check failover: exit $rc: $(tail -n 1 "$out/check3.out")"
fi
"$isim" guest-check --scenario $scn --history "$out/hist.fo" --dmesg "$out/dmesg.both" >"$out/check4.out" 2>&1
if grep -q 'fail over - s' "$out/check4.out" && grep -q '2 path failures' "$out/check4.out"; then
	ok "guest-check: with every path failed a completion is no failover"
else
	bad "guest-check, both paths failed: $(tail -n 1 "$out/check4.out")"
fi
grep -v '^W 2 ' "$out/hist.fo" | sed 's/ 0 2,0,0/ 0 1,0,0/' >"$out/hist.after"
"$isim" guest-check --scenario $scn --history "$out/hist.after" --dmesg "$out/dmesg.one" >"$out/check6.out" 2>&1
if grep -q 'no violation' "$out/check6.out" && grep -q 'fail over - s' "$out/check6.out"; then
	ok "guest-check: a write sent after its path failed did not fail over"
else
	bad "guest-check, a write after the failure: $(tail -n 1 "$out/check6.out")"
fi

# 4. a malformed line
printf 'T 0\nW 1 0 oops\n' >"$out/hist.bad"
"$isim" guest-check --scenario $scn --history "$out/hist.bad" >"$out/check5.out" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "hist.bad:2: not a history record" "$out/check5.out"; then
	ok "guest-check: a malformed history line is exit 2, file and line named"
else
	bad "guest-check on a malformed history: exit $rc: $(cat "$out/check5.out")"
fi
# 5. two hosts: the guest's writes in version space 1 (guest_writer
# ver_base=2^40), host 1's (isim live) in space 0
g=$((1 << 40))
cat >"$out/hist.g" <<EOF
T 0
W $((g + 1)) 4 1 0 1000000000 1100000000 0
W $((g + 2)) 4 1 0 2000000000 2100000000 0
V 0 8 30000000000 30000000100 0 0,0,0,0,$((g + 2)),0,0,1
E 0
EOF
cat >"$out/hist.h1" <<EOF
W 1 7 1 0 500000000 600000000 0
R 4 1 3000000000 3000100000 0 $((g + 2))
P 12000000000 fail h1p0
P 20000000000 back h1p0
E 0
EOF
scn5=scenarios/05-all-paths-down-queue.scn
"$isim" guest-check --scenario $scn5 --history "$out/hist.g" --history "$out/hist.h1" >"$out/check7.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '2 histories in one oracle, no violation' "$out/check7.out" &&
	grep -q ' 1 path failures' "$out/check7.out"; then
	ok "guest-check, two hosts: host 1 reads the guest's newest write; its P lines are its path failures"
else
	bad "guest-check, two hosts: exit $rc: $(tail -n 3 "$out/check7.out")"
fi
sed "s/^R 4 1 3000000000 3000100000 0 .*/R 4 1 5000000000 5000100000 0 $((g + 1))/" "$out/hist.h1" >"$out/hist.h1.stale"
"$isim" guest-check --scenario $scn5 --history "$out/hist.g" --history "$out/hist.h1.stale" >"$out/check8.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'fail data (expected pass): NOT MET' "$out/check8.out" &&
	grep -q "is hist.g's write $((g + 1)) (lba 4" "$out/check8.out"; then
	ok "guest-check, two hosts: host 1 reads a version the guest overwrote 3 s before: the data oracle fires, naming the guest's write"
else
	bad "guest-check, two hosts, a stale read: exit $rc: $(tail -n 3 "$out/check8.out")"
fi
sed "s/^R 4 1 3000000000 3000100000 0 .*/R 4 1 1950000000 2150000000 0 $((g + 1))/" "$out/hist.h1" >"$out/hist.h1.lag"
"$isim" guest-check --scenario $scn5 --history "$out/hist.g" --history "$out/hist.h1.lag" >"$out/check9.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'no violation' "$out/check9.out"; then
	ok "guest-check, two hosts: a read within host 1's clock lag of the overwrite is not judged stale"
else
	bad "guest-check, two hosts, a read within the lag: exit $rc: $(tail -n 3 "$out/check9.out")"
fi
sed "s/^W 1 7 /W $((g + 9)) 7 /" "$out/hist.h1" >"$out/hist.h1.space"
"$isim" guest-check --scenario $scn5 --history "$out/hist.g" --history "$out/hist.h1.space" >"$out/check10.out" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'one version space' "$out/check10.out"; then
	ok "guest-check, two hosts: two histories in one version space are refused"
else
	bad "guest-check, two histories in one space: exit $rc: $(cat "$out/check10.out")"
fi
echo "summary: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
