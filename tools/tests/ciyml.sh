#!/usr/bin/env bash
# ciyml.sh: CI.yml does what it says. Replays the `run:` commands of its
# main job (`conformance`) on this machine, in order, in a temp folder that
# stands in for a user's repository, then checks what the workflow promises:
#   - the checkout of iscsi-sim at the pinned tag is a `git clone` of this
#     repository at HEAD (commit what you want tested) into iscsi-sim/;
#     the user's own checkout is the empty temp folder, so the job falls
#     back to iscsi-sim's worked hook, which starts our reftarget, here on a
#     free loopback port (ISCSI_SIM_PORT) and with CHAP (ISCSI_SIM_CHAP);
#   - every step runs as GitHub runs it (bash -eo pipefail, the workflow's
#     env, GITHUB_ENV and GITHUB_STEP_SUMMARY files), a failing step fails
#     this test; a step this test cannot stand in for fails it too;
#   - afterwards every path the upload step names exists, the results hold
#     a row per selected test and the tools rows, CHAP and the second portal
#     were exercised, and the target the hook started is stopped;
#   - every make target any CI.yml job names exists (make -n TARGET in the
#     clone).
# The iscsi-test-cu selection is small (ISCSI_SIM_TESTS, which CI.yml
# honours; CIYML_TESTS overrides it here). First the extractor
# (ciyml-steps.awk) is checked on a fixture. Runs in a loopback-only
# namespace (tools/netns-run.sh). CIYML=FILE replays another workflow
# file (to see this test fail); CIYML_KEEP=1 keeps the temp folder.
# Prints one line per check and "result: N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ "${RT_IN_NETNS:-}" != 1 ]; then exec "$ROOT/tools/netns-run.sh" "$0" "$@"; fi
CIYML=${CIYML:-$ROOT/CI.yml}
JOB=conformance
AWK=$HERE/ciyml-steps.awk
TESTS=${CIYML_TESTS:-'^SCSI\.(Inquiry\.Standard|TestUnitReady\.Simple|ReadCapacity16\.Simple|Read10\.Simple|MultipathIO\.Simple)$'}
# The CHAP identity the hook's reftarget requires (secret: 12..255 bytes).
CHAP_USER=ciuser CHAP_SECRET=ci-secret-1234

