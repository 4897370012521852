/**
 * Issue 12, item 7: each form of a broadcast is serialized once, and the FastAPI version's
 * form only while such a socket is in the room. Counted at the frame builder the room is given.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SceneFeed } from './scene-feed.ts';
import { legacySocketFrames } from '../src/legacy/socket-messages.ts';
import type { Connection } from './connection.ts';
import type { LegacyFrames } from './legacy-frames.ts';
import type { PatchOp } from '../src/protocol/messages.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';

const test = suite('scene feed – one serialization per form');

function socket(legacy: boolean): Connection & { frames: string[] } {
  const frames: string[] = [];
  return { id: crypto.randomUUID(), role: 'overlay', label: 'overlay', legacy, bufferedAmount: 0, frames, send: (data) => void frames.push(data), close() {} };
}

function feedWith(...sockets: ReturnType<typeof socket>[]) {
  const built = { full: 0, patch: 0 };
  const counting: LegacyFrames = {
    full: (...args) => (built.full++, legacySocketFrames.full(...args)),
    patch: (...args) => (built.patch++, legacySocketFrames.patch(...args)),
  };
  const connections = new Map(sockets.map((s) => [s.id, s] as const));
  const feed = new SceneFeed({ connections, sendRaw: (conn, data) => (conn.send(data), true) }, counting);
  return { feed, built };
}

const item: Item = { id: 'a', kind: 'text', text: 'hi', x: 0, y: 0, w: 100, h: 50, z: 0, visible: true } as Item;
const ops: PatchOp[] = [{ op: 'upsert', item }];
const scene: Scene = { items: [item] };

test('no legacy socket: the legacy frames are never built; every socket gets the same string', () => {
  const ours = [socket(false), socket(false), socket(false)];
  const { feed, built } = feedWith(...ours);
  feed.patch(JSON.stringify({ type: 'scene.patch', ops, version: 1 }), ops, 1, Date.now(), new Map());
  feed.full(scene, 2, Date.now());
  assert.equal(built, { full: 0, patch: 0 });
  for (const s of ours) assert.equal(s.frames, ours[0]!.frames);
  assert.equal(ours[0]!.frames.map((f) => JSON.parse(f).type), ['scene.patch', 'scene.full']);
});

test('several legacy sockets: each legacy form is built once per broadcast and sent to all of them', () => {
  const ours = socket(false);
  const legacy = [socket(true), socket(true), socket(true)];
  const { feed, built } = feedWith(ours, ...legacy);
  feed.patch(JSON.stringify({ type: 'scene.patch', ops, version: 1 }), ops, 1, Date.now(), new Map());
  feed.full(scene, 2, Date.now());
  assert.equal(built, { full: 1, patch: 1 });
  for (const s of legacy) assert.equal(s.frames.map((f) => JSON.parse(f).type), ['scene.add', 'scene.full']);
  assert.equal(ours.frames.map((f) => JSON.parse(f).type), ['scene.patch', 'scene.full']);
});

test.run();
