/**
 * The Docker image without a Docker engine (none on these machines): the Dockerfile's rules
 * are checked as text, and its runtime stage is replayed for real — the deps stage's exact
 * `npm ci` into an empty directory, the server bundle and client pages beside it, then
 * `node dist/server/main.js` with the image's ENV, probed by the HEALTHCHECK command itself.
 * What cannot run here: `docker build` (base image pull, apt-get of espeak-ng, COPY --from).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../testing/redis-server.ts';
import { ROOT } from '../testing/nginx-edge.ts';

const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Enough of the Dockerfile grammar for our file: continuations, comments, stages. */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({ from: image.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? ''), name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest.replace(/\s+/g, ' ') });
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string) => {
  const found = dockerfile.stages.find((s) => s.name === name);
  assert.ok(found, `a stage named ${name}`);
  return found!;
};
const all = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

const rules = suite('Dockerfile rules');

rules('multi-stage on a current Node LTS slim image', () => {
  assert.equal(dockerfile.stages.map((s) => s.name), ['build', 'deps', 'runtime']);
  for (const s of dockerfile.stages) assert.match(s.from, /^node:(20|22|24)-[a-z]+-slim$/, `${s.name}: ${s.from}`);
});

rules('build stage compiles with dev dependencies; deps stage installs production ones only', () => {
  assert.ok(all(stage('build'), 'RUN').some((r) => /^npm ci\b/.test(r) && !r.includes('--omit')));
  assert.ok(all(stage('build'), 'RUN').some((r) => r.includes('npm run build') && r.includes('npm run build:server')));
  const install = all(stage('deps'), 'RUN').find((r) => r.startsWith('npm ci'));
  assert.ok(install?.includes('--omit=dev'), install);
});

