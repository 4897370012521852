/**
 * Live video end to end: real Chromium (fake camera), the real server, real coturn. The
 * publisher page publishes, overlay pages (/preview and a scene item) show it. One browser
 * for the whole file and bounded waits, so this stays quick on a 2-core CI machine.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { startCoturn, type Coturn } from '../../testing/coturn.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { CloseCode } from '../../src/protocol/messages.ts';
import type { WebrtcTokenResponse } from '../../src/protocol/signaling.ts';
import type { ViewerInfo, WebrtcViewer } from './webrtc-viewer.ts';
import { AUTOPLAY_ALLOWED, launchChromium } from '../../testing/browser.ts';
import type { PeerView, PublisherStatus } from '../publish/publisher.ts';

const WEBRTC_ARGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection', AUTOPLAY_ALLOWED,
];
const DIST = new URL('../../dist/client/', import.meta.url);
const VIDEO = 'video.webrtc-video';

// window.__webrtc and window.__publisher are declared there.
import '../../testing/webrtc-pages.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let browser: Browser;
let server: TestServer;
let coturn: Coturn;
/** Every page and API call gets its own client address (behind a trusted "proxy"), so per-IP limits never mix tests. */
let nextIp = 1;
const clientIp = () => `10.77.${nextIp >> 8}.${nextIp++ & 255}`;

async function token(room: string, role: 'publisher' | 'viewer', ttl?: number): Promise<WebrtcTokenResponse> {
  const res = await server.api('/api/webrtc/token', { method: 'POST', streamer: true, json: { room, role, ttl }, headers: { 'x-forwarded-for': clientIp() } });
  assert.is(res.status, 200);
  return (await res.json()) as WebrtcTokenResponse;
}

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': clientIp() });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

async function openPublisher(context: BrowserContext, room: string): Promise<Page> {
  const page = await newPage(context);
  await page.goto(`${server.url}/publish?room=${room}&token=${(await token(room, 'publisher')).token}`);
  await page.click('button.start');
  await page.waitForFunction(() => window.__publisher?.status === 'live', null, { timeout: 10_000 });
  return page;
}

async function openPreview(context: BrowserContext, room: string, options: { ttl?: number; relay?: boolean } = {}): Promise<Page> {
  const page = await newPage(context);
  const { token: viewerToken } = await token(room, 'viewer', options.ttl);
  await page.goto(`${server.url}/preview?webrtc_room=${room}&webrtc_token=${viewerToken}${options.relay ? '&webrtc_relay=1' : ''}`);
  return page;
}

/** Video is showing: it has a size, and new frames keep being presented. */
async function assertPlaying(page: Page, selector = VIDEO, timeout = 10_000): Promise<void> {
  await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLVideoElement | null)?.videoWidth, selector, { timeout });
  const presented = await page.evaluate(async (sel) => {
    const video = document.querySelector(sel) as HTMLVideoElement;
    // Pages that are not in front render less often: sample until three frames were seen.
    const frames: number[] = [];
    const deadline = Date.now() + 5000;
    while (frames.length < 3 && Date.now() < deadline) {
      const frame = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 1000);
        video.requestVideoFrameCallback((_now, meta) => {
          clearTimeout(timer);
          resolve(meta.presentedFrames);
        });
      });
      if (frame >= 0) frames.push(frame);
    }
    return frames;
  }, selector);
  assert.ok(presented.length >= 3 && presented[presented.length - 1]! > presented[0]!, `frames should advance, got ${presented}`);
}

const info = (page: Page, index = 0) => page.evaluate((i) => [...window.__webrtc.viewers][i]!.info(), index) as Promise<ViewerInfo>;

const live = suite('webrtc – live video in Chromium');

live.before(async () => {
  for (const bundle of ['overlay.js', 'publish.js', 'webrtc-viewer.js']) {
    if (!existsSync(new URL(bundle, DIST))) throw new Error(`dist/client/${bundle} is missing: run node build.mjs first`);
  }
  [coturn, browser] = await Promise.all([startCoturn(), launchChromium(WEBRTC_ARGS)]);
  server = await startTestServer({
    env: { TRUSTED_PROXIES: '127.0.0.1', WEBRTC_STUN_URL: '', WEBRTC_TURN_URL: coturn.url, WEBRTC_TURN_SECRET: coturn.secret },
  });
});

