#!/usr/bin/env bash
# publish.sh: copy the results that runs left under $BUILD into the
# committed folders, the only command that rewrites them (make publish, or
# make report PUBLISH=1). Runs themselves (make scenarios, make fuzz, make
# fuzz-report) write under $BUILD only, so the checkout stays clean until a
# person asks for this; what changed is then a git diff to review.
#
#   $BUILD/scenarios/table.md, *.svg      -> scenarios/results/
#   $BUILD/scenarios-live/fidelity.md     -> scenarios/results/live-fidelity.md
#                                            (make scenarios-live)
#   $BUILD/scenarios-live-guest/fidelity.md -> scenarios/results/
#                                            live-guest-fidelity.md (make
#                                            scenarios-live-guest)
#   $BUILD/fuzz/results/fuzz.md           -> fuzz/results/
#   $BUILD/bench/target.md, results.json  -> tools/bench/results/ (make bench)
#   $BUILD/sim/results/*.md               -> sim/results/ (make sim-test)
#   $BUILD/conformance/results/*          -> conformance/results/ (make
#                                            conformance: the recorded columns)
#   $BUILD/conformance/results-protocol/* -> conformance/results/protocol/ and
#                                            protocol-diff.md (make
#                                            conformance-protocol)
#   $BUILD/conformance/results{/,-}lio-config/{lio-config-diff.md,saveconfig.json}
#                                         -> conformance/results/lio-config/
#                                            (the targetcli differential)
#   $BUILD/fuzz/results/runs/*.txt        -> fuzz/results/runs/ (shipped
#                                            harnesses only, not fuzz/tests')
#   $BUILD/fuzz/results/campaign.tsv      -> appended to fuzz/results/campaign.tsv
#                                            (rows it lacks), campaign.md
#                                            regenerated, campaign-findings/
#                                            copied (make fuzz-campaign)
#   $BUILD/netfuzz/peers/PEER.{tsv,md,meta}, PEER/{finding,guest-restart}-*
#                                         -> fuzz/results/netfuzz/rows/ and
#                                            fuzz/results/netfuzz/PEER/ (make
#                                            netfuzz-peers; a peer's old
#                                            findings are replaced, unless the
#                                            published run ended later), then
#                                            fuzz/results/netfuzz/summary.md
#                                            from every published row
# A result not made yet is skipped and named; the exit status is 0.
set -euo pipefail
BUILD=${BUILD:-build}
copied=0

publish() { # SOURCE DEST-DIR
	if [ -s "$1" ]; then
		mkdir -p "$2"
		cp "$1" "$2/"
		echo "publish: $1 -> $2/"
		copied=$((copied + 1))
	fi
}

if [ -s "$BUILD/scenarios/table.md" ]; then
	publish "$BUILD/scenarios/table.md" scenarios/results
	for f in "$BUILD"/scenarios/*.svg; do
		[ -e "$f" ] && publish "$f" scenarios/results
	done
else
	echo "publish: no $BUILD/scenarios/table.md (make scenarios makes it)"
fi

if [ -s "$BUILD/scenarios-live/fidelity.md" ]; then
	cp "$BUILD/scenarios-live/fidelity.md" scenarios/results/live-fidelity.md
	echo "publish: $BUILD/scenarios-live/fidelity.md -> scenarios/results/live-fidelity.md"
	copied=$((copied + 1))
else
	echo "publish: no $BUILD/scenarios-live/fidelity.md (make scenarios-live makes it)"
fi

if [ -s "$BUILD/scenarios-live-guest/fidelity.md" ]; then
	cp "$BUILD/scenarios-live-guest/fidelity.md" scenarios/results/live-guest-fidelity.md
	echo "publish: $BUILD/scenarios-live-guest/fidelity.md -> scenarios/results/live-guest-fidelity.md"
	copied=$((copied + 1))
else
	echo "publish: no $BUILD/scenarios-live-guest/fidelity.md (make scenarios-live-guest makes it)"
fi

for f in "$BUILD"/conformance/results/*.csv "$BUILD"/conformance/results/*.meta \
	"$BUILD"/conformance/results/summary.md; do
	[ -e "$f" ] && publish "$f" conformance/results
done

for f in "$BUILD"/conformance/results-protocol/*.csv "$BUILD"/conformance/results-protocol/*.meta; do
	case "$f" in */matrix.csv) continue ;; esac
	[ -e "$f" ] && publish "$f" conformance/results/protocol
