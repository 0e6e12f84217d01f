#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints ksctl's version: `git describe --tags --dirty` of the source tree
# when it is a git checkout of its own (VERSION-g<commit> before the first
# tag), else the VERSION file (a tarball), else 0.1.0-unknown. Only
# [0-9A-Za-z.+~-] are kept, so the version can stand unescaped anywhere: a C
# string, a Prometheus label, a man page.
top=$(cd "$(dirname "$0")/.." && pwd -P)
base=$(cat "$top/VERSION" 2>/dev/null)
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	version=$(git -C "$top" describe --tags --dirty 2>/dev/null) ||
		version=${base:-0.1.0}-g$(git -C "$top" describe --always --dirty --abbrev=12)
	version=${version#v}
else
	version=${base:-0.1.0-unknown}
fi
printf '%s\n' "$version" | tr -cd '0-9A-Za-z.+~\n-'
