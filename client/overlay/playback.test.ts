/**
 * Synchronized media and timers in the real overlay page on the real server, as OBS sees
 * them: positions come from the server clock, survive reloads, agree across overlays; an
 * ended alert stays ended; a countdown counts in real seconds.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { AUTOPLAY_ALLOWED, launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { drawn, mediaState, openEditor, type Editor } from '../../testing/overlay-session.ts';
import { wavBytes } from '../../testing/media-samples.ts';
import { recordWebm } from '../../testing/record-webm.ts';
import type { Item } from '../../src/protocol/scene.ts';

const test = suite('overlay – synchronized playback and timers');
let server: TestServer;
let browser: Browser;
let editor: Editor;
let song: string;
const pages: Page[] = [];
const errors: string[] = [];

const playing = (page: Page, id: string, after = 0.3) =>
  page.waitForFunction(
    ([id, after]) => {
      const m = document.querySelector<HTMLMediaElement>(`[data-id="${id}"] audio, [data-id="${id}"] video`);
      return m !== null && !m.paused && m.currentTime > (after as number);
    },
    [id, after] as const,
  );

/** Where the room says the clip is now, in media seconds. */
async function serverPosition(id: string): Promise<number> {
  const item = (await editor.scene()).items.find((i) => i.id === id)!;
  const playback = item.playback!;
  return playback.state === 'playing' ? playback.offset + (Date.now() - playback.at) / 1000 : playback.offset;
}

async function overlay(): Promise<Page> {
  const page = await editor.overlay(browser, errors);
  pages.push(page);
  return page;
}

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium([AUTOPLAY_ALLOWED]);
  editor = await openEditor(server);
  song = await editor.upload(wavBytes(30), 'song.wav', 'audio/wav');
});

test.after(async () => {
  editor?.close();
  await browser?.close();
  await server?.stop();
});

test('a clip keeps playing through a move, and an overlay reloaded mid-clip resumes near the server position, not from 0', async () => {
  const page = await overlay();
  const version = await editor.op({ type: 'add', item: { id: 'song', kind: 'audio', src: song, x: 0, y: 0, w: 320, h: 80 } });
  await drawn(page, version);
  await playing(page, 'song', 0.5);
  await page.$eval('[data-id="song"] audio', (el) => ((el as HTMLMediaElement & { __tag?: string }).__tag = 'original'));
  const before = await mediaState(page, 'song');
  await drawn(page, await editor.op({ type: 'patch', id: 'song', changes: { x: 600, y: 400, volume: 0.5 } }));
  await page.waitForTimeout(300);
  const moved = await mediaState(page, 'song');
  assert.is(moved.tag, 'original', 'the element was recreated by a move');
  assert.not.ok(moved.paused);
  assert.ok(moved.time > before.time, `time went from ${before.time} to ${moved.time}`);

  await page.waitForTimeout(1500);
  await page.reload();
  await playing(page, 'song', 0.05);
  const resumed = await mediaState(page, 'song');
  assert.ok(resumed.time > 1.5, `a reload started the clip at ${resumed.time} s instead of where it is`);
  // Settles to within a fraction of a second of the room's position (bounded wait, not a speed check).
  await waitFor('the reloaded clip near its server position', async () => {
    const [state, expected] = await Promise.all([mediaState(page, 'song'), serverPosition('song')]);
    return Math.abs(state.time - expected) < 0.25;
  }, 5000, 100);
});

test('two overlays play the same clip within 150 ms of each other', async () => {
  const [a, b] = [pages[0]!, await overlay()];
  await playing(b, 'song', 0.5);
  await b.waitForTimeout(1500);
  const gaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [sa, sb] = await Promise.all([mediaState(a, 'song'), mediaState(b, 'song')]);
    // Both pages read the same machine clock: bring the two readings to one instant.
    gaps.push(Math.abs(sa.time - sb.time - (sa.at - sb.at) / 1000));
    await a.waitForTimeout(200);
  }
  gaps.sort((x, y) => x - y);
  assert.ok(gaps[2]! < 0.15, `overlays differ by ${gaps.map((g) => g.toFixed(3)).join(', ')} s`);
});