done
[ -e "$BUILD/conformance/results-protocol/protocol-diff.md" ] &&
	publish "$BUILD/conformance/results-protocol/protocol-diff.md" conformance/results

for f in "$BUILD/bench/target.md" "$BUILD/bench/results.json"; do
	[ -e "$f" ] && publish "$f" tools/bench/results
done
# the targetcli differential (make conformance, or make conformance-lio-config)
for d in "$BUILD"/conformance/results/lio-config "$BUILD"/conformance/results-lio-config; do
	for f in "$d"/lio-config-diff.md "$d"/saveconfig.json; do
		[ -e "$f" ] && publish "$f" conformance/results/lio-config
	done
done

for f in "$BUILD"/sim/results/*.md; do
	[ -e "$f" ] && publish "$f" sim/results
done

if [ -s "$BUILD/fuzz/results/fuzz.md" ]; then
	publish "$BUILD/fuzz/results/fuzz.md" fuzz/results
else
	echo "publish: no $BUILD/fuzz/results/fuzz.md (make fuzz-report makes it)"
fi
for f in "$BUILD"/fuzz/results/runs/*.txt; do
	[ -e "$f" ] || continue
	h=$(sed -n 's/^harness=//p' "$f")
	# a test-only harness (fuzz/tests) is not a result of the project
	[ -e "fuzz/harness_$h.c" ] || continue
	publish "$f" fuzz/results/runs
done
if [ -s "$BUILD/fuzz/results/campaign.tsv" ]; then
	BUILD=$BUILD fuzz/scripts/campaign.sh publish
	copied=$((copied + 1))
else
	echo "publish: no $BUILD/fuzz/results/campaign.tsv (make fuzz-campaign makes it)"
fi
# The peers' rows: each peer's row (PEER.tsv, .md, .meta) into
# fuzz/results/netfuzz/rows/ unless the published one ended later (a build
# with an older run of a peer never replaces a newer one), its findings
# with it; then summary.md again from every published row.
if ls "$BUILD"/netfuzz/peers/*.tsv >/dev/null 2>&1; then
	rows=fuzz/results/netfuzz/rows
	mkdir -p "$rows"
	ended() { awk -F'\t' '$1 == "ended" { print $2 }' "$1" 2>/dev/null; }
	for row in "$BUILD"/netfuzz/peers/*.tsv; do
		peer=$(basename "$row" .tsv)
		src=$BUILD/netfuzz/peers
		new=$(ended "$src/$peer.meta") old=$(ended "$rows/$peer.meta")
		if [ -n "$old" ] && [[ ! "$new" > "$old" ]]; then
			echo "publish: $src/$peer.tsv (ended ${new:-?}) is not newer than $rows/$peer.tsv (ended $old): kept the published one"
			continue
		fi
		for f in "$src/$peer.tsv" "$src/$peer.md" "$src/$peer.meta"; do publish "$f" "$rows"; done
		rm -f fuzz/results/netfuzz/"$peer"/finding-* fuzz/results/netfuzz/"$peer"/guest-restart-*
		# lio: the guest's console of each restart that showed a trace
		for f in "$src/$peer"/finding-* "$src/$peer"/guest-restart-*; do
			[ -e "$f" ] && publish "$f" "fuzz/results/netfuzz/$peer"
		done
	done
	[ -s "$BUILD/netfuzz/cov/cov.md" ] && publish "$BUILD/netfuzz/cov/cov.md" "$rows"
	NETFUZZ_PUBLISHED=$rows fuzz/scripts/netfuzz-summary.sh "$rows" fuzz/results/netfuzz/summary.md
else
	echo "publish: no $BUILD/netfuzz/peers/*.tsv (make netfuzz-peers makes them)"
fi
echo "publish: $copied file(s) copied; review them with git diff"
