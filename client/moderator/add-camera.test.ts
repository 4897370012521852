/**
 * "Add camera" in a real Chromium against the real server: the click puts a webrtc item in the
 * stored scene and shows a publisher link for this room that copies and opens the /publish page.
 */
import type { Browser } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from '../../src/protocol/scene.ts';
import { panelSynced } from '../../testing/panel-page.ts';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

const test = suite('panel – add camera');
let server: TestServer;
let browser: Browser;
const errors: string[] = [];

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
});

const storedItems = async (room: string) => ((await (await server.api(`/api/rooms/${room}/scene`, { streamer: true })).json()) as { items: Item[] }).items;

test('Add camera: a webrtc item on the server, and a publisher link for this room that copies and opens /publish', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.on('pageerror', (err) => errors.push(String(err)));
  const issued = (await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'studio', label: 'Guest desk' } })).json()) as { key: string };
  await page.goto(`${server.url}/moderator?key=${encodeURIComponent(issued.key)}`);
  await page.waitForFunction(panelSynced);

  const button = page.locator('[data-action="add-camera"]');
  assert.is((await button.textContent())?.trim(), '+ Camera');
  await button.click();
  const camera = await waitFor('a webrtc item in the stored scene', async () => (await storedItems('studio')).find((i) => i.kind === 'webrtc'));
  assert.is(camera.webrtcRoom, 'studio');
  assert.ok(camera.w > 0 && camera.h > 0 && camera.visible);

  const link = page.locator('[data-publisher-link="camera"]');
  await link.waitFor({ state: 'visible' });
  const url = new URL(await link.inputValue());
  assert.is(url.origin, server.url);
  assert.is(url.pathname, '/publish');
  assert.is(url.searchParams.get('room'), 'studio');
  assert.ok((url.searchParams.get('token') ?? '').length > 20, 'a publisher token in the link');

  await page.click('[data-action="copy-publisher-link"]');
  await waitFor('the copied state', async () => (await page.textContent('[data-action="copy-publisher-link"]'))?.trim() === 'Copied');
  assert.is(await page.evaluate(() => navigator.clipboard.readText()), url.href);

  // A second camera cascades instead of landing exactly on the first.
  await button.click();
  const cameras = await waitFor('two webrtc items', async () => {
    const found = (await storedItems('studio')).filter((i) => i.kind === 'webrtc');
    return found.length === 2 && found;
  });
  assert.not.equal([cameras[0]!.x, cameras[0]!.y], [cameras[1]!.x, cameras[1]!.y]);

  const [publish] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="open-publisher"]')]);
  await publish.waitForLoadState();
  assert.is(new URL(publish.url()).pathname, '/publish');
  await publish.waitForSelector('h1');
  assert.match((await publish.textContent('h1')) ?? '', 'studio');
  assert.equal(errors, []);
  await context.close();
});

test.run();
