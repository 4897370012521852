/**
 * The Node edge's own upgrade path (node-websockets.ts): an open socket keeps nothing of its
 * upgrade request (the IncomingMessage, and through it the Hono Context, URLs, headers and the
 * token in the query, can be garbage-collected while the socket lives and keeps working), and
 * upgrades the app cannot take are refused with a plain status line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus } from '../../testing/ws-client.ts';
import type { NodeServer } from './server.ts';

// A gc() for this test without a command-line flag (a fresh context picks the flag up).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const released = suite('node websockets – what an open socket keeps');
let server: TestServer;
released.before(async () => {
  server = await startTestServer();
});
released.after(() => server?.stop());

released('the upgrade requests of open overlay, moderator and control sockets are collected; the sockets keep working', async () => {
  const requests: WeakRef<IncomingMessage>[] = [];
  const watch = (request: IncomingMessage) => requests.push(new WeakRef(request));
  const http = (server as unknown as NodeServer).httpServer;
  http.prependListener('upgrade', watch);
  const token = await server.viewToken('gc');
  const overlays = await Promise.all([1, 2, 3].map(() => openSocket(server.wsUrl(`/ws/overlay?room=gc&token=${token}`))));
  for (const overlay of overlays) await overlay.next('scene.full');
  const { session } = await server.moderatorSession('gc');
  const moderator = await openSocket(server.wsUrl(`/ws/moderator?room=gc&session=${session}`));
  await moderator.next('scene.full');
  const issued = (await (await server.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room: 'gc', scopes: ['control.read'], label: 'deck' } })).json()) as { token: string };
  const control = await openSocket<{ type: string; version?: number }>(server.wsUrl(`/ws/control?room=gc&token=${issued.token}`));
  await control.next('state.full');
  http.off('upgrade', watch);
  assert.is(requests.length, 5);

  // gc() and deref() in separate turns: a WeakRef read keeps its target alive until the turn ends.
  const turn = () => new Promise((r) => setTimeout(r, 20));
  for (let round = 0; round < 20; round++) {
    await turn();
    gc();
    await turn();
    if (requests.every((r) => r.deref() === undefined)) break;
  }
  assert.equal(requests.map((r) => r.deref() === undefined), [true, true, true, true, true], 'every upgrade request was collected');

  moderator.send({ type: 'add', item: { id: 'a', kind: 'text', text: 'after gc' }, req_id: 1 });
  const ack = await moderator.next('ack', (m) => m.req_id === 1);
  for (const overlay of overlays) await overlay.next('scene.patch', (m) => m.version === ack.version);
  await control.next('state.patch', (m) => m.version === ack.version);
  for (const socket of [...overlays, moderator, control]) socket.close();
});

released.run();

const refused = suite('node websockets – refused upgrades');
let plain: TestServer;
refused.before(async () => {
  plain = await startTestServer();
});
refused.after(() => plain?.stop());

/** Writes a raw upgrade request and returns the first line of the answer. */
function rawUpgrade(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

refused('a bad token is 401, a non-WebSocket upgrade and a bad Host are 400, and the server keeps serving', async () => {
  assert.is(await refusedStatus(plain.wsUrl('/ws/overlay?room=main&token=nope')), 401);
  const handshake = ['Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
  assert.match(await rawUpgrade(plain.port, ['GET /ws/overlay?room=main HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: h2c', ...handshake]), /^HTTP\/1\.1 400 /);
  assert.match(await rawUpgrade(plain.port, ['GET /ws/overlay?room=main HTTP/1.1', 'Host: evil.example/x?', 'Upgrade: websocket', ...handshake]), /^HTTP\/1\.1 400 /);
  const token = await plain.viewToken('main');
  const overlay = await openSocket(plain.wsUrl(`/ws/overlay?room=main&token=${token}`));
  await overlay.next('scene.full');
  overlay.close();
});

refused.run();
