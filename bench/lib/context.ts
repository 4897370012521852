/**
 * What every benchmark gets from the runner: options, the load agent (started once), and
 * helpers to start our server and the baselines as child processes on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.ts';
import { startRedis, type RedisServer } from '../../testing/redis-server.ts';

export const STREAMER_TOKEN = 'bench-streamer-token-0123456789abcdef';
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef012345';
/** Open-file limit asked for the load agent and the 10,000-socket servers (each socket is a file). */
export const AGENT_NOFILE = 65_536;

export interface Row {
  metric: string;
  unit: string;
  ours: number | null;
  baseline: number | null;
  baselineName: string;
  /** ours / baseline, median of the per-run ratios. */
  ratio: number | null;
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  met?: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
  details: unknown;
  seconds?: number;
  /** The command and date of the run that produced this result (a filtered run updates only its own). */
  command?: string;
  date?: string;
  runs?: number;
}

export interface BenchContext {
  quick: boolean;
  runs: number;
  agent(): Promise<Child>;
  /** Our service (src/node/server.ts) in a child process; `gc` for memory readings. */
  /** `nofile`: the open-file limit to raise the process to (see child.ts). */
  ours(options?: { redis?: boolean; gc?: boolean; env?: Record<string, string>; nofile?: number }): Promise<Child & { url: string; ws: string }>;
  baseline(entry: 'servers/bare-ws.ts' | 'servers/bare-http.ts', options?: { gc?: boolean; nofile?: number }): Promise<Child & { url: string; ws: string }>;
  redis(): Promise<RedisServer>;
  log(message: string): void;
  close(): Promise<void>;
}

export function createContext(options: { quick: boolean; runs: number }): BenchContext {
  let agent: Promise<Child> | undefined;
  let redis: Promise<RedisServer> | undefined;
  const dirs: string[] = [];
  const children: Child[] = [];
  const withUrls = (child: Child) => {
    const url = String(child.info.url);
    return Object.assign(child, { url, ws: url.replace(/^http/, 'ws') });
  };
  const context: BenchContext = {
    ...options,
    // The agent holds every client socket (10,000 in fanout10k): always with a raised file limit.
    agent: () => (agent ??= startChild('load/agent.ts', { name: 'load agent', nofile: AGENT_NOFILE }).then((c) => (children.push(c), c))),
    redis: () => (redis ??= startRedis()),
    async ours(opts = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'so-bench-'));
      dirs.push(dir);
      const env: Record<string, string> = {
        DATA_DIR: dir,
        UPLOAD_DIR: join(dir, 'uploads'),
        STREAMER_API_TOKEN: STREAMER_TOKEN,
        TOKEN_SECRET,
        // The load agent is one address holding thousands of sockets: lift the per-address cap.
        WS_MAX_SOCKETS_PER_ADDRESS: '100000',
        ...(opts.redis ? { REDIS_URL: (await context.redis()).url, REDIS_KEY_PREFIX: `bench:${crypto.randomUUID().slice(0, 8)}:` } : {}),
        ...opts.env,
      };
      // BENCH_PROFILE=<dir>: a CPU profile of each of our server processes (--cpu-prof) in that directory.
      const profileDir = process.env.BENCH_PROFILE || undefined;
      const child = await startChild('servers/app-server.ts', { env: { BENCH_SERVER_ENV: JSON.stringify(env) }, gc: opts.gc, name: 'stream-overlay', profileDir, nofile: opts.nofile });
      children.push(child);
      return withUrls(child);
    },
    async baseline(entry, opts = {}) {
      const child = await startChild(entry, { gc: opts.gc, name: entry, nofile: opts.nofile });
      children.push(child);
      return withUrls(child);
    },
    log: (message) => console.log(`  ${message}`),
    async close() {
      await Promise.all(children.map((c) => c.stop()));
      if (redis) await (await redis).stop();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
  return context;
}

/** Stop children started for one benchmark (the agent and Redis live for the whole run). */
export async function stopAll(...children: Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.stop()));
}
