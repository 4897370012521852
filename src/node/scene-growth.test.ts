/**
 * Issue 11, hole 3: removed items' version tombstones must not pile up in the stored scene.
 * A room on each real store (the embedded store on files, Redis) runs 1,000 add/remove
 * rounds; the stored scene keeps a bounded number of tombstones and bytes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlayRoom, PATCH_HISTORY } from '../../rooms/overlay-room.ts';
import { loadSceneState, tombstoneCount } from '../../rooms/scene-model.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { Store } from '../store/store.ts';
import { Metrics } from '../metrics/metrics.ts';
import { createLogger } from '../logger.ts';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { FilePersistence } from './file-persistence.ts';
import { RedisStore } from './redis-store.ts';
import type { SceneOp } from '../protocol/messages.ts';
import type { Item } from '../protocol/scene.ts';
import { legacySocketFrames } from '../legacy/socket-messages.ts';

const ROUNDS = 1000;
const text = (id: string) => ({ id, kind: 'text', text: id }) as Item;
/** A scene of one text item plus at most a history's worth of tombstones is a few KB, not 1.6 MB. */
const MAX_STORED_BYTES = 16 * 1024;

async function openStore(kind: 'embedded' | 'redis'): Promise<{ store: Store; sceneFileBytes(): Promise<number | null>; cleanup(): Promise<void> }> {
  if (kind === 'redis') {
    const store = await RedisStore.connect(await sharedRedisUrl(), { keyPrefix: `test:${crypto.randomUUID().slice(0, 8)}:`, logger: { info() {}, warn() {} } });
    return { store, sceneFileBytes: async () => null, cleanup: () => store.close() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'so-growth-'));
  const store = await MemoryStore.open(new FilePersistence(dir, { warn() {} }));
  return {
    store,
    sceneFileBytes: async () => (await readFile(join(dir, 'scenes', 'main.json'))).byteLength,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function submitOk(room: OverlayRoom, op: SceneOp): Promise<number> {
  const result = await room.submit(op, 'test');
  if (!result.ok) throw new Error(`${op.type} failed: ${result.code} ${result.message}`);
  return result.version;
}

for (const kind of ['embedded', 'redis'] as const) {
  const test = suite(`stored scene stays bounded (${kind})`);

  test(`${ROUNDS} add/remove rounds leave a bounded number of tombstones and bytes`, async () => {
    const { store, sceneFileBytes, cleanup } = await openStore(kind);
    try {
      const room = new OverlayRoom('main', { store, metrics: new Metrics(), log: createLogger('silent'), legacyFrames: legacySocketFrames });
      await submitOk(room, { type: 'add', item: text('stays') });
      for (let i = 0; i < ROUNDS; i++) {
        // Random ids like the panel's: every round leaves one more removed id behind.
        const id = `i-${crypto.randomUUID().slice(0, 8)}`;
        await submitOk(room, { type: 'add', item: text(id) });
        await submitOk(room, { type: 'remove', id });
      }
      const stored = await store.loadScene('main');
      assert.ok(stored);
      const state = loadSceneState(stored.data, stored.version).state;
      assert.is(state.items.size, 1);
      assert.ok(tombstoneCount(state) <= PATCH_HISTORY, `${tombstoneCount(state)} tombstones kept`);
      const bytes = new TextEncoder().encode(stored.data).byteLength;
      assert.ok(bytes <= MAX_STORED_BYTES, `stored scene is ${bytes} bytes`);
      const fileBytes = await sceneFileBytes();
      if (fileBytes !== null) assert.ok(fileBytes <= MAX_STORED_BYTES + 100, `scene file is ${fileBytes} bytes`);
      room.dispose();
    } finally {
      await cleanup();
    }
  });

  test('a base_version older than the horizon conflicts on an item it cannot check; a known item still checks', async () => {
    const { store, cleanup } = await openStore(kind);
    try {
      const room = new OverlayRoom('main', { store, metrics: new Metrics(), log: createLogger('silent'), legacyFrames: legacySocketFrames });
      const addedAt = await submitOk(room, { type: 'add', item: text('old') });
      await submitOk(room, { type: 'add', item: text('removed') });
      await submitOk(room, { type: 'remove', id: 'removed' });
      for (let i = 0; i < PATCH_HISTORY + 10; i++) await submitOk(room, { type: 'add', item: text(`n${i}`) });
      const stored = await store.loadScene('main');
      assert.not.ok(loadSceneState(stored!.data, stored!.version).state.itemVersions.has('removed'), 'the tombstone was pruned');
      // Without it a client that last saw the scene long ago cannot be checked: it is told to reload.
      const stale = await room.submit({ type: 'update', item: text('removed'), base_version: addedAt }, 'test');
      assert.equal([stale.ok, !stale.ok && stale.code], [false, 'conflict']);
      const clear = await room.submit({ type: 'clear', base_version: addedAt }, 'test');
      assert.equal([clear.ok, !clear.ok && clear.code], [false, 'conflict']);
      // `old` has not changed since then, and its version is known: the stale base still passes.
      const known = await room.submit({ type: 'patch', id: 'old', changes: { x: 5 }, base_version: addedAt }, 'test');
      assert.ok(known.ok, JSON.stringify(known));
      room.dispose();
    } finally {
      await cleanup();
    }
  });

  test.run();
}
