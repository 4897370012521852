/**
 * Key consume: moderator keys consumed per second through POST /api/moderator-keys/consume
 * (rate limit, GETDEL, session creation, audit, cookie) against raw GETDEL through ioredis on
 * the same Redis; and with the embedded store against a bare Hono POST route.
 */
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { stopAll } from './lib/context.ts';
import { median, pairedRatio } from './lib/stats.ts';

interface Cannon {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  requests: number;
  keysExhausted: boolean;
}

export async function keysBench(ctx: BenchContext): Promise<BenchResult> {
  const agent = await ctx.agent();
  const redis = await ctx.redis();
  // Clients appear to come through a trusted proxy, each with its own address, so the
  // per-address consume limit (20/min) does not turn the benchmark into a 429 benchmark.
  const proxied = { TRUSTED_PROXIES: '127.0.0.1' };
  const onRedis = await ctx.ours({ redis: true, env: proxied });
  const embedded = await ctx.ours({ env: proxied });
  const bare = await ctx.baseline('servers/bare-http.ts');
  const durationS = ctx.quick ? 1 : 3;
  const connections = 20;
  const keyCount = ctx.quick ? 3000 : 12_000;

  const consume = async (server: typeof onRedis) => {
    const keys = await server.call<string[]>('issueKeys', { count: keyCount });
    return agent.call<Cannon>('cannon', { url: `${server.url}/api/moderator-keys/consume`, method: 'POST', connections, durationS, keys, spreadClients: true });
  };

  const r = { http: [] as Cannon[], raw: [] as { rps: number }[], embedded: [] as Cannon[], bare: [] as Cannon[] };
  for (let run = 0; run < ctx.runs; run++) {
    r.http.push(await consume(onRedis));
    r.raw.push(await agent.call<{ rps: number }>('getdel', { redisUrl: redis.url, count: ctx.quick ? 30_000 : 200_000, concurrency: connections, durationS }));
    r.embedded.push(await consume(embedded));
    r.bare.push(await agent.call<Cannon>('cannon', { url: `${bare.url}/echo`, method: 'POST', connections, durationS, keys: ['k'] }));
    ctx.log(`keys run ${run}: http/redis ${r.http.at(-1)!.rps}/s, raw GETDEL ${r.raw.at(-1)!.rps}/s, http/embedded ${r.embedded.at(-1)!.rps}/s, bare POST ${r.bare.at(-1)!.rps}/s`);
  }
  for (const c of [...r.http, ...r.embedded]) {
    if (c.non2xx || c.errors || c.keysExhausted) ctx.log(`warning: consume run had non2xx=${c.non2xx} errors=${c.errors} exhausted=${c.keysExhausted}`);
  }
  const rps = (xs: { rps: number }[]) => xs.map((x) => x.rps);
  const rows: Row[] = [
    {
      metric: 'key consume via HTTP, Redis store',
      unit: '/s',
      ours: median(rps(r.http)),
      baseline: median(rps(r.raw)),
      baselineName: 'raw GETDEL via ioredis, same Redis',
      ratio: pairedRatio(rps(r.http), rps(r.raw)),
    },
    {
      metric: 'key consume via HTTP, Redis store, against a bare Hono POST',
      unit: '/s',
      ours: median(rps(r.http)),
      baseline: median(rps(r.bare)),
      baselineName: 'bare Hono POST (JSON in/out)',
      ratio: pairedRatio(rps(r.http), rps(r.bare)),
      target: '≥ 0.3×',
      met: pairedRatio(rps(r.http), rps(r.bare)) >= 0.3,
    },
    {
      metric: 'key consume via HTTP, embedded store',
      unit: '/s',
      ours: median(rps(r.embedded)),
      baseline: median(rps(r.bare)),
      baselineName: 'bare Hono POST (JSON in/out)',
      ratio: pairedRatio(rps(r.embedded), rps(r.bare)),
    },
    {
      metric: 'key consume via HTTP, Redis store, p99 latency',
      unit: 'ms',
      ours: median(r.http.map((c) => c.p99)),
      baseline: median(r.bare.map((c) => c.p99)),
      baselineName: 'bare Hono POST',
      ratio: pairedRatio(r.http.map((c) => c.p99), r.bare.map((c) => c.p99)),
    },
  ];
  await stopAll(onRedis, embedded, bare);
  return { name: 'keys', title: 'Key consume', rows, details: r };
}
