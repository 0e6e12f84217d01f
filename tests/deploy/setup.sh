#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the npm validators of tests/deploy exactly as package-lock.json
# pins them (npm ci), unless node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")"
lock=package-lock.json stamp=node_modules/.ksctl-lock
if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
	exit 0
fi
command -v npm >/dev/null || { echo "setup: npm is missing (Node.js 20 and npm are needed for the validators)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
cp "$lock" "$stamp"