T=$(mktemp -d "${TMPDIR:-/tmp}/ciyml.XXXXXX")
cleanup() { [ "${CIYML_KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"; }
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
finish() {
	echo "result: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# ---- the extractor on a fixture ----
cat >"$T/fixture.yml" <<'EOF'
env:
  A: "two words"   # comment
  B: plain # comment
jobs:
  one:
    container:
      image: debian:12
    steps:
      - name: first
        run: echo "quoted" here # a shell comment
      - uses: actions/checkout@v4
        with:
          path: sub
      - run: |
          line 1

            indented
        if: always()
  two:
    steps:
      - run: make x
EOF
printf '%s\n' "env	-	-	A	two words" "env	-	-	B	plain" \
	"step	one	1	name	first" "step	one	1	run	echo \"quoted\" here" \
	"step	one	2	uses	actions/checkout@v4" "step	one	2	with.path	sub" \
	"step	one	3	run	line 1" "step	one	3	run	" "step	one	3	run	  indented" \
	"step	one	3	if	always()" "step	two	1	run	make x" >"$T/fixture.want"
if awk -f "$AWK" "$T/fixture.yml" >"$T/fixture.got" && cmp -s "$T/fixture.want" "$T/fixture.got"; then
	ok extractor-fixture
else
	bad extractor-fixture "$(diff "$T/fixture.want" "$T/fixture.got" | head -n 10 | tr '\n' ' ')"
fi

# ---- the main job, replayed ----
[ -f "$CIYML" ] || { bad ci-yml "no $CIYML"; finish; }
awk -f "$AWK" "$CIYML" >"$T/steps.tsv" || { bad extract "awk failed on $CIYML"; finish; }
grep -q "^step	$JOB	" "$T/steps.tsv" || { bad extract "no job $JOB with steps in $CIYML"; finish; }

# The workflow's env, then what this test changes.
while IFS=$'\t' read -r kind _ _ key value; do
	[ "$kind" = env ] && export "$key=$value"
done <"$T/steps.tsv"
export ISCSI_SIM_TESTS=$TESTS
export ISCSI_SIM_CHAP=$CHAP_USER:$CHAP_SECRET
# A free loopback port and the next one (the hook's second portal).
port=
for p in $(seq $((3300 + $$ % 500)) 10 4300); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { bad port "no free loopback port pair in 3300..4300"; finish; }
export ISCSI_SIM_PORT=$port
WS=$T/workspace
mkdir -p "$WS"
export GITHUB_WORKSPACE=$WS GITHUB_ENV=$T/github-env GITHUB_STEP_SUMMARY=$T/step-summary
: >"$GITHUB_ENV"
: >"$GITHUB_STEP_SUMMARY"
# Nothing the build does leaks in from the caller's make test.
unset BUILD MAKEFLAGS MFLAGS MAKELEVEL

# step_field N KEY: the values of KEY in step N of the job, one a line.
step_field() { awk -F'\t' -v j="$JOB" -v n="$1" -v k="$2" '$1 == "step" && $2 == j && $3 == n && $4 == k { print $5 }' "$T/steps.tsv"; }
nsteps=$(awk -F'\t' -v j="$JOB" '$1 == "step" && $2 == j { n = $3 } END { print n + 0 }' "$T/steps.tsv")
uploads=()
stepfail=0
t0=$SECONDS
for ((i = 1; i <= nsteps; i++)); do
	name=$(step_field "$i" name)
	uses=$(step_field "$i" uses)
	label="step $i${name:+ ($name)}"
	case "$uses" in
	"")
		step_field "$i" run >"$T/step-$i.sh"
		if grep -q '\${{' "$T/step-$i.sh"; then
			bad "$label" "uses a \${{ }} expression this test cannot stand in for; use the env"
			stepfail=1
			break
		fi
		echo "---- $label: running"
		(cd "$WS" && bash --noprofile --norc -eo pipefail "$T/step-$i.sh") 2>&1 | sed 's/^/    | /'
		rc=${PIPESTATUS[0]}
		if [ "$rc" -ne 0 ]; then
			bad "$label" "exit $rc"
			stepfail=1
			break
		fi
		ok "$label"
		# GITHUB_ENV: KEY=VALUE lines are the next steps' environment.
		while IFS= read -r line; do
			[[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && export "${line%%=*}=${line#*=}"
		done <"$GITHUB_ENV"
		;;
	actions/checkout@*)
		path=$(step_field "$i" with.path)
		if [ -z "$path" ]; then
			ok "$label: the user's repository is the temp folder"
		elif [ "$path" = iscsi-sim ] && [ -n "$(step_field "$i" with.ref)" ]; then
			ref=$(step_field "$i" with.ref)
			[[ $ref =~ ^\$\{\{\ *env\.([A-Za-z_][A-Za-z0-9_]*)\ *\}\}$ ]] && ref=${!BASH_REMATCH[1]:-}
			if git clone --quiet "$ROOT" "$WS/iscsi-sim"; then
				ok "$label: git clone of $(git -C "$ROOT" rev-parse --short HEAD) for the pinned $ref"
			else
				bad "$label" "git clone $ROOT failed"
				stepfail=1
				break
			fi
		else
			bad "$label" "a checkout into '$path' without a pinned ref: not what the workflow promises"
			stepfail=1
			break
		fi
		;;
	actions/upload-artifact@*)
		mapfile -t more < <(step_field "$i" with.path | grep -v '^ *$')
		uploads+=("${more[@]}")
		ok "$label: ${#more[@]} paths, checked after the last step"
		;;
	*)
		bad "$label" "this test cannot stand in for '$uses'"
		stepfail=1
		break
		;;
	esac
done
echo "---- the job's steps took $((SECONDS - t0))s"

