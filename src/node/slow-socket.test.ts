/**
 * Issue 13: a socket that stops reading is dropped once the server holds more than
 * MAX_BUFFERED_BYTES for it, and the drop is counted where the streamer looks: in
 * GET /api/metrics/realtime (`dropped_slow_sockets`, process-wide and per room). Real server,
 * real sockets: the slow client is a ws client whose TCP socket is paused.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { MAX_BUFFERED_BYTES } from '../../rooms/room.ts';
import { CloseCode } from '../protocol/constants.ts';
import { MAX_ITEMS, MAX_TEXT_LENGTH } from '../protocol/scene.ts';

const ROOM = 'slow';
/** Enough PUTs of a full scene to pass the limit many times over, kernel buffers included. */
const MAX_PUTS = 60;

type Realtime = { dropped_slow_sockets: number; rooms: { room: string; overlays: number; dropped_slow_sockets: number }[] };

const test = suite('slow sockets – a lagging socket is dropped and counted');
let server: TestServer;

test.before(async () => {
  server = await startTestServer();
});
test.after(() => server.stop());

async function realtime(): Promise<Realtime> {
  const res = await server.api('/api/metrics/realtime', { streamer: true });
  assert.is(res.status, 200);
  return (await res.json()) as Realtime;
}

/** One big scene: every item at the longest text, each PUT a fresh one (no "nothing changed"). */
function bigScene(round: number) {
  const text = String(round % 10).repeat(MAX_TEXT_LENGTH);
  return { items: Array.from({ length: MAX_ITEMS }, (_, i) => ({ id: `t${i}`, kind: 'text', text })) };
}

test('an overlay that stops reading is dropped for lag and shows in /api/metrics/realtime', async () => {
  const token = await server.viewToken(ROOM);
  const url = server.wsUrl(`/ws/overlay?room=${ROOM}&token=${token}`);
  const reader = await openSocket(url);
  const slow = await openSocket(url);
  await Promise.all([reader.next('scene.full'), slow.next('scene.full')]);
  const before = await realtime();
  const roomBefore = before.rooms.find((room) => room.room === ROOM);
  assert.equal([roomBefore?.overlays, roomBefore?.dropped_slow_sockets], [2, 0]);

  // Stop reading: what the server sends piles up in the kernel, then in the server's buffer.
  (slow.ws as unknown as { _socket: Socket })._socket.pause();
  const sceneBytes = JSON.stringify(bigScene(0)).length;
  assert.ok(sceneBytes * MAX_PUTS > 4 * MAX_BUFFERED_BYTES, `a scene is ${sceneBytes} bytes; ${MAX_PUTS} of them must pass the limit`);

  let after = before;
  for (let round = 1; round <= MAX_PUTS && after.dropped_slow_sockets === before.dropped_slow_sockets; round++) {
    const res = await server.api(`/api/rooms/${ROOM}/scene`, { method: 'PUT', streamer: true, json: bigScene(round) });
    assert.is(res.status, 200, await res.clone().text());
    // The reader keeps up, so only the paused socket can fall behind.
    await reader.next('scene.full', (m) => m.version === round, 10_000);
    after = await realtime();
  }

  assert.is(after.dropped_slow_sockets, before.dropped_slow_sockets + 1, 'the process-wide count');
  const room = after.rooms.find((r) => r.room === ROOM);
  assert.equal([room?.dropped_slow_sockets, room?.overlays], [1, 1], 'the room counted the drop and still holds the reader');

  // Once it reads again, the slow client learns why: the close says "lagging", so it resyncs.
  (slow.ws as unknown as { _socket: Socket })._socket.resume();
  const closed = await slow.closed;
  assert.is(closed.code, CloseCode.lagging);
  reader.close();
});

test.run();
