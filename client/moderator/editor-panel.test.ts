/**
 * The panel as an editor, in a real Chromium against the real server: the laptop layout
 * (1366×768, Russian) keeps canvas and properties in view together, the phone width stays
 * usable, and the transport, "show for", timer and cascade controls send the right ops.
 * Layout is checked by element boxes, not pixels.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from '../../src/protocol/scene.ts';
import { panelSynced } from '../../testing/panel-page.ts';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { pngBytes, wavBytes } from '../../testing/media-samples.ts';

type PanelState = { version: number; items: Item[]; selection: string | null; connection: string };
const test = suite('panel – editor');
let server: TestServer;
let browser: Browser;
const errors: string[] = [];
const SHOTS = process.env.PANEL_SCREENSHOTS;

const serverItem = async (id: string) => {
  const res = await server.api('/api/rooms/main/scene', { streamer: true });
  return ((await res.json()) as { items: Item[] }).items.find((i) => i.id === id);
};

async function openPanel(width: number, height: number, locale = 'ru-RU'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  const page = await context.newPage();
  page.setDefaultTimeout(6000);
  page.setDefaultNavigationTimeout(20_000);
  page.on('pageerror', (err) => errors.push(String(err)));
  const issued = (await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: 'Модератор' } })).json()) as { key: string };
  await page.goto(`${server.url}/moderator?key=${encodeURIComponent(issued.key)}`);
  await page.waitForFunction(panelSynced);
  return page;
}

const panelItems = (page: Page) => page.evaluate(() => (window as unknown as { __panel: PanelState }).__panel.items);

async function addVia(page: Page, action: string): Promise<string> {
  const before = new Set((await panelItems(page)).map((i) => i.id));
  await page.click(`[data-action="${action}"]`);
  return waitFor(`a new item from ${action}`, async () => (await panelItems(page)).find((i) => !before.has(i.id))?.id);
}

const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
});

test('1366×768 in Russian: the top bar is one row; canvas and properties are in view together, side by side', async () => {
  const page = await openPanel(1366, 768);
  const id = await addVia(page, 'add-text');
  await page.waitForSelector(`[data-properties="${id}"]`);
  const viewport = { width: 1366, height: 768 };
  const canvas = await box(page, '.canvas-frame');
  const props = await box(page, '.properties');
  const inView = (b: { x: number; y: number; width: number; height: number }) => b.x >= 0 && b.y >= 0 && b.x + b.width <= viewport.width + 0.5;
  assert.ok(inView(canvas) && canvas.y + canvas.height <= viewport.height, `canvas ${JSON.stringify(canvas)}`);
  assert.ok(inView(props), `properties ${JSON.stringify(props)}`);
  assert.ok(props.y < 200 && Math.min(props.y + props.height, viewport.height) - props.y > 400, `properties below the fold: ${JSON.stringify(props)}`);
  assert.ok(props.x >= canvas.x + canvas.width, 'properties are beside the canvas, not under it');
  assert.ok(canvas.width >= 600, `canvas is only ${canvas.width}px wide`);
  // One row: every top-bar child sits on the same line.
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/panel-1366.png` });
  // One row: every visible top-bar child crosses the bar's middle line.
  const offRow = await page.$$eval('.top-bar > *', (els) => {
    const bar = els[0]!.parentElement!.getBoundingClientRect();
    const middle = bar.top + bar.height / 2;
    return els.filter((el) => (el as HTMLElement).offsetWidth > 0 && (el as HTMLElement).offsetHeight > 0).filter((el) => {
      const r = el.getBoundingClientRect();
      return r.top > middle || r.bottom < middle;
    }).map((el) => el.className || el.tagName);
  });
  assert.equal(offRow, [], 'the top bar wraps');
  const bar = await box(page, '.top-bar');
  assert.ok(bar.height < 56, `top bar is ${bar.height}px tall`);
  // Layer names keep their room next to the row's icons.
  const name = await box(page, `[data-layer="${id}"] .name`);
  assert.ok(name.width >= 100, `layer name is ${name.width}px wide`);
  assert.is(await page.$$eval(`[data-layer="${id}"] .actions > button`, (els) => els.length), 2, 'rare actions are in the row menu');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/panel-1366.png` });
  await page.context().close();
});

test('390 px wide: nothing scrolls sideways and canvas and properties stack', async () => {
  const page = await openPanel(390, 844);
  await addVia(page, 'add-text');
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 391, `page is ${scroll}px wide`);
  const canvas = await box(page, '.canvas-frame');
  assert.ok(canvas.width > 300 && canvas.x >= 0 && canvas.x + canvas.width <= 391);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/panel-390.png`, fullPage: true });
  await page.context().close();
});

test('new items cascade instead of stacking exactly on top of each other', async () => {
  const page = await openPanel(1366, 768);
  const a = await addVia(page, 'add-text');
  const b = await addVia(page, 'add-text');
  const [ia, ib] = await Promise.all([waitFor('a', () => serverItem(a)), waitFor('b', () => serverItem(b))]);
  assert.not.equal([ia.x, ia.y], [ib.x, ib.y]);
  await page.context().close();
});

test('transport buttons cue the clip, "show for N s" sets hideAt from the server clock, timer buttons drive the timer', async () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(wavBytes(20))], { type: 'audio/wav' }), 'jingle.wav');
  const uploaded = (await (await server.api('/api/uploads', { method: 'POST', streamer: true, body: form })).json()) as { path: string };
  await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'add', item: { id: 'jingle', kind: 'audio', src: uploaded.path, name: 'Джингл', x: 100, y: 900, w: 400, h: 80 } } });
  const page = await openPanel(1366, 768);
  await page.waitForSelector('[data-audio-tile="jingle"]');
  assert.match(await page.textContent('[data-audio-tile="jingle"]') ?? '', /Джингл/);
  await page.click('[data-layer="jingle"] .name');
  await page.click('[data-cue="pause"]');
  await waitFor('paused on the server', async () => (await serverItem('jingle'))?.playback?.state === 'paused');
  await page.click('[data-cue="play"]');
  await waitFor('playing on the server', async () => (await serverItem('jingle'))?.playback?.state === 'playing');
  await page.click('[data-cue="stop"]');
  await waitFor('stopped on the server', async () => (await serverItem('jingle'))?.playback?.state === 'stopped');

  await page.fill('input[name="showFor"]', '30');
  const before = Date.now();
  await page.click('[data-action="show-for"]');
  const hideAt = await waitFor('hideAt', async () => (await serverItem('jingle'))?.hideAt);
  assert.ok(hideAt > before + 28_000 && hideAt < Date.now() + 31_000, `hideAt ${hideAt - before} ms ahead`);
  await page.waitForSelector('[data-hides-in]');

  const timer = await addVia(page, 'add-timer');
  await page.click('[data-timer="start"]');
  await waitFor('the timer started', async () => (await serverItem(timer))?.timer?.startedAt);
  await page.click('[data-timer="pause"]');
  await waitFor('the timer paused', async () => (await serverItem(timer))?.timer?.pausedAt);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/panel-timer.png` });
  await page.context().close();
});

test('double-click edits text in place; a file dragged from the library lands where it is dropped; media by URL; colour "none"', async () => {
  // Tall enough that the library and the canvas are both on screen: this is about the drag, not the fold.
  const page = await openPanel(1366, 1800);
  const id = await addVia(page, 'add-text');
  // The panel selects what it adds; wait on its own state first so a failure says what it had.
  await waitFor(`the new item ${id} selected`, () => page.evaluate((want) => (window as unknown as { __panel: PanelState }).__panel.selection === want, id), 10_000)
    .catch(async (err) => {
      throw new Error(`${err.message}: ${JSON.stringify(await page.evaluate(() => ({ selection: (window as unknown as { __panel: PanelState }).__panel.selection, connection: (window as unknown as { __panel: PanelState }).__panel.connection })))}`);
    });
  await page.waitForSelector(`[data-selection="${id}"]`, { timeout: 10_000 });
  await page.dblclick(`[data-selection="${id}"]`);
  const editor = page.locator(`[data-editing="${id}"]`);
  await editor.fill('Привет, чат');
  await editor.press('Control+Enter');
  await waitFor('the edited text on the server', async () => (await serverItem(id))?.text === 'Привет, чат');
  assert.is(await page.$(`[data-editing="${id}"]`), null, 'the editor closes');
  // The properties card then grows by the "undo this change" line (its history lookup is
  // debounced). Dragging before that lands lets the card push the library row out from under a
  // held mouse button, and Chromium then never starts the drag.
  await page.waitForSelector('.properties [data-action="undo-item"]');

  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(pngBytes(8, 8, 3))], { type: 'image/png' }), 'logo.png');
  const uploaded = (await (await server.api('/api/uploads', { method: 'POST', streamer: true, body: form })).json()) as { id: string; path: string };
  await page.click('.media button:has-text("Обновить")').catch(() => undefined);
  await page.waitForSelector(`[data-file="${uploaded.id}"]`);
  const scale = Number(await page.getAttribute('.canvas-stage', 'data-scale'));
  const before = new Set((await panelItems(page)).map((i) => i.id));
  await page.dragAndDrop(`[data-file="${uploaded.id}"]`, '.canvas-stage', { targetPosition: { x: 1500 * scale, y: 200 * scale } });
  const dropped = await waitFor('the dropped item', async () => (await panelItems(page)).find((i) => !before.has(i.id)));
  assert.is(dropped.src, uploaded.path);
  assert.ok(Math.abs(dropped.x + dropped.w / 2 - 1500) < 30 && Math.abs(dropped.y + dropped.h / 2 - 200) < 30, `dropped at ${dropped.x},${dropped.y}`);

  await page.fill('input[name="media-url"]', `${server.url}${uploaded.path}`);
  const byUrl = await addVia(page, 'add-url');
  assert.is((await waitFor('the URL item', () => serverItem(byUrl)))!.kind, 'image');

  await page.click(`[data-layer="${id}"] .name`);
  const bg = page.locator('.properties .field.color').filter({ hasText: 'Фон' });
  assert.is(await bg.locator('input:not([type="color"])').getAttribute('placeholder'), 'нет', 'an empty background reads "none"');
  await bg.locator('input[type="color"]').evaluate((el: HTMLInputElement) => {
    el.value = '#112233';
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await waitFor('the background set', async () => (await serverItem(id))?.bg === '#112233');
  await bg.locator('[data-action="colour-none"]').click();
  await waitFor('the background cleared', async () => (await serverItem(id))?.bg === '');
  await page.context().close();
});

test('the live indicator counts overlays with Russian plural forms', async () => {
  const page = await openPanel(1366, 768);
  const token = await server.viewToken('main');
  const overlays: Page[] = [];
  for (const expected of ['В эфире: 1 оверлей', 'В эфире: 2 оверлея']) {
    const overlay = await browser.newPage();
    overlays.push(overlay);
    await overlay.goto(`${server.url}/overlay?room=main&token=${encodeURIComponent(token)}`);
    await page.waitForFunction((text) => document.querySelector('[data-live]')?.textContent?.includes(text), expected);
  }
  for (const overlay of overlays) await overlay.close();
  await page.context().close();
});

test('an upload the server refuses shows the reason in Russian (not the server English) and can be dismissed', async () => {
  const page = await openPanel(1366, 1400);
  await page.setInputFiles('.media input[type="file"]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just text, not media') });
  const row = page.locator('[data-transfer="failed"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /не поддерживается/);
  await row.locator('[data-action="dismiss-upload"]').click();
  await page.waitForSelector('[data-transfer="failed"]', { state: 'detached' });
  await page.context().close();
});

test('no page errors', () => {
  assert.equal(errors, []);
});

test.run();
