/**
 * A take replaces the live scene in one version; in the real overlay page (Chromium, real
 * server) an item only the old scene had plays its exit before it goes, and an item only the
 * new scene has plays its enter. Checked for the draft's Take and for a preset take; both
 * reach overlays as one `scene.full` (a replace), so the renderer must diff a full scene too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { drawn, openEditor, type Editor } from '../../testing/overlay-session.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';

const test = suite('overlay – motion on take');
let server: TestServer;
let browser: Browser;
let editor: Editor;
let page: Page;
/** A plain overlay socket beside the page: says which frame overlays got for a version. */
let watcher: TestSocket;
const errors: string[] = [];

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  editor = await openEditor(server);
  page = await editor.overlay(browser, errors);
  watcher = await openSocket(`${server.url.replace(/^http/, 'ws')}/ws/overlay?room=main&token=${encodeURIComponent(await server.viewToken('main'))}`);
  await watcher.next('scene.full');
});

test.after(async () => {
  watcher?.close();
  editor?.close();
  await browser?.close();
  await server?.stop();
});

const streamer = { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' };
// Long and linear, so a poll every 10 ms cannot miss the middle on a busy machine.
const fadeOut = { effect: 'fade', ms: 1500, easing: 'linear' };
const fadeIn = { effect: 'fade', ms: 1500, easing: 'linear' };

/** The item's element while it is visibly mid-animation: opacity strictly between 0 and 1, an animation running. */
const animating = (id: string) =>
  waitFor(`${id} mid-animation`, () =>
    page.$eval(`[data-id="${id}"]`, (el) => {
      const opacity = Number(getComputedStyle(el).opacity);
      return opacity > 0 && opacity < 1 && el.getAnimations().some((a) => a.playState === 'running') ? opacity : null;
    }).catch(() => null), 4000, 10);

const settled = (id: string) =>
  page.waitForFunction((id) => {
    const el = document.querySelector(`[data-id="${id}"]`);
    return el !== null && el.getAnimations().length === 0 && getComputedStyle(el).opacity === '1';
  }, id, { timeout: 5000 });

const gone = (id: string) => page.waitForSelector(`[data-id="${id}"]`, { state: 'detached', timeout: 5000 });

/** Overlays get a take as one frame (today `scene.full`, as for any replace); exactly one for its version. */
async function frameFor(version: number): Promise<void> {
  await waitFor(`a frame for version ${version}`, () => watcher.messages.find((m) => (m.type === 'scene.full' || m.type === 'scene.patch') && m.version === version));
  const frames = watcher.messages.filter((m) => (m.type === 'scene.full' || m.type === 'scene.patch') && m.version === version);
  assert.is(frames.length, 1, 'the take is one version in one frame');
}

async function post(path: string, body?: unknown): Promise<{ version: number }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: streamer, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  assert.is(res.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as { version: number };
}

test('Take of the draft (one frame): the item only live had plays its exit, the item only the draft had plays its enter', async () => {
  await drawn(page, await editor.op({ type: 'add', item: { id: 'old', kind: 'text', text: 'old', x: 0, y: 0, exit: fadeOut } }));
  await editor.op({ type: 'draft.reset' });
  await editor.op({ type: 'remove', id: 'old', stage: 'draft' });
  await editor.op({ type: 'add', item: { id: 'new', kind: 'text', text: 'new', x: 0, y: 200, enter: fadeIn }, stage: 'draft' });
  assert.not.ok(await page.$('[data-id="new"]'), 'the draft item is not live before the take');

  const taken = await post('/api/rooms/main/take');
  await frameFor(taken.version);
  await drawn(page, taken.version);
  await Promise.all([animating('old'), animating('new')]);
  await gone('old');
  await settled('new');
});

test('preset take (one frame): the item only live had plays its exit, the item only the preset had plays its enter; a shared one stays', async () => {
  await drawn(page, await editor.op({ type: 'add', item: { id: 'brb-out', kind: 'text', text: 'going', x: 300, y: 0, exit: fadeOut } }));
  const saved = await fetch(`${server.url}/api/rooms/main/presets/BRB`, {
    method: 'PUT',
    headers: streamer,
    body: JSON.stringify({ items: [{ id: 'new', kind: 'text', text: 'new', x: 0, y: 200, enter: fadeIn }, { id: 'brb-in', kind: 'text', text: 'Be right back', x: 300, y: 300, enter: fadeIn }] }),
  });
  assert.is(saved.status, 201, await saved.text());
  await page.$eval('[data-id="new"]', (el) => ((el as HTMLElement & { __tag?: string }).__tag = 'kept'));

  const taken = await post('/api/rooms/main/presets/BRB/take');
  await frameFor(taken.version);
  await drawn(page, taken.version);
  await Promise.all([animating('brb-out'), animating('brb-in')]);
  assert.is(await page.$eval('[data-id="new"]', (el) => (el as HTMLElement & { __tag?: string }).__tag), 'kept', 'an item in both scenes keeps its element');
  const replayed = await page.$eval('[data-id="new"]', (el) => el.getAnimations().map((a) => `${a.constructor.name} ${a.playState} ${a.currentTime} ${JSON.stringify((a.effect as KeyframeEffect).getKeyframes())}`));
  assert.equal(replayed, [], 'and plays no enter again');
  await gone('brb-out');
  await settled('brb-in');
});

test('no page errors', () => {
  assert.equal(errors, []);
});

test.run();
