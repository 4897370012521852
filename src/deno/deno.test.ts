/**
 * Smoke test of the Deno edge (runs under Node, drives a real `deno` child process): the same
 * core serves the overlay and moderator sockets, an op reaches the overlay with the next
 * version, bad input is answered without dropping the socket, an upload round-trips, and
 * SIGTERM drains cleanly; a journal the Node edge left after a crash is replayed.
 * Once with the embedded store, once with Redis (ioredis under Deno's npm compatibility).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, sharedRedisUrl } from '../../testing/redis-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { pngBytes } from '../../testing/media-samples.ts';
import { startServerProcess } from '../../testing/server-process.ts';
import { CloseCode } from '../protocol/messages.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

interface DenoServer {
  url: string;
  child: ChildProcess;
  /** What the child printed, for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Launchers still running; none may outlive this process, even when a test crashes. */
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach(killGroup));

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Started the way `npm run start:deno` starts it (scripts/start-deno.ts picks the permissions). */
async function startDeno(dataDir: string, env: Record<string, string> = {}): Promise<DenoServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/start-deno.ts'],
    {
      cwd: ROOT,
      // Its own process group, so a hung run can be killed together with the deno it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NO_COLOR: '1',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        UPLOAD_DIR: join(dataDir, 'uploads'),
        STREAMER_API_TOKEN: STREAMER_TOKEN,
        TOKEN_SECRET,
        LOG_LEVEL: 'warn',
        WS_MAX_PAYLOAD_KB: '16',
        ...env,
      },
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const server = { url, child, exited, output: () => output };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`deno exited before serving:\n${output}`);
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.ok) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  killGroup(child);
  throw new Error(`deno did not answer /health within ${START_TIMEOUT_MS} ms:\n${output}`);
}

/** SIGTERM (the graceful path under test), then SIGKILL if it hangs. */
async function stopDeno(server: DenoServer): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => killGroup(server.child), STOP_TIMEOUT_MS);
  try {
    return await server.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The scenario both stores go through, ending with SIGTERM while the overlay is connected. */
async function exercise(server: DenoServer): Promise<void> {
  const sockets: TestSocket[] = [];
  try {
    const res = await fetch(`${server.url}/api/overlay/token`, {
      method: 'POST',
      headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'main' }),
    });
    assert.is(res.status, 200, 'view token minted');
    const { token } = (await res.json()) as { token: string };
    const ws = server.url.replace(/^http/, 'ws');

    const overlay = await openSocket(`${ws}/ws/overlay?room=main&token=${encodeURIComponent(token)}`);
    sockets.push(overlay);
    const moderator = await openSocket(`${ws}/ws/moderator?room=main`, { 'x-streamer-token': STREAMER_TOKEN });
    sockets.push(moderator);
    await overlay.next('scene.full');

    moderator.send({ type: 'add', item: { id: 'a', kind: 'text', text: 'hi' }, req_id: 1 });
    const ack = await moderator.next('ack', (m) => m.req_id === 1);
    assert.is(ack.version, 1, 'moderator acked with version 1');
    const patch = await overlay.next('scene.patch');
    assert.is(patch.version, 1, 'overlay saw version 1');
    assert.equal(patch.ops.map((op) => (op.op === 'upsert' ? op.item.id : op.op)), ['a']);

    moderator.send({ type: 'add', item: { kind: 'text', x: 'far' } });
    const error = await moderator.next('error');
    assert.is(error.code, 'bad_message');
    moderator.send({ type: 'ping', client_ts: 1 });
    await moderator.next('pong');
    assert.is(moderator.ws.readyState, moderator.ws.OPEN, 'socket survives bad input');

    // The Node edge's upload storage, running under Deno's Node compatibility.
    const png = pngBytes(3, 3, 7);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'dot.png');
    const uploaded = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: { 'x-streamer-token': STREAMER_TOKEN }, body: form });
    assert.is(uploaded.status, 200, 'upload accepted');
    const { path } = (await uploaded.json()) as { path: string };
    assert.equal(new Uint8Array(await (await fetch(server.url + path)).arrayBuffer()), png, 'upload served back');

    // Deno has no transport limit of its own: the edge closes an oversize message with 1009.
    moderator.send({ type: 'ping', pad: 'x'.repeat(17 * 1024) });
    assert.is((await within(3000, moderator.closed, 'close after an oversize message')).code, CloseCode.tooBig);

    // Draining tells connected overlays to reconnect (1012), then the process exits cleanly.
    const exit = await stopDeno(server);
    assert.equal(exit, { code: 0, signal: null }, `clean exit after SIGTERM:\n${server.output()}`);
    assert.is((await within(3000, overlay.closed, 'close on drain')).code, CloseCode.restarting);
  } finally {
    for (const socket of sockets) socket.close();
  }
}

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const deno = suite('deno edge');

