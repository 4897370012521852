/**
 * Publisher and viewer pages in Chromium for WebRTC tests and the webrtc benchmark: tokens
 * from the real server, one client address per page (behind a trusted "proxy", so per-IP
 * limits never mix pages), and checks that read getStats() (framesDecoded), which advance on
 * background pages too, unlike requestVideoFrameCallback.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { AUTOPLAY_ALLOWED } from './browser.ts';
import type { WebrtcTokenResponse } from '../src/protocol/signaling.ts';
import type { ViewerInfo, WebrtcViewer } from '../client/shared/webrtc-viewer.ts';
import type { PeerView, PublisherStatus } from '../client/publish/publisher.ts';

/** Fake camera and mic, no prompt, and real host addresses (Janus needs them; no mDNS names). */
export const WEBRTC_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  AUTOPLAY_ALLOWED,
];

declare global {
  interface Window {
    __webrtc: { viewers: Set<WebrtcViewer> };
    __publisher: { status: PublisherStatus; peers(): PeerView[]; outboundVideo(): Promise<{ streams: number; bytesSent: number; framesEncoded: number }> };
  }
}

export interface WebrtcPageServer {
  url: string;
  api(path: string, init?: RequestInit & { streamer?: boolean; json?: unknown }): Promise<Response>;
  viewToken(room?: string): Promise<string>;
}

let nextIp = 1;
export const clientIp = () => `10.78.${(nextIp >> 8) & 255}.${nextIp++ & 255}`;

export function webrtcPages(server: WebrtcPageServer) {
  async function token(room: string, role: 'publisher' | 'viewer', ttl?: number): Promise<WebrtcTokenResponse> {
    const res = await server.api('/api/webrtc/token', { method: 'POST', streamer: true, json: { room, role, ttl }, headers: { 'x-forwarded-for': clientIp() } });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
    return (await res.json()) as WebrtcTokenResponse;
  }

  /** Two shared cores under load can take a while to load a page; the checks that matter come after. */
  const LOAD = { waitUntil: 'domcontentloaded', timeout: 60_000 } as const;

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': clientIp() });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    return page;
  }

  /** `preset`: the publish page's quality preset (e.g. 480p30), as a resumed choice. */
  async function openPublisher(context: BrowserContext, room: string, options: { preset?: string } = {}): Promise<Page> {
    const page = await newPage(context);
    if (options.preset) {
      const choice = JSON.stringify({ source: 'camera', preset: options.preset, camera: '', mic: '' });
      await page.addInitScript(([key, value]) => sessionStorage.setItem(key!, value!), [`publish:${room}`, choice]);
    }
    await page.goto(`${server.url}/publish?room=${room}&token=${(await token(room, 'publisher')).token}`, LOAD);
    // A resumed camera starts by itself; otherwise press Start.
    if (!options.preset) await page.click('button.start', { timeout: 30_000 });
    await page.waitForFunction(() => window.__publisher?.status === 'live', null, { timeout: 15_000 });
    return page;
  }

  async function openPreview(context: BrowserContext, room: string, options: { relay?: boolean } = {}): Promise<Page> {
    const page = await newPage(context);
    const { token: viewerToken } = await token(room, 'viewer');
    await page.goto(`${server.url}/preview?webrtc_room=${room}&webrtc_token=${viewerToken}${options.relay ? '&webrtc_relay=1' : ''}`, LOAD);
    return page;
  }

  /** An overlay page with a webrtc scene item (the overlay's view token gets the viewer token). */
  async function openOverlayItem(context: BrowserContext, room: string, itemId = 'cam'): Promise<Page> {
    const page = await newPage(context);
    await page.goto(`${server.url}/overlay?room=${room}&token=${await server.viewToken(room)}`, LOAD);
    const res = await server.api(`/api/rooms/${room}/ops`, { method: 'POST', streamer: true, json: { type: 'add', item: { id: itemId, kind: 'webrtc', webrtcRoom: room, x: 0, y: 0, w: 640, h: 360 } } });
    if (res.status !== 200) throw new Error(`add webrtc item: ${res.status} ${await res.text()}`);
    return page;
  }

  const info = (page: Page, index = 0) => page.evaluate((i) => [...window.__webrtc.viewers][i]?.info() ?? null, index) as Promise<ViewerInfo | null>;

  /** The page's viewer decodes frames, and more of them a moment later (bounded waits). */
  async function framesAdvance(page: Page, timeout = 15_000): Promise<number> {
    await page.waitForFunction(() => ([...(window.__webrtc?.viewers ?? [])][0]?.info().reading?.sample.frames ?? 0) > 0, null, { timeout, polling: 200 });
    const first = (await info(page))!.reading!.sample.frames;
    await page.waitForFunction((n) => ([...window.__webrtc.viewers][0]?.info().reading?.sample.frames ?? 0) > n + 5, first, { timeout, polling: 200 });
    return (await info(page))!.reading!.sample.frames;
  }

  return { token, newPage, openPublisher, openPreview, openOverlayItem, info, framesAdvance };
}
