#!/usr/bin/env bash
# readme_files.sh: sim/README.md's file table names exactly the files of
# sim/: every .c/.h outside tests/ is in it (first column, `x.[ch]` for
# both), and every file or folder it names exists. A newcomer finds each
# file there, and no row points at a file that was renamed away.
set -uo pipefail
cd "$(dirname "$0")/../.."
readme=sim/README.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The first column of the rows of "## Files", up to the next section.
awk '/^## Files$/ { on = 1; next } /^## / { on = 0 } on && /^\| / { split($0, c, "|"); print c[2] }' "$readme" |
	grep -o '`[^`]*`' | tr -d '`' > "$tmp/named"
if [ ! -s "$tmp/named" ]; then
	echo "readme_files: no file table under '## Files' in $readme"
	exit 1
fi
bad=0
: > "$tmp/listed"
while read -r name; do
	case "$name" in
	*/) [ -d "sim/$name" ] || { echo "readme_files: $readme names folder sim/$name, which does not exist"; bad=1; } ;;
	*.\[ch\]) printf 'sim/%s.c\nsim/%s.h\n' "${name%.\[ch\]}" "${name%.\[ch\]}" >> "$tmp/listed" ;;
	*) echo "sim/$name" >> "$tmp/listed" ;;
	esac
done < "$tmp/named"
sort -u "$tmp/listed" -o "$tmp/listed"
find sim -name '*.[ch]' -not -path 'sim/tests/*' | sort > "$tmp/files"
comm -23 "$tmp/files" "$tmp/listed" | sed "s|^|readme_files: missing from $readme's table: |" | grep . && bad=1
comm -13 "$tmp/files" "$tmp/listed" | sed "s|^|readme_files: $readme's table names a file that does not exist: |" | grep . && bad=1
if [ $bad -eq 0 ]; then
	echo "summary: $readme's table names all $(wc -l < "$tmp/files") .c/.h files of sim/ outside tests/, and nothing else"
fi
exit $bad
