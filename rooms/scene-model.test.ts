import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { advanceHorizon, applySceneOp, cloneSceneState, emptySceneState, replaceSceneState, tombstoneCount, type SceneState } from './scene-model.ts';
import { Item, MAX_Z } from '../src/protocol/scene.ts';

const item = (id: string, z: number, extra: Record<string, unknown> = {}) => v.parse(Item, { id, kind: 'text', text: id, z, ...extra });

function stateOf(...items: Item[]): SceneState {
  const state = emptySceneState();
  for (const i of items) {
    state.items.set(i.id, i);
    state.itemVersions.set(i.id, 1);
  }
  return state;
}

const paintOrder = (state: SceneState) => [...state.items.values()].sort((a, b) => a.z - b.z).map((i) => i.id);

const test = suite('scene state – paint order and validation');

test('bringToFront past MAX_Z re-numbers the order instead of storing an invalid z', () => {
  const state = stateOf(item('a', MAX_Z), item('b', 0), item('c', -5));
  const outcome = applySceneOp(state, { type: 'bringToFront', id: 'c' }, 2);
  assert.ok(outcome.ok);
  assert.equal(paintOrder(state), ['b', 'a', 'c']);
  for (const i of state.items.values()) assert.ok(v.is(Item, i), `z ${i.z} is valid`);
  assert.equal(outcome.ok && outcome.patch.map((p) => p.op), ['upsert', 'upsert'], 'every item whose z changed is broadcast, no other');
});

test('sendToBack past -MAX_Z re-numbers too; within the bound only the moved item changes', () => {
  const state = stateOf(item('a', -MAX_Z), item('b', 3), item('c', 7));
  const outcome = applySceneOp(state, { type: 'sendToBack', id: 'c' }, 2);
  assert.ok(outcome.ok);
  assert.equal(paintOrder(state), ['c', 'a', 'b']);
  for (const i of state.items.values()) assert.ok(v.is(Item, i));
  const roomy = stateOf(item('a', 0), item('b', 3));
  const moved = applySceneOp(roomy, { type: 'sendToBack', id: 'b' }, 2);
  assert.equal(moved.ok && moved.patch, [{ op: 'upsert', item: { ...roomy.items.get('b')!, z: -1 } }]);
});

test('an op that would commit an invalid item is refused with bad_message and changes nothing', () => {
  // An item that is invalid already (e.g. left in memory by an older build): moving it would store it.
  const broken = { ...item('a', 0), fontSize: 5000 } as Item;
  const state = stateOf(broken, item('b', 1));
  const before = cloneSceneState(state);
  const outcome = applySceneOp(state, { type: 'bringToFront', id: 'a' }, 2);
  assert.equal([outcome.ok, !outcome.ok && outcome.code], [false, 'bad_message']);
  assert.match(!outcome.ok ? outcome.message : '', /fontSize/);
  assert.equal(state, before);
});

test.run();

const ops = suite('scene model – ops, versions and tombstones');

ops('add stores the item at the batch version; a second add of the id is duplicate_id and keeps the first', () => {
  const state = emptySceneState();
  const added = applySceneOp(state, { type: 'add', item: item('a', 0) }, 3);
  assert.equal(added.ok && added.patch, [{ op: 'upsert', item: state.items.get('a')! }]);
  assert.is(state.itemVersions.get('a'), 3);
  const again = applySceneOp(state, { type: 'add', item: item('a', 9, { text: 'other' }) }, 4);
  assert.equal([again.ok, !again.ok && again.code], [false, 'duplicate_id']);
  assert.is(state.items.get('a')!.text, 'a');
  assert.is(state.itemVersions.get('a'), 3);
});

ops('update creates a missing item and replaces a present one whole', () => {
  const state = emptySceneState();
  assert.ok(applySceneOp(state, { type: 'update', item: item('a', 0) }, 2).ok);
  assert.ok(applySceneOp(state, { type: 'update', item: item('a', 4, { text: 'new' }) }, 5).ok);
  assert.equal([state.items.get('a')!.text, state.items.get('a')!.z, state.itemVersions.get('a')], ['new', 4, 5]);
});

ops('patch merges changes, maps the legacy `content` onto text, and refuses a merge that is not a valid item', () => {
  const state = stateOf(item('a', 0));
  const patched = applySceneOp(state, { type: 'patch', id: 'a', changes: { content: 'hello', x: 10 } }, 2);
  assert.ok(patched.ok);
  assert.equal([state.items.get('a')!.text, state.items.get('a')!.x], ['hello', 10]);
  const missing = applySceneOp(state, { type: 'patch', id: 'nope', changes: { x: 1 } }, 3);
  assert.equal([missing.ok, !missing.ok && missing.code], [false, 'not_found']);
});

