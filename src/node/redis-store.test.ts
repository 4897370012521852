import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, sharedRedisUrl, startRedis, type RedisServer } from '../../testing/redis-server.ts';
import { storeContract } from '../../testing/store-contract.ts';
import { StoreUnavailableError } from '../store/store.ts';
import { RedisStore } from './redis-store.ts';

/** Every key this run writes lives under this prefix, so a shared REDIS_URL is never flushed. */
const RUN_PREFIX = `test:${randomUUID().slice(0, 8)}:`;
let opened = 0;

const quietLogger = { info() {}, warn() {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deletes only the keys under `prefix`, found with SCAN. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true });
  try {
    await admin.connect();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

storeContract('RedisStore contract', async () => {
  const url = await sharedRedisUrl();
  // A fresh namespace per test gives each one an empty store.
  const keyPrefix = `${RUN_PREFIX}${++opened}:`;
  const store = await RedisStore.connect(url, { keyPrefix, logger: quietLogger });
  return {
    store,
    async cleanup() {
      await store.close();
      await deleteKeys(url, keyPrefix);
    },
  };
});

/** Elapsed ms and the rejection (or undefined when it resolved). */
async function timedFailure(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ms: performance.now() - started, error };
}

/** Retries `attempt` until it resolves true; fails the test after `timeoutMs`. */
async function recovers(attempt: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await attempt().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  return assert.unreachable(`${what} within ${timeoutMs} ms`) as never;
}

interface Context {
  server?: RedisServer;
  store?: RedisStore;
  received: string[];
  warnings: string[];
}

const outage = suite<Context>('RedisStore when Redis goes away', { received: [], warnings: [] });
const keyPrefix = `${RUN_PREFIX}outage:`;

outage.before(async (context) => {
  context.server = await startRedis();
  const logger = { info() {}, warn: (message: string) => context.warnings.push(message) };
  context.store = await RedisStore.connect(context.server.url, { keyPrefix, logger });
});
outage.after(async (context) => {
  await context.store?.close();
  await context.server?.stop();
});

outage('killed Redis: calls fail fast with StoreUnavailableError, ping is false', async (context) => {
  const store = context.store!;
  await store.set('before', 'kill');
  await store.subscribe('events', (message) => context.received.push(message));
  await context.server!.kill();

  const { ms, error } = await timedFailure(store.get('before'));
  assert.instance(error, StoreUnavailableError, `get rejects with StoreUnavailableError (got ${String(error)})`);
  assert.ok(ms < 1500, `get failed in ${Math.round(ms)} ms, not hanging`);

  const pingStarted = performance.now();
  assert.is(await store.ping(), false, 'ping is false, not a throw');
  assert.ok(performance.now() - pingStarted < 1500, 'ping answers quickly');

  for (const call of [store.set('k', 'v', 10), store.commitScene('main', 0, 'x', 1), store.publish('events', 'lost')]) {
    const failure = await timedFailure(call);
    assert.instance(failure.error, StoreUnavailableError, 'every method maps the outage');
    assert.ok(failure.ms < 1500, `failed in ${Math.round(failure.ms)} ms`);
  }
  const subscribing = await timedFailure(store.subscribe('other', () => {}));
  assert.instance(subscribing.error, StoreUnavailableError, 'subscribe fails fast too');

  // Several reconnect attempts happen in this time; the outage is still logged once per connection.
  await sleep(1000);
  assert.ok(context.warnings.length >= 1 && context.warnings.length <= 2, `outage logged once per connection: ${context.warnings.join(' | ')}`);
});

outage('restarted Redis: the store and its subscriptions resume by themselves', async (context) => {
  const store = context.store!;
  await context.server!.restart();

  await recovers(async () => (await store.get('missing')) === null, 'get works again', 8000);
  assert.is(await store.ping(), true, 'ping is true again');
  // The restarted server lost its script cache: scripted commands must reload transparently.
  assert.is((await store.incrWithTtl('after-restart', 60)).count, 1, 'a Lua-backed command works');
  assert.ok(await store.commitScene('main', 0, 'x', 1), 'scene CAS works');

  // The subscriber reconnects on its own schedule; publish until the old subscription hears one.
  await recovers(
    async () => {
      await store.publish('events', 'after-restart');
      await sleep(50);
      return context.received.includes('after-restart');
    },
    'the pre-restart subscription receives a message',
    8000,
  );
  assert.not.ok(context.received.includes('lost'), 'nothing published during the outage arrives');
});

outage.run();

const startup = suite('RedisStore when Redis is down at startup');

startup('connect resolves anyway and calls fail fast', async () => {
  const port = await freePort();
  const warnings: string[] = [];
  const started = performance.now();
  const store = await RedisStore.connect(`redis://127.0.0.1:${port}`, {
    keyPrefix: `${RUN_PREFIX}down:`,
    readyTimeoutMs: 300,
    logger: { info() {}, warn: (message: string) => warnings.push(message) },
  });
  try {
    assert.ok(performance.now() - started < 1500, 'connect returned after its ready timeout');
    assert.ok(warnings.some((w) => w.includes('not ready')), `the slow start is logged: ${warnings.join(' | ')}`);
    const { ms, error } = await timedFailure(store.get('x'));
    assert.instance(error, StoreUnavailableError, 'get rejects with StoreUnavailableError');
    assert.ok(ms < 500, `in ${Math.round(ms)} ms`);
    assert.is(await store.ping(), false, 'ping is false');
  } finally {
    await store.close();
  }
});

startup.run();
