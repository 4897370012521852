/**
 * The panel's live preview in real Chromium (fake camera) against the real server: peer to
 * peer, and through Debian's real janus (JANUS_URL). The panel is one more viewer of the room:
 * its own <video> must present frames, and switching it off, reloading the publisher or
 * ending the moderator's session must leave no peer connection behind. Each panel gets its
 * own browser context, so it is the page in front (requestVideoFrameCallback fires there).
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { startJanus, type Janus } from '../../testing/janus.ts';
import { panelSynced } from '../../testing/panel-page.ts';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { WEBRTC_ARGS, webrtcPages } from '../../testing/webrtc-pages.ts';

const DIST = new URL('../../dist/client/', import.meta.url);
const PREVIEW = '[data-preview]';
const PREVIEW_VIDEO = '[data-preview] video';

declare global {
  interface Window {
    /** Every RTCPeerConnection the page made (recorded by an init script). */
    __pcs: RTCPeerConnection[];
  }
}
interface Stats {
  publisher: { online: boolean };
  viewer_list: { viewer_id: string }[];
  media?: { kind: string };
}

/** One server (P2P or SFU) and the browser for a suite. */
interface Rig {
  server: TestServer;
  browser: Browser;
  pages: ReturnType<typeof webrtcPages>;
  contexts: BrowserContext[];
}

async function startRig(env: Record<string, string>): Promise<Rig> {
  for (const bundle of ['moderator.js', 'overlay.js', 'publish.js', 'webrtc-viewer.js']) {
    if (!existsSync(new URL(bundle, DIST))) throw new Error(`dist/client/${bundle} is missing: run node build.mjs first`);
  }
  const [server, browser] = await Promise.all([
    startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1', WEBRTC_STUN_URL: '', ...env } }),
    launchChromium(WEBRTC_ARGS),
  ]);
  return { server, browser, pages: webrtcPages(server), contexts: [] };
}

async function stopRig(rig: Rig | undefined) {
  await rig?.browser.close();
  await rig?.server.stop();
}

async function context(rig: Rig): Promise<BrowserContext> {
  const created = await rig.browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  rig.contexts.push(created);
  return created;
}

async function closeContexts(rig: Rig) {
  await Promise.all(rig.contexts.splice(0).map((c) => c.close()));
}

/** A moderator panel for `room` (logged in with a fresh key), in a context of its own. */
async function openPanel(rig: Rig, room: string, label: string): Promise<Page> {
  const res = await rig.server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room, label } });
  const { key } = (await res.json()) as { key: string };
  const page = await rig.pages.newPage(await context(rig));
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    window.__pcs = made;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push(this);
      }
    };
  });
  await page.goto(`${rig.server.url}/moderator?key=${encodeURIComponent(key)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(panelSynced, null, { timeout: 30_000 });
  return page;
}

/** The preview's own <video> presents new frames (sampled until three were seen, bounded). */
async function previewPlays(page: Page) {
  await page.waitForSelector('[data-preview="live"]', { timeout: 30_000 });
  await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLVideoElement | null)?.videoWidth, PREVIEW_VIDEO, { timeout: 15_000 });
  const presented = await page.evaluate(async (sel) => {
    const video = document.querySelector(sel) as HTMLVideoElement;
    const frames: number[] = [];
    const deadline = Date.now() + 10_000;
    while (frames.length < 3 && Date.now() < deadline) {
      const frame = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 2000);
        video.requestVideoFrameCallback((_now, meta) => {
          clearTimeout(timer);
          resolve(meta.presentedFrames);
        });
      });
      if (frame >= 0) frames.push(frame);
    }
    return frames;
  }, PREVIEW_VIDEO);
  assert.ok(presented.length >= 3 && presented[presented.length - 1]! > presented[0]!, `the preview's frames should advance, got ${presented}`);
}

/** Every peer connection the panel ever made is closed (and it made at least `atLeast`). */
async function allClosed(page: Page, atLeast = 1) {
  await page.waitForFunction((n) => window.__pcs.length >= n && window.__pcs.every((pc) => pc.connectionState === 'closed'), atLeast, { timeout: 10_000 });
  assert.is(await page.evaluate(() => window.__webrtc?.viewers.size ?? 0), 0, 'no viewer left running');
}

const stats = async (rig: Rig, room: string) => (await (await rig.server.api(`/api/webrtc/rooms/${room}/stats`, { streamer: true })).json()) as Stats;

async function endSession(rig: Rig, label: string) {
  const list = (await (await rig.server.api('/api/moderator-sessions', { streamer: true })).json()) as { sessions: { id: string; label: string }[] };
  const session = list.sessions.find((s) => s.label === label)!;
  assert.is((await rig.server.api(`/api/moderator-sessions/${session.id}`, { method: 'DELETE', streamer: true })).status, 200);
}

// --- peer to peer ---

let p2pRig: Rig;
const p2p = suite('panel live preview – peer to peer (real Chromium)');
p2p.before(async () => {
  p2pRig = await startRig({});
});
p2p.after(async () => stopRig(p2pRig));
p2p.after.each(async () => closeContexts(p2pRig));

