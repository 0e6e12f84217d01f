#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unit tests of parsing and formatting, built with ASan and UBSan. Their
# stderr (the rejected inputs' messages, any sanitizer report) is shown on failure.
set -u
build=${KSCTL_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
log=$(mktemp /tmp/ksctl-unit.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
for source in "$(dirname "$0")"/*.c; do
	t=$build/test/$(basename "$source" .c)
	if ! "$t" 2>"$log"; then
		status=1
		sed 's/^/    /' "$log"
	fi
done
exit $status
