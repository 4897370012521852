/**
 * The dashboard's controls that dashboard.test.ts does not press, in a real Chromium against
 * the real server: the panic button, "sign out everywhere", the latency sparkline and the OBS
 * source hints, and links built on PUBLIC_BASE_URL when it is set.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { freePort } from '../../testing/redis-server.ts';
import { CloseCode } from '../../src/protocol/constants.ts';

const PUBLIC = 'https://overlay.example.test';

let server: TestServer;
let publicServer: TestServer;
let browser: Browser;
const pageErrors: string[] = [];

async function signedIn(target: TestServer, room = 'main'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${target.url}/dashboard#room=${room}`);
  await page.fill('input[name="token"]', STREAMER_TOKEN);
  await page.click('[data-action="login"]');
  await page.waitForSelector(`[data-room="${room}"]`);
  return page;
}

const test = suite('streamer dashboard – sessions, health, public links');

test.before(async () => {
  // The streamer opens this one locally (so its own address is an allowed Origin) while the
  // links it hands out name the public address, as behind a tunnel or a proxy.
  const port = await freePort();
  [server, publicServer, browser] = await Promise.all([
    startTestServer(),
    startTestServer({ env: { PORT: String(port), PUBLIC_BASE_URL: PUBLIC, ALLOWED_ORIGINS: `http://127.0.0.1:${port}` } }),
    launchChromium(),
  ]);
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
  await publicServer?.stop();
});

test.after.each(() => {
  assert.equal(pageErrors.splice(0), [], 'no uncaught errors in the pages');
});

test('"end all sessions" asks first, then every moderator socket closes with 4001 and the rows go', async () => {
  const page = await signedIn(server, 'panic');
  const sessions = [await server.moderatorSession('panic', 'Ann'), await server.moderatorSession('panic', 'Ben')];
  const panels = await Promise.all(sessions.map(({ session }) => openSocket(server.wsUrl(`/ws/moderator?room=panic&session=${session}`))));
  for (const panel of panels) await panel.next('scene.full');
  await waitFor('both session rows', async () => (await page.$$('[data-session-row]')).length === 2, 15_000, 50);

  await page.click('[data-action="end-all-sessions"]');
  assert.match((await page.textContent('[role="alertdialog"]')) ?? '', /Every moderator of every room/);
  assert.is(panels.filter((p) => p.ws.readyState !== 1).length, 0, 'nothing ended before the confirm');
  await page.click('[data-confirm="yes"]');
  for (const panel of panels) assert.is((await panel.closed).code, CloseCode.sessionRevoked);
  await waitFor('the session rows to go', async () => (await page.$$('[data-session-row]')).length === 0, 15_000, 50);
  const listed = (await (await server.api('/api/moderator-sessions', { streamer: true })).json()) as { sessions: unknown[] };
  assert.equal(listed.sessions, []);
  await page.context().close();
});

test('"sign out everywhere" ends the streamer session of another browser too', async () => {
  const here = await signedIn(server);
  const elsewhere = await signedIn(server);
  await here.click('[data-action="sign-out-everywhere"]');
  await here.waitForSelector('[data-action="login"]');
  await elsewhere.reload();
  await elsewhere.waitForSelector('[data-action="login"]');
  assert.is(await elsewhere.$('[data-room]'), null, 'the other browser is signed out');
  for (const page of [here, elsewhere]) await page.context().close();
});

test('Health draws the apply-latency sparkline from overlay reports; the OBS card gives the source settings', async () => {
  const page = await signedIn(server, 'spark');
  const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=spark&token=${await server.viewToken('spark')}`));
  const full = await overlay.next('scene.full');
  overlay.send({ type: 'overlay.applied', version: full.version, client_ts: Date.now(), server_ts: Date.now() - 40 });
  const spark = await page.waitForSelector('[data-latency-points]');
  assert.ok(Number(await spark.getAttribute('data-latency-points')) >= 1);
  assert.ok(await spark.$('svg polyline.p50'), 'a p50 line');
  assert.match((await spark.textContent()) ?? '', /p50 \d+ ms.*p95 \d+ ms/);
  const hints = (await page.textContent('[data-card="obs"] .hints')) ?? '';
  assert.match(hints, /Width 1920, height 1080/);
  assert.match(hints, /Control audio via OBS/);
  overlay.close();
  await page.context().close();
});

test('with PUBLIC_BASE_URL the invite and OBS links use it, and the loopback warning gives way to it', async () => {
  const page = await signedIn(publicServer);
  assert.match((await page.textContent('[data-reachability="public"]')) ?? '', PUBLIC);
  assert.is(await page.$('[data-reachability="loopback"]'), null);
  assert.ok((await page.inputValue('[data-field="obs-url"]')).startsWith(`${PUBLIC}/overlay?room=main&token=`));
  await page.fill('input[name="label"]', 'Cleo');
  await page.click('[data-action="invite"]');
  const invite = await (await page.waitForSelector('[data-field="invite-url"]')).inputValue();
  assert.ok(invite.startsWith(`${PUBLIC}/moderator?key=`), invite);
  assert.is(await page.getAttribute('[data-invite] svg.qr', 'data-qr'), invite, 'the QR code encodes the public link');
  await page.context().close();
});

test.run();
