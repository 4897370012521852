/**
 * Live video through the SFU end to end: Debian's real janus (testing/janus.ts), the real
 * server with JANUS_URL, real coturn, real Chromium with a fake camera. Browsers talk only to
 * our signaling sockets; the server drives Janus. One browser and one server for the file,
 * bounded waits throughout (Chromium is heavy on two shared cores).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { startCoturn, type Coturn } from '../../testing/coturn.ts';
import { startJanus, type Janus } from '../../testing/janus.ts';
import { openSocket, refusedStatus } from '../../testing/ws-client.ts';
import { launchChromium, waitFor } from '../../testing/browser.ts';
import { WEBRTC_ARGS, webrtcPages } from '../../testing/webrtc-pages.ts';

const DIST = new URL('../../dist/client/', import.meta.url);

let browser: Browser;
let server: TestServer;
let coturn: Coturn;
let janus: Janus;
let pages: ReturnType<typeof webrtcPages>;

interface Stats {
  publisher: { online: boolean };
  viewer_list: { viewer_id: string; state: string; candidate_type: string | null; sfu: { state: string; subscribed: boolean } | null }[];
  media: { kind: string; janus_connected: boolean; publisher: { live: boolean } | null; participants: { publisher: boolean }[] | null };
}
const stats = async (room: string) => (await (await server.api(`/api/webrtc/rooms/${room}/stats`, { streamer: true })).json()) as Stats;

const sfu = suite('webrtc through the SFU (real janus, coturn, Chromium)');

sfu.before(async () => {
  for (const bundle of ['overlay.js', 'publish.js', 'webrtc-viewer.js']) {
    if (!existsSync(new URL(bundle, DIST))) throw new Error(`dist/client/${bundle} is missing: run node build.mjs first`);
  }
  janus = await startJanus();
  [coturn, browser] = await Promise.all([startCoturn({ relayIp: janus.mediaIp }), launchChromium(WEBRTC_ARGS)]);
  server = await startTestServer({
    env: {
      TRUSTED_PROXIES: '127.0.0.1',
      WEBRTC_STUN_URL: '',
      WEBRTC_TURN_URL: coturn.url,
      WEBRTC_TURN_SECRET: coturn.secret,
      JANUS_URL: janus.url,
      JANUS_TOKEN_SECRET: janus.tokenSecret,
      JANUS_ADMIN_KEY: janus.adminKey,
      LOG_LEVEL: process.env.SFU_TEST_LOG ?? 'silent',
    },
  });
  pages = webrtcPages(server);
  await waitFor('the server’s Janus session', () => server.services.sfu?.client.ready, 10_000, 100);
});

sfu.after(async () => {
  await browser?.close();
  await server?.stop();
  await coturn?.stop();
  await janus?.stop();
});

sfu('publisher + 6 viewers (preview pages and an overlay scene item): all get frames; the publisher encodes ONE video stream', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await pages.openPublisher(context, 'six');
    // One page at a time: six page loads at once can starve two shared cores.
    const viewers: Page[] = [];
    for (let i = 0; i < 5; i++) viewers.push(await pages.openPreview(context, 'six'));
    viewers.push(await pages.openOverlayItem(context, 'six'));
    for (const viewer of viewers) await pages.framesAdvance(viewer, 30_000);
    const ids = await Promise.all(viewers.map(async (v) => (await pages.info(v))!.viewerId));
    assert.is(new Set(ids).size, 6, 'six distinct viewers');

    const peers = await publisher.evaluate(() => window.__publisher.peers());
    assert.is(peers.length, 1, 'one peer connection, to the SFU');
    assert.is(peers[0]!.id, 'sfu');
    assert.is((await publisher.evaluate(() => window.__publisher.outboundVideo())).streams, 1, 'one outbound video stream');

    const room = await waitFor('room stats with six subscribed viewers', async () => {
      const s = await stats('six');
      return s.viewer_list.length === 6 && s.viewer_list.every((v) => v.sfu?.state === 'webrtcup') && s.media.participants?.length ? s : null;
    }, 10_000, 250);
    assert.is(room.media.kind, 'sfu');
    assert.is(room.media.janus_connected, true);
    assert.is(room.media.publisher?.live, true);
    assert.equal(room.media.participants!.map((p) => p.publisher), [true], 'Janus lists our one publisher');

    // A viewer's key-frame request reaches the publisher's one encoder through Janus (the
    // server throttles to one per second per room, so space them just past that).
    await publisher.waitForFunction(() => window.__publisher.peers()[0]?.metrics, null, { timeout: 10_000 });
    const keyFrames = async () => (await publisher.evaluate(() => window.__publisher.peers()[0]!)).keyFrames;
    const before = await keyFrames();
    for (let i = 0; i < 3; i++) {
      await viewers[i]!.evaluate(() => [...window.__webrtc.viewers][0]!.requestKeyframe());
      await new Promise((r) => setTimeout(r, 1100));
    }
    await publisher.waitForFunction((n) => window.__publisher.peers()[0]!.keyFrames >= n + 3, before, { timeout: 8000 });
  } finally {
    await context.close();
  }
});

sfu('relay-only through coturn: publisher and viewer both reach Janus over TURN relays', async () => {
  const context = await browser.newContext();
  try {
    await pages.openPublisher(context, 'relayed');
    const viewer = await pages.openPreview(context, 'relayed', { relay: true });
    await pages.framesAdvance(viewer, 30_000);
    const state = (await pages.info(viewer))!;
    assert.is(state.relayOnly, true);
    await viewer.waitForFunction(() => [...window.__webrtc.viewers][0]?.info().reading?.local === 'relay', null, { timeout: 10_000 });
  } finally {
    await context.close();
  }
});

sfu('publisher reload: viewers show video again within 3 s of the new publisher going live', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await pages.openPublisher(context, 'reload');
    const viewers = [await pages.openPreview(context, 'reload'), await pages.openPreview(context, 'reload')];
    for (const viewer of viewers) await pages.framesAdvance(viewer);
    // Janus names every subscription's stream alike: mark the old stream object instead of its id.
    for (const viewer of viewers) {
      await viewer.evaluate(() => (((document.querySelector('video.webrtc-video') as HTMLVideoElement).srcObject as MediaStream & { old?: boolean }).old = true));
    }

    await publisher.reload();
    await publisher.waitForFunction(() => window.__publisher?.status === 'live', null, { timeout: 15_000 });
    const liveAt = Date.now();
    for (const viewer of viewers) {
      await viewer.waitForFunction(
        () => {
          const video = document.querySelector('video.webrtc-video') as HTMLVideoElement;
          const stream = video.srcObject as (MediaStream & { old?: boolean }) | null;
          const state = [...window.__webrtc.viewers][0]?.info();
          return stream !== null && !stream.old && state?.state === 'connected' && stream.getVideoTracks()[0]?.readyState === 'live' && video.videoWidth > 0;
        },
        null,
        { timeout: 10_000, polling: 50 },
      );
    }
    const recoveredMs = Date.now() - liveAt;
    for (const viewer of viewers) await pages.framesAdvance(viewer);
    assert.ok(recoveredMs < 3000, `video back ${recoveredMs} ms after the new publisher went live`);
  } finally {
    await context.close();
  }
});

sfu('a viewer token cannot publish: refused at the publisher socket, and offers on a viewer socket are forbidden', async () => {
  const context = await browser.newContext();
  try {
    const viewerToken = (await pages.token('guarded', 'viewer')).token;
    assert.is(await refusedStatus(server.wsUrl(`/ws/webrtc/guarded/publisher?token=${viewerToken}`)), 403);
    const refused = await server.api(`/ws/webrtc/guarded/publisher?token=${viewerToken}`);
    assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'wrong_role');

    const rogue = await openSocket(server.wsUrl(`/ws/webrtc/guarded/viewer?token=${viewerToken}`));
    rogue.send({ type: 'offer', sdp: 'v=0\r\n' });
    await rogue.next('error', (e) => e.code === ('forbidden' as never));
    rogue.send({ type: 'publisher.metrics', viewers: [] });
    await rogue.next('error', (e) => e.code === ('forbidden' as never));
    // Whatever else it sends, nothing publishes in Janus.
    rogue.send({ type: 'answer', sdp: 'v=0\r\n' });
    rogue.send({ type: 'viewer.request-restart', fresh: true });
    await rogue.next('error', (e) => e.code === ('no_publisher' as never));
    rogue.close();
    const participants = await server.services.sfu!.rooms.participants('guarded').catch(() => []);
    assert.equal(participants, []);
    assert.is((await stats('guarded')).publisher.online, false);
  } finally {
    await context.close();
  }
});

sfu('Janus killed and started again: video comes back without a page reload; ending the session closes the publisher', async () => {
  const context = await browser.newContext();
  try {
    const publisher = await pages.openPublisher(context, 'crash');
    const viewer = await pages.openPreview(context, 'crash');
    await pages.framesAdvance(viewer);
    const generation = server.services.sfu!.client.generation;

    await janus.kill();
    await waitFor('the server noticing', () => !server.services.sfu!.client.ready, 10_000, 100);
    // Meanwhile WebRTC rooms say so clearly; the rest of the service is unaffected.
    const probe = await openSocket(server.wsUrl(`/ws/webrtc/crash/viewer?token=${(await pages.token('crash', 'viewer')).token}`));
    await probe.next('error', (e) => e.code === ('sfu_unavailable' as never));
    probe.close();
    assert.is((await server.api('/health')).status, 200);

    await janus.restart();
    await waitFor('a new Janus session', () => server.services.sfu!.client.generation > generation && server.services.sfu!.client.ready, 20_000, 100);
    await pages.framesAdvance(viewer, 40_000);
    assert.is((await publisher.evaluate(() => window.__publisher.peers())).length, 1);

    // The publisher page's socket closes when its session ends (here: the server drops it).
    const closed = server.services.signaling.peek('crash')!.closeWhere((c) => c.role === 'publisher', 4001, 'session ended');
    assert.is(closed, 1);
    await waitFor('the Janus feed to go', async () => (await server.services.sfu!.rooms.participants('crash').catch(() => [{}])).length === 0, 10_000, 200);
  } finally {
    await context.close();
  }
});

sfu.run();