live.after(async () => {
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
});

live('the publisher page publishes the fake camera; the overlay preview shows it; bad input elsewhere does not disturb it', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await openPublisher(context, 'one');
    const viewer = await openPreview(context, 'one');
    await assertPlaying(viewer);

    // A hostile or broken client in the same room gets errors; the live viewer plays on.
    const rogue = await openSocket(server.wsUrl(`/ws/webrtc/one/viewer?token=${(await token('one', 'viewer')).token}`));
    rogue.send({ type: 'answer', sdp: 'x'.repeat(70_000) });
    rogue.send({ type: 'offer', sdp: 'v=0' });
    rogue.send({ type: 'selfdestruct' });
    await rogue.next('error', (e) => e.code === ('too_large' as never));
    await rogue.next('error', (e) => e.code === ('forbidden' as never));
    await rogue.next('error', (e) => e.code === ('unknown_type' as never));
    rogue.close();
    await assertPlaying(viewer);

    // The publisher's table and the room stats see the viewer, with metrics (sent every 2 s).
    await publisher.waitForFunction(() => window.__publisher.peers().some((p) => p.state === 'connected' && (p.metrics?.bitrate_kbps ?? 0) > 0), null, { timeout: 8000 });
    // Key-frame requests (the viewer's stall detector, or OBS showing the source) each make the
    // publisher's encoder emit one. Chromium also makes some on its own (resolution ramp-up),
    // so ask three times, just past the publisher's 1 s throttle, and expect at least three.
    const peer = () => publisher.evaluate(() => window.__publisher.peers()[0]!);
    await publisher.waitForFunction(() => window.__publisher.peers()[0]?.metrics, null, { timeout: 5000 });
    const before = (await peer()).keyFrames;
    for (let i = 0; i < 3; i++) {
      await viewer.evaluate(() => [...window.__webrtc.viewers][0]!.requestKeyframe());
      await sleep(1050);
    }
    await publisher.waitForFunction((n) => window.__publisher.peers()[0]!.keyFrames >= n + 3, before, { timeout: 4000 });
    assert.is((await peer()).keyframeRequests, 3);
    const stats = (await (await server.api('/api/webrtc/rooms/one/stats', { streamer: true })).json()) as { viewer_list: { state: string; metrics: { fps: number | null } | null }[] };
    const connected = stats.viewer_list.filter((v) => v.state === 'connected');
    assert.is(connected.length, 1, JSON.stringify(stats));
    assert.ok(connected[0]!.metrics, 'publisher metrics recorded for the viewer');
  } finally {
    await context.close();
  }
});

live('three viewers at once each get video', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await openPublisher(context, 'three');
    const viewers = await Promise.all([0, 1, 2].map(() => openPreview(context, 'three')));
    for (const viewer of viewers) await assertPlaying(viewer);
    const ids = await Promise.all(viewers.map(async (v) => (await info(v)).viewerId));
    assert.is(new Set(ids).size, 3, 'three distinct viewer ids');
    await publisher.waitForFunction(() => window.__publisher.peers().filter((p) => p.state === 'connected').length === 3, null, { timeout: 5000 });
  } finally {
    await context.close();
  }
});

live('relay-only through coturn on loopback: video arrives over a relay candidate', async () => {
  const context = await browser.newContext();
  try {
    await openPublisher(context, 'relayed');
    const viewer = await openPreview(context, 'relayed', { relay: true });
    await assertPlaying(viewer, VIDEO, 15_000);
    await viewer.waitForFunction(() => [...window.__webrtc.viewers][0]?.info().reading?.local === 'relay', null, { timeout: 5000 });
    const state = await info(viewer);
    assert.is(state.relayOnly, true);
    assert.is(state.reading?.metrics.candidate_type, 'relay');
    // The publisher measures the same path as relayed, and the room stats say so.
    let stats: { viewer_list: { candidate_type: string | null }[] } = { viewer_list: [] };
    for (let i = 0; i < 30 && stats.viewer_list[0]?.candidate_type !== 'relay'; i++) {
      await sleep(200);
      stats = (await (await server.api('/api/webrtc/rooms/relayed/stats', { streamer: true })).json()) as typeof stats;
    }
    assert.is(stats.viewer_list[0]?.candidate_type, 'relay');
  } finally {
    await context.close();
  }
});

