#!/usr/bin/env bash
# planted-list.sh: sim/planted-bugs.txt, the one list of bugs planted in
# the engine, is well formed and matches the sources. Its readers (mk/sim.mk,
# tools/test-steps.d/20-sim.sh, sim/tests/results.sh) take the name at the
# start of each line (grep -o '^[a-z0-9_]\+'), so every line must be a
# comment (#), blank, or one name: lower case, digits, '_' (it becomes a
# macro, a make target and a folder). Every name listed is planted
# (RT_PLANT_BUG_<name> in ref_target/core or ref_target/scsi), and every
# plant there is listed (else nothing builds it and no oracle must catch it).
set -uo pipefail
cd "$(dirname "$0")/../.."
list=sim/planted-bugs.txt
[ -r "$list" ] || { echo "planted-list: $list not readable"; exit 2; }
bad=0
if grep -n -v -E '^(#.*|[[:space:]]*|[a-z][a-z0-9_]*)$' "$list"; then
	echo "$list: the lines above are neither a comment, blank, nor one name"
	bad=1
fi
# The network fuzzer's plants have a list of their own (the simulator's
# swarm is not asked to catch them): together the two lists name every plant.
netlist=sim/planted-bugs-net.txt
[ -r "$netlist" ] || { echo "planted-list: $netlist not readable"; exit 2; }
if grep -n -v -E '^(#.*|[[:space:]]*|[a-z][a-z0-9_]*)$' "$netlist"; then
	echo "$netlist: the lines above are neither a comment, blank, nor one name"
	bad=1
fi
listed=$(grep -ho '^[a-z0-9_]\+' "$list" "$netlist" | sort)
planted=$(grep -rhoE 'RT_PLANT_BUG_[A-Za-z0-9_]+' ref_target/core ref_target/scsi |
	sed 's/^RT_PLANT_BUG_//' | sort -u)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || { echo "$list: listed twice: $dups"; bad=1; }
for name in $(comm -23 <(uniq <<<"$listed") <(echo "$planted")); do
	echo "$list or $netlist: $name is listed but not planted (no RT_PLANT_BUG_$name in ref_target/core or scsi)"
	bad=1
done
for name in $(comm -13 <(uniq <<<"$listed") <(echo "$planted")); do
	echo "ref_target: RT_PLANT_BUG_$name is planted but not listed in $list or $netlist (nothing would build or catch it)"
	bad=1
done
[ $bad -eq 0 ] || exit 1
echo "summary: $(wc -w <<<"$listed") planted bugs, listed in $list and $netlist and planted in the engine: $(echo $listed)"
