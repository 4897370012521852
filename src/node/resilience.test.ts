/**
 * Resilience with real processes: the service as a child process (src/node/main.ts), a real
 * redis-server, real sockets. Outages, signals, a stuck client and a reconnect storm; each test
 * checks that what was acknowledged is stored and that clients end on the server's version.
 * Times asserted here are generous hang checks, not benchmarks (see bench/ for numbers).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../../testing/server-process.ts';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { editContinuously, rssOf, sleep, startDurableRedis } from '../../testing/resilience.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import { OP_BURST, OP_RATE_PER_SECOND } from '../../rooms/op-rate-limit.ts';

const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const dirs: string[] = [];
const servers: ServerProcess[] = [];

async function serverEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'so-resilience-'));
  dirs.push(dir);
  return { STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: dir, UPLOAD_DIR: join(dir, 'uploads'), LOG_LEVEL: 'warn', ...extra };
}

async function start(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const server = await startServerProcess(env, port);
  servers.push(server);
  return server;
}

const wsUrl = (server: ServerProcess, path: string) => server.url.replace(/^http/, 'ws') + path;

async function api(server: ServerProcess, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set('x-streamer-token', STREAMER_TOKEN);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const started = performance.now();
  const res = await fetch(server.url + path, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

async function viewToken(server: ServerProcess, room = 'main'): Promise<string> {
  return (await api(server, '/api/overlay/token', { method: 'POST', json: { room } })).body!.token;
}

/** The newest scene version a socket has seen (scene.full / scene.patch), or -1. */
function versionOf(socket: { messages: ServerMessage[] }): number {
  let version = -1;
  for (const m of socket.messages) if (m.type === 'scene.full' || m.type === 'scene.patch') version = Math.max(version, m.version);
  return version;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The room's stored scene, read from Redis itself rather than through the service. */
async function storedScene(redisUrl: string, prefix: string, room = 'main') {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const [version, data] = await redis.hmget(`${prefix}scene:${room}`, 'version', 'data');
    const items = (JSON.parse(data ?? '{"items":[]}') as { items: { id: string; text?: string }[] }).items;
    return { version: Number(version ?? 0), items: new Map(items.map((i) => [i.id, i])) };
  } finally {
    redis.disconnect();
  }
}

const report = (line: string) => console.log(`    ↳ ${line}`);

const test = suite('resilience');

