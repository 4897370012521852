/**
 * Fan-out latency: one moderator op → every overlay socket received it, and → the sender's
 * ack (the op is durable and applied). Against a bare `ws` broadcast of the same bytes.
 */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio, round } from './lib/stats.ts';

interface FanoutRun {
  all: { p50: number; p99: number };
  ack: { p50: number; p99: number };
  frameBytes: number;
  samples: number;
}

export async function fanoutBench(ctx: BenchContext): Promise<BenchResult> {
  const agent = await ctx.agent();
  const ns = ctx.quick ? [1, 100] : [1, 100, 1000];
  const scenes = ['small', '10kb'] as const;
  const stores = ctx.quick ? (['embedded'] as const) : (['embedded', 'redis'] as const);
  const opsFor = (n: number) => (ctx.quick ? 30 : n >= 1000 ? 80 : 150);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};

  for (const store of stores) {
    const ours = await ctx.ours({ redis: store === 'redis' });
    const bare = await ctx.baseline('servers/bare-ws.ts');
    // The Redis variant only at N = 100: it shows the store's share, the rest is the same code.
    for (const n of store === 'redis' ? [100] : ns) {
      for (const scene of scenes) {
        const results: { ours: FanoutRun[]; bare: FanoutRun[] } = { ours: [], bare: [] };
        for (let run = 0; run < ctx.runs; run++) {
          const order = run % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
          for (const who of order) {
            const room = `fan-${store}-${n}-${scene}-${run}`;
            const common = { n, scene, ops: opsFor(n), warmup: ctx.quick ? 5 : 15 };
            if (who === 'ours') {
              const token = await ours.call<string>('viewToken', { room });
              results.ours.push(
                await agent.call<FanoutRun>('fanout', {
                  ...common,
                  overlay: { url: `${ours.ws}/ws/overlay?room=${room}&v=2&token=${token}` },
                  moderator: { url: `${ours.ws}/ws/moderator?room=${room}&v=2`, headers: { 'x-streamer-token': STREAMER_TOKEN } },
                }),
              );
            } else {
              results.bare.push(
                await agent.call<FanoutRun>('fanout', {
                  ...common,
                  overlay: { url: `${bare.ws}/?room=${room}&role=overlay` },
                  moderator: { url: `${bare.ws}/?room=${room}&role=moderator` },
                }),
              );
            }
          }
        }
        const key = `${store} N=${n} ${scene}`;
        details[key] = results;
        const label = `N=${n}, ${scene} scene${store === 'redis' ? ', Redis store' : ''} (${results.ours[0]?.frameBytes ?? '?'} B frame)`;
        for (const [what, pick] of [
          ['all overlays received', (r: FanoutRun) => r.all],
          ['sender ack', (r: FanoutRun) => r.ack],
        ] as const) {
          for (const p of ['p50', 'p99'] as const) {
            const ours = results.ours.map((r) => pick(r)[p]);
            const base = results.bare.map((r) => pick(r)[p]);
            const ratio = pairedRatio(ours, base);
            const targeted = what === 'all overlays received' && p === 'p99';
            rows.push({
              metric: `fan-out ${label}: op → ${what} ${p}`,
              unit: 'ms',
              ours: round(median(ours), 2),
              baseline: round(median(base), 2),
              baselineName: 'bare ws broadcast',
              ratio,
              ...(targeted ? { target: '≤ 1.5×', met: ratio <= 1.5 } : {}),
            });
          }
        }
        ctx.log(`fanout ${key}: ours p99 ${rows.at(-3)?.ours} ms vs bare ${rows.at(-3)?.baseline} ms (all received)`);
      }
    }
    await stopAll(ours, bare);
  }
  return { name: 'fanout', title: 'Fan-out latency', rows, details };
}
