import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTtsState, withoutWaiting, type TtsEntry } from './speech-queue.ts';

test('a report updates the queued entry in place and keeps its text', () => {
  let queue: TtsEntry[] = [];
  queue = withTtsState(queue, { type: 'tts.state', id: 'a', state: 'queued', text: 'hello' });
  queue = withTtsState(queue, { type: 'tts.state', id: 'b', state: 'queued', text: 'world' });
  queue = withTtsState(queue, { type: 'tts.state', id: 'a', state: 'started' });
  assert.equal(queue, [
    { id: 'a', state: 'started', text: 'hello' },
    { id: 'b', state: 'queued', text: 'world' },
  ]);
});

test('the list keeps the newest 30 entries', () => {
  let queue: TtsEntry[] = [];
  for (let i = 0; i < 35; i++) queue = withTtsState(queue, { type: 'tts.state', id: `e${i}`, state: 'queued', text: String(i) });
  assert.is(queue.length, 30);
  assert.equal([queue[0]!.id, queue.at(-1)!.id], ['e5', 'e34']);
});

test('tts.clear drops what waits or plays, keeps what ended or failed', () => {
  const queue: TtsEntry[] = [
    { id: 'a', state: 'ended' },
    { id: 'b', state: 'started' },
    { id: 'c', state: 'queued' },
    { id: 'd', state: 'error', message: 'no voice' },
  ];
  assert.equal(withoutWaiting(queue).map((e) => e.id), ['a', 'd']);
});

test.run();
