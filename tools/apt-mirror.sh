#!/usr/bin/env bash
# apt-mirror.sh [SUITE]: print the Debian mirror this machine's apt uses for
# SUITE (default bookworm), from /etc/apt's deb822 .sources files or its
# one-line .list files. debootstrap runs (tools/fresh-root.sh, the guest
# image of conformance/guest/initiator-image.sh) take their mirror from here,
# so they reach Debian's registry the way apt on this machine does.
# Exit status 1, and nothing printed, when no source names SUITE.
set -euo pipefail
SUITE=${1:-bookworm}
{
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v suite="$SUITE" '
			function flush() { if (deb && uri != "" && has) print uri; deb = 0; uri = ""; has = 0 }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
			END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk -v suite="$SUITE" '$1 == "deb" { u = $2; s = $3; if ($2 ~ /^\[/) { u = $3; s = $4 } if (s == suite) print u }' "$f"
	done
} | head -n 1 | grep .
