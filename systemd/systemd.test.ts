/**
 * systemd/stream-overlay.service: `systemd-analyze verify` (no running systemd needed) with no
 * warning at all, the hardening the deployment promises, the FastAPI version's alias, and the unit's own
 * command line and environment run for real against the built bundle.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../testing/nginx-edge.ts';
import { freePort } from '../testing/redis-server.ts';

const run = promisify(execFile);
const UNIT = join(ROOT, 'systemd/stream-overlay.service');
const unitText = await readFile(UNIT, 'utf8');

/** Key=value pairs of one section, in order (repeated keys kept). */
function section(text: string, name: string): [string, string][] {
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${name}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
}
const service = section(unitText, 'Service');
const one = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v).at(-1);

const test = suite('systemd unit');

const hasAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
// Without the tool the check is reported as skipped, not as passed.
const verify = hasAnalyze ? test : test.skip;
if (!hasAnalyze) console.log('  systemd-analyze verify skipped: systemd-analyze is not installed (apt-get install -y systemd)');

verify('systemd-analyze verify: no error, no warning', async () => {
  // verify checks that ExecStart's program exists; where node lives elsewhere, point it there.
  let path = UNIT;
  let dir = '';
  if (!existsSync('/usr/bin/node')) {
    dir = await mkdtemp(join(tmpdir(), 'so-unit-'));
    path = join(dir, 'stream-overlay.service');
    await writeFile(path, unitText.replace('/usr/bin/node', process.execPath));
  }
  try {
    const result = await run('systemd-analyze', ['verify', path], { env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    assert.is(result.code, 0, result.output);
    // verify reports unknown or malformed settings as "ignoring" lines yet exits 0.
    assert.is(result.output.trim(), '', result.output);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

test('a dedicated user, always restarted, env file, hardening, the built bundle', () => {
  assert.is(one('User'), 'stream-overlay');
  assert.is(one('Restart'), 'always');
  assert.is(one('EnvironmentFile'), '/etc/stream-overlay/stream-overlay.env');
  assert.match(one('ExecStart') ?? '', /^\/usr\/bin\/node \/opt\/stream-overlay\/dist\/server\/main\.js$/);
  assert.is(one('NoNewPrivileges'), 'yes');
  assert.is(one('ProtectSystem'), 'strict');
  assert.equal((one('ReadWritePaths') ?? '').split(/\s+/).sort(), ['/var/lib/stream-overlay/data', '/var/lib/stream-overlay/uploads']);
  assert.is(one('CapabilityBoundingSet'), '');
  assert.is(one('MemoryDenyWriteExecute'), undefined, "V8's JIT needs W+X memory");
  const env = Object.fromEntries(service.filter(([k]) => k === 'Environment').map(([, v]) => v.split(/=(.*)/s).slice(0, 2)));
  assert.equal({ HOST: env.HOST, PORT: env.PORT, NODE_ENV: env.NODE_ENV }, { HOST: '127.0.0.1', PORT: '13337', NODE_ENV: 'production' });
  assert.is(env.DATA_DIR, '/var/lib/stream-overlay/data');
  assert.is(env.UPLOAD_DIR, '/var/lib/stream-overlay/uploads');
});

test('systemd/service is the same unit under the legacy name', async () => {
  assert.is(await readFile(join(ROOT, 'systemd/service'), 'utf8'), unitText);
});

test("the unit's command with its environment (paths moved to a temp dir) serves /health", async () => {
  const bundle = join(ROOT, 'dist/server/main.js');
  await run(process.execPath, [join(ROOT, 'scripts/build-server.mjs'), '--quiet']);
  const state = await mkdtemp(join(tmpdir(), 'so-unit-state-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [key, value] of service.filter(([k]) => k === 'Environment')) {
    const [name, assigned] = value.split(/=(.*)/s) as [string, string];
    env[name] = assigned.replace('/var/lib/stream-overlay', state);
  }
  const port = await freePort();
  Object.assign(env, { PORT: String(port), STREAMER_API_TOKEN: 'unit-test-streamer-token-0123456789', TOKEN_SECRET: 'unit-test-token-secret-0123456789' });
  const [, script] = (one('ExecStart') ?? '').split(' ');
  assert.is(script, '/opt/stream-overlay/dist/server/main.js');
  const child = spawn(process.execPath, [bundle], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    const deadline = Date.now() + 15_000;
    while (!output.includes('stream-overlay is up on')) {
      assert.ok(child.exitCode === null && Date.now() < deadline, output);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(output.includes(`http://127.0.0.1:${port}`), 'listens on the HOST the unit sets');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/health`)).json(), { ok: true, instance_id: `${hostname()}-${child.pid}`, store: 'embedded', redis: 'not_configured' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(one('KillSignal') as NodeJS.Signals);
    assert.is(await exited, 0, 'drains and exits 0 on the unit\'s KillSignal');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
  }
});

test.run();
