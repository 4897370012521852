/**
 * The streamer-token failure limit under a concurrent guessing burst, on both stores: every
 * attempt takes its place in the count before the token is compared, so at most the limit
 * of guesses are ever compared (the rest are refused unseen), and a right token arriving
 * after them is refused too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { BUCKETS } from './rate-limit.ts';
import { connect, type Socket } from 'node:net';

const LIMIT = BUCKETS.streamerAuthFailure.limit;

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`streamer-token limit – concurrent guesses (${storeKind})`);
  const storeEnv = async (): Promise<Record<string, string>> =>
    storeKind === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` } : {};
  let server: TestServer;
  test.before(async () => {
    server = await startTestServer({ env: await storeEnv() });
  });
  test.after(() => server?.stop());

  test('300 concurrent wrong tokens: at most the limit are compared (401), the rest 429; then the right one is 429', async () => {
    const answers = await simultaneousGuesses(server.port, 300);
    const statuses = answers.map((a) => a.status);
    const compared = statuses.filter((s) => s === 401).length;
    assert.ok(compared <= LIMIT, `${compared} guesses were compared (limit ${LIMIT})`);
    assert.ok(compared >= 1, 'the first guesses are compared and refused as wrong');
    assert.is(statuses.filter((s) => s === 429).length, 300 - compared, `statuses: ${[...new Set(statuses)]}`);
    assert.ok(answers.every((a) => a.status !== 429 || a.body.includes('"rate_limited"')));
    const right = await server.api('/api/moderator-keys', { streamer: true });
    assert.is(right.status, 429, 'locked out: even the right token waits');
    assert.ok(Number(right.headers.get('retry-after')) >= 1);
  });

  test('right tokens do not use up the budget: 30 in a row, then wrong ones still get the full limit', async () => {
    const fresh = await startTestServer({ env: await storeEnv() });
    try {
      for (let i = 0; i < 30; i++) assert.is((await fresh.api('/api/moderator-keys', { streamer: true })).status, 200, `right token #${i + 1}`);
      // Windows are fixed (per minute of the clock): one may turn over during the loop, which
      // can only add 401s, never turn the first `LIMIT` into 429.
      const statuses: number[] = [];
      while (statuses.length < 3 * LIMIT && statuses.at(-1) !== 429) {
        statuses.push((await fresh.api('/api/moderator-keys', { headers: { 'x-streamer-token': 'w'.repeat(32) } })).status);
      }
      assert.equal(statuses.slice(0, LIMIT), Array(LIMIT).fill(401), 'the right tokens used none of the budget');
      assert.is(statuses.at(-1), 429, `then the limit holds: ${statuses}`);
    } finally {
      await fresh.stop();
    }
  });

  test('30 concurrent right tokens are all served: the streamer\'s own burst is not a failure', async () => {
    const fresh = await startTestServer({ env: await storeEnv() });
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => fresh.api('/api/moderator-keys', { streamer: true }).then((r) => r.status)));
      assert.equal(statuses, Array(30).fill(200), `statuses: ${statuses}`);
    } finally {
      await fresh.stop();
    }
  });

  test.run();
}

/**
 * Open every connection first, then send all requests in one go, so they reach the server
 * together (fetch's pool would stagger them and hide the race).
 */
async function simultaneousGuesses(port: number, count: number): Promise<{ status: number; body: string }[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    })),
  );
  const answers = sockets.map((socket) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: text }));
  }));
  sockets.forEach((socket, i) => {
    socket.write(`GET /api/moderator-keys HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-streamer-token: ${`guess-${i}`.padEnd(32, 'x')}\r\nConnection: close\r\n\r\n`);
  });
  return Promise.all(answers);
}
