import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { applySceneOp, cloneSceneState, emptySceneState, type SceneState } from './scene-model.ts';
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
