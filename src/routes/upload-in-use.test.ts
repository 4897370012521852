/**
 * Deleting media that scenes use, on both stores: the in-use check reads stored scenes without
 * room actors, a corrupt stored scene does not make it fail for everyone (it answered 500 for
 * every room once), and only the streamer may force the delete of media in use; a moderator is
 * never told the names of other rooms.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { pngBytes } from '../../testing/media-samples.ts';

/** What a room that the schema no longer accepts looks like in storage, and plain garbage. */
const CORRUPT_SCENE = '{"items": [ this is not json';

interface Backend {
  name: string;
  /** Start a server whose store already holds a corrupt scene for room "broken". */
  start(): Promise<{ server: TestServer; cleanup(): Promise<void> }>;
}

const embedded: Backend = {
  name: 'embedded store',
  async start() {
    const dataDir = await mkdtemp(join(tmpdir(), 'so-in-use-'));
    // The embedded store loads DATA_DIR/scenes/<room>.json at start: write the room there directly.
    await mkdir(join(dataDir, 'scenes'), { recursive: true });
    await writeFile(join(dataDir, 'scenes', 'broken.json'), JSON.stringify({ data: CORRUPT_SCENE, version: 4 }));
    const server = await startTestServer({ dataDir, env: { TRUSTED_PROXIES: '127.0.0.1' } });
    return {
      server,
      async cleanup() {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const redis: Backend = {
  name: 'Redis',
  async start() {
    const url = await sharedRedisUrl();
    const prefix = `test:in-use:${randomUUID().slice(0, 8)}:`;
    const admin = new Redis(url);
    // The RedisStore's scene hash, written behind the server's back.
    await admin.hset(`${prefix}scene:broken`, 'version', '4', 'data', CORRUPT_SCENE);
    const server = await startTestServer({ env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix, TRUSTED_PROXIES: '127.0.0.1' } });
    return {
      server,
      async cleanup() {
        await server.stop();
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length) await admin.del(...keys);
        admin.disconnect();
      },
    };
  },
};

let clients = 0;

async function uploadPng(server: TestServer, seed: number): Promise<{ id: string; path: string }> {
  const form = new FormData();
  form.append('file', new Blob([pngBytes(4, 4, seed) as Uint8Array<ArrayBuffer>], { type: 'image/png' }), `f${seed}.png`);
  const res = await server.api('/api/uploads', { method: 'POST', body: form, streamer: true, headers: { 'x-forwarded-for': `198.51.100.${++clients}` } });
  assert.is(res.status, 200, await res.clone().text());
  return (await res.json()) as { id: string; path: string };
}

async function putScene(server: TestServer, room: string, items: object[]): Promise<void> {
  const res = await server.api(`/api/rooms/${room}/scene`, { method: 'PUT', streamer: true, json: { items } });
  assert.is(res.status, 200, await res.text());
}

const remove = async (server: TestServer, id: string, init: { streamer?: boolean; session?: string; force?: boolean }) => {
  const res = await server.api(`/api/uploads/${id}${init.force ? '?force=1' : ''}`, {
    method: 'DELETE',
    streamer: init.streamer,
    headers: init.session ? { authorization: `Bearer ${init.session}` } : {},
  });
  return { status: res.status, body: (await res.json()) as any };
};

for (const backend of [embedded, redis]) {
  const test = suite(`upload in-use check (${backend.name})`);

  test('a corrupt stored scene does not make delete answer 500, and no room actor is created', async () => {
    const { server, cleanup } = await backend.start();
    try {
      const used = await uploadPng(server, 1);
      const unused = await uploadPng(server, 2);
      await putScene(server, 'stage', [{ id: 'logo', kind: 'image', src: used.path }]);
      const roomsBefore = [...server.services.overlays.all()].map((room) => room.id);

      const refused = await remove(server, used.id, { streamer: true });
      assert.is(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.rooms, ['stage'], 'the readable room is still protected');
      assert.ok(existsSync(join(server.config.UPLOAD_DIR, used.id)));

      const removed = await remove(server, unused.id, { streamer: true });
      assert.is(removed.status, 200, JSON.stringify(removed.body));
      assert.not.ok(existsSync(join(server.config.UPLOAD_DIR, unused.id)));

      const roomsAfter = [...server.services.overlays.all()].map((room) => room.id);
      assert.equal(roomsAfter, roomsBefore, 'deleting looked at the store, not at room actors');
      assert.is(server.services.overlays.peek('broken'), undefined);
    } finally {
      await cleanup();
    }
  });

  test('an item the schema refuses still protects the file it shows', async () => {
    const { server, cleanup } = await backend.start();
    try {
      const file = await uploadPng(server, 3);
      // z far outside the schema's bounds: what an unbounded bringToFront once stored.
      const data = JSON.stringify({ items: [{ id: 'big', kind: 'image', src: file.path, z: 5_000_000 }], item_versions: { big: 1 } });
      assert.ok(await server.services.store.commitScene('overflowed', 0, data, 1));
      const refused = await remove(server, file.id, { streamer: true });
      assert.is(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.rooms, ['overflowed']);
    } finally {
      await cleanup();
    }
  });

  test('only the streamer may force the delete of media in use; a moderator hears of its own room only', async () => {
    const { server, cleanup } = await backend.start();
    try {
      const file = await uploadPng(server, 4);
      await putScene(server, 'room-b', [{ id: 'logo', kind: 'image', src: file.path }]);
      const outsider = await server.moderatorSession('room-c', 'mod-c');

      const forced = await remove(server, file.id, { session: outsider.session, force: true });
      assert.is(forced.status, 403, JSON.stringify(forced.body));
      assert.is(forced.body.error.code, 'forbidden');
      assert.ok(existsSync(join(server.config.UPLOAD_DIR, file.id)), 'the other room keeps its media');

      const refused = await remove(server, file.id, { session: outsider.session });
      assert.is(refused.status, 409);
      assert.is(refused.body.error.code, 'in_use');
      assert.equal(refused.body.error.rooms, []);
      assert.not.match(JSON.stringify(refused.body), 'room-b', 'no other room is named');
      assert.match(refused.body.error.message, 'in another room');

      const insider = await server.moderatorSession('room-b', 'mod-b');
      const own = await remove(server, file.id, { session: insider.session });
      assert.is(own.status, 409);
      assert.equal(own.body.error.rooms, ['room-b'], 'its own room may be named');

      const unused = await uploadPng(server, 5);
      const unusedForced = await remove(server, unused.id, { session: outsider.session, force: true });
      assert.is(unusedForced.status, 200, 'force on media nobody uses is just a delete');

      const byStreamer = await remove(server, file.id, { streamer: true, force: true });
      assert.is(byStreamer.status, 200, JSON.stringify(byStreamer.body));
      assert.not.ok(existsSync(join(server.config.UPLOAD_DIR, file.id)));
    } finally {
      await cleanup();
    }
  });

  test('a preset that shows a file protects it, though no live scene does', async () => {
    const { server, cleanup } = await backend.start();
    try {
      const file = await uploadPng(server, 6);
      const saved = await server.api('/api/rooms/show/presets/brb', { method: 'PUT', streamer: true, json: { items: [{ id: 'brb', kind: 'image', src: file.path }] } });
      assert.is(saved.status, 201, await saved.text());
      const refused = await remove(server, file.id, { streamer: true });
      assert.is(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.rooms, ['show']);
      const gone = await server.api('/api/rooms/show/presets/brb', { method: 'DELETE', streamer: true });
      assert.is(gone.status, 200);
      const removed = await remove(server, file.id, { streamer: true });
      assert.is(removed.status, 200, JSON.stringify(removed.body));
    } finally {
      await cleanup();
    }
  });

  test.run();
}
