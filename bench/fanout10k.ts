/**
 * 10,000 overlays on one process: the fan-out measurement of fanout.ts (one op at a time,
 * op → all N overlays received it) at N = 10,000 in one room, against the bare `ws` broadcast
 * at the same N, plus each server's memory with the 10,000 sockets open (RSS and heap per
 * socket, after forced GCs). The load agent (its own process) holds the client sockets.
 *
 * File limit: every socket is a file on both sides. The servers and the agent are started
 * through `/bin/sh -c 'ulimit -n 65536 || ulimit -n "$(ulimit -Hn)"; exec node …'`
 * (bench/lib/child.ts): root raises the hard limit, anyone else gets the hard limit. The
 * effective limit is in the details; below what N needs the benchmark stops with that reason.
 */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { AGENT_NOFILE, STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { nofileLimit } from './lib/child.ts';
import { median, pairedRatio, round, sleep } from './lib/stats.ts';

interface FanoutRun {
  all: { p50: number; p99: number };
  ack: { p50: number; p99: number };
  frameBytes: number;
  samples: number;
}

interface Memory {
  rss: number;
  heapUsed: number;
}

export async function fanout10kBench(ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.quick ? 2000 : 10_000;
  const limit = nofileLimit(AGENT_NOFILE);
  // Each side: n sockets plus the listener, IPC, the store's files, a moderator and some slack.
  if (limit < n + 500) throw new Error(`open-file limit is ${limit} here (need ≥ ${n + 500}); run as root or raise the hard limit (ulimit -Hn)`);
  ctx.log(`fanout10k: open-file limit for the servers and the agent: ${limit}`);

  const agent = await ctx.agent();
  const ours = await ctx.ours({ gc: true, nofile: AGENT_NOFILE });
  const bare = await ctx.baseline('servers/bare-ws.ts', { gc: true, nofile: AGENT_NOFILE });
  // 20 ops (+3 warm-up) per run keep the benchmark under 2 min: opening 10,000 sockets alone takes seconds.
  const ops = ctx.quick ? 10 : 20;
  const results = { ours: [] as FanoutRun[], bare: [] as FanoutRun[] };
  const perSocket = { ours: [] as { rss: number; heap: number }[], bare: [] as { rss: number; heap: number }[] };

  for (let run = 0; run < ctx.runs; run++) {
    const order = run % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
    for (const who of order) {
      const room = `fan10k-${run}`;
      const common = { n, scene: 'small' as const, ops, warmup: 3, hold: true };
      const server = who === 'ours' ? ours : bare;
      const before = await server.call<Memory>('memory');
      const endpoints =
        who === 'ours'
          ? {
              overlay: { url: `${ours.ws}/ws/overlay?room=${room}&v=2&token=${await ours.call<string>('viewToken', { room })}` },
              moderator: { url: `${ours.ws}/ws/moderator?room=${room}&v=2`, headers: { 'x-streamer-token': STREAMER_TOKEN } },
            }
          : { overlay: { url: `${bare.ws}/?room=${room}&role=overlay` }, moderator: { url: `${bare.ws}/?room=${room}&role=moderator` } };
      const t0 = performance.now();
      results[who].push(await agent.call<FanoutRun>('fanout', { ...common, ...endpoints }, 600_000));
      await sleep(300);
      const during = await server.call<Memory>('memory');
      await agent.call('releaseAll', undefined, 120_000);
      perSocket[who].push({ rss: (during.rss - before.rss) / n / 1024, heap: (during.heapUsed - before.heapUsed) / n / 1024 });
      const last = results[who].at(-1)!;
      ctx.log(`fanout10k ${who} run ${run}: p50 ${last.all.p50} ms, p99 ${last.all.p99} ms (all ${n} received); ${round(perSocket[who].at(-1)!.heap, 1)} KB heap, ${round(perSocket[who].at(-1)!.rss, 1)} KB RSS per socket; ${round((performance.now() - t0) / 1000, 1)} s`);
      // Let the closes finish on the server before the next reading.
      await sleep(500);
    }
  }

  const label = `N=${n}, small scene (${results.ours[0]?.frameBytes ?? '?'} B frame)`;
  const rows: Row[] = [];
  for (const p of ['p50', 'p99'] as const) {
    const o = results.ours.map((r) => r.all[p]);
    const b = results.bare.map((r) => r.all[p]);
    const ratio = pairedRatio(o, b);
    rows.push({
      metric: `fan-out ${label}: op → all overlays received ${p}`,
      unit: 'ms',
      ours: round(median(o), 2),
      baseline: round(median(b), 2),
      baselineName: 'bare ws broadcast',
      ratio,
      ...(p === 'p99' ? { target: '≤ 1.5×', met: ratio <= 1.5 } : {}),
    });
  }
  const ack = results.ours.map((r) => r.ack.p99);
  const ackBare = results.bare.map((r) => r.ack.p99);
  rows.push({ metric: `fan-out ${label}: op → sender ack p99`, unit: 'ms', ours: round(median(ack), 2), baseline: round(median(ackBare), 2), baselineName: 'bare ws broadcast', ratio: pairedRatio(ack, ackBare) });
  for (const [what, pick] of [
    ['RSS', (x: { rss: number }) => x.rss],
    ['heap', (x: { heap: number }) => x.heap],
  ] as const) {
    const o = perSocket.ours.map(pick);
    const b = perSocket.bare.map(pick);
    rows.push({
      metric: `${what} per overlay socket with ${n} open (after the ops)`,
      unit: 'KB',
      ours: round(median(o), 1),
      baseline: round(median(b), 1),
      baselineName: 'bare ws server',
      ratio: pairedRatio(o, b),
      ...(what === 'heap' ? { target: '≤ 6 KB', met: median(o) <= 6 } : {}),
    });
  }
  await stopAll(ours, bare);
  return { name: 'fanout10k', title: `${n} overlays on one process`, rows, details: { nofile: limit, n, ops, results, perSocket } };
}
