/**
 * `hideAt` on the real service as a child process: the room hides an item on time while it
 * runs, and an item whose time passed while the server was down is hidden when it comes back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startServerProcess, type ServerProcess } from '../../testing/server-process.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { drawn, openEditor } from '../../testing/overlay-session.ts';

const test = suite('overlay – hideAt across a restart');
let browser: Browser;
let dir: string;
let server: ServerProcess | null = null;

const reachable = (s: ServerProcess) => ({
  url: s.url,
  async viewToken(room = 'main') {
    const res = await fetch(`${s.url}/api/overlay/token`, { method: 'POST', headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify({ room }) });
    return ((await res.json()) as { token: string }).token;
  },
});

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'so-hide-at-'));
  browser = await launchChromium();
});

test.after(async () => {
  await server?.stop('SIGKILL');
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

test('hides on time while running, and applies a hideAt that passed during a restart before anyone sees the scene', async () => {
  const env = { STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: dir, UPLOAD_DIR: join(dir, 'uploads'), LOG_LEVEL: 'warn' };
  server = await startServerProcess(env);
  const port = server.port;
  const editor = await openEditor(reachable(server));
  const page = await editor.overlay(browser);
  const soon = Date.now() + 1200;
  await editor.op({ type: 'add', item: { id: 'soon', kind: 'text', text: 'soon', hideAt: soon } });
  const version = await editor.op({ type: 'add', item: { id: 'later', kind: 'text', text: 'later', y: 200, hideAt: Date.now() + 60_000 } });
  await drawn(page, version);
  assert.is(await page.$eval('[data-id="soon"]', (el) => getComputedStyle(el).display), 'block');

  const hidden = await editor.socket.next('scene.patch', (m) => m.ops.some((op) => op.op === 'upsert' && op.item.id === 'soon' && !op.item.visible), 5000);
  assert.ok(hidden.server_ts >= soon, `hidden at ${hidden.server_ts}, before its hideAt ${soon}`);
  assert.is(hidden.by, 'room');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-id="soon"]')!).display === 'none');

  // Move `later` to the near future, then stop the server before that time comes.
  const later = Date.now() + 800;
  await editor.op({ type: 'patch', id: 'later', changes: { hideAt: later } });
  editor.close();
  await server.stop('SIGTERM');
  server = null;
  await waitFor('the hideAt to pass while the server is down', () => Date.now() > later + 300, 5000, 50);

  server = await startServerProcess(env, port);
  const res = await fetch(`${server.url}/api/scene?room=main`, { headers: { 'x-streamer-token': STREAMER_TOKEN } });
  const item = ((await res.json()) as { items: { id: string; visible: boolean; hideAt?: number | null }[] }).items.find((i) => i.id === 'later')!;
  assert.is(item.visible, false);
  assert.is(item.hideAt, null);
  // The OBS page reconnects by itself and draws the stored state.
  await page.waitForFunction(() => (window as unknown as { __overlay: { connected: boolean } }).__overlay.connected, undefined, { timeout: 10_000 });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-id="later"]')!).display === 'none');
});

test.run();
