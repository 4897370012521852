/**
 * The throughput search (bench/load/rate-search.ts) against a fake system with a known limit:
 * the ramp stops at the first failing rate, bisection narrows the gap, a failure counts only
 * when its retry fails too, and no step is ever measured above a failure.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { searchMaxRate, type StepResult } from './rate-search.ts';

const test = suite('rate search');

/** A system that keeps up with `limit` ops/s; `flaky` rates fail on their first try only. */
function system(limit: number, flaky: number[] = []) {
  const tried: number[] = [];
  const failedOnce = new Set<number>();
  const runStep = async (rate: number): Promise<StepResult> => {
    tried.push(rate);
    let ok = rate <= limit;
    if (ok && flaky.includes(rate) && !failedOnce.has(rate)) {
      failedOnce.add(rate);
      ok = false;
    }
    return { offered: rate, achieved: rate, p50: 1, p99: ok ? 10 : 100, unacked: 0, ok };
  };
  return { tried, runStep, settle: async () => {} };
}

test('the plain ramp reports the last passing ×1.5 rate', async () => {
  const sys = system(3000);
  const result = await searchMaxRate({ startRate: 200, factor: 1.5, maxRate: 15000, bisectSteps: 0, ...sys });
  assert.is(result.best, 2280);
  // warm-up, then 200 … 2280 once each, then 3420 twice (two strikes).
  assert.equal(sys.tried, [200, 200, 300, 450, 675, 1013, 1520, 2280, 3420, 3420]);
});

test('bisection narrows the gap between the last passing and the first failing rate', async () => {
  const sys = system(3000);
  const result = await searchMaxRate({ startRate: 200, factor: 1.5, maxRate: 15000, bisectSteps: 4, ...sys });
  // 2280 | 3420 → 2850 ok → 3135 fails → 2993 ok → 3064 fails.
  assert.is(result.best, 2993);
  assert.equal(result.steps.filter((s) => s.phase === 'bisect').map((s) => s.offered), [2850, 3135, 3135, 2993, 3064, 3064]);
  assert.ok(result.best <= 3000 && 3000 - result.best < (3420 - 2280) / 8);
});

test('one noisy step is retried at the same rate before it counts as a failure', async () => {
  const sys = system(3000, [1013, 2850]);
  const result = await searchMaxRate({ startRate: 200, factor: 1.5, maxRate: 15000, bisectSteps: 4, ...sys });
  assert.is(result.best, 2993);
  assert.equal(result.steps.filter((s) => s.offered === 1013).map((s) => s.ok), [false, true]);
});

test('a system that never fails stops at the largest ramp rate within maxRate; one that fails at once reports what bisection finds below the start', async () => {
  const fast = system(Infinity);
  assert.is((await searchMaxRate({ startRate: 100, factor: 2, maxRate: 1000, bisectSteps: 4, ...fast })).best, 800);
  const slow = system(60);
  const result = await searchMaxRate({ startRate: 200, factor: 1.5, maxRate: 15000, bisectSteps: 4, ...slow });
  assert.is(result.best, 50);
});

test.run();
