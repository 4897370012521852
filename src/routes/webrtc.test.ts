/**
 * The WebRTC HTTP API and signaling sockets against the real server and real sockets (no
 * browser): who gets tokens, what the ICE config hands out, and how bad tokens and bad
 * messages are refused without hurting the room.
 */
import { createHmac } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignJWT } from 'jose';
import { startTestServer, TOKEN_SECRET, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus, type TestSocket } from '../../testing/ws-client.ts';
import { CloseCode } from '../protocol/messages.ts';
import { MAX_SDP_CHARS, type SignalingServerMessage, type WebrtcConfigResponse, type WebrtcTokenResponse } from '../protocol/signaling.ts';

const TURN_SECRET = 'turn-secret-for-tests-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';
/** The test client stands behind a trusted "proxy", so each call can have its own address and rate limits stay out of the way. */
let nextIp = 1;
const fromIp = () => ({ 'x-forwarded-for': `10.9.${nextIp >> 8}.${nextIp++ & 255}` });

let server: TestServer;

async function token(body: Record<string, unknown>, init: { streamer?: boolean; headers?: Record<string, string> } = { streamer: true }) {
  return server.api('/api/webrtc/token', { method: 'POST', json: body, ...init, headers: { ...fromIp(), ...init.headers } });
}
async function tokenFor(room: string, role: 'publisher' | 'viewer', ttl?: number) {
  const res = await token({ room, role, ttl });
  assert.is(res.status, 200);
  return (await res.json()) as WebrtcTokenResponse;
}
type Sig = TestSocket & { sig<T extends SignalingServerMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<SignalingServerMessage, { type: T }>> };
async function join(room: string, role: 'publisher' | 'viewer', tok?: string): Promise<Sig> {
  const t = tok ?? (await tokenFor(room, role)).token;
  const socket = await openSocket(server.wsUrl(`/ws/webrtc/${room}/${role}?token=${encodeURIComponent(t)}`));
  return Object.assign(socket, { sig: (type: string, timeoutMs?: number) => socket.next(type as never, undefined, timeoutMs) as never });
}

const api = suite('webrtc – tokens and ICE config');
api.before(async () => {
  server = await startTestServer({
    env: {
      TRUSTED_PROXIES: '127.0.0.1',
      WEBRTC_STUN_URL: 'stun:stun.example.test:3478',
      WEBRTC_TURN_URL: 'turn:turn.example.test:3478?transport=udp,turn:turn.example.test:3478?transport=tcp',
      WEBRTC_TURN_SECRET: TURN_SECRET,
      WEBRTC_TURN_TTL_SECONDS: '7200',
    },
  });
});
api.after(() => server.stop());

api('the streamer gets a token with claims, a capped ttl and ws/page URLs', async () => {
  const body = await tokenFor('cam1', 'publisher', 999_999);
  assert.is(body.ok, true);
  assert.equal([body.room, body.role, body.ttl], ['cam1', 'publisher', 24 * 3600]);
  assert.match(body.ws_url, new RegExp(`^ws://127\\.0\\.0\\.1:${server.port}/ws/webrtc/cam1/publisher\\?token=`));
  assert.match(body.page_url, /\/publish\?room=cam1&token=/);
  const claims = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString());
  assert.equal([claims.room, claims.role, typeof claims.exp, typeof claims.jti], ['cam1', 'publisher', 'number', 'string']);
  const viewer = await tokenFor('cam1', 'viewer');
  assert.is(viewer.ttl, 300, 'default ttl as in the FastAPI version');
  assert.match(viewer.page_url, /\/preview\?webrtc_room=cam1&webrtc_token=/);
  // Behind a TLS proxy the socket URL is wss.
  const proxied = await token({ room: 'cam1' }, { streamer: true, headers: { 'x-forwarded-proto': 'https' } });
  assert.match(((await proxied.json()) as WebrtcTokenResponse).ws_url, /^wss:\/\//);
  // Forms work too (the FastAPI version posted forms).
  const form = await server.api('/api/webrtc/token', { method: 'POST', streamer: true, headers: fromIp(), body: new URLSearchParams({ room: 'cam1', role: 'viewer', ttl: '60' }) });
  assert.is(((await form.json()) as WebrtcTokenResponse).ttl, 60);
});

