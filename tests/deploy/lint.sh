#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The deployment files, checked offline: compose.example.yaml (dclint and
# its own promises), tools/k8s/ksctl-pod.yaml (the Kubernetes API schema,
# strict field names, its promises) and tools/ksctl-init (POSIX sh).
# Every check is also run on a broken copy, which must fail: proof that the
# check can fail at all. Needs node/npm (validators: tests/deploy/setup.sh),
# the shellcheck, dash and busybox packages, and git; no root.
set -u
source "$(dirname "$0")/../lib/report.sh"

DEPLOY=$KS_TOP/tests/deploy
BIN=$DEPLOY/node_modules/.bin
trap 'rm -rf "$KS_LOGDIR"' EXIT
trap 'exit 130' INT TERM

# missing TOOL...: prints what is missing and succeeds, or fails if nothing is.
# A test then says `if why=$(missing ...); then skip_test "$why"; return; fi`
# (under CI=true skip_test fails, and so does the test).
missing() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || { echo "'$tool' is missing: run 'make deps'"; return 0; }
	done
	return 1
}

# The validators, from package-lock.json (setup.sh installs them once).
validators_missing() {
	missing node npm && return 0
	bash "$DEPLOY/setup.sh" >&2 || { echo "npm ci failed in tests/deploy: run 'bash tests/deploy/setup.sh'"; return 0; }
	return 1
}

# broken SRC SED_EXPR: a copy of SRC with one mistake, in the log folder.
broken() {
	local out
	out=$KS_LOGDIR/broken-$RANDOM-$(basename "$1")
	sed "$2" "$1" > "$out"
	cmp -s "$1" "$out" && { echo "the edit '$2' changed nothing in $1" >&2; return 1; }
	echo "$out"
}

# dclint's error count for a compose file (warnings allowed).
dclint_errors() {
	"$BIN/dclint" -f json "$1" 2>/dev/null | node -e '
		let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
			const r = JSON.parse(s);
			for (const f of r) for (const m of f.messages) console.error(`${m.type} line ${m.line}: ${m.message}`);
			console.log(r.reduce((n, f) => n + f.errorCount, 0));
		});'
}

test_compose_dclint() {
	local why
	if why=$(validators_missing); then skip_test "$why"; return; fi
	local n bad
	n=$(dclint_errors "$KS_TOP/compose.example.yaml")
	[ "$n" -eq 0 ] || die "dclint: $n error(s) in compose.example.yaml"
	"$BIN/dclint" "$KS_TOP/compose.example.yaml" || die "dclint exited non-zero"
	# A misspelt key and a floating tag must be reported.
	bad=$(broken "$KS_TOP/compose.example.yaml" 's/^    cap_add:/    cap_addd:/')
	[ "$(dclint_errors "$bad")" -gt 0 ] || die "dclint accepts an unknown key"
	bad=$(broken "$KS_TOP/compose.example.yaml" 's|wireguard:1\.0\.[^ ]*$|wireguard:latest|')
	[ "$(dclint_errors "$bad")" -gt 0 ] || die "dclint accepts a floating :latest tag"
	proved "dclint $("$BIN/dclint" --version): 0 errors; it does report an unknown key and a :latest tag"
}

test_compose_promises() {
	local why
	if why=$(validators_missing); then skip_test "$why"; return; fi
	node "$DEPLOY/compose-check.mjs" "$KS_TOP" || die "compose.example.yaml breaks a promise (above)"
	local bad what
	while IFS='|' read -r what expr; do
		bad=$(broken "$KS_TOP/compose.example.yaml" "$expr")
		if node "$DEPLOY/compose-check.mjs" "$KS_TOP" "$bad" >/dev/null; then
			die "the check passes a compose file with $what"
		fi
	done <<-'EOF'
	a consumer that does not wait for health|s/condition: service_healthy/condition: service_started/
	SYS_ADMIN|s/^      - BPF$/      - SYS_ADMIN/
	a missing mounted file|s|./tools/ksctl-init:|./tools/ksctl-init.sh:|
	no bpffs volume|s/type: bpf/type: tmpfs/
	an env var missing from .env.example|s/APP_KEY=\${APP_KEY}/APP_KEY=${APP_SECRET}/
	a healthcheck other than status -q|s/status, -q\]/status]/
	a consumer that keeps NET_RAW|/cap_drop:/,/- NET_RAW/d
	EOF
	proved "mounted files exist (git or make dist), NET_ADMIN+BPF only, bpffs volume, consumers wait for healthy and drop NET_RAW; 7 broken copies rejected"
}

