/**
 * The panel in a real Chromium against the real server shows only what the session may do:
 * a `tts`-only session has the TTS panel and no add, delete or upload; an `items: ["score-*"]`
 * session edits score-home but sees logo read-only; a scope change pushed on the socket
 * changes the page without a reload. And "undo Bob's last change to this item" from the
 * properties: Alice and Bob edit, undoing Bob's change to logo leaves Alice's change to title;
 * an item Bob removed comes back from the history drawer's per-item undo.
 */
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Item } from '../../src/protocol/scene.ts';
import { waitFor } from '../../testing/browser.ts';
import { startPanelRig, type PanelRig } from '../../testing/panel-page.ts';
import type { TestServer } from '../../testing/test-server.ts';

const test = suite('moderator panel – scopes and item undo');
let rig: PanelRig;
let server: TestServer;
let pageErrors: string[];
const text = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'text', text: id, ...extra });

test.before(async () => {
  rig = await startPanelRig();
  ({ server, pageErrors } = rig);
});
test.after(async () => {
  await rig?.close();
});

const openPanel = (room: string, label: string, grant: Record<string, unknown> = {}) => rig.open(label, { room, grant, waitForItems: true });

const putScene = (room: string, items: unknown[]) => server.api(`/api/rooms/${room}/scene`, { method: 'PUT', streamer: true, json: { items } });
const liveItems = async (room: string) => ((await (await server.api(`/api/rooms/${room}/scene`, { streamer: true })).json()) as { items: Item[] }).items;
const select = async (page: Page, id: string) => {
  await page.click(`[data-layer="${id}"] .name`);
  await page.waitForSelector(`[data-properties="${id}"]`);
};

test('a tts-only session sees the TTS panel but no add, delete or upload; a scope change shows them without reload', async () => {
  await putScene('voiceroom', [text('logo')]);
  const { page, sessionId } = await openPanel('voiceroom', 'voice', { scopes: ['tts'] });
  await page.waitForSelector('.card.tts');
  // The panel's state may hold the items a frame before the layers list draws them.
  await page.waitForSelector('[data-layer="logo"]');
  for (const absent of ['[data-action="add-text"]', '[data-action="add-timer"]', '[data-action="add-camera"]', '[data-upload]', '[data-action="copy-publisher-link"]', '[data-action="remove"]', '.layers header button.danger']) {
    assert.is(await page.$(absent), null, `${absent} is hidden`);
  }
  assert.is(await page.$eval('[data-layer="logo"]', (el) => el.getAttribute('draggable')), 'false', 'layers cannot be reordered');
  assert.ok(await page.$eval('[data-layer="logo"] .actions button', (el) => (el as HTMLButtonElement).disabled), 'show/hide disabled');
  await select(page, 'logo');
  assert.ok(await page.$eval('[data-properties="logo"] fieldset', (el) => (el as HTMLFieldSetElement).disabled), 'properties read-only');
  assert.ok(await page.$('[data-read-only]'));

  const res = await server.api(`/api/moderator-sessions/${sessionId}`, { method: 'PATCH', streamer: true, json: { scopes: ['scene.edit', 'media.upload'] } });
  assert.is(res.status, 200);
  await page.waitForSelector('[data-action="add-text"]');
  await page.waitForSelector('[data-upload]');
  await page.waitForFunction(() => !(document.querySelector('[data-properties="logo"] fieldset') as HTMLFieldSetElement).disabled);
  assert.is(await page.$('.card.tts'), null, 'the TTS panel goes with the tts scope');
  assert.is(await page.$('[data-read-only]'), null);
  assert.equal(pageErrors, []);
});

test('an items:["score-*"] session edits score-home but not logo', async () => {
  await putScene('scoreroom', [text('logo'), text('score-home', { text: '0' })]);
  const { page } = await openPanel('scoreroom', 'scorer', { scopes: ['scene.edit'], items: ['score-*'] });
  assert.is(await page.$('[data-action="add-text"]'), null, 'a new item gets a random id, outside the filter: no add');
  await select(page, 'logo');
  assert.ok(await page.$eval('[data-properties="logo"] fieldset', (el) => (el as HTMLFieldSetElement).disabled), 'logo read-only');
  assert.is(await page.$eval('[data-layer="logo"]', (el) => el.getAttribute('data-editable')), 'no');
  await select(page, 'score-home');
  assert.not.ok(await page.$eval('[data-properties="score-home"] fieldset', (el) => (el as HTMLFieldSetElement).disabled), 'score-home editable');
  await page.fill('[data-properties="score-home"] textarea[name="text"]', '3');
  await waitFor('the score on air', async () => (await liveItems('scoreroom')).find((i) => i.id === 'score-home')?.text === '3');
  assert.is((await liveItems('scoreroom')).find((i) => i.id === 'logo')?.text, 'logo');
  assert.equal(pageErrors, []);
});

test('Alice and Bob edit; Alice undoes Bob’s last change to logo, and her change to title stays', async () => {
  await putScene('undoroom', [text('logo', { name: 'Logo' }), text('title', { name: 'Title' })]);
  const alice = (await openPanel('undoroom', 'Alice')).page;
  const bob = (await openPanel('undoroom', 'Bob')).page;
  await select(bob, 'logo');
  await bob.fill('[data-properties="logo"] input[name="x"]', '333');
  await waitFor('Bob’s move on air', async () => (await liveItems('undoroom')).find((i) => i.id === 'logo')?.x === 333);
  await select(alice, 'title');
  await alice.fill('[data-properties="title"] textarea[name="text"]', 'Alice wrote this');
  await waitFor('Alice’s text on air', async () => (await liveItems('undoroom')).find((i) => i.id === 'title')?.text === 'Alice wrote this');

  await select(alice, 'logo');
  const button = await alice.waitForSelector('[data-action="undo-item"][data-undo-who="Bob"]');
  assert.is((await button.textContent())?.trim(), 'Undo Bob’s last change to Logo');
  await button.click();
  await waitFor('logo back where it was', async () => (await liveItems('undoroom')).find((i) => i.id === 'logo')?.x === 0);
  assert.is((await liveItems('undoroom')).find((i) => i.id === 'title')?.text, 'Alice wrote this', 'Alice’s change to title stays');
  await alice.waitForFunction(() => window.__panel?.items.find((i) => i.id === 'logo')?.x === 0);
  // The undo is now the newest change to logo, and it is Alice's.
  await alice.waitForSelector('[data-action="undo-item"][data-undo-who="Alice"]');

  // A removed item cannot be selected: the history drawer offers its undo, which brings it back.
  await bob.click('[data-layer="title"] .row-menu summary');
  await bob.click('[data-layer="title"] [data-action="remove"]');
  await waitFor('Bob’s removal on air', async () => !(await liveItems('undoroom')).some((i) => i.id === 'title'));
  await alice.click('[data-action="history"]');
  await alice.click('[data-drawer="history"] li[data-version]:first-child [data-undo-item="title"]');
  await waitFor('title back', async () => (await liveItems('undoroom')).find((i) => i.id === 'title')?.text === 'Alice wrote this');
  assert.is((await liveItems('undoroom')).find((i) => i.id === 'logo')?.x, 0, 'logo untouched by the title’s undo');
  assert.equal(pageErrors, []);
});

test.run();
