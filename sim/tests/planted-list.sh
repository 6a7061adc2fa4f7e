#!/usr/bin/env bash
# planted-list.sh: sim/planted-bugs.txt, the one list of bugs planted for
# the simulator (in the engine or in the simulator's initiator), is well
# formed and matches the sources. Its readers (mk/sim.mk,
# tools/test-steps.d/20-sim.sh, sim/tests/planted.sh, sim/tests/results.sh)
# take the name at the start of each line (grep -o '^[a-z0-9_]\+') and the
# file after it, so every line must be a comment (#), blank, or a name
# (lower case, digits, '_': it becomes a macro, a make target and a
# folder) and the file its switch lives in, under ref_target/core,
# ref_target/scsi or sim/ (mk/sim.mk compiles that side with the switch).
# Every name listed is planted in the file it names (RT_PLANT_BUG_<name>),
# and every plant in ref_target/core, ref_target/scsi or sim/ outside
# sim/tests is listed (else nothing builds it and no oracle must catch it).
set -uo pipefail
cd "$(dirname "$0")/../.."
list=sim/planted-bugs.txt
[ -r "$list" ] || { echo "planted-list: $list not readable"; exit 2; }
bad=0
if grep -n -v -E '^(#.*|[[:space:]]*|[a-z][a-z0-9_]*[[:space:]]+(ref_target/(core|scsi)|sim/[a-z]+)/[a-z0-9_]+\.[ch])$' "$list"; then
	echo "$list: the lines above are neither a comment, blank, nor a name and the file under ref_target/core, ref_target/scsi or sim/ that plants it"
	bad=1
fi
while read -r name where; do
	if [ ! -r "$where" ]; then
		echo "$list: $name: $where does not exist"
		bad=1
	elif ! grep -q -E "RT_PLANT_BUG_$name\\b" "$where"; then
		echo "$list: $name is not planted in $where (no RT_PLANT_BUG_$name there)"
		bad=1
	fi
done < <(grep -E '^[a-z]' "$list")
# The network fuzzer's plants have a list of their own (the simulator's
# swarm is not asked to catch them, and they live in the engine): together
# the two lists name every plant.
netlist=sim/planted-bugs-net.txt
[ -r "$netlist" ] || { echo "planted-list: $netlist not readable"; exit 2; }
if grep -n -v -E '^(#.*|[[:space:]]*|[a-z][a-z0-9_]*)$' "$netlist"; then
	echo "$netlist: the lines above are neither a comment, blank, nor one name"
	bad=1
fi
listed=$(grep -ho '^[a-z0-9_]\+' "$list" "$netlist" | sort)
planted=$(grep -rhoE 'RT_PLANT_BUG_[A-Za-z0-9_]+' ref_target/core ref_target/scsi $(ls -d sim/*/ | grep -v '^sim/tests/$') |
	sed 's/^RT_PLANT_BUG_//' | sort -u)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || { echo "$list: listed twice: $dups"; bad=1; }
for name in $(comm -23 <(uniq <<<"$listed") <(echo "$planted")); do
	echo "$list or $netlist: $name is listed but not planted (no RT_PLANT_BUG_$name in ref_target/core, scsi or sim/)"
	bad=1
done
for name in $(comm -13 <(uniq <<<"$listed") <(echo "$planted")); do
	echo "RT_PLANT_BUG_$name is planted but not listed in $list or $netlist (nothing would build or catch it)"
	bad=1
done
[ $bad -eq 0 ] || exit 1
nsim=$(grep -c -E '^[a-z][a-z0-9_]*[[:space:]]+sim/' "$list")
echo "summary: $(wc -w <<<"$listed") planted bugs ($nsim in the simulator's initiator), listed in $list and $netlist and planted where listed: $(echo $listed)"
