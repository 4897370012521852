/**
 * Scoped moderator keys over HTTP on the real server, both stores: a key's scopes reach its
 * session, refused routes answer 403 `forbidden` naming the scope, and the streamer's PATCH
 * changes a live session (and its open socket) without a reconnect.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { DEFAULT_MODERATOR_SCOPES } from '../protocol/scopes.ts';

const bearer = (session: string) => ({ authorization: `Bearer ${session}` });
type Json = Record<string, any>;

async function redisEnv() {
  return { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` };
}

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`scoped moderator keys (${storeKind})`);
  let server: TestServer;

  test.before(async () => {
    server = await startTestServer({ env: storeKind === 'redis' ? await redisEnv() : {} });
    const seeded = await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'logo', kind: 'text', text: 'L', name: 'Logo' }, { id: 'score-home', kind: 'text', text: '0' }] } });
    assert.is(seeded.status, 200);
  });
  test.after(async () => {
    await server?.stop();
  });

  const ops = (session: string, json: unknown) => server.api('/api/rooms/main/ops', { method: 'POST', headers: bearer(session), json });
  const errorOf = async (res: Response): Promise<Json> => ({ status: res.status, ...(((await res.json()) as Json).error as Json) });

  test('a tts-only key can speak; every scene op, upload and publish is forbidden naming the scope', async () => {
    const issued = (await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: 'voice', scopes: ['tts'] } })).json()) as Json;
    assert.equal(issued.scopes, ['tts'], 'the issued key says what it holds');
    const consumed = (await (await server.api('/api/moderator-keys/consume', { method: 'POST', json: { key: issued.key } })).json()) as Json;
    assert.equal(consumed.scopes, ['tts']);
    const { session } = consumed as { session: string };

    const spoke = await server.api('/api/tts/speak', { method: 'POST', headers: bearer(session), json: { room: 'main', text: 'hello' } });
    assert.is(spoke.status, 200, 'tts is allowed');
    for (const op of [{ type: 'add', item: { id: 'x', kind: 'text', text: 'x' } }, { type: 'patch', id: 'logo', changes: { x: 1 } }, { type: 'remove', id: 'logo' }, { type: 'clear' }]) {
      const refused = await errorOf(await ops(session, op));
      assert.equal({ status: refused.status, code: refused.code, scope: refused.scope }, { status: 403, code: 'forbidden', scope: 'scene.edit' }, op.type);
      assert.match(refused.message, 'scene.edit');
    }
    const put = await errorOf(await server.api('/api/rooms/main/scene', { method: 'PUT', headers: bearer(session), json: { items: [] } }));
    assert.equal([put.status, put.code, put.scope], [403, 'forbidden', 'scene.edit']);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'a.png');
    const upload = await errorOf(await server.api('/api/uploads', { method: 'POST', headers: bearer(session), body: form }));
    assert.equal([upload.status, upload.code, upload.scope], [403, 'forbidden', 'media.upload']);
    const removal = await errorOf(await server.api('/api/uploads/nothing.png', { method: 'DELETE', headers: bearer(session) }));
    assert.equal([removal.status, removal.scope], [403, 'media.delete']);
    const publish = await errorOf(await server.api('/api/webrtc/token', { method: 'POST', headers: bearer(session), json: { room: 'main', role: 'publisher' } }));
    assert.equal([publish.status, publish.code, publish.scope], [403, 'forbidden', 'webrtc.publish']);
    const view = await server.api('/api/webrtc/token', { method: 'POST', headers: bearer(session), json: { room: 'main', role: 'viewer' } });
    assert.is(view.status, 200, 'watching needs no scope');
    const scene = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as Json;
    assert.equal(scene.items.map((i: Json) => i.id), ['logo', 'score-home'], 'nothing refused changed the scene');
  });

  test('an items ["score-*"] key can patch score-home and not logo, nor rename its way out', async () => {
    const { session } = await server.moderatorSession('main', 'scorer', { scopes: ['scene.edit'], items: ['score-*'] });
    const ok = await ops(session, { type: 'patch', id: 'score-home', changes: { text: '1' } });
    assert.is(ok.status, 200);
    const refused = await errorOf(await ops(session, { type: 'patch', id: 'logo', changes: { text: 'mine' } }));
    assert.equal([refused.status, refused.code, refused.scope], [403, 'forbidden', 'items']);
    assert.match(refused.message, 'logo');
    assert.is((await errorOf(await ops(session, { type: 'add', item: { id: 'banner', kind: 'text', text: 'b' } }))).scope, 'items', 'a new item outside the filter');
    assert.is((await ops(session, { type: 'add', item: { id: 'score-away', kind: 'text', text: '0' } })).status, 200, 'a new item inside it');
    assert.is((await errorOf(await ops(session, { type: 'clear' }))).scope, 'items', 'clear touches every item');
    const scene = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as Json;
    const byId = Object.fromEntries(scene.items.map((i: Json) => [i.id, i]));
    assert.is(byId['score-home'].text, '1');
    assert.is(byId.logo.text, 'L');
  });

  test('unknown scope names are refused with 400; a key without scopes keeps today’s rights', async () => {
    const bad = await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', scopes: ['admin'] } });
    assert.is(bad.status, 400);
    const { session } = await server.moderatorSession('main', 'full');
    assert.is((await ops(session, { type: 'patch', id: 'logo', changes: { x: 5 } })).status, 200);
    const listed = (await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: 'listed', scopes: ['presets'], items: ['a*'] } })).json()) as Json;
    const keys = (await (await server.api('/api/moderator-keys', { streamer: true })).json()) as Json;
    const mine = keys.keys.find((k: Json) => k.key_id === listed.key_id);
    assert.equal([mine.scopes, mine.items], [['presets'], ['a*']]);
    const audit = (await (await server.api('/api/rooms/main/audit?limit=50', { streamer: true })).json()) as Json;
    const line = (audit.entries as Json[]).find((e) => e.action === 'key.issued' && e.key_id === listed.key_id);
    assert.equal(line?.scopes, ['presets'], 'the audit line names the scopes');
    const consumedDefault = (audit.entries as Json[]).find((e) => e.action === 'key.consumed' && e.label === 'full');
    assert.equal(consumedDefault?.scopes, [...DEFAULT_MODERATOR_SCOPES], 'a key without scopes: its consume line names the default rights');
    assert.is(consumedDefault?.items, undefined);
    const consumedTts = (audit.entries as Json[]).find((e) => e.action === 'key.consumed' && e.label === 'voice');
    assert.equal(consumedTts?.scopes, ['tts'], 'explicit scopes win over the default in the line');
  });

  test('the streamer changes a live session’s scopes: its open socket is told and the next op obeys', async () => {
    const { session, session_id } = await server.moderatorSession('main', 'demoted');
    const socket = await openSocket(server.wsUrl('/ws/moderator?room=main'), bearer(session));
    await socket.next('scene.full');
    assert.is((await ops(session, { type: 'patch', id: 'logo', changes: { x: 7 } })).status, 200, 'allowed before');
    const patched = await server.api(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', streamer: true, json: { scopes: ['tts'] } });
    const body = (await patched.json()) as Json;
    assert.equal([patched.status, body.scopes, body.sockets], [200, ['tts'], 1]);
    const told = await socket.next('session.scopes');
    assert.equal(told.scopes, ['tts']);
    assert.is((await errorOf(await ops(session, { type: 'patch', id: 'logo', changes: { x: 8 } }))).scope, 'scene.edit', 'refused after');
    const listed = (await (await server.api('/api/moderator-sessions', { streamer: true })).json()) as Json;
    assert.equal(listed.sessions.find((s: Json) => s.id === session_id).scopes, ['tts']);
    assert.is((await server.api(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', streamer: true, json: { scopes: ['nope'] } })).status, 400);
    assert.is((await server.api(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', streamer: true, json: {} })).status, 400);
    assert.is((await server.api('/api/moderator-sessions/unknown-id', { method: 'PATCH', streamer: true, json: { scopes: [] } })).status, 404);
    assert.is((await server.api(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', headers: bearer(session), json: { scopes: ['scene.edit'] } })).status, 401, 'a moderator cannot grant itself: the route takes only the streamer');
    socket.close();
  });

  test.run();
}
