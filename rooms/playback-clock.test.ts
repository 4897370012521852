import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlayRoom } from './overlay-room.ts';
import { cueChanges, endedChanges, mayReportEnded, timerChanges } from './playback-clock.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { FakeConnection, settle } from '../testing/fake-connection.ts';
import { timerValueMs } from '../src/protocol/timeline.ts';
import type { Item } from '../src/protocol/scene.ts';
import { legacySocketFrames } from '../src/legacy/socket-messages.ts';

const log = createLogger('silent');
const base = { x: 0, y: 0, w: 320, h: 180, z: 0, rotation: 0, opacity: 1, visible: true, locked: false };
const clip = (extra: Partial<Item> = {}): Item => ({ id: 'c', kind: 'video', src: '/uploads/a.webm', ...base, ...extra });
const timer = (extra: Partial<NonNullable<Item['timer']>> = {}): Item => ({
  id: 't', kind: 'timer', ...base, timer: { mode: 'countdown', durationMs: 10_000, format: 'mm:ss', ...extra },
});

async function makeRoom(store?: MemoryStore) {
  const s = store ?? (await MemoryStore.open());
  const room = new OverlayRoom('main', { store: s, metrics: new Metrics(), log, legacyFrames: legacySocketFrames });
  const moderator = new FakeConnection('moderator', 'mod');
  const overlay = new FakeConnection('overlay');
  room.connect(moderator);
  room.connect(overlay);
  await settle();
  const send = async (message: object, conn = moderator) => {
    room.receive(conn, JSON.stringify(message));
    await settle();
  };
  const item = (id: string) => room.snapshot().scene.items.find((i) => i.id === id);
  return { room, store: s, moderator, overlay, send, item };
}

const cue = suite('cue – playback from the server clock');

cue('play, pause, play resumes from where it paused; restart and stop go to 0', () => {
  const paused = cueChanges(clip({ playback: { state: 'playing', at: 1000, offset: 2 } }), 'pause', 4500);
  assert.equal(paused, { playback: { state: 'paused', at: 4500, offset: 5.5 } });
  const resumed = cueChanges(clip({ playback: { state: 'paused', at: 4500, offset: 5.5 } }), 'play', 9000);
  assert.equal(resumed, { playback: { state: 'playing', at: 9000, offset: 5.5 } });
  assert.is(cueChanges(clip({ playback: { state: 'playing', at: 9000, offset: 5.5 } }), 'play', 9500), null, 'play while playing changes nothing');
  assert.equal(cueChanges(clip({ playback: { state: 'paused', at: 1, offset: 3 } }), 'restart', 20), { playback: { state: 'playing', at: 20, offset: 0 } });
  assert.equal(cueChanges(clip({ playback: { state: 'playing', at: 1, offset: 3 } }), 'stop', 20), { playback: { state: 'stopped', at: 20, offset: 0 } });
  assert.equal(cueChanges(clip({ playback: { state: 'stopped', at: 1, offset: 7 } }), 'play', 30), { playback: { state: 'playing', at: 30, offset: 0 } }, 'an ended clip plays from the start');
  assert.type(cueChanges({ ...clip(), kind: 'text' }, 'play', 1), 'string');
});

cue('an autoHidden alert is shown again by play or restart', () => {
  const changes = cueChanges(clip({ autoHide: true, visible: false, playback: { state: 'stopped', at: 1, offset: 4 } }), 'restart', 50);
  assert.equal(changes, { playback: { state: 'playing', at: 50, offset: 0 }, visible: true });
});

cue('an ended report is believed only for the current run, once it can have ended', () => {
  const playing = clip({ autoHide: true, playback: { state: 'playing', at: 10_000, offset: 0 } });
  assert.is(endedChanges(playing, 10_000, 5, 11_000), null, 'a 5 s clip cannot end after 1 s');
  assert.is(endedChanges(playing, 9_000, 5, 15_000), null, 'a report about an earlier run');
  assert.is(endedChanges({ ...playing, loop: true }, 10_000, 5, 15_000), null, 'a looping clip never ends');
  assert.equal(endedChanges(playing, 10_000, 5, 14_500), { playback: { state: 'stopped', at: 14_500, offset: 5 }, visible: false });
  assert.equal(endedChanges({ ...playing, autoHide: false }, 10_000, 5, 15_000), { playback: { state: 'stopped', at: 15_000, offset: 5 } });
});