# ---- what the job promises ----
if [ "$stepfail" = 0 ]; then
	[ ${#uploads[@]} -gt 0 ] || bad uploads "the job uploads nothing"
	for u in "${uploads[@]}"; do
		# A path may be a glob (upload-artifact's own syntax).
		if compgen -G "$WS/$u" >/dev/null; then ok "upload path exists: $u"; else bad "upload path exists: $u" "nothing at $WS/$u"; fi
	done
	res=$WS/${ISCSI_SIM_RESULTS:-iscsi-sim-results}
	csv=$res/url.csv
	if [ -f "$csv" ]; then
		mapfile -t want < <(iscsi-test-cu --list | grep -E '^(SCSI|iSCSI)\.[^.]+\.[^.]+$' | sort -u | grep -E -- "$TESTS")
		missing=()
		for t in "${want[@]}"; do grep -q "^$t,PASS," "$csv" || missing+=("$t"); done
		if [ ${#want[@]} -gt 0 ] && [ ${#missing[@]} -eq 0 ]; then
			ok "each of the ${#want[@]} selected tests has a PASS row"
		else
			bad "selected tests" "no PASS row for: ${missing[*]:-no test selected} ($(grep -v '^test,' "$csv" | cut -d, -f1,2 | tr '\n' ' '))"
		fi
		ncu=$(grep -cE '^i?SCSI\.' "$csv")
		[ "$ncu" -eq ${#want[@]} ] && ok "only the selected tests ran ($ncu)" || bad "only the selected tests ran" "$ncu rows for ${#want[@]} tests"
		for t in tools.chap.login tools.chap.wrong-secret-refused tools.chap.no-credentials-refused \
			tools.inq.second-portal tools.readcapacity16.size tools.ls.discovery; do
			if grep -q "^$t,PASS," "$csv"; then ok "$t PASS"; else bad "$t PASS" "$(grep "^$t," "$csv" || echo "no row")"; fi
		done
	else
		bad results "no $csv"
	fi
	grep -q '^status=ran' "$res/url.meta" 2>/dev/null && ok "url.meta: status=ran" || bad url.meta "$(cat "$res/url.meta" 2>/dev/null || echo missing)"
	grep -q '^version=reftarget ' "$res/url.meta" 2>/dev/null && ok "url.meta names the hook's VERSION" || bad "url.meta version" "$(grep version= "$res/url.meta" 2>/dev/null)"
	grep -q 'Conformance matrix' "$GITHUB_STEP_SUMMARY" && ok "job summary written" || bad "job summary" "GITHUB_STEP_SUMMARY lacks the matrix"
	# The uploads are public to whoever reads the run: no CHAP secret.
	leaks=$(cd "$WS" && for u in "${uploads[@]}"; do compgen -G "$u"; done | xargs -r grep -rl -- "$CHAP_SECRET" 2>/dev/null | head -n 3 | tr '\n' ' ')
	[ -z "$leaks" ] && ok "no CHAP secret in what is uploaded" || bad "no CHAP secret in what is uploaded" "found in $leaks"
	pid=$(sed -n 's/^PID=//p' "$WS/iscsi-sim/build/conformance/work/hook/hook.out" 2>/dev/null | head -n 1)
	if [ -z "$pid" ]; then
		bad "hook's target stopped" "no PID in hook.out"
	elif kill -0 "$pid" 2>/dev/null; then
		bad "hook's target stopped" "PID $pid still runs"
		kill "$pid" 2>/dev/null
	else
		ok "hook's target (PID $pid) stopped"
	fi
fi

# ---- every make target CI.yml names exists ----
# `make` where a command starts (line start, after ; && || | ( { then do
# else, or VAR=value prefixes); its words that are neither options (with
# -C/-f/-j's argument) nor VAR=value, up to a shell operator, are targets.
# A ${{ }} expression counts as one word.
mapfile -t targets < <(awk -F'\t' '$1 == "step" && $4 == "run" { print $5 }' "$T/steps.tsv" |
	awk '{
		gsub(/\$\{\{[^}]*\}\}/, "X")
		start = 1
		for (i = 1; i <= NF; i++) {
			w = $i
			if (start && w == "make") {
				for (j = i + 1; j <= NF; j++) {
					w = $j
					if (w ~ /^(;|&&|\|\||\||\)|\})/) break
					if (w == "-C" || w == "-f" || w == "-j") { j++; continue }
					if (w ~ /^-/ || w ~ /=/) continue
					sub(/;$/, "", w)
					print w
					if ($j ~ /;$/) break
				}
				i = j
				start = 1
				continue
			}
			if (start && w ~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue
			start = (w ~ /^(;|&&|\|\||\||\(|\{|then|do|else)$/ || w ~ /;$/)
		}
	}' | sort -u)
clone=$WS/iscsi-sim
[ -d "$clone" ] || { git clone --quiet "$ROOT" "$clone" || bad clone "git clone $ROOT failed"; }
[ ${#targets[@]} -gt 0 ] || bad "make targets" "CI.yml names none"
for tg in "${targets[@]}"; do
	if make -C "$clone" -n "$tg" >"$T/make-n.log" 2>&1; then
		ok "make target exists: $tg"
	else
		bad "make target exists: $tg" "$(grep -m 1 -i 'no rule\|error' "$T/make-n.log")"
	fi
done
finish
