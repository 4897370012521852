/**
 * Helpers for the resilience tests (src/node/resilience.test.ts, fuzz.test.ts): a Redis that
 * keeps what it acknowledged across a SIGKILL, a server process's RSS, a seeded PRNG, and a
 * moderator that edits continuously and remembers what was acknowledged.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisServer } from './redis-server.ts';
import type { TestSocket } from './ws-client.ts';

export type DurableRedis = RedisServer;

/**
 * A throwaway redis-server whose append-only file is fsynced on every write: a kill and
 * restart here is the production case (Redis with AOF came back), not an empty Redis.
 */
export async function startDurableRedis(): Promise<DurableRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'so-redis-'));
  const redis = await startRedis({ appendOnlyDir: dir });
  return {
    ...redis,
    async stop() {
      await redis.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process, in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb * 1024;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case can be replayed from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

export interface EditLog {
  /** Per item id, the op index of the last op the server acknowledged for it. */
  lastAcked: Map<string, number>;
  acked: number;
  refused: Map<string, number>;
  /** Ops that got neither an ack nor an error within the timeout: a hang. */
  unanswered: number;
  maxAckVersion: number;
  /** The slowest answer (ack or error) in ms. */
  slowestMs: number;
}

/**
 * A moderator editing continuously: one `update` at a time over `items` item ids, text
 * `op-<index>`, until stop() is called. Acks and errors are recorded; nothing is retried.
 */
/** A fast drag sends about 30 ops a second (rooms/op-rate-limit.ts allows 60). */
const DRAG_OP_INTERVAL_MS = 1000 / 30;

export function editContinuously(moderator: TestSocket, options: { items?: number; prefix?: string; timeoutMs?: number } = {}) {
  const items = options.items ?? 20;
  const prefix = options.prefix ?? 'e';
  const log: EditLog = { lastAcked: new Map(), acked: 0, refused: new Map(), unanswered: 0, maxAckVersion: 0, slowestMs: 0 };
  const waiting = new Map<string, (answer: { type: string; version?: number; code?: string }) => void>();
  const onMessage = (data: unknown) => {
    const message = JSON.parse(String(data)) as { type: string; req_id?: string; version?: number; code?: string };
    if ((message.type === 'ack' || message.type === 'error') && typeof message.req_id === 'string') waiting.get(message.req_id)?.(message);
  };
  moderator.ws.on('message', onMessage);
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const id = `${prefix}${i % items}`;
      const reqId = `${prefix}-${i}`;
      const started = performance.now();
      const answer = await new Promise<{ type: string; version?: number; code?: string } | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), options.timeoutMs ?? 5000);
        waiting.set(reqId, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        moderator.send({ type: 'update', item: { id, kind: 'text', text: `op-${i}` }, req_id: reqId });
      });
      waiting.delete(reqId);
      log.slowestMs = Math.max(log.slowestMs, performance.now() - started);
      if (!answer) log.unanswered++;
      else if (answer.type === 'ack') {
        log.acked++;
        log.lastAcked.set(id, i);
        log.maxAckVersion = Math.max(log.maxAckVersion, answer.version ?? 0);
      } else {
        log.refused.set(answer.code ?? '?', (log.refused.get(answer.code ?? '?') ?? 0) + 1);
        // An outage answers at once; do not spin on it.
        await sleep(10);
      }
      // Continuous, not flat out: what a fast drag sends (30 ops/s), well inside the socket's rate limit.
      await sleep(Math.max(2, DRAG_OP_INTERVAL_MS - (performance.now() - started)));
    }
  })();
  return {
    log,
    async stop() {
      stopped = true;
      await done;
      moderator.ws.off('message', onMessage);
      return log;
    },
  };
}
