#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line as a new user meets it: -h on every command, -v anywhere,
# the man page (groff lint, every option in it), the bash completion, make
# install, the version, allow list --json and errors as JSON. The option
# tables are read through 'ksctl help --completion', which prints them.
# The last tests need a kill switch in force: they run as root on the small
# bed (tests/lib/pair.sh), pins on a private bpffs.
#
# usage: tests/cli/run.sh   (as root for the namespace tests; V=1 shows every log)
set -u
source "$(dirname "$0")/../lib/report.sh"
source "$(dirname "$0")/../lib/pair.sh"

BUILD=${KSCTL_BUILD:-$KS_TOP/build}
NEAR=kscli-near-$$ FAR=kscli-far-$$
PAIR_NEAR=$NEAR PAIR_FAR=$FAR
BPFFS=$KS_LOGDIR/bpf # a private bpffs, so that the pins go with the test
PIN_ROOT=$BPFFS/ksctl

cleanup() {
	pair_destroy
	umount "$BPFFS" 2>/dev/null
	rm -rf "$KS_LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tables, as the binary prints them for the completion.
# shellcheck source=/dev/null
source <("$KSCTL" help --completion) || { echo "[cli_setup] FAIL  'ksctl help --completion' failed"; exit 1; }
# shellcheck disable=SC2154 # _ksctl_commands comes from the line above
read -r -a COMMANDS <<< "$_ksctl_commands"
long_options() { _ksctl_options "$1" | tr ' ' '\n' | grep -- '^--'; }

test_help() {
	local cmd opt n=0 rc
	for cmd in "${COMMANDS[@]}"; do
		for flag in -h --help; do
			rc=0
			"$KSCTL" "$cmd" "$flag" > "$KS_LOGDIR/h" 2> "$KS_LOGDIR/err" || rc=$?
			[ "$rc" -eq 0 ] && [ ! -s "$KS_LOGDIR/err" ] || die "'ksctl $cmd $flag' exited $rc: $(cat "$KS_LOGDIR/err")"
		done
		"$KSCTL" help "$cmd" > "$KS_LOGDIR/help" || die "'ksctl help $cmd' failed"
		cmp -s "$KS_LOGDIR/h" "$KS_LOGDIR/help" || die "'ksctl $cmd --help' and 'ksctl help $cmd' differ"
		head -n 1 "$KS_LOGDIR/h" | grep -q "^Usage: ksctl $cmd " || die "'ksctl $cmd -h' starts: $(head -n 1 "$KS_LOGDIR/h")"
		for opt in $(long_options "$cmd"); do
			grep -qE -- "^  (-., |    )$opt( |$)" "$KS_LOGDIR/h" || die "'ksctl $cmd -h' has no line for $opt"
			n=$((n + 1))
		done
	done
	# The issue's own cases: help after other options, and what --attach and --mode do.
	"$KSCTL" up -a 10.0.0.0/8 --help | grep -q -- '--attach auto|tcx|clsact .*\[default: auto\]' || die "no --attach line"
	"$KSCTL" up --bogus -h | grep -q -- '--mode auto|tc|cgroup .*\[default: auto\]' || die "-h after a bad option"
	"$KSCTL" status -h | grep -q -- '--pin-dir DIR .*\[env: KSCTL_PIN_DIR\]' || die "no KSCTL_PIN_DIR"
	proved "${#COMMANDS[@]} commands: -h and --help exit 0 with the text of 'ksctl help CMD', a line for each of $n options"
}

test_man_page() {
	local page=$BUILD/ksctl.8 text=$KS_LOGDIR/man.txt cmd opt n=0 var reason
	[ -f "$page" ] || die "no $page: run make"
	groff -ww -man -Tutf8 "$page" 2> "$KS_LOGDIR/lint" | sed 's/.\x08//g' > "$text"
	[ ! -s "$KS_LOGDIR/lint" ] || die "groff -ww warns: $(head -n 5 "$KS_LOGDIR/lint")"
	for cmd in "${COMMANDS[@]}"; do
		grep -q "^   ksctl $cmd \[OPTIONS\]" "$text" || die "no section for 'ksctl $cmd'"
		for opt in $(long_options "$cmd"); do
			grep -qE -- "(^|[ ,])$opt( |$)" "$text" || die "$opt ($cmd) is not in the page"
			n=$((n + 1))
		done
	done
	for var in KSCTL_PIN_DIR $(sed -n 's/^#   \(KS_[A-Z_]*\).*/\1/p' "$KS_TOP/tools/ksctl-init"); do
		grep -q "^       $var" "$text" || die "environment variable $var is not described"
	done
	while read -r reason; do
		grep -qE "^       [0-9]+ (pass|drop) .*\b$reason\b" "$text" || die "reason $reason is not in the verdict"
	done < <(sed -n 's/.*X([A-Z_0-9]*, "\([a-z_0-9]*\)".*/\1/p' "$KS_TOP/include/ksctl_common.h")
	for section in "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "THE VERDICT"; do
		grep -q "^$section" "$text" || die "no $section section"
	done
	grep -q 'ksctl up --config /config/wg_confs' "$text" || die "no two-tunnel example"
	grep -q "^ksctl $("$KSCTL" version | cut -d' ' -f2) " "$text" || die "the footer does not carry the version"
	proved "groff -ww renders ksctl.8 without a warning; it has all ${#COMMANDS[@]} commands, $n options, every KS_* variable and reason"
}

# complete WORD...: what the completion offers for the last word.
complete_words() {
	bash --norc --noprofile -c '
		source "$1"; shift
		complete -p ksctl | grep -q -- "-F _ksctl ksctl$" || { echo "not registered"; exit 1; }
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ksctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BUILD/ksctl.bash" "$@"
}

test_completion() {
	local got opt
	[ -f "$BUILD/ksctl.bash" ] || die "no $BUILD/ksctl.bash: run make"
	shellcheck -s bash "$BUILD/ksctl.bash" || die "shellcheck"
	got=$(complete_words ksctl st | tr '\n' ' ')
	[ "$got" = "status stats " ] || die "'ksctl st': $got"
	got=$(complete_words ksctl -v up --)
	for opt in $(long_options up); do
		grep -qx -- "$opt" <<< "$got" || die "'ksctl up --' lacks $opt"
	done
	complete_words ksctl up -i '' | grep -qx lo || die "-i does not offer interfaces"
	got=$(complete_words ksctl up --mode '' | tr '\n' ' ')
	[ "$got" = "auto tc cgroup " ] || die "--mode: $got"
	mkdir -p "$KS_LOGDIR/confs" && touch "$KS_LOGDIR/confs/wg1.conf"
	complete_words ksctl up --config "$KS_LOGDIR/confs/w" | grep -qx "$KS_LOGDIR/confs/wg1.conf" || die "--config does not offer files"
	got=$(complete_words ksctl allow --pin-dir /x '' | tr '\n' ' ')
	[ "$got" = "list add del " ] || die "allow: $got"
	[ -z "$(complete_words ksctl allow add '')" ] || die "allow add offers words for a CIDR"
	proved "registered with complete -F; commands, every up option, interfaces for -i, files for --config, choices, allow's actions"
}

test_install() {
	local dest=$KS_LOGDIR/dest
	make -C "$KS_TOP" --no-print-directory install DESTDIR="$dest" PREFIX=/usr > "$KS_LOGDIR/install" 2>&1 ||
		die "make install: $(tail -n 5 "$KS_LOGDIR/install")"
	[ "$(stat -c %a "$dest/usr/sbin/ksctl")" = 755 ] || die "no executable usr/sbin/ksctl"
	[ "$(stat -c %a "$dest/usr/share/man/man8/ksctl.8")" = 644 ] || die "no usr/share/man/man8/ksctl.8"
	[ "$(stat -c %a "$dest/usr/share/bash-completion/completions/ksctl")" = 644 ] || die "no completion"
	[ "$(find "$dest" -type f | wc -l)" -eq 3 ] || die "other files: $(find "$dest" -type f)"
	"$dest/usr/sbin/ksctl" version | grep -q '^ksctl ' || die "the installed binary does not run"
	make -C "$KS_TOP" --no-print-directory install DESTDIR="$dest" PREFIX=/opt/ks MANDIR=/opt/man > /dev/null 2>&1 &&
		[ -f "$dest/opt/ks/sbin/ksctl" ] && [ -f "$dest/opt/man/man8/ksctl.8" ] &&
		[ -f "$dest/opt/ks/share/bash-completion/completions/ksctl" ] || die "PREFIX and MANDIR are not followed"
	proved "make install DESTDIR= PREFIX=/usr: sbin/ksctl 755, man8/ksctl.8 and the completion 644, nothing else; PREFIX, MANDIR followed"
}

# version_of DIR: tools/version.sh run from a copy in DIR.
version_of() { mkdir -p "$1/tools" && cp "$KS_TOP/tools/version.sh" "$1/tools/" && sh "$1/tools/version.sh"; }

test_version() {
	local built repo=$KS_LOGDIR/repo got
	built=$(sed -n 's/^#define KSCTL_VERSION "\(.*\)"$/\1/p' "$BUILD/ksctl_version.h")
	[ "$("$KSCTL" version)" = "ksctl $built" ] || die "'ksctl version' says $("$KSCTL" version), the build $built"
	[ "$built" != 0.1.0 ] && [ -n "$built" ] || die "the version is the constant '$built'"
	# A tarball: the VERSION file, else 0.1.0-unknown.
	mkdir -p "$KS_LOGDIR/tar" && echo 2.3.4 > "$KS_LOGDIR/tar/VERSION"
	[ "$(version_of "$KS_LOGDIR/tar")" = 2.3.4 ] || die "tarball with VERSION: $(version_of "$KS_LOGDIR/tar")"
	[ "$(version_of "$KS_LOGDIR/bare")" = 0.1.0-unknown ] || die "tarball without VERSION: $(version_of "$KS_LOGDIR/bare")"
	# A checkout: VERSION-g<commit> before a tag, the tag after, -dirty with changes.
	mkdir -p "$repo" && echo 2.3.4 > "$repo/VERSION" && version_of "$repo" > /dev/null
	git -C "$repo" init -q && git -C "$repo" add VERSION tools &&
		git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m one || die "git"
	got=$(version_of "$repo")
	[[ $got =~ ^2\.3\.4-g[0-9a-f]{12}$ ]] || die "untagged: $got"
	git -C "$repo" tag v3.0.0
	[ "$(version_of "$repo")" = 3.0.0 ] || die "tagged: $(version_of "$repo")"
	echo 3.0.1 > "$repo/VERSION"
	[ "$(version_of "$repo")" = 3.0.0-dirty ] || die "tagged, changed: $(version_of "$repo")"
	proved "ksctl version is the build's git describe ($built); a tarball says VERSION or 0.1.0-unknown; a tag, -dirty, -g<commit> as git says"
}

ks() { nsenter --net="/run/netns/$NEAR" "$KSCTL" "$@" --pin-dir "$PIN_ROOT"; }

setup_bed() {
	pair_create kscli0 kscli1 || return 1
	mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" || return 1
	ks up -a 198.51.100.0/24 2>/dev/null
}

test_allow_list_json() {
	ks allow add 2001:db8::/32 192.0.2.0/24 2>/dev/null
	ks allow list --json > "$KS_LOGDIR/list.json"
	python3 - "$KS_LOGDIR/list.json" <<-'EOF' || die "allow list --json: $(cat "$KS_LOGDIR/list.json")"
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d == {"allowlist": ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"]}, d
	EOF
	[ "$(ks allow list | tr '\n' ' ')" = "192.0.2.0/24 198.51.100.0/24 2001:db8::/32 " ] || die "plain list: $(ks allow list)"
	ks allow del 2001:db8::/32 192.0.2.0/24 2>/dev/null
	proved "allow list --json is {\"allowlist\": [...]}, the same prefixes in the same order as the plain list"
}

# json_error CODE PATTERN ARGS...: exit CODE, nothing on stdout, one JSON object on stderr whose error matches.
json_error() {
	local want=$1 pattern=$2 rc=0; shift 2
	"$@" > "$KS_LOGDIR/out" 2> "$KS_LOGDIR/err" || rc=$?
	[ "$rc" -eq "$want" ] || die "'$*' exited $rc, want $want"
	[ ! -s "$KS_LOGDIR/out" ] || die "'$*' wrote on stdout: $(cat "$KS_LOGDIR/out")"
	python3 - "$KS_LOGDIR/err" "$pattern" <<-'EOF' || die "'$*' said: $(cat "$KS_LOGDIR/err")"
	import json, re, sys
	lines = open(sys.argv[1]).read().splitlines()
	assert len(lines) == 1, lines
	d = json.loads(lines[0])
	assert list(d) == ["error"] and re.search(sys.argv[2], d["error"]), d
	EOF
}

test_json_errors() {
	json_error 1 "203.0.113.1/32 is not in the allowlist" ks allow del 203.0.113.1/32 --json
	json_error 2 "invalid address or CIDR 'x'" ks allow --json add x
	json_error 2 "unknown option '--bogus' for 'status'" ks status --bogus --json
	json_error 2 "--json and --prometheus exclude each other" ks stats --json --prometheus
	json_error 2 "unknown command 'frobnicate'" "$KSCTL" frobnicate --json
	json_error 1 "no kill switch is in force" nsenter --net="/run/netns/$FAR" "$KSCTL" stats --json --pin-dir "$PIN_ROOT"
	# Without --json, the same errors are prose.
	local rc=0
	ks allow del 203.0.113.1/32 2> "$KS_LOGDIR/err" || rc=$?
	[ $rc -eq 1 ] && grep -qx "ksctl: error: 203.0.113.1/32 is not in the allowlist.*" "$KS_LOGDIR/err" || die "prose: $(cat "$KS_LOGDIR/err")"
	ks status -q || die "the errors weakened the kill switch"
	proved "6 errors under --json (runtime and usage, before and after the option): one {\"error\": ...} line, exit 1 or 2, stdout empty"
}

test_version_reported() {
	local version
	version=$("$KSCTL" version | cut -d' ' -f2)
	ks status --json | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["version"] == sys.argv[1], d' "$version" ||
		die "status --json has no version $version"
	ks stats --prometheus | grep -qx "ksctl_build_info{version=\"$version\"} 1" || die "no ksctl_build_info"
	proved "status --json has \"version\": \"$version\", and stats --prometheus ksctl_build_info{version=...} 1"
}

test_verbose_anywhere() {
	local where
	ks up -a 198.51.100.0/24 2> "$KS_LOGDIR/err"
	! grep -q 'ksctl: debug:' "$KS_LOGDIR/err" || die "debug lines without -v"
	for where in "-v up -a 198.51.100.0/24" "up -v -a 198.51.100.0/24" "up -a 198.51.100.0/24 -v" "up --verbose -a 198.51.100.0/24"; do
		# shellcheck disable=SC2086 # the words of $where are the arguments
		ks $where 2> "$KS_LOGDIR/err" || die "ksctl $where failed"
		grep -q 'ksctl: debug: kscli0: tcx replaced' "$KS_LOGDIR/err" || die "no debug line from 'ksctl $where'"
	done
	ks status -qv 2> "$KS_LOGDIR/err" || die "status -qv"
	proved "-v before the command, after it, last, and --verbose: each shows up's debug lines; none without"
}

run_test cli_help test_help
run_test cli_man_page test_man_page
run_test cli_completion test_completion
run_test cli_install test_install
run_test cli_version test_version
if [ "$(id -u)" -ne 0 ]; then
	echo "[cli_namespace] SKIP  allow list --json, JSON errors, -v anywhere: run as root"
	exit 0
fi
setup_bed || { echo "[cli_setup] FAIL  cannot build the namespace bed"; exit 1; }
run_test cli_allow_list_json test_allow_list_json
run_test cli_json_errors test_json_errors
run_test cli_version_reported test_version_reported
run_test cli_verbose_anywhere test_verbose_anywhere
