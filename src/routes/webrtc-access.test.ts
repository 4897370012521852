/**
 * Attacks on WebRTC access against the real server and real sockets: a revoked moderator
 * keeping the live camera, and one OBS URL (view token) taking every viewer slot.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus, type TestSocket } from '../../testing/ws-client.ts';
import { CloseCode } from '../protocol/messages.ts';
import { DEFAULT_MAX_VIEWERS_PER_ADDRESS, MAX_VIEWERS_PER_ROOM, MAX_VIEWERS_PER_TOKEN, type WebrtcTokenResponse } from '../protocol/signaling.ts';

const redisEnv = async () => ({ REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` });
/** The client stands behind a trusted "proxy": each call may claim its own address. */
let nextIp = 1;
const freshIp = () => `10.7.${nextIp >> 8}.${nextIp++ & 255}`;

let server: TestServer;

async function mint(room: string, role: 'publisher' | 'viewer', auth: { session?: string } = {}): Promise<WebrtcTokenResponse> {
  const headers = { 'x-forwarded-for': freshIp(), ...(auth.session ? { authorization: `Bearer ${auth.session}` } : {}) };
  const res = await server.api('/api/webrtc/token', { method: 'POST', json: { room, role }, streamer: !auth.session, headers });
  assert.is(res.status, 200, await res.clone().text());
  return (await res.json()) as WebrtcTokenResponse;
}
const refresh = (token: string, room?: string) =>
  server.api('/api/webrtc/token/refresh', { method: 'POST', json: room ? { token, room } : { token }, headers: { 'x-forwarded-for': freshIp() } });
async function exchangeViewToken(view: string, room: string): Promise<string> {
  const res = await refresh(view, room);
  assert.is(res.status, 200);
  return ((await res.json()) as WebrtcTokenResponse).token;
}
const socketUrl = (room: string, role: string, token: string) => server.wsUrl(`/ws/webrtc/${room}/${role}?token=${encodeURIComponent(token)}`);
const open = (room: string, role: string, token: string, ip = freshIp()) => openSocket(socketUrl(room, role, token), { 'x-forwarded-for': ip });
/** A viewer socket either joins (room.state) or is closed before it does. */
const outcome = (socket: TestSocket): Promise<'joined' | number> =>
  Promise.race([socket.next('room.state' as never, undefined, 5000).then(() => 'joined' as const), socket.closed.then((c) => c.code)]);
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

