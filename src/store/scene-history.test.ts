/**
 * Scene history on both stores (a real Redis; the embedded store in memory and on disk, where
 * history has append-only files of its own): exact scenes per version, newest-first pages,
 * 5,000 versions within the byte bound, pruning by bytes and age.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from '../node/redis-store.ts';
import { FilePersistence } from '../node/file-persistence.ts';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { SceneHistory, HISTORY_KEEP_VERSIONS, HISTORY_MAX_BYTES, applyOps, type HistoryEntry } from './scene-history.ts';
import type { Store } from './store.ts';
import type { Item, Scene } from '../protocol/scene.ts';
import type { PatchOp } from '../protocol/messages.ts';

const quietLogger = { info() {}, warn() {} };

const dirs: string[] = [];

async function openStore(kind: 'redis' | 'embedded' | 'embedded on disk'): Promise<Store> {
  if (kind === 'embedded') return new MemoryStore();
  if (kind === 'embedded on disk') {
    const dir = await mkdtemp(join(tmpdir(), 'so-history-'));
    dirs.push(dir);
    return MemoryStore.open(new FilePersistence(dir, quietLogger));
  }
  return RedisStore.connect(await sharedRedisUrl(), { keyPrefix: `test:${crypto.randomUUID().slice(0, 8)}:`, logger: quietLogger });
}

const text = (id: string, x: number): Item => ({ id, kind: 'text', text: id, x, y: 0, w: 320, h: 180, z: 0, rotation: 0, opacity: 1, visible: true, locked: false });

/** Drives a history the way a room does: each version's ops and the scene after them. */
async function commit(history: SceneHistory, items: Map<string, Item>, version: number, ops: PatchOp[], ts = Date.now()): Promise<Scene> {
  applyOps(items, ops);
  const scene = { items: [...items.values()] };
  const entry: HistoryEntry = { version, ts, who: `mod-${version % 3}`, summary: `change ${version}`, ops };
  await history.record(entry, scene);
  return scene;
}

