/**
 * PUBLIC_OVERLAY_ROOMS, for OBS sources still on the FastAPI version's bare URL: those rooms'
 * overlay socket and GET /api/scene work without a token, read-only, and nothing else opens.
 * Also what the process prints: the warning at start, and one log line (not one per poll) for
 * the FastAPI panel's stats polling of a room it may not see.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, TOKEN_SECRET, type TestServer } from '../../testing/test-server.ts';
import { startServerProcess } from '../../testing/server-process.ts';
import { openSocket, refusedStatus } from '../../testing/ws-client.ts';

const test = suite<{ server: TestServer }>('PUBLIC_OVERLAY_ROOMS');

test.before(async (context) => {
  context.server = await startTestServer({ env: { PUBLIC_OVERLAY_ROOMS: 'main, lobby' } });
});
test.after(({ server }) => server.stop());

test('the overlay socket of a public room needs no token, in either protocol, and follows changes', async ({ server }) => {
  const legacy = await openSocket<{ type: string; scene?: { _version: number }; item?: { id: string } }>(server.wsUrl('/ws/overlay'), {}, { legacy: true });
  const ours = await openSocket(server.wsUrl('/ws/overlay?room=main'));
  assert.is((await legacy.next('scene.full')).scene!._version, 0);
  await ours.next('scene.full');
  await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'add', item: { id: 'hi', kind: 'text', text: 'hi' } } });
  assert.is((await legacy.next('scene.add')).item!.id, 'hi');
  await ours.next('scene.patch');

  // Read-only: an op is not an overlay message.
  ours.send({ type: 'remove', id: 'hi', req_id: 1 });
  assert.is((await ours.next('error')).code, 'bad_message');
  const scene = (await (await server.api('/api/scene')).json()) as { items: { id: string }[] };
  assert.equal(scene.items.map((i) => i.id), ['hi']);
  legacy.close();
  ours.close();
});

test('OBS with a stale panel cookie still gets the public overlay; an explicit credential is still checked', async ({ server }) => {
  const stale = await openSocket(server.wsUrl('/ws/overlay?room=lobby'), { cookie: 'so_session=ended-long-ago' });
  await stale.next('scene.full');
  stale.close();
  assert.is(await refusedStatus(server.wsUrl('/ws/overlay?room=lobby&token=forged')), 401);
  assert.is(await refusedStatus(server.wsUrl('/ws/overlay?room=main'), { origin: 'https://evil.example' }), null, 'origin rules as for any overlay (not strict)');
});

test('GET /api/scene of a public room needs no token; nothing else opens', async ({ server }) => {
  const get = await server.api('/api/scene');
  assert.is(get.status, 200);
  assert.is((await server.api('/api/scene?room=lobby')).status, 200);
  assert.is((await server.api('/api/scene?room=private')).status, 401, 'a room not listed');
  assert.is(await refusedStatus(server.wsUrl('/ws/overlay?room=private')), 401);

  const closed: [string, string, object?][] = [
    ['GET', '/api/rooms/main/scene'],
    ['PUT', '/api/scene', { items: [] }],
    ['PUT', '/api/rooms/main/scene', { items: [] }],
    ['POST', '/api/rooms/main/ops', { type: 'clear' }],
    ['POST', '/api/media/play', { id: 'x', url: '/uploads/a.mp4' }],
    ['POST', '/api/media/stop', { id: 'x' }],
    ['POST', '/api/tts/speak', { text: 'hi' }],
    ['POST', '/api/overlay/applied', { version: 1 }],
    ['POST', '/api/overlay/token', { room: 'main' }],
    ['GET', '/api/uploads'],
    ['GET', '/api/webrtc/rooms/main/stats'],
    ['GET', '/api/rooms/main/audit'],
    ['GET', '/api/metrics/realtime'],
  ];
  for (const [method, path, json] of closed) {
    const res = await server.api(path, { method, json });
    assert.ok(res.status === 401 || res.status === 403, `${method} ${path} answered ${res.status}`);
  }
  assert.is(await refusedStatus(server.wsUrl('/ws/moderator?room=main')), 401);
});

test('our overlay page at the bare legacy URL, with no token, draws the public room', async ({ server }) => {
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'update', item: { id: 'obs', kind: 'text', text: 'still on air', x: 10, y: 10 } } });
    for (const path of ['/', '/preview']) {
      const page = await browser.newPage();
      await page.goto(server.url + path);
      await page.waitForFunction(() => document.querySelector('[data-id="obs"]')?.textContent === 'still on air', null, { timeout: 5000 });
      await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'patch', id: 'obs', changes: { text: `live via ${path}` } } });
      await page.waitForFunction((want) => document.querySelector('[data-id="obs"]')?.textContent === want, `live via ${path}`, { timeout: 5000 });
      await page.close();
      await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'patch', id: 'obs', changes: { text: 'still on air' } } });
    }
  } finally {
    await browser?.close();
  }
});

test('the process warns at start while rooms are public, and logs a refused stats poll once, not every 2 s', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-public-'));
  const child = await startServerProcess({
    DATA_DIR: dataDir,
    UPLOAD_DIR: join(dataDir, 'uploads'),
    STREAMER_API_TOKEN: STREAMER_TOKEN,
    TOKEN_SECRET,
    PUBLIC_OVERLAY_ROOMS: 'main',
  });
  try {
    assert.match(child.output(), /PUBLIC_OVERLAY_ROOMS is set/);
    assert.match(child.output(), /room "main" is public/);
    const api = (path: string, init: RequestInit = {}) => fetch(child.url + path, init);
    const issued = (await (await api('/api/moderator-keys/generate', { method: 'POST', headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' }, body: '{"room":"other"}' })).json()) as { key: string };
    const { session } = (await (await api('/api/moderator-keys/consume', { method: 'POST', body: new URLSearchParams({ key: issued.key }) })).json()) as { session: string };
    // The FastAPI version's panel polls its default room `main-room`.
    for (let i = 0; i < 5; i++) {
      const res = await api('/api/webrtc/rooms/main-room/stats', { headers: { authorization: `Bearer ${session}` } });
      assert.is(res.status, 403);
    }
    const lines = () => child.output().split('\n').filter((line) => line.includes('webrtc stats refused'));
    await waitFor('the refusal log line', () => lines().length > 0);
    assert.is(lines().length, 1, child.output());
    assert.match(lines()[0]!, /"room":"main-room"/);
  } finally {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