cue('a cue op over the socket is acked and broadcast with the server time; a clip added without playback starts now', async () => {
  const { send, moderator, overlay, item } = await makeRoom();
  const before = Date.now();
  await send({ type: 'add', item: { id: 'c', kind: 'video', src: '/uploads/a.webm' }, req_id: 1 });
  const added = item('c')!.playback!;
  assert.is(added.state, 'playing');
  assert.ok(added.at >= before && added.at <= Date.now());
  await send({ type: 'cue', id: 'c', action: 'pause', req_id: 2 });
  assert.equal(moderator.of('ack').map((a) => a.req_id), [1, 2]);
  const last = overlay.of('scene.patch').at(-1)!;
  const op = last.ops[0] as { op: 'upsert'; item: Item };
  assert.is(op.item.playback!.state, 'paused');
  assert.ok(op.item.playback!.at >= added.at);
  await send({ type: 'cue', id: 'nope', action: 'play', req_id: 3 });
  await send({ type: 'cue', id: 'c', action: 'jump', req_id: 4 });
  const errors = moderator.of('error');
  assert.equal(errors.map((e) => [e.req_id, e.code]), [[3, 'not_found'], [4, 'bad_message']]);
});

cue('cue is open to a route as a room method', async () => {
  const { room, item } = await makeRoom();
  await room.submit({ type: 'add', item: clip({ playback: { state: 'stopped', at: 1, offset: 0 } }) }, 'test');
  const result = await room.cue('c', 'play', 'legacy');
  assert.ok(result.ok);
  assert.is(item('c')!.playback!.state, 'playing');
});

cue('an overlay report of the end commits stopped + hidden once, however many overlays report it', async () => {
  const { room, send, overlay, item } = await makeRoom();
  const at = Date.now() - 5000;
  await room.submit({ type: 'add', item: clip({ autoHide: true, playback: { state: 'playing', at, offset: 0 } }) }, 'test');
  const second = new FakeConnection('overlay');
  room.connect(second);
  await settle();
  const patchesBefore = overlay.of('scene.patch').length;
  room.receive(second, JSON.stringify({ type: 'media.ended', id: 'c', at, duration: 4.8 }));
  await send({ type: 'media.ended', id: 'c', at, duration: 4.8 }, overlay);
  await settle(10);
  const after = item('c')!;
  assert.is(after.visible, false);
  assert.is(after.playback!.state, 'stopped');
  assert.is(overlay.of('scene.patch').length, patchesBefore + 1, 'one commit for two reports');
  await send({ type: 'media.ended', id: 'c', at: 'soon', duration: 1 }, overlay);
  assert.is(overlay.of('error').at(-1)!.code, 'bad_message');
});

cue('an end reported early, or by a moderator-opened overlay page, hides nothing', async () => {
  const { room, send, item } = await makeRoom();
  const at = Date.now() - 2000;
  await room.submit({ type: 'add', item: clip({ autoHide: true, playback: { state: 'playing', at, offset: 0 } }) }, 'test');
  await send({ type: 'media.ended', id: 'c', at, duration: 30 });
  assert.is(item('c')!.visible, true, 'a moderator socket cannot speak media.ended');
  const moderatorsPreview = new FakeConnection('overlay', 'mod', 'session-1');
  room.connect(moderatorsPreview);
  await settle();
  room.receive(moderatorsPreview, JSON.stringify({ type: 'media.ended', id: 'c', at, duration: 1.5 }));
  await settle(10);
  assert.is(item('c')!.visible, true, 'an overlay page opened with a moderator credential is not believed');
  await send({ type: 'media.ended', id: 'c', at, duration: 30 }, await overlayOf(room));
  assert.is(item('c')!.visible, true, 'a 30 s clip cannot have ended 2 s after it started');
  assert.is(item('c')!.playback!.state, 'playing');
  await send({ type: 'media.ended', id: 'c', at, duration: 2 }, await overlayOf(room));
  assert.is(item('c')!.visible, false, 'the real overlay, at the clip\'s end, is believed');
});

