/**
 * Picking a variant's option by `type` gives what the whole variant gives, for valid and
 * invalid messages of every kind an overlay or moderator socket may send, and for junk.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { ModeratorClientMessage, OverlayClientMessage } from './messages.ts';
import { dispatchOn } from './variant-dispatch.ts';

const test = suite('variant dispatch');

const samples: unknown[] = [
  { type: 'overlay.applied', version: 3, client_ts: 1, server_ts: 2 },
  { type: 'overlay.applied', version: -1 },
  { type: 'overlay.applied', version: 1.5, server_ts: 'x' },
  { type: 'overlay.applied' },
  { type: 'ping', client_ts: 5 },
  { type: 'ping', client_ts: Infinity },
  { type: 'resync', since_version: 4 },
  { type: 'media.ended', id: 'a', at: 1, duration: 2 },
  { type: 'media.ended', id: 'a', at: 1, duration: -2 },
  { type: 'tts.started', id: 'x' },
  { type: 'presence', selection: ['a', 'b'] },
  { type: 'presence', selection: 'a' },
  { type: 'patch', id: 'a', changes: { x: 12 }, req_id: 7 },
  { type: 'patch', id: 'a', changes: { x: 'left' }, req_id: 7 },
  { type: 'patch', id: 'a', changes: { left: 5 }, req_id: 'r1' },
  { type: 'patch', changes: { x: 1 } },
  { type: 'add', item: { kind: 'text', text: 'hi', x: 0, y: 0 } },
  { type: 'update', item: { id: 'a', kind: 'text', text: 'hi', x: 0, y: 0 }, stage: 'draft' },
  { type: 'update', item: { id: 'a', kind: 'nope' } },
  { type: 'remove', id: 'a', base_version: 3 },
  { type: 'clear', req_id: { no: 1 } },
  { type: 'cue', id: 'v', action: 'play' },
  { type: 'timer', id: 't', action: 'bogus' },
  { type: 'take' },
  { type: 'preset.save', name: 'x' },
  { type: 'obs.scene', name: 'Live' },
  { type: 'unknown.kind' },
  { type: 5 },
  { type: null },
  { version: 3 },
  {},
  [],
  ['patch'],
  'patch',
  42,
  null,
  Object.create({ type: 'ping' }),
];

// `add` without an id gets a random one: compare everything else.
const comparable = (result: v.SafeParseResult<v.GenericSchema>) =>
  JSON.parse(JSON.stringify({ success: result.success, output: result.output, issues: result.issues?.map((i) => ({ message: i.message, path: v.getDotPath(i), kind: i.kind, type: i.type })) }), (key, value) =>
    key === 'id' && typeof value === 'string' && value.startsWith('i-') ? 'i-*' : value,
  );

for (const [name, schema] of [['overlay', OverlayClientMessage], ['moderator', ModeratorClientMessage]] as const) {
  test(`${name} messages: the same output and issues as the whole variant`, () => {
    const fast = dispatchOn(schema);
    assert.is.not(fast, schema);
    for (const sample of samples) {
      assert.equal(comparable(v.safeParse(fast, sample)), comparable(v.safeParse(schema, sample)), JSON.stringify(sample));
    }
  });
}

test('a schema that is not a plain variant on the key is returned as it is', () => {
  const object = v.object({ type: v.literal('a') });
  assert.is(dispatchOn(object), object);
  const onOtherKey = v.variant('kind', [v.object({ kind: v.literal('a') })]);
  assert.is(dispatchOn(onOtherKey), onOtherKey);
  const nonLiteral = v.variant('type', [v.object({ type: v.picklist(['a', 'b']) })]);
  assert.is(dispatchOn(nonLiteral), nonLiteral);
});

test('two options on one literal: that literal goes through the whole variant, in its order', () => {
  const schema = v.variant('type', [v.object({ type: v.literal('a'), n: v.number() }), v.object({ type: v.literal('a'), s: v.string() }), v.object({ type: v.literal('b') })]);
  const fast = dispatchOn(schema);
  for (const sample of [{ type: 'a', s: 'x' }, { type: 'a', n: 1 }, { type: 'a' }, { type: 'b' }]) {
    assert.equal(comparable(v.safeParse(fast, sample)), comparable(v.safeParse(schema, sample)), JSON.stringify(sample));
  }
});

test.run();
