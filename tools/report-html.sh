#!/usr/bin/env bash
# report-html.sh RUN_DIR OUT_DIR: the report of a `make run` (tools/harness.sh)
# from the files its journeys left, so that it can be made from fixed inputs
# (tools/tests/report-browser.sh does).
#
# Reads, in RUN_DIR (any of them may be missing: that journey is "not run"):
#   journeys.tsv               journey<TAB>exit status<TAB>wall s<TAB>command
#   scenarios/table.md         scenarios/run.sh's table; scenarios/out.txt its
#                              output ("NOT MET: name" for a run with no row);
#                              scenarios/<name>.svg the timelines;
#                              scenarios/logs/<name>[.family].log (replay lines)
#   swarm/out.txt              isim swarm's output ("FAIL seed N (oracle): why",
#                              "  replay: ...", "summary: ...")
#   conformance/selected.txt   the tests asked for, one a line
#   conformance/reftarget.csv  conformance/run.sh's column
#                              (test,result,seconds,flavour,"detail")
#   netfuzz/reftarget.tsv      fuzz/scripts/netfuzz-peer.sh's row (target version
#                              seconds cases cases/s findings restarts outcomes
#                              command); netfuzz/reftarget.out isim netfuzz's
#                              output ("  finding K: CLASS (MUTATOR), ...: FILE")
# Writes OUT_DIR/index.html (self-contained: inline CSS, every timeline SVG
# inline, no external resource; a small inline script checks on load that
# every table and image is there and rendered, and writes what it found
# into #selfcheck), OUT_DIR/report.md (the same tables; timelines linked to
# OUT_DIR/timelines/*.svg) and OUT_DIR/summary.txt (four lines). Every
# failure carries the one command that replays it. ISIM names the isim
# binary in replay commands (default build/rel/isim).
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,24p' "$0" >&2; exit 2; }
RUN=$1
OUT=$2
ISIM=${ISIM:-build/rel/isim}
[ -d "$RUN" ] || { echo "report-html.sh: $RUN is not a directory" >&2; exit 2; }
mkdir -p "$OUT"
rm -rf "$OUT/timelines"
mkdir -p "$OUT/timelines"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ---- the journeys --------------------------------------------------------

# journey_field NAME COLUMN: a column of NAME's journeys.tsv line, if any.
journey_field() {
	[ -f "$RUN/journeys.tsv" ] || return 0
	awk -F'\t' -v n="$1" -v c="$2" '$1 == n { v = $c } END { printf "%s", v }' "$RUN/journeys.tsv"
}

# ---- conformance: conf.tsv = test result seconds flavour detail replay ---

conf_csv=$RUN/conformance/reftarget.csv
conf_sel=$RUN/conformance/selected.txt
[ -f "$conf_csv" ] || conf_csv=/dev/null
[ -f "$conf_sel" ] || conf_sel=/dev/null
awk -v csv="$conf_csv" '
	# The CSV: four plain fields, then the quoted detail.
	BEGIN {
		while ((getline line < csv) > 0) {
			if (line ~ /^test,/) continue
			for (i = 1; i <= 4; i++) {
				p = index(line, ",")
				f[i] = p ? substr(line, 1, p - 1) : line
				line = p ? substr(line, p + 1) : ""
			}
			gsub(/^"|"$/, "", line); gsub(/""/, "\"", line); gsub(/\t/, " ", line)
			if (!(f[1] in res)) csv_order[++m] = f[1]
			res[f[1]] = f[2]; sec[f[1]] = f[3]; fl[f[1]] = f[4]; det[f[1]] = line
		}
	}
	NF { sel[++n] = $1 }
	END {
		# The selection gives the rows; without one, the CSV does.
		if (n == 0) for (i = 1; i <= m; i++) sel[++n] = csv_order[i]
		for (i = 1; i <= n; i++) {
			t = sel[i]
			r = (t in res) ? res[t] : "NOT RUN"
			replay = ""
			if (r != "PASS" && r != "SKIP") {
				re = t; gsub(/\./, "\\.", re)
				replay = "CONF_BAR=conformance/bar-selection.conf conformance/run.sh -t reftarget -s cu -f '\''^" re "$'\'' -o build/replay"
			}
			printf "%s\t%s\t%s\t%s\t%s\t%s\n", t, r, sec[t], fl[t], det[t], replay
		}
	}' "$conf_sel" >"$T/conf.tsv"
