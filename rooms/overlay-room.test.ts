import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlayRoom, PATCH_HISTORY } from './overlay-room.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { CloseCode } from '../src/protocol/messages.ts';
import { FakeConnection, settle } from '../testing/fake-connection.ts';
import type { Store } from '../src/store/store.ts';
import { legacySocketFrames } from '../src/legacy/socket-messages.ts';

const log = createLogger('silent');
const text = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'text', text: id, ...extra });

async function makeRoom(store?: Store) {
  const s = store ?? (await MemoryStore.open());
  const metrics = new Metrics();
  const room = new OverlayRoom('main', { store: s, metrics, log, legacyFrames: legacySocketFrames });
  return { room, store: s, metrics };
}

const send = (room: OverlayRoom, conn: FakeConnection, message: object) => room.receive(conn, JSON.stringify(message));

const ops = suite('overlay room – ops');

ops('a new socket gets the scene; an op is acked and broadcast once to everyone', async () => {
  const { room } = await makeRoom();
  const overlay = new FakeConnection('overlay');
  const moderator = new FakeConnection('moderator', 'alice');
  room.connect(overlay);
  room.connect(moderator);
  await settle();
  assert.equal(overlay.sent[0], { type: 'scene.full', scene: { items: [] }, version: 0, server_ts: (overlay.sent[0] as { server_ts: number }).server_ts });
  send(room, moderator, { type: 'add', item: text('a'), req_id: 1 });
  await settle();
  assert.equal(moderator.of('ack'), [{ type: 'ack', req_id: 1, version: 1 }]);
  const patches = overlay.of('scene.patch');
  assert.is(patches.length, 1, 'one broadcast');
  assert.is(patches[0]!.version, 1);
  assert.is(patches[0]!.by, 'alice');
  assert.equal(patches[0]!.ops.map((o) => o.op), ['upsert']);
});

ops('ops queued while a commit is in flight are group-committed in one version', async () => {
  const { room } = await makeRoom();
  const moderator = new FakeConnection('moderator');
  room.connect(moderator);
  await settle();
  for (let i = 0; i < 10; i++) send(room, moderator, { type: 'add', item: text(`i${i}`), req_id: i });
  await settle(20);
  const acks = moderator.of('ack');
  assert.is(acks.length, 10);
  const versions = new Set(acks.map((a) => a.version));
  // The first op starts a commit at once; the nine that arrive while it is in flight share the next.
  assert.equal([...versions], [1, 2], `expected one commit for the first op and one for the rest, got ${[...versions]}`);
  assert.is(room.snapshot().scene.items.length, 10);
  const patches = moderator.of('scene.patch');
  assert.equal(patches.map((p) => p.version), [...versions].sort((a, b) => a - b), 'versions strictly increasing without gaps');
});

ops('base_version: a stale edit of the same item conflicts, a stale edit of another item does not', async () => {
  const { room } = await makeRoom();
  const a = new FakeConnection('moderator', 'a');
  const b = new FakeConnection('moderator', 'b');
  room.connect(a);
  room.connect(b);
  await settle();
  send(room, a, { type: 'add', item: text('one') });
  send(room, a, { type: 'add', item: text('two') });
  await settle();
  const base = room.currentVersion;
  send(room, a, { type: 'patch', id: 'one', changes: { x: 10 }, base_version: base, req_id: 'a1' });
  await settle();
  send(room, b, { type: 'patch', id: 'two', changes: { x: 20 }, base_version: base, req_id: 'b1' });
  send(room, b, { type: 'patch', id: 'one', changes: { x: 30 }, base_version: base, req_id: 'b2' });
  await settle();
  assert.equal(b.of('ack').map((m) => m.req_id), ['b1']);
  const [conflict] = b.of('error');
  assert.is(conflict?.code, 'conflict');
  assert.is(conflict?.req_id, 'b2');
  assert.is(conflict?.item?.x, 10, 'the conflict carries the item as it is now');
  assert.is(room.snapshot().scene.items.find((i) => i.id === 'one')?.x, 10);
});

ops('legacy ops: update replaces, remove, bringToFront, clear; aliases normalised', async () => {
  const { room } = await makeRoom();
  const m = new FakeConnection('moderator');
  room.connect(m);
  await settle();
  send(room, m, { type: 'add', item: { id: 't', kind: 'text', content: 'hello', font: '40px' } });
  send(room, m, { type: 'add', item: { id: 'v', kind: 'video', content: '/uploads/x.mp4', z: 5 } });
  await settle();
  let items = room.snapshot().scene.items;
  assert.is(items[0]!.text, 'hello');
  assert.is(items[0]!.fontSize, 40);
  assert.is(items[1]!.src, '/uploads/x.mp4');
  send(room, m, { type: 'bringToFront', id: 't' });
  await settle();
  assert.is(room.snapshot().scene.items.find((i) => i.id === 't')!.z, 6);
  send(room, m, { type: 'update', item: { id: 't', kind: 'text', text: 'replaced' } });
  await settle();
  items = room.snapshot().scene.items;
  assert.is(items.find((i) => i.id === 't')!.text, 'replaced');
  assert.is(items.find((i) => i.id === 't')!.z, 0, 'update replaces the whole item');
  send(room, m, { type: 'remove', id: 'v' });
  await settle();
  assert.equal(room.snapshot().scene.items.map((i) => i.id), ['t']);
  send(room, m, { type: 'clear' });
  await settle();
  assert.equal(room.snapshot().scene.items, []);
});

