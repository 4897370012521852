/** The /publish page speaks the publisher's language: Russian and English, in a real Chromium. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

const test = suite('publish page – ru and en');
let server: TestServer;
let browser: Browser;

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const [locale, title, start, dead] of [
  ['ru-RU', 'Трансляция в комнату «main»', 'Начать', /истекла или отозвана/],
  ['en-US', 'Publish to room “main”', 'Start', /expired or was revoked/],
] as const) {
  test(`${locale}: headings, controls and a dead link message in that language`, async () => {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(`${server.url}/publish?room=main&token=not-a-token`);
    assert.is(await page.textContent('h1'), title);
    assert.is((await page.textContent('button.start'))?.trim(), start);
    await page.waitForFunction(() => document.querySelector('p.error') !== null, undefined, { timeout: 10_000 });
    assert.match((await page.textContent('p.error')) ?? '', dead);
    await context.close();
  });
}

test.run();
