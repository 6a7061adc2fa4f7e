#!/usr/bin/env bash
# bar.sh -o RESULTS_DIR [-r REFERENCE_DIR]: check the reftarget column
# against issue 3's bar and against the skips we have explained.
#
# Reads <target>.csv of reftarget, tgt and lio from RESULTS_DIR, or from
# REFERENCE_DIR for a column this run did not produce, and checks, over the
# tests of the reftarget column:
#   skips  every reftarget SKIP is listed in conformance/skips.md with the
#          flavour it ran on; an unlisted one is NEW and fails the run, as
#          an unexplained difference from LIO does (matrix.sh). A listed
#          test that now passes is reported stale;
#   bar    (conformance/bar.conf) at least pass_min PASS in libiscsi's
#          suite, no FAIL or HANG but those skips.md lists as the suite's
#          own bugs, and every test tgt or LIO passes passed by reftarget
#          too. The gap is always printed; it fails the run only once
#          bar.conf says enforced=1.
# Appends its section to RESULTS_DIR/summary.md and prints it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

conf_out_ref_opts "$@"
[ -n "$out" ] || conf_die "usage: bar.sh -o DIR [-r DIR]"
SKIPS=${CONF_SKIPS:-$CONF_DIR/skips.md}
BAR=${CONF_BAR:-$CONF_DIR/bar.conf}
pass_min=200 enforced=0
# shellcheck source=bar.conf
. "$BAR"

# column T: the CSV that holds T's results now, if any.
column() {
	conf_column "$out" "$reference" "$1"
	echo "$col_file"
}

declare -A res flav peer_pass
tests=()
rt=$(column reftarget)
if [ -z "$rt" ]; then
	echo "bar: no reftarget column, nothing checked" | tee -a "$out/summary.md"
	exit 0
fi
while IFS=, read -r name result _ fl _; do
	[ "$name" = test ] && continue
	tests+=("$name")
	res[$name]=$result
	flav[$name]=$fl
done <"$rt"
peers=()
for t in tgt lio; do
	f=$(column "$t")
	[ -n "$f" ] || continue
	peers+=("$t")
	while IFS=, read -r name result _; do
		[ "$result" = PASS ] && peer_pass[$name]+="$t "
	done <"$f"
done

# skips.md rows: "| test | result | flavour | reason |", result SKIP, or
# FAIL or HANG for the suite's own bug.
declare -A listed listed_flavour
while IFS='|' read -r _ name r fl _; do
	name=$(xargs <<<"$name") r=$(xargs <<<"$r") fl=$(xargs <<<"$fl")
	case "$name" in SCSI.* | iSCSI.* | tools.* | guest.*) ;; *) continue ;; esac
	listed[$name]=$r
	listed_flavour[$name]=$fl
done <"$SKIPS"

new=() stale=() gap=() bad=() excused=()
pass=0 cu=0
for name in "${tests[@]}"; do
	r=${res[$name]}
	case "$name" in SCSI.* | iSCSI.*) cu=$((cu + 1)) ;; esac
	case "$name:$r" in SCSI.*:PASS | iSCSI.*:PASS) pass=$((pass + 1)) ;; esac
	case "$r" in
	SKIP)
		if [ "${listed[$name]:-}" != SKIP ]; then
			new+=("$name (SKIP on ${flav[$name]}: not in skips.md${listed[$name]:+, listed as ${listed[$name]}})")
		elif [ "${listed_flavour[$name]}" != "${flav[$name]}" ]; then
			new+=("$name (SKIP on ${flav[$name]}: skips.md says ${listed_flavour[$name]})")
		fi
		;;
	FAIL | HANG)
		bad+=("$name ($r on ${flav[$name]})")
		if [ "${listed[$name]:-}" = "$r" ] && [ "${listed_flavour[$name]}" = "${flav[$name]}" ]; then
			excused+=("$name")
		fi
		;;
	*) [ -z "${listed[$name]:-}" ] || stale+=("$name") ;;
	esac
	if [ -n "${peer_pass[$name]:-}" ] && [ "$r" != PASS ]; then
		gap+=("$name ($r on ${flav[$name]}; passes on ${peer_pass[$name]% })")
	fi
done

# pass_min=all (conformance/bar-selection.conf): a run of a selection
# must pass every test it selected.
[ "$pass_min" != all ] || pass_min=$cu
met=1
[ $pass -ge "$pass_min" ] || met=0
[ ${#gap[@]} -eq 0 ] || met=0
[ ${#bad[@]} -eq ${#excused[@]} ] || met=0
list() { local x; for x in "$@"; do echo "- $x"; done; }
{
	echo
	echo "#### reftarget against the bar of issue 3"
	echo
	echo "libiscsi suite: $pass PASS of $cu tests (bar: at least $pass_min, no FAIL or HANG, every test"
	echo "$([ ${#peers[@]} -gt 0 ] && sed 's/ / or /g' <<<"${peers[*]}" || echo "no peer") passes passed too); bar $([ $met = 1 ] && echo met || echo "not met")$([ "$enforced" = 1 ] && echo ", enforced" || echo ", not enforced yet (conformance/bar.conf)")."
	echo
	if [ ${#gap[@]} -gt 0 ]; then
		echo "Passed by ${peers[*]} but not by reftarget (${#gap[@]}):"
		list "${gap[@]}"
		echo
	fi
	if [ ${#bad[@]} -gt 0 ]; then
		echo "reftarget FAIL or HANG (${#bad[@]}; ${#excused[@]} of them the suite's own, listed in skips.md):"
		list "${bad[@]}"
		echo
	fi
	echo "Skips not explained in \`conformance/skips.md\`: ${#new[@]}."
	[ ${#new[@]} -eq 0 ] || list "${new[@]}"
	if [ ${#stale[@]} -gt 0 ]; then
		echo
		echo "Listed in skips.md but passing now (remove): ${stale[*]}"
	fi
} | tee -a "$out/summary.md"

status=0
if [ ${#new[@]} -gt 0 ]; then
	echo "result: ${#new[@]} reftarget skips not in skips.md"
	status=1
fi
if [ $met = 0 ] && [ "$enforced" = 1 ]; then
	echo "result: reftarget misses the bar of issue 3 (enforced)"
	status=1
fi
[ $status = 1 ] || echo "result: bar $([ $met = 1 ] && echo met || echo "not met, not enforced"); $pass PASS; skips all explained"
exit $status
