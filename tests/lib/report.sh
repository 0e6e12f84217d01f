# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Test reporting shared by every shell suite: one line per test,
# "[name] PASS|FAIL|SKIP  what it proved", output shown only on failure
# (or always with V=1). Source it; call run_test NAME FUNCTION [ARGS...].

KS_TOP=${KS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSCTL=${KSCTL:-$KS_TOP/build/test/ksctl}
KS_LOGDIR=${KS_LOGDIR:-$(mktemp -d /tmp/ksctl-test.XXXXXX)}

# A test body states what it proved with `proved "..."`; the last one is printed.
proved() { printf '%s\n' "$*" > "$KS_LOGDIR/.proved"; }

# Fail the current test with a message (use inside a test function).
die() { echo "FAILED: $*" >&2; return 1; }

# skip_test REASON: a missing prerequisite. Under CI it is a failure, never a skip.
skip_test() { echo "SKIP: $*" > "$KS_LOGDIR/.skip"; [ "${CI:-}" = true ] && return 1; return 0; }

run_test() {
	local name=$1; shift
	local log="$KS_LOGDIR/$name.log" rc
	rm -f "$KS_LOGDIR/.proved" "$KS_LOGDIR/.skip"
	( set -eE -o pipefail; "$@" ) > "$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ -f "$KS_LOGDIR/.skip" ]; then
		printf '[%s] SKIP  %s\n' "$name" "$(cut -c7- "$KS_LOGDIR/.skip")"
	elif [ $rc -eq 0 ]; then
		printf '[%s] PASS  %s\n' "$name" "$(cat "$KS_LOGDIR/.proved" 2>/dev/null)"
		[ "${V:-0}" = 1 ] && sed 's/^/    /' "$log"
	else
		printf '[%s] FAIL  (exit %d)\n' "$name" "$rc"
		sed 's/^/    /' "$log" | tail -n 60
	fi
	return 0
}

# wait_until TIMEOUT_S CMD...: poll instead of sleeping a fixed time.
wait_until() {
	local deadline=$(( $(date +%s%N) / 1000000 + ${1%.*} * 1000 )); shift
	until "$@" >/dev/null 2>&1; do
		(( $(date +%s%N) / 1000000 < deadline )) || return 1
		sleep 0.05
	done
}