cue('mayReportEnded: overlay credential only', () => {
  assert.ok(mayReportEnded({ role: 'overlay' }));
  assert.not.ok(mayReportEnded({ role: 'overlay', sessionId: 's' }));
  assert.not.ok(mayReportEnded({ role: 'moderator', sessionId: 's' }));
});

async function overlayOf(room: OverlayRoom): Promise<FakeConnection> {
  const conn = new FakeConnection('overlay');
  room.connect(conn);
  await settle();
  return conn;
}

const timers = suite('timer op');

timers('start, pause and resume keep the paused time out; reset goes back to the full duration', () => {
  const started = timerChanges(timer(), 'start', 1000) as { timer: NonNullable<Item['timer']> };
  assert.equal(started.timer.startedAt, 1000);
  assert.is(timerValueMs(started.timer, 4000), 7000);
  const paused = (timerChanges({ ...timer(), timer: started.timer }, 'pause', 4000) as typeof started).timer;
  assert.is(timerValueMs(paused, 60_000), 7000, 'frozen while paused');
  const resumed = (timerChanges({ ...timer(), timer: paused }, 'start', 10_000) as typeof started).timer;
  assert.is(resumed.pausedAt, undefined);
  assert.is(timerValueMs(resumed, 11_000), 6000);
  assert.is(timerValueMs(resumed, 99_000), 0, 'never negative');
  const reset = (timerChanges({ ...timer(), timer: resumed }, 'reset', 12_000) as typeof started).timer;
  assert.equal(reset, { mode: 'countdown', durationMs: 10_000, format: 'mm:ss' });
  assert.is(timerChanges(timer(), 'reset', 1), null);
  assert.type(timerChanges(clip(), 'start', 1), 'string');
});

timers('a timer op over the socket sets startedAt from the server clock', async () => {
  const { send, item, moderator } = await makeRoom();
  await send({ type: 'add', item: timer(), req_id: 1 });
  const before = Date.now();
  await send({ type: 'timer', id: 't', action: 'start', req_id: 2 });
  const startedAt = item('t')!.timer!.startedAt!;
  assert.ok(startedAt >= before && startedAt <= Date.now());
  assert.equal(moderator.of('ack').map((a) => a.req_id), [1, 2]);
});

const hides = suite('hideAt');

hides('the room commits visible:false at hideAt, and clears it', async () => {
  const { room, overlay, item } = await makeRoom();
  await room.submit({ type: 'add', item: { ...clip(), id: 'h', kind: 'image', hideAt: Date.now() + 60 } }, 'test');
  assert.is(item('h')!.visible, true);
  await settle(150);
  assert.is(item('h')!.visible, false);
  assert.is(item('h')!.hideAt, null);
  const last = overlay.of('scene.patch').at(-1)!;
  assert.is(last.by, 'room');
});

hides('a hideAt that passed while the room was not loaded is applied at load, before anyone sees the scene', async () => {
  const store = await MemoryStore.open();
  const first = await makeRoom(store);
  await first.room.submit({ type: 'add', item: { ...clip(), id: 'h', kind: 'image', hideAt: Date.now() + 40 } }, 'test');
  first.room.dispose();
  await settle(80);
  const again = new OverlayRoom('main', { store, metrics: new Metrics(), log, legacyFrames: legacySocketFrames });
  const overlay = new FakeConnection('overlay');
  again.connect(overlay);
  await settle(20);
  const full = overlay.of('scene.full')[0]!;
  assert.is(full.scene.items[0]!.visible, false, 'the first scene an overlay sees is already hidden');
  again.dispose();
});

hides('a moderator who re-shows the item in time wins over the schedule', async () => {
  const { room, item } = await makeRoom();
  await room.submit({ type: 'add', item: { ...clip(), id: 'h', kind: 'image', hideAt: Date.now() + 80 } }, 'test');
  await room.submit({ type: 'patch', id: 'h', changes: { hideAt: null } }, 'test');
  await settle(150);
  assert.is(item('h')!.visible, true);
});

cue.run();
timers.run();
hides.run();
