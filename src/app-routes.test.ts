/**
 * The client address is set only on CLIENT_ADDRESS_PATHS (src/app.ts), so that public routes
 * run without middleware; every route is either there or known to be address-free. And
 * GET /health: answered without a promise while the store is known up, a store that goes
 * down is reported down at the next check past the reuse window, and "down" is never reused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN } from '../testing/test-server.ts';
import { CLIENT_ADDRESS_PATHS, createApp } from './app.ts';
import { HEALTH_REUSE_MS, metricsRoutes } from './routes/metrics.ts';
import type { Services } from './services.ts';

/** Routes that never read `clientIp`: public pages, assets, uploaded files and the health probe. */
const ADDRESS_FREE = new Set(['/health', '/', '/overlay', '/preview', '/publish', '/moderator', '/dashboard', '/assets/:name', '/uploads/:name']);

const covered = (path: string) => CLIENT_ADDRESS_PATHS.some((pattern) => (pattern.endsWith('/*') ? path === pattern.slice(0, -2) || path.startsWith(pattern.slice(0, -1)) : path === pattern));

test('every route outside CLIENT_ADDRESS_PATHS is a known address-free one; the API and sockets get the address', async () => {
  const server = await startTestServer();
  try {
    const app = createApp(server.services);
    const unclassified = [...new Set(app.routes.map((route) => route.path))].filter((path) => !covered(path) && !ADDRESS_FREE.has(path));
    assert.equal(unclassified, [], 'a new route outside /api, /ws and /upload: add it to CLIENT_ADDRESS_PATHS or, when it never reads clientIp, to ADDRESS_FREE');
    // The streamer-token failure limit keys on the address: it is there on the API.
    const res = await fetch(`${server.url}/api/scene`, { headers: { 'x-streamer-token': STREAMER_TOKEN } });
    assert.is(res.status, 200);
  } finally {
    await server.stop();
  }
});

function fakeStore(up: () => boolean) {
  let pings = 0;
  return {
    store: { kind: 'redis', ping: async () => (pings++, up()) },
    pings: () => pings,
  };
}

const healthApp = (store: ReturnType<typeof fakeStore>['store']) => metricsRoutes({ store, instanceId: 'test-instance' } as unknown as Services);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('GET /health: answered synchronously while the store is known up; down is reported and never reused', async () => {
  let up = true;
  const fake = fakeStore(() => up);
  const app = healthApp(fake.store);

  const first = await app.fetch(new Request('http://x/health'));
  assert.is(first.status, 200);
  assert.equal(await first.json(), { ok: true, instance_id: 'test-instance', store: 'redis', redis: 'up' });
  assert.is(fake.pings(), 1);

  // Within the reuse window: a Response, not a promise, and no new ping.
  const again = app.fetch(new Request('http://x/health'));
  assert.ok(again instanceof Response, 'answered without a promise');
  assert.is((again as Response).status, 200);
  assert.is(fake.pings(), 1);

  up = false;
  await sleep(HEALTH_REUSE_MS + 20);
  for (let i = 0; i < 3; i++) {
    const down = await app.fetch(new Request('http://x/api/health'));
    assert.is(down.status, 503);
    assert.equal(await down.json(), { ok: false, instance_id: 'test-instance', store: 'redis', redis: 'down' });
  }
  assert.is(fake.pings(), 4, 'every check pings while the store is down');

  up = true;
  assert.is((await app.fetch(new Request('http://x/health'))).status, 200, 'up again at the next check');
});

test('GET /health: checks that arrive together share one ping', async () => {
  const fake = fakeStore(() => true);
  const app = healthApp(fake.store);
  const answers = await Promise.all(Array.from({ length: 5 }, () => app.fetch(new Request('http://x/health'))));
  assert.equal(answers.map((res) => res.status), [200, 200, 200, 200, 200]);
  assert.is(fake.pings(), 1);
});

test.run();
