#!/usr/bin/env bash
# clean-run.sh CMD...: run CMD, then check that it left the checkout as it
# found it (`git status --porcelain` the same before and after: no tracked
# file rewritten, nothing new outside the ignored build folders). Runs
# write under $BUILD; only make publish writes into the checkout.
# Exit status: CMD's when it failed, else 1 if the checkout changed
# (the difference is printed), else 0. Outside a git checkout it only runs
# CMD.
set -uo pipefail
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	"$@"
	exit
fi
before=$(git status --porcelain)
"$@"
rc=$?
after=$(git status --porcelain)
if [ "$before" != "$after" ]; then
	echo "clean-run: '$*' changed the checkout (git status --porcelain, < before, > after):"
	diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^[<>]' | sed 's/^/    /'
	[ $rc -ne 0 ] || rc=1
fi
exit $rc