const input = suite('overlay room – bad input');

input('bad JSON, unknown types, schema violations and role violations get errors; the room survives', async () => {
  const { room } = await makeRoom();
  const m = new FakeConnection('moderator');
  const o = new FakeConnection('overlay');
  room.connect(m);
  room.connect(o);
  await settle();
  room.receive(m, '{not json');
  send(room, m, { type: 'explode' });
  send(room, m, { type: 'add', item: { id: 'x', kind: 'text', x: 'far' }, req_id: 7 });
  send(room, m, { type: 'add', item: { id: 'x', kind: 'image', src: 'javascript:alert(1)' } });
  send(room, m, { type: 'patch', id: 'missing', changes: { x: 1 } });
  send(room, o, { type: 'add', item: text('sneaky') });
  room.receive(m, JSON.stringify({ type: 'add', item: text('z'.repeat(65)) }));
  await settle();
  const codes = m.of('error').map((e) => e.code);
  assert.equal(codes, ['bad_json', 'bad_message', 'bad_message', 'bad_message', 'bad_message', 'not_found']);
  assert.is(m.of('error')[2]!.req_id, 7, 'req_id echoed even for an invalid message');
  assert.is(o.of('error')[0]?.code, 'bad_message', 'an overlay may not edit');
  assert.equal(room.snapshot(), { scene: { items: [] }, version: 0 });
  assert.is(m.closed, null);
  send(room, m, { type: 'add', item: text('ok'), req_id: 'fine' });
  await settle();
  assert.is(m.of('ack')[0]?.req_id, 'fine');
});

input('a store failure is reported, nothing is acknowledged, and the scene is unchanged', async () => {
  const memory = await MemoryStore.open();
  let failing = false;
  const flaky: Store = Object.create(memory, {
    commitScene: { value: (...args: Parameters<Store['commitScene']>) => (failing ? Promise.reject(new (class extends Error {})()) : memory.commitScene(...args)) },
  });
  const { room } = await makeRoom(flaky);
  const m = new FakeConnection('moderator');
  room.connect(m);
  await settle();
  send(room, m, { type: 'add', item: text('kept'), req_id: 1 });
  await settle();
  failing = true;
  send(room, m, { type: 'add', item: text('lost'), req_id: 2 });
  await settle();
  assert.is(m.of('error')[0]?.req_id, 2);
  assert.equal(room.snapshot().scene.items.map((i) => i.id), ['kept']);
  assert.is(room.currentVersion, 1);
});

const sync = suite('overlay room – resync and slow sockets');

sync('resync inside the history sends only missing patches; outside it sends the full scene', async () => {
  const { room } = await makeRoom();
  const m = new FakeConnection('moderator');
  room.connect(m);
  await settle();
  for (let i = 0; i < 5; i++) {
    send(room, m, { type: 'add', item: text(`n${i}`) });
    await settle();
  }
  const o = new FakeConnection('overlay');
  room.connect(o, 2);
  await settle();
  assert.equal(o.sent.map((s) => `${s.type}@${(s as { version: number }).version}`), ['scene.patch@3', 'scene.patch@4', 'scene.patch@5']);
  send(room, o, { type: 'resync', since_version: 5 });
  await settle();
  assert.is(o.sent.length, 3, 'nothing to send when up to date');
  // Through submit (a script's HTTP ops): a socket sending this fast would be rate limited.
  for (let i = 0; i < PATCH_HISTORY + 2; i++) await room.submit({ type: 'patch', id: 'n0', changes: { x: i + 1 } }, 'script');
  send(room, o, { type: 'resync', since_version: 1 });
  await settle();
  assert.is(o.last()?.type, 'scene.full', 'too old for the history: full scene');
});

sync('a socket that falls too far behind is dropped with the lagging code; others still get patches', async () => {
  const { room, metrics } = await makeRoom();
  const m = new FakeConnection('moderator');
  const slow = new FakeConnection('overlay');
  const fast = new FakeConnection('overlay');
  room.connect(m);
  room.connect(slow);
  room.connect(fast);
  await settle();
  slow.bufferedAmount = 64 * 1024 * 1024;
  send(room, m, { type: 'add', item: text('a') });
  await settle();
  assert.equal(slow.closed, { code: CloseCode.lagging, reason: 'client is too far behind; reconnect and resync' });
  assert.is(fast.of('scene.patch').length, 1);
  assert.is(room.stats().overlays, 1);
  assert.is(metrics.droppedSlowSockets, 1, 'counted for /api/metrics/realtime');
  assert.is(room.stats().dropped_slow_sockets, 1, 'and per room');
});

sync('overlay.applied feeds stats; the registry sees the room idle once empty', async () => {
  const { room } = await makeRoom();
  const o = new FakeConnection('overlay');
  room.connect(o);
  await settle();
  send(room, o, { type: 'overlay.applied', version: 0, server_ts: Date.now() - 5 });
  assert.is(room.stats().min_applied_version, 0);
  assert.ok((room.stats().apply_latency_ms ?? -1) >= 0);
  room.disconnect(o);
  assert.ok(room.isIdle(Date.now() + 61_000, 60_000));
});

ops.run();
input.run();
sync.run();
