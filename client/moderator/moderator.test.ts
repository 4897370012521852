/**
 * The moderator panel in a real Chromium against the real server: login, editing on the
 * canvas, what the overlay then shows, two panels at once, keyboard safety, undo, revocation
 * and uploads. One server and one browser for the file; each test gets fresh contexts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from '../../src/protocol/scene.ts';
import { panelSynced } from '../../testing/panel-page.ts';
import { AUTOPLAY_ALLOWED, launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { pngBytes } from '../../testing/media-samples.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];


async function serverItems(): Promise<Item[]> {
  const res = await server.api('/api/rooms/main/scene', { streamer: true });
  return ((await res.json()) as { items: Item[] }).items;
}
const serverItem = async (id: string) => (await serverItems()).find((i) => i.id === id);

async function issueKey(label: string): Promise<string> {
  const res = await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label } });
  return ((await res.json()) as { key: string }).key;
}

/** A fresh browser profile logged in through `?key=`, with the panel connected. */
async function openPanel(label: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('pageerror', (err) => pageErrors.push(`${label}: ${err}`));
  await page.goto(`${server.url}/moderator?key=${encodeURIComponent(await issueKey(label))}`);
  await page.waitForFunction(panelSynced);
  return page;
}

/** Click "Add text" and return the id of the item that appeared. */
async function addText(page: Page): Promise<string> {
  const before = new Set((await page.evaluate(() => window.__panel!.items)).map((i) => i.id));
  await page.click('[data-action="add-text"]');
  const handle = await page.waitForFunction((known) => window.__panel!.items.find((i) => !known.includes(i.id))?.id, [...before]);
  return (await handle.jsonValue()) as string;
}

/** Press inside `selector`'s box at its centre (or a corner handle's) and move by (dx, dy) screen px. */
async function dragBy(page: Page, selector: string, dx: number, dy: number) {
  const box = (await page.locator(selector).boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(x + (dx * i) / 8, y + (dy * i) / 8);
  await page.mouse.up();
}

/**
 * The panel's gesture is over, the server has it, and the panel shows exactly what the server
 * stored (a moderator's next action is based on what the panel shows). Returns the item.
 */
async function settled(page: Page, id: string): Promise<Item> {
  return waitFor(`panel and server to agree on ${id}`, async () => {
    const shown = await page.evaluate((id) => !window.__panel!.settling && window.__panel!.items.find((i) => i.id === id), id);
    const stored = await serverItem(id);
    return shown && stored && canonical(shown) === canonical(stored) && stored;
  });
}

const canonical = (item: Item) => JSON.stringify(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));

const scaleOf = (page: Page) => page.locator('.canvas-stage').evaluate((el) => Number((el as HTMLElement).dataset.scale));

const panel = suite('moderator panel');

panel.before(async () => {
  server = await startTestServer();
  browser = await launchChromium([AUTOPLAY_ALLOWED]);
});

panel.after(async () => {
  await browser?.close();
  await server?.stop();
});

panel.after.each(async () => {
  // Panels left open would stay in the room's presence and slow the next test.
  for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  assert.equal(pageErrors.splice(0), [], 'no uncaught errors in the pages');
});

