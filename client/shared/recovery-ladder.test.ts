import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNG_MS, RecoveryLadder } from './recovery-ladder.ts';

test('a disconnected connection waits a rung before each climb', () => {
  const ladder = new RecoveryLadder();
  assert.not.ok(ladder.due(1000, false), 'the first look only starts the clock');
  assert.not.ok(ladder.due(1000 + RUNG_MS - 1, false));
  assert.ok(ladder.due(1000 + RUNG_MS, false));
  assert.is(ladder.step, 1);
  assert.not.ok(ladder.due(1000 + RUNG_MS + 1, false), 'the next rung gets its own time');
  assert.ok(ladder.due(1000 + 2 * RUNG_MS, false));
  assert.is(ladder.step, 2);
});

test('failed climbs the first rung at once, the later ones still wait', () => {
  const ladder = new RecoveryLadder();
  assert.ok(ladder.due(500, true));
  assert.is(ladder.step, 1);
  assert.not.ok(ladder.due(501, true));
  assert.ok(ladder.due(500 + RUNG_MS, true));
  assert.is(ladder.step, 2);
});

test('reset starts at the bottom with no clock; restartClock counts from the given time', () => {
  const ladder = new RecoveryLadder();
  ladder.due(0, true);
  ladder.reset();
  assert.is(ladder.step, 0);
  assert.not.ok(ladder.due(10_000, false), 'after reset the clock starts again at the next look');
  ladder.restartClock(20_000);
  assert.is(ladder.step, 0);
  assert.not.ok(ladder.due(20_000 + RUNG_MS - 1, false));
  assert.ok(ladder.due(20_000 + RUNG_MS, false));
});

test.run();
