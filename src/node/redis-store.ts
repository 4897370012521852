/**
 * The Store over Redis (ioredis 6). Built to fail fast: while Redis is unreachable every
 * call rejects within milliseconds with StoreUnavailableError (routes answer 503), and
 * the client keeps reconnecting in the background, so service resumes by itself.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, type AuditEntry, type Store, type StoredScene } from '../store/store.ts';
import { RedisHistoryLog } from './redis-history-log.ts';
import { KvHistoryLog } from '../store/history-log.ts';
import { becomesReady, isConnectionError, quit, reportOutagesOnce } from './redis-connection.ts';
import { TickPipeline } from './redis-tick-pipeline.ts';
import { EXCHANGE_RECORD_LUA, exchangeArguments, exchangeReply } from './redis-exchange.ts';
import { countHitLua } from './redis-hit-counter-lua.ts';
import type { RecordExchange } from '../store/record-exchange.ts';

export interface RedisStoreLogger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
}

export interface RedisStoreOptions {
  /** Namespace for every key and channel; default `so:`. */
  keyPrefix?: string;
  logger?: RedisStoreLogger;
  /** How long connect() waits for Redis before returning anyway; default 5000 ms. */
  readyTimeoutMs?: number;
}

const COMMAND_TIMEOUT_MS = 2000;
const SCAN_COUNT = 500;

const CONNECTION_OPTIONS: RedisOptions = {
  // Without these ioredis queues commands while disconnected and retries them for over a minute.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: 3000,
  // disconnect() arms a timer of this length even for a socket that is already gone,
  // which would hold the process open at shutdown during an outage (ioredis default 2 s).
  disconnectTimeout: 200,
  // Commands issued in one event-loop turn (by concurrent requests) leave in one write: a key
  // consume's two commands cost a syscall each otherwise, the largest share of its CPU (profiled).
  enableAutoPipelining: true,
  // Reconnect forever, backing off to at most 2 s between attempts.
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/** Compare-and-set of a scene hash; a missing hash counts as version 0. */
const COMMIT_SCENE_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'data', ARGV[3])
return 1`;

/** INCR, and start the window when the key has none (its first increment). */
const INCR_WITH_TTL_LUA = `${countHitLua('KEYS[1]', 'ARGV[1]')}
return {count, ttl}`;

const APPEND_AUDIT_LUA = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1`;

/** The commands defineCommand adds at runtime. */
interface ScriptedRedis extends Redis {
  soCommitScene(key: string, expectedVersion: number, version: number, data: string): Promise<number>;
  soIncrWithTtl(key: string, ttlSeconds: number): Promise<[number, number]>;
  soAppendAudit(key: string, entry: string, cap: number): Promise<number>;
  soExchangeRecord(key: string, ...args: (string | number)[]): Promise<string | null | [number]>;
}

/** The same commands on a pipeline. */
interface ScriptedPipeline {
  soCommitScene(key: string, expectedVersion: number, version: number, data: string): unknown;
  soAppendAudit(key: string, entry: string, cap: number): unknown;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;

  private subscriber: Redis | undefined;
  /** Handlers per namespaced channel; one Redis subscription serves them all. */
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  /** Scene CAS and audit appends of one event-loop turn, all rooms together, in one round trip. */
  readonly batch: TickPipeline;
  readonly historyLog: RedisHistoryLog;

  private constructor(
    private readonly client: ScriptedRedis,
    private readonly prefix: string,
    private readonly logger: RedisStoreLogger,
  ) {
    this.batch = new TickPipeline(client);
    this.historyLog = new RedisHistoryLog(client, prefix, (operation) => this.run(operation), new KvHistoryLog(this));
  }

