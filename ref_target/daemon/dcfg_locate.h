/* dcfg_locate: which line of a JSON text holds the value at a key path.
 *
 * jansson keeps no position per value, so errors found after parsing
 * ("targets[0].tpgs[1].portals[2]: no such portal") could not name a line.
 * This module walks the text again, already known to be valid JSON because
 * jansson accepted it, along one path only: it skips every other value
 * with a bracket count and decodes keys with jansson itself. It parses
 * nothing else. Owns nothing.
 *
 * Paths are built by dcfg_path_key/dcfg_path_index on both sides (the
 * loader and the locator), so they compare byte for byte: "lus",
 * "lus[0]", "lus[0].size".
 */
#ifndef RT_DCFG_LOCATE_H
#define RT_DCFG_LOCATE_H

#include <stddef.h>

/* Longest path we build or look for. */
#define DCFG_PATH_MAX 256

/* Append ".key" (or "key" to an empty path) / "[index]" to path, which
 * holds len bytes. Return the new length; a path that would overflow is
 * left unchanged, and the return value is cap (caller checks >= cap). */
size_t dcfg_path_key(char *path, size_t cap, size_t len, const char *key);
size_t dcfg_path_index(char *path, size_t cap, size_t len, size_t index);

/* The 1-based line of the value at path in text (of the key, for an object
 * member), or of the deepest ancestor present when path is not all there
 * (a missing key is reported on its parent object). 1 for an empty path.
 * text must be valid JSON. */
unsigned dcfg_locate(const char *text, size_t len, const char *path);

#endif