ops('remove leaves a tombstone version; advanceHorizon forgets tombstones below it, not live items', () => {
  const state = stateOf(item('a', 0), item('b', 1));
  const removed = applySceneOp(state, { type: 'remove', id: 'a' }, 4);
  assert.equal(removed.ok && removed.patch, [{ op: 'remove', id: 'a' }]);
  assert.equal([state.items.has('a'), state.itemVersions.get('a'), tombstoneCount(state)], [false, 4, 1]);
  advanceHorizon(state, 4);
  assert.is(tombstoneCount(state), 1, 'a tombstone at the horizon itself stays');
  advanceHorizon(state, 5);
  assert.equal([tombstoneCount(state), state.itemVersions.get('b')], [0, 1]);
  const again = applySceneOp(state, { type: 'remove', id: 'a' }, 6);
  assert.equal(!again.ok && again.code, 'not_found');
});

ops('base_version conflicts only when the touched item changed after it', () => {
  const state = stateOf(item('a', 0), item('b', 1));
  assert.ok(applySceneOp(state, { type: 'patch', id: 'a', changes: { x: 1 } }, 5).ok);
  const stale = applySceneOp(state, { type: 'patch', id: 'a', changes: { x: 2 }, base_version: 4 }, 6);
  assert.equal([stale.ok, !stale.ok && stale.code, !stale.ok && stale.item?.x], [false, 'conflict', 1]);
  assert.ok(applySceneOp(state, { type: 'patch', id: 'b', changes: { x: 2 }, base_version: 4 }, 6).ok, 'b did not change after 4');
  const clear = applySceneOp(state, { type: 'clear', base_version: 5 }, 7);
  assert.equal(!clear.ok && clear.code, 'conflict', 'b changed at 6');
  assert.is(state.items.size, 2);
});

ops('below the horizon a base_version on a forgotten id is a conflict, not a silent success', () => {
  const state = stateOf(item('a', 0));
  applySceneOp(state, { type: 'remove', id: 'a' }, 2);
  advanceHorizon(state, 10);
  const late = applySceneOp(state, { type: 'update', item: item('a', 0), base_version: 3 }, 11);
  assert.equal([late.ok, !late.ok && late.code], [false, 'conflict']);
  assert.is(state.items.size, 0);
});

ops('clear empties the scene and marks every item as changed at its version', () => {
  const state = stateOf(item('a', 0), item('b', 1));
  const cleared = applySceneOp(state, { type: 'clear' }, 8);
  assert.equal(cleared.ok && cleared.patch, [{ op: 'clear' }]);
  assert.equal([state.items.size, state.itemVersions.get('a'), state.itemVersions.get('b')], [0, 8, 8]);
});

ops('bringToFront of the front item or of a lone item changes nothing', () => {
  const state = stateOf(item('a', 0), item('b', 5));
  assert.equal(applySceneOp(state, { type: 'bringToFront', id: 'b' }, 2), { ok: true, patch: [] });
  const lone = stateOf(item('x', 3));
  assert.equal(applySceneOp(lone, { type: 'sendToBack', id: 'x' }, 2), { ok: true, patch: [] });
  const moved = applySceneOp(state, { type: 'bringToFront', id: 'a' }, 3);
  assert.equal(moved.ok && moved.patch, [{ op: 'upsert', item: { ...item('a', 6) } }]);
});

ops('a refusal rule is asked at commit time and its reason becomes a bad_message', () => {
  const state = emptySceneState();
  const refuse = (i: Item) => (i.text === 'blocked' ? 'that text is not allowed here' : null);
  const refused = applySceneOp(state, { type: 'add', item: item('a', 0, { text: 'blocked' }) }, 2, refuse);
  assert.equal(refused, { ok: false, code: 'bad_message', message: 'that text is not allowed here', item: null });
  assert.is(state.items.size, 0);
  assert.ok(applySceneOp(state, { type: 'add', item: item('a', 0) }, 2, refuse).ok);
});

ops('replaceSceneState marks removed and new ids alike at the version', () => {
  const state = stateOf(item('a', 0));
  replaceSceneState(state, { items: [item('b', 0)] }, 9);
  assert.equal([[...state.items.keys()], state.itemVersions.get('a'), state.itemVersions.get('b')], [['b'], 9, 9]);
});

ops.run();