rules('runtime: production env, non-root, volumes, node healthcheck, the bundle as command', () => {
  const runtime = stage('runtime');
  const env = all(runtime, 'ENV').join(' ');
  assert.match(env, /\bNODE_ENV=production\b/);
  assert.match(env, /\bHOST=0\.0\.0\.0\b/);
  assert.match(env, /\bDATA_DIR=\/app\/data\b/);
  assert.match(env, /\bUPLOAD_DIR=\/app\/uploads\b/);
  const user = all(runtime, 'USER').at(-1);
  assert.ok(user && !/^(root|0)(:|$)/.test(user), `runs as ${user}`);
  assert.equal(JSON.parse(all(runtime, 'VOLUME')[0] ?? '[]'), ['/app/data', '/app/uploads']);
  const healthcheck = all(runtime, 'HEALTHCHECK')[0] ?? '';
  assert.match(healthcheck, /CMD \["node",/, 'node, not curl: the slim image has no curl');
  assert.not.match(healthcheck, /curl|wget/);
  assert.equal(JSON.parse(all(runtime, 'CMD')[0] ?? '[]'), ['node', 'dist/server/main.js']);
  // Nothing from the build context lands in the runtime stage: only node_modules and dist.
  const copies = all(runtime, 'COPY');
  assert.ok(copies.every((c) => c.startsWith('--from=')), copies.join('\n'));
  assert.ok(copies.some((c) => c.startsWith('--from=deps ') && c.includes('node_modules')));
});

rules('.dockerignore keeps secrets, state and host builds out, and what the build needs in', async () => {
  const patterns = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  // Docker matches patterns from the context root (Go filepath.Match); ours need only * and exact names.
  const ignored = (path: string) => {
    let result = false;
    for (const raw of patterns) {
      const negate = raw.startsWith('!');
      const pattern = negate ? raw.slice(1) : raw;
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(?:/.*)?$`);
      if (regex.test(path)) result = !negate;
    }
    return result;
  };
  for (const path of ['.env', '.env.production', '.git/config', 'node_modules/hono/package.json', 'data/secrets.json', 'uploads/a.png', 'dist/server/main.js']) {
    assert.ok(ignored(path), `${path} must not reach the build context`);
  }
  for (const path of ['package.json', 'package-lock.json', 'build.mjs', 'scripts/build-server.mjs', 'src/node/main.ts', 'client/overlay/main.tsx', 'rooms/overlay-room.ts']) {
    assert.not.ok(ignored(path), `${path} is needed by the build stage`);
  }
});

rules.run();

const replay = suite('the runtime stage, replayed without Docker');
let image = '';
let child: ChildProcess | undefined;
let port = 0;
let output = '';

const healthcheck = async (): Promise<number> => {
  const [command, ...args] = JSON.parse(/CMD (\[.*\])$/.exec(all(stage('runtime'), 'HEALTHCHECK')[0]!)![1]!) as string[];
  assert.is(command, 'node');
  try {
    await run(process.execPath, args, { env: { ...process.env, PORT: String(port) }, timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? 1;
  }
};

replay.before(async () => {
  image = await mkdtemp(join(tmpdir(), 'so-image-'));
  // deps stage: COPY package.json package-lock.json, then its RUN, verbatim (plus a warm cache).
  await cp(join(ROOT, 'package.json'), join(image, 'package.json'));
  await cp(join(ROOT, 'package-lock.json'), join(image, 'package-lock.json'));
  const install = all(stage('deps'), 'RUN').find((r) => r.startsWith('npm ci'))!.split('&&')[0]!.trim();
  await run('sh', ['-c', `${install} --prefer-offline --loglevel=error`], { cwd: image, timeout: 180_000 });
  // build stage's outputs: dist/server (bundled here, into the image) and dist/client.
  await run(process.execPath, [join(ROOT, 'scripts/build-server.mjs'), '--quiet', `--outfile=${join(image, 'dist/server/main.js')}`], { timeout: 60_000 });
  const clientDist = join(ROOT, 'dist/client');
  if (!(await stat(clientDist).catch(() => null))) await run(process.execPath, [join(ROOT, 'build.mjs'), '--quiet'], { cwd: ROOT, timeout: 120_000 });
  await cp(clientDist, join(image, 'dist/client'), { recursive: true });
  await mkdir(join(image, 'data'));
  await mkdir(join(image, 'uploads'));
});

replay.after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await rm(image, { recursive: true, force: true });
});

replay('production dependencies only: no tsx, esbuild or typescript', async () => {
  for (const dev of ['tsx', 'esbuild', 'typescript', 'uvu']) {
    assert.is(await stat(join(image, 'node_modules', dev)).catch(() => null), null, `${dev} installed in the runtime image`);
  }
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const bundle = await readFile(join(image, 'dist/server/main.js'), 'utf8');
  const imported = new Set([...bundle.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)].map((m) => m[1]!).filter((s) => !s.startsWith('node:')));
  for (const specifier of imported) {
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    assert.ok(name in pkg.dependencies, `the bundle imports ${specifier}, which is not a production dependency`);
  }
});

replay('node dist/server/main.js starts with the image ENV and passes the HEALTHCHECK command', async () => {
  port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    PORT: String(port),
    DATA_DIR: join(image, 'data'),
    UPLOAD_DIR: join(image, 'uploads'),
    STREAMER_API_TOKEN: 'image-replay-streamer-token-0123456789',
    TOKEN_SECRET: 'image-replay-token-secret-0123456789',
  };
  child = spawn(process.execPath, ['dist/server/main.js'], { cwd: image, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 15_000;
  while (!output.includes('stream-overlay is up on')) {
    assert.ok(child.exitCode === null, `exited:\n${output}`);
    assert.ok(Date.now() < deadline, `no start within 15 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.is(await healthcheck(), 0, output);
  // The bundle finds dist/client/ from its own location (two levels below the app root).
  const asset = await fetch(`http://127.0.0.1:${port}/assets/overlay.js`);
  assert.is(asset.status, 200);
  assert.equal(Buffer.from(await asset.arrayBuffer()), await readFile(join(image, 'dist/client/overlay.js')));
});

replay('SIGTERM drains and exits 0; the HEALTHCHECK then fails', async () => {
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child!.kill('SIGTERM');
  assert.is(await exited, 0, output);
  assert.is(await healthcheck(), 1);
});

replay('without its secrets the production image refuses to start, naming the variable (exit 2)', async () => {
  const result = await run(process.execPath, ['dist/server/main.js'], {
    cwd: image,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(image, 'data'), UPLOAD_DIR: join(image, 'uploads') },
    timeout: 15_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
  );
  assert.is(result.code, 2);
  assert.match(result.stderr, /STREAMER_API_TOKEN: required when NODE_ENV=production/);
});

replay.run();