panel('login with ?key= removes the key from the address; add, drag and resize show up on the overlay', async () => {
  const page = await openPanel('alice');
  assert.not.ok(new URL(page.url()).searchParams.has('key'), 'the key is gone from the address bar');

  // OBS has no cookies: the overlay gets a browser profile of its own.
  const overlayContext = await browser.newContext({ viewport: { width: 960, height: 540 } });
  contexts.push(overlayContext);
  const overlay = await overlayContext.newPage();
  await overlay.goto(`${server.url}/overlay?room=main&token=${encodeURIComponent(await server.viewToken('main'))}`);
  await page.waitForSelector('[data-live="ok"]');

  const id = await addText(page);
  const added = await waitFor('the item on the server', () => serverItem(id));
  const scale = await scaleOf(page);

  await dragBy(page, `.canvas-stage [data-id="${id}"]`, 120, 60);
  const moved = await settled(page, id);
  assert.ok(Math.abs(moved.x - added.x - 120 / scale) <= 12, `moved by ${moved.x - added.x}, expected about ${120 / scale}`);
  assert.ok(Math.abs(moved.y - added.y - 60 / scale) <= 12, `moved by ${moved.y - added.y}, expected about ${60 / scale}`);
  assert.is(moved.x % 8, 0, 'snapped to the 8 px grid');

  await dragBy(page, '[data-handle="se"]', 80, 40);
  const resized = await settled(page, id);
  assert.ok(resized.w > moved.w && resized.h > moved.h, `resized to ${resized.w}×${resized.h}`);
  assert.is(resized.x, moved.x, 'the opposite corner stays put');

  // The overlay page draws what the server has, at the canvas' 1:1 coordinates.
  const drawn = await waitFor('the overlay to draw the change', async () => {
    const style = await overlay.$eval(`[data-id="${id}"]`, (el) => (el as HTMLElement).style.cssText).catch(() => '');
    return style.includes(`width: ${resized.w}px`) && style;
  });
  assert.match(drawn, `left: ${resized.x}px`);
  assert.match(drawn, `top: ${resized.y}px`);
  assert.match(drawn, `height: ${resized.h}px`);
  await overlay.close();
});

panel('a reloaded panel stays logged in through its cookie; logout ends the session', async () => {
  const page = await openPanel('reloader');
  await page.reload();
  await page.waitForFunction(panelSynced);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForSelector('input[name="key"]');
  const me = await page.evaluate(() => fetch('/api/moderator-session').then((r) => r.status));
  assert.is(me, 401, 'the session is over');
});

panel('two panels edit different items at the same time and both changes survive; each sees the other', async () => {
  const a = await openPanel('anna');
  const b = await openPanel('boris');
  const idA = await addText(a);
  const idB = await addText(b);
  // B's item sits on A's (both centred): move it aside first so each drag grabs its own.
  await dragBy(b, `.canvas-stage [data-id="${idB}"]`, 0, 150);
  await settled(b, idB);
  await a.click(`[data-layer="${idA}"] .name`);
  await b.click(`[data-layer="${idB}"] .name`);
  const [beforeA, beforeB] = [(await serverItem(idA))!, (await serverItem(idB))!];

  await Promise.all([dragBy(a, '[data-selection]', -200, 0), dragBy(b, '[data-selection]', 200, 0)]);
  const [afterA, afterB] = [await settled(a, idA), await settled(b, idB)];
  assert.ok(afterA.x < beforeA.x, 'A moved its item left');
  assert.ok(afterB.x > beforeB.x, 'B moved its item right');
  assert.is(afterA.y, beforeA.y);
  assert.is(afterB.y, beforeB.y);
  // Each panel shows the other's change, applied from the broadcast.
  await a.waitForFunction(([id, x]) => window.__panel!.items.find((i) => i.id === id)?.x === x, [idB, afterB.x] as const);
  await b.waitForFunction(([id, x]) => window.__panel!.items.find((i) => i.id === id)?.x === x, [idA, afterA.x] as const);

  // Presence: both listed, and B's selection outlined on A's canvas with B's label.
  await a.waitForFunction(() => [...document.querySelectorAll('[data-presence]')].map((el) => el.textContent).join('|').includes('boris'));
  await a.waitForSelector('.peer-selection');
  assert.is(await a.locator('.peer-tag').first().textContent(), 'boris');
});

panel('Delete while typing in a field does not delete the item; Delete on the canvas does', async () => {
  const page = await openPanel('typist');
  const id = await addText(page);
  await page.click(`[data-layer="${id}"] .name`);
  const field = page.locator('textarea[name="text"]');
  await field.click();
  await field.press('End');
  await page.keyboard.type(' more');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Backspace');
  await page.waitForTimeout(500);
  assert.ok(await serverItem(id), 'the item survived Delete in a text field');
  assert.is((await serverItem(id))!.text, 'New text mor', 'the keys edited the text instead');

  await page.click(`[data-selection="${id}"]`);
  await page.keyboard.press('Delete');
  await waitFor('the item removed', async () => !(await serverItem(id)));
});

