// SPDX-License-Identifier: MIT
// Validates Kubernetes manifests offline, two ways:
//  1. kubernetes-models: the API's OpenAPI schema (types, required fields,
//     enums, formats) for every document, by apiVersion and kind;
//  2. TypeScript with kubernetes-types: excess-property checks, so that a
//     misspelt field (which the schema alone lets through) is an error.
// Usage: node k8s-validate.mjs FILE...   Exit 0 valid, 1 invalid.
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// apiVersion "v1" lives in kubernetes-models/v1, "apps/v1" in .../apps/v1.
function modelFor(apiVersion, kind) {
	const mod = require(`kubernetes-models/${apiVersion}`);
	if (!mod[kind])
		throw new Error(`unknown kind '${kind}' in ${apiVersion}`);
	return mod[kind];
}

// kubernetes-types names core types "core/v1", the others "apps/v1" etc.
function typesPath(apiVersion) {
	return apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`;
}

let failed = 0;
const checks = [];
for (const file of process.argv.slice(2)) {
	const docs = parseAllDocuments(readFileSync(file, 'utf8'));
	docs.forEach((doc, i) => {
		const where = `${file}#${i + 1}`;
		if (doc.errors.length) {
			console.error(`${where}: YAML: ${doc.errors[0].message}`);
			failed++;
			return;
		}
		const obj = doc.toJS();
		if (!obj)
			return;
		try {
			const Model = modelFor(obj.apiVersion, obj.kind);
			new Model(obj).validate();
			console.log(`${where}: ${obj.apiVersion} ${obj.kind} '${obj.metadata?.name}': schema ok`);
			checks.push({ where, obj });
		} catch (e) {
			console.error(`${where}: ${e.message}`);
			for (const err of e.errors ?? [])
				console.error(`  ${err.instancePath || '/'} ${err.message}`);
			failed++;
		}
	});
}

// Each document becomes a typed constant; tsc reports unknown fields.
if (checks.length) {
	const dir = mkdtempSync(join(tmpdir(), 'k8s-validate-'));
	try {
		const src = checks.map(({ where, obj }, i) => {
			const type = `import('kubernetes-types/${typesPath(obj.apiVersion)}').${obj.kind}`;
			return `// ${where}\nexport const doc${i}: ${type} = ${JSON.stringify(obj, null, 2)};\n`;
		}).join('\n');
		writeFileSync(join(dir, 'manifests.ts'), src);
		writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
			compilerOptions: {
				strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext',
				typeRoots: [], baseUrl: here, paths: { '*': [join(here, 'node_modules', '*')] },
			},
			files: ['manifests.ts'],
		}));
		try {
			execFileSync(join(here, 'node_modules', '.bin', 'tsc'), ['-p', dir], { stdio: 'pipe', cwd: dir });
			console.log(`${checks.length} document(s): no unknown or mistyped fields`);
		} catch (e) {
			console.error(e.stdout.toString());
			failed++;
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
process.exit(failed ? 1 : 0);