test_k8s_schema() {
	local why
	if why=$(validators_missing); then skip_test "$why"; return; fi
	local pod=$KS_TOP/tools/k8s/ksctl-pod.yaml bad
	node "$DEPLOY/k8s-validate.mjs" "$pod" || die "the pod does not validate"
	bad=$(broken "$pod" '0,/securityContext:/s//securityContxt:/')
	if node "$DEPLOY/k8s-validate.mjs" "$bad"; then die "a misspelt field passes"; fi
	bad=$(broken "$pod" 's/periodSeconds: 1$/periodSeconds: one/')
	if node "$DEPLOY/k8s-validate.mjs" "$bad"; then die "a mistyped field passes"; fi
	bad=$(broken "$pod" 's/^  initContainers:/  initContainer:/')
	if node "$DEPLOY/k8s-validate.mjs" "$bad"; then die "a misspelt pod field passes"; fi
	proved "ksctl-pod.yaml validates (kubernetes-models schema + kubernetes-types strict fields); misspelt and mistyped fields fail"
}

test_k8s_promises() {
	local why
	if why=$(validators_missing); then skip_test "$why"; return; fi
	local pod=$KS_TOP/tools/k8s/ksctl-pod.yaml bad what
	node "$DEPLOY/k8s-check.mjs" "$KS_TOP" || die "the pod breaks a promise (above)"
	while IFS='|' read -r what expr; do
		bad=$(broken "$pod" "$expr")
		if node "$DEPLOY/k8s-check.mjs" "$KS_TOP" "$bad" >/dev/null; then
			die "the check passes a pod with $what"
		fi
	done <<-'EOF'
	no startup probe on the ksctl sidecar|0,/startupProbe:/s//livenessProbe:/
	SYS_ADMIN|s/add: \[NET_ADMIN, BPF\]/add: [NET_ADMIN, BPF, SYS_ADMIN]/
	no readiness probe|s/readinessProbe:/livenessProbe:/
	an app that keeps NET_RAW|s/drop: \[NET_RAW\]/drop: []/
	ksctl without the WireGuard configuration|s|value: /config/wg_confs|value: /nonexistent|
	EOF
	proved "ksctl starts first and gates the rest (startupProbe status -q), readiness is status -q, caps NET_ADMIN+BPF only, the app drops NET_RAW, ksctl reads the mounted config; 5 broken copies rejected"
}

test_ksctl_init_posix() {
	local why
	if why=$(missing shellcheck dash busybox bash); then skip_test "$why"; return; fi
	local init=$KS_TOP/tools/ksctl-init bad
	shellcheck -s sh "$init" || die "shellcheck -s sh"
	dash -n "$init" || die "dash -n"
	busybox sh -n "$init" || die "busybox sh -n"
	bash -n "$init" || die "bash -n (linuxserver runs it with bash)"
	bad=$(broken "$init" 's/^set -- up$/args=(up)/')
	if shellcheck -s sh "$bad" >/dev/null; then die "shellcheck passes a bash array"; fi
	proved "tools/ksctl-init: shellcheck -s sh clean, parses in dash, busybox sh and bash; a bash array is caught"
}

run_test compose_dclint test_compose_dclint
run_test compose_promises test_compose_promises
run_test k8s_schema test_k8s_schema
run_test k8s_promises test_k8s_promises
run_test ksctl_init_posix test_ksctl_init_posix
