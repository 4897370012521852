/** The per-room apply-latency series behind the dashboard's sparkline. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUCKET_MS, BUCKETS_KEPT, LatencyHistory } from './latency-history.ts';

test('p50/p95 per 10-second bucket, oldest first; nonsense samples are ignored', () => {
  const history = new LatencyHistory();
  const t0 = 1_000_000 * BUCKET_MS;
  for (let ms = 1; ms <= 100; ms++) history.record(ms, t0 + ms);
  history.record(NaN, t0);
  history.record(-5, t0);
  history.record(7, t0 + BUCKET_MS);
  assert.equal(history.series(t0 + BUCKET_MS), [
    { t: t0, p50: 50, p95: 95, n: 100 },
    { t: t0 + BUCKET_MS, p50: 7, p95: 7, n: 1 },
  ]);
});

test('buckets older than the window are forgotten', () => {
  const history = new LatencyHistory();
  const t0 = 2_000_000 * BUCKET_MS;
  history.record(10, t0);
  history.record(20, t0 + BUCKET_MS * BUCKETS_KEPT);
  assert.equal(history.series(t0 + BUCKET_MS * (BUCKETS_KEPT + 1)).map((p) => p.p50), [20]);
});

test.run();
