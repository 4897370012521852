/**
 * One room live on three real server processes sharing one real Redis (testing/instances.ts):
 * every op reaches every overlay on every instance in version order, writers on two instances
 * interleave without losing anything, sessions and token rotations close sockets on the
 * instances that hold them, scope changes reach them there, and TTS, room.status, presence and legacy frames cross over.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type Cluster, type Instance } from '../../testing/instances.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { STREAMER_TOKEN } from '../../testing/test-server.ts';
import { CloseCode } from '../protocol/constants.ts';
import type { ServerMessage } from '../protocol/messages.ts';

const test = suite<{ cluster: Cluster }>('one room on three instances');
const streamer = { 'x-streamer-token': STREAMER_TOKEN };

test.before(async (context) => {
  context.cluster = await startCluster(3);
});
test.after(async ({ cluster }) => {
  await cluster?.stop();
});

const abc = (cluster: Cluster) => cluster.instances as [Instance, Instance, Instance];

async function overlayOn(instance: Instance, room: string, token?: string): Promise<TestSocket> {
  const socket = await openSocket(instance.wsUrl(`/ws/overlay?room=${room}&token=${token ?? (await instance.viewToken(room))}`));
  await socket.next('scene.full');
  return socket;
}

async function moderatorOn(instance: Instance, room: string): Promise<TestSocket> {
  const socket = await openSocket(instance.wsUrl(`/ws/moderator?room=${room}`), streamer);
  await socket.next('scene.full');
  return socket;
}

/** Versions of every scene frame after the first scene.full, in arrival order. */
function sceneVersions(socket: TestSocket): { kind: string; version: number }[] {
  const frames = socket.messages.filter((m): m is Extract<ServerMessage, { type: 'scene.full' | 'scene.patch' }> => m.type === 'scene.full' || m.type === 'scene.patch');
  return frames.slice(1).map((m) => ({ kind: m.type, version: m.version }));
}

/** The first message the socket got (so far or within `ms`) that matches; polls its log. */
async function received<T extends ServerMessage>(socket: TestSocket, match: (m: ServerMessage) => m is T, what: string, ms = 10_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
    const found = socket.messages.find(match);
    if (found) return found;
  }
  throw new Error(`no ${what} within ${ms} ms`);
}

type Answer = Extract<ServerMessage, { type: 'ack' | 'error' }>;

/** Send an op and wait for its answer (ack or error). */
async function op(moderator: TestSocket, message: Record<string, unknown>, reqId: string): Promise<Answer> {
  moderator.send({ ...message, req_id: reqId });
  return received(moderator, (m): m is Answer => (m.type === 'ack' || m.type === 'error') && m.req_id === reqId, `answer to ${reqId}`);
}

test('a moderator on A, overlays on B and C: every op arrives everywhere, versions strictly increasing, no gap, no duplicate', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'order';
  const overlays = [await overlayOn(b, room), await overlayOn(c, room), await overlayOn(b, room)];
  const moderator = await moderatorOn(a, room);
  // Sent without waiting for each answer: A group-commits, so versions may cover several ops.
  for (let i = 0; i < 60; i++) moderator.send({ type: 'update', item: { id: `t${i % 7}`, kind: 'text', text: `op-${i}` }, req_id: `r${i}` });
  const last = await moderator.next('ack', (m) => m.req_id === 'r59', 10_000);
  for (const overlay of overlays) {
    await overlay.next('scene.patch', (m) => m.version === last.version, 10_000);
    const seen = sceneVersions(overlay);
    assert.ok(seen.every((frame) => frame.kind === 'scene.patch'), `only patches, no resync: ${JSON.stringify(seen.filter((f) => f.kind !== 'scene.patch'))}`);
    const versions = seen.map((frame) => frame.version);
    assert.equal(versions, Array.from({ length: last.version }, (_, i) => i + 1), 'every version from 1, once, in order');
  }
  const stored = (await (await c.api(`/api/rooms/${room}/scene`, { streamer: true })).json()) as { version: number; items: { id: string; text: string }[] };
  assert.is(stored.version, last.version);
  const texts = Object.fromEntries(stored.items.map((item) => [item.id, item.text]));
  const expected: Record<string, string> = {};
  for (let i = 0; i < 60; i++) expected[`t${i % 7}`] = `op-${i}`;
  assert.equal(texts, expected, 'each item holds its last op');
  for (const socket of [...overlays, moderator]) socket.close();
});

