#!/usr/bin/env bash
# daemon_pr_restart.sh: persistent reservations across a restart of the real
# daemon (SPC-4 §5.13.5; APTPL, "activate persist through power loss", in
# the PERSISTENT RESERVE OUT parameter list, §6.16.3). With the APTPL bit of
# the last REGISTER set, registrations and the reservation are saved in
# --state-dir and come back after SIGTERM and a new start, held by the same
# I_T nexus; once a REGISTER clears it, nothing comes back; a CLEAR is saved
# too. Driven through libiscsi by pr_tool.c (built here into $BUILD/tests).
#
# The LU is a file: its identity (serial, the state's key) derives from the
# path, so the restarted daemon serves the same LU. A RAM LU is a new device
# at every start (random serial), and its state is not carried over.
#
# shellcheck disable=SC2317 # the helpers below run through check
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

PRT=$BUILD/tests/pr_tool
PORT=3271
URL=iscsi://127.0.0.1:$PORT/iqn.2026-11.org.iscsi-sim:ref/0
IMG=$T/lu.img
STATE=$T/state
A=(-i iqn.2026-11.org.iscsi-sim:pr-a) # the reservation holder
B=(-i iqn.2026-11.org.iscsi-sim:pr-b) # unregistered until it registers with APTPL 0
C=(-i iqn.2026-11.org.iscsi-sim:pr-c) # registered, not holding
EXIT_CONFLICT=3                       # pr_tool: RESERVATION CONFLICT

mkdir -p "$(dirname "$PRT")"
rm -f "$PRT"
check "pr_tool builds" gcc -O2 -Wall -Wextra -Werror -o "$PRT" ref_target/tests/integration/pr_tool.c -liscsi
[ -x "$PRT" ] || summary
truncate -s 16M "$IMG"

# up NAME: the daemon on the same file LU and the same state directory
# (the last --state-dir wins over the one start gives).
up() {
	start "$1" --portal 127.0.0.1:$PORT --lun "file:$IMG" --state-dir "$STATE"
}

# down NAME: SIGTERM; a clean exit (under ASan: no leak either).
down() {
	stop "$PID"
	check "$1: SIGTERM exits 0" test "$RC" = 0
}

# says LINE CMD...: CMD succeeds and prints LINE (whole line).
says() {
	local line=$1
	shift
	timeout -k 5 "$CHECK_TIMEOUT" "$@" >"$T/said" 2>&1
	local rc=$?
	cat "$T/said"
	[ "$rc" -eq 0 ] && grep -qxF -- "$line" "$T/said"
}

# keys_are KEY...: READ KEYS lists exactly these keys, in any order.
keys_are() {
	timeout -k 5 "$CHECK_TIMEOUT" "$PRT" "$URL" read-keys >"$T/keys" 2>&1 || { cat "$T/keys"; return 1; }
	cat "$T/keys"
	[ "$(grep '^key ' "$T/keys" | sort)" = "$(for k in "$@"; do echo "key $k"; done | sort)" ]
}

# exits RC CMD...: CMD ends with exit status RC.
exits() {
	local want=$1
	shift
	timeout -k 5 "$CHECK_TIMEOUT" "$@"
	local rc=$?
	echo "exit $rc"
	[ "$rc" -eq "$want" ]
}

no_state_file() { ! compgen -G "$STATE/pr.*" >/dev/null; }
state_file() { compgen -G "$STATE/pr.*"; }


# 1. APTPL set by the last REGISTER: the state is saved
if up first; then
	check "fresh LU: no registrations" keys_are
	check "fresh LU: not reserved" says none "$PRT" "$URL" read-reservation
	check "fresh LU: PTPL_C set, PTPL_A clear" says "ptpl_c 1 ptpl_a 0" "$PRT" "$URL" caps
	check "C registers 0xc1 with APTPL 0" "$PRT" "${C[@]}" "$URL" register 0xc1
	check "... which writes no state file" no_state_file
	check "A registers 0xa1 with APTPL 1" "$PRT" "${A[@]}" "$URL" register 0xa1 aptpl
	check "... which writes the state file" state_file
	check "... and REPORT CAPABILITIES says PTPL_A" says "ptpl_c 1 ptpl_a 1" "$PRT" "$URL" caps
	check "A reserves WRITE EXCLUSIVE with 0xa1" "$PRT" "${A[@]}" "$URL" reserve 0xa1 we
	check "... and PRgeneration counts the two registrations" says "generation 2" "$PRT" "$URL" read-keys
	down first
fi

# 2. after the restart: every registration, the reservation, its holder
if up second; then
	check "restart: both registrations are back" keys_are 0xa1 0xc1
	check "restart: the reservation is back (0xa1, WRITE EXCLUSIVE)" says "key 0xa1 type we" \
		"$PRT" "$URL" read-reservation
	check "restart: PTPL_A still set" says "ptpl_c 1 ptpl_a 1" "$PRT" "$URL" caps
	check "restart: an unregistered initiator's WRITE is a RESERVATION CONFLICT" \
		exits $EXIT_CONFLICT "$PRT" "${B[@]}" "$URL" write 0
	check "restart: a registrant that does not hold it conflicts too" \
		exits $EXIT_CONFLICT "$PRT" "${C[@]}" "$URL" write 0
	check "restart: the holder (same initiator port) writes" "$PRT" "${A[@]}" "$URL" write 0
	# SPC-4 §6.15.2: "Regardless of the APTPL bit value the PRgeneration
	# value shall be set to zero by a power on."
	check "restart: PRgeneration is 0 after power on" says "generation 0" "$PRT" "$URL" read-keys
	# SPC-4 §6.16.3: "the last valid APTPL bit value received" decides
	check "B registers 0xb1 with APTPL 0" "$PRT" "${B[@]}" "$URL" register 0xb1
	check "... three registrations now" keys_are 0xa1 0xb1 0xc1
	check "... and PTPL_A is clear" says "ptpl_c 1 ptpl_a 0" "$PRT" "$URL" caps
	down second
fi

# 3. APTPL cleared by the last REGISTER: nothing survives
if up third; then
	check "restart after APTPL 0: no registrations" keys_are
	check "restart after APTPL 0: not reserved" says none "$PRT" "$URL" read-reservation
	check "restart after APTPL 0: B writes freely" "$PRT" "${B[@]}" "$URL" write 0
	# a CLEAR under APTPL is saved as well: the old state must not return
	check "A registers 0xa2 with APTPL 1" "$PRT" "${A[@]}" "$URL" register 0xa2 aptpl
	check "A reserves EXCLUSIVE ACCESS with 0xa2" "$PRT" "${A[@]}" "$URL" reserve 0xa2 ea
	check "A clears with 0xa2" "$PRT" "${A[@]}" "$URL" clear 0xa2
	down third
fi
if up fourth; then
	check "restart after CLEAR: no registrations" keys_are
	check "restart after CLEAR: not reserved" says none "$PRT" "$URL" read-reservation
	down fourth
fi
summary
