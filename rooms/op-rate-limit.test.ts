import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OP_BURST, OP_FLOOD_REFUSALS, OP_FLOOD_WINDOW_MS, OP_RATE_PER_SECOND, OpRateLimiter, type OpAdmission } from './op-rate-limit.ts';

const test = suite('op rate limit – token bucket per socket');

const takeMany = (limiter: OpRateLimiter, count: number, now: number): OpAdmission[] => Array.from({ length: count }, () => limiter.take(now));
const tally = (admissions: OpAdmission[]) => admissions.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a]: (acc[a] ?? 0) + 1 }), {});

test('a burst passes, the next op is refused, a second later the rate is back', () => {
  const limiter = new OpRateLimiter(0);
  assert.equal(tally(takeMany(limiter, OP_BURST, 0)), { ok: OP_BURST });
  assert.is(limiter.take(0), 'rate_limited');
  assert.equal(tally(takeMany(limiter, OP_RATE_PER_SECOND, 1000)), { ok: OP_RATE_PER_SECOND });
  assert.is(limiter.take(1000), 'rate_limited');
});

test('a drag at half the rate is never refused', () => {
  const limiter = new OpRateLimiter(0);
  const everyMs = 1000 / (OP_RATE_PER_SECOND / 2);
  for (let i = 0; i < 10_000; i++) assert.is(limiter.take(i * everyMs), 'ok');
});

test('sending on while refused is a flood; refusals spread over windows are not', () => {
  const flooding = new OpRateLimiter(0);
  takeMany(flooding, OP_BURST, 0);
  assert.equal(tally(takeMany(flooding, OP_FLOOD_REFUSALS, 1)), { rate_limited: OP_FLOOD_REFUSALS });
  assert.is(flooding.take(2), 'flood');

  const pushy = new OpRateLimiter(0);
  for (let window = 0; window < 5; window++) {
    // Each window: a full bucket spent, then half a flood's worth refused. Told often, never closed.
    const admissions = takeMany(pushy, OP_BURST + OP_FLOOD_REFUSALS / 2, window * OP_FLOOD_WINDOW_MS);
    assert.equal(tally(admissions), { ok: OP_BURST, rate_limited: OP_FLOOD_REFUSALS / 2 });
  }
});

test.run();
