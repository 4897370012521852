/**
 * The overlay page in a real Chromium against a hand-written protocol host (node:http + ws):
 * this checks the page against the wire protocol, not against our server.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTOPLAY_ALLOWED, launchChromium } from '../../testing/browser.ts';
import { recordWebm } from '../../testing/record-webm.ts';
import { startTestServer, STREAMER_TOKEN } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { OverlayClientMessage, PatchOp, ServerMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';

const DIST = new URL('../../dist/client/', import.meta.url);

type Overlay = { version: number; items: number; connected: boolean };
declare global {
  interface Window {
    __overlay: Overlay;
  }
}

const item = (id: string, kind: Item['kind'], extra: Partial<Item> = {}): Item => ({
  id, kind, x: 0, y: 0, w: 640, h: 360, z: 0, rotation: 0, opacity: 1, visible: true, locked: false, ...extra,
});

/** Speaks the overlay protocol by hand; tests drive it message by message. */
class ProtocolHost {
  version = 0;
  items: Item[] = [];
  video: Buffer = Buffer.alloc(0);
  sockets: WebSocket[] = [];
  urls: URL[] = [];
  received: OverlayClientMessage[] = [];
  /** What a new connection gets; tests switch it off to see what the page asks for. */
  sendFullOnConnect = true;
  private server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    const file = ({
      '/': 'overlay.html', '/overlay': 'overlay.html', '/preview': 'overlay.html',
      '/assets/overlay.js': 'overlay.js', '/assets/overlay.css': 'overlay.css',
    } as Record<string, string>)[path];
    const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
    if (file) {
      res.writeHead(200, { 'content-type': types[file.split('.').pop()!] });
      return res.end(readFileSync(new URL(file, DIST)));
    }
    if (path.startsWith('/media/')) {
      res.writeHead(200, { 'content-type': 'video/webm', 'content-length': this.video.length });
      return res.end(this.video);
    }
    res.writeHead(404).end();
  });
  private wss = new WebSocketServer({ server: this.server, path: '/ws/overlay' });

  constructor() {
    this.wss.on('connection', (ws, req) => {
      this.sockets.push(ws);
      this.urls.push(new URL(req.url ?? '', 'http://host'));
      ws.on('message', (data) => this.received.push(JSON.parse(String(data))));
      if (this.sendFullOnConnect) this.sendFull(ws);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get socket(): WebSocket {
    return this.sockets[this.sockets.length - 1];
  }

  send(msg: ServerMessage, ws = this.socket) {
    ws.send(JSON.stringify(msg));
  }

  sendFull(ws = this.socket) {
    this.send({ type: 'scene.full', scene: { items: this.items }, version: this.version, server_ts: Date.now() }, ws);
  }

  /** Commit ops as the next version; returns the patch so a test may withhold or resend it. */
  commit(ops: PatchOp[]): ServerMessage {
    for (const op of ops) {
      if (op.op === 'upsert') this.items = [...this.items.filter((i) => i.id !== op.item.id), op.item];
      if (op.op === 'remove') this.items = this.items.filter((i) => i.id !== op.id);
      if (op.op === 'clear') this.items = [];
    }
    return { type: 'scene.patch', ops, version: ++this.version, server_ts: Date.now() };
  }

  async close() {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const videoState = (page: Page, id: string) =>
  page.$eval(`[data-id="${id}"] video`, (el) => {
    const v = el as HTMLVideoElement & { __tag?: string };
    return { tag: v.__tag, time: v.currentTime, paused: v.paused, muted: v.muted, volume: v.volume, src: v.src };
  });

const overlay = suite('overlay page');
let browser: Browser;
let page: Page;
let host: ProtocolHost;
let base: string;
let video: Promise<Buffer>;
const pageErrors: string[] = [];

overlay.before(async () => {
  host = new ProtocolHost();
  base = await host.listen();
  browser = await launchChromium([AUTOPLAY_ALLOWED]);
  // Recording takes real time: let it run while the first tests do theirs.
  video = recordWebm(browser, 4000).then((bytes) => (host.video = bytes));
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.setDefaultTimeout(5000);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
});

overlay.after(async () => {
  await browser?.close();
  await host?.close();
});

overlay('shows a text item from scene.full as text, and reports the applied version', async () => {
  host.items = [item('t1', 'text', { text: 'Hello <b>stream</b>\nsecond line', fontSize: 40, color: '#ff0' })];
  host.version = 1;
  await page.goto(`${base}/overlay?room=R1&token=secret-T`);
  await page.waitForFunction(() => window.__overlay?.version === 1);
  const text = await page.$eval('[data-id="t1"]', (el) => ({ text: el.textContent, bold: el.querySelector('b') !== null }));
  assert.is(text.text, 'Hello <b>stream</b>\nsecond line');
  assert.not.ok(text.bold, 'scene text must never become markup');
  assert.is(host.urls[0].searchParams.get('room'), 'R1');
  assert.is(host.urls[0].searchParams.get('token'), 'secret-T');
  assert.is(host.urls[0].searchParams.get('since_version'), null, 'a first connection asks for the whole scene');
  const applied = await waitFor('overlay.applied', () => host.received.find((m) => m.type === 'overlay.applied'));
  assert.equal({ ...applied, client_ts: 0, server_ts: 0 }, { type: 'overlay.applied', version: 1, client_ts: 0, server_ts: 0 });
  assert.is(await page.evaluate(() => window.__overlay.items), 1);
  assert.ok(await page.evaluate(() => window.__overlay.connected));
});

overlay('is transparent, inert, scrollbar-free and scales the 1920×1080 stage to fit', async () => {
  const look = await page.evaluate(() => {
    const stage = document.getElementById('app')!;
    const rect = stage.getBoundingClientRect();
    const root = document.documentElement;
    return {
      html: getComputedStyle(root).backgroundColor,
      body: getComputedStyle(document.body).backgroundColor,
      pointer: getComputedStyle(document.body).pointerEvents,
      overflow: getComputedStyle(document.body).overflow,
      scrolls: root.scrollWidth > root.clientWidth || root.scrollHeight > root.clientHeight,
      size: [stage.offsetWidth, stage.offsetHeight],
      rect: [rect.left, rect.top, rect.width, rect.height],
    };
  });
  assert.is(look.html, 'rgba(0, 0, 0, 0)');
  assert.is(look.body, 'rgba(0, 0, 0, 0)');
  assert.is(look.pointer, 'none');
  assert.is(look.overflow, 'hidden');
  assert.not.ok(look.scrolls);
  assert.equal(look.size, [1920, 1080]);
  assert.equal(look.rect, [0, 0, 1280, 720]);
  // A square window letterboxes: full width, centred vertically.
  await page.setViewportSize({ width: 1000, height: 1000 });
  await page.waitForFunction(() => Math.abs(document.getElementById('app')!.getBoundingClientRect().width - 1000) < 0.5);
  const boxed = await page.$eval('#app', (el) => {
    const r = el.getBoundingClientRect();
    return [r.left, r.top, r.width, r.height].map((n) => Math.round(n * 10) / 10);
  });
  assert.equal(boxed, [0, 218.8, 1000, 562.5]);
  await page.setViewportSize({ width: 1280, height: 720 });
});

overlay('a patch that moves, resizes, re-layers or re-levels a playing video keeps the same element playing', async () => {
  await video;
  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { src: '/media/a.webm', x: 10, y: 20, w: 640, h: 360, volume: 1 }) }]));
  await page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('[data-id="v1"] video');
    return v !== null && !v.paused && v.currentTime > 0.2;
  });
  await page.$eval('[data-id="v1"] video', (el) => ((el as HTMLVideoElement & { __tag?: string }).__tag = 'original'));
  const before = await videoState(page, 'v1');

  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { src: '/media/a.webm', x: 300, y: 200, w: 800, h: 450, volume: 0.3 }) }]));
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  const box = await page.$eval('[data-id="v1"]', (el) => [(el as HTMLElement).style.left, (el as HTMLElement).style.top, (el as HTMLElement).style.width]);
  assert.equal(box, ['300px', '200px', '800px']);
  // z above the text item moves it in the DOM order; that must not interrupt playback either.
  host.send(host.commit([{ op: 'upsert', item: item('t1', 'text', { text: 'behind', z: 5 }) }]));
  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { src: '/media/a.webm', x: 300, y: 200, w: 800, h: 450, volume: 0.3, z: 10 }) }]));
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  await page.waitForTimeout(400);

  const after = await videoState(page, 'v1');
  assert.is(after.tag, 'original', 'the <video> element was recreated');
  assert.ok(Math.abs(after.volume - 0.3) < 1e-6, `volume is ${after.volume}`);
  assert.not.ok(after.paused, 'video paused after the patch');
  assert.ok(after.time > before.time + 0.2, `currentTime went from ${before.time} to ${after.time}`);
  const order = await page.$$eval('.scene > [data-id]', (els) => els.map((el) => (el as HTMLElement).dataset.id));
  assert.equal(order, ['t1', 'v1']);
});