test.after(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

test('Redis killed and restarted while a moderator edits: fast 503s, sockets stay up, acked ops stored, overlays converge', async () => {
  const redis = await startDurableRedis();
  const prefix = `res:${crypto.randomUUID().slice(0, 8)}:`;
  const server = await start(await serverEnv({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix }));
  const sockets: TestSocket[] = [];
  try {
    const token = await viewToken(server);
    const overlays = await Promise.all([1, 2, 3].map(() => openSocket(wsUrl(server, `/ws/overlay?room=main&token=${token}`))));
    const moderator = await openSocket(wsUrl(server, '/ws/moderator?room=main'), streamer);
    sockets.push(...overlays, moderator);
    for (const s of sockets) await s.next('scene.full');

    const editor = editContinuously(moderator, { prefix: 'r' });
    await waitFor('edits before the outage', () => editor.log.acked >= 30);
    await redis.kill();

    // While Redis is down: every request answers 503 with a JSON error, promptly.
    const probes: { path: string; status: number; ms: number; code?: string }[] = [];
    const downSince = Date.now();
    while (Date.now() - downSince < 1500) {
      for (const [path, init] of [
        ['/health', {}],
        ['/api/scene', {}],
        ['/api/rooms/main/ops', { method: 'POST', json: { type: 'update', item: { id: 'probe', kind: 'text', text: 'x' } } }],
      ] as const) {
        const res = await api(server, path, init);
        probes.push({ path, status: res.status, ms: res.ms, code: res.body?.error?.code ?? (res.body?.ok === false ? 'health_down' : undefined) });
      }
      await sleep(50);
    }
    const ackedBeforeRestart = editor.log.acked;
    await redis.restart();
    await waitFor('edits acknowledged again after the restart', () => editor.log.acked >= ackedBeforeRestart + 30, 15_000);
    const log = await editor.stop();

    const slowest = Math.max(...probes.map((p) => p.ms));
    report(`${probes.length} requests during the outage, slowest ${slowest.toFixed(0)} ms; editor: ${log.acked} acked, refused ${JSON.stringify(Object.fromEntries(log.refused))}, slowest answer ${log.slowestMs.toFixed(0)} ms`);
    for (const p of probes) {
      assert.is(p.status, 503, `${p.path} answered ${p.status} while Redis was down`);
      assert.ok(p.code, `${p.path}: 503 without a JSON error`);
      assert.ok(p.ms < 2000, `${p.path} took ${p.ms.toFixed(0)} ms while Redis was down (a hang)`);
    }
    assert.is(log.unanswered, 0, 'every op got an ack or an error');
    assert.ok(log.slowestMs < 2000, `an op took ${log.slowestMs.toFixed(0)} ms to be answered`);
    assert.ok((log.refused.get('store_unavailable') ?? 0) > 0, 'the editor saw the outage');
    assert.equal([...log.refused.keys()].filter((code) => code !== 'store_unavailable'), [], 'no other refusals');
    for (const s of sockets) assert.is(s.ws.readyState, WebSocket.OPEN, 'sockets stay up through the outage');

    const stored = await storedScene(redis.url, prefix);
    for (const [id, index] of log.lastAcked) {
      const text = stored.items.get(id)?.text ?? 'missing';
      // An op refused as "unavailable" may still have landed (reply lost with the process): later, never earlier.
      assert.ok(text !== 'missing' && Number(text.slice(3)) >= index, `${id}: stored ${text}, acknowledged op-${index}`);
    }
    assert.ok(stored.version >= log.maxAckVersion, `stored version ${stored.version} < acknowledged ${log.maxAckVersion}`);
    await waitFor('overlays and panel on the stored version', () => sockets.every((s) => versionOf(s) === stored.version), 5000);
  } finally {
    for (const s of sockets) s.close();
    await server.stop('SIGKILL');
    await redis.stop();
  }
});

/**
 * A moderator streaming ops without waiting for acks (a script, or a drag at full speed):
 * `update` of one of 100 items, text `d<n>`. Half a burst at once, then a steady rate just
 * under the socket's limit (rooms/op-rate-limit.ts), so no op is refused for speed.
 */
function streamOps(moderator: TestSocket) {
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const allowed = OP_BURST / 2 + Math.floor(((performance.now() - started) * OP_RATE_PER_SECOND * 0.8) / 1000);
    for (; sent < allowed && moderator.ws.readyState === WebSocket.OPEN; sent++) {
      moderator.send({ type: 'update', item: { id: `d${sent % 100}`, kind: 'text', text: `d${sent}` }, req_id: sent });
    }
  }, 1);
  return {
    get sent() {
      return sent;
    },
    stop: () => clearInterval(timer),
  };
}

/** Per item, the index of the last acknowledged op (req_id = op index), and the top version. */
function acknowledged(moderator: TestSocket) {
  const last = new Map<string, number>();
  let version = 0;
  let count = 0;
  for (const m of moderator.messages) {
    if (m.type !== 'ack' || typeof m.req_id !== 'number') continue;
    count++;
    last.set(`d${m.req_id % 100}`, Math.max(last.get(`d${m.req_id % 100}`) ?? -1, m.req_id));
    version = Math.max(version, m.version);
  }
  return { last, version, count };
}

const opIndex = (item: { text?: string } | undefined) => (item?.text ? Number(item.text.slice(1)) : -1);

