import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, msUntilNextChange, timerText } from './timer-format.ts';

test('formats: mm:ss keeps counting minutes past an hour, hh:mm:ss always has hours, auto only when needed', () => {
  assert.is(formatDuration(65, 'mm:ss'), '01:05');
  assert.is(formatDuration(3725, 'mm:ss'), '62:05');
  assert.is(formatDuration(65, 'hh:mm:ss'), '00:01:05');
  assert.is(formatDuration(65, 'auto'), '01:05');
  assert.is(formatDuration(3725, 'auto'), '01:02:05');
});

test('a countdown rounds up and shows endText at zero; a countup rounds down', () => {
  const countdown = { mode: 'countdown', durationMs: 10_000, startedAt: 1000, format: 'mm:ss' } as const;
  assert.is(timerText(countdown, 1000), '00:10');
  assert.is(timerText(countdown, 1800), '00:10');
  assert.is(timerText(countdown, 3000), '00:08');
  assert.is(timerText(countdown, 60_000), '00:00');
  assert.is(timerText({ ...countdown, endText: 'GO!' }, 60_000), 'GO!');
  assert.is(timerText({ mode: 'countup', startedAt: 0, format: 'auto' }, 1999), '00:01');
  assert.is(timerText({ mode: 'countdown', durationMs: 5000, format: 'mm:ss' }, 99_999), '00:05', 'not started');
});

test('the next change is when the shown second flips, never for a paused timer', () => {
  const countdown = { mode: 'countdown', durationMs: 10_000, startedAt: 1000, format: 'mm:ss' } as const;
  assert.is(msUntilNextChange(countdown, 1300), 700);
  assert.is(msUntilNextChange({ ...countdown, pausedAt: 2000 }, 5000), Infinity);
  assert.is(msUntilNextChange({ mode: 'countup', startedAt: 0, format: 'mm:ss' }, 2300), 700);
});

test.run();
