/** ObsBoard on its own: frozen detection, choosing one overlay for a command, answers. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ObsBoard } from './obs-board.ts';
import type { Connection } from './connection.ts';
import type { ObsServerMessage, OverlayStatus } from '../src/protocol/obs.ts';

const conn = (id: string): Connection => ({ id, role: 'overlay', label: 'overlay', bufferedAmount: 0, send() {}, close() {} });

function setup() {
  const world = { now: 1_000_000, version: 2, applied: new Map<string, number>(), seen: new Map<string, number>(), changes: 0, sent: [] as [string, ObsServerMessage][] };
  const overlays = [conn('a'), conn('b')];
  const board = new ObsBoard({
    overlays: () => overlays,
    send: (c, m) => (world.sent.push([c.id, m]), true),
    version: () => world.version,
    client: (id) => ({ appliedVersion: world.applied.get(id) ?? null, applyLatencyMs: null, lastSeen: world.seen.get(id) ?? world.now }),
    changed: () => world.changes++,
    now: () => world.now,
  });
  return { world, board, overlays };
}

const status = (level: number | null, active: boolean): OverlayStatus => ({ type: 'overlay.status', obs: level === null ? null : { version: '30', control_level: level }, visible: true, active });

const test = suite('ObsBoard');

test('an overlay behind for more than 10 s while still pinging is frozen; catching up clears it', () => {
  const { world, board } = setup();
  world.applied.set('a', 1);
  world.applied.set('b', 2);
  board.checkFrozen();
  assert.equal(board.clientStatuses().map((s) => s.frozen), [false, false]);
  world.now += 10_001;
  world.seen.set('a', world.now - 1000);
  board.checkFrozen();
  assert.equal(board.clientStatuses().map((s) => s.frozen), [true, false]);
  assert.is(world.changes, 1, 'the panels are told once');
  world.applied.set('a', 2);
  board.checkFrozen();
  assert.equal(board.clientStatuses().map((s) => s.frozen), [false, false]);
  board.dispose();
});

test('a silent overlay is not called frozen (the sweep drops it instead)', () => {
  const { world, board } = setup();
  world.applied.set('a', 1);
  world.applied.set('b', 2);
  board.checkFrozen();
  world.now += 20_000;
  world.seen.set('a', world.now - 15_000);
  board.checkFrozen();
  assert.is(board.clientStatuses()[0]!.frozen, false);
  board.dispose();
});

test('a command goes to one able overlay, most recently on program; its answer settles it', async () => {
  const { world, board, overlays } = setup();
  assert.equal(await board.command('scene', 'X'), { ok: false, code: 'obs_not_available', message: 'no overlay of this room is running inside OBS' });
  board.report(overlays[0]!, status(5, false));
  board.report(overlays[1]!, status(4, true));
  const pending = board.command('scene', 'BRB');
  assert.is(world.sent.length, 1);
  const [to, message] = world.sent[0]!;
  assert.is(to, 'b', 'on program wins over a higher level');
  assert.ok(message.type === 'obs.command' && message.name === 'BRB');
  board.result(overlays[0]!, message.type === 'obs.command' ? message.cmd_id : '', true);
  board.result(overlays[1]!, message.type === 'obs.command' ? message.cmd_id : '', true);
  assert.equal(await pending, { ok: true, overlay_id: 'b' }, 'only the chosen overlay may answer');
  board.report(overlays[0]!, status(2, true));
  board.report(overlays[1]!, status(3, false));
  assert.is((await board.command('scene', 'BRB')).ok, false);
  const replay = board.command('replay.save');
  assert.is(world.sent.at(-1)![0], 'b', 'replay needs BASIC only');
  board.leave(overlays[1]!);
  assert.equal(await replay, { ok: false, code: 'obs_not_available', message: 'the overlay that was to run the command disconnected' });
  board.dispose();
});

test.run();