overlay('hiding a playing video silences it without restarting it; showing it brings the sound back', async () => {
  const base = { src: '/media/a.webm', x: 300, y: 200, w: 800, h: 450, volume: 0.3, z: 10 };
  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { ...base, visible: false }) }]));
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  const hidden = await page.$eval('[data-id="v1"] video', (el) => ({ muted: (el as HTMLVideoElement).muted, paused: (el as HTMLVideoElement).paused, tag: (el as HTMLVideoElement & { __tag?: string }).__tag }));
  assert.equal(hidden, { muted: true, paused: false, tag: 'original' });
  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { ...base, visible: true }) }]));
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  await page.waitForFunction(() => !document.querySelector<HTMLVideoElement>('[data-id="v1"] video')!.muted);
  assert.is((await videoState(page, 'v1')).tag, 'original');
});

overlay('a patch that changes src replaces the element', async () => {
  host.send(host.commit([{ op: 'upsert', item: item('v1', 'video', { src: '/media/b.webm', x: 300, y: 200, w: 800, h: 450, z: 10 }) }]));
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  const state = await videoState(page, 'v1');
  assert.is(state.tag, undefined, 'the old element is still there');
  assert.ok(state.src.endsWith('/media/b.webm'));
  assert.is(await page.$$eval('[data-id="v1"] video', (els) => els.length), 1);
  await page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('[data-id="v1"] video');
    return v !== null && !v.paused && v.currentTime > 0.1;
  });
});

