// SPDX-License-Identifier: MIT
// The promises of tools/k8s/ksctl-pod.yaml that the API schema cannot check:
//  - the first init container puts the kill switch in force (ksctl-init or
//    `ksctl up`), and nothing else starts before its startup probe
//    `ksctl status -q` passes (a native sidecar with a startupProbe, or a
//    plain init container that runs to completion);
//  - the pod is ready only while `ksctl status -q` passes;
//  - ksctl gets NET_ADMIN and BPF and nothing else; no container is
//    privileged or gets SYS_ADMIN; the application drops NET_RAW;
//  - ksctl reads the WireGuard configuration it is given (KS_CONFIG mounted);
//  - the image recipe copies only files that git holds or `make dist` builds.
// Usage: node k8s-check.mjs REPO_ROOT [POD_FILE]   Exit 0 or 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';

const root = process.argv[2];
const pod = parse(readFileSync(process.argv[3] ?? join(root, 'tools/k8s/ksctl-pod.yaml'), 'utf8'));
const tracked = new Set(execFileSync('git', ['-C', root, 'ls-files'], { encoding: 'utf8' }).split('\n'));

let failures = 0;
const check = (ok, what) => {
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
	if (!ok)
		failures++;
};
const isStatusQ = (probe) => {
	const cmd = probe?.exec?.command ?? [];
	return /ksctl$/.test(cmd[0] ?? '') && cmd.slice(1).join(' ') === 'status -q';
};
const runsUp = (c) => /ksctl-init|ksctl up/.test([...(c.command ?? []), ...(c.args ?? [])].join(' '));

const spec = pod.spec ?? {};
const inits = spec.initContainers ?? [];
const all = [...inits, ...(spec.containers ?? [])];
const first = inits[0] ?? {};
check(runsUp(first), `the first init container (${first.name}) runs ksctl-init or 'ksctl up'`);
const sidecar = first.restartPolicy === 'Always';
check(!sidecar || isStatusQ(first.startupProbe),
	`${first.name}: ${sidecar ? 'a native sidecar whose startupProbe is ksctl status -q' : 'a plain init container (runs to completion)'}`);
check(all.some((c) => isStatusQ(c.readinessProbe)), 'a readinessProbe runs ksctl status -q');
const caps = first.securityContext?.capabilities ?? {};
check(JSON.stringify([...(caps.add ?? [])].sort()) === '["BPF","NET_ADMIN"]', `${first.name}: capabilities add NET_ADMIN and BPF`);
check(JSON.stringify(caps.drop ?? []) === '["ALL"]', `${first.name}: capabilities drop ALL`);
for (const c of all) {
	const sc = c.securityContext ?? {};
	check(!sc.privileged && !(sc.capabilities?.add ?? []).some((x) => /^(CAP_)?(SYS_ADMIN|ALL)$/.test(x)),
		`${c.name}: not privileged, no SYS_ADMIN`);
}
check(!spec.hostNetwork, 'the pod has its own network namespace (no hostNetwork)');
for (const c of spec.containers ?? [])
	check((c.securityContext?.capabilities?.drop ?? []).some((x) => /^(CAP_)?(NET_RAW|ALL)$/.test(x)),
		`${c.name}: drops NET_RAW (it would forge the tunnel's mark and open packet sockets)`);
const configDir = (first.env ?? []).find((e) => e.name === 'KS_CONFIG')?.value;
check(configDir && (first.volumeMounts ?? []).some((m) => m.mountPath === configDir),
	`${first.name}: KS_CONFIG (${configDir}) is a mounted WireGuard configuration`);

// The image that the manifest runs: its COPY sources exist.
const dockerfile = readFileSync(join(root, 'tools/k8s/Dockerfile'), 'utf8');
for (const m of dockerfile.matchAll(/^COPY\s+(\S+)\s+\S+$/gm))
	check(tracked.has(m[1]) || m[1] === 'build/dist/ksctl', `tools/k8s/Dockerfile copies ${m[1]}, which git holds or make dist builds`);

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
