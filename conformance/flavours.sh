#!/usr/bin/env bash
# flavours.sh [RULES]: which reftarget flavour each test runs on.
#
# Reads test names, one a line, on stdin; prints "test<TAB>flavour" for
# each, in the same order. RULES (default conformance/flavours.txt) holds
# one rule a line, "REGEX FLAVOUR [# why]": the first rule whose regex
# (POSIX extended, as grep -E) matches the name gives the flavour; no match
# gives "file", the default flavour. Exits non-zero on a malformed rule, so
# a typo cannot quietly send tests to the default.
set -euo pipefail
RULES=${1:-$(cd "$(dirname "$0")" && pwd)/flavours.txt}
[ -f "$RULES" ] || { echo "flavours.sh: no rules file $RULES" >&2; exit 1; }

awk -v rules="$RULES" '
BEGIN {
	n = 0
	while ((getline line < rules) > 0) {
		sub(/#.*/, "", line)
		gsub(/^[ \t]+|[ \t]+$/, "", line)
		if (line == "")
			continue
		if (split(line, f, /[ \t]+/) != 2) {
			printf "flavours.sh: %s: malformed rule: %s\n", rules, line > "/dev/stderr"
			bad = 1
			exit 1
		}
		n++
		re[n] = f[1]
		fl[n] = f[2]
	}
}
{
	flavour = "file"
	for (i = 1; i <= n; i++)
		if ($0 ~ re[i]) { flavour = fl[i]; break }
	printf "%s\t%s\n", $0, flavour
}
END { if (bad) exit 1 }'
