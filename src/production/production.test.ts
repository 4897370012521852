/**
 * Production control on the real server over real sockets, both stores: history and revert,
 * the shared draft and Take, preset ops on the socket, and scopes on every socket op.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus, type TestSocket } from '../../testing/ws-client.ts';

type Json = Record<string, any>;
const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const bearer = (session: string) => ({ authorization: `Bearer ${session}` });
const text = (id: string, extra: Json = {}) => ({ id, kind: 'text', text: id, ...extra });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function redisEnv() {
  return { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` };
}

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`production control (${storeKind})`);
  let server: TestServer;
  let room = '';
  let n = 0;

  test.before(async () => {
    server = await startTestServer({ env: storeKind === 'redis' ? await redisEnv() : {} });
  });
  test.before.each(() => {
    room = `prod${++n}`;
  });
  test.after(async () => {
    await server?.stop();
  });

  const json = async (path: string, init: Parameters<TestServer['api']>[1] = {}) => {
    const res = await server.api(path, { streamer: true, ...init });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const moderator = async (headers: Record<string, string> = streamer, stage = '') => {
    const socket = await openSocket(server.wsUrl(`/ws/moderator?room=${room}${stage}`), headers);
    await socket.next('scene.full');
    return socket;
  };
  const overlay = async (stage = '', token?: string) => {
    const socket = await openSocket(server.wsUrl(`/ws/overlay?room=${room}&token=${token ?? (await server.viewToken(room))}${stage}`));
    return { socket, first: await socket.next('scene.full') };
  };
  const ack = (socket: TestSocket, reqId: string) => socket.next('ack', (m) => m.req_id === reqId).catch(async () => socket.next('error', (m) => m.req_id === reqId));

  test('history lists who did what; revert to V yields exactly V’s scene as version N+1, audited', async () => {
    const mod = await moderator();
    mod.send({ type: 'add', item: text('logo', { name: 'Logo' }), req_id: 'a' });
    await mod.next('ack', (m) => m.req_id === 'a');
    mod.send({ type: 'add', item: text('title', { name: 'Title' }), req_id: 'b' });
    const atV = (await mod.next('ack', (m) => m.req_id === 'b')).version;
    const sceneAtV = (await json(`/api/rooms/${room}/scene`)).body.items;
    mod.send({ type: 'patch', id: 'logo', changes: { x: 300 }, req_id: 'c' });
    await mod.next('ack', (m) => m.req_id === 'c');
    mod.send({ type: 'patch', id: 'title', changes: { text: 'Hello' }, req_id: 'd' });
    const now = (await mod.next('ack', (m) => m.req_id === 'd')).version;
    await sleep(50);
    const history = await json(`/api/rooms/${room}/history?limit=3`);
    assert.equal(history.body.entries.map((e: Json) => [e.version, e.who, e.summary]), [
      [now, 'streamer', 'streamer changed text of Title'],
      [now - 1, 'streamer', 'streamer moved Logo'],
      [atV, 'streamer', 'streamer added Title'],
    ]);
    assert.equal((await json(`/api/rooms/${room}/history?limit=1&before=${atV}`)).body.entries[0].version, atV - 1);
    assert.equal((await json(`/api/rooms/${room}/history/${atV}`)).body.scene.items, sceneAtV);

    const watcher = await overlay();
    const reverted = await json(`/api/rooms/${room}/revert`, { method: 'POST', json: { version: atV } });
    assert.equal([reverted.status, reverted.body.version, reverted.body.reverted_to], [200, now + 1, atV]);
    const seen = await watcher.socket.next('scene.full', (m) => m.version === now + 1);
    assert.equal(seen.scene.items, sceneAtV, 'the overlay gets exactly V’s scene');
    assert.equal((await json(`/api/rooms/${room}/scene`)).body.items, sceneAtV);
    const audit = await json(`/api/rooms/${room}/audit?limit=20`);
    assert.ok(audit.body.entries.some((e: Json) => e.action === 'scene.revert' && e.to_version === atV && e.version === now + 1), 'audited');
    assert.is((await json(`/api/rooms/${room}/revert`, { method: 'POST', json: { version: 99999 } })).status, 404);
    assert.is((await json(`/api/rooms/${room}/revert`, { method: 'POST', json: { version: 'x' } })).status, 400);
    assert.is((await json(`/api/rooms/${room}/history?limit=0`)).status, 400);
    mod.close();
    watcher.socket.close();
  });

  test('draft ops are invisible to live overlays, visible to a stage=draft overlay; take is one version', async () => {
    await json(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('a'), text('b')] } });
    const live = await overlay();
    const previewToken = ((await json('/api/overlay/token', { method: 'POST', json: { room, stages: ['live', 'draft'] } })).body as Json).token;
    assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=${room}&token=${await server.viewToken(room)}&stage=draft`)), 403, 'a live-only view token cannot see the draft');
    const preview = await overlay('&stage=draft', previewToken);
    assert.equal(preview.first.scene.items.map((i) => i.id), ['a', 'b'], 'the draft starts as a copy of live');
    const mod = await moderator();
    mod.send({ type: 'patch', id: 'a', changes: { x: 111 }, stage: 'draft', req_id: 'd1' });
    mod.send({ type: 'add', item: text('c'), stage: 'draft', req_id: 'd2' });
    mod.send({ type: 'remove', id: 'b', stage: 'draft', req_id: 'd3' });
    for (const id of ['d1', 'd2', 'd3']) assert.is((await ack(mod, id)).type, 'ack', id);
    await preview.socket.next('scene.patch', (m) => m.ops.some((op) => op.op === 'remove'));
    await sleep(100);
    const liveChanges = () => live.socket.messages.filter((m) => m.type === 'scene.patch' || m.type === 'scene.full');
    assert.is(liveChanges().length, 1, 'the live overlay saw only its first scene');
    const diff = await json(`/api/rooms/${room}/diff`);
    assert.equal([diff.body.added.map((i: Json) => i.id), diff.body.removed.map((i: Json) => i.id), diff.body.changed.map((c: Json) => c.id)], [['c'], ['b'], ['a']]);
    const draft = await json(`/api/rooms/${room}/draft`);
    assert.equal(draft.body.scene.items.map((i: Json) => i.id), ['a', 'c']);

    const liveVersion = (await json(`/api/rooms/${room}/scene`)).body.version;
    mod.send({ type: 'take', req_id: 't' });
    const taken = await mod.next('ack', (m) => m.req_id === 't');
    assert.is(taken.version, liveVersion + 1, 'take is one live version');
    const full = await live.socket.next('scene.full', (m) => m.version === liveVersion + 1);
    assert.equal(full.scene.items.map((i) => [i.id, i.x]), [['a', 111], ['c', 0]], 'every draft change in one scene.full');
    assert.is(liveChanges().length, 2);
    assert.equal((await json(`/api/rooms/${room}/diff`)).body.changed, [], 'after a take draft and live agree');
    const audit = await json(`/api/rooms/${room}/audit?limit=20`);
    const line = audit.body.entries.find((e: Json) => e.action === 'scene.take');
    assert.equal([line?.added, line?.removed, line?.changed], [['c'], ['b'], ['a']], 'the take is audited with its diff');

    await json(`/api/rooms/${room}/ops`, { method: 'POST', json: { type: 'patch', id: 'a', changes: { x: 5 }, stage: 'draft' } });
    const reset = await json(`/api/rooms/${room}/draft/reset`, { method: 'POST' });
    assert.is(reset.status, 200);
    assert.equal((await json(`/api/rooms/${room}/draft`)).body.scene.items.map((i: Json) => i.x), [111, 0], 'draft.reset copies live into the draft');
    const viaHttp = await json(`/api/rooms/${room}/take`, { method: 'POST' });
    assert.equal([viaHttp.status, viaHttp.body.version], [200, liveVersion + 2]);
    for (const s of [mod, live.socket, preview.socket]) s.close();
  });

  test('two moderators editing the draft conflict only on the same item', async () => {
    await json(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('a'), text('b')] } });
    const alice = await moderator(bearer((await server.moderatorSession(room, 'alice')).session), '&stage=draft');
    const bob = await moderator(bearer((await server.moderatorSession(room, 'bob')).session), '&stage=draft');
    const base = (await json(`/api/rooms/${room}/draft`)).body.version;
    alice.send({ type: 'patch', id: 'a', changes: { x: 1 }, base_version: base, req_id: 'a1' });
    assert.is((await ack(alice, 'a1')).type, 'ack');
    bob.send({ type: 'patch', id: 'b', changes: { x: 2 }, base_version: base, req_id: 'b1' });
    assert.is((await ack(bob, 'b1')).type, 'ack', 'another item: no conflict');
    bob.send({ type: 'patch', id: 'a', changes: { x: 3 }, base_version: base, req_id: 'b2' });
    const refused = await ack(bob, 'b2');
    assert.equal([refused.type, (refused as Json).code], ['error', 'conflict'], 'the same item: conflict');
    assert.equal((await json(`/api/rooms/${room}/scene`)).body.items.map((i: Json) => i.x), [0, 0], 'live untouched');
    alice.close();
    bob.close();
  });

  test('scopes on the socket: tts-only refused every scene op; items filter; a scope change applies to the open socket', async () => {
    await json(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('logo'), text('score-home')] } });
    const voice = await moderator(bearer((await server.moderatorSession(room, 'voice', { scopes: ['tts'] })).session));
    const ops = [
      { type: 'add', item: text('x') }, { type: 'patch', id: 'logo', changes: { x: 1 } }, { type: 'remove', id: 'logo' }, { type: 'clear' },
      { type: 'patch', id: 'logo', changes: { x: 1 }, stage: 'draft' }, { type: 'take' }, { type: 'draft.reset' }, { type: 'preset.save', name: 'P' }, { type: 'preset.take', name: 'P' }, { type: 'revert', version: 1 },
    ];
    const expected = ['scene.edit', 'scene.edit', 'scene.edit', 'scene.edit', 'scene.draft', 'scene.take', 'scene.draft', 'presets', 'presets', 'history.revert'];
    for (const [i, op] of ops.entries()) {
      voice.send({ ...op, req_id: `v${i}` });
      const reply = (await ack(voice, `v${i}`)) as Json;
      assert.equal([reply.type, reply.code], ['error', 'forbidden'], op.type);
      assert.match(reply.message, expected[i]!);
    }
    const scorer = await moderator(bearer((await server.moderatorSession(room, 'scorer', { scopes: ['scene.edit'], items: ['score-*'] })).session));
    scorer.send({ type: 'patch', id: 'score-home', changes: { text: '2' }, req_id: 's1' });
    assert.is((await ack(scorer, 's1')).type, 'ack');
    scorer.send({ type: 'patch', id: 'logo', changes: { text: 'mine' }, req_id: 's2' });
    assert.equal([(await ack(scorer, 's2')).type], ['error']);

    const { session, session_id } = await server.moderatorSession(room, 'editor');
    const editor = await moderator(bearer(session));
    editor.send({ type: 'patch', id: 'logo', changes: { x: 9 }, req_id: 'e1' });
    assert.is((await ack(editor, 'e1')).type, 'ack');
    await json(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', json: { scopes: ['scene.draft'] } });
    await editor.next('session.scopes');
    editor.send({ type: 'patch', id: 'logo', changes: { x: 10 }, req_id: 'e2' });
    assert.is(((await ack(editor, 'e2')) as Json).code, 'forbidden', 'live edits refused on the same socket');
    editor.send({ type: 'patch', id: 'logo', changes: { x: 10 }, stage: 'draft', req_id: 'e3' });
    assert.is((await ack(editor, 'e3')).type, 'ack', 'draft edits allowed');
    for (const s of [voice, scorer, editor]) s.close();
  });

  test('preset.save and preset.take on the socket: the take is one version', async () => {
    await json(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('a', { x: 1 })] } });
    const mod = await moderator();
    mod.send({ type: 'preset.save', name: 'One', req_id: 'p1' });
    assert.is((await ack(mod, 'p1')).type, 'ack');
    await json(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('a', { x: 2 }), text('b')] } });
    const watcher = await overlay();
    mod.send({ type: 'preset.take', name: 'One', req_id: 'p2' });
    const taken = await mod.next('ack', (m) => m.req_id === 'p2');
    const full = await watcher.socket.next('scene.full', (m) => m.version === taken.version);
    assert.equal(full.scene.items.map((i) => [i.id, i.x]), [['a', 1]]);
    assert.is(watcher.socket.messages.filter((m) => m.type === 'scene.full' || m.type === 'scene.patch').length, 2);
    mod.send({ type: 'preset.take', name: 'Missing', req_id: 'p3' });
    assert.is(((await ack(mod, 'p3')) as Json).code, 'not_found');
    mod.close();
    watcher.socket.close();
  });

  test.run();
}
