/**
 * The overlay inside "OBS", in a real Chromium against the real server. The real
 * `window.obsstudio` exists only inside OBS's embedded browser and cannot run here, so each
 * page gets a test double (injected before the page's scripts) that answers like obs-browser
 * and whose events (obsSourceActiveChanged, …) this test fires.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import type { OverlayClientStatus, RoomObsState } from '../../src/protocol/obs.ts';

declare global {
  interface Window {
    __obsCalls: [string, ...unknown[]][];
  }
}

/**
 * obs-browser's API as a double: version and control level from the page URL (`obsver`,
 * `obslevel`). Plain text, not a function: the test runner's transpiler adds helpers a page
 * does not have.
 */
const OBS_DOUBLE = `
  const params = new URLSearchParams(location.search);
  const calls = [];
  window.__obsCalls = calls;
  const level = Number(params.get('obslevel') ?? '4');
  window.obsstudio = {
    pluginVersion: params.get('obsver') ?? '30.0.0',
    getControlLevel: (cb) => setTimeout(() => cb(level), 0),
    getStatus: (cb) => cb({ streaming: false, recording: false, replaybuffer: false, virtualcam: false }),
    getCurrentScene: (cb) => cb({ name: 'Game', width: 1920, height: 1080 }),
    getScenes: (cb) => cb(['Game', 'BRB', 'Starting soon']),
    getTransitions: (cb) => cb(['Fade', 'Cut']),
    getCurrentTransition: (cb) => cb('Fade'),
    setCurrentScene: (name) => calls.push(['setCurrentScene', name]),
    saveReplayBuffer: () => calls.push(['saveReplayBuffer']),
  };
`;

const test = suite('overlay in OBS: status, reload, scene switching');
let server: TestServer;
let browser: Browser;
let panel: TestSocket;
const ROOM = 'obsroom';

const fire = (page: Page, name: string, detail: object) => page.evaluate(([n, d]) => window.dispatchEvent(new CustomEvent(n as string, { detail: d })), [name, detail] as const);

async function openOverlay(version: string, level: number): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript({ content: OBS_DOUBLE });
  await page.goto(`${server.url}/overlay?room=${ROOM}&token=${encodeURIComponent(await server.viewToken(ROOM))}&obsver=${version}&obslevel=${level}`);
  return page;
}

/** The next room.status whose overlay of OBS version `version` matches `match`. */
async function statusOf(version: string, match: (s: OverlayClientStatus) => boolean = () => true) {
  const status = await panel.next('room.status', (m) => (m.overlay_clients ?? []).some((s) => s.obs?.version === version && match(s)), 8000);
  return { client: status.overlay_clients!.find((s) => s.obs?.version === version)!, obs: status.obs as RoomObsState | null };
}

test.before(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  panel = await openSocket(server.wsUrl(`/ws/moderator?room=${ROOM}`), { 'x-streamer-token': STREAMER_TOKEN });
});
test.after(async () => {
  panel?.close();
  await browser?.close();
  await server?.stop();
});

test('visible and active (on program) flow from OBS events into room.status', async () => {
  const page = await openOverlay('31.0.1', 4);
  const first = await statusOf('31.0.1', (s) => s.obs?.control_level === 4 && s.scene === 'Game');
  assert.equal([first.client.connected, first.client.visible], [true, true], 'visible at load, from document.visibilityState');
  assert.equal(first.obs?.scenes, ['Game', 'BRB', 'Starting soon'], 'the scene list from getScenes');
  assert.equal(first.obs?.transitions, ['Fade', 'Cut']);
  await fire(page, 'obsSourceActiveChanged', { active: false });
  const off = await statusOf('31.0.1', (s) => s.active === false);
  assert.is(off.obs?.on_program, false, 'in OBS, not on program');
  await fire(page, 'obsSourceActiveChanged', { active: true });
  const on = await statusOf('31.0.1', (s) => s.active === true);
  assert.is(on.obs?.on_program, true, 'on program');
  await fire(page, 'obsSourceVisibleChanged', { visible: false });
  await statusOf('31.0.1', (s) => s.visible === false);
  await fire(page, 'obsStreamingStarted', {});
  await statusOf('31.0.1', (s) => s.streaming === true);
  await fire(page, 'obsSceneChanged', { name: 'BRB' });
  const scene = await statusOf('31.0.1', (s) => s.scene === 'BRB');
  assert.ok(scene.client.applied_version !== null, 'the applied version is there too');
  await page.close();
});