for (const kind of ['redis', 'embedded', 'embedded on disk'] as const) {
  const test = suite(`scene history (${kind})`);
  let store: Store;
  test.before.each(async () => {
    store = await openStore(kind);
  });
  test.after.each(async () => {
    await store.close();
  });
  test.after(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('every kept version reads back as exactly the scene it left, across segments', async () => {
    const history = new SceneHistory(store, 'r', { snapshotEvery: 10 });
    const items = new Map<string, Item>();
    const scenes = new Map<number, Scene>();
    scenes.set(1, await commit(history, items, 1, [{ op: 'upsert', item: text('a', 0) }]));
    for (let version = 2; version <= 35; version++) {
      const ops: PatchOp[] = version === 20 ? [{ op: 'clear' }, { op: 'upsert', item: text('z', 1) }] : version % 7 === 0 ? [{ op: 'remove', id: 'a' }] : [{ op: 'upsert', item: text(version % 2 ? 'a' : 'b', version) }];
      scenes.set(version, structuredClone(await commit(history, items, version, ops)));
    }
    for (const [version, scene] of scenes) {
      const read = await history.sceneAt(version);
      assert.equal(read?.scene, scene, `version ${version}`);
      assert.is(read?.entry.summary, `change ${version}`);
    }
    assert.is(await history.sceneAt(36), null, 'a version not yet made');
    const fresh = new SceneHistory(store, 'r', { snapshotEvery: 10 });
    assert.equal((await fresh.sceneAt(17))?.scene, scenes.get(17), 'a new instance (a restart) reads the same');
  });

  test('list: newest first, limit and before page through', async () => {
    const history = new SceneHistory(store, 'r', { snapshotEvery: 4 });
    const items = new Map<string, Item>();
    for (let version = 1; version <= 12; version++) await commit(history, items, version, [{ op: 'upsert', item: text('a', version) }]);
    assert.equal((await history.list({ limit: 5 })).map((e) => e.version), [12, 11, 10, 9, 8]);
    assert.equal((await history.list({ limit: 5, before: 8 })).map((e) => e.version), [7, 6, 5, 4, 3]);
    assert.equal((await history.list({ limit: 5, before: 3 })).map((e) => e.version), [2, 1]);
    assert.equal((await history.list({ limit: 5 }))[0]?.who, 'mod-0');
  });

  test('a version gap starts a new segment, so replay never skips a patch', async () => {
    const history = new SceneHistory(store, 'r', { snapshotEvery: 50 });
    const items = new Map<string, Item>();
    await commit(history, items, 1, [{ op: 'upsert', item: text('a', 1) }]);
    items.set('elsewhere', text('elsewhere', 0)); // version 2 was committed without this history seeing it
    const at3 = await commit(history, items, 3, [{ op: 'upsert', item: text('a', 3) }]);
    assert.equal((await history.sceneAt(3))?.scene, at3);
    assert.is(await history.sceneAt(2), null);
  });

  test(`${HISTORY_KEEP_VERSIONS} versions of a 20-item scene all stay readable within the byte bound`, async () => {
    const history = new SceneHistory(store, 'busy');
    const items = new Map<string, Item>();
    for (let i = 0; i < 20; i++) items.set(`i${i}`, text(`i${i}`, i));
    let last: Scene = { items: [] };
    for (let version = 1; version <= HISTORY_KEEP_VERSIONS; version++) {
      last = await commit(history, items, version, [{ op: 'upsert', item: { ...text(`i${version % 20}`, version), text: `edit number ${version}` } }]);
    }
    const bytes = await history.bytes();
    assert.ok(bytes <= HISTORY_MAX_BYTES, `${bytes} bytes kept, bound ${HISTORY_MAX_BYTES}`);
    assert.ok((await history.sceneAt(1)) !== null, 'the oldest of the 5,000 is still there');
    assert.equal((await history.sceneAt(HISTORY_KEEP_VERSIONS))?.scene, last);
  });

  test('big whole-scene versions close segments early, so the bound holds with the default snapshot interval', async () => {
    // One segment of 100 versions of a 5 KB scene would be 500 KB; the bound is 40 KB.
    const bounded = new SceneHistory(store, 'huge', { maxBytes: 40_000 });
    const items = new Map<string, Item>();
    for (let version = 1; version <= 100; version++) await commit(bounded, items, version, [{ op: 'upsert', item: { ...text('a', version), text: 'y'.repeat(5000) } }]);
    const bytes = await bounded.bytes();
    assert.ok(bytes <= 40_000 + 40_000 / 8 + 12_000, `near 40,000 bytes: ${bytes}`);
    assert.ok(await bounded.sceneAt(100), 'the newest is kept');
  });

  test('past the byte bound the oldest segments go; past 24 h and 5,000 versions too', async () => {
    const bounded = new SceneHistory(store, 'big', { snapshotEvery: 5, maxBytes: 20_000 });
    const items = new Map<string, Item>();
    for (let version = 1; version <= 200; version++) await commit(bounded, items, version, [{ op: 'upsert', item: { ...text('a', version), text: 'x'.repeat(200) } }]);
    assert.ok((await bounded.bytes()) <= 20_000, `within 20,000 bytes: ${await bounded.bytes()}`);
    assert.is(await bounded.sceneAt(1), null, 'the oldest is gone');
    assert.ok(await bounded.sceneAt(200), 'the newest is kept');

    let now = 0;
    const aging = new SceneHistory(store, 'old', { snapshotEvery: 5, keepVersions: 10, keepMs: 1000, now: () => now });
    const more = new Map<string, Item>();
    for (let version = 1; version <= 30; version++) await commit(aging, more, version, [{ op: 'upsert', item: text('a', version) }], 0);
    assert.ok(await aging.sceneAt(1), 'within 24 h (here 1 s) everything is kept, beyond the count');
    now = 5000;
    await commit(aging, more, 31, [{ op: 'upsert', item: text('a', 31) }], now);
    assert.is(await aging.sceneAt(1), null, 'old and beyond the count: dropped');
    assert.ok(await aging.sceneAt(21), 'the last 10 versions stay however old');
  });

  test.run();
}

const onRedis = suite('scene history on Redis: one list element per version');

onRedis('a version is one RPUSH (the segment is not rewritten); history of older builds (KV values) is moved into lists', async () => {
  const prefix = `test:${crypto.randomUUID().slice(0, 8)}:`;
  const store = await RedisStore.connect(await sharedRedisUrl(), { keyPrefix: prefix, logger: quietLogger });
  const { Redis } = await import('ioredis');
  const admin = new Redis(await sharedRedisUrl());
  try {
    // An older build's history: whole segments as KV values.
    const earlier = new SceneHistory(wrapWithoutHistoryLog(store), 'old', { snapshotEvery: 10 });
    const oldItems = new Map<string, Item>();
    const oldScenes: Scene[] = [];
    for (let v = 1; v <= 15; v++) oldScenes.push(await commit(earlier, oldItems, v, [{ op: 'upsert', item: text(`t${v % 4}`, v) }]));
    assert.is(await admin.type(`${prefix}kv:history:old:1`), 'string');

    const moved = new SceneHistory(store, 'old', { snapshotEvery: 10 });
    for (let v = 1; v <= 15; v++) assert.equal((await moved.sceneAt(v))?.scene.items, oldScenes[v - 1]!.items, `moved version ${v}`);
    assert.equal(await admin.keys(`${prefix}kv:history*`), [], 'the KV values are gone once moved');
    assert.is(await admin.llen(`${prefix}history:old:11`), 1 + 5, 'header + one element per version');

    await commit(moved, oldItems, 16, [{ op: 'upsert', item: text('t0', 16) }]);
    assert.is(await admin.llen(`${prefix}history:old:11`), 1 + 6, 'the next version appended one element');
    const before = await admin.lindex(`${prefix}history:old:11`, 0);
    await commit(moved, oldItems, 17, [{ op: 'upsert', item: text('t1', 17) }]);
    assert.is(await admin.lindex(`${prefix}history:old:11`, 0), before, 'the header was not rewritten');
    assert.is((await moved.list({ limit: 1 }))[0]?.version, 17);
  } finally {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
    await store.close();
  }
});

/** The same store as an older build saw it: no history log of its own, so history goes to KV values. */
function wrapWithoutHistoryLog(store: Store): Store {
  return new Proxy(store, { get: (target, key) => (key === 'historyLog' ? undefined : Reflect.get(target, key, target)) });
}

onRedis.run();
