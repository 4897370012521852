/**
 * Issue 11, hole 4: one panel must not be able to flood a room. On the real server with both
 * stores: a moderator socket's ops are rate limited (rate_limited, then 1008 for a flood),
 * and POST /api/rooms/:room/ops has a store-backed limit (429 rate_limited).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { OP_BURST } from '../../rooms/op-rate-limit.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { CloseCode } from '../protocol/messages.ts';

const text = (id: string) => ({ id, kind: 'text', text: id });

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`moderator op limits (${storeKind})`);
  let server: TestServer;

  test.before(async () => {
    const env: Record<string, string> = storeKind === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` } : {};
    server = await startTestServer({ env });
    const add = await server.api('/api/rooms/flood/ops', { method: 'POST', streamer: true, json: { type: 'add', item: text('a') } });
    assert.is(add.status, 200);
  });
  test.after(async () => {
    await server?.stop();
  });

  async function moderatorSocket() {
    const { session } = await server.moderatorSession('flood', 'mallory');
    const socket = await openSocket(server.wsUrl(`/ws/moderator?room=flood&session=${session}`));
    await socket.next('scene.full');
    return socket;
  }

  test('a burst within the limit is all acknowledged', async () => {
    const socket = await moderatorSocket();
    const count = OP_BURST - 20;
    for (let i = 0; i < count; i++) socket.send({ type: 'patch', id: 'a', changes: { x: i }, req_id: i });
    await socket.next('ack', (m) => m.req_id === count - 1, 10_000);
    assert.is(socket.messages.filter((m) => m.type === 'error').length, 0);
    socket.close();
  });

  test('a flood gets rate_limited with the req_id, then the socket is closed with 1008; the room still works', async () => {
    const socket = await moderatorSocket();
    for (let i = 0; i < 2000; i++) socket.send({ type: 'patch', id: 'a', changes: { y: i }, req_id: `f${i}` });
    const refused = await socket.next('error', (m) => m.code === 'rate_limited', 10_000);
    assert.match(String(refused.req_id), /^f\d+$/);
    const closed = await socket.closed;
    assert.is(closed.code, CloseCode.policy);
    // The burst was taken (its acks may not make it before the close): the item moved that far.
    let y = -1;
    for (let tries = 0; tries < 100 && y < OP_BURST - 1; tries++) {
      const scene = (await (await server.api('/api/rooms/flood/scene', { streamer: true })).json()) as { items: { id: string; y: number }[] };
      y = scene.items.find((i) => i.id === 'a')!.y;
      if (y < OP_BURST - 1) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(y >= OP_BURST - 1 && y < 2000 - 1, `the first ${OP_BURST} ops were applied, not all (y = ${y})`);
    const refusedIds = socket.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited').map((m) => (m as { req_id?: string }).req_id);
    assert.ok(refusedIds.every((id) => typeof id === 'string'), 'every refusal names its op');

    const other = await moderatorSocket();
    other.send({ type: 'patch', id: 'a', changes: { x: 1 }, req_id: 'after' });
    await other.next('ack', (m) => m.req_id === 'after', 10_000);
    other.close();
  });

  test(`POST /api/rooms/:room/ops: request ${BUCKETS.sceneOps.limit + 1} in a window is 429 rate_limited; other credentials are not`, async () => {
    const { session } = await server.moderatorSession('flood', 'scripted');
    // bringToFront of the only item changes nothing: the limit is what is tested, not the commit path.
    const post = (headers: Record<string, string>) => server.api('/api/rooms/flood/ops', { method: 'POST', headers, json: { type: 'bringToFront', id: 'a' } });
    const headers = { authorization: `Bearer ${session}` };
    for (let i = 0; i < BUCKETS.sceneOps.limit; i++) {
      const res = await post(headers);
      assert.is(res.status, 200, `request ${i + 1}`);
    }
    const limited = await post(headers);
    assert.is(limited.status, 429);
    assert.is(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const streamer = await server.api('/api/rooms/flood/ops', { method: 'POST', streamer: true, json: { type: 'bringToFront', id: 'a' } });
    assert.is(streamer.status, 200);
  });

  test.run();
}
