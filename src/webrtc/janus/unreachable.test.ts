/**
 * JANUS_URL set but nothing answers there: WebRTC rooms say so clearly (`sfu_unavailable`),
 * the rest of the service is unaffected, and once Janus starts on that address the server
 * reconnects by itself and asks the publisher for a fresh connection. Real server, real
 * sockets, then Debian's real janus; no browser needed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../../testing/test-server.ts';
import { startJanus, type Janus } from '../../../testing/janus.ts';
import { freePort } from '../../../testing/redis-server.ts';
import { openSocket } from '../../../testing/ws-client.ts';
import { waitFor } from '../../../testing/browser.ts';
import type { WebrtcTokenResponse } from '../../protocol/signaling.ts';

const test = suite('SFU configured but unreachable');
let server: TestServer;
let janus: Janus | undefined;
let port: number;
const secrets = { tokenSecret: 'janus-token-secret-for-tests-0123456789', adminKey: 'janus-admin-key-for-tests-0123456789' };

const token = async (room: string, role: 'publisher' | 'viewer') =>
  ((await (await server.api('/api/webrtc/token', { method: 'POST', streamer: true, json: { room, role } })).json()) as WebrtcTokenResponse).token;
const socket = async (room: string, role: 'publisher' | 'viewer') => openSocket(server.wsUrl(`/ws/webrtc/${room}/${role}?token=${await token(room, role)}`));
type Any = never;

test.before(async () => {
  port = await freePort();
  server = await startTestServer({ env: { JANUS_URL: `ws://127.0.0.1:${port}`, JANUS_TOKEN_SECRET: secrets.tokenSecret, JANUS_ADMIN_KEY: secrets.adminKey } });
});

test.after(async () => {
  await server?.stop();
  await janus?.stop();
});

test('rooms answer sfu_unavailable; health, scenes and tokens still work; Janus appears and the server reconnects by itself', async () => {
  const viewer = await socket('cam', 'viewer');
  await viewer.next('error', (e) => (e as { code: string }).code === 'sfu_unavailable');

  const publisher = await socket('cam', 'publisher');
  const state = await publisher.next('room.state' as Any);
  assert.is((state as { media?: string }).media, 'sfu', 'the publisher is told to keep one connection, to the SFU');
  const sessionOf = (m: unknown) => String((m as { publisher_session: string | null }).publisher_session);
  const before = sessionOf(await viewer.next('room.state' as Any, (m) => (m as { publisher: boolean }).publisher));
  await publisher.next('error', (e) => (e as { code: string }).code === 'sfu_unavailable');
  publisher.send({ type: 'offer', to: 'sfu', sdp: 'v=0\r\n' } as Any);
  const refused = (await publisher.next('error', (e) => (e as { code: string }).code === 'sfu_unavailable')) as { message: string };
  assert.match(refused.message, /not reachable/);

  // The rest of the service does not notice.
  assert.is((await server.api('/health')).status, 200);
  assert.is((await server.api('/api/overlay/token', { method: 'POST', streamer: true, json: { room: 'cam' } })).status, 200);
  const stats = (await (await server.api('/api/webrtc/rooms/cam/stats', { streamer: true })).json()) as { media: { kind: string; janus_connected: boolean; janus_error: string | null } };
  assert.is(stats.media.kind, 'sfu');
  assert.is(stats.media.janus_connected, false);
  assert.ok(stats.media.janus_error, 'the stats say why');

  // Janus starts where JANUS_URL points: the server's backoff finds it, no restart of ours.
  janus = await startJanus({ port, ...secrets });
  await waitFor('the server’s Janus session', () => server.services.sfu?.client.ready, 20_000, 100);
  // The publisher is asked for a fresh connection to the SFU; viewers get a new session.
  await publisher.next('viewer.request-restart' as Any, (m) => (m as { from: string; fresh?: boolean }).from === 'sfu' && (m as { fresh?: boolean }).fresh === true, 5000);
  const renewed = await viewer.next('room.state' as Any, (m) => /:sfu1\./.test(sessionOf(m)), 5000);
  assert.is.not(sessionOf(renewed), before, 'a new publisher_session: viewers drop their connection and await a new offer');
  viewer.close();
  publisher.close();
});

test.run();
