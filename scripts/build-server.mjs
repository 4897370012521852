// Bundles the Node server (src/node/main.ts) into dist/server/main.js for production: our
// TypeScript compiled into one ESM file, npm packages left as imports. Production then needs
// only `npm ci --omit=dev` and `node dist/server/main.js`: no tsx, no esbuild, no sources.
//   node scripts/build-server.mjs [--quiet] [--outfile=dist/server/main.js]
// The bundle sits two levels below the project root, like src/node/server.ts, so paths it
// derives from import.meta.url (dist/client/) resolve the same in both.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('../', import.meta.url)));
const quiet = process.argv.includes('--quiet');
// Tests build into a temp directory; anything else would break the dist/client path above.
const outfile = process.argv.find((arg) => arg.startsWith('--outfile='))?.slice('--outfile='.length) ?? 'dist/server/main.js';
const started = performance.now();

const result = await esbuild
  .build({
    entryPoints: ['src/node/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies stay `import 'hono'` etc., resolved from node_modules at run time.
    packages: 'external',
    // Linked, not inline: stack traces map back with `node --enable-source-maps`.
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  })
  .catch(() => process.exit(1));

if (!quiet) {
  const [, js] = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.js')) ?? [];
  console.log(`built ${outfile} (${((js?.bytes ?? 0) / 1024).toFixed(0)} KB) in ${Math.round(performance.now() - started)} ms`);
}
