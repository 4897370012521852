/**
 * The streamer dashboard in a real Chromium against the real server: signing in (token and
 * the printed admin link), inviting a moderator and ending the session, the OBS link into an
 * overlay that shows up in Health and stops on rotation, the audit log, invites with scopes and
 * a live session's rights changed from the sessions list, brute force, a phone.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { panelSynced } from '../../testing/panel-page.ts';
import { launchChromium, waitFor as waitForWithin } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, TOKEN_SECRET, type TestServer } from '../../testing/test-server.ts';
import { startServerProcess } from '../../testing/server-process.ts';
import { CloseCode } from '../../src/protocol/constants.ts';
import { DEFAULT_MODERATOR_SCOPES } from '../../src/protocol/scopes.ts';
import { openSocket } from '../../testing/ws-client.ts';

declare global {
  interface Window {
    __closeCodes?: number[];
  }
}

const OBS_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 OBS/31.0.2';
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;
/** Generous: this machine is shared; only the revocation below has the one-second bound. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false | null>, ms = 15_000, everyMs = 30) => waitForWithin(what, probe, ms, everyMs);

let server: TestServer;
let browser: Browser;
/** Closed after each test; `story` lives across the three tests that share room "show". */
const contexts: BrowserContext[] = [];
const story: BrowserContext[] = [];
const pageErrors: string[] = [];

