#!/usr/bin/env bash
# netns-run.sh CMD...: run CMD in a private network namespace that has only
# loopback. Inside it every address but 127.0.0.0/8 and ::1 is unreachable,
# so no test, daemon or guest can reach another machine by construction
# (shared/notes/peers-and-guests.md, "The network rule").
set -euo pipefail
if [ "${RT_IN_NETNS:-}" = 1 ]; then exec "$@"; fi
exec unshare --net -- env RT_IN_NETNS=1 bash -c 'ip link set lo up && exec "$@"' netns-run "$@"