conf_total=$(wc -l <"$T/conf.tsv")
conf_pass=$(awk -F'\t' '$2 == "PASS"' "$T/conf.tsv" | wc -l)
conf_skip=$(awk -F'\t' '$2 == "SKIP"' "$T/conf.tsv" | wc -l)
conf_fail=$((conf_total - conf_pass - conf_skip))

# ---- scenarios: scen.tsv = name expected observed sim wall met svg replay

scen_dir=$RUN/scenarios
# replay_of NAME: the replay line isim printed in the run's log, else the
# command that runs the scenario again.
replay_of() {
	local base=${1%% (seeds*} log line
	log=$scen_dir/logs/$base.log
	[ "$base" = "$1" ] || log=$scen_dir/logs/$base.family.log
	line=$(grep -m 1 -o 'replay: isim .*' "$log" 2>/dev/null | sed 's/^replay: isim //; s/ (isim params.*//' || true)
	if [ -n "$line" ]; then
		echo "$ISIM $line"
	elif [ "$base" = "$1" ]; then
		echo "$ISIM run --scenario scenarios/$base.scn"
	else
		echo "$ISIM run --scenario scenarios/$base.scn --seeds $(sed 's/.*(seeds \(.*\))/\1/' <<<"$1")"
	fi
}
{
	if [ -f "$scen_dir/table.md" ]; then
		# Rows: "| name | expected | observed | sim | wall |" after the header.
		awk -F' [|] ' '/^\| / && !/^\| scenario \|/ && !/^\|---/ {
			sub(/^\| /, "", $1); sub(/ \|$/, "", $5)
			printf "%s\037%s\037%s\037%s\037%s\n", $1, $2, $3, $4, $5
		}' "$scen_dir/table.md"
	fi
	# A run that ended without its row (crashed, bad file) is named in out.txt.
	if [ -f "$scen_dir/out.txt" ]; then
		sed -n 's/^NOT MET: \(.*\) (log: .*)$/\1/p' "$scen_dir/out.txt" | while IFS= read -r n; do
			grep -qF "| $n |" "$scen_dir/table.md" 2>/dev/null || printf '%s\037?\037no result (see its log)\037-\037-\n' "$n"
		done
	fi
} | while IFS=$'\037' read -r name expected observed sim wall; do
	met=yes svg='' replay=''
	case "$observed" in "NOT MET"* | "no result"*) met=no replay=$(replay_of "$name") ;; esac
	if [ "${name%% (seeds*}" = "$name" ] && [ -s "$scen_dir/$name.svg" ]; then
		svg=$name.svg
		cp "$scen_dir/$name.svg" "$OUT/timelines/$svg"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$expected" "$observed" "$sim" "$wall" "$met" "$svg" "$replay"
done >"$T/scen.tsv"
scen_total=$(wc -l <"$T/scen.tsv")
scen_met=$(awk -F'\t' '$6 == "yes"' "$T/scen.tsv" | wc -l)

# ---- swarm: figures from the summary line, swarm.tsv = seed oracle why replay

swarm_out=$RUN/swarm/out.txt
[ -f "$swarm_out" ] || swarm_out=/dev/null
swarm_summary=$(grep -m 1 '^summary: [0-9]* worlds' "$swarm_out" || true)
awk -v isim="$ISIM" '
	/^FAIL seed [0-9]+ \(/ {
		seed = $3; oracle = $4; gsub(/[(:)]/, "", oracle)
		why = $0; sub(/^FAIL seed [0-9]+ \([^)]*\): /, "", why); gsub(/\t/, " ", why)
		getline nxt
		replay = nxt; sub(/^ *replay: /, "", replay); sub(/^isim /, isim " ", replay)
		printf "%s\t%s\t%s\t%s\n", seed, oracle, why, replay
	}' "$swarm_out" >"$T/swarm.tsv"
