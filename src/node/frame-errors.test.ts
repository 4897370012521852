/**
 * Issue 13: every room answers a frame it cannot take in one shape, `error {req_id?, code,
 * message, issues?}`, whichever socket sent it. Over real sockets against the real server:
 * the same bad JSON, binary frame and schema violation to an overlay, a moderator and a
 * signaling socket get the same keys and codes back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import type { WebrtcTokenResponse } from '../protocol/signaling.ts';

type ErrorFrame = { type: 'error'; req_id?: string | number; code: string; message: string; issues?: Record<string, string[]> };
type AnySocket = TestSocket<{ type: string }>;

const test = suite('frame errors – one shape from every socket');
let server: TestServer;

test.before(async () => {
  server = await startTestServer();
});
test.after(() => server.stop());

async function overlaySocket(): Promise<AnySocket> {
  const token = await server.viewToken('frames');
  const socket = await openSocket<{ type: string }>(server.wsUrl(`/ws/overlay?room=frames&token=${token}`));
  await socket.next('scene.full');
  return socket;
}

async function moderatorSocket(): Promise<AnySocket> {
  const { session } = await server.moderatorSession('frames', 'frames-mod');
  const socket = await openSocket<{ type: string }>(server.wsUrl(`/ws/moderator?room=frames&session=${session}`));
  await socket.next('scene.full');
  return socket;
}

async function signalingSocket(): Promise<AnySocket> {
  const res = await server.api('/api/webrtc/token', { method: 'POST', streamer: true, json: { room: 'frames', role: 'viewer' } });
  assert.is(res.status, 200);
  const { token } = (await res.json()) as WebrtcTokenResponse;
  const socket = await openSocket<{ type: string }>(server.wsUrl(`/ws/webrtc/frames/viewer?token=${encodeURIComponent(token)}`));
  await socket.next('room.state');
  return socket;
}

/** Send one frame and wait for the error it earns (the socket stays open for the next one). */
async function errorFor(socket: AnySocket, send: () => void): Promise<ErrorFrame> {
  send();
  return (await socket.next('error')) as unknown as ErrorFrame;
}

/** The three frames every socket must refuse alike, with the error each one gets. */
async function refusals(socket: AnySocket) {
  const badJson = await errorFor(socket, () => socket.send('{"type": "ping", '));
  const binary = await errorFor(socket, () => socket.ws.send(Buffer.from([0x7b, 0x00, 0xff]), { binary: true }));
  // A known type with a wrong field: a schema violation, and its req_id comes back.
  const schema = await errorFor(socket, () => socket.send({ type: 'ping', client_ts: 'soon', req_id: 'r-7' }));
  return { badJson, binary, schema };
}

const keysOf = (frame: ErrorFrame) => Object.keys(frame).sort();

test('bad JSON, a binary frame and a schema violation: same keys and codes from overlay, moderator and signaling', async () => {
  const sockets = { overlay: await overlaySocket(), moderator: await moderatorSocket(), signaling: await signalingSocket() };
  const seen: Record<string, Awaited<ReturnType<typeof refusals>>> = {};
  for (const [name, socket] of Object.entries(sockets)) seen[name] = await refusals(socket);

  for (const [name, { badJson, binary, schema }] of Object.entries(seen)) {
    assert.equal(keysOf(badJson), ['code', 'message', 'type'], `${name}: bad JSON ${JSON.stringify(badJson)}`);
    assert.is(badJson.code, 'bad_json', name);
    assert.equal(keysOf(binary), ['code', 'message', 'type'], `${name}: binary ${JSON.stringify(binary)}`);
    assert.is(binary.code, 'bad_message', name);
    assert.equal(keysOf(schema), ['code', 'issues', 'message', 'req_id', 'type'], `${name}: schema ${JSON.stringify(schema)}`);
    assert.equal([schema.code, schema.req_id], ['bad_message', 'r-7'], name);
    assert.ok(schema.issues?.client_ts?.length, `${name}: the issue names the field: ${JSON.stringify(schema.issues)}`);
  }
  // Not just the same keys: the same words, so a client needs one error handler.
  assert.equal(seen.overlay, seen.moderator);
  assert.equal(seen.overlay, seen.signaling);

  // Refusing a frame closes nothing: each socket still answers a good ping.
  for (const [name, socket] of Object.entries(sockets)) {
    socket.send({ type: 'ping', client_ts: 1 });
    const pong = (await socket.next('pong')) as { client_ts?: number };
    assert.is(pong.client_ts, 1, name);
    socket.close();
  }
});

test.run();
