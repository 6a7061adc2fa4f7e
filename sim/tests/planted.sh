#!/usr/bin/env bash
# planted.sh BUILD BUG SEEDS: the swarm catches a bug planted in the engine
# (-DRT_PLANT_BUG=BUG, mk/sim.mk) within SEEDS seeds. Fails if the engine
# has no such plant (the switch would change nothing) or if no seed fails.
set -uo pipefail
build=$1 bug=$2 seeds=$3
cd "$(dirname "$0")/../.."
if ! grep -rq -E "RT_PLANT_BUG_$bug|RT_PLANT_BUG == *$bug" ref_target/core ref_target/scsi; then
	echo "summary: $bug is not planted in ref_target (no RT_PLANT_BUG_$bug): nothing to catch yet"
	exit 1
fi
"$build/bug-$bug/isim" swarm --seeds "1..$seeds" --jobs 2 --expect-fail | grep -E '^(FAIL|  replay|caught|summary|expected)'
rc=${PIPESTATUS[0]}
exit "$rc"
