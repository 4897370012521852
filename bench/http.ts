/**
 * HTTP: GET /health and GET /api/scene with autocannon against a bare Hono hello route. Every
 * target is warmed up once before the measured runs (the first seconds otherwise measure the
 * JIT, more of it for the server with more code), and each run also records the CPU time the
 * server process spent per request (/proc, Linux): on a machine whose two cores the load agent
 * shares, that is the figure other load moves least.
 */
import { readFile } from 'node:fs/promises';
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio } from './lib/stats.ts';

interface Cannon {
  rps: number;
  requests: number;
  /** Server process CPU (user + system) per request, µs; null without /proc. */
  cpuUsPerRequest?: number | null;
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
  const serverPid = { health: ours.pid, scene: ours.pid, hello: bare.pid };
  const measure = async (name: keyof typeof targets, seconds: number): Promise<Cannon> => {
    const before = await cpuSeconds(serverPid[name]);
    const result = await agent.call<Cannon>('cannon', { ...targets[name], connections, durationS: seconds });
    const after = await cpuSeconds(serverPid[name]);
    const cpuUsPerRequest = before !== null && after !== null && result.requests > 0 ? Math.round(((after - before) / result.requests) * 1e7) / 10 : null;
    return { ...result, cpuUsPerRequest };
  };
  for (const name of Object.keys(targets) as (keyof typeof targets)[]) await measure(name, 1);
  const r: Record<keyof typeof targets, Cannon[]> = { health: [], scene: [], hello: [] };
  for (let run = 0; run < ctx.runs; run++) {
    const order = (run % 2 === 0 ? ['hello', 'health', 'scene'] : ['scene', 'health', 'hello']) as (keyof typeof targets)[];
    for (const name of order) r[name].push(await measure(name, durationS));
    const cpu = (name: keyof typeof targets) => r[name].at(-1)!.cpuUsPerRequest ?? '?';
    ctx.log(`http run ${run}: hello ${r.hello.at(-1)!.rps}/s (${cpu('hello')} µs CPU), /health ${r.health.at(-1)!.rps}/s (${cpu('health')} µs), /api/scene ${r.scene.at(-1)!.rps}/s (${cpu('scene')} µs)`);
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
        metric: `${path} server CPU per request (lower is better)`,
        unit: 'µs',
        ours: medianOrNull(r[name].map((c) => c.cpuUsPerRequest)),
        baseline: medianOrNull(r.hello.map((c) => c.cpuUsPerRequest)),
        baselineName: 'bare Hono hello',
        ratio: r[name].every((c) => c.cpuUsPerRequest) && r.hello.every((c) => c.cpuUsPerRequest) ? pairedRatio(r[name].map((c) => c.cpuUsPerRequest!), r.hello.map((c) => c.cpuUsPerRequest!)) : null,
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

const medianOrNull = (values: (number | null | undefined)[]) => (values.every((v) => typeof v === 'number') ? median(values as number[]) : null);

/** User + system CPU seconds of a process so far (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s); null elsewhere. */
async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

const withTarget = (atLeast: number, ratio: number) => ({ target: `≥ ${atLeast}×`, met: ratio >= atLeast });
