/**
 * Room throughput: the highest op rate (offered open-loop, ramped ×1.5, then bisected between
 * the last passing and the first failing rate) at which p99 of op → all overlays of the room
 * received it stays within 50 ms. One room with 100 overlays,
 * then 100 rooms × 10 overlays (the registry and the event loop, not one room).
 */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio } from './lib/stats.ts';

/** Ops/s offered to one moderator socket at most: under the server's 60 ops/s per socket. */
const PER_MODERATOR = 50;
/** Bisection steps after the ramp: the gap between two ×1.5 rates shrinks 16-fold (~3 % of the rate). */
const BISECT_STEPS = 4;

interface RampResult {
  best: number;
  steps: { offered: number; achieved: number; p50: number; p99: number; unacked: number; ok: boolean; phase: 'ramp' | 'bisect' }[];
}

/** `only`: a subset of the shapes (an ad-hoc run of one of them); npm run bench runs all. */
export async function throughputBench(ctx: BenchContext, only?: (shape: { rooms: number; redis: boolean }) => boolean): Promise<BenchResult> {
  const agent = await ctx.agent();
  const embedded = await ctx.ours();
  const onRedis = ctx.quick || (only && !only({ rooms: 100, redis: true })) ? null : await ctx.ours({ redis: true });
  const bare = await ctx.baseline('servers/bare-ws.ts');
  // The Redis variant of 100 rooms separates the embedded store's per-commit fsync from the rest.
  // A moderator socket may send 60 ops/s (rooms/op-rate-limit.ts), so the load is spread over
  // several moderators per room, and the ramp offers at most PER_MODERATOR ops/s to each.
  const shapes = [
    { label: '1 room × 100 overlays', rooms: 1, overlays: 100, moderators: 100, startRate: 100, ours: embedded },
    { label: '100 rooms × 10 overlays', rooms: 100, overlays: 10, moderators: 3, startRate: 200, ours: embedded },
    ...(onRedis ? [{ label: '100 rooms × 10 overlays, Redis store', rooms: 100, overlays: 10, moderators: 3, startRate: 200, ours: onRedis }] : []),
  ];
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const shape of shapes.filter((s) => !only || only({ rooms: s.rooms, redis: s.ours === onRedis }))) {
    const ours = shape.ours;
    const results: { ours: RampResult[]; bare: RampResult[] } = { ours: [], bare: [] };
    for (let run = 0; run < ctx.runs; run++) {
      const order = run % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      for (const who of order) {
        const names = Array.from({ length: shape.rooms }, (_, i) => `tp-${shape.rooms}-${run}-${i}`);
        const rooms =
          who === 'ours'
            ? await Promise.all(
                names.map(async (room) => ({
                  overlay: { url: `${ours.ws}/ws/overlay?room=${room}&v=2&token=${await ours.call<string>('viewToken', { room })}` },
                  moderator: { url: `${ours.ws}/ws/moderator?room=${room}&v=2`, headers: { 'x-streamer-token': STREAMER_TOKEN } },
                })),
              )
            : names.map((room) => ({ overlay: { url: `${bare.ws}/?room=${room}&role=overlay` }, moderator: { url: `${bare.ws}/?room=${room}&role=moderator` } }));
        const result = await agent.call<RampResult>('throughput', {
          rooms,
          overlaysPerRoom: shape.overlays,
          moderatorsPerRoom: shape.moderators,
          startRate: shape.startRate,
          factor: 1.5,
          maxRate: shape.rooms * shape.moderators * PER_MODERATOR,
          bisectSteps: BISECT_STEPS,
          stepMs: ctx.quick ? 700 : 1200,
          p99LimitMs: 50,
        });
        results[who].push(result);
        ctx.log(`throughput ${shape.label} ${who}: ${result.best} ops/s (${result.steps.map((s) => `${s.phase === 'bisect' ? '~' : ''}${s.offered}:${s.p99}`).join(' ')})`);
      }
    }
    details[shape.label] = results;
    const o = results.ours.map((r) => r.best);
    const b = results.bare.map((r) => r.best);
    rows.push({
      metric: `throughput ${shape.label}: max ops/s with p99 ≤ 50 ms (ramp ×1.5, then ${BISECT_STEPS} bisection steps)`,
      unit: 'ops/s',
      ours: median(o),
      baseline: median(b),
      baselineName: 'bare ws broadcast',
      ratio: pairedRatio(o, b),
      // Issue 20: many rooms per process must keep up with a bare broadcast (group commit).
      ...(shape.rooms === 100 ? { target: '≥ 0.9×', met: pairedRatio(o, b) >= 0.9 } : {}),
    });
  }
  await stopAll(...[embedded, onRedis, bare].filter((c) => c !== null));
  return { name: 'throughput', title: 'Room throughput', rows, details };
}