swarm_never=$(awk '/NEVER REACHED$/ { printf "%s%s", n++ ? ", " : "", $1 }' "$swarm_out")
# "summary: W worlds, F failed, S simulated s in X wall s on J jobs (Rx per
# core), I I/Os, M required coverage points never reached": each figure is
# found by the words after it, so a figure added or moved does not shift
# the others; a missing one is "-".
read -r sw_worlds sw_failed sw_sim sw_wall sw_jobs sw_ios sw_missing < <(awk '
	function grab(re,   m) {
		if (!match($0, re)) return "-"
		m = substr($0, RSTART, RLENGTH); sub(/ .*/, "", m); return m
	}
	{ printf "%s %s %s %s %s %s %s\n", grab("[0-9]+ worlds"), grab("[0-9]+ failed"),
		grab("[0-9.]+ simulated s"), grab("[0-9.]+ wall s"), grab("[0-9]+ jobs"), grab("[0-9]+ I/Os"),
		grab("[0-9]+ required coverage") }' <<<"${swarm_summary:-summary:}")

# ---- the network fuzzer: nf.tsv = the row; nf_find.tsv = class mutator file replay

nf_row=$RUN/netfuzz/reftarget.tsv
[ -f "$nf_row" ] || nf_row=/dev/null
IFS=$'\t' read -r _ nf_version nf_secs nf_cases nf_rate nf_found nf_restarts nf_outcomes nf_cmd <"$nf_row" || true
nf_url=$(sed -n 's/.*--url \([^ ]*\).*/\1/p' <<<"${nf_cmd:-}")
nf_out=$RUN/netfuzz/reftarget.out
[ -f "$nf_out" ] || nf_out=/dev/null
sed -n 's/^  finding [0-9]*: \([a-z]*\) (\([^)]*\)), .*: \(.*\)$/\1\t\2\t\3/p' "$nf_out" |
	awk -F'\t' -v isim="$ISIM" -v url="$nf_url" '{ printf "%s\t%s\t%s\t%s netfuzz --url %s --replay %s\n", $1, $2, $3, isim, url, $3 }' \
	>"$T/nf_find.tsv"

# ---- the summary ---------------------------------------------------------

# status_of NAME: "passed", "FAILED (exit N)" or "not run".
status_of() {
	local rc
	rc=$(journey_field "$1" 2)
	case "$rc" in '') echo "not run" ;; 0) echo passed ;; *) echo "FAILED (exit $rc)" ;; esac
}
{
	echo "conformance $conf_pass/$conf_total passed ($conf_fail failed, $conf_skip skipped; quick selection): $(status_of conformance)"
	echo "scenarios $scen_met/$scen_total met their expectation: $(status_of scenarios)"
	echo "swarm $sw_worlds seeds $sw_failed failed ($sw_sim simulated s in $sw_wall wall s): $(status_of swarm)"
	echo "netfuzz ${nf_cases:--} cases in ${nf_secs:--} s against reftarget, ${nf_found:--} findings: $(status_of netfuzz)"
} >"$OUT/summary.txt"

# ---- rendering -----------------------------------------------------------

