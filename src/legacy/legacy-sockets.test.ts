/**
 * The FastAPI version's clients against the real server: sockets that do not announce `v=2`
 * get its broadcast names, its panel reads and writes items by its field names.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus, type TestSocket } from '../../testing/ws-client.ts';
import type { LegacyServerMessage } from './socket-messages.ts';
import type { Item } from '../protocol/scene.ts';

type Legacy = TestSocket<LegacyServerMessage | { type: 'ack' | 'error' | 'tts.speak'; version?: number; code?: string; text?: string }>;

const test = suite<{ server: TestServer }>('legacy sockets and item names');
const streamer = { 'x-streamer-token': STREAMER_TOKEN };

test.before(async (context) => {
  context.server = await startTestServer();
});
test.after(({ server }) => server.stop());

const legacySocket = (server: TestServer, path: string, headers: Record<string, string> = {}) => openSocket(server.wsUrl(path), headers, { legacy: true }) as Promise<Legacy>;

test('a socket without v=2 gets scene.full {scene._version}, then scene.add/update/remove/clear; v=2 gets scene.patch', async ({ server }) => {
  const token = await server.viewToken('sock');
  const oldOverlay = await legacySocket(server, `/ws/overlay?room=sock&token=${token}`);
  const oldPanel = await legacySocket(server, '/ws/moderator?room=sock', streamer);
  const ours = await openSocket(server.wsUrl(`/ws/overlay?room=sock&token=${token}`));
  const full = await oldOverlay.next('scene.full');
  assert.equal(full.scene, { items: [], _version: 0 });
  await oldPanel.next('scene.full');
  await ours.next('scene.full');

  oldPanel.send({ type: 'add', item: { id: 'hello', kind: 'text', content: 'Hi', font: '40px' } });
  const added = await oldOverlay.next('scene.add');
  assert.is(added.item.id, 'hello');
  assert.equal([added.item.content, added.item.font, added.item.text, added.item.fontSize], ['Hi', '40px', 'Hi', 40]);
  assert.is(added.version, 1);
  assert.is((await oldPanel.next('scene.add')).version, 1, 'the legacy panel gets the same names');
  const patch = await ours.next('scene.patch');
  assert.equal(patch.ops.map((op) => op.op), ['upsert']);
  assert.not.ok('content' in (patch.ops[0] as { item: Item }).item, 'our overlays get our names only');

  oldPanel.send({ type: 'update', item: { id: 'hello', kind: 'text', content: 'Hi again', x: 10 } });
  const updated = await oldOverlay.next('scene.update');
  assert.equal([updated.item.content, updated.item.x, updated.version], ['Hi again', 10, 2]);
  oldPanel.send({ type: 'remove', id: 'hello' });
  assert.equal(await oldOverlay.next('scene.remove'), { type: 'scene.remove', id: 'hello', version: 3, server_ts: (oldOverlay.messages.at(-1) as { server_ts: number }).server_ts });
  oldPanel.send({ type: 'add', item: { id: 'pic', kind: 'image', content: '/uploads/a.png' } });
  assert.is((await oldOverlay.next('scene.add')).item.content, '/uploads/a.png', 'content is a media item\'s src');
  oldPanel.send({ type: 'clear' });
  assert.is((await oldOverlay.next('scene.clear')).version, 5);
  await ours.next('scene.patch', (m) => m.version === 5 && m.ops[0]?.op === 'clear');
  assert.not.ok(oldOverlay.messages.some((m) => (m.type as string) === 'scene.patch'), 'no scene.patch on a legacy socket');
  assert.not.ok(ours.messages.some((m) => (m.type as string).startsWith('scene.') && !['scene.full', 'scene.patch'].includes(m.type)), 'no legacy names on ours');

  // A whole-scene PUT is a scene.full, with _version, for the legacy sockets.
  const put = await server.api('/api/rooms/sock/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'a', kind: 'text', text: 'A', fontSize: 30 }] } });
  assert.is(put.status, 200);
  const replaced = await oldOverlay.next('scene.full', (m) => m.version === 6);
  assert.is(replaced.scene._version, 6);
  assert.equal([replaced.scene.items[0]!.content, replaced.scene.items[0]!.font], ['A', '30px']);
  await ours.next('scene.full', (m) => m.version === 6);

  // tts.speak is the same in both protocols.
  await server.api('/api/tts/speak', { method: 'POST', streamer: true, json: { text: 'привет', room: 'sock' } });
  assert.is((await oldOverlay.next('tts.speak')).text, 'привет');
  for (const s of [oldOverlay, oldPanel, ours]) s.close();
});

test('a batch becomes one legacy message per op, each with the batch\'s version, in order', async ({ server }) => {
  const token = await server.viewToken('batch');
  const old = await legacySocket(server, `/ws/overlay?room=batch&token=${token}`);
  const ours = await openSocket(server.wsUrl(`/ws/overlay?room=batch&token=${token}`));
  await old.next('scene.full');
  await ours.next('scene.full');
  const res = await server.api('/api/rooms/batch/ops', {
    method: 'POST',
    streamer: true,
    json: { ops: [{ type: 'add', item: { id: 'x', kind: 'text', text: '1' } }, { type: 'patch', id: 'x', changes: { text: '2' } }, { type: 'remove', id: 'x' }] },
  });
  assert.is(res.status, 200);
  const { version } = (await res.json()) as { version: number };
  await ours.next('scene.patch', (m) => m.version === version);
  await old.next('scene.remove');
  const legacy = old.messages.filter((m) => m.type.startsWith('scene.') && m.type !== 'scene.full') as { type: string; version: number }[];
  const patches = ours.messages.filter((m) => m.type === 'scene.patch');
  assert.equal(legacy.map((m) => m.type), ['scene.add', 'scene.update', 'scene.remove']);
  // However the room grouped the ops into versions, each legacy message carries its op's.
  assert.equal(legacy.map((m) => m.version), patches.flatMap((p) => p.ops.map(() => p.version)));
  old.close();
  ours.close();
});

test('v must be 1 or 2; v=1 is the legacy protocol', async ({ server }) => {
  const token = await server.viewToken('main');
  assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=main&v=3&token=${token}`)), 400);
  const v1 = await legacySocket(server, `/ws/overlay?room=main&v=1&token=${token}`);
  assert.is((await v1.next('scene.full')).scene._version, 0);
  v1.close();
});

test('GET /api/scene answers items with the legacy names too; the room route keeps ours', async ({ server }) => {
  await server.api('/api/rooms/main/scene', {
    method: 'PUT',
    streamer: true,
    json: { items: [{ id: 't', kind: 'text', text: 'Hello', fontSize: 48 }, { id: 'v', kind: 'video', src: '/uploads/clip.mp4' }] },
  });
  const legacy = (await (await server.api('/api/scene', { streamer: true })).json()) as { _version: number; items: (Item & { content?: string; font?: string })[] };
  assert.equal(legacy.items.map((i) => [i.id, i.content, i.font]), [['t', 'Hello', '48px'], ['v', '/uploads/clip.mp4', undefined]]);
  assert.is(legacy.items[0]!.text, 'Hello', 'and our names');
  assert.ok(legacy._version > 0);
  const ours = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as { items: Record<string, unknown>[] };
  assert.not.ok(ours.items.some((i) => 'content' in i || 'font' in i));
});

test('the legacy panel\'s edit round trip: content and font it changed win over the stale text and fontSize', async ({ server }) => {
  await server.api('/api/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'e', kind: 'text', text: 'old', fontSize: 40 }, { id: 'm', kind: 'image', src: '/uploads/a.png' }] } });
  const loaded = (await (await server.api('/api/scene', { streamer: true })).json()) as { _version: number; items: Record<string, unknown>[] };
  // What the FastAPI version's panel does: edit the legacy fields, send the whole item back.
  loaded.items[0]!.content = 'new';
  loaded.items[0]!.font = '64px';
  loaded.items[1]!.content = '/uploads/b.png';
  const put = await server.api('/api/scene', { method: 'PUT', streamer: true, json: { items: loaded.items, _meta: { known_version: loaded._version } } });
  assert.is(put.status, 200, await put.clone().text());
  const after = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as { items: Item[] };
  assert.equal([after.items[0]!.text, after.items[0]!.fontSize, after.items[1]!.src], ['new', 64, '/uploads/b.png']);

  // The same over the socket: update with both names, and a patch with both.
  const panel = await legacySocket(server, '/ws/moderator?room=main', streamer);
  await panel.next('scene.full');
  panel.send({ type: 'update', item: { ...after.items[0], content: 'via socket', text: 'new' }, req_id: 1 });
  assert.is((await panel.next('scene.update')).item.text, 'via socket');
  panel.send({ type: 'patch', id: 'e', changes: { content: 'patched', text: 'via socket' }, req_id: 2 });
  assert.is((await panel.next('scene.update', (m) => m.item.content === 'patched')).item.text, 'patched');
  panel.close();
});

test.run();
