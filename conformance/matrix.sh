#!/usr/bin/env bash
# matrix.sh -o RESULTS_DIR [-r REFERENCE_DIR] TARGET...: merge per-target
# results into the matrix and check reftarget's differences from LIO.
#
# Reads RESULTS_DIR/<target>.csv (test,result,seconds,flavour,detail) for
# each TARGET, or REFERENCE_DIR/<target>.csv when this run did not produce
# it (that column is then marked "recorded"). Writes RESULTS_DIR/matrix.csv
# (one row per test, one column per target, "-" where a target has no
# result, and last the reftarget flavour the test ran on) and
# RESULTS_DIR/summary.md (counts per target, then every test
# where reftarget and LIO differ, with the reason recorded in
# conformance/expected-differences.md). Exit status 1 when a difference is
# new or changed, i.e. not listed with the same pair of results: a new
# difference fails the run until someone explains it there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

conf_out_ref_opts "$@"
shift $((OPTIND - 1))
[ -n "$out" ] && [ $# -gt 0 ] || conf_die "usage: matrix.sh -o DIR [-r DIR] TARGET..."
EXPECTED=${CONF_EXPECTED:-$CONF_DIR/expected-differences.md}

declare -A res det src seen flavour
tests=()
columns=()
for t in "$@"; do
	conf_column "$out" "$reference" "$t"
	f=$col_file
	src[$t]=$col_src
	columns+=("$t")
	[ -n "$f" ] || continue
	while IFS=, read -r name result _ fl detail; do
		[ "$name" = test ] && continue
		res[$t,$name]=$result
		flavour[$t,$name]=$fl
		detail=${detail#\"}
		detail=${detail%\"}
		det[$t,$name]=${detail//\"\"/\"}
		# Rows are the tests this run ran; a recorded column only fills in.
		if [ "${src[$t]}" = fresh ] && [ -z "${seen[$name]:-}" ]; then
			seen[$name]=1
			tests+=("$name")
		fi
	done <"$f"
done
[ ${#tests[@]} -gt 0 ] || conf_die "no fresh results in $out"
mapfile -t tests < <(printf '%s\n' "${tests[@]}" | sort)

{
	(IFS=,; echo "test,${columns[*]},reftarget_flavour")
	for name in "${tests[@]}"; do
		row=$name
		for t in "${columns[@]}"; do row+=",${res[$t,$name]:--}"; done
		echo "$row,${flavour[reftarget,$name]:--}"
	done
} >"$out/matrix.csv"

# Expected differences: table rows "| test | reftarget | lio | reason |". A
# result cell may list alternatives, "FAIL or PASS", for a test whose result
# depends on timing (say why in the reason). Rows under a "## " heading
# that names lio-tcmu are the lio-tcmu column's, "| test | lio | lio-tcmu
# | reason |" (LIO with TCMU against LIO's own backstore); any other "## "
# heading returns to reftarget vs LIO. Keys are "SECTION TEST", SECTION
# being the column compared with LIO (reftarget or lio-tcmu).
declare -A exp_pair exp_reason
if [ -f "$EXPECTED" ]; then
	sect=reftarget
	while IFS= read -r line; do
		case "$line" in
		'## '*lio-tcmu*) sect=lio-tcmu; continue ;;
		'## '*) sect=reftarget; continue ;;
		esac
		IFS='|' read -r _ name r l reason _ <<<"$line"
		name=$(xargs <<<"$name") r=$(xargs <<<"$r") l=$(xargs <<<"$l")
		case "$name" in SCSI.* | iSCSI.* | tools.* | guest.*) ;; *) continue ;; esac
		# The lio-tcmu table is "| test | lio | lio-tcmu |": stored as
		# (other column)/(LIO), as reftarget's rows are.
		[ "$sect" = reftarget ] && exp_pair["$sect $name"]="$r/$l" || exp_pair["$sect $name"]="$l/$r"
		exp_reason["$sect $name"]=$(sed 's/^ *//; s/ *$//' <<<"$reason")
	done <"$EXPECTED"
fi

# count T PREFIX_REGEX: "PASS FAIL SKIP HANG NA TOTAL" over matching rows.
count() {
	local t=$1 re=$2 name r p=0 f=0 s=0 h=0 na=0 n=0
	for name in "${tests[@]}"; do
		[[ $name =~ $re ]] || continue
		r=${res[$t,$name]:-}
		[ -n "$r" ] || continue
		n=$((n + 1))
		case "$r" in PASS) p=$((p + 1)) ;; FAIL) f=$((f + 1)) ;; SKIP) s=$((s + 1)) ;; HANG) h=$((h + 1)) ;; NA) na=$((na + 1)) ;; esac
	done
	echo "$p $f $s $h $na $n"
}

