# ciyml-steps.awk: the parts of a GitHub Actions workflow (CI.yml) that
# tools/tests/ciyml.sh replays, as tab-separated lines, in file order:
#   env  -    -  NAME  VALUE     the workflow's top-level env
#   step JOB  N  KEY   VALUE     step N (from 1) of JOB: name, uses, if, run,
#                                with.<key>; a block scalar (run: |) gives one
#                                line per line of the block, indentation
#                                removed, empty lines kept
# The YAML this reads is the subset CI.yml is written in, not YAML at large:
# two-space indentation, jobs at column 2, job keys at 4, steps as "- " items
# at 6, block scalars introduced by "|". Quotes are removed only around a
# whole value; " #" starts a comment only outside a block scalar.
function indent_of(s) { match(s, /^ */); return RLENGTH }
function value_of(v) {
	sub(/^[ \t]+/, "", v)
	if (v ~ /^"[^"]*"([ \t]+#.*)?[ \t]*$/ || v ~ /^'[^']*'([ \t]+#.*)?[ \t]*$/)
		return substr(v, 2, index(substr(v, 2), substr(v, 1, 1)) - 1)
	sub(/[ \t]+#.*$/, "", v)
	sub(/[ \t]+$/, "", v)
	return v
}
function emit(kind, job, n, key, v) { printf "%s\t%s\t%s\t%s\t%s\n", kind, job, n, key, v }
BEGIN { inblock = 0; top = ""; job = ""; insteps = 0; n = 0 }
{
	line = $0
	sub(/\r$/, "", line)
	ind = indent_of(line)
	if (inblock) {
		if (line ~ /^[ \t]*$/) { emit("step", job, n, blockkey, ""); next }
		if (ind > blockind) {
			if (strip < 0) strip = ind
			emit("step", job, n, blockkey, substr(line, strip + 1))
			next
		}
		inblock = 0
	}
	if (line ~ /^[ \t]*(#.*)?$/) next
	if (ind == 0) { top = line; sub(/:.*/, "", top); next }
	body = substr(line, ind + 1)
	if (top == "env" && ind == 2) {
		key = body; sub(/:.*/, "", key)
		v = body; sub(/^[^:]*:/, "", v)
		emit("env", "-", "-", key, value_of(v))
		next
	}
	if (top != "jobs") next
	if (ind == 2) { job = body; sub(/:.*/, "", job); n = 0; insteps = 0; next }
	if (ind == 4) { insteps = (body ~ /^steps:/); next }
	if (!insteps) next
	if (ind == 6 && body ~ /^- /) {
		n++
		body = substr(body, 3)
		ind = 8
	}
	key = body; sub(/:.*/, "", key)
	v = value_of(substr(body, length(key) + 2))
	if (ind == 8) { parent = key; prefix = "" }
	else prefix = parent "."
	if (v ~ /^[|>][-+]?$/) { inblock = 1; blockind = ind; blockkey = prefix key; strip = -1; next }
	if (v != "") emit("step", job, n, prefix key, v)
}