api('a moderator gets tokens for its own room only; nobody else gets any', async () => {
  const { session } = await server.moderatorSession('stage');
  const own = await token({ room: 'stage', role: 'publisher' }, { headers: { authorization: `Bearer ${session}` } });
  assert.is(own.status, 200);
  const other = await token({ room: 'main', role: 'viewer' }, { headers: { authorization: `Bearer ${session}` } });
  assert.is(other.status, 403);
  assert.is(((await other.json()) as { error: { code: string } }).error.code, 'wrong_room');
  const none = await token({ room: 'stage' }, {});
  assert.is(none.status, 401);
  const view = await server.viewToken('stage');
  const overlay = await server.api(`/api/webrtc/token?token=${view}`, { method: 'POST', json: { room: 'stage' }, headers: fromIp() });
  assert.is(overlay.status, 401, 'a view token cannot mint tokens');
  const badTtl = await token({ room: 'stage', ttl: 'soon' });
  assert.is(badTtl.status, 400);
});

api('ICE config: STUN only without a token; TURN REST credentials with one; 401 for a bad one', async () => {
  const anonymous = (await (await server.api('/api/webrtc/config')).json()) as WebrtcConfigResponse;
  assert.equal(anonymous.iceServers, [{ urls: ['stun:stun.example.test:3478'] }]);

  const viewer = await tokenFor('cam2', 'viewer');
  const res = await server.api(`/api/webrtc/config?token=${viewer.token}`);
  assert.is(res.headers.get('cache-control'), 'no-store');
  const config = (await res.json()) as WebrtcConfigResponse;
  const turn = config.iceServers.find((s) => s.urls[0]!.startsWith('turn:'))!;
  assert.equal(turn.urls, ['turn:turn.example.test:3478?transport=udp', 'turn:turn.example.test:3478?transport=tcp']);
  const [expiry, room] = turn.username!.split(':');
  assert.is(room, 'cam2');
  assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 7200)) < 5, 'expires a few hours ahead');
  assert.is(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
  assert.is(config.credential_ttl, 7200);

  const view = await server.viewToken('cam2');
  const viaView = (await (await server.api(`/api/webrtc/config?token=${view}`)).json()) as WebrtcConfigResponse;
  assert.ok(viaView.iceServers.some((s) => s.credential), 'a view token also gets TURN');

  const forged = await server.api(`/api/webrtc/config?token=${viewer.token.slice(0, -2)}xx`);
  assert.is(forged.status, 401);
  assert.not.match(await forged.text(), /credential/);
});

api('refresh: a valid token gets a fresh one of the same role; a view token gets a viewer token for its room', async () => {
  const first = await tokenFor('cam3', 'viewer', 40);
  const refreshed = await server.api('/api/webrtc/token/refresh', { method: 'POST', json: { token: first.token }, headers: fromIp() });
  assert.is(refreshed.status, 200);
  const body = (await refreshed.json()) as WebrtcTokenResponse;
  assert.equal([body.room, body.role, body.ttl], ['cam3', 'viewer', 40]);
  assert.is.not(body.token, first.token);

  const view = await server.viewToken('cam3');
  const fromView = (await (await server.api('/api/webrtc/token/refresh', { method: 'POST', json: { token: view }, headers: fromIp() })).json()) as WebrtcTokenResponse;
  assert.equal([fromView.room, fromView.role], ['cam3', 'viewer']);
  const elsewhere = await server.api('/api/webrtc/token/refresh', { method: 'POST', json: { token: view, room: 'other' }, headers: fromIp() });
  assert.is(elsewhere.status, 403);

  // Signed with the real secret and well-formed, but a minute past its expiry.
  const now = Math.floor(Date.now() / 1000);
  const stale = await new SignJWT({ room: 'cam3', role: 'viewer', epoch: 0, kind: 'webrtc' })
    .setProtectedHeader({ alg: 'HS256' }).setIssuer('stream-overlay').setIssuedAt(now - 400).setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(TOKEN_SECRET));
  const expired = await server.api('/api/webrtc/token/refresh', { method: 'POST', json: { token: stale }, headers: fromIp() });
  assert.is(expired.status, 401);
  assert.is(((await expired.json()) as { error: { code: string } }).error.code, 'invalid_token');
});