panel('undo of a move restores the position through the server; redo moves it again', async () => {
  const page = await openPanel('undoer');
  const id = await addText(page);
  const start = await waitFor('added', () => serverItem(id));
  await dragBy(page, `.canvas-stage [data-id="${id}"]`, -90, 70);
  const moved = await settled(page, id);
  assert.not.equal([moved.x, moved.y], [start.x, start.y]);
  await page.keyboard.press('Control+z');
  await waitFor('the undo on the server', async () => (await serverItem(id))?.x === start.x);
  const undone = await settled(page, id);
  assert.equal([undone.x, undone.y], [start.x, start.y], 'undo restored the position');
  await page.keyboard.press('Control+Shift+z');
  await waitFor('the redo on the server', async () => (await serverItem(id))?.x === moved.x);
  const redone = await settled(page, id);
  assert.equal([redone.x, redone.y], [moved.x, moved.y], 'redo moved it again');
  // Arrow nudges are batched into one op and one undo step.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await waitFor('nudged', async () => (await serverItem(id))?.x === moved.x + 11);
  await page.keyboard.press('Control+z');
  await waitFor('nudges undone in one step', async () => (await serverItem(id))?.x === moved.x);
});

panel('someone else changes the item mid-drag: theirs wins, the drag stops, the panel says so; undo will not undo theirs', async () => {
  const page = await openPanel('racer');
  const id = await addText(page);
  const start = await settled(page, id);
  const box = (await page.locator(`[data-selection="${id}"]`).boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 30, y);
  await waitFor('the first drag step on the server', async () => (await serverItem(id))?.x !== start.x);
  const res = await server.api('/api/rooms/main/ops', { method: 'POST', streamer: true, json: { type: 'patch', id, changes: { x: 4, y: 4 } } });
  assert.is(res.status, 200);
  for (let i = 2; i <= 6; i++) await page.mouse.move(x + 30 * i, y + 10 * i);
  await page.mouse.up();
  await page.waitForSelector('[data-notice="conflict"]');
  const kept = await settled(page, id);
  assert.equal([kept.x, kept.y], [4, 4], "the streamer's newer change survived");

  await page.keyboard.press('Control+z');
  await page.waitForTimeout(300);
  assert.equal(await serverItem(id), kept, 'undo of our own older change conflicts instead of removing theirs');
});

panel('an upload through the file input shows in the library, names stay text, and it can go on the scene', async () => {
  const page = await openPanel('uploader');
  const name = '<img src=x onerror=alert(1)>.png';
  await page.setInputFiles('input[type="file"]', { name, mimeType: 'image/png', buffer: Buffer.from(pngBytes(64, 36, 7)) });
  await page.waitForSelector('[data-transfer="done"]');
  const row = page.locator('.files li', { hasText: name });
  await row.waitFor();
  assert.is(await row.locator('.name').textContent(), name);
  assert.is(await page.locator('img[src="x"]').count(), 0, 'a file name never becomes markup');
  await row.locator('img.thumb').evaluate((img) => (img as HTMLImageElement).decode());

  await row.locator('[data-action="add"]').click();
  const added = await waitFor('the image on the scene', async () => (await serverItems()).find((i) => i.kind === 'image' && i.name === name));
  assert.match(added.src ?? '', /^\/uploads\/[0-9a-f]{64}\.png$/);
  assert.equal([added.w, added.h], [64, 36], 'its natural size');
  assert.equal([added.x, added.y], [(1920 - 64) / 2, (1080 - 36) / 2], 'at the canvas centre');
});

panel('the streamer ends the session: the panel shows the revoked state and does not reconnect', async () => {
  const page = await openPanel('revokee');
  let sockets = 0;
  page.on('websocket', () => sockets++);
  const list = (await (await server.api('/api/moderator-sessions', { streamer: true })).json()) as { sessions: { id: string; label: string }[] };
  const session = list.sessions.find((s) => s.label === 'revokee')!;
  const res = await server.api(`/api/moderator-sessions/${session.id}`, { method: 'DELETE', streamer: true });
  assert.is(res.status, 200);
  await page.waitForSelector('[data-revoked]');
  await page.waitForTimeout(1500);
  assert.is(sockets, 0, 'no reconnect attempt after the revocation');
  assert.is(await page.locator('[data-revoked]').count(), 1);
});

panel.run();