# Shared by every awk below: HTML and Markdown escaping.
AWK_LIB='
function h(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
function md(s) { gsub(/\|/, "\\|", s); return s }
function cls(r) { return r == "PASS" || r == "yes" || r == "passed" ? "ok" : (r == "SKIP" || r ~ /^not / ? "skip" : "bad") }'

journeys_rows() { # name<TAB>status<TAB>wall<TAB>command, fuzzer last
	local j
	for j in scenarios swarm conformance netfuzz; do
		printf '%s\t%s\t%s\t%s\n' "$j" "$(status_of "$j")" "$(journey_field "$j" 3)" "$(journey_field "$j" 4)"
	done
}
journeys_rows >"$T/journeys.tsv"

# svg_inline FILE PREFIX: the SVG as an inline element: no XML prolog or
# doctype; a viewBox (from its width and height) so that it scales down to
# the page, never up; its ids (and what refers to them) prefixed with
# PREFIX-, as ids must be unique in the page that holds every timeline.
svg_inline() {
	awk -v p="$2-" '
		/^<\?xml/ || /^<!DOCTYPE/ { next }
		{
			gsub(/ id='\''/, " id='\''" p); gsub(/ id="/, " id=\"" p)
			gsub(/url\(#/, "url(#" p); gsub(/href='\''#/, "href='\''#" p); gsub(/href="#/, "href=\"#" p)
		}
		!done && /<svg[ >]/ {
			done = 1
			if ($0 !~ /viewBox/ && match($0, /width=.[0-9.]+./) && (w = substr($0, RSTART + 7, RLENGTH - 8)) != "" &&
			    match($0, /height=.[0-9.]+./) && (hh = substr($0, RSTART + 8, RLENGTH - 9)) != "")
				sub(/<svg /, "<svg viewBox=\"0 0 " w " " hh "\" style=\"max-width: " w "px\" ")
		}
		{ print }' "$1"
}

tables=0 svgs=0
html=$OUT/index.html.tmp
{
	cat <<'EOT'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iscsi-sim: make run report</title>
<script>
// Errors anywhere in the page are counted for the self-check below.
var reportErrors = [];
window.addEventListener('error', function (e) { reportErrors.push(String(e.message)); });
window.addEventListener('load', function () {
  var el = document.getElementById('selfcheck');
  var tables = document.querySelectorAll('table').length;
  var svgs = document.querySelectorAll('svg');
  var empty = 0;
  for (var i = 0; i < svgs.length; i++) {
    var r = svgs[i].getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) empty++;
  }
  // The page is self-contained: it fetches nothing (no image, style, script).
  var fetched = performance.getEntriesByType('resource').length + document.images.length;
  var wantT = Number(el.getAttribute('data-tables')), wantS = Number(el.getAttribute('data-svgs'));
  var ok = tables === wantT && svgs.length === wantS && empty === 0 && fetched === 0 && reportErrors.length === 0;
  el.textContent = 'selfcheck ' + (ok ? 'ok' : 'FAIL') + ': tables ' + tables + '/' + wantT +
    ', images ' + svgs.length + '/' + wantS + ', empty images ' + empty + ', external resources ' + fetched +
    ', errors ' + reportErrors.length +
    (reportErrors.length ? ' (' + reportErrors.join('; ') + ')' : '');
});
</script>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; white-space: nowrap; }
.ok { color: #1b7f2a; font-weight: 600; } .bad { color: #b3261e; font-weight: 700; } .skip { color: #8a6d00; }
code { font-size: .85em; background: #f6f6f6; padding: 0 .2em; word-break: break-all; }
pre.summary { background: #f6f6f6; padding: .6em; }
.timeline svg { width: 100%; height: auto; border: 1px solid #ddd; }
.pair { display: flex; gap: 1em; align-items: flex-start; } .pair > .timeline { flex: 1 1 0; min-width: 0; }
#selfcheck { color: #888; font-size: .8em; margin-top: 3em; }
</style>
</head>
<body>
<h1>iscsi-sim: <code>make run</code> report</h1>
<p>The harness against its embedded default target, the reference target:
the failover scenario library and a swarm of seeded worlds in the simulator,
and libiscsi's conformance suite (quick selection) and the network fuzzer over loopback.</p>
EOT
	echo '<pre class="summary">'
	awk "$AWK_LIB"'{ print h($0) }' "$OUT/summary.txt"
	echo '</pre>'

	echo '<h2>Journeys</h2>'
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "<table><tr><th>journey</th><th>result</th><th>wall s</th><th>command</th></tr>" }
		{ s = $2; c = s ~ /^FAILED/ ? "bad" : cls(s)
		  printf "<tr><td>%s</td><td class=\"%s\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n",
			h($1), c, h(s), h($3), $4 == "" ? "" : "<code>" h($4) "</code>" }
		END { print "</table>" }' "$T/journeys.tsv"
	tables=$((tables + 1))

	echo '<h2 id="conformance">Conformance: libiscsi iscsi-test-cu against reftarget</h2>'
	echo "<p>$conf_pass of $conf_total tests passed, $conf_fail failed, $conf_skip skipped (selection: <code>conformance/quick.txt</code>; the full suite is <code>make conformance</code>).</p>"
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "<table><tr><th>test</th><th>result</th><th>s</th><th>LU flavour</th><th>detail</th><th>replay</th></tr>" }
		{ printf "<tr><td>%s</td><td class=\"%s\">%s</td><td class=\"num\">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			h($1), cls($2), h($2), h($3), h($4), h($5), $6 == "" ? "" : "<code>" h($6) "</code>" }
		END { print "</table>" }' "$T/conf.tsv"
	tables=$((tables + 1))

	echo '<h2 id="scenarios">Failover scenarios in the simulator</h2>'
	echo "<p>$scen_met of $scen_total scenario runs met their expectation (a scenario may expect an oracle to fire: <em>expected</em> says what it expects). Timelines below the table.</p>"
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "<table><tr><th>scenario</th><th>expected</th><th>observed</th><th>met</th><th>simulated</th><th>wall</th><th>timeline</th><th>replay</th></tr>" }
		{ printf "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td><td>%s</td></tr>\n",
			h($1), h($2), h($3), cls($6), $6, h($4), h($5),
			$7 == "" ? "" : "<a href=\"#tl-" h($1) "\">timeline</a>", $8 == "" ? "" : "<code>" h($8) "</code>" }
		END { print "</table>" }' "$T/scen.tsv"
	tables=$((tables + 1))
	# (Fields may be empty: read splits on a separator that is not a space.)
	# A scenario's twins share its number (28-noisy-link-erl0, -erl1): their
	# timelines stand side by side, one row per number.
	awk -F'\t' '$7 != "" { printf "%s\037%s\037%s\n", $1, $3, $7 }' "$T/scen.tsv" |
	while IFS=$'\037' read -r name observed svg; do
		num=${name%%-*}
		if [ "$num" != "${prev_num-}" ]; then
			[ -z "${prev_num+x}" ] || echo '</div>'
			echo '<div class="pair">'
			prev_num=$num
		fi
		printf '<div class="timeline" id="tl-%s"><h3>%s <small>(%s)</small></h3>\n' \
			"$(awk "$AWK_LIB"'{ print h($0) }' <<<"$name")" "$(awk "$AWK_LIB"'{ print h($0) }' <<<"$name")" \
			"$(awk "$AWK_LIB"'{ print h($0) }' <<<"$observed")"
		svg_inline "$OUT/timelines/$svg" "tl-$(awk "$AWK_LIB"'{ print h($0) }' <<<"$name")"
		echo '</div>'
	done
	[ "$(awk -F'\t' '$7 != ""' "$T/scen.tsv" | wc -l)" -eq 0 ] || echo '</div>'
	svgs=$(awk -F'\t' '$7 != ""' "$T/scen.tsv" | wc -l)

	echo '<h2 id="swarm">Swarm of seeded simulated worlds</h2>'
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "<table><tr><th>seeds</th><th>failed</th><th>simulated s</th><th>wall s</th><th>jobs</th><th>I/Os</th><th>required coverage points never reached</th><th>command</th></tr>" }
		{ printf "<tr><td class=\"num\">%s</td><td class=\"num %s\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td><td><code>%s</code></td></tr>\n",
			h($1), $2 == "0" ? "ok" : "bad", h($2), h($3), h($4), h($5), h($6), h($7), h($8) }
		END { print "</table>" }' < <(printf '%s\t' "$sw_worlds" "$sw_failed" "$sw_sim" "$sw_wall" "$sw_jobs" "$sw_ios" \
		"${sw_missing}${swarm_never:+ ($swarm_never)}"; journey_field swarm 4; echo)
	tables=$((tables + 1))
	if [ -s "$T/swarm.tsv" ]; then
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "<table><tr><th>seed</th><th>oracle</th><th>first violation</th><th>replay</th></tr>" }
			{ printf "<tr><td class=\"num\">%s</td><td class=\"bad\">%s</td><td>%s</td><td><code>%s</code></td></tr>\n", h($1), h($2), h($3), h($4) }
			END { print "</table>" }' "$T/swarm.tsv"
		tables=$((tables + 1))
	else
		echo '<p>No world failed.</p>'
	fi

	echo '<h2 id="fuzz">Network fuzzer</h2>'
	if [ -s "$nf_row" ]; then
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "<table><tr><th>target</th><th>seconds</th><th>cases</th><th>cases/s</th><th>findings</th><th>restarts</th><th>outcomes</th><th>command</th></tr>" }
			{ printf "<tr><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num %s\">%s</td><td class=\"num\">%s</td><td>%s</td><td><code>%s</code></td></tr>\n",
				h($1 " " $2), h($3), h($4), h($5), $6 == "0" ? "ok" : "bad", h($6), h($7), h($8), h($9) }
			END { print "</table>" }' "$nf_row"
		tables=$((tables + 1))
	else
		echo '<p>network fuzzer: not run.</p>'
	fi
	if [ -s "$T/nf_find.tsv" ]; then
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "<table><tr><th>class</th><th>mutator</th><th>minimized case</th><th>replay</th></tr>" }
			{ printf "<tr><td class=\"bad\">%s</td><td>%s</td><td>%s</td><td><code>%s</code></td></tr>\n", h($1), h($2), h($3), h($4) }
			END { print "</table>" }' "$T/nf_find.tsv"
		tables=$((tables + 1))
	fi
	echo "<p id=\"selfcheck\" data-tables=\"$tables\" data-svgs=\"$svgs\">selfcheck: not run (the page's script did not run)</p>"
	echo '</body>'
	echo '</html>'
} >"$html"
mv "$html" "$OUT/index.html"