for (const store of ['embedded', 'redis'] as const) {
  test(`SIGTERM mid-stream drains (${store}): queued ops committed and acked, sockets closed with 1012, clients resync, nothing lost`, async () => {
    const extra: Record<string, string> = store === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `drain:${crypto.randomUUID().slice(0, 8)}:` } : {};
    const env = await serverEnv(extra);
    const server = await start(env);
    const token = await viewToken(server);
    const overlays = await Promise.all([1, 2].map(() => openSocket(wsUrl(server, `/ws/overlay?room=main&token=${token}`))));
    const moderator = await openSocket(wsUrl(server, '/ws/moderator?room=main'), streamer);
    for (const s of [...overlays, moderator]) await s.next('scene.full');

    // SIGTERM lands mid-stream, so ops are queued or being committed when the drain starts.
    const stream = streamOps(moderator);
    await moderator.next('ack', (m) => m.req_id === 100, 5000);
    const signalledAt = performance.now();
    const exitCode = server.stop('SIGTERM');
    const closes = await Promise.all([moderator, ...overlays].map((s) => s.closed));
    const drainMs = performance.now() - signalledAt;
    stream.stop();
    assert.is(await exitCode, 0, 'the drain exits cleanly (not the 10 s forced exit)');
    assert.equal(closes.map((c) => c.code), [1012, 1012, 1012], 'every socket closed with 1012 (restarting)');

    const acked = acknowledged(moderator);
    report(`${store}: ${acked.count}/${stream.sent} streamed ops acked, version ${acked.version}; SIGTERM → all sockets closed in ${drainMs.toFixed(0)} ms`);
    for (const o of overlays) assert.is(versionOf(o), acked.version, 'overlays had every acknowledged version before the close');

    const again = await start(env, server.port);
    const scene = (await api(again, '/api/scene')).body as { version: number; items: { id: string; text?: string }[] };
    const items = new Map(scene.items.map((i) => [i.id, i]));
    for (const [id, index] of acked.last) {
      // Drained, so everything committed was acknowledged first: exactly the last acked op.
      assert.is(opIndex(items.get(id)), index, `${id} after the restart`);
    }
    assert.is(scene.version, acked.version, 'the stored version is the last acknowledged one');

    // Clients come back with the version they have and end on the server's.
    const back = await Promise.all(
      [...overlays.map((o) => ({ path: `/ws/overlay?room=main&token=${token}`, had: versionOf(o), headers: {} })), { path: '/ws/moderator?room=main', had: versionOf(moderator), headers: streamer }].map(
        async ({ path, had, headers }) => {
          const s = await openSocket(wsUrl(again, `${path}&since_version=${had}`), headers);
          s.send({ type: 'ping', client_ts: 1 });
          await s.next('pong');
          const version = Math.max(had, versionOf(s));
          s.close();
          return version;
        },
      ),
    );
    assert.equal(back, back.map(() => scene.version), 'every client resynced to the stored version');
    await again.stop('SIGTERM');
  });
}