api('rotate-tokens revokes WebRTC tokens and their refreshes', async () => {
  const before = await tokenFor('cam4', 'viewer');
  const rotate = await server.api('/api/rooms/cam4/rotate-tokens', { method: 'POST', streamer: true });
  assert.is(rotate.status, 200);
  const res = await server.api('/api/webrtc/token/refresh', { method: 'POST', json: { token: before.token }, headers: fromIp() });
  assert.is(res.status, 401);
  assert.is(await refusedStatus(server.wsUrl(`/ws/webrtc/cam4/viewer?token=${before.token}`)), 401);
});

// ---------------------------------------------------------------------------------------
const sockets = suite('webrtc – signaling sockets');
sockets.before(async () => {
  server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
});
sockets.after(() => server.stop());

sockets('publisher and two viewers: ids, addressing, from, stats and realtime metrics', async () => {
  const publisher = await join('live', 'publisher');
  const state = await publisher.sig('room.state');
  assert.equal(state.viewers, []);
  const a = await join('live', 'viewer');
  const b = await join('live', 'viewer');
  const aId = (await a.sig('room.state')).viewer_id!;
  const bId = (await b.sig('room.state')).viewer_id!;
  assert.is((await publisher.sig('viewer.joined')).viewer_id, aId);
  assert.is((await publisher.sig('viewer.joined')).viewer_id, bId);

  publisher.send({ type: 'offer', to: bId, sdp: SDP });
  assert.is((await b.sig('offer')).sdp, SDP);
  b.send({ type: 'answer', sdp: SDP });
  assert.equal(await publisher.sig('answer'), { type: 'answer', sdp: SDP, from: bId });
  await sleep(50);
  assert.not.ok(a.messages.some((m) => (m as { type: string }).type === 'offer'), 'offer went to b only');

  publisher.send({ type: 'publisher.metrics', viewers: [{ viewer_id: bId, state: 'connected', bitrate_kbps: 2500, fps: 30, candidate_type: 'relay' }] });
  await b.sig('publisher.metrics');
  const stats = (await (await server.api('/api/webrtc/rooms/live/stats', { streamer: true })).json()) as {
    publisher: { online: boolean };
    viewer_list: { viewer_id: string; state: string; candidate_type: string | null; metrics: { bitrate_kbps: number } | null }[];
  };
  assert.is(stats.publisher.online, true);
  const bStats = stats.viewer_list.find((v) => v.viewer_id === bId)!;
  assert.equal([bStats.state, bStats.candidate_type, bStats.metrics?.bitrate_kbps], ['connected', 'relay', 2500]);

  const realtime = (await (await server.api('/api/metrics/realtime', { streamer: true })).json()) as { webrtc_rooms_active: number; webrtc_signaling_messages: number };
  assert.ok(realtime.webrtc_rooms_active >= 1);
  assert.ok(realtime.webrtc_signaling_messages >= 3);

  const { session } = await server.moderatorSession('other');
  const foreign = await server.api('/api/webrtc/rooms/live/stats', { headers: { authorization: `Bearer ${session}` } });
  assert.is(foreign.status, 403);
  const anonymous = await server.api('/api/webrtc/rooms/live/stats');
  assert.is(anonymous.status, 401);

  b.close();
  assert.is((await publisher.sig('viewer.left')).viewer_id, bId);
  for (const s of [publisher, a]) s.close();
});

