import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PatchOp, ServerMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';
import { SceneTracker, applyPatch } from './scene-tracker.ts';

const item = (id: string, extra: Partial<Item> = {}): Item => ({
  id, kind: 'text', x: 0, y: 0, w: 100, h: 50, z: 0, rotation: 0, opacity: 1, visible: true, locked: false, ...extra,
});
const full = (version: number, items: Item[]): ServerMessage => ({ type: 'scene.full', scene: { items }, version, server_ts: 1 });
const patch = (version: number, ops: PatchOp[]): ServerMessage => ({ type: 'scene.patch', ops, version, server_ts: 1 });

const apply = suite('applyPatch');

apply('upsert replaces by id in place and appends new ids', () => {
  const a = item('a'), b = item('b');
  const a2 = item('a', { text: 'new' }), c = item('c');
  const out = applyPatch([a, b], [{ op: 'upsert', item: a2 }, { op: 'upsert', item: c }]);
  assert.equal(out, [a2, b, c]);
  assert.is(out[1], b, 'untouched items keep their identity');
});

apply('remove and clear', () => {
  const a = item('a'), b = item('b');
  assert.equal(applyPatch([a, b], [{ op: 'remove', id: 'a' }]), [b]);
  assert.equal(applyPatch([a, b], [{ op: 'clear' }]), []);
  assert.equal(applyPatch([a], [{ op: 'clear' }, { op: 'upsert', item: b }]), [b], 'ops apply in order');
});

apply('never mutates the input and returns it as-is when nothing changed', () => {
  const a = item('a');
  const input = Object.freeze([a]) as readonly Item[];
  assert.is(applyPatch(input, [{ op: 'remove', id: 'missing' }]), input);
  assert.is(applyPatch(input, [{ op: 'upsert', item: a }]), input);
  assert.is(applyPatch(input, []), input);
  const empty: readonly Item[] = [];
  assert.is(applyPatch(empty, [{ op: 'clear' }]), empty);
  const out = applyPatch(input, [{ op: 'upsert', item: item('b') }]);
  assert.is.not(out, input);
  assert.is(input.length, 1);
});

apply.run();

const tracker = suite('SceneTracker');

tracker('scene.full replaces whatever was there, even at a lower version', () => {
  const t = new SceneTracker();
  assert.not.ok(t.hasScene);
  assert.is(t.accept(full(5, [item('a')])), 'applied');
  assert.is(t.version, 5);
  assert.is(t.accept(full(2, [item('b')])), 'applied', 'a restarted server may start over');
  assert.equal(t.items.map((i) => i.id), ['b']);
  assert.is(t.version, 2);
});

tracker('the next patch applies; duplicates and old patches are ignored', () => {
  const t = new SceneTracker();
  t.accept(full(3, [item('a')]));
  assert.is(t.accept(patch(4, [{ op: 'upsert', item: item('b') }])), 'applied');
  assert.is(t.version, 4);
  const before = t.items;
  assert.is(t.accept(patch(4, [{ op: 'clear' }])), 'ignored');
  assert.is(t.accept(patch(2, [{ op: 'clear' }])), 'ignored');
  assert.is(t.items, before);
});

tracker('a gap asks for a resync from the current version, once until answered', () => {
  const t = new SceneTracker();
  t.accept(full(3, []));
  assert.is(t.accept(patch(5, [{ op: 'clear' }]), 1000), 'resync');
  assert.equal(t.resync(1000), { type: 'resync', since_version: 3 });
  assert.is(t.version, 3, 'the gapped patch is not applied');
  assert.is(t.accept(patch(6, []), 1100), 'ignored', 'no second request while one is in flight');
  assert.is(t.accept(patch(6, []), 7000), 'resync', 'an unanswered request may be repeated');
  t.resync(7000);
  assert.is(t.accept(patch(4, [{ op: 'upsert', item: item('x') }]), 7100), 'applied', 'the answer applies in order');
  assert.is(t.accept(patch(6, []), 7200), 'resync', 'a new gap after an answer asks again');
});

tracker('a patch before any scene.full asks for everything', () => {
  const t = new SceneTracker();
  assert.is(t.accept(patch(1, [])), 'resync');
  assert.equal(t.resync(), { type: 'resync' });
});

tracker('other messages are ignored', () => {
  const t = new SceneTracker();
  assert.is(t.accept({ type: 'pong', server_ts: 1 }), 'ignored');
});

tracker.run();
