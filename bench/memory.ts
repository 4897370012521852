/**
 * Memory: RSS and heap per idle overlay socket with 5,000 open (targets: RSS ≤ 20 KB, heap ≤ 6 KB), and the
 * heap after 10,000 connect/disconnect cycles against the heap before them (target within
 * 10 %: no leak). Servers run with --expose-gc and report settled memory over IPC.
 */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio, round, sleep } from './lib/stats.ts';

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export async function memoryBench(ctx: BenchContext): Promise<BenchResult> {
  const agent = await ctx.agent();
  const ours = await ctx.ours({ gc: true });
  const bare = await ctx.baseline('servers/bare-ws.ts', { gc: true });
  const sockets = ctx.quick ? 500 : 5000;
  const cycles = ctx.quick ? 1000 : 10_000;
  const room = 'mem';
  const token = await ours.call<string>('viewToken', { room });
  const servers = {
    ours: { child: ours, overlay: { url: `${ours.ws}/ws/overlay?room=${room}&v=2&token=${token}` } },
    bare: { child: bare, overlay: { url: `${bare.ws}/?room=${room}&role=overlay` } },
  };
  // A small scene, so each socket got a real scene.full.
  await fetch(`${ours.url}/api/rooms/${room}/ops`, {
    method: 'POST',
    headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'update', item: { id: 'a', kind: 'text', text: 'hello' } }),
  });

  const perSocket = { ours: [] as { rss: number; heap: number }[], bare: [] as { rss: number; heap: number }[] };
  const growth = { ours: [] as number[], bare: [] as number[] };
  const raw: Record<string, unknown[]> = { ours: [], bare: [] };

  for (const who of ['ours', 'bare'] as const) {
    const { child, overlay } = servers[who];
    // Warm the code paths (and the room) before the first reading.
    await agent.call('cycles', { overlay, count: 200, parallel: 20 });
    for (let run = 0; run < ctx.runs; run++) {
      const before = await child.call<Memory>('memory');
      const opened = await agent.call<{ seconds: number }>('holdOpen', { overlay, count: sockets });
      await sleep(300);
      const during = await child.call<Memory>('memory');
      await agent.call('releaseAll');
      await sleep(300);
      perSocket[who].push({ rss: (during.rss - before.rss) / sockets / 1024, heap: (during.heapUsed - before.heapUsed) / sockets / 1024 });
      raw[who]!.push({ before, during, openSeconds: opened.seconds });
      ctx.log(`memory ${who} run ${run}: ${round(perSocket[who].at(-1)!.rss, 1)} KB RSS, ${round(perSocket[who].at(-1)!.heap, 1)} KB heap per socket`);
    }
    for (let run = 0; run < ctx.runs; run++) {
      const start = await child.call<Memory>('memory');
      const done = await agent.call<{ cycles: number; failed: number; seconds: number }>('cycles', { overlay, count: cycles, parallel: 50 }, 600_000);
      await sleep(500);
      const end = await child.call<Memory>('memory');
      growth[who].push(end.heapUsed / start.heapUsed);
      raw[who]!.push({ cycles: done, start, end });
      ctx.log(`memory ${who} cycles run ${run}: heap ${round(start.heapUsed / 2 ** 20, 1)} → ${round(end.heapUsed / 2 ** 20, 1)} MiB after ${done.cycles} cycles in ${done.seconds} s (${done.failed} failed)`);
    }
  }

  const rssO = perSocket.ours.map((x) => x.rss);
  const rssB = perSocket.bare.map((x) => x.rss);
  const heapO = perSocket.ours.map((x) => x.heap);
  const heapB = perSocket.bare.map((x) => x.heap);
  const rows: Row[] = [
    {
      metric: `RSS per idle overlay socket (${sockets} open)`,
      unit: 'KB',
      ours: round(median(rssO), 1),
      baseline: round(median(rssB), 1),
      baselineName: 'bare ws server',
      ratio: pairedRatio(rssO, rssB),
      target: '≤ 20 KB',
      met: median(rssO) <= 20,
    },
    {
      metric: `heap per idle overlay socket (${sockets} open)`,
      unit: 'KB',
      ours: round(median(heapO), 1),
      baseline: round(median(heapB), 1),
      baselineName: 'bare ws server',
      ratio: pairedRatio(heapO, heapB),
      // Issue 20: an open socket keeps only what the room needs (was ≤ 20 KB).
      target: '≤ 6 KB',
      met: median(heapO) <= 6,
    },
    {
      metric: `heap after ${cycles} connect/disconnect cycles ÷ heap before`,
      unit: '×',
      ours: round(median(growth.ours), 3),
      baseline: round(median(growth.bare), 3),
      baselineName: 'bare ws server',
      ratio: pairedRatio(growth.ours, growth.bare),
      target: '≤ 1.10',
      met: median(growth.ours) <= 1.1,
    },
  ];
  await stopAll(ours, bare);
  return { name: 'memory', title: 'Memory', rows, details: { perSocket, growth, raw } };
}