test('SIGKILL mid-stream with Redis: no acknowledged op is lost', async () => {
  const redisUrl = await sharedRedisUrl();
  const prefix = `kill:${crypto.randomUUID().slice(0, 8)}:`;
  const env = await serverEnv({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
  const server = await start(env);
  const moderator = await openSocket(wsUrl(server, '/ws/moderator?room=main'), streamer);
  await moderator.next('scene.full');
  const stream = streamOps(moderator);
  await moderator.next('ack', (m) => m.req_id === 100, 5000);
  await server.stop('SIGKILL');
  await moderator.closed;
  stream.stop();
  const acked = acknowledged(moderator);
  const stored = await storedScene(redisUrl, prefix);
  report(`${acked.count}/${stream.sent} streamed ops acked before the kill; stored version ${stored.version} (acked ${acked.version})`);
  for (const [id, index] of acked.last) {
    // A batch may be stored with its acks still unsent when the process dies: later, never earlier.
    assert.ok(opIndex(stored.items.get(id)) >= index, `${id}: stored ${stored.items.get(id)?.text}, acknowledged d${index}`);
  }
  assert.ok(stored.version >= acked.version);

  const again = await start(env, server.port);
  const scene = (await api(again, '/api/scene')).body as { version: number };
  assert.is(scene.version, stored.version, 'the restarted service serves the stored scene');
  await again.stop('SIGTERM');
});

test('a stuck overlay is dropped past the buffer limit; the others keep their latency; server memory stays bounded', async () => {
  const server = await start(await serverEnv());
  const token = await viewToken(server);
  const healthy = await Promise.all([1, 2].map(() => openSocket(wsUrl(server, `/ws/overlay?room=main&token=${token}`))));
  const stuck = await openSocket(wsUrl(server, `/ws/overlay?room=main&token=${token}`));
  const moderator = await openSocket(wsUrl(server, '/ws/moderator?room=main'), streamer);
  for (const s of [...healthy, stuck, moderator]) await s.next('scene.full');
  await api(server, '/api/rooms/main/ops', { method: 'POST', json: { type: 'update', item: { id: 'dot', kind: 'text', text: '.' } } });

  /** op → every healthy overlay has its version, for `count` small ops; returns the median. */
  let op = 0;
  const latency = async (count: number) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++, op++) {
      const started = performance.now();
      moderator.send({ type: 'patch', id: 'dot', changes: { x: op }, req_id: `l${op}` });
      const { version } = await moderator.next('ack', (m) => m.req_id === `l${op}`);
      await Promise.all(healthy.map((h) => h.next('scene.patch', (m) => m.version >= version, 5000)));
      samples.push(performance.now() - started);
    }
    return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  };
  const overlaysLive = async () => {
    const metrics = (await api(server, '/api/metrics/realtime')).body as { rooms: { room: string; overlays: number }[] };
    return metrics.rooms.find((r) => r.room === 'main')?.overlays ?? 0;
  };
  const before = await latency(30);
  const rssStart = await rssOf(server.child.pid!);

  // The stuck overlay stops reading: its TCP socket is paused, so the server's sends pile up.
  (stuck.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  const bigScene = (n: number) => ({ items: Array.from({ length: 500 }, (_, i) => ({ id: `big${i}`, kind: 'text', text: `${n}`.padEnd(1900, '#') })) });
  let puts = 0;
  assert.is(await overlaysLive(), 3);
  while ((await overlaysLive()) === 3) {
    assert.ok(puts < 100, 'the stuck overlay was never dropped');
    const res = await api(server, '/api/scene', { method: 'PUT', json: bigScene(puts++) });
    assert.is(res.status, 200);
  }
  const rssAtDrop = await rssOf(server.child.pid!);
  // Keep broadcasting ~1 MB scenes: a stuck socket still buffering would grow with every one.
  for (let i = 0; i < 40; i++) assert.is((await api(server, '/api/scene', { method: 'PUT', json: bigScene(1000 + i) })).status, 200);
  const rssAfter = await rssOf(server.child.pid!);
  await api(server, '/api/scene', { method: 'PUT', json: { items: [{ id: 'dot', kind: 'text', text: '.' }] } });
  const during = await latency(30);

  (stuck.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  const closed = await Promise.race([stuck.closed, sleep(15_000).then(() => ({ code: -1, reason: 'no close' }))]);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  report(`dropped after ${puts} × ~1 MB scenes; RSS ${mib(rssStart)} → ${mib(rssAtDrop)} MiB at the drop → ${mib(rssAfter)} MiB after 40 more; healthy latency median ${before.toFixed(1)} → ${during.toFixed(1)} ms`);
  assert.is(closed.code, 4100, 'the stuck overlay is closed as lagging (4100)');
  for (const h of healthy) assert.is(h.ws.readyState, WebSocket.OPEN, 'healthy overlays stay connected');
  assert.ok(rssAfter - rssAtDrop < 128 * 2 ** 20, `RSS grew ${mib(rssAfter - rssAtDrop)} MiB after the drop while 40 MiB more was broadcast`);
  assert.ok(during < before + 100, `healthy overlays slowed from ${before.toFixed(1)} to ${during.toFixed(1)} ms`);
  for (const s of [...healthy, moderator]) s.close();
  await server.stop('SIGTERM');
});

test('reconnect storm: 1,000 overlays come back after a restart, all served, event loop delay bounded', async () => {
  // All 1,000 come from 127.0.0.1: lift the per-address socket cap (default 200).
  const env = await serverEnv({ WS_MAX_SOCKETS_PER_ADDRESS: '2000' });
  const server = await start(env);
  const token = await viewToken(server);
  await api(server, '/api/rooms/main/ops', { method: 'POST', json: { type: 'update', item: { id: 'storm', kind: 'text', text: 'storm' } } });
  const count = 1000;
  const clients = Array.from({ length: count }, () => new StormClient(() => wsUrl(server, `/ws/overlay?room=main&v=2&token=${token}`)));
  for (let i = 0; i < count; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.start()));
  await waitFor('1,000 overlays connected', () => clients.every((c) => c.served), 20_000);
  const version = clients[0]!.version;

  await server.stop('SIGTERM');
  const again = await start(env, server.port);
  const started = Date.now();
  await waitFor('every overlay served again', () => clients.every((c) => c.served && c.generation === 2), 30_000);
  const seconds = (Date.now() - started) / 1000;
  const metrics = (await api(again, '/api/metrics/realtime')).body as { event_loop_delay: { p50_ms: number; p99_ms: number; max_ms: number }; rooms: { room: string; overlays: number }[] };
  const loop = metrics.event_loop_delay;
  const attempts = clients.reduce((n, c) => n + c.attempts, 0);
  report(`all ${count} back ${seconds.toFixed(1)} s after the new process was up (${attempts} connection attempts); event loop delay p50 ${loop.p50_ms} / p99 ${loop.p99_ms} / max ${loop.max_ms} ms`);
  assert.is(metrics.rooms.find((r) => r.room === 'main')?.overlays, count, 'the room counts every overlay');
  assert.ok(clients.every((c) => c.version === version), 'every overlay is on the stored version');
  assert.ok(clients.every((c) => c.closeCodes[0] === 1012), 'the drain closed them with 1012');
  assert.ok(loop.max_ms < 1000, `the event loop stalled for ${loop.max_ms} ms`);
  for (const c of clients) c.stop();
  await again.stop('SIGTERM');
});

/**
 * An overlay as client/shared/socket.ts behaves: on 1012 it comes back within a 750 ms
 * jitter window, after a failed attempt with full-jitter backoff from 250 ms; it asks for what
 * it missed by version and counts as served once the server answered its ping.
 */
class StormClient {
  served = false;
  version = -1;
  generation = 0;
  attempts = 0;
  closeCodes: number[] = [];
  private ws: WebSocket | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly url: () => string) {}

  start(): Promise<void> {
    return new Promise((resolve) => this.connect(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  private connect(onServed?: () => void): void {
    if (this.stopped) return;
    this.attempts++;
    const since = this.version >= 0 ? `&since_version=${this.version}` : '';
    const ws = new WebSocket(this.url() + since, { perMessageDeflate: false });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.failures = 0;
      ws.send(JSON.stringify({ type: 'ping', client_ts: Date.now() }));
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      if (m.type === 'scene.full' || m.type === 'scene.patch') this.version = Math.max(this.version, m.version);
      if (m.type === 'pong' && !this.served) {
        this.served = true;
        this.generation++;
        onServed?.();
      }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (this.stopped) return;
      this.served = false;
      if (opened) this.closeCodes.push(code);
      const delay = code === 1012 ? Math.random() * 750 : Math.random() * Math.min(10_000, 250 * 2 ** this.failures++);
      setTimeout(() => this.connect(onServed), delay);
    });
  }
}

test.run();