# ---- the same in Markdown ------------------------------------------------

{
	echo '# iscsi-sim: `make run` report'
	echo
	echo '```'
	cat "$OUT/summary.txt"
	echo '```'
	echo
	echo '## Journeys'
	echo
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "| journey | result | wall s | command |\n|---|---|---:|---|" }
		{ printf "| %s | %s | %s | %s |\n", md($1), md($2), md($3), $4 == "" ? "" : "`" md($4) "`" }' "$T/journeys.tsv"
	echo
	echo '## Conformance: libiscsi iscsi-test-cu against reftarget'
	echo
	echo "$conf_pass of $conf_total tests passed, $conf_fail failed, $conf_skip skipped (selection: conformance/quick.txt)."
	echo
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "| test | result | s | LU flavour | detail | replay |\n|---|---|---:|---|---|---|" }
		{ printf "| %s | %s | %s | %s | %s | %s |\n", md($1), md($2), md($3), md($4), md($5), $6 == "" ? "" : "`" md($6) "`" }' "$T/conf.tsv"
	echo
	echo '## Failover scenarios in the simulator'
	echo
	echo "$scen_met of $scen_total scenario runs met their expectation."
	echo
	awk -F'\t' "$AWK_LIB"'
		BEGIN { print "| scenario | expected | observed | met | simulated | wall | timeline | replay |\n|---|---|---|---|---:|---:|---|---|" }
		{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", md($1), md($2), md($3), $6, md($4), md($5),
			$7 == "" ? "" : "[svg](timelines/" $7 ")", $8 == "" ? "" : "`" md($8) "`" }' "$T/scen.tsv"
	echo
	echo '## Swarm of seeded simulated worlds'
	echo
	echo '| seeds | failed | simulated s | wall s | jobs | I/Os | required coverage points never reached | command |'
	echo '|---:|---:|---:|---:|---:|---:|---|---|'
	echo "| $sw_worlds | $sw_failed | $sw_sim | $sw_wall | $sw_jobs | $sw_ios | ${sw_missing}${swarm_never:+ ($swarm_never)} | \`$(journey_field swarm 4)\` |"
	echo
	if [ -s "$T/swarm.tsv" ]; then
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "| seed | oracle | first violation | replay |\n|---:|---|---|---|" }
			{ printf "| %s | %s | %s | `%s` |\n", $1, md($2), md($3), md($4) }' "$T/swarm.tsv"
	else
		echo 'No world failed.'
	fi
	echo
	echo '## Network fuzzer'
	echo
	if [ -s "$nf_row" ]; then
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "| target | seconds | cases | cases/s | findings | restarts | outcomes | command |\n|---|---:|---:|---:|---:|---:|---|---|" }
			{ printf "| %s | %s | %s | %s | %s | %s | %s | `%s` |\n", md($1 " " $2), $3, $4, $5, $6, $7, md($8), md($9) }' "$nf_row"
	else
		echo 'network fuzzer: not run'
	fi
	if [ -s "$T/nf_find.tsv" ]; then
		echo
		awk -F'\t' "$AWK_LIB"'
			BEGIN { print "| class | mutator | minimized case | replay |\n|---|---|---|---|" }
			{ printf "| %s | %s | %s | `%s` |\n", md($1), md($2), md($3), md($4) }' "$T/nf_find.tsv"
	fi
} >"$OUT/report.md"