overlay('a version gap makes the page ask for a resync from its version, and the answer applies', async () => {
  const have = host.version;
  const missing = host.commit([{ op: 'upsert', item: item('t2', 'text', { text: 'missed' }) }]);
  const ahead = host.commit([{ op: 'upsert', item: item('t3', 'text', { text: 'ahead' }) }]);
  host.received = [];
  host.send(ahead);
  const resync = await waitFor('resync', () => host.received.find((m) => m.type === 'resync'));
  assert.equal(resync, { type: 'resync', since_version: have });
  assert.is(await page.evaluate(() => window.__overlay.version), have, 'a patch after a gap must not apply');
  host.send(missing);
  host.send(ahead);
  await page.waitForFunction((v) => window.__overlay.version === v, host.version);
  assert.ok(await page.$('[data-id="t2"]'));
  assert.ok(await page.$('[data-id="t3"]'));
});

overlay('after a 1012 close the page reconnects by itself and resyncs from its version', async () => {
  const have = host.version;
  const connections = host.sockets.length;
  host.sendFullOnConnect = false;
  host.received = [];
  host.socket.close(1012, 'server restarting');
  const missed = host.commit([{ op: 'remove', id: 't2' }]);
  await waitFor('a new connection', () => host.sockets.length > connections, 3000);
  const first = await waitFor('the first message', () => host.received[0]);
  assert.equal(first, { type: 'resync', since_version: have });
  host.send(missed);
  await page.waitForFunction((v) => window.__overlay.version === v && window.__overlay.connected, host.version);
  assert.is(await page.$('[data-id="t2"]'), null);
  const url = host.urls[host.urls.length - 1];
  assert.is(url.searchParams.get('token'), 'secret-T');
  assert.is(url.searchParams.get('since_version'), String(have));
  host.sendFullOnConnect = true;
});

