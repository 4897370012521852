import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlayRoom } from './overlay-room.ts';
import { colorOf } from './presence.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { FakeConnection, settle } from '../testing/fake-connection.ts';
import { legacySocketFrames } from '../src/legacy/socket-messages.ts';

/** The room throttles presence like room.status (250 ms); wait a little past one window. */
const WINDOW = 320;

async function makeRoom() {
  return new OverlayRoom('main', { store: await MemoryStore.open(), metrics: new Metrics(), log: createLogger('silent'), legacyFrames: legacySocketFrames });
}
const send = (room: OverlayRoom, conn: FakeConnection, message: object) => room.receive(conn, JSON.stringify(message));
const lastPresence = (conn: FakeConnection) => conn.of('presence.state').at(-1);

const presence = suite('presence');

presence('join, selection and leave reach every panel, never overlays; each panel learns its own id', async () => {
  const room = await makeRoom();
  const alice = new FakeConnection('moderator', 'alice', 'session-a');
  const bob = new FakeConnection('moderator', 'bob', 'session-b');
  const overlay = new FakeConnection('overlay');
  room.connect(alice);
  room.connect(bob);
  room.connect(overlay);
  await settle(WINDOW);

  const seen = lastPresence(alice)!;
  assert.equal(seen.moderators.map((m) => m.label).sort(), ['alice', 'bob']);
  assert.is(seen.you, alice.id);
  assert.is(lastPresence(bob)!.you, bob.id);
  assert.is(seen.moderators.find((m) => m.label === 'alice')!.color, colorOf('session-a'), 'colour comes from the session');
  assert.is(overlay.of('presence.state').length, 0, 'overlays never see presence');

  send(room, alice, { type: 'presence', selection: ['t1', 't2'] });
  await settle(WINDOW);
  assert.equal(lastPresence(bob)!.moderators.find((m) => m.id === alice.id)!.selection, ['t1', 't2']);

  room.disconnect(bob);
  await settle(WINDOW);
  assert.equal(lastPresence(alice)!.moderators.map((m) => m.label), ['alice']);
  room.dispose();
});

presence('a burst of selection changes is throttled into one broadcast with the last selection', async () => {
  const room = await makeRoom();
  const alice = new FakeConnection('moderator', 'alice');
  const bob = new FakeConnection('moderator', 'bob');
  room.connect(alice);
  room.connect(bob);
  await settle(WINDOW);
  const before = bob.of('presence.state').length;
  for (let i = 0; i < 20; i++) send(room, alice, { type: 'presence', selection: [`i${i}`] });
  await settle(WINDOW);
  const after = bob.of('presence.state');
  assert.is(after.length - before, 1, 'one broadcast for the burst');
  assert.equal(after.at(-1)!.moderators.find((m) => m.id === alice.id)!.selection, ['i19']);
  room.dispose();
});

presence('bad presence messages are refused with an error; overlays may not send presence', async () => {
  const room = await makeRoom();
  const alice = new FakeConnection('moderator', 'alice');
  const overlay = new FakeConnection('overlay');
  room.connect(alice);
  room.connect(overlay);
  await settle(WINDOW);
  send(room, alice, { type: 'presence', selection: Array.from({ length: 51 }, (_, i) => `i${i}`) });
  send(room, alice, { type: 'presence', selection: ['bad id with spaces'] });
  send(room, alice, { type: 'presence', selection: 'everything' });
  send(room, overlay, { type: 'presence', selection: null });
  await settle();
  assert.is(alice.of('error').length, 3);
  assert.ok(alice.of('error').every((e) => e.code === 'bad_message'));
  assert.is(overlay.of('error').length, 1);
  send(room, alice, { type: 'presence', selection: null });
  await settle(WINDOW);
  assert.is(lastPresence(alice)!.moderators[0]!.selection, null);
  room.dispose();
});

presence.run();
