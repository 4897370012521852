/**
 * Text styling, uploaded fonts, media framing, enter/exit motion and idle live video in the
 * real overlay page on the real server, read back as computed styles (what OBS composites).
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { AUTOPLAY_ALLOWED, launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { drawn, openEditor, type Editor } from '../../testing/overlay-session.ts';
import { pngBytes } from '../../testing/media-samples.ts';

const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

const test = suite('overlay – look and motion');
let server: TestServer;
let browser: Browser;
let editor: Editor;
let page: Page;
const errors: string[] = [];

const style = (id: string, selector: string, props: string[]) =>
  page.$eval(
    `[data-id="${id}"]${selector}`,
    (el, props) => {
      const computed = getComputedStyle(el);
      return Object.fromEntries(props.map((p) => [p, computed.getPropertyValue(p)]));
    },
    props,
  );

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium([AUTOPLAY_ALLOWED]);
  editor = await openEditor(server);
  page = await editor.overlay(browser, errors);
});

test.after(async () => {
  editor?.close();
  await browser?.close();
  await server?.stop();
});

test('text: outline, shadow, line height, italic, numeric weight and vertical alignment as computed styles', async () => {
  await drawn(page, await editor.op({
    type: 'add',
    item: {
      id: 'title', kind: 'text', text: 'LIVE', x: 0, y: 0, w: 800, h: 400, fontSize: 60, color: '#ffffff',
      strokeWidth: 4, strokeColor: '#ff0000', shadowColor: '#000000', shadowBlur: 8, shadowX: 3, shadowY: -2,
      lineHeight: 1.5, italic: true, fontWeight: 300, valign: 'bottom',
    },
  }));
  const text = await style('title', ' .text-body', ['-webkit-text-stroke-width', '-webkit-text-stroke-color', 'text-shadow', 'line-height', 'font-style', 'font-weight', 'paint-order']);
  assert.equal(text, {
    '-webkit-text-stroke-width': '4px',
    '-webkit-text-stroke-color': 'rgb(255, 0, 0)',
    'text-shadow': 'rgb(0, 0, 0) 3px -2px 8px',
    'line-height': '90px',
    'font-style': 'italic',
    'font-weight': '300',
    'paint-order': 'stroke',
  });
  const placed = await page.$eval('[data-id="title"]', (box) => {
    const inner = box.querySelector('.text-body')!.getBoundingClientRect();
    const outer = box.getBoundingClientRect();
    return Math.round(outer.bottom - inner.bottom);
  });
  assert.is(placed, 0, 'valign bottom puts the text at the bottom of its box');
});

test('autoFit shrinks the font until the text fits; without it the overflow is flagged, not silent', async () => {
  const long = 'A long donation message that cannot possibly fit in this small box at 80 px';
  await drawn(page, await editor.op({ type: 'add', item: { id: 'fit', kind: 'text', text: long, x: 0, y: 500, w: 300, h: 100, fontSize: 80, autoFit: true } }));
  const fitted = await page.$eval('[data-id="fit"]', (box) => {
    const inner = box.querySelector<HTMLElement>('.text-body')!;
    const outer = box.querySelector<HTMLElement>('.text-box')!;
    return { size: parseFloat(getComputedStyle(inner).fontSize), fits: inner.scrollHeight <= outer.clientHeight + 1, flagged: outer.hasAttribute('data-overflow') };
  });
  assert.ok(fitted.size < 80 && fitted.size >= 4, `font size ${fitted.size}`);
  assert.ok(fitted.fits);
  assert.not.ok(fitted.flagged);
  await drawn(page, await editor.op({ type: 'patch', id: 'fit', changes: { autoFit: false } }));
  assert.ok(await page.$eval('[data-id="fit"] .text-box', (el) => el.hasAttribute('data-overflow')));
});

test('an uploaded font is loaded with @font-face and used by the text', async () => {
  const path = await editor.upload(readFileSync(FONT_FILE), 'DejaVuSans-Bold.ttf', 'font/ttf');
  assert.match(path, /^\/uploads\/[0-9a-f]{64}\.ttf$/);
  await drawn(page, await editor.op({ type: 'patch', id: 'title', changes: { fontFamily: path } }));
  const family = await page.$eval('[data-id="title"] .text-body', (el) => getComputedStyle(el).fontFamily);
  assert.match(family, /^"?upload-[0-9a-f]{16}"?, sans-serif$/);
  const face = family.split(',')[0]!;
  await page.waitForFunction((face) => document.fonts.check(`60px ${face}`) && [...document.fonts].some((f) => f.status === 'loaded' && `"${f.family}"` === face.replace(/^"?(.*?)"?$/, '"$1"')), face);
});

test('images: fit, corner radius and border', async () => {
  const png = await editor.upload(pngBytes(4, 2, 7), 'wide.png', 'image/png');
  await drawn(page, await editor.op({ type: 'add', item: { id: 'pic', kind: 'image', src: png, x: 900, y: 0, w: 200, h: 200, fit: 'cover', radius: 24, borderWidth: 3, borderColor: '#00ff00' } }));
  assert.equal(await style('pic', ' img', ['object-fit']), { 'object-fit': 'cover' });
  assert.equal(await style('pic', '', ['border-top-left-radius', 'border-top-width', 'border-top-color', 'overflow']), {
    'border-top-left-radius': '24px', 'border-top-width': '3px', 'border-top-color': 'rgb(0, 255, 0)', overflow: 'hidden',
  });
});

/** Poll an item's opacity until it is strictly between 0 and 1 (visibly mid-way). */
const midway = (id: string) =>
  waitFor(`${id} mid-way`, () => page.$eval(`[data-id="${id}"]`, (el) => {
    const o = Number(getComputedStyle(el).opacity);
    return o > 0 && o < 1 ? o : null;
  }).catch(() => null), 3000, 10);

