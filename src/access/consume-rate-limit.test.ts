/**
 * The modkey_consume limit now counted inside the key exchange (one store step): it still holds
 * on both stores, under concurrency too, a refused try leaves the key consumable, and tries
 * whose body is refused still count. Store level and through the real server.
 */
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { RedisStore } from '../node/redis-store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { ExchangeRateLimited, type RecordExchange } from '../store/record-exchange.ts';
import type { Store } from '../store/store.ts';
import { BUCKETS } from './rate-limit.ts';

const LIMIT = BUCKETS.modkeyConsume.limit;
const quietLogger = { info() {}, warn() {} };

const openStore = async (kind: 'redis' | 'embedded'): Promise<Store> =>
  kind === 'redis' ? RedisStore.connect(await sharedRedisUrl(), { keyPrefix: `test:${randomUUID().slice(0, 8)}:`, logger: quietLogger }) : new MemoryStore();

const exchange = (i: number, limit?: RecordExchange['limit']): RecordExchange => ({
  take: 'ticket:h1',
  takeIdPrefix: 'ticket-id:',
  give: { key: `pass:${i}`, value: { id: `p${i}` }, copy: { room: 'room' }, indexKey: `pass-id:p${i}`, indexValue: `${i}`, ttlSeconds: 60 },
  audit: { entry: { ts: 1, who: 'tester', action: 'exchanged' }, copy: {}, cap: 10 },
  ...(limit ? { limit } : {}),
});

for (const kind of ['redis', 'embedded'] as const) {
  const store = suite(`exchangeRecord with a limit (${kind})`);

  store('hits past the limit are refused with the window left and take nothing; 100 concurrent tries: one winner, the rest refused or empty', async () => {
    const s = await openStore(kind);
    try {
      await s.set('ticket:h1', JSON.stringify({ id: 't1', room: 'stage' }), 60);
      const limit = { key: 'rl:test', max: 2, windowSeconds: 60 };
      assert.is(await s.exchangeRecord(exchange(0, { ...limit, key: 'rl:other' })), JSON.stringify({ id: 't1', room: 'stage' }), 'under the limit it takes the record');
      await s.set('ticket:h1', JSON.stringify({ id: 't1', room: 'stage' }), 60);
      await s.incrWithTtl('rl:test', 60);
      await s.incrWithTtl('rl:test', 60);
      const refused = await s.exchangeRecord(exchange(1, limit)).then(() => undefined, (err: unknown) => err);
      assert.ok(refused instanceof ExchangeRateLimited, `refused: ${String(refused)}`);
      assert.ok(refused.ttlSeconds >= 1 && refused.ttlSeconds <= 60, `ttl ${refused.ttlSeconds}`);
      assert.is(await s.get('ticket:h1'), JSON.stringify({ id: 't1', room: 'stage' }), 'the refused try left the record');
      assert.is(await s.get('pass:1'), null, 'and wrote nothing');
      assert.is((await s.incrWithTtl('rl:test', 60)).count, 4, 'the refused hit was counted');

      const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => s.exchangeRecord(exchange(10 + i, { key: 'rl:race', max: 30, windowSeconds: 60 }))));
      const refusedCount = results.filter((r) => r.status === 'rejected' && r.reason instanceof ExchangeRateLimited).length;
      const winners = results.filter((r) => r.status === 'fulfilled' && r.value !== null).length;
      assert.is(refusedCount, 70, 'exactly the hits past 30 are refused');
      assert.is(winners, 1, 'exactly one caller gets the record');
      assert.is(await s.get('ticket:h1'), null);
    } finally {
      await s.close();
    }
  });
  store.run();

  const http = suite(`POST /api/moderator-keys/consume rate limit (${kind})`);
  let server: TestServer;
  http.before(async () => {
    const env: Record<string, string> = { TRUSTED_PROXIES: '127.0.0.1' };
    if (kind === 'redis') Object.assign(env, { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${randomUUID().slice(0, 8)}:` });
    server = await startTestServer({ env });
  });
  http.after(() => server?.stop());

  const issue = async () => {
    const res = await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main' } });
    assert.is(res.status, 200);
    return ((await res.json()) as { key: string }).key;
  };
  const consume = (key: unknown, address: string) => server.api('/api/moderator-keys/consume', { method: 'POST', json: { key }, headers: { 'x-forwarded-for': address } });

  http(`try ${LIMIT + 1} from one client is 429 rate_limited with Retry-After and leaves the key for another client`, async () => {
    const key = await issue();
    for (let i = 0; i < LIMIT; i++) assert.is((await consume(`wrong-${i}`, '10.1.0.1')).status, 400);
    const limited = await consume(key, '10.1.0.1');
    assert.is(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= BUCKETS.modkeyConsume.windowSeconds, `Retry-After ${retryAfter}`);
    assert.is(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
    assert.is((await consume(key, '10.1.0.2')).status, 200, 'the refused try did not consume the key');
    assert.is((await consume(key, '10.1.0.3')).status, 400, 'and it works once');
  });

  http('tries whose body is refused count too, and past the limit they are 429 as well', async () => {
    const bad = () => server.api('/api/moderator-keys/consume', { method: 'POST', json: { nokey: true }, headers: { 'x-forwarded-for': '10.2.0.1' } });
    for (let i = 0; i < LIMIT; i++) assert.is((await bad()).status, 400);
    assert.is((await bad()).status, 429, 'a bad body past the limit');
    const key = await issue();
    assert.is((await consume(key, '10.2.0.1')).status, 429, 'a good key past the limit');
    assert.is((await consume(key, '10.2.0.2')).status, 200, 'the key is still there');
  });

  http('100 concurrent tries of one key from one client: the limit holds and the key is taken once', async () => {
    const key = await issue();
    const statuses = (await Promise.all(Array.from({ length: 100 }, () => consume(key, '10.3.0.1')))).map((r) => r.status).sort();
    assert.is(statuses.filter((s) => s === 429).length, 100 - LIMIT, `statuses: ${statuses}`);
    assert.is(statuses.filter((s) => s === 200).length, 1);
    assert.is(statuses.filter((s) => s === 400).length, LIMIT - 1);
  });
  http.run();
}