overlay('where autoplay needs a gesture, video plays muted at once and unmutes on the first gesture', async () => {
  const strict = await launchChromium(['--autoplay-policy=document-user-activation-required']);
  try {
    const viewer = await strict.newPage();
    viewer.on('pageerror', (err) => pageErrors.push(String(err)));
    // Playwright runs evaluate() and waitForFunction() as user gestures, which would lift the
    // autoplay restriction under test; the page reports its video over the console instead.
    await viewer.addInitScript(() => {
      setInterval(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-id="v1"] video');
        if (v) console.log(`video ${JSON.stringify({ playing: !v.paused && v.currentTime > 0.2, muted: v.muted })}`);
      }, 50);
    });
    let latest = { playing: false, muted: false };
    viewer.on('console', (msg) => {
      if (msg.text().startsWith('video ')) latest = JSON.parse(msg.text().slice(6));
    });
    await viewer.goto(`${base}/overlay`);
    await waitFor('muted playback', () => latest.playing);
    assert.ok(latest.muted, 'the browser should have refused sound without a gesture');
    await viewer.keyboard.press('a');
    await waitFor('unmuted playback', () => latest.playing && !latest.muted);
  } finally {
    await strict.close();
  }
});

overlay('end to end on the real server: an uploaded video keeps playing in the same element while a moderator moves it', async () => {
  const server = await startTestServer();
  try {
    const bytes = await video;
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/webm' }), 'clip.webm');
    const uploaded = (await (await server.api('/upload', { method: 'POST', streamer: true, body: form })).json()) as { path: string };
    const viewer = await browser.newPage();
    viewer.on('pageerror', (err) => pageErrors.push(String(err)));
    await viewer.goto(`${server.url}/overlay?room=main&token=${await server.viewToken('main')}`);
    const moderator = await openSocket(server.wsUrl('/ws/moderator?room=main'), { 'x-streamer-token': STREAMER_TOKEN });
    await moderator.next('scene.full');
    moderator.send({ type: 'add', item: { id: 'clip', kind: 'video', src: uploaded.path, x: 0, y: 0, w: 640, h: 360, loop: true }, req_id: 1 });
    await moderator.next('ack');
    await viewer.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-id="clip"] video');
      return v !== null && !v.paused && v.currentTime > 0.2;
    });
    await viewer.$eval('[data-id="clip"] video', (el) => ((el as HTMLVideoElement & { __tag?: string }).__tag = 'original'));
    const before = await videoState(viewer, 'clip');
    moderator.send({ type: 'patch', id: 'clip', changes: { x: 500, y: 300, volume: 0.4 }, req_id: 2 });
    const { version } = await moderator.next('ack', (m) => m.req_id === 2);
    await viewer.waitForFunction((v) => window.__overlay.version === v, version);
    await viewer.waitForTimeout(400);
    const after = await videoState(viewer, 'clip');
    assert.is(after.tag, 'original', 'the <video> element was recreated');
    assert.not.ok(after.paused);
    assert.ok(after.time > before.time + 0.2, `currentTime went from ${before.time} to ${after.time}`);
    assert.ok(Math.abs(after.volume - 0.4) < 1e-6);
    assert.equal(await viewer.$eval('[data-id="clip"]', (el) => [(el as HTMLElement).style.left, (el as HTMLElement).style.top]), ['500px', '300px']);
    moderator.close();
    await viewer.close();
  } finally {
    await server.stop();
  }
});

overlay('no page errors', () => {
  assert.equal(pageErrors, []);
});

overlay.run();
