/**
 * Taking a preset in the real overlay page (Chromium, real server): the take is one version,
 * an item in both scenes morphs in place, and a video with the same src keeps its element and
 * plays on from where it is live, not from where it was when the preset was saved.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { AUTOPLAY_ALLOWED, launchChromium } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { drawn, mediaState, openEditor, type Editor } from '../../testing/overlay-session.ts';
import { recordWebm } from '../../testing/record-webm.ts';

const test = suite('overlay – preset take');
let server: TestServer;
let browser: Browser;
let editor: Editor;

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium([AUTOPLAY_ALLOWED]);
  editor = await openEditor(server);
});

test.after(async () => {
  editor?.close();
  await browser?.close();
  await server?.stop();
});

const streamer = { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' };

test('a same-src video keeps its element and its time across a preset take; the title morphs', async () => {
  const clip = await editor.upload(await recordWebm(browser, 6000), 'loop.webm', 'video/webm');
  const errors: string[] = [];
  const page = await editor.overlay(browser, errors);
  const video = { id: 'cam', kind: 'video', src: clip, loop: true, x: 0, y: 0, w: 320, h: 180 };
  await editor.op({ type: 'add', item: video });
  await editor.op({ type: 'add', item: { id: 'title', kind: 'text', text: 'Starting soon', x: 10, y: 300 } });
  // The preset is saved while the clip is paused at its start, as one sets a scene up before the show.
  await editor.op({ type: 'cue', id: 'cam', action: 'pause' });
  const paused = (await editor.scene()).items.find((i) => i.id === 'cam')!;
  const saved = await fetch(`${server.url}/api/rooms/main/presets/Gameplay`, {
    method: 'PUT',
    headers: streamer,
    body: JSON.stringify({ items: [{ ...paused, x: 500, y: 100, w: 400, h: 225 }, { id: 'title', kind: 'text', text: 'Gameplay', x: 600, y: 20 }, { id: 'score', kind: 'text', text: '0 : 0' }] }),
  });
  assert.is(saved.status, 201);
  await drawn(page, await editor.op({ type: 'cue', id: 'cam', action: 'play' }));
  await page.waitForFunction(() => {
    const m = document.querySelector<HTMLVideoElement>('[data-id="cam"] video');
    return m !== null && !m.paused && m.currentTime > 1;
  });
  await page.$eval('[data-id="cam"] video', (el) => ((el as HTMLVideoElement & { __tag?: string }).__tag = 'original'));
  await page.$eval('[data-id="title"]', (el) => ((el as HTMLElement & { __tag?: string }).__tag = 'original'));
  const before = await mediaState(page, 'cam');

  const res = await fetch(`${server.url}/api/rooms/main/presets/Gameplay/take`, { method: 'POST', headers: streamer });
  const taken = (await res.json()) as { version: number };
  await drawn(page, taken.version);
  await page.waitForTimeout(300);
  const after = await mediaState(page, 'cam');
  assert.is(after.tag, 'original', 'the video element was kept');
  assert.not.ok(after.paused, 'still playing');
  assert.ok(after.time > before.time, `time went on (${before.time} → ${after.time}), no restart`);
  assert.is(await page.$eval('[data-id="title"]', (el) => (el as HTMLElement & { __tag?: string }).__tag), 'original', 'the title is the same element');
  assert.ok(await page.$('[data-id="score"]'), 'the new item is there');
  assert.equal(errors, []);
});

test.run();