p2p('on by default with a publisher: frames advance; off closes its peer connection and is remembered; on plays again', async () => {
  const rig = p2pRig;
  const publisher = await rig.pages.openPublisher(await context(rig), 'cam-p2p');
  const panel = await openPanel(rig, 'cam-p2p', 'previewer');
  await previewPlays(panel);
  await publisher.waitForFunction(() => window.__publisher.peers().length === 1, null, { timeout: 10_000 });

  await panel.click('[data-preview-toggle]');
  await panel.waitForSelector('[data-preview="off"]');
  await allClosed(panel);
  await publisher.waitForFunction(() => window.__publisher.peers().length === 0, null, { timeout: 10_000 });

  // Remembered: a reloaded panel leaves the preview off and opens no connection.
  await panel.reload({ waitUntil: 'domcontentloaded' });
  await panel.waitForFunction(panelSynced, null, { timeout: 30_000 });
  await panel.waitForSelector('.webrtc-stats', { timeout: 15_000 });
  assert.is(await panel.locator('[data-preview-toggle]').isChecked(), false);
  assert.is(await panel.getAttribute(PREVIEW, 'data-preview'), 'off');
  assert.is(await panel.evaluate(() => window.__pcs.length), 0, 'no peer connection while off');

  await panel.click('[data-preview-toggle]');
  await previewPlays(panel);
});

p2p('the publisher reloads: the preview shows the new stream; the session ends: "access revoked" and no connection left', async () => {
  const rig = p2pRig;
  const publisher = await rig.pages.openPublisher(await context(rig), 'cam-reload');
  const panel = await openPanel(rig, 'cam-reload', 'watcher');
  await previewPlays(panel);
  await panel.evaluate((sel) => (((document.querySelector(sel) as HTMLVideoElement).srcObject as MediaStream & { old?: boolean }).old = true), PREVIEW_VIDEO);

  await publisher.reload();
  await publisher.waitForFunction(() => window.__publisher?.status === 'live', null, { timeout: 15_000 });
  await panel.waitForFunction(
    (sel) => {
      const stream = (document.querySelector(sel) as HTMLVideoElement).srcObject as (MediaStream & { old?: boolean }) | null;
      return stream !== null && !stream.old && stream.getVideoTracks()[0]?.readyState === 'live';
    },
    PREVIEW_VIDEO,
    { timeout: 20_000 },
  );
  await previewPlays(panel);

  await endSession(rig, 'watcher');
  await panel.waitForSelector('[data-revoked]', { timeout: 10_000 });
  await allClosed(panel, 2);
  await publisher.waitForFunction(() => window.__publisher.peers().length === 0, null, { timeout: 10_000 });
  assert.is((await stats(rig, 'cam-reload')).viewer_list.length, 0, 'the panel holds no viewer slot');
});

p2p.run();

// --- through the SFU ---

let sfuRig: Rig;
let janus: Janus;
const sfu = suite('panel live preview – through Janus (real janus, Chromium)');
sfu.before(async () => {
  janus = await startJanus();
  sfuRig = await startRig({
    JANUS_URL: janus.url,
    JANUS_TOKEN_SECRET: janus.tokenSecret,
    JANUS_ADMIN_KEY: janus.adminKey,
    LOG_LEVEL: process.env.SFU_TEST_LOG ?? 'silent',
  });
  await waitFor('the server’s Janus session', () => sfuRig.server.services.sfu?.client.ready, 10_000, 100);
});
sfu.after(async () => {
  await stopRig(sfuRig);
  await janus?.stop();
});
sfu.after.each(async () => closeContexts(sfuRig));

sfu('panel preview + an overlay viewer: both play; the publisher encodes ONE video stream; off leaves the room', async () => {
  const rig = sfuRig;
  const publisher = await rig.pages.openPublisher(await context(rig), 'cam-sfu');
  const overlay = await rig.pages.openPreview(await context(rig), 'cam-sfu');
  const panel = await openPanel(rig, 'cam-sfu', 'sfu-previewer');
  await previewPlays(panel);
  await rig.pages.framesAdvance(overlay, 30_000);

  const peers = await publisher.evaluate(() => window.__publisher.peers());
  assert.equal(peers.map((p) => p.id), ['sfu'], 'one peer connection, to the SFU');
  assert.is((await publisher.evaluate(() => window.__publisher.outboundVideo())).streams, 1, 'one outbound video stream');
  const room = await waitFor('two viewers in the room stats', async () => {
    const s = await stats(rig, 'cam-sfu');
    return s.viewer_list.length === 2 && s;
  }, 10_000, 250);
  assert.is(room.media?.kind, 'sfu');

  await panel.click('[data-preview-toggle]');
  await allClosed(panel);
  await waitFor('the panel to leave the room', async () => (await stats(rig, 'cam-sfu')).viewer_list.length === 1, 10_000, 250);
  await rig.pages.framesAdvance(overlay);
});

sfu.run();
