/**
 * The spine end to end: the real server on 127.0.0.1:0, real sockets, real Redis (a throwaway
 * redis-server, or REDIS_URL with a private key prefix) and the embedded store.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';

const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const text = (id: string) => ({ id, kind: 'text', text: id });

async function redisEnv() {
  return { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` };
}

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`scene sync over real sockets (${storeKind})`);
  let server: TestServer;
  let env: Record<string, string> = {};

  test.before(async () => {
    env = storeKind === 'redis' ? await redisEnv() : {};
    server = await startTestServer({ env });
  });
  test.after(async () => {
    await server?.stop();
  });

  test('ops from a moderator reach every overlay in order, versions strictly increasing', async () => {
    const token = await server.viewToken();
    const overlays = await Promise.all([1, 2, 3].map(() => openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`))));
    const moderator = await openSocket(server.wsUrl('/ws/moderator?room=main'), streamer);
    const full = await moderator.next('scene.full');
    for (const o of overlays) await o.next('scene.full');
    const start = full.version;
    for (let i = 0; i < 40; i++) moderator.send({ type: i === 0 ? 'add' : 'patch', ...(i === 0 ? { item: text('a') } : { id: 'a', changes: { x: i } }), req_id: i });
    const lastAck = await moderator.next('ack', (m) => m.req_id === 39);
    for (const o of overlays) {
      await o.next('scene.patch', (m) => m.version === lastAck.version);
      const versions = o.messages.filter((m) => m.type === 'scene.patch').map((m) => (m as { version: number }).version);
      versions.forEach((v, i) => assert.is(v, start + i + 1, `overlay saw versions ${versions}`));
    }
    const scene = (await (await server.api('/api/scene', { streamer: true })).json()) as { items: { x: number }[]; version: number };
    assert.is(scene.items[0]!.x, 39);
    assert.is(scene.version, lastAck.version);
    for (const s of [...overlays, moderator]) s.close();
  });

  test('a dropped overlay reconnects with since_version and gets only what it missed', async () => {
    const token = await server.viewToken();
    const moderator = await openSocket(server.wsUrl('/ws/moderator?room=main'), streamer);
    await moderator.next('scene.full');
    const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`));
    const { version } = await overlay.next('scene.full');
    overlay.close();
    await overlay.closed;
    moderator.send({ type: 'add', item: text(`r${version}`), req_id: 'x' });
    const ack = await moderator.next('ack', (m) => m.req_id === 'x');
    const back = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}&since_version=${version}`));
    const patch = await back.next('scene.patch');
    assert.is(patch.version, ack.version);
    assert.is(back.messages[0]!.type, 'scene.patch', 'no full scene needed');
    // A client claiming a version we never had (say, the server lost its state) gets a full scene.
    back.send({ type: 'resync', since_version: ack.version + 10 });
    const full = await back.next('scene.full');
    assert.is(full.version, ack.version);
    moderator.close();
    back.close();
  });

  test('PUT replaces the scene; a stale known_version or If-Match gets 409 and the scene stays', async () => {
    const current = (await (await server.api('/api/scene', { streamer: true })).json()) as { version: number };
    const put = await server.api('/api/scene', { method: 'PUT', streamer: true, json: { items: [text('p')], _meta: { known_version: current.version, client_ts: 123 } } });
    assert.is(put.status, 200);
    const body = (await put.json()) as { ok: boolean; version: number; echo_client_ts: number };
    assert.equal([body.ok, body.version, body.echo_client_ts], [true, current.version + 1, 123]);
    const stale = await server.api('/api/scene', { method: 'PUT', streamer: true, json: { items: [], _meta: { known_version: current.version } } });
    assert.is(stale.status, 409);
    const error = (await stale.json()) as { error: { code: string; version: number } };
    assert.equal([error.error.code, error.error.version], ['conflict', body.version]);
    const ifMatch = await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, headers: { 'if-match': `"${current.version}"` }, json: { items: [] } });
    assert.is(ifMatch.status, 409);
    const after = (await (await server.api('/api/scene', { streamer: true })).json()) as { items: { id: string }[] };
    assert.equal(after.items.map((i) => i.id), ['p']);
  });

  test('bad input over HTTP gets 400 JSON with issues; the stored scene is untouched', async () => {
    const before = await (await server.api('/api/scene', { streamer: true })).json();
    const cases: [string, RequestInit & { json?: unknown }][] = [
      ['bad json', { body: '{"items": [', headers: { 'content-type': 'application/json' } }],
      ['wrong types', { json: { items: [{ id: 'a', kind: 'text', x: 'left' }] } }],
      ['unknown kind', { json: { items: [{ id: 'a', kind: 'iframe' }] } }],
      ['huge number', { json: { items: [{ id: 'a', kind: 'text', x: 1e300 }] } }],
      ['not an array', { json: { items: 'none' } }],
      ['_meta as an array', { json: { items: [], _meta: [] } }],
    ];
    for (const [name, init] of cases) {
      const res = await server.api('/api/scene', { method: 'PUT', streamer: true, ...init });
      assert.is(res.status, 400, name);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.ok(body.error.code && body.error.message, name);
    }
    assert.equal(await (await server.api('/api/scene', { streamer: true })).json().then((b) => ({ ...(b as object), server_ts: 0 })), { ...(before as object), server_ts: 0 });
  });

  test('the scene survives a restart of the service', async () => {
    await server.api('/api/rooms/keep/ops', { method: 'POST', streamer: true, json: { type: 'add', item: text('durable') } });
    const before = (await (await server.api('/api/rooms/keep/scene', { streamer: true })).json()) as { version: number };
    await server.close();
    server = await startTestServer({ env, dataDir: server.dataDir });
    const after = (await (await server.api('/api/rooms/keep/scene', { streamer: true })).json()) as { version: number; items: { id: string }[] };
    assert.is(after.version, before.version);
    assert.equal(after.items.map((i) => i.id), ['durable']);
  });

  test.run();
}
