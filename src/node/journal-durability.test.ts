/**
 * The embedded store's journal against a real crash: the service runs as a child process,
 * moderators of several rooms edit at once (so their commits share fdatasyncs), and the
 * process is SIGKILLed. Whatever was acknowledged must be in DATA_DIR, read back without the
 * service, and served again after a restart: once with compaction far away (killed between
 * the journal write and the snapshot), once with tiny segments (compaction running all along).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServerProcess, type ServerProcess } from '../../testing/server-process.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { readDurableScenes } from './file-persistence.ts';
import { OP_BURST, OP_RATE_PER_SECOND } from '../../rooms/op-rate-limit.ts';

const ROOMS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
const ITEMS = 20;
const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const dirs: string[] = [];
const servers: ServerProcess[] = [];

const report = (line: string) => console.log(`    ↳ ${line}`);
const wsUrl = (server: ServerProcess, path: string) => server.url.replace(/^http/, 'ws') + path;

async function start(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const server = await startServerProcess(env, port);
  servers.push(server);
  return server;
}

/** Ops at 80 % of the per-socket rate limit: every one is meant to be acknowledged. */
function streamOps(moderator: TestSocket) {
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const allowed = OP_BURST / 2 + Math.floor(((performance.now() - started) * OP_RATE_PER_SECOND * 0.8) / 1000);
    for (; sent < allowed && moderator.ws.readyState === WebSocket.OPEN; sent++) {
      moderator.send({ type: 'update', item: { id: `j${sent % ITEMS}`, kind: 'text', text: `j${sent}` }, req_id: sent });
    }
  }, 1);
  return { stop: () => clearInterval(timer), sent: () => sent };
}

/** Per item, the index of the newest acknowledged op (req_id = op index). */
function acknowledged(moderator: TestSocket) {
  const last = new Map<string, number>();
  let version = 0;
  for (const m of moderator.messages) {
    if (m.type !== 'ack' || typeof m.req_id !== 'number') continue;
    const id = `j${m.req_id % ITEMS}`;
    last.set(id, Math.max(last.get(id) ?? -1, m.req_id));
    version = Math.max(version, m.version);
  }
  return { last, version };
}

const test = suite('embedded journal: SIGKILL loses nothing acknowledged');

test.after(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

for (const segmentKb of [4096, 1]) {
  const when = segmentKb === 4096 ? 'between the journal write and compaction' : 'while segments are compacted';
  test(`killed ${when} (segments of ${segmentKb} KB)`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'so-journal-kill-'));
    dirs.push(dir);
    const env = {
      STREAMER_API_TOKEN: STREAMER_TOKEN,
      TOKEN_SECRET,
      DATA_DIR: dir,
      UPLOAD_DIR: join(dir, 'uploads'),
      LOG_LEVEL: 'warn',
      DATA_JOURNAL_SEGMENT_KB: String(segmentKb),
    };
    const server = await start(env);
    const moderators = await Promise.all(ROOMS.map((room) => openSocket(wsUrl(server, `/ws/moderator?room=${room}`), streamer)));
    await Promise.all(moderators.map((m) => m.next('scene.full')));
    const streams = moderators.map(streamOps);
    await Promise.all(moderators.map((m) => m.next('ack', (msg) => msg.req_id === 60, 10_000)));
    await server.stop('SIGKILL');
    streams.forEach((s) => s.stop());
    await Promise.all(moderators.map((m) => m.closed));

    const journal = await readdir(join(dir, 'journal'));
    const snapshots = await readdir(join(dir, 'scenes')).catch(() => [] as string[]);
    if (segmentKb === 4096) {
      assert.is(journal.length, 1, 'one segment, never sealed');
      assert.equal(snapshots, [], 'no snapshot yet: every acknowledged op is only in the journal');
    } else {
      assert.ok(snapshots.length > 0, 'compaction ran before the kill');
    }
    const stored = await readDurableScenes(dir, { warn() {} });
    const served: number[] = [];
    for (const [index, room] of ROOMS.entries()) {
      const acked = acknowledged(moderators[index]!);
      const scene = stored[room];
      assert.ok(scene, `${room} is stored`);
      assert.ok(scene.version >= acked.version, `${room}: stored version ${scene.version}, acknowledged ${acked.version}`);
      const items = new Map((JSON.parse(scene.data) as { items: { id: string; text?: string }[] }).items.map((i) => [i.id, i.text]));
      for (const [id, op] of acked.last) {
        // A group may be durable with its acks unsent when the process dies: later, never earlier.
        assert.ok(Number(items.get(id)?.slice(1) ?? -1) >= op, `${room}/${id}: stored ${items.get(id)}, acknowledged j${op}`);
      }
      served.push(scene.version);
    }
    report(`${streams.reduce((n, s) => n + s.sent(), 0)} ops sent to ${ROOMS.length} rooms; journal ${journal.length} segment(s), ${snapshots.length} snapshot(s) at the kill`);

    const again = await start(env, server.port);
    for (const [index, room] of ROOMS.entries()) {
      const res = await fetch(`${again.url}/api/scene?room=${room}`, { headers: streamer, signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { version: number };
      assert.is(body.version, served[index], `${room}: the restarted service serves the stored scene`);
    }
    await again.stop('SIGTERM');
  });
}

test.run();
