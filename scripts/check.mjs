// `npm run check`: everything CI verifies short of running tests.
//   - tsc on each type-check world: the portable core (no Node types), the Node edge and
//     tests, the browser clients;
//   - `deno check` on the Deno entry (the core as Deno sees it);
//   - no merge-conflict markers in tracked files;
//   - every built bundle in dist/client parses as an ES module (V8, as in OBS's Chromium).
// Steps run two at a time; the summary lists each one, and any failure exits non-zero.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('../', import.meta.url)));

const TSC = 'node_modules/typescript/bin/tsc';
const DENO = 'node_modules/.bin/deno';
const BUNDLES = 'dist/client';

/** Runs a command; resolves with its exit code and combined output (never rejects). */
function run(command, args, { input, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 1, output: output + String(error) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
    child.stdin.end(input);
  });
}

const tsc = (world) => ({
  name: `tsc ${world}`,
  run: () => run(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', `tsconfig.${world}.json`]),
});

const steps = [
  tsc('node'),
  tsc('core'),
  {
    name: 'deno check',
    run: () =>
      existsSync(DENO)
        ? run(DENO, ['check', 'src/deno/main.ts'])
        : { code: 1, output: `${DENO} is missing: run npm install (deno is a dev dependency)` },
  },
  tsc('client'),
  { name: 'merge markers', run: () => run('bash', ['scripts/check-merge-conflicts.sh']) },
  { name: 'bundles parse', run: parseBundles },
];

/** Each dist/client/*.js through `node --check` as an ES module, so a bundle that cannot load fails here. */
async function parseBundles() {
  const files = existsSync(BUNDLES) ? readdirSync(BUNDLES).filter((f) => f.endsWith('.js')).sort() : [];
  if (files.length === 0) {
    const message = `no bundles in ${BUNDLES}: run npm run build first`;
    // Locally a fresh tree may not be built yet; CI must never skip this step silently.
    return process.env.CI ? { code: 1, output: message } : { code: 0, output: message, skipped: true };
  }
  const results = await Promise.all(
    files.map(async (file) => {
      const path = `${BUNDLES}/${file}`;
      const result = await run(process.execPath, ['--input-type=module', '--check'], { input: readFileSync(path) });
      return { ...result, output: result.output.replaceAll('[stdin]', path) };
    }),
  );
  const failed = results.filter((r) => r.code !== 0);
  return {
    code: failed.length ? 1 : 0,
    output: failed.length ? failed.map((r) => r.output).join('\n') : '',
    note: `${files.length - failed.length}/${files.length} ok`,
  };
}

const started = performance.now();
const results = new Array(steps.length);
let next = 0;
async function worker() {
  while (next < steps.length) {
    const index = next++;
    const t0 = performance.now();
    const result = await steps[index].run();
    results[index] = { ...result, name: steps[index].name, ms: performance.now() - t0 };
  }
}
await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));

const failed = results.filter((r) => r.code !== 0);
for (const r of failed) {
  console.log(`\n── ${r.name} ─────────────────────────────`);
  const lines = r.output.trim().split('\n');
  console.log(lines.slice(0, 80).join('\n') + (lines.length > 80 ? `\n… ${lines.length - 80} more lines` : ''));
}
console.log('\ncheck            result   time');
for (const r of results) {
  const status = r.code !== 0 ? 'FAIL' : r.skipped ? 'skipped' : 'ok';
  const note = r.skipped ? r.output : r.note ?? '';
  console.log(`${r.name.padEnd(16)} ${status.padEnd(8)} ${(r.ms / 1000).toFixed(1).padStart(4)} s  ${note}`.trimEnd());
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(failed.length ? `\ncheck failed: ${failed.map((r) => r.name).join(', ')} (${seconds} s)` : `\ncheck passed (${seconds} s)`);
process.exit(failed.length ? 1 : 0);
