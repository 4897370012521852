/**
 * Browser tests of the overlay against the real server: a streamer socket that sends ops and
 * waits for their ack, uploads, and overlay pages opened as OBS opens them.
 */
import type { Browser, Page } from 'playwright-core';
import { openSocket, type TestSocket } from './ws-client.ts';
import { waitFor } from './browser.ts';
import { STREAMER_TOKEN } from './test-server.ts';
import type { Item } from '../src/protocol/scene.ts';

export interface OverlayApi {
  version: number;
  items: number;
  connected: boolean;
  clockOffset: number;
}

export interface Editor {
  socket: TestSocket;
  /** Send an op; resolves with the committed version, rejects with the error's code. */
  op(message: Record<string, unknown>): Promise<number>;
  scene(): Promise<{ items: Item[]; version: number }>;
  upload(bytes: Uint8Array, name: string, type: string): Promise<string>;
  overlay(browser: Browser, errors?: string[]): Promise<Page>;
  close(): void;
}

export async function openEditor(server: { url: string; viewToken(room?: string): Promise<string> }, room = 'main'): Promise<Editor> {
  const ws = server.url.replace(/^http/, 'ws');
  const socket = await openSocket(`${ws}/ws/moderator?room=${room}`, { 'x-streamer-token': STREAMER_TOKEN });
  await socket.next('scene.full');
  let reqId = 0;
  const token = await server.viewToken(room);
  return {
    socket,
    async op(message) {
      const id = ++reqId;
      socket.send({ ...message, req_id: id });
      const answer = await waitFor(`an answer to ${JSON.stringify(message)}`, () =>
        socket.messages.find((m) => (m.type === 'ack' || m.type === 'error') && m.req_id === id),
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last messages: ${JSON.stringify(socket.messages.slice(-3)).slice(0, 600)}`);
      });
      if (answer.type === 'error') throw new Error(`${answer.code}: ${answer.message}`);
      return (answer as { version: number }).version;
    },
    async scene() {
      const res = await fetch(`${server.url}/api/scene?room=${room}`, { headers: { 'x-streamer-token': STREAMER_TOKEN } });
      return (await res.json()) as { items: Item[]; version: number };
    },
    async upload(bytes, name, type) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      const res = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: { 'x-streamer-token': STREAMER_TOKEN }, body: form });
      return ((await res.json()) as { path: string }).path;
    },
    async overlay(browser, errors = []) {
      const page = await browser.newPage({ viewport: { width: 960, height: 540 } });
      page.setDefaultTimeout(8000);
      page.on('pageerror', (err) => errors.push(String(err)));
      await page.goto(`${server.url}/overlay?room=${room}&token=${encodeURIComponent(token)}`);
      await page.waitForFunction(() => (window as unknown as { __overlay?: OverlayApi }).__overlay?.connected && (window as unknown as { __overlay: OverlayApi }).__overlay.version >= 0);
      return page;
    },
    close: () => socket.close(),
  };
}

/** Wait until a page has drawn `version`. */
export const drawn = (page: Page, version: number) =>
  page.waitForFunction((v) => (window as unknown as { __overlay: OverlayApi }).__overlay.version >= v, version);

/** A media element's state and the page's clock when it was read. */
export const mediaState = (page: Page, id: string) =>
  page.$eval(`[data-id="${id}"] video, [data-id="${id}"] audio`, (el) => {
    const m = el as HTMLMediaElement & { __tag?: string };
    return { tag: m.__tag, time: m.currentTime, paused: m.paused, ended: m.ended, duration: m.duration, at: Date.now() };
  });