sockets('a second publisher replaces the first: publisher.replaced, close 4004 (terminal), viewers renegotiate', async () => {
  const first = await join('swap', 'publisher');
  const viewer = await join('swap', 'viewer');
  await viewer.sig('room.state');
  const second = await join('swap', 'publisher');
  assert.is((await first.sig('publisher.replaced')).type, 'publisher.replaced');
  assert.is((await first.closed).code, CloseCode.publisherReplaced);
  const newState = await second.sig('room.state');
  assert.is(newState.viewers?.length, 1);
  const told = await viewer.next('room.state' as never, (m) => (m as unknown as { publisher_session: string | null }).publisher_session !== null && (m as unknown as { publisher_session: string }).publisher_session === newState.publisher_session);
  assert.ok(told);
  for (const s of [second, viewer]) s.close();
});

sockets('forged, expired, wrong-role and wrong-room tokens are refused at the upgrade', async () => {
  const key = new TextEncoder().encode(TOKEN_SECRET);
  const wrongKey = new TextEncoder().encode('not-the-secret-0123456789abcdef');
  const claims = { room: 'gate', role: 'viewer', epoch: 0, kind: 'webrtc' };
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('stream-overlay').setIssuedAt().setExpirationTime('5m').sign(wrongKey);
  const expired = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('stream-overlay').setIssuedAt(Math.floor(Date.now() / 1000) - 600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: 2e9, iss: 'stream-overlay' })).toString('base64url')}.`;
  const viewer = (await tokenFor('gate', 'viewer')).token;
  const publisherElsewhere = (await tokenFor('elsewhere', 'publisher')).token;
  const view = await server.viewToken('gate');
  const url = (role: string, t: string, room = 'gate') => server.wsUrl(`/ws/webrtc/${room}/${role}?token=${encodeURIComponent(t)}`);
  assert.is(await refusedStatus(url('viewer', forged)), 401, 'wrong secret');
  assert.is(await refusedStatus(url('viewer', expired)), 401, 'expired');
  assert.is(await refusedStatus(url('viewer', unsigned)), 401, 'alg none');
  assert.is(await refusedStatus(url('viewer', view)), 401, 'a view token is not a WebRTC token');
  assert.is(await refusedStatus(server.wsUrl('/ws/webrtc/gate/viewer')), 401, 'no token');
  assert.is(await refusedStatus(url('publisher', viewer)), 403, 'viewer token on the publisher socket');
  assert.is(await refusedStatus(url('publisher', publisherElsewhere)), 403, 'another room');
  assert.is(await refusedStatus(url('viewer', viewer)), null, 'the right token still works');
  // On Node a refused upgrade carries only the status line; a plain GET shows the reason.
  const res = await server.api(`/ws/webrtc/gate/publisher?token=${viewer}`);
  assert.match(await res.text(), /this is a viewer token, not a publisher token/);
});

sockets('bad messages get errors on the socket; the room and the other peers carry on', async () => {
  const publisher = await join('rough', 'publisher');
  await publisher.sig('room.state');
  const viewer = await join('rough', 'viewer');
  const viewerId = (await viewer.sig('room.state')).viewer_id!;
  const bystander = await join('rough', 'viewer');
  await bystander.sig('room.state');
  const seen = bystander.messages.length;

  const expectError = async (socket: Sig, message: object | string, code: string) => {
    socket.send(message);
    const error = await socket.sig('error');
    assert.is(error.code, code, error.message);
    return error;
  };
  await expectError(publisher, { type: 'offer', sdp: 'x'.repeat(MAX_SDP_CHARS + 10) }, 'too_large');
  await expectError(publisher, { type: 'teleport' }, 'unknown_type');
  await expectError(publisher, { type: 'offer', to: 'ghost', sdp: SDP }, 'no_such_viewer');
  await expectError(viewer, { type: 'offer', sdp: SDP }, 'forbidden');
  await expectError(viewer, 'not json', 'bad_json');

  publisher.send({ type: 'offer', to: viewerId, sdp: SDP });
  assert.is((await viewer.sig('offer')).sdp, SDP, 'the room still relays');
  publisher.send({ type: 'ping', client_ts: 1 });
  await publisher.sig('pong');
  await sleep(50);
  assert.is(bystander.messages.length, seen, 'the bystander heard nothing');
  assert.is(publisher.ws.readyState, 1);
  for (const s of [publisher, viewer, bystander]) s.close();
});

api.run();
sockets.run();