async function newPage(options: { width?: number; height?: number; userAgent?: string; forwardedFor?: string; url?: string } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    locale: 'en-US',
    userAgent: options.userAgent,
    // The server trusts 127.0.0.1 as a proxy here, so each context can be its own client.
    extraHTTPHeaders: { 'x-forwarded-for': options.forwardedFor ?? '10.1.0.1' },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: options.url ?? server.url });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/dashboard`);
  await page.fill('input[name="token"]', STREAMER_TOKEN);
  await page.click('[data-action="login"]');
  await page.waitForSelector('[data-room]');
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());
const auditActions = (page: Page) => page.$$eval('[data-audit-line]', (lines) => lines.map((l) => (l as HTMLElement).dataset.auditAction!));

const dashboard = suite('streamer dashboard');

dashboard.before(async () => {
  server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  browser = await launchChromium();
});

dashboard.after(async () => {
  for (const context of story) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

dashboard.after.each(async () => {
  for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  assert.equal(pageErrors.splice(0), [], 'no uncaught errors in the pages');
});

dashboard('sign in with the token: an HttpOnly SameSite=Strict cookie, the token kept nowhere in the page', async () => {
  const page = await newPage();
  await signIn(page);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'so_streamer');
  assert.ok(session, 'a streamer session cookie');
  assert.is(session!.httpOnly, true);
  assert.is(session!.sameSite, 'Strict');
  assert.not.ok(cookies.some((c) => c.value.includes(STREAMER_TOKEN)));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.documentElement.outerHTML);
  assert.not.match(stored, STREAMER_TOKEN);
  assert.match((await page.textContent('[data-reachability="loopback"]')) ?? '', /HOST=0\.0\.0\.0/, 'loopback only: says how to open it up');
  // A reload keeps the session; signing out ends it.
  await page.reload();
  await page.waitForSelector('[data-room="main"]');
  await page.click('[data-action="sign-out"]');
  await page.waitForSelector('[data-action="login"]');
  assert.is((await server.api('/api/rooms', { headers: { cookie: `so_streamer=${session!.value}` } })).status, 401, 'the old cookie is dead');
});

dashboard('the admin link printed at start signs in once, leaves the address bar; a second use is refused', async () => {
  const proc = await startServerProcess({ STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: server.dataDir + '/admin-link', LOG_LEVEL: 'warn' });
  try {
    const printed = /(http:\/\/\S+\/dashboard\?login=\S+)/.exec(proc.output())?.[1];
    assert.ok(printed, `an admin link in the output:\n${proc.output()}`);
    assert.match(proc.output(), /Only this machine can open these links\. .*HOST=0\.0\.0\.0/);
    const link = printed!.replace(/^http:\/\/[^/]+/, proc.url);
    const first = await newPage({ url: proc.url });
    await first.goto(link);
    await first.waitForSelector('[data-room="main"]');
    assert.not.ok(new URL(first.url()).searchParams.has('login'), 'the login secret is gone from the address bar');

    const second = await newPage({ url: proc.url });
    await second.goto(link);
    const error = await second.waitForSelector('[data-error]');
    assert.match(await error.textContent() ?? '', /already used or has expired/);
    assert.is(await second.$('[data-room]'), null, 'not signed in');
  } finally {
    await proc.stop();
  }
});

// The next three tests are one story in room "show": invite, OBS, audit.
let streamerPage: Page;
let bobsText: string;

dashboard('invite → the link opens a working panel in another browser; the key row goes; ending the session revokes the panel', async () => {
  streamerPage = await newPage();
  story.push(contexts.pop()!);
  await signIn(streamerPage);
  await streamerPage.fill('input[name="room"]', 'show');
  await streamerPage.click('[data-action="new-room"]');
  await streamerPage.waitForSelector('[data-room="show"]');

  await streamerPage.fill('input[name="label"]', 'Bob');
  await streamerPage.click('[data-action="invite"]');
  const link = await (await streamerPage.waitForSelector('[data-field="invite-url"]')).inputValue();
  assert.match(link, new RegExp(`^${server.url}/moderator\\?key=`));
  const keyId = await streamerPage.$eval('[data-invite]', (el) => (el as HTMLElement).dataset.invite!);
  await streamerPage.waitForSelector(`[data-key-row="${keyId}"]`);
  await streamerPage.click('[data-action="copy-invite"]');
  assert.is(await clipboard(streamerPage), link, 'the copy button copies the link');
  assert.ok(await streamerPage.$('[data-invite] svg.qr path'), 'a QR code for the link');

  const panel = await newPage({ forwardedFor: '203.0.113.7' });
  await panel.goto(link);
  await panel.waitForFunction(panelSynced);
  await panel.click('[data-action="add-text"]');
  bobsText = await waitFor('the text on the server', async () => {
    const scene = (await (await server.api('/api/rooms/show/scene', { streamer: true })).json()) as { items: { text: string }[] };
    return scene.items[0]?.text;
  });

  await waitFor('the consumed key row to go', async () => (await streamerPage.$(`[data-key-row="${keyId}"]`)) === null);
  const row = await streamerPage.waitForSelector('[data-session-row]');
  assert.match((await row.textContent()) ?? '', /Bob.*203\.0\.113\.7/);
  const panels = await waitFor('Bob in Health', async () => {
    const rows = await streamerPage.$$eval('[data-panel-row]', (els) => els.map((el) => el.textContent ?? ''));
    return rows.length > 0 && rows;
  });
  assert.equal(panels.map((text) => /Bob/.test(text)), [true], 'Bob\'s panel, and not the dashboard itself');
  await streamerPage.click('[data-session-row] [data-action="end-session"]');
  await waitFor('the panel to say its access was revoked', () => panel.$('[data-revoked]'), 1000, 20);

  // The streamer's own way into the panel: no key, the dashboard's cookie, this room.
  const [asStreamer] = await Promise.all([streamerPage.waitForEvent('popup'), streamerPage.click('[data-action="open-panel"]')]);
  await asStreamer.waitForFunction(panelSynced);
  assert.match(asStreamer.url(), /\/moderator\?room=show$/);
  await asStreamer.close();
});

dashboard('the copied OBS URL opens an overlay that appears in Health; rotating stops it with 4003', async () => {
  await streamerPage.click('[data-action="copy-obs-url"]');
  const obsUrl = await clipboard(streamerPage);
  assert.match(obsUrl, new RegExp(`^${server.url}/overlay\\?room=show&token=`));

  const overlay = await newPage({ width: 960, height: 540, userAgent: OBS_USER_AGENT, forwardedFor: '192.0.2.50' });
  await overlay.addInitScript(() => {
    window.__closeCodes = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('close', (event) => window.__closeCodes!.push(event.code));
      }
    } as typeof WebSocket;
  });
  await overlay.goto(obsUrl);
  const row = await streamerPage.waitForSelector('[data-overlay-row]');
  assert.is(await row.$eval('[data-client]', (el) => (el as HTMLElement).dataset.client), 'obs', 'recognised as OBS by its user agent');
  await waitFor('the overlay to report the current version', async () => /applied 2 \/ 2/.test((await row.textContent()) ?? ''));
  assert.match((await row.textContent()) ?? '', /192\.0\.2\.50/);
  if (SCREENSHOTS) {
    await streamerPage.waitForSelector('[data-latency-points]');
    await streamerPage.screenshot({ path: `${SCREENSHOTS}/dashboard-health.png`, fullPage: true });
  }

  await streamerPage.click('[data-action="rotate-overlay-links"]');
  assert.match((await streamerPage.textContent('[role="alertdialog"]')) ?? '', /must get the new URL/);
  await streamerPage.click('[data-confirm="yes"]');
  await waitFor('the overlay socket to close with 4003', () => overlay.evaluate((code) => window.__closeCodes!.includes(code), CloseCode.tokenRevoked));
  await waitFor('Health to show no overlay', async () => (await streamerPage.$('[data-overlay-row]')) === null);
  const fresh = await streamerPage.inputValue('[data-field="obs-url"]');
  assert.is.not(fresh, obsUrl, 'a new OBS URL is shown');
});

dashboard('the audit log shows those actions newest first, as sentences', async () => {
  const expected = ['tokens.rotated', 'session.ended', 'scene.add', 'key.consumed', 'key.issued', 'room.created'];
  const actions = await waitFor('the audit to catch up', async () => {
    const shown = (await auditActions(streamerPage)).filter((a) => expected.includes(a));
    return shown[0] === 'tokens.rotated' && shown;
  });
  assert.equal(actions, expected);
  const text = await streamerPage.textContent('[data-card="audit"]');
  assert.ok(text?.includes(`Bob added ${bobsText}`), 'the item by its text, not its id');
  assert.match(text ?? '', /key for Bob consumed from 203\.0\.113\.7/);

  await streamerPage.selectOption('select[name="action"]', 'key');
  await waitFor('the key filter', async () => (await auditActions(streamerPage)).every((a) => a.startsWith('key.')));
});

dashboard('invite with picked scopes and items ("all rights" sends none); the session row shows them; changing them reaches its open socket', async () => {
  const page = await newPage();
  await signIn(page);
  const room = await page.$eval('.room-view[data-room]', (el) => (el as HTMLElement).dataset.room!);
  const sent: Record<string, unknown>[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/invites')) sent.push(JSON.parse(request.postData() ?? '{}'));
  });
  const keyOf = async (label: string) => {
    const { keys } = (await (await server.api('/api/moderator-keys', { streamer: true })).json()) as { keys: { label: string; scopes: string[]; items?: string[] }[] };
    return keys.find((k) => k.label === label);
  };

  await page.fill('input[name="label"]', 'Dave');
  assert.ok(await page.isChecked('[data-scope-all]'), '"all rights" is the default');
  assert.is(await page.$('[data-scope]'), null, 'no scope boxes until it is unticked');
  await page.click('[data-action="invite"]');
  await page.waitForSelector('[data-invite]');
  assert.not.ok('scopes' in sent[0]! || 'items' in sent[0]!, `no scopes sent: ${JSON.stringify(sent[0])}`);
  assert.equal((await keyOf('Dave'))?.scopes, [...DEFAULT_MODERATOR_SCOPES], 'so the key has the default rights');

  await page.fill('input[name="label"]', 'Carol');
  await page.uncheck('[data-scope-all]');
  assert.is(await page.$$eval('[data-scope]', (boxes) => boxes.length), 12, 'a box per scope');
  for (const scope of DEFAULT_MODERATOR_SCOPES) if (scope !== 'tts') await page.uncheck(`[data-scope="${scope}"]`);
  await page.fill('.invite-form input[name="items"]', 'score-*, logo');
  await page.click('[data-action="invite"]');
  await waitFor('the second invite', async () => sent.length === 2 && (await page.$('[data-invite]')) !== null);
  assert.equal([sent[1]!.scopes, sent[1]!.items], [['tts'], ['score-*', 'logo']]);
  const carol = await keyOf('Carol');
  assert.equal([carol?.scopes, carol?.items], [['tts'], ['score-*', 'logo']], 'stored with the key');
  assert.ok(await page.isChecked('[data-scope-all]'), 'the form is back to "all rights" for the next invite');

  const link = await page.inputValue('[data-field="invite-url"]');
  const consumed = await server.api('/api/moderator-keys/consume', { method: 'POST', json: { key: new URL(link).searchParams.get('key') } });
  const { session, session_id } = (await consumed.json()) as { session: string; session_id: string };
  const socket = await openSocket(`${server.url.replace(/^http/, 'ws')}/ws/moderator?room=${room}&session=${session}`);
  await socket.next('scene.full');

  const grant = `[data-session-row="${session_id}"] .grant`;
  await waitFor('Carol in the sessions list', () => page.$(grant));
  assert.equal(await page.$eval(grant, (el) => [(el as HTMLElement).dataset.scopes, (el as HTMLElement).dataset.items, el.textContent]), ['tts', 'score-* logo', 'TTS · only score-*, logo']);

  await page.click(`[data-session-row="${session_id}"] [data-action="edit-scopes"]`);
  const editor = `[data-session-row="${session_id}"] [data-scope-editor]`;
  assert.not.ok(await page.isChecked(`${editor} [data-scope-all]`));
  assert.ok(await page.isChecked(`${editor} [data-scope="tts"]`), 'the editor starts from what the session holds');
  assert.is(await page.inputValue(`${editor} input[name="items"]`), 'score-*, logo');
  await page.check(`${editor} [data-scope="scene.edit"]`);
  await page.fill(`${editor} input[name="items"]`, '');
  await page.click(`${editor} [data-action="save-scopes"]`);
  const told = await socket.next('session.scopes', undefined, 10_000);
  assert.equal([told.scopes, told.items], [['scene.edit', 'tts'], null], 'the open socket is told, without a reconnect');
  socket.send({ type: 'add', item: { id: 'logo', kind: 'text', text: 'now allowed' }, req_id: 'after' });
  const answer = await socket.next('ack', (m) => m.req_id === 'after', 10_000);
  assert.ok(answer.version > 0, 'and its next op obeys the new rights');
  await waitFor('the row to show the new rights', async () => (await page.$eval(grant, (el) => (el as HTMLElement).dataset.scopes)) === 'scene.edit tts');
  assert.is(await page.$(editor), null, 'the editor closes once saved');
  await waitFor('the audit line', async () => /streamer changed the rights of Carol/.test((await page.textContent('[data-card="audit"]')) ?? ''));

  await page.selectOption('select[aria-label="Language"]', 'ru');
  await waitFor('the Russian labels', async () => (await page.textContent(grant)) === 'Править эфирную сцену, TTS');
  await page.selectOption('select[aria-label="Язык"]', 'en');
  socket.close();
});

dashboard('a wrong token gets a clear error, and after 10 tries a 429 even for the right one', async () => {
  const page = await newPage({ forwardedFor: '198.51.100.9' });
  await page.goto(`${server.url}/dashboard`);
  for (let i = 0; i < 10; i++) {
    await page.fill('input[name="token"]', `wrong-token-${i}`);
    await page.click('[data-action="login"]');
    await waitFor('the error', async () => /token is wrong/.test((await page.textContent('[data-error]').catch(() => '')) ?? ''));
    await page.waitForSelector('[data-action="login"]:not([disabled])');
    await page.fill('input[name="token"]', '');
  }
  await page.fill('input[name="token"]', STREAMER_TOKEN);
  await page.click('[data-action="login"]');
  await waitFor('the rate-limit message', async () => /Too many wrong tries/.test((await page.textContent('[data-error]').catch(() => '')) ?? ''));
  const res = await server.api('/api/streamer-session', { method: 'POST', headers: { 'x-streamer-token': STREAMER_TOKEN, 'x-forwarded-for': '198.51.100.9' } });
  assert.is(res.status, 429);
  assert.is(((await res.json()) as { error: { code: string } }).error.code, 'rate_limited');
});

dashboard('usable at phone width: nothing wider than 390 px; screenshots at both widths', async () => {
  for (const [width, height] of [[390, 844], [1400, 900]] as const) {
    const page = await newPage({ width, height });
    await signIn(page);
    await page.waitForSelector('[data-field="obs-url"]');
    await page.fill('input[name="label"]', 'Alice');
    await page.click('[data-action="invite"]');
    const keyId = await (await page.waitForSelector('[data-invite]')).evaluate((el) => (el as HTMLElement).dataset.invite!);
    const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth);
    assert.ok(overflow <= width, `scrollWidth ${overflow} at ${width} px`);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/dashboard-${width}.png`, fullPage: true });
    await page.click(`[data-key-row="${keyId}"] [data-action="revoke-key"]`);
    await waitFor('the revoked key row to go', async () => (await page.$(`[data-key-row="${keyId}"]`)) === null);
  }
  const listed = (await (await server.api('/api/moderator-keys', { streamer: true })).json()) as { keys: { label: string }[] };
  assert.not.ok(listed.keys.some((k) => k.label === 'Alice'), 'revoked on the server');
});

dashboard.run();
