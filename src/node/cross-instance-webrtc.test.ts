/**
 * Peer-to-peer WebRTC across instances: a publisher page on instance A and a viewer page on
 * instance B of one Redis meet through the relayed signaling (rooms/signaling-relay.ts), and
 * the viewer decodes advancing video frames in real Chromium (fake camera, host candidates).
 */
import type { Browser } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../../testing/browser.ts';
import { startCluster, type Cluster } from '../../testing/instances.ts';
import { WEBRTC_ARGS, webrtcPages } from '../../testing/webrtc-pages.ts';

const test = suite<{ cluster: Cluster; browser: Browser }>('WebRTC: publisher on A, viewer on B');

test.before(async (context) => {
  [context.cluster, context.browser] = await Promise.all([startCluster(2, { env: { TRUSTED_PROXIES: '127.0.0.1', WEBRTC_STUN_URL: '' } }), launchChromium(WEBRTC_ARGS)]);
});
test.after(async ({ cluster, browser }) => {
  await browser?.close();
  await cluster?.stop();
});

test('the viewer on B gets the publisher on A: video frames advance', async ({ cluster, browser }) => {
  const [a, b] = cluster.instances;
  const context = await browser.newContext();
  try {
    const publisher = await webrtcPages(a!).openPublisher(context, 'cross-cam');
    const viewerPages = webrtcPages(b!);
    const viewer = await viewerPages.openPreview(context, 'cross-cam');
    const frames = await viewerPages.framesAdvance(viewer, 30_000);
    assert.ok(frames > 5, `frames decoded: ${frames}`);
    // The publisher on A sees the viewer that B holds.
    const peers = await publisher.evaluate(() => window.__publisher.peers().length);
    assert.is(peers, 1);
    // And a viewer that comes before the publisher is met too (B announces it when A joins).
    await publisher.close();
    const early = await viewerPages.openPreview(context, 'cross-cam-2');
    await webrtcPages(a!).openPublisher(context, 'cross-cam-2');
    assert.ok((await viewerPages.framesAdvance(early, 30_000)) > 5);
  } finally {
    await context.close();
  }
});

test.run();
