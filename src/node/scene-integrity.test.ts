/**
 * Issue 11, hole 1: a moderator must not be able to brick a room. On the real server with
 * both stores: the z-overflow attack, then a reload (idle eviction, a second process on Redis,
 * a restart of the embedded store), and stored scenes that hold a bad item or do not parse.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { Scene } from '../protocol/scene.ts';
import * as v from 'valibot';

const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const text = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'text', text: id, ...extra });
type SceneBody = { items: { id: string; z: number }[]; version: number };

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`a moderator cannot brick a room (${storeKind})`);
  let server: TestServer;
  let env: Record<string, string> = {};

  test.before(async () => {
    env = storeKind === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` } : {};
    server = await startTestServer({ env });
  });
  test.after(async () => {
    await server?.stop();
  });

  /** A fresh view of the stored scene: on Redis a second process, on the embedded store a restart. */
  async function reloaded(): Promise<TestServer> {
    if (storeKind === 'redis') return startTestServer({ env });
    await server.close();
    server = await startTestServer({ env, dataDir: server.dataDir });
    return server;
  }

  async function sceneOf(target: TestServer, room: string): Promise<SceneBody> {
    const res = await target.api(`/api/rooms/${room}/scene`, { streamer: true });
    assert.is(res.status, 200, `GET scene answered ${res.status}`);
    return (await res.json()) as SceneBody;
  }

  /** Everything a reader needs from a room: GET, PUT by the streamer, and an overlay's scene. */
  async function assertRoomWorks(target: TestServer, room: string): Promise<void> {
    const scene = await sceneOf(target, room);
    assert.ok(v.is(Scene, { items: scene.items }), 'the served scene is valid');
    const token = await target.viewToken(room);
    const overlay = await openSocket(target.wsUrl(`/ws/overlay?room=${room}&token=${token}`));
    const full = await overlay.next('scene.full');
    assert.is(full.version, scene.version);
    const put = await target.api(`/api/rooms/${room}/scene`, { method: 'PUT', streamer: true, json: { items: [text('fresh')] } });
    assert.is(put.status, 200, `PUT scene answered ${put.status}`);
    const patched = await overlay.next('scene.full', (m) => m.version > scene.version);
    assert.equal(patched.scene.items.map((i) => i.id), ['fresh']);
    overlay.close();
  }

  test('add {z: 1000000} + bringToFront re-numbers z; the room still loads, GET/PUT work, overlays get it', async () => {
    const moderator = await openSocket(server.wsUrl('/ws/moderator?room=brick'), streamer);
    await moderator.next('scene.full');
    moderator.send({ type: 'add', item: text('top', { z: 1_000_000 }), req_id: 1 });
    moderator.send({ type: 'add', item: text('low', { z: -1_000_000 }), req_id: 2 });
    moderator.send({ type: 'add', item: text('mid'), req_id: 3 });
    moderator.send({ type: 'bringToFront', id: 'mid', req_id: 4 });
    await moderator.next('ack', (m) => m.req_id === 4);
    moderator.send({ type: 'sendToBack', id: 'top', req_id: 5 });
    await moderator.next('ack', (m) => m.req_id === 5);
    moderator.close();
    await moderator.closed;

    const live = await sceneOf(server, 'brick');
    assert.ok(v.is(Scene, { items: live.items }), `z stays within bounds: ${JSON.stringify(live.items.map((i) => i.z))}`);
    const byZ = [...live.items].sort((a, b) => a.z - b.z).map((i) => i.id);
    assert.equal(byZ, ['top', 'low', 'mid'], 'paint order is what the moderator asked for');

    const other = await reloaded();
    try {
      assert.equal((await sceneOf(other, 'brick')).items.map((i) => i.z), live.items.map((i) => i.z));
      await assertRoomWorks(other, 'brick');
    } finally {
      if (other !== server) await other.stop();
    }
  });

  test('a stored scene with a bad item loads: the item is repaired or dropped, logged in the audit', async () => {
    const store = server.services.store;
    const data = JSON.stringify({
      items: [text('keep'), text('overflow', { z: 1_000_001 }), { id: 'junk', kind: 'iframe' }, 'not an item'],
      item_versions: { keep: 1, overflow: 1, junk: 1, gone: 'x' },
    });
    assert.ok(await store.commitScene('mended', 0, data, 1));
    // Loaded after the bad data was stored: an idle eviction, or a process that never saw it.
    server.services.overlays.sweep(Date.now() + 3_600_000);
    const scene = await sceneOf(server, 'mended');
    assert.equal(scene.items.map((i) => [i.id, i.z]), [['keep', 0], ['overflow', 1_000_000]]);
    const audit = (await (await server.api('/api/rooms/mended/audit', { streamer: true })).json()) as { entries: { action: string; repaired?: string[]; dropped?: string[] }[] };
    const entry = audit.entries.find((e) => e.action === 'scene.repaired');
    assert.ok(entry, `audit: ${JSON.stringify(audit.entries)}`);
    assert.equal([entry.repaired, entry.dropped], [['overflow'], ['junk', '#3']]);
    await assertRoomWorks(server, 'mended');
  });

  test('a stored scene that does not parse at all: GET answers, a streamer PUT replaces it, the old data is kept aside', async () => {
    const store = server.services.store;
    assert.ok(await store.commitScene('garbled', 0, '{"items": [', 7));
    server.services.overlays.sweep(Date.now() + 3_600_000);
    const scene = await sceneOf(server, 'garbled');
    assert.equal([scene.items, scene.version], [[], 7]);
    await assertRoomWorks(server, 'garbled');
    const kept = await store.keys('scene-unreadable:garbled:');
    assert.is(kept.length, 1);
    assert.is(await store.get(kept[0]!), '{"items": [');
  });

  test.run();
}
