/**
 * Scene history of the embedded store on disk (history-files.ts): a new version appends one
 * record to its segment file and rewrites nothing, everything reads back after a restart, a
 * torn last line is cut away (not fatal), history an older version kept in kv.json moves into
 * files, and a SIGKILLed service loses no history entry it had listed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../store/memory-store.ts';
import { FilePersistence } from './file-persistence.ts';
import { SceneHistory, applyOps, type HistoryEntry } from '../store/scene-history.ts';
import type { Item, Scene } from '../protocol/scene.ts';
import { startServerProcess, type ServerProcess } from '../../testing/server-process.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';

const test = suite<{ dir: string; warnings: string[] }>('history files (embedded store on disk)');

test.before.each(async (context) => {
  context.dir = await mkdtemp(join(tmpdir(), 'so-history-files-'));
  context.warnings = [];
});
test.after.each(async ({ dir }) => {
  await rm(dir, { recursive: true, force: true });
});

const text = (id: string, x: number): Item => ({ id, kind: 'text', text: id, x, y: 0, w: 320, h: 180, z: 0, rotation: 0, opacity: 1, visible: true, locked: false });

const open = (dir: string, warnings: string[] = []) => MemoryStore.open(new FilePersistence(dir, { warn: (message: string) => warnings.push(message) }));

/** Commits `version` (an edit of item `a`) to the history; returns the entry and the scene after it. */
async function commit(history: SceneHistory, items: Map<string, Item>, version: number): Promise<{ entry: HistoryEntry; scene: Scene }> {
  const ops = [{ op: 'upsert' as const, item: text(version % 2 ? 'a' : 'b', version) }];
  applyOps(items, ops);
  const scene = structuredClone({ items: [...items.values()] });
  const entry: HistoryEntry = { version, ts: 1_700_000_000_000 + version, who: 'mod', summary: `change ${version}`, ops };
  await history.record(entry, scene);
  return { entry, scene };
}

const segmentFile = (dir: string, room: string, start: number) => join(dir, 'history', room, `${String(start).padStart(12, '0')}.log`);