test('obs.scene runs setCurrentScene on exactly one overlay; too low a level is obs_permission', async () => {
  const [a, b, low] = [await openOverlay('a', 4), await openOverlay('b', 5), await openOverlay('low', 2)];
  await statusOf('a', (s) => s.obs?.control_level === 4);
  await statusOf('b', (s) => s.obs?.control_level === 5);
  await statusOf('low', (s) => s.obs?.control_level === 2);
  await fire(a, 'obsSourceActiveChanged', { active: true });
  await statusOf('a', (s) => s.active === true);
  panel.send({ type: 'obs.scene', name: 'BRB', req_id: 'switch-1' });
  assert.ok(await panel.next('ack', (m) => m.req_id === 'switch-1', 8000));
  const calls = await Promise.all([a, b, low].map((page) => page.evaluate(() => window.__obsCalls)));
  assert.equal(calls, [[['setCurrentScene', 'BRB']], [], []], 'one overlay, the one most recently on program');

  // Over HTTP with a control token, answered the same way.
  const token = ((await (await server.api('/api/control-tokens', { method: 'POST', streamer: true, json: { room: ROOM, scopes: ['obs.control'], label: 'deck' } })).json()) as { token: string }).token;
  const res = await server.api(`/api/rooms/${ROOM}/obs/scene/Game?x=1`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal([res.status, ((await res.json()) as { ok: boolean }).ok], [200, true]);
  assert.equal(await a.evaluate(() => window.__obsCalls.at(-1)), ['setCurrentScene', 'Game']);

  await a.close();
  await b.close();
  await waitFor('the two able overlays to leave', async () => {
    const status = await panel.next('room.status', (m) => (m.overlay_clients ?? []).length === 1, 8000);
    return status;
  }, 9000);
  panel.send({ type: 'obs.scene', name: 'BRB', req_id: 'switch-2' });
  const refused = await panel.next('error', (m) => m.req_id === 'switch-2', 8000);
  assert.is(refused.code, 'obs_permission');
  const http = await server.api(`/api/rooms/${ROOM}/obs/scene/BRB`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal([http.status, ((await http.json()) as { error: { code: string } }).error.code], [403, 'obs_permission']);
  assert.equal(await low.evaluate(() => window.__obsCalls), [], 'the low-level overlay was never asked');
  await low.close();
});

test('the panel shows "on program" and its OBS card switches scenes (a key with obs.control)', async () => {
  const overlay = await openOverlay('panel', 4);
  await statusOf('panel', (s) => s.obs?.control_level === 4 && s.scene === 'Game');
  const key = ((await (await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: ROOM, label: 'director', scopes: ['scene.edit', 'obs.control', 'overlay.reload'] } })).json()) as { key: string }).key;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const panelPage = await context.newPage();
  await panelPage.goto(`${server.url}/moderator?key=${encodeURIComponent(key)}`);
  await fire(overlay, 'obsSourceActiveChanged', { active: true });
  await panelPage.waitForSelector('[data-obs="on_program"]', { timeout: 8000 });
  assert.match((await panelPage.textContent('[data-obs]')) ?? '', 'On program');
  await fire(overlay, 'obsSourceActiveChanged', { active: false });
  await panelPage.waitForSelector('[data-obs="not_on_program"]', { timeout: 8000 });
  await panelPage.click('[data-obs-scene="Starting soon"]');
  await waitFor('setCurrentScene from the panel', async () => (await overlay.evaluate(() => window.__obsCalls)).some((c) => c[1] === 'Starting soon'), 8000);
  await context.close();
  await overlay.close();
});

test('overlay.reload reloads exactly the targeted overlay with a cache-busting URL', async () => {
  const [one, two] = [await openOverlay('one', 1), await openOverlay('two', 1)];
  const target = (await statusOf('one')).client.id;
  await statusOf('two');
  panel.send({ type: 'overlay.reload', overlay_id: target, req_id: 'reload-1' });
  assert.ok(await panel.next('ack', (m) => m.req_id === 'reload-1', 8000));
  await waitFor('the targeted overlay to reload', () => new URL(one.url()).searchParams.get('_reload'), 8000);
  await statusOf('one', (s) => s.id !== target);
  assert.is(new URL(two.url()).searchParams.get('_reload'), null, 'the other overlay kept its page');
  const missing = await server.api(`/api/rooms/${ROOM}/overlays/reload`, { method: 'POST', streamer: true, json: { overlay_id: 'nope' } });
  assert.is(missing.status, 404);
  const all = await server.api(`/api/rooms/${ROOM}/overlays/reload`, { method: 'POST', streamer: true });
  assert.equal(((await all.json()) as { reloaded: number }).reloaded, 2);
  await waitFor('the other overlay to reload too', () => new URL(two.url()).searchParams.get('_reload'), 8000);
  await one.close();
  await two.close();
});

test.run();
