/**
 * Several instances on one Redis (issue 14): the cost of crossing instances and what a second
 * instance adds. Fan-out: a moderator on A, 100 overlays on B (every op goes A → Redis → B),
 * against the same room with everyone on A, both on the same Redis in the same run. Throughput:
 * 100 rooms × 10 overlays spread over 2 instances (each room's sockets together, as the
 * edge's `hash $arg_room` places them) against 1 instance; the gain needs cores for it.
 */
import { cpus } from 'node:os';
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio, round } from './lib/stats.ts';

interface FanoutRun {
  all: { p50: number; p99: number };
  ack: { p50: number; p99: number };
  frameBytes: number;
  samples: number;
}

interface RampResult {
  best: number;
}

export async function clusterBench(ctx: BenchContext): Promise<BenchResult> {
  const agent = await ctx.agent();
  const prefix = `bench-cluster:${crypto.randomUUID().slice(0, 8)}:`;
  const a = await ctx.ours({ redis: true, env: { REDIS_KEY_PREFIX: prefix, INSTANCE_ID: 'A' } });
  const b = await ctx.ours({ redis: true, env: { REDIS_KEY_PREFIX: prefix, INSTANCE_ID: 'B' } });
  const sockets = (server: typeof a, room: string, token: string) => ({
    overlay: { url: `${server.ws}/ws/overlay?room=${room}&v=2&token=${token}` },
    moderator: { url: `${server.ws}/ws/moderator?room=${room}&v=2`, headers: { 'x-streamer-token': STREAMER_TOKEN } },
  });
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};

  const fanout: { cross: FanoutRun[]; single: FanoutRun[] } = { cross: [], single: [] };
  for (let run = 0; run < ctx.runs; run++) {
    const order = run % 2 === 0 ? (['cross', 'single'] as const) : (['single', 'cross'] as const);
    for (const who of order) {
      const room = `cluster-fan-${who}-${run}`;
      const token = await a.call<string>('viewToken', { room });
      const overlayOn = who === 'cross' ? b : a;
      fanout[who].push(
        await agent.call<FanoutRun>('fanout', {
          n: 100,
          scene: 'small',
          ops: ctx.quick ? 30 : 150,
          warmup: ctx.quick ? 5 : 15,
          overlay: sockets(overlayOn, room, token).overlay,
          moderator: sockets(a, room, token).moderator,
        }),
      );
    }
  }
  details.fanout = fanout;
  for (const p of ['p50', 'p99'] as const) {
    const cross = fanout.cross.map((r) => r.all[p]);
    const single = fanout.single.map((r) => r.all[p]);
    const ratio = pairedRatio(cross, single);
    rows.push({
      metric: `cross-instance fan-out: moderator on A, 100 overlays on B, op → all received ${p}`,
      unit: 'ms',
      ours: round(median(cross), 2),
      baseline: round(median(single), 2),
      baselineName: 'same room on one instance (Redis)',
      ratio,
      target: '≤ 1.5×',
      met: ratio <= 1.5,
    });
  }
  ctx.log(`cluster fan-out p99: cross ${rows.at(-1)?.ours} ms vs single ${rows.at(-1)?.baseline} ms`);

  const throughput: { two: RampResult[]; one: RampResult[] } = { two: [], one: [] };
  for (let run = 0; run < ctx.runs; run++) {
    const order = run % 2 === 0 ? (['two', 'one'] as const) : (['one', 'two'] as const);
    for (const who of order) {
      const names = Array.from({ length: 100 }, (_, i) => `cluster-tp-${who}-${run}-${i}`);
      const rooms = await Promise.all(names.map(async (room, i) => sockets(who === 'two' && i % 2 === 1 ? b : a, room, await a.call<string>('viewToken', { room }))));
      const result = await agent.call<RampResult>('throughput', {
        rooms,
        overlaysPerRoom: 10,
        // 60 ops/s per moderator socket (rooms/op-rate-limit.ts): 3 per room, ≤ 50 ops/s each.
        moderatorsPerRoom: 3,
        startRate: 200,
        factor: 1.5,
        maxRate: 100 * 3 * 50,
        stepMs: ctx.quick ? 700 : 1200,
        p99LimitMs: 50,
      });
      throughput[who].push(result);
      ctx.log(`cluster throughput ${who === 'two' ? '2 instances' : '1 instance'}: ${result.best} ops/s`);
    }
  }
  details.throughput = throughput;
  const cores = cpus().length;
  const two = throughput.two.map((r) => r.best);
  const one = throughput.one.map((r) => r.best);
  const gain = pairedRatio(two, one);
  rows.push({
    metric: `throughput 100 rooms × 10 overlays on 2 instances vs 1 (one Redis, load agent on the same ${cores} cores): max ops/s with p99 ≤ 50 ms`,
    unit: 'ops/s',
    ours: median(two),
    baseline: median(one),
    baselineName: '1 instance',
    ratio: gain,
    target: '≥ 1.6× (with the cores for it)',
    met: gain >= 1.6,
  });
  details.cores = cores;
  await stopAll(a, b);
  return { name: 'cluster', title: 'Several instances on one Redis', rows, details };
}