test('a new version appends exactly its record to the open segment; older segments and kv.json are not rewritten', async ({ dir }) => {
  const store = await open(dir);
  const history = new SceneHistory(store, 'r', { snapshotEvery: 5 });
  const items = new Map<string, Item>();
  for (let version = 1; version <= 7; version++) await commit(history, items, version);
  await store.set('unrelated', 'value');
  assert.equal(await readdir(join(dir, 'history', 'r')), ['000000000001.log', '000000000006.log'], 'two segments of 5');
  const sealed = segmentFile(dir, 'r', 1);
  const open6 = segmentFile(dir, 'r', 6);
  const [sealedBefore, sealedBytes, openBefore] = [await stat(sealed), await readFile(sealed), await stat(open6)];

  const { entry } = await commit(history, items, 8);
  const openAfter = await stat(open6);
  assert.is(openAfter.size - openBefore.size, Buffer.byteLength(JSON.stringify(entry) + '\n'), 'grew by one record');
  const sealedAfter = await stat(sealed);
  assert.equal([sealedAfter.size, sealedAfter.mtimeMs, sealedAfter.ino], [sealedBefore.size, sealedBefore.mtimeMs, sealedBefore.ino], 'the older segment is untouched');
  assert.equal(await readFile(sealed), sealedBytes);
  await store.close();
  const kv = JSON.parse(await readFile(join(dir, 'kv.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(Object.keys(kv), ['unrelated'], 'no history in the KV snapshot');
});

test('a restart reads every version back; a torn last line is cut away and the next version appends cleanly', async ({ dir, warnings }) => {
  const store = await open(dir);
  const history = new SceneHistory(store, 'r', { snapshotEvery: 4 });
  const items = new Map<string, Item>();
  const scenes = new Map<number, Scene>();
  for (let version = 1; version <= 10; version++) scenes.set(version, (await commit(history, items, version)).scene);
  await store.close();
  // A crash in the middle of writing version 11: never acknowledged.
  await appendFile(segmentFile(dir, 'r', 9), '{"version":11,"ts":17000000');

  const again = await open(dir, warnings);
  const reread = new SceneHistory(again, 'r', { snapshotEvery: 4 });
  for (const [version, scene] of scenes) assert.equal((await reread.sceneAt(version))?.scene, scene, `version ${version}`);
  assert.is(await reread.sceneAt(11), null, 'the torn record is not a version');
  assert.ok(warnings.some((w) => w.includes('incomplete record')), `warned: ${warnings.join(' | ')}`);
  const { scene: at11 } = await commit(reread, items, 11);
  await again.close();

  const third = await open(dir, warnings.splice(0));
  const last = new SceneHistory(third, 'r', { snapshotEvery: 4 });
  assert.equal((await last.sceneAt(11))?.scene, at11);
  assert.equal((await last.list({ limit: 20 })).map((e) => e.version), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(warnings, [], 'the file is clean now');
  await third.close();
});

test('history an older version kept in kv.json moves into files and reads the same', async ({ dir }) => {
  const inMemory = new MemoryStore();
  const history = new SceneHistory(inMemory, 'old', { snapshotEvery: 3 });
  const items = new Map<string, Item>();
  const scenes = new Map<number, Scene>();
  for (let version = 1; version <= 7; version++) scenes.set(version, (await commit(history, items, version)).scene);
  const kv: Record<string, { value: string; expiresAt: null }> = { keep: { value: 'me', expiresAt: null } };
  for (const key of await inMemory.keys('history')) kv[key] = { value: (await inMemory.get(key))!, expiresAt: null };
  await inMemory.close();
  await writeFile(join(dir, 'kv.json'), JSON.stringify(kv));

  const store = await open(dir);
  const moved = new SceneHistory(store, 'old', { snapshotEvery: 3 });
  for (const [version, scene] of scenes) assert.equal((await moved.sceneAt(version))?.scene, scene, `version ${version}`);
  assert.is((await readdir(join(dir, 'history', 'old'))).length, 3);
  assert.equal(Object.keys(JSON.parse(await readFile(join(dir, 'kv.json'), 'utf8'))), ['keep']);
  assert.is(await store.get('keep'), 'me');
  await store.close();
});

const servers: ServerProcess[] = [];
test.after(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
});

test('SIGKILL while versions are being written: every history entry the service had listed is listed after the restart', async ({ dir }) => {
  const env = { STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: dir, UPLOAD_DIR: join(dir, 'uploads'), LOG_LEVEL: 'warn' };
  const streamer = { 'x-streamer-token': STREAMER_TOKEN };
  const server = await startServerProcess(env);
  servers.push(server);
  const rooms = ['h0', 'h1', 'h2'];
  const moderators = await Promise.all(rooms.map((room) => openSocket(`${server.url.replace(/^http/, 'ws')}/ws/moderator?room=${room}`, streamer)));
  await Promise.all(moderators.map((m) => m.next('scene.full')));
  // One op after another per room (each after the previous ack, kept under the rate limit), so every version is its own entry.
  let running = true;
  const writers = moderators.map(async (moderator) => {
    for (let n = 0; running; n++) {
      moderator.send({ type: 'update', item: { id: `i${n % 5}`, kind: 'text', text: `t${n}` }, req_id: n });
      const answer = await moderator.next('ack', (m) => m.req_id === n, 10_000).catch(() => null);
      if (!answer) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  const listed = new Map<string, { version: number; summary: string }[]>();
  const listing = async (base: string, room: string) => {
    const res = await fetch(`${base}/api/rooms/${room}/history?limit=200`, { headers: streamer, signal: AbortSignal.timeout(10_000) });
    return ((await res.json()) as { entries: { version: number; summary: string }[] }).entries.map(({ version, summary }) => ({ version, summary }));
  };
  // Listed while writes keep coming, then killed at once: the newest listed entries were appended moments before.
  for (const deadline = Date.now() + 30_000; rooms.some((room) => (listed.get(room)?.[0]?.version ?? 0) < 30); ) {
    assert.ok(Date.now() < deadline, `30 versions per room listed: ${rooms.map((room) => listed.get(room)?.[0]?.version ?? 0)}`);
    for (const room of rooms) listed.set(room, await listing(server.url, room));
  }
  await server.stop('SIGKILL');
  running = false;
  await Promise.all(writers);

  const again = await startServerProcess(env, server.port);
  servers.push(again);
  for (const room of rooms) {
    const before = listed.get(room)!;
    const after = await listing(again.url, room);
    const kept = new Map(after.map((e) => [e.version, e.summary]));
    const lost = before.filter((e) => kept.get(e.version) !== e.summary);
    assert.equal(lost, [], `${room}: listed before the kill, missing after (of ${before.length}, newest ${before[0]?.version})`);
  }
  await again.stop('SIGTERM');
});

test.run();
