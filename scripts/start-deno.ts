/**
 * `npm run start:deno`: run src/deno/main.ts with the `deno` binary from node_modules and the
 * narrowest permissions the configuration allows: read the bundles, read and write DATA_DIR
 * and UPLOAD_DIR (wherever the environment puts them), network, environment, and running
 * espeak-ng only when TTS_ENGINE=espeak. Signals are passed on, so SIGTERM drains the server.
 *   node --import tsx scripts/start-deno.ts
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../src/config.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

let config;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(2);
}
const dirs = [resolve(config.DATA_DIR), resolve(config.UPLOAD_DIR)];
const flags = [
  '--allow-net',
  // ioredis' `debug` dependency lists every variable, so env access cannot be narrowed to names.
  '--allow-env',
  `--allow-read=${[resolve(root, 'dist'), ...dirs].join(',')}`,
  `--allow-write=${dirs.join(',')}`,
  ...(config.TTS_ENGINE === 'espeak' ? [`--allow-run=${config.ESPEAK_BINARY}`] : []),
];

const child = spawn(resolve(root, 'node_modules/.bin/deno'), ['run', ...flags, resolve(root, 'src/deno/main.ts')], { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`could not start deno (${error.message}); run npm install, deno is a dev dependency`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1)));