# listed SECTION TEST R L: the expected-differences row of TEST in
# SECTION allows results R (SECTION's column) and L (LIO's).
listed() {
	local pair=${exp_pair["$1 $2"]:-} er el
	[ -n "$pair" ] || return 1
	er=" ${pair%%/*} " el=" ${pair#*/} "
	er=${er// or / } el=${el// or / }
	[[ $er == *" $3 "* ]] && [[ $el == *" $4 "* ]]
}

# meta T KEY: one value from T's .meta (this run's, else the reference's).
meta() {
	local f=$out/$1.meta
	[ -f "$f" ] || f=${reference:-/nonexistent}/$1.meta
	[ -f "$f" ] || return 0
	sed -n "s/^$2=//p" "$f" | tail -n 1
}

# compare T: the table of every test where column T (reftarget or
# lio-tcmu) and LIO differ, each with its reason from SECTION T of
# expected-differences.md; adds the unexplained ones to $new.
compare() {
	local t=$1 name r l status reason ndiff=0 nnew=0 stale=() label
	label=$([ "$t" = reftarget ] && echo "reftarget (flavour)" || echo "$t")
	if [ -z "${src[$t]:-}" ] || [ -z "${src[lio]:-}" ] ||
		[ "${src[$t]}" = missing ] || [ "${src[lio]}" = missing ]; then
		echo "$t vs LIO: not compared (a column is missing)."
		return 0
	fi
	echo "#### $t vs LIO"
	echo
	echo "Every test where the two differ, with its reason from"
	echo "\`conformance/expected-differences.md\`$([ "$t" = reftarget ] || echo " (section \"$t\")"); NEW or CHANGED fails the run."
	echo
	echo "| test | $label | LIO | status | reason |"
	echo "| --- | --- | --- | --- | --- |"
	for name in "${tests[@]}"; do
		r=${res[$t,$name]:-} l=${res[lio,$name]:-}
		# NA is "not run, by rule" (e.g. discovery tools vs a guest):
		# nothing to compare.
		[ -n "$r" ] && [ -n "$l" ] && [ "$r" != "$l" ] || continue
		[ "$r" != NA ] && [ "$l" != NA ] || continue
		# The protocol suite's differences have their own table, with
		# the RFC's side (protocol-diff.md, conformance/PROTOCOL.md).
		case "$name" in protocol.*) continue ;; esac
		ndiff=$((ndiff + 1))
		if listed "$t" "$name" "$r" "$l"; then status=expected
		elif [ -n "${exp_pair["$t $name"]:-}" ]; then status="CHANGED (listed ${exp_pair["$t $name"]})"; nnew=$((nnew + 1))
		else status=NEW; nnew=$((nnew + 1)); fi
		# An unexplained row shows both sides' details, to write the
		# reason from.
		reason=${exp_reason["$t $name"]:-"$t: ${det[$t,$name]:-} / LIO: ${det[lio,$name]:-}"}
		[ "$t" = reftarget ] && r="$r (${flavour[reftarget,$name]:--})"
		echo "| $name | $r | $l | $status | ${reason//|/\\|} |"
	done
	echo
	for name in "${!exp_pair[@]}"; do
		[ "${name%% *}" = "$t" ] || continue
		name=${name#* }
		r=${res[$t,$name]:-} l=${res[lio,$name]:-}
		[ -n "$r" ] && [ -n "$l" ] && [ "$r" = "$l" ] && ! listed "$t" "$name" "$r" "$l" && stale+=("$name")
	done
	echo "$ndiff differences, $nnew not explained."
	new=$((new + nnew))
	if [ ${#stale[@]} -gt 0 ]; then
		echo "Listed but no longer different (remove from expected-differences.md): $(printf '%s ' "${stale[@]}" | sort)"
	fi
	return 0
}

new=0
{
	echo "### Conformance matrix"
	echo
	libiscsi=
	for t in "${columns[@]}"; do libiscsi=${libiscsi:-$(meta "$t" libiscsi)}; done
	echo "libiscsi $libiscsi \`iscsi-test-cu -d -S\`, one process per test;"
	echo "full per-test results in \`conformance/results/matrix.csv\`."
	echo
	echo "| target | version | iscsi-test-cu PASS / FAIL / SKIP / HANG (of N) | tools PASS / FAIL / NA | open-iscsi guest | wall time | boot |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	for t in "${columns[@]}"; do
		if [ "${src[$t]}" = missing ]; then
			echo "| $t | | $( [ -f "$out/$t.meta" ] && echo "failed: $(meta "$t" status)" || echo "not run") | | | | |"
			continue
		fi
		read -r p f s h _ n <<<"$(count "$t" '^i?SCSI\.')"
		read -r tp tf _ _ tna tn <<<"$(count "$t" '^tools\.')"
		read -r gp gf _ _ gna gn <<<"$(count "$t" '^guest\.')"
		cu="$p / $f / $s / $h (of $n)"
		tools=$([ "$tn" -gt 0 ] && echo "$tp / $tf / $tna" || echo "-")
		if [ "$gn" -eq 0 ]; then guest=-
		elif [ "$gna" -eq "$gn" ]; then guest=NA
		else guest="$gp / $((gn - gna)) steps"; fi
		wall=$(meta "$t" wall_seconds)
		boot=$(meta "$t" boot_seconds)
		note=
		[ "${src[$t]}" = recorded ] && note=" (recorded $(meta "$t" date))"
		echo "| $t$note | $(meta "$t" version) | $cu | $tools | $guest | ${wall:+${wall} s} | ${boot:+${boot} s} |"
	done
	echo
	compare reftarget
	# lio-tcmu is compared only when this run ran it: a recorded lio-tcmu
	# column beside a fresh LIO (make conformance-lio) says nothing new.
	[ "${src[lio-tcmu]:-missing}" = fresh ] && { echo; compare lio-tcmu; }
} >"$out/summary.md"

cat "$out/summary.md"
if [ $new -gt 0 ]; then
	echo "result: $new differences from LIO not in expected-differences.md"
	exit 1
fi
echo "result: matrix of ${#tests[@]} tests x ${#columns[@]} targets written to $out"
