#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test suite given on the command line, prints each suite's
# "[name] PASS|FAIL|SKIP" lines, and ends with "N passed, N failed".
# A suite that exits non-zero counts as one more failure.
set -u
# The tools `make deps` installs come first: a python3 shim of a version
# manager (pyenv) starts in seconds under load, Debian's in milliseconds.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
out=$(mktemp /tmp/ksctl-results.XXXXXX)
trap 'rm -f "$out"' EXIT
for suite in "$@"; do
	echo "== $suite"
	bash "$suite" 2>&1 | tee -a "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "[$(basename "$suite")] FAIL  (suite exited $rc)" | tee -a "$out"
	fi
done
passed=$(grep -c '^\[[^]]*\] PASS' "$out")
failed=$(grep -c '^\[[^]]*\] FAIL' "$out")
skipped=$(grep -c '^\[[^]]*\] SKIP' "$out")
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
