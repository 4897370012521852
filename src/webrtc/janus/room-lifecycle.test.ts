/**
 * The server's side of Janus rooms, against the real server with JANUS_URL and Debian's real
 * janus (no browser: the room is made with the server's own JanusRooms, as a first offer would):
 * rotating the room's tokens and the signaling room being dropped when idle end the Janus room;
 * ending a moderator session and the viewer limits work as they do peer to peer.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../../testing/test-server.ts';
import { startJanus, type Janus } from '../../../testing/janus.ts';
import { openSocket } from '../../../testing/ws-client.ts';
import { waitFor } from '../../../testing/browser.ts';
import { ROOM_IDLE_MS } from '../../../rooms/registry.ts';
import { CloseCode } from '../../protocol/messages.ts';
import { MAX_VIEWERS_PER_TOKEN, type WebrtcTokenResponse } from '../../protocol/signaling.ts';
import { JanusError } from './janus-client.ts';

const test = suite('Janus rooms: who ends them; session and viewer rules with the SFU');
let server: TestServer;
let janus: Janus;
type Any = never;

const sfu = () => server.services.sfu!;
/** Janus's code for a room it does not know. */
const NO_SUCH_ROOM = 426;
async function janusRoomExists(room: string): Promise<boolean> {
  try {
    await sfu().rooms.participants(room);
    return true;
  } catch (error) {
    if (error instanceof JanusError && error.code === NO_SUCH_ROOM) return false;
    throw error;
  }
}
async function mint(room: string, role: 'publisher' | 'viewer', session?: string): Promise<string> {
  const res = await server.api('/api/webrtc/token', { method: 'POST', json: { room, role }, streamer: !session, headers: session ? { authorization: `Bearer ${session}` } : {} });
  assert.is(res.status, 200, await res.clone().text());
  return ((await res.json()) as WebrtcTokenResponse).token;
}
const socket = async (room: string, role: 'publisher' | 'viewer', session?: string) => openSocket(server.wsUrl(`/ws/webrtc/${room}/${role}?token=${await mint(room, role, session)}`));

test.before(async () => {
  janus = await startJanus();
  server = await startTestServer({ env: { JANUS_URL: janus.url, JANUS_TOKEN_SECRET: janus.tokenSecret, JANUS_ADMIN_KEY: janus.adminKey, TRUSTED_PROXIES: '127.0.0.1', LOG_LEVEL: 'silent' } });
  await waitFor('the server’s Janus session', () => server.services.sfu?.client.ready, 10_000, 100);
});

test.after(async () => {
  await server?.stop();
  await janus?.stop();
});

test('rotate-tokens destroys the Janus room; the publisher is asked for a fresh connection, not told Janus is down', async () => {
  const publisher = await socket('rot', 'publisher');
  await publisher.next('room.state' as Any);
  await sfu().rooms.ensure('rot');
  assert.ok(await janusRoomExists('rot'));

  assert.is((await server.api('/api/rooms/rot/rotate-tokens', { method: 'POST', streamer: true })).status, 200);
  assert.is(await janusRoomExists('rot'), false, 'the old room (joinable with the old derived credentials) is gone');
  await publisher.next('viewer.request-restart' as Any, (m) => (m as { from: string; fresh?: boolean }).from === 'sfu' && (m as { fresh?: boolean }).fresh === true);
  const errors = publisher.messages.filter((m) => m.type === 'error') as unknown as { code: string }[];
  assert.equal(errors.map((e) => e.code), [], 'Janus is up: no sfu_unavailable on rotation');

  // Without a signaling room here the Janus room goes all the same.
  await sfu().rooms.ensure('rot-idle');
  assert.is(server.services.signaling.peek('rot-idle'), undefined);
  assert.is((await server.api('/api/rooms/rot-idle/rotate-tokens', { method: 'POST', streamer: true })).status, 200);
  assert.is(await janusRoomExists('rot-idle'), false);
  publisher.close();
});

test('a signaling room dropped when idle takes its Janus room with it', async () => {
  const viewer = await socket('idle', 'viewer');
  await viewer.next('room.state' as Any);
  await sfu().rooms.ensure('idle');
  viewer.close();
  await viewer.closed;
  await waitFor('the viewer to leave the room', () => server.services.signaling.peek('idle')?.snapshot().viewers.length === 0, 5000, 20);
  // The registry sweeps on a timer; sweep as if the idle time had passed.
  server.services.signaling.sweep(Date.now() + ROOM_IDLE_MS + 1);
  assert.is(server.services.signaling.peek('idle'), undefined, 'the signaling room is gone');
  await sfu().rooms.settled();
  assert.is(await janusRoomExists('idle'), false);
});

test('with JANUS_URL, ending the moderator session closes the publisher socket it opened (4001)', async () => {
  const { session, session_id } = await server.moderatorSession('ended', 'camera');
  const publisher = await socket('ended', 'publisher', session);
  const state = await publisher.next('room.state' as Any);
  assert.is((state as { media?: string }).media, 'sfu');
  assert.is((await server.api(`/api/moderator-sessions/${session_id}`, { method: 'DELETE', streamer: true })).status, 200);
  assert.is((await publisher.closed).code, CloseCode.sessionRevoked);
  await waitFor('the room to forget its publisher', () => server.services.signaling.peek('ended')?.snapshot().publisher.online === false, 5000, 20);
});

test(`with JANUS_URL one viewer token still holds at most ${MAX_VIEWERS_PER_TOKEN} sockets; each viewer has its SFU leg in the stats`, async () => {
  const token = await mint('limited', 'viewer');
  // Each socket from its own address, so only the per-token limit can stop them.
  const sockets = await Promise.all(
    Array.from({ length: MAX_VIEWERS_PER_TOKEN + 1 }, (_, i) => openSocket(server.wsUrl(`/ws/webrtc/limited/viewer?token=${token}`), { 'x-forwarded-for': `10.8.0.${i + 1}` })),
  );
  const outcomes = await Promise.all(sockets.map((s) => Promise.race([s.next('room.state' as Any, undefined, 5000).then(() => 'joined' as const), s.closed.then((c) => c.code)])));
  assert.equal(outcomes.filter((o) => o === 'joined').length, MAX_VIEWERS_PER_TOKEN);
  assert.equal(outcomes.filter((o) => o !== 'joined'), [CloseCode.tryAgainLater]);
  const stats = (await (await server.api('/api/webrtc/rooms/limited/stats', { streamer: true })).json()) as { viewer_list: { sfu: { subscribed: boolean } | null }[]; media: { kind: string } };
  assert.is(stats.media.kind, 'sfu');
  assert.equal(stats.viewer_list.map((v) => v.sfu?.subscribed), Array(MAX_VIEWERS_PER_TOKEN).fill(false), 'no publisher yet: nothing subscribed');
  for (const s of sockets) s.close();
});

test.run();