live('publisher reload: the viewer recovers by itself within 3 s of the new publisher going live', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await openPublisher(context, 'reload');
    const viewer = await openPreview(context, 'reload');
    await assertPlaying(viewer);
    const before = await viewer.evaluate((sel) => ((document.querySelector(sel) as HTMLVideoElement).srcObject as MediaStream).id, VIDEO);

    await publisher.reload();
    // The page resumes the camera broadcast on its own (remembered for this tab).
    await publisher.waitForFunction(() => window.__publisher?.status === 'live', null, { timeout: 10_000 });
    const liveAt = Date.now();
    await viewer.waitForFunction(
      ({ sel, old }) => {
        const video = document.querySelector(sel) as HTMLVideoElement;
        const stream = video.srcObject as MediaStream | null;
        return stream !== null && stream.id !== old && stream.getVideoTracks()[0]?.readyState === 'live' && video.videoWidth > 0;
      },
      { sel: VIDEO, old: before },
      { timeout: 5000, polling: 50 },
    );
    const recoveredMs = Date.now() - liveAt;
    await assertPlaying(viewer);
    assert.ok(recoveredMs < 3000, `video back ${recoveredMs} ms after the new publisher joined`);
  } finally {
    await context.close();
  }
});

live('token expiry during a run does not stop the viewer, even across a reconnect', async () => {
  const context = await browser.newContext();
  try {
    await openPublisher(context, 'expiry');
    const viewer = await openPreview(context, 'expiry', { ttl: 3 });
    await assertPlaying(viewer);
    const first = await info(viewer);
    await sleep(3500);
    const later = await info(viewer);
    assert.is.not(later.token, first.token, 'the token was refreshed');
    await assertPlaying(viewer);

    // The first token has expired by now; a dropped socket must reconnect with a fresh one.
    const closed = server.services.signaling.peek('expiry')!.closeWhere((c) => c.role === 'viewer', CloseCode.restarting, 'test restart');
    assert.is(closed, 1);
    await viewer.waitForFunction(
      (old) => {
        const state = [...window.__webrtc.viewers][0]!.info();
        return state.viewerId !== old && state.state === 'connected';
      },
      first.viewerId,
      { timeout: 10_000 },
    );
    await assertPlaying(viewer);
  } finally {
    await context.close();
  }
});

live('a webrtc scene item plays in the overlay; moving and restyling it keeps the same video element', async () => {
  const context = await browser.newContext();
  try {
    await openPublisher(context, 'stage');
    const page = await newPage(context);
    await page.goto(`${server.url}/overlay?room=stage&token=${await server.viewToken('stage')}`);
    const op = (body: object) => server.api('/api/rooms/stage/ops', { method: 'POST', streamer: true, json: body });
    // No token in the item: the overlay's view token gets one for its own room.
    assert.is((await op({ type: 'add', item: { id: 'cam', kind: 'webrtc', webrtcRoom: 'stage', x: 0, y: 0, w: 640, h: 360 } })).status, 200);
    const selector = `.item-webrtc ${VIDEO}`;
    await assertPlaying(page, selector);
    await page.evaluate((sel) => ((document.querySelector(sel) as HTMLVideoElement & { marker?: number }).marker = 42), selector);

    assert.is((await op({ type: 'patch', id: 'cam', changes: { x: 300, y: 40, opacity: 0.8, w: 800, h: 450 } })).status, 200);
    assert.is((await op({ type: 'add', item: { id: 'title', kind: 'text', text: 'live', z: 5 } })).status, 200);
    assert.is((await op({ type: 'bringToFront', id: 'cam' })).status, 200);
    await page.waitForFunction(() => (document.querySelector('[data-id="cam"]') as HTMLElement | null)?.style.left === '300px', null, { timeout: 5000 });
    assert.is(await page.evaluate((sel) => (document.querySelector(sel) as HTMLVideoElement & { marker?: number }).marker, selector), 42, 'same element');
    await assertPlaying(page, selector);
  } finally {
    await context.close();
  }
});

live.run();