test('cue pause stops every overlay at the server position; play resumes from there; restart goes back to 0', async () => {
  const [a, b] = pages;
  await drawn(a!, await editor.op({ type: 'cue', id: 'song', action: 'pause' }));
  const held = (await editor.scene()).items.find((i) => i.id === 'song')!.playback!;
  assert.is(held.state, 'paused');
  for (const page of [a!, b!]) {
    await page.waitForFunction(() => document.querySelector<HTMLMediaElement>('[data-id="song"] audio')!.paused);
    await waitFor('the paused position', async () => Math.abs((await mediaState(page, 'song')).time - held.offset) < 0.1);
  }
  await a!.waitForTimeout(500);
  assert.ok(Math.abs((await mediaState(b!, 'song')).time - held.offset) < 0.1, 'a paused clip stays put');
  await editor.op({ type: 'cue', id: 'song', action: 'play' });
  await playing(a!, 'song', held.offset + 0.1);
  await editor.op({ type: 'cue', id: 'song', action: 'restart' });
  await waitFor('the restart', async () => {
    const state = await mediaState(a!, 'song');
    return !state.paused && state.time < 1;
  });
  await editor.op({ type: 'cue', id: 'song', action: 'stop' });
  let last: unknown;
  await waitFor('the stop', async () => {
    const state = await mediaState(a!, 'song');
    last = { ...state, playback: (await editor.scene()).items.find((i) => i.id === 'song')!.playback };
    return state.paused && state.time < 0.01;
  }, 8000, 100).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(last)}`);
  });
});

test('an ended alert does not replay on reload; with autoHide the room hides it for everyone', async () => {
  const clip = await editor.upload(await recordWebm(browser, 1500), 'alert.webm', 'video/webm');
  const page = pages[0]!;
  await editor.op({ type: 'add', item: { id: 'alert', kind: 'video', src: clip, w: 320, h: 180, autoHide: true, enter: { effect: 'fade', ms: 200 } } });
  await editor.op({ type: 'add', item: { id: 'plain', kind: 'video', src: clip, x: 400, w: 320, h: 180 } });
  const hidden = await editor.socket.next('scene.patch', (m) => m.ops.some((op) => op.op === 'upsert' && op.item.id === 'alert' && !op.item.visible), 8000);
  const committed = (hidden.ops.find((op) => op.op === 'upsert' && op.item.id === 'alert') as { item: Item }).item;
  assert.is(committed.playback!.state, 'stopped');
  assert.ok(committed.playback!.offset > 1, `ended at ${committed.playback!.offset}`);
  await drawn(page, hidden.version);
  assert.is(await page.$eval('[data-id="alert"]', (el) => getComputedStyle(el).display), 'none');

  await waitFor('the plain clip to end', async () => (await mediaState(page, 'plain')).paused, 6000, 100);
  await page.reload();
  await page.waitForFunction(() => document.querySelector<HTMLMediaElement>('[data-id="plain"] video')?.readyState! >= 1);
  // Watch a while: a replay would show as a playing element or a clock that moves.
  const seen: { paused: boolean; time: number }[] = [];
  for (let i = 0; i < 8; i++) {
    seen.push(await mediaState(page, 'plain'));
    seen.push(await mediaState(page, 'alert'));
    await page.waitForTimeout(150);
  }
  assert.ok(seen.every((s) => s.paused), `an ended clip played again after the reload: ${JSON.stringify(seen)}`);
  assert.is(new Set(seen.filter((_, i) => i % 2 === 0).map((s) => s.time)).size, 1, 'the ended clip moved');
  assert.is(await page.$eval('[data-id="alert"]', (el) => getComputedStyle(el).display), 'none');
});

test('a countdown reads 00:10, then 00:08 two seconds later; pause holds it, reset restores it, endText at zero', async () => {
  const page = pages[0]!;
  const text = () => page.$eval('[data-id="cd"] .text-body', (el) => el.textContent);
  await drawn(page, await editor.op({ type: 'add', item: { id: 'cd', kind: 'timer', w: 400, h: 120, timer: { mode: 'countdown', durationMs: 10_000, format: 'mm:ss', endText: 'GO!' } } }));
  assert.is(await text(), '00:10', 'a countdown not started shows its duration');
  await drawn(page, await editor.op({ type: 'timer', id: 'cd', action: 'start' }));
  assert.is(await text(), '00:10');
  await page.waitForTimeout(2000);
  assert.is(await text(), '00:08');
  await drawn(page, await editor.op({ type: 'timer', id: 'cd', action: 'pause' }));
  const paused = await text();
  await page.waitForTimeout(1200);
  assert.is(await text(), paused, 'a paused countdown holds');
  await drawn(page, await editor.op({ type: 'timer', id: 'cd', action: 'reset' }));
  assert.is(await text(), '00:10');
  await editor.op({ type: 'patch', id: 'cd', changes: { timer: { mode: 'countdown', durationMs: 1000, format: 'mm:ss', endText: 'GO!' } } });
  await drawn(page, await editor.op({ type: 'timer', id: 'cd', action: 'start' }));
  await page.waitForFunction(() => document.querySelector('[data-id="cd"] .text-body')!.textContent === 'GO!');
  const up = await overlay();
  assert.is(await up.$eval('[data-id="cd"] .text-body', (el) => el.textContent), 'GO!', 'a new overlay shows the same end');
});

test('no page errors', () => {
  assert.equal(errors, []);
});

test.run();
