// Builds dist/: the agent as one self-contained CommonJS file (runs with plain `node agent.js` on any host),
// the controller CLI and library as ES modules that load their dependencies from node_modules.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync('dist', { recursive: true });
// dist/*.js are CommonJS (the agent must run outside this package too); the controller uses .mjs.
writeFileSync('dist/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');

const define = { __AGENT_VERSION__: JSON.stringify(pkg.version) };

await build({
  entryPoints: ['agent/src/main.ts'],
  outfile: 'dist/agent.js',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define,
  logLevel: 'warning',
});
const agent = readFileSync('dist/agent.js');
writeFileSync('dist/agent.js.sha256', createHash('sha256').update(agent).digest('hex') + '  agent.js\n');

const controllerEntries = [
  ['controller/src/cli.ts', 'dist/cli.mjs', '#!/usr/bin/env node'],
  ['controller/src/index.ts', 'dist/index.mjs', ''],
].filter(([entry]) => existsSync(entry));
for (const [entry, outfile, shebang] of controllerEntries) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    banner: { js: shebang },
    define,
    logLevel: 'warning',
  });
}

if (process.env.SKIP_TYPES !== '1' && existsSync('controller/src/index.ts')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
console.log(`built dist/agent.js (${statSync('dist/agent.js').size} bytes)${controllerEntries.map(([, o]) => ', ' + o).join('')}`);
