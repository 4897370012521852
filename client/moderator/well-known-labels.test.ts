/**
 * The start-up key's label "first moderator" is the server's own word, so pages show it in the
 * user's language (panel presence, dashboard keys and sessions); a label a streamer typed is
 * shown verbatim. Real Chromium, real server.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { panelSynced } from '../../testing/panel-page.ts';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { FIRST_MODERATOR_LABEL } from '../../src/protocol/well-known-labels.ts';

const test = suite('well-known labels');
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

async function newPage(locale: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.on('pageerror', (err) => errors.push(String(err)));
  return page;
}

async function openPanel(locale: string, label: string): Promise<Page> {
  const page = await newPage(locale);
  const issued = (await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label } })).json()) as { key: string };
  await page.goto(`${server.url}/moderator?key=${encodeURIComponent(issued.key)}`);
  await page.waitForFunction(panelSynced);
  return page;
}

const myPresence = (page: Page) =>
  waitFor('my presence chip', async () => (await page.locator('[data-presence="me"]').count()) > 0 && (await page.textContent('[data-presence="me"]')));

test('the panel top bar shows "first moderator" in Russian and English; a typed label verbatim', async () => {
  const ru = await openPanel('ru-RU', FIRST_MODERATOR_LABEL);
  assert.match(await myPresence(ru), 'первый модератор');
  const en = await openPanel('en-US', FIRST_MODERATOR_LABEL);
  assert.match(await myPresence(en), 'first moderator');
  const typed = await openPanel('ru-RU', 'first moderator!');
  const chip = await myPresence(typed);
  assert.match(chip, 'first moderator!', 'only the exact server label is translated');
  assert.not.match(chip, 'первый');
  for (const page of [ru, en, typed]) await page.context().close();
});

test('the dashboard lists the first moderator key and session in the user language', async () => {
  await server.moderatorSession('main', FIRST_MODERATOR_LABEL);
  await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: FIRST_MODERATOR_LABEL } });
  await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: 'Алиса' } });
  const page = await newPage('ru-RU');
  await page.goto(`${server.url}/dashboard`);
  await page.fill('input[name="token"]', STREAMER_TOKEN);
  await page.click('[data-action="login"]');
  await page.waitForSelector('[data-room]');
  const texts = (selector: string) => page.$$eval(selector, (rows) => rows.map((r) => r.querySelector('strong')?.textContent ?? ''));
  const sessions = await waitFor('session rows', async () => {
    const rows = await texts('[data-session-row]');
    return rows.includes('первый модератор') && rows;
  });
  assert.not.ok(sessions.includes(FIRST_MODERATOR_LABEL));
  const keys = await waitFor('key rows', async () => {
    const rows = await texts('[data-key-row]');
    return rows.includes('Алиса') && rows;
  });
  assert.ok(keys.includes('первый модератор'), JSON.stringify(keys));
  assert.equal(errors, []);
  await page.context().close();
});

test.run();
