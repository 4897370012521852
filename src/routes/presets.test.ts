/** Presets on the real server, both stores: save, list, take as ONE version seen by an overlay, delete, names and scopes. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';

type Json = Record<string, any>;
const bearer = (session: string) => ({ authorization: `Bearer ${session}` });
const text = (id: string, extra: Json = {}) => ({ id, kind: 'text', text: id, ...extra });

async function redisEnv() {
  return { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` };
}

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`scene presets (${storeKind})`);
  let server: TestServer;

  test.before(async () => {
    server = await startTestServer({ env: storeKind === 'redis' ? await redisEnv() : {} });
  });
  test.after(async () => {
    await server?.stop();
  });

  const putScene = (items: Json[]) => server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items } });

  test('save the live scene, save a given scene, list them by name', async () => {
    assert.is((await putScene([text('title', { x: 10 }), text('logo')])).status, 200);
    const saved = await server.api(`/api/rooms/main/presets/${encodeURIComponent('Starting soon')}`, { method: 'PUT', streamer: true });
    const body = (await saved.json()) as Json;
    assert.equal([saved.status, body.created, body.preset.name, body.preset.items], [201, true, 'Starting soon', 2]);
    const given = await server.api('/api/rooms/main/presets/BRB', { method: 'PUT', streamer: true, json: { items: [text('brb', { x: 1 })] } });
    assert.is(given.status, 201);
    const again = await server.api('/api/rooms/main/presets/BRB', { method: 'PUT', streamer: true, json: { items: [text('brb', { x: 2 })] } });
    assert.equal([again.status, ((await again.json()) as Json).created], [200, false], 'saving a name again overwrites');
    const list = (await (await server.api('/api/rooms/main/presets', { streamer: true })).json()) as Json;
    assert.equal(list.presets.map((p: Json) => p.name), ['BRB', 'Starting soon']);
    assert.equal(list.presets[0].scene.items.map((i: Json) => [i.id, i.x]), [['brb', 2]], 'the list carries the scene for a thumbnail');
    const other = (await (await server.api('/api/rooms/other/presets', { streamer: true })).json()) as Json;
    assert.equal(other.presets, [], 'presets belong to their room');
  });

  test('taking a preset replaces the live scene as exactly one version an overlay sees once', async () => {
    await putScene([text('title', { x: 10 }), text('logo')]);
    await server.api('/api/rooms/main/presets/Gameplay', { method: 'PUT', streamer: true, json: { items: [text('title', { x: 500, y: 40 }), text('score-home', { text: '3' })] } });
    const token = await server.viewToken();
    const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`));
    const before = (await overlay.next('scene.full')).version;
    const taken = await server.api('/api/rooms/main/presets/Gameplay/take', { method: 'POST', streamer: true });
    const result = (await taken.json()) as Json;
    assert.equal([taken.status, result.version], [200, before + 1], 'one new version');
    const seen = await overlay.next('scene.full', (m) => m.version === before + 1);
    assert.equal(seen.scene.items.map((i) => [i.id, i.x]), [['title', 500], ['score-home', 0]]);
    const scene = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as Json;
    assert.is(scene.version, before + 1);
    const changes = overlay.messages.filter((m) => m.type === 'scene.full' || m.type === 'scene.patch');
    assert.is(changes.length, 2, 'the first full scene and the take, nothing in between');
    overlay.close();
    const missing = await server.api('/api/rooms/main/presets/Nope/take', { method: 'POST', streamer: true });
    assert.is(missing.status, 404);
  });

  test('names: at most 64 characters, no control characters; delete; scopes', async () => {
    assert.is((await server.api(`/api/rooms/main/presets/${'x'.repeat(65)}`, { method: 'PUT', streamer: true })).status, 400);
    assert.is((await server.api(`/api/rooms/main/presets/${'x'.repeat(64)}`, { method: 'PUT', streamer: true })).status, 201);
    assert.is((await server.api('/api/rooms/main/presets/a%01b', { method: 'PUT', streamer: true })).status, 400);
    const bad = await server.api('/api/rooms/main/presets/ok', { method: 'PUT', streamer: true, json: { items: [{ id: 'x', kind: 'nope' }] } });
    assert.is(bad.status, 400, 'a given scene is validated');
    assert.is((await server.api(`/api/rooms/main/presets/${'x'.repeat(64)}`, { method: 'DELETE', streamer: true })).status, 200);
    assert.is((await server.api(`/api/rooms/main/presets/${'x'.repeat(64)}`, { method: 'DELETE', streamer: true })).status, 404);

    const { session } = await server.moderatorSession('main', 'voice', { scopes: ['tts'] });
    assert.is((await server.api('/api/rooms/main/presets', { headers: bearer(session) })).status, 200, 'any panel of the room may list');
    for (const [method, path] of [['PUT', '/api/rooms/main/presets/Mine'], ['POST', '/api/rooms/main/presets/BRB/take'], ['DELETE', '/api/rooms/main/presets/BRB']]) {
      const res = await server.api(path!, { method, headers: bearer(session) });
      const error = ((await res.json()) as Json).error;
      assert.equal([res.status, error.code, error.scope], [403, 'forbidden', 'presets'], `${method} ${path}`);
    }
    const { session: operator } = await server.moderatorSession('main', 'operator', { scopes: ['presets'] });
    assert.is((await server.api('/api/rooms/main/presets/BRB/take', { method: 'POST', headers: bearer(operator) })).status, 200, 'presets alone may take');
    const { session: other } = await server.moderatorSession('other', 'elsewhere');
    assert.is((await server.api('/api/rooms/main/presets', { headers: bearer(other) })).status, 403, 'another room’s session');
  });

  test.run();
}
