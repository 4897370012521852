/**
 * The FastAPI version's HTTP calls against the real server, as its panel and scripts make
 * them (form fields and JSON): the media library's fields and delete forms, media play/stop,
 * WebRTC room stats.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { pngBytes } from '../../testing/media-samples.ts';
import type { LegacyServerMessage } from './socket-messages.ts';
import type { Item } from '../protocol/scene.ts';

const test = suite<{ server: TestServer }>('legacy HTTP calls');

test.before(async (context) => {
  context.server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
});
test.after(({ server }) => server.stop());

let clients = 0;
const fromClient = () => ({ 'x-forwarded-for': `198.51.100.${++clients}` });
const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...fromClient() } });

async function upload(server: TestServer, bytes: Uint8Array, filename: string) {
  const body = new FormData();
  body.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), filename);
  const res = await server.api('/upload', { method: 'POST', streamer: true, body, headers: fromClient() });
  assert.is(res.status, 200);
  return (await res.json()) as { id: string; path: string };
}

type Listed = { id: string; name: string; rel: string; path: string; size: number; mime: string };
const listing = async (server: TestServer) => ((await (await server.api('/api/uploads', { streamer: true })).json()) as { files: Listed[] }).files;
const del = (server: TestServer, path: string) => server.api(path, { method: 'DELETE', streamer: true, headers: fromClient() });

test('GET /api/uploads lists name, rel, path, size, mime; /uploads/<rel> serves the file', async ({ server }) => {
  const png = pngBytes(2, 2, 7);
  const stored = await upload(server, png, 'logo.png');
  const file = (await listing(server)).find((f) => f.id === stored.id)!;
  assert.equal({ name: file.name, rel: file.rel, path: file.path, size: file.size, mime: file.mime }, { name: 'logo.png', rel: stored.id, path: `/uploads/${stored.id}`, size: png.length, mime: 'image/png' });
  const served = await server.api(`/uploads/${file.rel}`);
  assert.is(served.status, 200);
  assert.equal(new Uint8Array(await served.arrayBuffer()), png);
  assert.is((await del(server, `/api/uploads/${stored.id}`)).status, 200);
});

test('the legacy delete forms: DELETE /api/uploads/{name} and ?path=<rel> (also /uploads/<rel>)', async ({ server }) => {
  const byName = await upload(server, pngBytes(2, 2, 11), 'banner one.png');
  const res = await del(server, `/api/uploads/${encodeURIComponent('banner one.png')}`);
  assert.is(res.status, 200, await res.clone().text());
  assert.equal(await res.json(), { ok: true, id: byName.id });

  const byRel = await upload(server, pngBytes(2, 2, 12), 'a.png');
  assert.is((await del(server, `/api/uploads?path=${byRel.id}`)).status, 200);
  assert.not.ok((await listing(server)).some((f) => f.id === byRel.id));
  const byPath = await upload(server, pngBytes(2, 2, 13), 'b.png');
  assert.is((await del(server, `/api/uploads?path=${encodeURIComponent(`/uploads/${byPath.id}`)}`)).status, 200);

  assert.is((await del(server, '/api/uploads?path=nothing-here.png')).status, 404);
  assert.is((await del(server, `/api/uploads?path=${encodeURIComponent('../data/secrets.json')}`)).status, 400, 'a path is never followed');
  const none = await del(server, '/api/uploads');
  assert.is(none.status, 400);
  assert.is(((await none.json()) as { error: { code: string } }).error.code, 'bad_id');
});

test('a legacy delete still refuses a file a scene uses, and a name two uploads share', async ({ server }) => {
  const used = await upload(server, pngBytes(2, 2, 21), 'used.png');
  await server.api('/api/rooms/lib/ops', { method: 'POST', streamer: true, json: { type: 'add', item: { id: 'pic', kind: 'image', src: `/uploads/${used.id}` } } });
  assert.is((await del(server, `/api/uploads?path=${used.id}`)).status, 409);
  assert.is((await del(server, '/api/uploads/used.png')).status, 409);

  const one = await upload(server, pngBytes(2, 2, 22), 'twin.png');
  const two = await upload(server, pngBytes(2, 2, 23), 'twin.png');
  const ambiguous = await del(server, '/api/uploads/twin.png');
  assert.is(ambiguous.status, 409);
  const body = (await ambiguous.json()) as { error: { code: string; ids: string[] } };
  assert.is(body.error.code, 'ambiguous_name');
  assert.equal(body.error.ids.sort(), [one.id, two.id].sort());
  assert.ok((await listing(server)).some((f) => f.id === one.id), 'nothing was deleted');
});

type Legacy = TestSocket<LegacyServerMessage | { type: 'ack' | 'error' }>;

test('POST /api/media/play and /api/media/stop (form fields): legacy sockets get media.play/stop, ours the item change', async ({ server }) => {
  const token = await server.viewToken('media');
  const old = (await openSocket(server.wsUrl(`/ws/overlay?room=media&token=${token}`), {}, { legacy: true })) as Legacy;
  const ours = await openSocket(server.wsUrl(`/ws/overlay?room=media&token=${token}`));
  await old.next('scene.full');
  await ours.next('scene.full');

  const played = await server.api('/api/media/play', { method: 'POST', streamer: true, ...form({ id: 'jingle', url: '/uploads/jingle.mp4', loop: 'true', room: 'media' }) });
  assert.is(played.status, 200, await played.clone().text());
  const body = (await played.json()) as { ok: boolean; version: number; item: Item };
  assert.equal([body.item.kind, body.item.src, body.item.loop, body.item.visible, body.item.w], ['video', '/uploads/jingle.mp4', true, true, 1920]);
  // The item first, then the cue to play it.
  assert.is((await old.next('scene.add')).item.id, 'jingle');
  assert.equal(await old.next('media.play'), { type: 'media.play', id: 'jingle', url: '/uploads/jingle.mp4', loop: true });
  const upsert = (await ours.next('scene.patch', (m) => m.version === body.version)).ops[0] as { op: 'upsert'; item: Item };
  assert.equal([upsert.item.id, upsert.item.src, upsert.item.visible], ['jingle', '/uploads/jingle.mp4', true]);
  assert.not.ok(ours.messages.some((m) => (m.type as string).startsWith('media.')), 'our overlays see the item, not media.*');

  // Playing again with another source updates the same item; it keeps where a moderator put it.
  await server.api('/api/rooms/media/ops', { method: 'POST', streamer: true, json: { type: 'patch', id: 'jingle', changes: { x: 100, w: 640 } } });
  const again = await server.api('/api/media/play', { method: 'POST', streamer: true, ...form({ id: 'jingle', url: '/uploads/other.webm', room: 'media' }) });
  const item = ((await again.json()) as { item: Item }).item;
  assert.equal([item.src, item.loop, item.x, item.w], ['/uploads/other.webm', false, 100, 640]);

  const stopped = await server.api('/api/media/stop', { method: 'POST', streamer: true, ...form({ id: 'jingle', room: 'media' }) });
  assert.is(stopped.status, 200);
  const stopVersion = ((await stopped.json()) as { version: number }).version;
  assert.equal(await old.next('media.stop'), { type: 'media.stop', id: 'jingle' });
  const hidden = (await ours.next('scene.patch', (m) => m.version === stopVersion)).ops[0] as { item: Item };
  assert.is(hidden.item.visible, false);
  const audit = (await (await server.api('/api/rooms/media/audit', { streamer: true })).json()) as { entries: { action: string; id?: string }[] };
  assert.ok(audit.entries.filter((e) => e.id === 'jingle').length >= 3, 'each call is an audited op');

  // Issue 11, hole 8 on this route too: an outside url is refused, and no FastAPI-version overlay is told to fetch it.
  const outside = await server.api('/api/media/play', { method: 'POST', streamer: true, ...form({ id: 'jingle', url: 'https://evil.example/x.mp4', room: 'media' }) });
  assert.is(outside.status, 400);
  const refusal = ((await outside.json()) as { error: { code: string; message: string } }).error;
  assert.is(refusal.code, 'bad_message');
  assert.match(refusal.message, /evil\.example is not an allowed media origin/);
  await server.api('/api/media/play', { method: 'POST', streamer: true, ...form({ id: 'after', url: '/uploads/after.mp4', room: 'media' }) });
  assert.is((await old.next('media.play')).id, 'after');
  assert.not.ok(JSON.stringify(old.messages).includes('evil.example'), 'the refused url never reached a FastAPI-version overlay');
  old.close();
  ours.close();
});

test('media play/stop with JSON, the default room, kinds by file type, and what is refused', async ({ server }) => {
  const res = await server.api('/api/media/play', { method: 'POST', streamer: true, json: { id: 'sting', url: '/uploads/sting.mp3' } });
  assert.is(res.status, 200);
  assert.is(((await res.json()) as { item: Item }).item.kind, 'audio');
  const scene = (await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as { items: Item[] };
  assert.ok(scene.items.some((i) => i.id === 'sting'), 'room main by default');

  const status = async (path: string, init: Parameters<TestServer['api']>[1]) => {
    const r = await server.api(path, { method: 'POST', ...init });
    return [r.status, ((await r.json()) as { error?: { code: string } }).error?.code];
  };
  assert.equal(await status('/api/media/play', { streamer: true, json: { id: 'x', url: 'javascript:alert(1)' } }), [400, 'bad_request']);
  assert.equal(await status('/api/media/play', { streamer: true, json: { id: 'bad id!', url: '/uploads/a.mp4' } }), [400, 'bad_request']);
  assert.equal(await status('/api/media/play', { streamer: true, json: { id: 'x', url: '/uploads/a.mp4', loop: 'maybe' } }), [400, 'bad_request']);
  assert.equal(await status('/api/media/stop', { streamer: true, json: { id: 'never-played' } }), [404, 'not_found']);
  await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'add', item: { id: 'caption', kind: 'text', text: 'hi' } } });
  assert.equal(await status('/api/media/play', { streamer: true, json: { id: 'caption', url: '/uploads/a.mp4' } }), [409, 'wrong_kind']);

  // Who may: the streamer or a moderator of the room, as for every write route.
  const { session } = await server.moderatorSession('media');
  const bearer = { authorization: `Bearer ${session}` };
  assert.equal((await status('/api/media/play', { headers: bearer, json: { id: 'm1', url: '/uploads/a.mp4', room: 'media' } }))[0], 200);
  assert.equal(await status('/api/media/stop', { headers: bearer, json: { id: 'sting' } }), [403, 'wrong_room']);
  assert.equal(await status('/api/media/play', { json: { id: 'x', url: '/uploads/a.mp4' } }), [401, 'unauthenticated']);
  const view = await server.viewToken('main');
  assert.equal((await status(`/api/media/play?token=${view}`, { json: { id: 'x', url: '/uploads/a.mp4' } }))[0], 401, 'a view token is read-only');
});

test('media play/stop are playback cues from the server clock, one version per call (form fields and JSON)', async ({ server }) => {
  const call = async (path: string, init: Parameters<TestServer['api']>[1]) => {
    const before = Date.now();
    const res = await server.api(path, { method: 'POST', streamer: true, ...init });
    assert.is(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { version: number; item: Item };
    const stored = ((await (await server.api('/api/rooms/cues/scene', { streamer: true })).json()) as { items: Item[] }).items.find((i) => i.id === body.item.id)!;
    assert.equal(stored, body.item, 'the answer is the stored item');
    return { ...body, before, after: Date.now() };
  };
  const played = await call('/api/media/play', form({ id: 'alert', url: '/uploads/alert.webm', room: 'cues' }));
  const playing = played.item.playback!;
  assert.is(playing.state, 'playing');
  assert.is(playing.offset, 0);
  assert.ok(playing.at >= played.before && playing.at <= played.after, `at ${playing.at} is the server's time of the call`);

  const stopped = await call('/api/media/stop', { json: { id: 'alert', room: 'cues' } });
  assert.is(stopped.version, played.version + 1, 'cue and hide are one version');
  assert.equal([stopped.item.visible, stopped.item.playback!.state, stopped.item.playback!.offset], [false, 'stopped', 0]);
  assert.ok(stopped.item.playback!.at >= stopped.before && stopped.item.playback!.at <= stopped.after);

  const replayed = await call('/api/media/play', { json: { id: 'alert', url: '/uploads/alert.webm', room: 'cues' } });
  assert.is(replayed.version, stopped.version + 1);
  assert.equal([replayed.item.visible, replayed.item.playback!.state, replayed.item.playback!.offset], [true, 'playing', 0]);
  assert.ok(replayed.item.playback!.at >= replayed.before, 'a stopped clip plays again from the start, now');

  await server.api('/api/rooms/cues/ops', { method: 'POST', streamer: true, json: { type: 'cue', id: 'alert', action: 'pause' } });
  const paused = (await call('/api/media/stop', form({ id: 'alert', room: 'cues' }))).item;
  assert.is(paused.playback!.state, 'stopped');
  const sound = await call('/api/media/play', { json: { id: 'ding', url: '/uploads/ding.ogg', room: 'cues' } });
  assert.equal([sound.item.kind, sound.item.playback!.state], ['audio', 'playing']);
  const still = await call('/api/media/play', { json: { id: 'ding', url: '/uploads/ding.ogg', room: 'cues' } });
  assert.equal(still.item.playback, sound.item.playback, 'playing the same source again does not jump back to 0');

  const picture = await call('/api/media/play', form({ id: 'logo', url: '/uploads/logo.png', room: 'cues' }));
  assert.equal([picture.item.kind, picture.item.visible, picture.item.playback], ['image', true, undefined], 'an image has no playback');
  const hidden = await call('/api/media/stop', form({ id: 'logo', room: 'cues' }));
  assert.equal([hidden.item.visible, hidden.item.playback], [false, undefined]);
});

type Sig = TestSocket<{ type: string; viewer_id?: string }>;

test('GET /api/webrtc/rooms/{room}/stats answers ok, room, publisher_online, viewers (a number), publisher_metrics; ours as publisher, viewer_list', async ({ server }) => {
  const empty = (await (await server.api('/api/webrtc/rooms/cam/stats', { streamer: true })).json()) as Record<string, unknown>;
  assert.equal([empty.ok, empty.room, empty.publisher_online, empty.viewers, empty.publisher_metrics, empty.viewer_list], [true, 'cam', false, 0, null, []]);

  const tokenFor = async (role: string) =>
    ((await (await server.api('/api/webrtc/token', { method: 'POST', streamer: true, json: { room: 'cam', role }, headers: fromClient() })).json()) as { token: string }).token;
  const publisher = (await openSocket(server.wsUrl(`/ws/webrtc/cam/publisher?token=${await tokenFor('publisher')}`))) as unknown as Sig;
  const viewer = (await openSocket(server.wsUrl(`/ws/webrtc/cam/viewer?token=${await tokenFor('viewer')}`))) as unknown as Sig;
  const viewerId = (await viewer.next('room.state')).viewer_id!;
  await publisher.next('viewer.joined');
  publisher.send({ type: 'publisher.metrics', viewers: [{ viewer_id: viewerId, state: 'connected', bitrate_kbps: 2500, fps: 30 }] });
  await viewer.next('publisher.metrics');

  const stats = (await (await server.api('/api/webrtc/rooms/cam/stats', { streamer: true })).json()) as {
    publisher_online: boolean;
    viewers: number;
    publisher_metrics: { at: number; viewers: { viewer_id: string; bitrate_kbps: number }[] };
    publisher: { online: boolean };
    viewer_list: { viewer_id: string }[];
  };
  assert.is(stats.publisher_online, true);
  assert.is(stats.viewers, 1);
  assert.equal(stats.publisher_metrics.viewers.map((v) => [v.viewer_id, v.bitrate_kbps]), [[viewerId, 2500]]);
  assert.ok(stats.publisher_metrics.at > 0);
  assert.is(stats.publisher.online, true);
  assert.equal(stats.viewer_list.map((v) => v.viewer_id), [viewerId]);

  const { session } = await server.moderatorSession('elsewhere');
  const refused = await server.api('/api/webrtc/rooms/cam/stats', { headers: { authorization: `Bearer ${session}` } });
  assert.is(refused.status, 403);
  assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'wrong_room');
  publisher.close();
  viewer.close();
});

test.run();
