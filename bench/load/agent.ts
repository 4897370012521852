/**
 * The load generator: one child process, separate from every server, that holds the client
 * sockets and HTTP load of each benchmark and measures on its own clock (performance.now()).
 * Everything it connects to is a loopback URL handed over by bench/run.ts.
 */
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import autocannon from 'autocannon';
import { serveTasks } from '../lib/child.ts';
import { percentile, round, sleep } from '../lib/stats.ts';
import { searchMaxRate, type StepResult } from './rate-search.ts';

const now = () => performance.now();

export interface Endpoint {
  url: string;
  headers?: Record<string, string>;
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`refusing non-loopback target ${url}`);
}

/** Open one socket and resolve on its first message (the initial scene), or reject. */
function open(endpoint: Endpoint, onMessage?: (data: string) => void, timeoutMs = 15_000): Promise<WebSocket> {
  assertLoopback(endpoint.url);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoint.url, { headers: endpoint.headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no first message from ${endpoint.url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('message', () => {
      clearTimeout(timer);
      if (onMessage) ws.on('message', (data) => onMessage(String(data)));
      resolve(ws);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`upgrade refused: ${res.statusCode}`));
    });
  });
}

/** Open `count` sockets, at most `parallel` handshakes at a time (a listen backlog is finite). */
async function openMany(count: number, make: (i: number) => Promise<WebSocket>, parallel = 100): Promise<WebSocket[]> {
  const sockets: WebSocket[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        sockets[i] = await make(i);
      }
    }),
  );
  return sockets;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            ws.terminate();
            resolve();
          }, 3000);
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          ws.close();
        }),
    ),
  );
}

/** What an overlay does with a patch: parse it, then report the version it "applied". */
function overlayReceive(ws: WebSocket, data: string): { type: string; version?: number } {
  const message = JSON.parse(data) as { type: string; version?: number; server_ts?: number };
  if (message.type === 'scene.patch' || message.type === 'scene.full') {
    ws.send(JSON.stringify({ type: 'overlay.applied', version: message.version, client_ts: Date.now(), server_ts: message.server_ts }));
  }
  return message;
}

const LONG_TEXT = 'lorem ipsum dolor sit amet '.repeat(45).slice(0, 1200);

/** The ops that build a scene: `small` is one short text item, `10kb` nine items of ~1.2 KB text. */
function sceneOps(scene: 'small' | '10kb'): object[] {
  if (scene === 'small') return [{ type: 'update', item: { id: 'a', kind: 'text', text: 'hello', x: 0, y: 0 } }];
  return Array.from({ length: 9 }, (_, i) => ({ type: 'update', item: { id: i === 0 ? 'a' : `b${i}`, kind: 'text', text: LONG_TEXT, x: 0, y: i * 40 } }));
}