test('a removed item with an exit fade stays, visibly mid-way, until the fade has played', async () => {
  await drawn(page, await editor.op({ type: 'add', item: { id: 'bye', kind: 'text', text: 'bye', x: 0, y: 700, exit: { effect: 'fade', ms: 1200, easing: 'linear' } } }));
  assert.is(await style('bye', '', ['opacity']).then((s) => s.opacity), '1', 'no motion on a plain add without enter');
  await drawn(page, await editor.op({ type: 'remove', id: 'bye' }));
  assert.ok(await page.$('[data-id="bye"]'), 'the node went before its exit');
  await midway('bye');
  await page.waitForSelector('[data-id="bye"]', { state: 'detached', timeout: 4000 });
});

test('visible:false plays the exit, then hides; visible:true plays the enter; a move does not restart it', async () => {
  await drawn(page, await editor.op({ type: 'add', item: { id: 'card', kind: 'text', text: 'card', x: 0, y: 800, enter: { effect: 'slide-up', ms: 1500, easing: 'linear' }, exit: { effect: 'zoom', ms: 1000 } } }));
  await midway('card');
  // The enter is running: a move must leave the same animation running on.
  const before = await page.$eval('[data-id="card"]', (el) => {
    const running = el.getAnimations()[0]!;
    (window as unknown as { __anim: Animation }).__anim = running;
    return Number(running.currentTime);
  });
  await drawn(page, await editor.op({ type: 'patch', id: 'card', changes: { x: 100, text: 'moved' } }));
  const after = await page.$eval('[data-id="card"]', (el) => {
    const running = el.getAnimations()[0];
    return { same: running === (window as unknown as { __anim: Animation }).__anim, time: Number(running?.currentTime) };
  });
  assert.ok(after.same, 'the move restarted the enter');
  assert.ok(after.time > before, `${before} → ${after.time}`);
  await page.waitForFunction(() => document.querySelector('[data-id="card"]')!.getAnimations().length === 0, undefined, { timeout: 4000 });

  await drawn(page, await editor.op({ type: 'patch', id: 'card', changes: { visible: false } }));
  assert.is((await style('card', '', ['display'])).display, 'block', 'hidden before the exit played');
  await midway('card');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-id="card"]')!).display === 'none', undefined, { timeout: 4000 });
  await drawn(page, await editor.op({ type: 'patch', id: 'card', changes: { visible: true } }));
  await midway('card');
});

test('an idle webrtc item draws nothing: no black box on stream', async () => {
  await drawn(page, await editor.op({ type: 'add', item: { id: 'cam', kind: 'webrtc', x: 1200, y: 600, w: 640, h: 360 } }));
  await page.waitForSelector('[data-id="cam"] video', { state: 'attached' });
  await page.waitForTimeout(500);
  const look = await page.$eval('[data-id="cam"]', (box) => {
    const video = box.querySelector('video')!;
    return { box: getComputedStyle(box).backgroundColor, video: getComputedStyle(video).visibility, videoBg: getComputedStyle(video).backgroundColor };
  });
  assert.equal(look, { box: 'rgba(0, 0, 0, 0)', video: 'hidden', videoBg: 'rgba(0, 0, 0, 0)' });
});

test('no page errors', () => {
  assert.equal(errors, []);
});

test.run();
