// SPDX-License-Identifier: MIT
// The promises of compose.example.yaml that no schema can check:
//  - every file it bind-mounts exists in the repository (git) or is built
//    by `make dist`;
//  - the kill switch container gets NET_ADMIN and BPF, never SYS_ADMIN or
//    privileged; its bpffs is a `type: bpf` volume at /sys/fs/bpf;
//  - its healthcheck runs the mounted ksctl with `status -q`, the init
//    script is mounted in /custom-cont-init.d, and ksctl-init's default
//    KS_BIN is where ksctl is mounted;
//  - every consumer (network_mode: service:X) waits for X to be healthy and
//    drops NET_RAW;
//  - every ${VAR} without a default is set in .env.example.
// Usage: node compose-check.mjs REPO_ROOT [COMPOSE_FILE]   Exit 0 or 1.
import { readFileSync, existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';

const root = process.argv[2];
const composeFile = process.argv[3] ?? join(root, 'compose.example.yaml');
const text = readFileSync(composeFile, 'utf8');
const compose = parse(text);
const tracked = new Set(execFileSync('git', ['-C', root, 'ls-files'], { encoding: 'utf8' }).split('\n'));
// What `make dist` produces: asked of make itself, not assumed.
const built = (path) => {
	try {
		execFileSync('make', ['-C', root, '-n', path], { stdio: 'pipe' });
		return path === 'build/dist/ksctl';
	} catch {
		return false;
	}
};

let failures = 0;
const check = (ok, what) => {
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
	if (!ok)
		failures++;
};

// Short-syntax volume "SRC:DST[:MODE]" or long syntax.
const volumesOf = (svc) => (svc.volumes ?? []).map((v) => {
	if (typeof v !== 'string')
		return { source: v.source, target: v.target, type: v.type };
	const [source, target] = v.split(':');
	const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('$');
	return { source, target, type: bind ? 'bind' : 'volume' };
});
const healthTest = (svc) => {
	const t = svc.healthcheck?.test;
	if (!t)
		return [];
	if (typeof t === 'string')
		return t.split(/\s+/);
	return t[0] === 'CMD' || t[0] === 'CMD-SHELL' ? t.slice(1) : t;
};

const services = compose.services ?? {};
for (const [name, svc] of Object.entries(services)) {
	for (const v of volumesOf(svc).filter((v) => v.type === 'bind' && v.source.startsWith('.'))) {
		const rel = normalize(v.source);
		check(tracked.has(rel) || built(rel), `${name}: mounted file ${v.source} is in git or built by make dist`);
	}
	check(!svc.privileged, `${name}: not privileged`);
	check(!(svc.cap_add ?? []).some((c) => /^(CAP_)?(SYS_ADMIN|ALL)$/.test(c)), `${name}: no SYS_ADMIN or ALL`);
}

// The kill switch service: the one whose healthcheck runs ksctl.
const ks = Object.entries(services).filter(([, s]) => /ksctl$/.test(healthTest(s)[0] ?? ''));
check(ks.length === 1, `exactly one service is health-checked by ksctl (${ks.map(([n]) => n).join(', ')})`);
for (const [name, svc] of ks) {
	const test = healthTest(svc);
	const vols = volumesOf(svc);
	const ksctlMount = vols.find((v) => v.target === test[0]);
	check(test.slice(1).join(' ') === 'status -q', `${name}: healthcheck is 'ksctl status -q'`);
	check(ksctlMount && normalize(ksctlMount.source) === 'build/dist/ksctl',
		`${name}: the healthcheck's ${test[0]} is build/dist/ksctl, mounted`);
	const init = vols.find((v) => v.target?.startsWith('/custom-cont-init.d/'));
	check(init && normalize(init.source) === 'tools/ksctl-init', `${name}: tools/ksctl-init is mounted in /custom-cont-init.d`);
	const initText = readFileSync(join(root, 'tools/ksctl-init'), 'utf8');
	const defaultBin = /^KS_BIN=\$\{KS_BIN:-([^}]+)\}/m.exec(initText)?.[1];
	check(defaultBin === test[0], `${name}: ksctl-init's default KS_BIN (${defaultBin}) is where ksctl is mounted`);
	check(JSON.stringify([...(svc.cap_add ?? [])].sort()) === '["BPF","NET_ADMIN"]', `${name}: cap_add is NET_ADMIN and BPF`);
	const bpffs = vols.find((v) => v.target === '/sys/fs/bpf');
	const vol = bpffs && compose.volumes?.[bpffs.source];
	check(bpffs?.type === 'volume' && vol?.driver_opts?.type === 'bpf' && vol?.driver_opts?.device === 'bpf',
		`${name}: /sys/fs/bpf is a volume with driver_opts type=bpf device=bpf`);
	const sysctls = JSON.stringify(svc.sysctls ?? []);
	check(/net\.ipv4\.conf\.all\.src_valid_mark"?[=:]"?1/.test(sysctls), `${name}: sysctl net.ipv4.conf.all.src_valid_mark=1`);
	for (const env of (svc.environment ?? []).filter((e) => typeof e === 'string' && e.startsWith('KS_')))
		check(new RegExp(`^#\\s+${env.split('=')[0]}\\s`, 'm').test(initText), `${name}: ${env.split('=')[0]} is documented in tools/ksctl-init`);
}

// Consumers: whoever shares a network namespace waits for it to be healthy.
for (const [name, svc] of Object.entries(services)) {
	const m = /^(service|container):(.+)$/.exec(svc.network_mode ?? '');
	if (!m)
		continue;
	const dep = svc.depends_on?.[m[2]];
	check(m[1] === 'service' && dep?.condition === 'service_healthy',
		`${name}: network_mode ${svc.network_mode} waits for ${m[2]} to be healthy`);
	check(ks.some(([n]) => n === m[2]), `${name}: joins the kill switch service's network namespace`);
	check((svc.cap_drop ?? []).some((c) => /^(CAP_)?(NET_RAW|ALL)$/.test(c)) && !(svc.cap_add ?? []).length,
		`${name}: drops NET_RAW and adds nothing (NET_RAW forges marks and opens packet sockets)`);
}

// ${VAR} without :- or - default must be in .env.example.
const envExample = readFileSync(join(root, '.env.example'), 'utf8');
const required = new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
for (const v of required)
	check(new RegExp(`^${v}=`, 'm').test(envExample), `.env.example sets ${v}`);

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
