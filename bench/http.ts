/** HTTP: GET /health and GET /api/scene with autocannon against a bare Hono hello route. */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio } from './lib/stats.ts';

interface Cannon {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function httpBench(ctx: BenchContext): Promise<BenchResult> {
  const agent = await ctx.agent();
  const ours = await ctx.ours();
  const bare = await ctx.baseline('servers/bare-http.ts');
  const durationS = ctx.quick ? 1 : 3;
  const connections = 20;
  // A scene with a few items, so /api/scene serializes something real.
  for (let i = 0; i < 5; i++) {
    await fetch(`${ours.url}/api/rooms/main/ops`, {
      method: 'POST',
      headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'update', item: { id: `t${i}`, kind: 'text', text: `item ${i}`, x: i * 10 } }),
    });
  }
  const targets = {
    health: { url: `${ours.url}/health` },
    scene: { url: `${ours.url}/api/scene`, headers: { 'x-streamer-token': STREAMER_TOKEN } },
    hello: { url: `${bare.url}/hello` },
  };
  const r: Record<keyof typeof targets, Cannon[]> = { health: [], scene: [], hello: [] };
  for (let run = 0; run < ctx.runs; run++) {
    const order = (run % 2 === 0 ? ['hello', 'health', 'scene'] : ['scene', 'health', 'hello']) as (keyof typeof targets)[];
    for (const name of order) r[name].push(await agent.call<Cannon>('cannon', { ...targets[name], connections, durationS }));
    ctx.log(`http run ${run}: hello ${r.hello.at(-1)!.rps}/s, /health ${r.health.at(-1)!.rps}/s, /api/scene ${r.scene.at(-1)!.rps}/s`);
  }
  for (const [name, runs] of Object.entries(r)) {
    for (const c of runs) if (c.non2xx || c.errors) ctx.log(`warning: ${name} had non2xx=${c.non2xx} errors=${c.errors}`);
  }
  const rows: Row[] = [];
  for (const name of ['health', 'scene'] as const) {
    const path = name === 'health' ? 'GET /health' : 'GET /api/scene (5 items, streamer token)';
    rows.push(
      {
        metric: `${path} requests/s`,
        unit: '/s',
        ours: median(r[name].map((c) => c.rps)),
        baseline: median(r.hello.map((c) => c.rps)),
        baselineName: 'bare Hono hello',
        ratio: pairedRatio(r[name].map((c) => c.rps), r.hello.map((c) => c.rps)),
        ...withTarget(name === 'health' ? 0.8 : 0.5, pairedRatio(r[name].map((c) => c.rps), r.hello.map((c) => c.rps))),
      },
      {
        metric: `${path} p99 latency (${connections} connections; autocannon reports whole ms)`,
        unit: 'ms',
        ours: median(r[name].map((c) => c.p99)),
        baseline: median(r.hello.map((c) => c.p99)),
        baselineName: 'bare Hono hello',
        ratio: pairedRatio(r[name].map((c) => c.p99), r.hello.map((c) => c.p99)),
      },
    );
  }
  await stopAll(ours, bare);
  return { name: 'http', title: 'HTTP', rows, details: r };
}

const withTarget = (atLeast: number, ratio: number) => ({ target: `≥ ${atLeast}×`, met: ratio >= atLeast });