  /** Resolves even when Redis is down (after readyTimeoutMs, with a warning): calls fail fast until it is back. */
  static async connect(url: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const logger = opts.logger ?? console;
    const client = new Redis(url, CONNECTION_OPTIONS) as ScriptedRedis;
    reportOutagesOnce(client, 'redis', logger);
    client.defineCommand('soCommitScene', { numberOfKeys: 1, lua: COMMIT_SCENE_LUA });
    client.defineCommand('soIncrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL_LUA });
    client.defineCommand('soAppendAudit', { numberOfKeys: 1, lua: APPEND_AUDIT_LUA });
    client.defineCommand('soExchangeRecord', { numberOfKeys: 1, lua: EXCHANGE_RECORD_LUA });
    const readyTimeoutMs = opts.readyTimeoutMs ?? 5000;
    if (!(await becomesReady(client, readyTimeoutMs))) {
      logger.warn(`redis store: not ready after ${readyTimeoutMs} ms; continuing, calls fail until it is reachable`);
    }
    return new RedisStore(client, opts.keyPrefix ?? 'so:', logger);
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.kvKey(key)));
  }

  set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    return this.run(async () => {
      if (ttlSeconds === undefined) await this.client.set(this.kvKey(key), value);
      else await this.client.set(this.kvKey(key), value, 'EX', checkTtl(ttlSeconds));
    });
  }

  setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    return this.run(async () => {
      const reply =
        ttlSeconds === undefined
          ? await this.client.set(this.kvKey(key), value, 'NX')
          : await this.client.set(this.kvKey(key), value, 'EX', checkTtl(ttlSeconds), 'NX');
      return reply === 'OK';
    });
  }

  getDel(key: string): Promise<string | null> {
    return this.run(() => this.client.getdel(this.kvKey(key)));
  }

  del(key: string): Promise<void> {
    return this.run(async () => {
      await this.client.del(this.kvKey(key));
    });
  }

  keys(prefix: string): Promise<string[]> {
    return this.run(async () => {
      const namespace = this.kvKey('');
      const found = await this.scan(`${escapeGlob(namespace + prefix)}*`);
      return found.map((key) => key.slice(namespace.length)).sort();
    });
  }

  incrWithTtl(key: string, ttlSeconds: number): Promise<{ count: number; ttlSeconds: number }> {
    return this.run(async () => {
      const [count, ttl] = await this.client.soIncrWithTtl(this.kvKey(key), checkTtl(ttlSeconds));
      return { count: Number(count), ttlSeconds: Number(ttl) };
    });
  }

  loadScene(room: string): Promise<StoredScene | null> {
    return this.run(async () => {
      const [version, data] = await this.client.hmget(this.sceneKey(room), 'version', 'data');
      if (version === null || data === null) return null;
      return { data, version: Number(version) };
    });
  }

  commitScene(room: string, expectedVersion: number, data: string, version: number): Promise<boolean> {
    return this.run(async () => {
      const key = this.sceneKey(room);
      const written = await this.batch.call<number>((p) => (p as unknown as ScriptedPipeline).soCommitScene(key, expectedVersion, version, data));
      return Number(written) === 1;
    });
  }

  listSceneRooms(): Promise<string[]> {
    return this.run(async () => {
      const namespace = this.sceneKey('');
      const found = await this.scan(`${escapeGlob(namespace)}*`);
      return found.map((key) => key.slice(namespace.length)).sort();
    });
  }

  publish(channel: string, message: string): Promise<void> {
    return this.run(async () => {
      await this.client.publish(this.channelName(channel), message);
    });
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    return this.run(async () => {
      // The subscriber connection queues while offline, so check here to keep failing fast.
      if (this.client.status !== 'ready') throw new StoreUnavailableError();
      const name = this.channelName(channel);
      const subscriber = this.subscriberConnection();
      let handlers = this.handlers.get(name);
      if (!handlers) this.handlers.set(name, (handlers = new Set()));
      // A fresh function per call, so subscribing the same callback twice yields two subscriptions.
      const handler = (message: string) => onMessage(message);
      handlers.add(handler);
      try {
        // Sent on every subscribe (idempotent in Redis) so each caller knows it is in effect.
        await subscriber.subscribe(name);
      } catch (err) {
        this.removeHandler(name, handler);
        throw err;
      }
      return () => this.removeHandler(name, handler);
    });
  }

  appendAudit(room: string, entry: AuditEntry, cap: number): Promise<void> {
    return this.run(async () => {
      if (!Number.isInteger(cap) || cap < 1) throw new RangeError('audit cap must be a positive integer');
      const key = this.auditKey(room);
      const line = JSON.stringify(entry);
      await this.batch.call((p) => (p as unknown as ScriptedPipeline).soAppendAudit(key, line, cap));
    });
  }

  exchangeRecord(op: RecordExchange): Promise<string | null> {
    // The reply is read outside run(): a refused hit is an answer, not a store failure.
    return this.run(() => this.client.soExchangeRecord(...exchangeArguments(op, (key) => this.kvKey(key), this.auditKey('')))).then(exchangeReply);
  }

  listAudit(room: string, limit: number): Promise<AuditEntry[]> {
    return this.run(async () => {
      // LRANGE -0 -1 would be the whole list.
      if (limit <= 0) return [];
      const entries = await this.client.lrange(this.auditKey(room), -limit, -1);
      return entries.map((entry) => JSON.parse(entry) as AuditEntry);
    });
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([quit(this.client), this.subscriber && quit(this.subscriber)]);
  }

  /** Connection trouble becomes StoreUnavailableError; bad input and Redis' own errors pass through. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      if (isConnectionError(err)) throw new StoreUnavailableError(err);
      // An unrecognised failure while disconnected is most likely the disconnection itself.
      if (this.client.status !== 'ready' && !isProgrammingError(err)) throw new StoreUnavailableError(err);
      throw err;
    }
  }

  /** SCAN, not KEYS: it never blocks Redis for long. Keys may repeat across batches. */
  private async scan(pattern: string): Promise<string[]> {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      for (const key of batch) found.add(key);
      cursor = next;
    } while (cursor !== '0');
    return [...found];
  }

  /**
   * Created on first use. Unlike the command connection it keeps ioredis' offline queue,
   * and ioredis resubscribes its channels by itself after a reconnect.
   */
  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      const subscriber = this.client.duplicate({ enableOfflineQueue: true });
      reportOutagesOnce(subscriber, 'redis subscriber', this.logger);
      subscriber.on('message', (name: string, message: string) => this.dispatch(name, message));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private dispatch(name: string, message: string): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        handler(message);
      } catch (err) {
        // ioredis would rethrow it as an uncaught exception; one bad subscriber must not take the process down.
        this.logger.warn(`redis store: a subscriber of ${name} threw`, err);
      }
    }
  }

  private async removeHandler(name: string, handler: (message: string) => void): Promise<void> {
    const handlers = this.handlers.get(name);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.handlers.delete(name);
    try {
      await this.subscriber?.unsubscribe(name);
    } catch {
      // Messages for a channel without handlers are dropped anyway; nothing to report.
    }
  }

  private kvKey(key: string): string {
    return `${this.prefix}kv:${key}`;
  }

  private sceneKey(room: string): string {
    return `${this.prefix}scene:${room}`;
  }

  private auditKey(room: string): string {
    return `${this.prefix}audit:${room}`;
  }

  private channelName(channel: string): string {
    return `${this.prefix}ch:${channel}`;
  }
}

function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || (err as Error | null)?.name === 'ReplyError';
}

function checkTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError('ttlSeconds must be a positive integer');
  return ttlSeconds;
}

/** SCAN MATCH is a glob: a prefix containing * ? [ ] or \ must match itself only. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