test('moderators on A and B write interleaved, 50 ops each: all land; conflicts only on the shared item', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'interleaved';
  const overlay = await overlayOn(c, room);
  const writers = [await moderatorOn(a, room), await moderatorOn(b, room)];
  const setup = await op(writers[0]!, { type: 'add', item: { id: 'shared', kind: 'text', text: 'start' } }, 'setup');
  assert.is(setup.type, 'ack');
  const results = await Promise.all(
    writers.map(async (writer, w) => {
      const own: Record<string, string> = {};
      const codes: string[] = [];
      let sharedBase = (setup as { version: number }).version;
      for (let i = 0; i < 50; i++) {
        if (i % 5 === 4) {
          // The same item, conditional on the version this writer last saw it at.
          const answer = await op(writer, { type: 'patch', id: 'shared', changes: { text: `w${w}-${i}` }, base_version: sharedBase }, `w${w}-${i}`);
          if (answer.type === 'ack') sharedBase = answer.version;
          else {
            codes.push(answer.code);
            sharedBase = answer.version ?? sharedBase;
          }
        } else {
          const id = `w${w}-item${i % 4}`;
          const answer = await op(writer, { type: 'update', item: { id, kind: 'text', text: `w${w}-${i}` } }, `w${w}-${i}`);
          assert.is(answer.type, 'ack', `writer ${w} op ${i} on its own item: ${JSON.stringify(answer)}`);
          own[id] = `w${w}-${i}`;
        }
      }
      return { own, codes };
    }),
  );
  for (const { codes } of results) assert.ok(codes.every((code) => code === 'conflict'), `refusals: ${codes}`);
  const stored = (await cluster.storedScene(room))!;
  const texts = Object.fromEntries(stored.items.map((item) => [item.id, item.text]));
  for (const { own } of results) for (const [id, text] of Object.entries(own)) assert.is(texts[id], text, `${id} holds its last acknowledged text`);
  // The overlay on C followed it all, in order.
  await overlay.next('scene.patch', (m) => m.version === stored.version, 10_000);
  const frames = sceneVersions(overlay);
  assert.ok(frames.every((f) => f.kind === 'scene.patch'), 'C wrote nothing, so it never had to reload: patches only');
  assert.equal(frames.map((f) => f.version), Array.from({ length: stored.version }, (_, i) => i + 1), 'every version once, in order');
  for (const socket of [overlay, ...writers]) socket.close();
});

test('room.status counts overlays on every instance; a panel on A sees a panel on B in presence', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'status';
  const overlays = [await overlayOn(b, room), await overlayOn(c, room)];
  const panelA = await moderatorOn(a, room);
  const status = await panelA.next('room.status', (m) => m.overlays === 2, 5000);
  assert.is(status.moderators, 1);
  const panelB = await openSocket(b.wsUrl(`/ws/moderator?room=${room}`), streamer);
  const presence = await panelA.next('presence.state', (m) => m.moderators.length === 2, 5000);
  assert.ok(presence.moderators.some((entry) => entry.id === presence.you), 'A itself');
  const metrics = (await (await a.api('/api/metrics/realtime', { streamer: true })).json()) as { rooms: { room: string; overlays: number; cluster?: { overlays: number; instances: number } }[] };
  const mine = metrics.rooms.find((r) => r.room === room)!;
  assert.is(mine.overlays, 0, "this instance's own figure");
  assert.equal([mine.cluster?.overlays, mine.cluster?.instances], [2, 3], 'and the whole room');
  for (const socket of [...overlays, panelA, panelB]) socket.close();
});

test('session ended via B closes its socket on A with 4001; rotate-tokens via C closes overlays on A and B with 4003', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'revoke';
  const { session, session_id } = await a.moderatorSession(room, 'doomed');
  const moderator = await openSocket(a.wsUrl(`/ws/moderator?room=${room}&session=${session}`));
  await moderator.next('scene.full');
  const ended = await b.api(`/api/moderator-sessions/${session_id}`, { method: 'DELETE', streamer: true });
  assert.is(ended.status, 200, await ended.text());
  assert.is((await moderator.closed).code, CloseCode.sessionRevoked);

  const token = await a.viewToken(room);
  const overlays = [await overlayOn(a, room, token), await overlayOn(b, room, token)];
  const rotated = await c.api(`/api/rooms/${room}/rotate-tokens`, { method: 'POST', streamer: true });
  assert.is(rotated.status, 200, await rotated.text());
  for (const overlay of overlays) assert.is((await overlay.closed).code, CloseCode.tokenRevoked);
});

test('scopes changed via B reach the session\'s sockets on A and C: they are told, and their next op obeys', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'regrant';
  const { session, session_id } = await a.moderatorSession(room, 'narrowed');
  const onA = await openSocket(a.wsUrl(`/ws/moderator?room=${room}&session=${session}`));
  const onC = await openSocket(c.wsUrl(`/ws/moderator?room=${room}&session=${session}`));
  await onA.next('scene.full');
  await onC.next('scene.full');
  const before = await op(onA, { type: 'add', item: { id: 'logo', kind: 'text', text: 'L' } }, 'before');
  assert.is(before.type, 'ack', 'full rights before the change');
  const patched = await b.api(`/api/moderator-sessions/${session_id}`, { method: 'PATCH', streamer: true, json: { scopes: ['tts'] } });
  const answer = await patched.text();
  assert.is(patched.status, 200, answer);
  assert.is((JSON.parse(answer) as { sockets: number }).sockets, 0, 'B holds none of its sockets; the count is B\'s own');
  for (const [name, socket] of [['A', onA], ['C', onC]] as const) {
    const told = await received(socket, (m): m is Extract<ServerMessage, { type: 'session.scopes' }> => m.type === 'session.scopes', `session.scopes on ${name}`);
    assert.equal([told.scopes, told.items], [['tts'], null], `socket on ${name} is told`);
    const after = await op(socket, { type: 'patch', id: 'logo', changes: { x: 5 } }, `after-${name}`);
    assert.equal([after.type, after.type === 'error' ? after.code : null], ['error', 'forbidden'], `the next op on ${name} is refused`);
  }
  onA.close();
  onC.close();
});

