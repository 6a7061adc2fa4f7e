# coverage-uncovered.awk: from an lcov tracefile, one tab-separated row per
# function that has an uncovered line or branch:
#   FILE (under root) <TAB> FUNCTION <TAB> LINES (ranges) <TAB> BRANCHES (count)
# A line belongs to the function that starts last at or before it; lines
# before the first function belong to "(file scope)". Used by coverage.sh.
function flush(   i, j, n, t, fn, rng, cnt) {
	n = 0
	for (i in fnl) order[++n] = i + 0
	# insertion sort of the functions' first lines
	for (i = 2; i <= n; i++) { t = order[i]; for (j = i - 1; j >= 1 && order[j] > t; j--) order[j + 1] = order[j]; order[j + 1] = t }
	for (l = 1; l <= maxl; l++) {
		if (!(l in miss) && !(l in brmiss)) continue
		fn = "(file scope)"
		for (i = 1; i <= n && order[i] <= l; i++) fn = fnl[order[i]]
		if (l in miss) {
			if (fn in last && last[fn] == l - 1) { hi_[fn] = l }
			else { if (fn in lo_) rngs[fn] = rngs[fn] sep(fn) rg(lo_[fn], hi_[fn]); lo_[fn] = l; hi_[fn] = l }
			last[fn] = l
		}
		if (l in brmiss) br[fn] += brmiss[l]
		if (!(fn in seen)) { seen[fn] = 1; names[++cnt] = fn }
	}
	for (i = 1; i <= cnt; i++) {
		fn = names[i]
		rng = rngs[fn]
		if (fn in lo_) rng = rng sep(fn) rg(lo_[fn], hi_[fn])
		printf "%s\t%s\t%s\t%d\n", file, fn, rng, br[fn] + 0
	}
	delete fnl; delete order; delete miss; delete brmiss; delete last; delete lo_; delete hi_
	delete rngs; delete br; delete seen; delete names; delete had; maxl = 0
}
function rg(a, b) { return a == b ? a : a "-" b }
function sep(fn) { if (fn in had) return ", "; had[fn] = 1; return "" }
/^SF:/ { file = substr($0, 4); sub("^" root, "", file); next }
/^FN:/ { split(substr($0, 4), a, ","); if (!((a[1] + 0) in fnl)) fnl[a[1] + 0] = a[2]; next }
/^DA:/ { split(substr($0, 4), a, ","); l = a[1] + 0; if (l > maxl) maxl = l; if (a[2] + 0 == 0) miss[l] = 1; next }
/^BRDA:/ { split(substr($0, 6), a, ","); l = a[1] + 0; if (l > maxl) maxl = l; if (a[4] == "-" || a[4] + 0 == 0) brmiss[l]++; next }
/^end_of_record/ { flush(); next }