// ---------------------------------------------------------------------------------------
for (const storeKind of ['redis', 'embedded'] as const) {
  const revoked = suite(`webrtc – ending a moderator session ends its WebRTC access (${storeKind})`);
  revoked.before(async () => {
    server = await startTestServer({ env: { ...(storeKind === 'redis' ? await redisEnv() : {}), TRUSTED_PROXIES: '127.0.0.1' } });
  });
  revoked.after(() => server?.stop());

  revoked('DELETE /api/moderator-sessions/:id closes its publisher and viewer sockets with 4001; refresh and upgrade answer 401', async () => {
    const { session, session_id } = await server.moderatorSession('cam', 'camera-mod');
    const publisherToken = (await mint('cam', 'publisher', { session })).token;
    const modViewerToken = (await mint('cam', 'viewer', { session })).token;
    const streamerViewerToken = (await mint('cam', 'viewer')).token;
    const obsViewerToken = await exchangeViewToken(await server.viewToken('cam'), 'cam');

    const publisher = await open('cam', 'publisher', publisherToken);
    await publisher.next('room.state' as never);
    const modViewer = await open('cam', 'viewer', modViewerToken);
    const streamerViewer = await open('cam', 'viewer', streamerViewerToken);
    const obsViewer = await open('cam', 'viewer', obsViewerToken);
    for (const s of [modViewer, streamerViewer, obsViewer]) assert.is(await outcome(s), 'joined');
    const listed = (await (await server.api('/api/moderator-sessions', { streamer: true })).json()) as { sessions: { id: string; sockets: number }[] };
    assert.is(listed.sessions.find((s) => s.id === session_id)?.sockets, 2, 'the listing counts signaling sockets too');

    const res = await server.api(`/api/moderator-sessions/${session_id}`, { method: 'DELETE', streamer: true });
    assert.is(res.status, 200);
    assert.is((await publisher.closed).code, CloseCode.sessionRevoked);
    assert.is((await modViewer.closed).code, CloseCode.sessionRevoked);
    // The viewers that do not depend on the session see the camera go and stay connected.
    for (const viewer of [streamerViewer, obsViewer]) {
      await viewer.next('room.state' as never, (m) => (m as unknown as { publisher: boolean }).publisher === false);
      assert.is(viewer.ws.readyState, 1);
    }

    const again = await refresh(publisherToken);
    assert.is(again.status, 401);
    assert.is(await errorCode(again), 'invalid_token');
    assert.is((await refresh(modViewerToken)).status, 401);
    assert.is(await refusedStatus(socketUrl('cam', 'publisher', publisherToken), { 'x-forwarded-for': freshIp() }), 401);
    const plain = await server.api(`/ws/webrtc/cam/publisher?token=${encodeURIComponent(publisherToken)}`);
    assert.is(plain.status, 401);
    assert.is(await errorCode(plain), 'invalid_webrtc_token');

    // Tokens from the streamer and from a view token keep working as before.
    assert.is((await refresh(streamerViewerToken)).status, 200);
    assert.is((await refresh(obsViewerToken)).status, 200);
    for (const s of [streamerViewer, obsViewer]) s.close();
  });

  revoked('logout and the panic button end WebRTC access the same way', async () => {
    const self = await server.moderatorSession('cam2', 'leaving');
    const selfToken = (await mint('cam2', 'publisher', { session: self.session })).token;
    const selfPublisher = await open('cam2', 'publisher', selfToken);
    await selfPublisher.next('room.state' as never);
    const logout = await server.api('/api/moderator-session/logout', { method: 'POST', headers: { authorization: `Bearer ${self.session}` } });
    assert.is(logout.status, 200);
    assert.is((await selfPublisher.closed).code, CloseCode.sessionRevoked);
    assert.is((await refresh(selfToken)).status, 401);

    const panicked = await server.moderatorSession('cam3', 'panicked');
    const panicToken = (await mint('cam3', 'publisher', { session: panicked.session })).token;
    const panicPublisher = await open('cam3', 'publisher', panicToken);
    await panicPublisher.next('room.state' as never);
    const all = await server.api('/api/moderator-sessions', { method: 'DELETE', streamer: true });
    assert.is(all.status, 200);
    assert.is((await panicPublisher.closed).code, CloseCode.sessionRevoked);
    assert.is((await refresh(panicToken)).status, 401);
    assert.is(await refusedStatus(socketUrl('cam3', 'publisher', panicToken), { 'x-forwarded-for': freshIp() }), 401);
  });

  revoked.run();
}

// ---------------------------------------------------------------------------------------
const slots = suite('webrtc – one credential cannot take every viewer slot');
slots.before(async () => {
  server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
});
slots.after(() => server?.stop());

slots(`one view token traded for ${MAX_VIEWERS_PER_ROOM} viewer tokens holds at most ${MAX_VIEWERS_PER_TOKEN} sockets; a real viewer still gets in`, async () => {
  const view = await server.viewToken('obs');
  const tokens = await Promise.all(Array.from({ length: MAX_VIEWERS_PER_ROOM }, () => exchangeViewToken(view, 'obs')));
  // Every socket from its own address, so only the per-token limit can stop them.
  const attack = await Promise.all(tokens.map((t) => open('obs', 'viewer', t)));
  const results = await Promise.all(attack.map(outcome));
  assert.is(results.filter((r) => r === 'joined').length, MAX_VIEWERS_PER_TOKEN);
  assert.ok(results.every((r) => r === 'joined' || r === CloseCode.tryAgainLater), JSON.stringify(results));

  const real = await open('obs', 'viewer', (await mint('obs', 'viewer')).token);
  assert.is(await outcome(real), 'joined');
  for (const s of [...attack, real]) s.close();
});

slots(`one address holds at most ${DEFAULT_MAX_VIEWERS_PER_ADDRESS} viewer sockets, whatever tokens it brings`, async () => {
  const attacker = freshIp();
  const views = await Promise.all(Array.from({ length: DEFAULT_MAX_VIEWERS_PER_ADDRESS + 4 }, () => server.viewToken('nat')));
  const tokens = await Promise.all(views.map((v) => exchangeViewToken(v, 'nat')));
  const attack = await Promise.all(tokens.map((t) => open('nat', 'viewer', t, attacker)));
  const results = await Promise.all(attack.map(outcome));
  assert.is(results.filter((r) => r === 'joined').length, DEFAULT_MAX_VIEWERS_PER_ADDRESS);

  const real = await open('nat', 'viewer', (await mint('nat', 'viewer')).token);
  assert.is(await outcome(real), 'joined');
  for (const s of [...attack, real]) s.close();
});

slots.run();