test('TTS sent via A is spoken on an overlay on C, and a panel on B hears it queued', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'speech';
  const overlay = await overlayOn(c, room);
  const panel = await moderatorOn(b, room);
  const res = await a.api('/api/tts/speak', { method: 'POST', streamer: true, json: { text: 'через инстансы', room } });
  assert.is(res.status, 200, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  const spoken = await overlay.next('tts.speak', undefined, 5000);
  assert.equal([spoken.id, spoken.text], [id, 'через инстансы']);
  const queued = await panel.next('tts.state', (m) => m.id === id, 5000);
  assert.is(queued.state, 'queued');
  // What the overlay reports back reaches the panel on the other instance.
  overlay.send({ type: 'tts.started', id });
  assert.is((await panel.next('tts.state', (m) => m.id === id && m.state === 'started', 5000)).id, id);
  overlay.close();
  panel.close();
});

test('a FastAPI-version overlay on C gets legacy frames for ops made on A', async ({ cluster }) => {
  const [a, , c] = abc(cluster);
  const room = 'legacy';
  const token = await c.viewToken(room);
  const old = await openSocket<{ type: string; item?: { id: string; content?: string }; version?: number }>(c.wsUrl(`/ws/overlay?room=${room}&token=${token}`), {}, { legacy: true });
  await old.next('scene.full');
  const moderator = await moderatorOn(a, room);
  assert.is((await op(moderator, { type: 'add', item: { id: 'hi', kind: 'text', text: 'Hi' } }, 'l1')).type, 'ack');
  const added = await old.next('scene.add', undefined, 5000);
  assert.equal([added.item?.id, added.item?.content], ['hi', 'Hi']);
  old.close();
  moderator.close();
});

test('A is SIGKILLed mid-run: its moderator reconnects to B, resyncs, and nothing acknowledged is lost', async ({ cluster }) => {
  const [a, b, c] = abc(cluster);
  const room = 'crash';
  const overlay = await overlayOn(c, room);
  const moderator = await moderatorOn(a, room);
  const acked = new Map<string, string>();
  let i = 0;
  for (; i < 20; i++) {
    const id = `k${i % 5}`;
    const answer = await op(moderator, { type: 'update', item: { id, kind: 'text', text: `op-${i}` } }, `k-${i}`);
    if (answer.type === 'ack') acked.set(id, `op-${i}`);
  }
  // Ops in flight when the process dies: their answers never come; only acks count.
  for (let j = 0; j < 5; j++) moderator.send({ type: 'update', item: { id: `k${j}`, kind: 'text', text: `lost-${j}` }, req_id: `gone-${j}` });
  await a.stop('SIGKILL');
  const closed = await moderator.closed;
  assert.is.not(closed.code, CloseCode.sessionRevoked);
  // The client picks another address and resyncs from the version it had.
  const since = Math.max(...moderator.messages.flatMap((m) => ('version' in m && typeof m.version === 'number' ? [m.version] : [])));
  const again = await openSocket(b.wsUrl(`/ws/moderator?room=${room}&since_version=${since}`), streamer);
  // B answers with what the client lacks: nothing when it had the stored version, else the scene.
  const status = await again.next('room.status', undefined, 5000);
  assert.ok(status.version >= since, `B is at ${status.version}, the client had ${since}`);
  if (status.version > since) assert.ok(again.messages.some((m) => m.type === 'scene.full' && m.version === status.version), 'resynced');
  for (; i < 30; i++) {
    const id = `k${i % 5}`;
    const answer = await op(again, { type: 'update', item: { id, kind: 'text', text: `op-${i}` } }, `k-${i}`);
    assert.is(answer.type, 'ack', JSON.stringify(answer));
    acked.set(id, `op-${i}`);
  }
  const stored = (await cluster.storedScene(room))!;
  const texts = Object.fromEntries(stored.items.map((item) => [item.id, item.text]));
  for (const [id, text] of acked) assert.is(texts[id], text, `${id}: the last acknowledged text is stored`);
  // C may have missed what A committed but never announced (killed in between): it repairs
  // the gap by reloading, so its overlay ends at the stored version either way.
  await received(overlay, (m): m is ServerMessage => (m.type === 'scene.patch' || m.type === 'scene.full') && m.version === stored.version, `version ${stored.version} on C`);
  const viaC = (await (await c.api(`/api/rooms/${room}/scene`, { streamer: true })).json()) as { version: number };
  assert.is(viaC.version, stored.version);
  overlay.close();
  again.close();
});

test.run();