/** A moderator socket with request/ack matching and a ping round trip. */
async function moderator(endpoint: Endpoint, onOther?: (message: { type: string; req_id?: number; version?: number }) => void) {
  const waiters = new Map<number | string, (m: { version?: number; type: string }) => void>();
  const ws = await open(endpoint, (data) => {
    const message = JSON.parse(data) as { type: string; req_id?: number; version?: number; client_ts?: number };
    if ((message.type === 'ack' || message.type === 'error') && message.req_id !== undefined) {
      const waiter = waiters.get(message.req_id);
      if (waiter) {
        waiters.delete(message.req_id);
        waiter(message);
      }
    }
    if (message.type === 'pong' && message.client_ts !== undefined) waiters.get(`pong:${message.client_ts}`)?.(message);
    onOther?.(message);
  });
  let seq = 0;
  return {
    ws,
    /** Send an op and wait for its ack; rejects on an error reply. */
    request(op: object, timeoutMs = 10_000): Promise<number> {
      const reqId = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${JSON.stringify(op)}`)), timeoutMs);
        waiters.set(reqId, (m) => {
          clearTimeout(timer);
          if (m.type === 'ack') resolve(m.version!);
          else reject(new Error(`op refused: ${JSON.stringify(m)}`));
        });
        ws.send(JSON.stringify({ ...op, req_id: reqId }));
      });
    },
    /** Returns once the server has answered a ping sent after everything before it. */
    quiesce(): Promise<void> {
      const ts = ++seq;
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, 5000);
        waiters.set(`pong:${ts}`, () => {
          waiters.delete(`pong:${ts}`);
          clearTimeout(timer);
          resolve();
        });
        ws.send(JSON.stringify({ type: 'ping', client_ts: ts }));
      });
    },
    nextReqId: () => ++seq,
  };
}

// ---- fan-out latency --------------------------------------------------------------------

interface FanoutArgs {
  overlay: Endpoint;
  moderator: Endpoint;
  n: number;
  scene: 'small' | '10kb';
  ops: number;
  warmup: number;
  /** Leave the overlays open afterwards (held, like holdOpen) so the server's memory can be read with them. */
  hold?: boolean;
}

/**
 * Op starts at least this far apart: one moderator socket may send 60 ops/s after a burst of
 * 120 (rooms/op-rate-limit.ts). Back to back, the 121st op or so of a run was refused
 * (`rate_limited`); the loop then waited out its 10 s timeout and counted it as an infinite
 * sample. 50/s stays under the limit, like a moderator dragging an item (~30 ops/s).
 */
const FANOUT_OP_INTERVAL_MS = 20;

/** One op at a time: op → every overlay received it, and op → the sender's ack. */
async function fanout(args: FanoutArgs) {
  let current: { got: number; allAt: number; ackAt: number; done: () => void } | null = null;
  let frameBytes = 0;
  const check = () => {
    if (current && current.allAt && current.ackAt) current.done();
  };
  const overlays = await openMany(args.n, () => {
    const socket: { ws?: WebSocket } = {};
    return open(args.overlay, (data) => {
      const message = overlayReceive(socket.ws!, data);
      if (message.type !== 'scene.patch' || !current) return;
      frameBytes = data.length;
      if (++current.got === args.n) {
        current.allAt = now();
        check();
      }
    }).then((ws) => (socket.ws = ws));
  });
  const mod = await moderator(args.moderator);
  for (const op of sceneOps(args.scene)) await mod.request(op);
  await mod.quiesce();

  const all: number[] = [];
  const ack: number[] = [];
  let nextStart = now();
  for (let i = 0; i < args.warmup + args.ops; i++) {
    if (now() < nextStart) await sleep(nextStart - now());
    const t0 = now();
    nextStart = t0 + FANOUT_OP_INTERVAL_MS;
    const reqId = mod.nextReqId();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        current!.allAt ||= Infinity;
        current!.ackAt ||= Infinity;
        resolve();
      }, 10_000);
      current = {
        got: 0,
        allAt: 0,
        ackAt: 0,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const onAck = (data: WebSocket.RawData) => {
        const text = String(data);
        if (text.startsWith('{"type":"error"') && text.includes(`"req_id":${reqId}`)) {
          // A refused op is a broken measurement, not a slow sample.
          clearTimeout(timer);
          mod.ws.off('message', onAck);
          return reject(new Error(`fanout op ${i} refused: ${text}`));
        }
        if (!text.startsWith('{"type":"ack"')) return;
        mod.ws.off('message', onAck);
        current!.ackAt = now();
        check();
      };
      mod.ws.on('message', onAck);
      mod.ws.send(JSON.stringify({ type: 'patch', id: 'a', changes: { x: i % 1000 }, req_id: reqId }));
    });
    if (i >= args.warmup) {
      all.push(current!.allAt - t0);
      ack.push(current!.ackAt - t0);
    }
    current = null;
    // Let the server digest the N overlay.applied reports before the next op.
    await mod.quiesce();
  }
  if (args.hold) {
    held.push(...overlays);
    await closeAll([mod.ws]);
  } else {
    await closeAll([...overlays, mod.ws]);
  }
  return {
    all: { p50: round(percentile(all, 50), 3), p99: round(percentile(all, 99), 3) },
    ack: { p50: round(percentile(ack, 50), 3), p99: round(percentile(ack, 99), 3) },
    frameBytes,
    samples: all.length,
  };
}

// ---- throughput ---------------------------------------------------------------------------

interface ThroughputArgs {
  rooms: { overlay: Endpoint; moderator: Endpoint }[];
  overlaysPerRoom: number;
  /** Moderator sockets per room: one socket may send 60 ops/s (rooms/op-rate-limit.ts). */
  moderatorsPerRoom: number;
  startRate: number;
  factor: number;
  maxRate: number;
  /** Bisection steps between the ramp's last passing and first failing rate (bench/load/rate-search.ts); default none. */
  bisectSteps?: number;
  stepMs: number;
  p99LimitMs: number;
}

/**
 * Open-loop steps: offer `rate` ops/s (round-robin over the rooms) for a step, then check
 * p99 of op → all overlays of its room have the version that carries it. The highest
 * offered rate whose p99 stays within the limit, with every op acknowledged, wins; the
 * rates tried come from searchMaxRate (ramp, then bisection).
 */
async function throughput(args: ThroughputArgs) {
  const k = args.overlaysPerRoom;
  const rooms = await Promise.all(
    args.rooms.map(async (endpoints) => {
      const state = { countAt: new Map<number, number>(), allAt: new Map<number, number>() };
      const overlays = await openMany(k, () => {
        const socket: { ws?: WebSocket } = {};
        return open(endpoints.overlay, (data) => {
          const message = overlayReceive(socket.ws!, data);
          if (message.type !== 'scene.patch') return;
          const v = message.version!;
          const count = (state.countAt.get(v) ?? 0) + 1;
          state.countAt.set(v, count);
          if (count === k) state.allAt.set(v, now());
        }).then((ws) => (socket.ws = ws));
      }, 50);
      return { endpoints, state, overlays };
    }),
  );
  const sent = new Map<number, { at: number; room: number }>();
  const acked = new Map<number, number>();
  const onAck = (m: { type: string; req_id?: number; version?: number }) => {
    if (m.type === 'ack' && typeof m.req_id === 'number' && sent.has(m.req_id)) acked.set(m.req_id, m.version!);
  };
  // Several moderators editing one room, as in real use: the load is spread over them so that
  // no socket goes past the per-socket op rate limit (which would refuse ops, not measure).
  const modsByRoom = await Promise.all(
    rooms.map(async (_, r) => {
      const list: Awaited<ReturnType<typeof moderator>>[] = [];
      for (let i = 0; i < args.moderatorsPerRoom; i += 50) {
        const batch = Math.min(50, args.moderatorsPerRoom - i);
        list.push(...(await Promise.all(Array.from({ length: batch }, () => moderator(args.rooms[r]!.moderator, onAck)))));
      }
      return list;
    }),
  );
  const mods = modsByRoom.flat();
  for (const roomMods of modsByRoom) for (const op of sceneOps('small')) await roomMods[0]!.request(op);
  for (const mod of mods) await mod.quiesce();

  let reqId = 1_000_000;
  const delivered = () => [...sent].every(([id, s]) => acked.has(id) && rooms[s.room]!.state.allAt.has(acked.get(id)!));
  const waitDelivered = async (ms: number) => {
    const deadline = now() + ms;
    while (now() < deadline && !delivered()) await sleep(10);
  };
  const runStep = async (rate: number): Promise<StepResult> => {
    sent.clear();
    acked.clear();
    for (const room of rooms) {
      room.state.countAt.clear();
      room.state.allAt.clear();
    }
    const start = now();
    let count = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = now() - start;
        if (elapsed >= args.stepMs) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor((rate * elapsed) / 1000);
        for (; count < due; count++) {
          const room = count % rooms.length;
          const roomMods = modsByRoom[room]!;
          const mod = roomMods[Math.floor(count / rooms.length) % roomMods.length]!;
          const id = ++reqId;
          sent.set(id, { at: now(), room });
          mod.ws.send(JSON.stringify({ type: 'patch', id: 'a', changes: { x: id % 1000 }, req_id: id }));
        }
      }, 2);
    });
    // Let the tail arrive (bounded): every op acked and delivered, or a second passes.
    await waitDelivered(1000);
    const latencies: number[] = [];
    let unacked = 0;
    for (const [id, s] of sent) {
      const version = acked.get(id);
      if (version === undefined) unacked++;
      const at = version === undefined ? undefined : rooms[s.room]!.state.allAt.get(version);
      latencies.push(at === undefined ? Infinity : at - s.at);
    }
    const p99 = percentile(latencies, 99);
    const achieved = round((sent.size - unacked) / (args.stepMs / 1000), 0);
    return { offered: rate, achieved, p50: round(percentile(latencies, 50), 2), p99: round(p99, 2), unacked, ok: p99 <= args.p99LimitMs && unacked === 0 };
  };
  // A failed step leaves a backlog (queued commits, unread frames) that would fail the next,
  // lower step too: wait until the last step's ops all arrived (bounded), then for the sockets.
  const settle = async (pauseMs: number) => {
    await waitDelivered(10_000);
    for (const mod of mods) await mod.quiesce();
    await sleep(pauseMs);
  };
  const { best, steps } = await searchMaxRate({ startRate: args.startRate, factor: args.factor, maxRate: args.maxRate, bisectSteps: args.bisectSteps ?? 0, runStep, settle });
  await closeAll([...rooms.flatMap((r) => r.overlays), ...mods.map((m) => m.ws)]);
  return { best, steps };
}

// ---- HTTP -----------------------------------------------------------------------------------

interface CannonArgs {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** One fresh moderator key per request (the consume benchmark). */
  keys?: string[];
  /** With keys: a different X-Forwarded-For per request, like many viewers behind a proxy. */
  spreadClients?: boolean;
}

async function cannon(args: CannonArgs) {
  assertLoopback(args.url);
  let index = 0;
  const keys = args.keys;
  const result = await autocannon({
    url: args.url,
    connections: args.connections,
    duration: args.durationS,
    method: args.method ?? 'GET',
    headers: args.headers,
    ...(keys
      ? {
          requests: [
            {
              method: 'POST',
              setupRequest: (req: Record<string, unknown>) => {
                const i = index++;
                const headers: Record<string, string> = { ...(req.headers as Record<string, string>), 'content-type': 'application/json' };
                if (args.spreadClients) headers['x-forwarded-for'] = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
                return { ...req, headers, body: JSON.stringify({ key: keys[i % keys.length] }) };
              },
            },
          ],
        }
      : {}),
  });
  const seconds = result.duration;
  return {
    rps: round(result['2xx'] / seconds, 0),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requests: index || result.requests.total,
    keysExhausted: keys ? index > keys.length : false,
  };
}

async function getdel(args: { redisUrl: string; count: number; concurrency: number; durationS: number }) {
  assertLoopback(args.redisUrl);
  const redis = new Redis(args.redisUrl, { lazyConnect: true });
  await redis.connect();
  const prefix = `bench:getdel:${process.pid}:${Date.now()}:`;
  try {
    for (let i = 0; i < args.count; i += 1000) {
      const pipe = redis.pipeline();
      for (let j = i; j < Math.min(args.count, i + 1000); j++) pipe.set(`${prefix}${j}`, JSON.stringify({ key_id: j, room: 'main', label: 'bench' }), 'EX', 600);
      await pipe.exec();
    }
    let next = 0;
    let hits = 0;
    const start = now();
    const end = start + args.durationS * 1000;
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (now() < end && next < args.count) {
          if ((await redis.getdel(`${prefix}${next++}`)) !== null) hits++;
        }
      }),
    );
    const seconds = (now() - start) / 1000;
    return { rps: round(hits / seconds, 0), hits, exhausted: next >= args.count };
  } finally {
    // Leave nothing behind on the shared Redis.
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

// ---- memory ---------------------------------------------------------------------------------

let held: WebSocket[] = [];

async function holdOpen(args: { overlay: Endpoint; count: number }) {
  const start = now();
  const opened = await openMany(args.count, () => open(args.overlay), 200);
  held.push(...opened);
  return { held: held.length, seconds: round((now() - start) / 1000, 2) };
}

async function releaseAll() {
  const count = held.length;
  await closeAll(held);
  held = [];
  return { closed: count };
}

/** `count` times: connect, receive the scene, close; `parallel` at once. */
async function cycles(args: { overlay: Endpoint; count: number; parallel: number }) {
  const start = now();
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: args.parallel }, async () => {
      while (done + failed < args.count) {
        done++;
        try {
          const ws = await open(args.overlay);
          await closeAll([ws]);
        } catch {
          done--;
          failed++;
          await sleep(20);
        }
      }
    }),
  );
  return { cycles: done, failed, seconds: round((now() - start) / 1000, 2) };
}

serveTasks({ fanout, throughput, cannon, getdel, holdOpen, releaseAll, cycles });
