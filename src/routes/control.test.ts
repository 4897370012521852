/**
 * Control tokens and the plain HTTP control surface on the real server: every endpoint lands
 * as one version a live overlay sees, scopes are enforced (403), revoked tokens are refused
 * (401), GET is refused by default, a control token cannot issue keys or tokens, and the
 * state feed follows changes made elsewhere.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';

type Json = Record<string, any>;
const test = suite('control tokens and HTTP control endpoints');
let server: TestServer;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ALL = ['scene.edit', 'presets', 'obs.control', 'control.read', 'tts'];

async function issue(scopes: string[], label = 'deck', room = 'main'): Promise<Json> {
  const res = await server.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room, scopes, label } });
  assert.is(res.status, 201, await res.clone().text());
  return (await res.json()) as Json;
}

const post = (path: string, token: string, json?: unknown) => server.api(path, { method: 'POST', headers: bearer(token), ...(json !== undefined ? { json } : {}) });

async function errorOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as Json).error?.code];
}

test.before(async () => {
  server = await startTestServer();
  const items = [
    { id: 'logo', kind: 'text', name: 'Logo', text: 'LOGO' },
    { id: 'score', kind: 'text', name: 'Score', text: '0 : 0' },
    { id: 'clip', kind: 'video', src: '/uploads/clip.webm' },
    { id: 'count', kind: 'timer', name: 'Countdown', timer: { mode: 'countdown', durationMs: 300000, format: 'mm:ss' } },
  ];
  assert.is((await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items } })).status, 200);
  assert.is((await server.api('/api/rooms/main/presets/BRB', { method: 'PUT', streamer: true, json: { items: [{ id: 'brb', kind: 'text', text: 'Be right back' }] } })).status, 201);
});
test.after(async () => {
  await server?.stop();
});

test('issue shows the token once; the list and the audit name it without the secret', async () => {
  const issued = await issue(['control.read'], 'read-only');
  assert.ok(issued.token.startsWith('ctl_'));
  assert.equal([issued.room, issued.label, issued.scopes], ['main', 'read-only', ['control.read']]);
  const list = (await (await server.api('/api/control-tokens', { streamer: true })).json()) as Json;
  const listed = list.tokens.find((t: Json) => t.id === issued.id);
  assert.equal(listed.label, 'read-only');
  assert.not.ok(JSON.stringify(list).includes(issued.token), 'the list never holds the secret');
  const audit = (await (await server.api('/api/rooms/main/audit', { streamer: true })).json()) as Json;
  assert.ok(JSON.stringify(audit).includes('control_token.issued'), 'issuing is audited');
  assert.not.ok(JSON.stringify(audit).includes(issued.token), 'the audit never holds the secret');
  const bad = await server.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room: 'main', scopes: ['nope'], label: 'x' } });
  assert.is(bad.status, 400, 'an unknown scope is refused');
});

test('each endpoint changes the scene as one version a live overlay sees', async () => {
  const { token } = await issue(ALL);
  const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${await server.viewToken()}`));
  let version = (await overlay.next('scene.full')).version;
  const expectOne = async (res: Response, check: (items: Json[]) => void, what: string) => {
    const body = (await res.json()) as Json;
    assert.equal([res.status, body.ok, body.version], [200, true, version + 1], `${what}: ${JSON.stringify(body)}`);
    const seen = (await overlay.next('scene.patch', (m) => m.version === version + 1)) as Json;
    if (seen.ops) check(seen.ops.map((op: Json) => op.item).filter(Boolean));
    version++;
  };
  await expectOne(await post('/api/rooms/main/items/logo/hide', token), (items) => assert.is(items[0].visible, false), 'hide');
  await expectOne(await post('/api/rooms/main/items/logo/show', token), (items) => assert.is(items[0].visible, true), 'show');
  await expectOne(await post('/api/rooms/main/items/by-name/Logo/toggle', token), (items) => assert.equal([items[0].id, items[0].visible], ['logo', false]), 'toggle by name');
  await expectOne(await post('/api/rooms/main/items/score', token, { text: '2 : 1' }), (items) => assert.is(items[0].text, '2 : 1'), 'patch');
  await expectOne(await post('/api/rooms/main/items/by-name/Score', token, { text: '3 : 1' }), (items) => assert.is(items[0].text, '3 : 1'), 'patch by name');
  await expectOne(await post('/api/rooms/main/items/clip/cue/play', token), (items) => assert.is(items[0].playback.state, 'playing'), 'cue');
  await expectOne(await post('/api/rooms/main/timers/by-name/Countdown/start', token), (items) => assert.ok(items[0].timer.startedAt > 0), 'timer start');
  const taken = await post('/api/rooms/main/presets/BRB/take', token);
  const body = (await taken.json()) as Json;
  assert.equal([taken.status, body.ok, body.version], [200, true, version + 1], JSON.stringify(body));
  const full = await overlay.next('scene.full', (m) => m.version === version + 1);
  assert.equal(full.scene.items.map((i) => i.id), ['brb'], 'the preset is the live scene, as one version');
  version++;
  // Draft and take: a draft edit is invisible to the overlay until the take lands as one version.
  const drafted = await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'patch', id: 'brb', stage: 'draft', changes: { text: 'Back in 5' } } });
  assert.is(drafted.status, 200, await drafted.clone().text());
  const take = await post('/api/rooms/main/take', (await issue(['scene.take'])).token);
  const took = (await take.json()) as Json;
  assert.equal([take.status, took.ok, took.version], [200, true, version + 1], JSON.stringify(took));
  const afterTake = (await overlay.next('scene.full', (m) => m.version === version + 1)) as Json;
  assert.is(afterTake.scene.items[0].text, 'Back in 5');
  const spoken = await post('/api/rooms/main/tts/speak', token, { text: 'hello' });
  assert.equal([spoken.status, ((await spoken.json()) as Json).ok], [200, true]);
  assert.ok(await overlay.next('tts.speak'));
  overlay.close();
});

test('a token without the scope gets 403; a revoked token 401; another room 403', async () => {
  const reader = await issue(['control.read']);
  assert.equal(await errorOf(await post('/api/rooms/main/items/brb/hide', reader.token)), [403, 'forbidden']);
  assert.equal(await errorOf(await post('/api/rooms/main/presets/BRB/take', reader.token)), [403, 'forbidden']);
  assert.equal(await errorOf(await post('/api/rooms/main/obs/scene/Game', reader.token)), [403, 'forbidden']);
  const limited = await issue(['scene.edit', 'control.read']);
  const limitedToLogo = (await (await server.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room: 'main', scopes: ['scene.edit'], items: ['Logo'], label: 'logo only' } })).json()) as Json;
  assert.equal(await errorOf(await post('/api/rooms/main/items/brb/hide', limitedToLogo.token)), [403, 'forbidden'], 'the items filter applies');
  const editor = await issue(['scene.edit'], 'editor', 'other');
  assert.equal(await errorOf(await post('/api/rooms/main/items/brb/hide', editor.token)), [403, 'wrong_room']);
  assert.is((await post('/api/rooms/main/items/brb/hide', limited.token)).status, 200);
  const revoked = await server.api(`/api/control-tokens/${limited.id}`, { method: 'DELETE', streamer: true });
  assert.is(revoked.status, 200);
  assert.equal(await errorOf(await post('/api/rooms/main/items/brb/show', limited.token)), [401, 'invalid_control_token']);
  assert.equal(await errorOf(await server.api(`/api/rooms/main/state?token=${limited.token}`)), [401, 'invalid_control_token']);
});

test('GET is refused for state changes by default; a control token cannot issue keys or tokens', async () => {
  const { token } = await issue(ALL);
  assert.equal(await errorOf(await server.api(`/api/rooms/main/items/brb/hide?token=${token}`)), [405, 'get_not_allowed']);
  assert.equal(await errorOf(await server.api(`/api/rooms/main/presets/BRB/take?token=${token}`)), [405, 'get_not_allowed']);
  const mint = await server.api('/api/control-tokens', { method: 'POST', headers: bearer(token), json: { room: 'main', scopes: ALL, label: 'more' } });
  assert.is(mint.status, 401, 'a control token is not a streamer credential');
  const key = await server.api('/api/moderator-keys/generate', { method: 'POST', headers: bearer(token), json: { room: 'main' } });
  assert.is(key.status, 401);
  const list = await server.api(`/api/control-tokens?token=${token}`);
  assert.is(list.status, 401);
});

test('with CONTROL_ALLOW_GET=true a GET action works, with a control token only', async () => {
  const getServer = await startTestServer({ env: { CONTROL_ALLOW_GET: 'true' } });
  try {
    await getServer.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'logo', kind: 'text', name: 'Logo' }] } });
    const issued = (await (await getServer.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room: 'main', scopes: ['scene.edit'], label: 'get-only tool' } })).json()) as Json;
    const res = await getServer.api(`/api/rooms/main/items/by-name/Logo/hide?token=${issued.token}`);
    const body = (await res.json()) as Json;
    assert.equal([res.status, body.ok], [200, true], JSON.stringify(body));
    const scene = (await (await getServer.api('/api/rooms/main/scene', { streamer: true })).json()) as Json;
    assert.equal([scene.version, scene.items[0].visible], [body.version, false]);
    const streamerGet = await getServer.api('/api/rooms/main/items/logo/show', { streamer: true });
    assert.equal(await errorOf(streamerGet), [405, 'get_not_allowed'], 'other credentials still need POST');
  } finally {
    await getServer.stop();
  }
});

test('GET /state is compact; the state socket sends a patch for a change made elsewhere', async () => {
  const { token } = await issue(['control.read']);
  await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'brb', kind: 'text', text: 'Be right back' }] } });
  const state = (await (await server.api(`/api/rooms/main/state`, { headers: bearer(token) })).json()) as Json;
  assert.equal(state.items.brb, { id: 'brb', name: null, kind: 'text', visible: true, text: 'Be right back' });
  assert.equal([state.presets, state.live_preset, state.obs.in_obs], [['BRB'], 'BRB', false]);
  const feed: TestSocket<Json & { type: string }> = await openSocket(server.wsUrl(`/ws/control?room=main&token=${token}`));
  const full = await feed.next('state.full');
  assert.equal([full.state.version, full.state.live_preset], [state.version, 'BRB']);
  const changedAt = Date.now();
  const res = await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'patch', id: 'brb', changes: { visible: false, name: 'BRB card' } } });
  assert.is(res.status, 200);
  const patch = await feed.next('state.patch', (m) => m.version === state.version + 1);
  // How fast is measured in bench/, not asserted here; printed so a slow feed is visible.
  console.log(`  state.patch arrived ${Date.now() - changedAt} ms after the change`);
  assert.equal(patch.items.brb.visible, false);
  assert.equal([patch.by_name, patch.live_preset], [{ 'BRB card': 'brb' }, null], 'names and the live preset follow');
  feed.send({ type: 'add', item: { id: 'x', kind: 'text' } });
  assert.is((await feed.next('error')).code, 'bad_message', 'the feed is read-only');
  const after = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as Json;
  assert.equal(after.items.map((i: Json) => i.id), ['brb']);
  const revokedFeed = await issue(['control.read'], 'to revoke');
  const doomed: TestSocket<Json & { type: string }> = await openSocket(server.wsUrl(`/ws/control?room=main&token=${revokedFeed.token}`));
  await doomed.next('state.full');
  await server.api(`/api/control-tokens/${revokedFeed.id}`, { method: 'DELETE', streamer: true });
  assert.is((await doomed.closed).code, 4001, 'revoking closes the feed');
  const noScope = await issue(['scene.edit']);
  assert.equal(await errorOf(await server.api(`/api/rooms/main/state?token=${noScope.token}`)), [403, 'forbidden']);
  feed.close();
});

test.run();
