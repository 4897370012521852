import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModeratorClientMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';
import { OpSender, type OpFailure, type PanelOp } from './op-sender.ts';

const text = (id: string, x = 0): Item => ({ id, kind: 'text', x, y: 0, w: 100, h: 50, z: 0, rotation: 0, opacity: 1, visible: true, locked: false });

function harness() {
  const sent: (ModeratorClientMessage & { req_id?: string; base_version?: number })[] = [];
  const idle: [string, number][] = [];
  const failed: [PanelOp, OpFailure][] = [];
  let online = true;
  const sender = new OpSender((msg) => online && (sent.push(msg as never), true), {
    idle: (key, v) => idle.push([key, v]),
    failed: (op, f) => failed.push([op, f]),
  });
  return { sender, sent, idle, failed, goOffline: () => (online = false) };
}

const ops = suite('moderator op sender');

ops('one op in flight per item; what queues behind it coalesces into one patch with the newest values', () => {
  const { sender, sent, idle } = harness();
  sender.send({ type: 'patch', id: 'a', changes: { x: 1 } }, 5);
  sender.send({ type: 'patch', id: 'a', changes: { x: 2, y: 9 } }, 5);
  sender.send({ type: 'patch', id: 'a', changes: { x: 3 } }, 5);
  sender.send({ type: 'patch', id: 'b', changes: { x: 7 } }, 5);
  assert.equal(sent.map((m) => (m as { id: string }).id), ['a', 'b'], 'b does not wait for a');
  assert.is(sent[0]!.base_version, 5);
  sender.receive({ type: 'ack', req_id: sent[0]!.req_id, version: 6 });
  assert.is(sent.length, 3);
  assert.equal((sent[2] as { changes: object }).changes, { x: 3, y: 9 });
  assert.is(sent[2]!.base_version, 6, 'the next op builds on our own acked change, not on the older scene');
  sender.receive({ type: 'ack', req_id: sent[2]!.req_id, version: 7 });
  assert.equal(idle, [['a', 7]]);
});

ops('the base is the version the moderator saw, not the newest one; our own acks raise it', () => {
  const { sender, sent } = harness();
  // A nudge decided at version 5, sent after version 9 (someone else's) arrived: still based on 5.
  sender.send({ type: 'patch', id: 'a', changes: { x: 1 } }, 5);
  assert.is(sent[0]!.base_version, 5);
  sender.receive({ type: 'ack', req_id: sent[0]!.req_id, version: 10 });
  sender.send({ type: 'patch', id: 'a', changes: { x: 2 } }, 5);
  assert.is(sent[1]!.base_version, 10, 'our own change at 10 is part of what we saw');
  assert.is(sender.knownVersion('a'), 10);
});

ops('adds carry no base_version; a refused op drops what queued behind it and reports the server item', () => {
  const { sender, sent, failed } = harness();
  sender.send({ type: 'add', item: text('n') }, 5);
  assert.is(sent[0]!.base_version, undefined);
  sender.send({ type: 'patch', id: 'n', changes: { x: 5 } }, 5);
  sender.receive({ type: 'ack', req_id: sent[0]!.req_id, version: 6 });
  sender.send({ type: 'patch', id: 'n', changes: { x: 6 } }, 6);
  const newer = text('n', 99);
  sender.receive({ type: 'error', req_id: sent[1]!.req_id, code: 'conflict', message: 'changed', version: 8, item: newer });
  assert.is(sent.length, 2, 'the queued x: 6 was dropped, not sent over the newer change');
  assert.is(failed[0]![1].code, 'conflict');
  assert.equal(failed[0]![1].item, newer);
  assert.is(sender.knownVersion('n'), 6, 'a conflict does not count as our change: undo of ours still conflicts');
});

ops('offline: the op fails at once; reset gives up everything in flight', () => {
  const h = harness();
  h.sender.send({ type: 'patch', id: 'a', changes: { x: 1 } }, 1);
  h.sender.send({ type: 'patch', id: 'a', changes: { x: 2 } }, 1);
  assert.equal(h.sender.reset().length, 2);
  assert.not.ok(h.sender.pending('a'));
  h.goOffline();
  h.sender.send({ type: 'remove', id: 'a' }, 1);
  assert.is(h.failed[0]![1].code, 'offline');
  assert.not.ok(h.sender.pending('a'));
});

ops.run();
