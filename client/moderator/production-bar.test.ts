/**
 * The production bar in a real Chromium against the real server: the Live/Draft switch edits
 * the draft without touching live, Take puts it on air, presets and history drawers work, and
 * a session without the scopes sees no Take, no switch and no revert.
 */
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from '../../src/protocol/scene.ts';
import { waitFor } from '../../testing/browser.ts';
import { panelSynced, startPanelRig, type PanelRig } from '../../testing/panel-page.ts';
import type { TestServer } from '../../testing/test-server.ts';

const test = suite('moderator panel – production bar');
let rig: PanelRig;
let server: TestServer;
let pageErrors: string[];

test.before(async () => {
  rig = await startPanelRig();
  ({ server, pageErrors } = rig);
});
test.after(async () => {
  await rig?.close();
});

const openPanel = async (label: string, grant: Record<string, unknown> = {}): Promise<Page> => (await rig.open(label, { grant })).page;

const liveItems = async () => ((await (await server.api('/api/rooms/main/scene', { streamer: true })).json()) as { items: Item[] }).items;

test('Draft edits stay off air until Take; presets save and list; history offers revert', async () => {
  await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'title', kind: 'text', text: 'Live title' }] } });
  const page = await openPanel('director');
  await page.click('[data-stage-switch="draft"]');
  await page.waitForFunction(() => window.__panel?.connection === 'open' && window.__panel.items.some((i) => i.id === 'title'));
  await page.click('[data-action="add-text"]');
  await page.waitForFunction(() => (window.__panel?.items.length ?? 0) === 2);
  await page.waitForSelector('[data-differs="1"]');
  assert.equal((await liveItems()).map((i) => i.id), ['title'], 'live untouched by the draft');
  await page.click('[data-action="take"]');
  await waitFor('the take on air', async () => (await liveItems()).length === 2);

  await page.click('[data-action="presets"]');
  await page.fill('[data-drawer="presets"] input', 'Gameplay');
  await page.click('[data-drawer="presets"] button[type="submit"]');
  await page.waitForSelector('[data-preset="Gameplay"] .preset-thumb .scene [data-id="title"]');

  await page.click('[data-stage-switch="live"]');
  await page.waitForFunction(panelSynced);
  await page.click('[data-action="history"]');
  await page.waitForSelector('[data-drawer="history"] li[data-version] button');
  assert.equal(pageErrors, []);
});

test('a tts-only session sees no Draft switch, no Take and no revert', async () => {
  const page = await openPanel('voice', { scopes: ['tts'] });
  await page.waitForSelector('[data-action="history"]');
  assert.is(await page.$('[data-stage-switch]'), null);
  assert.is(await page.$('[data-action="take"]'), null);
  await page.click('[data-action="history"]');
  await page.waitForSelector('[data-drawer="history"] li[data-version]');
  assert.is(await page.$('[data-drawer="history"] li[data-version] button'), null, 'no revert buttons');
  await page.click('[data-action="presets"]');
  assert.is(await page.$('[data-drawer="presets"] form'), null, 'no save form');
});

test('preset thumbnails are the panel’s renderer at small scale, as a still: video paused and muted, no audio', async () => {
  const items = [
    { id: 'caption', kind: 'text', text: 'Starting soon', x: 100, y: 100, w: 800, h: 200, fontSize: 96 },
    { id: 'clip', kind: 'video', src: '/uploads/clip.mp4', x: 960, y: 540, w: 640, h: 360, volume: 1, loop: true },
    { id: 'jingle', kind: 'audio', src: '/uploads/jingle.wav', x: 0, y: 900, w: 320, h: 80, volume: 1 },
  ];
  assert.is((await server.api('/api/rooms/main/presets/Soon', { method: 'PUT', streamer: true, json: { items } })).status < 300, true);
  const page = await openPanel('thumbs');
  await page.click('[data-action="presets"]');
  const thumb = await page.waitForSelector('[data-preset="Soon"] .preset-thumb');
  const box = (await thumb.boundingBox())!;
  assert.ok(box.width <= 100 && box.height <= 60, `thumbnail size ${box.width}×${box.height}`);
  assert.is(await page.$eval('[data-preset="Soon"] .preset-thumb [data-id="caption"]', (el) => el.textContent), 'Starting soon', 'text drawn by the renderer');
  const video = await page.$eval('[data-preset="Soon"] .preset-thumb [data-id="clip"] video', (el) => {
    const v = el as HTMLVideoElement;
    return { paused: v.paused, muted: v.muted, autoplay: v.autoplay, preload: v.preload };
  });
  assert.equal(video, { paused: true, muted: true, autoplay: false, preload: 'metadata' });
  assert.is(await page.$('[data-preset="Soon"] .preset-thumb audio'), null, 'audio has no element in a thumbnail');
  assert.equal(pageErrors, []);
});

test('Draft marks what differs from live on the canvas and in the layers; Take clears the marks', async () => {
  const text = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'text', text: id, x: 100, y: 100, w: 200, h: 80, ...extra });
  await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [text('keep'), text('moved'), text('gone')] } });
  await server.api('/api/rooms/main/draft/reset', { method: 'POST', streamer: true });
  const page = await openPanel('marker');
  assert.is(await page.$('[data-diff]'), null, 'the live stage marks nothing');
  await page.click('[data-stage-switch="draft"]');
  await page.waitForFunction(() => window.__panel?.connection === 'open' && window.__panel.items.some((i) => i.id === 'keep'));
  for (const op of [
    { type: 'patch', id: 'moved', changes: { x: 900 } },
    { type: 'remove', id: 'gone' },
    { type: 'add', item: text('fresh', { x: 1200 }) },
  ]) {
    assert.is((await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { ...op, stage: 'draft' } })).status, 200);
  }
  await page.waitForSelector('[data-differs="3"]');
  for (const [id, kind] of [['moved', 'changed'], ['fresh', 'added'], ['gone', 'removed']]) {
    await page.waitForSelector(`.canvas-overlay [data-diff="${id}"][data-diff-kind="${kind}"]`);
  }
  assert.is(await page.$('[data-diff="keep"]'), null, 'an unchanged item has no marker');
  assert.equal(await page.$$eval('[data-layer][data-diff-kind]', (els) => els.map((el) => [el.getAttribute('data-layer'), el.getAttribute('data-diff-kind')]).sort()), [['fresh', 'added'], ['moved', 'changed']]);
  await page.waitForSelector('[data-layer-removed="gone"]');
  const ghost = await page.$eval('[data-diff="gone"]', (el) => (el as HTMLElement).style.left);
  assert.is(ghost, '100px', 'the ghost sits where the removed item is live');

  await page.click('[data-action="take"]');
  await page.waitForSelector('[data-differs=""], [data-differs="0"]');
  await page.waitForFunction(() => document.querySelector('[data-diff]') === null && document.querySelector('[data-layer-removed]') === null);
  assert.equal(pageErrors, []);
});

test.run();