deno('embedded store: sockets, ops, bad input, SIGTERM drains and persists', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-deno-'));
  let server: DenoServer | undefined;
  try {
    server = await startDeno(dataDir);
    await exercise(server);
    const saved = JSON.parse(await readFile(join(dataDir, 'scenes', 'main.json'), 'utf8')) as { version: number };
    assert.is(saved.version, 1, 'scene persisted by the Deno file persistence');
  } finally {
    if (server) await stopDeno(server);
    await rm(dataDir, { recursive: true, force: true });
  }
});

deno('redis store: the same scenario through ioredis under Deno', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-deno-'));
  const redisUrl = await sharedRedisUrl();
  const prefix = `test:deno:${randomUUID().slice(0, 8)}:`;
  let server: DenoServer | undefined;
  try {
    server = await startDeno(dataDir, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
    const health = (await (await fetch(`${server.url}/health`)).json()) as { store: string };
    assert.is(health.store, 'redis');
    await exercise(server);
  } finally {
    if (server) await stopDeno(server);
    await rm(dataDir, { recursive: true, force: true });
    await deleteKeys(redisUrl, prefix);
  }
});

deno('embedded store: the journal a SIGKILLed Node edge left is replayed, then removed', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-deno-journal-'));
  let server: DenoServer | undefined;
  try {
    const node = await startServerProcess({ STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: dataDir, UPLOAD_DIR: join(dataDir, 'uploads'), LOG_LEVEL: 'warn' });
    const moderator = await openSocket(`${node.url.replace(/^http/, 'ws')}/ws/moderator?room=main`, { 'x-streamer-token': STREAMER_TOKEN });
    await moderator.next('scene.full');
    for (let i = 1; i <= 5; i++) {
      moderator.send({ type: 'add', item: { id: `n${i}`, kind: 'text', text: `node ${i}` }, req_id: i });
      await moderator.next('ack', (m) => m.req_id === i);
    }
    await node.stop('SIGKILL');
    await moderator.closed;
    assert.equal(await readdir(join(dataDir, 'scenes')).catch(() => []), [], 'acknowledged only in the journal: no snapshot yet');

    server = await startDeno(dataDir);
    const res = await fetch(`${server.url}/api/scene?room=main`, { headers: { 'x-streamer-token': STREAMER_TOKEN } });
    const scene = (await res.json()) as { version: number; items: { id: string }[] };
    assert.is(scene.version, 5, 'every acknowledged version is served by Deno');
    assert.equal(scene.items.map((i) => i.id).sort(), ['n1', 'n2', 'n3', 'n4', 'n5']);
    assert.equal(await readdir(join(dataDir, 'journal')), [], 'replayed into the snapshots, then removed');
    const saved = JSON.parse(await readFile(join(dataDir, 'scenes', 'main.json'), 'utf8')) as { version: number };
    assert.is(saved.version, 5);
  } finally {
    if (server) await stopDeno(server);
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** REDIS_URL may be a shared server: delete this run's keys only. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

deno.run();
