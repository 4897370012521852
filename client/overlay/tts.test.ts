/**
 * The overlay's TTS player in a real Chromium against the real server: POST /api/tts/speak →
 * tts.speak on the overlay socket → speechSynthesis (or the server's audio) → tts.started /
 * tts.ended reported back and relayed to a moderator socket as tts.state.
 *
 * The page under test is real; the platform's voice list and speech engine are stubbed by an
 * init script, because headless Linux Chromium has no speech engine (getVoices() stays empty
 * and every speak() fails with "synthesis-failed"). Where real voices exist, the stub stands
 * aside and speak() goes through to the browser.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TtsState } from '../../src/protocol/tts.ts';
import { AUTOPLAY_ALLOWED, launchChromium, waitFor } from '../../testing/browser.ts';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';
import { pickVoice, watchdogMs } from './tts-player.ts';


type FakeVoice = { name: string; lang: string; default?: boolean; localService?: boolean };
type Spoken = { text: string; lang: string; rate: number; pitch: number; volume: number; voice: string | null };
type MediaEvent = { type: string; src: string; time: number; volume: number };
declare global {
  interface Window {
    /** speak() calls, in order, with what the page set on each utterance. */
    __spoken: Spoken[];
    /** The stub engine's timeline: `start:<text>`, `end:<text>`, `cancel`. */
    __speech: string[];
    /** Media events of any <audio>/<video> in the page (captured at the document). */
    __media: MediaEvent[];
  }
}

const VOICES: FakeVoice[] = [
  { name: 'Fake Alex', lang: 'en-US', default: true },
  { name: 'Fake Samantha', lang: 'en-US' },
  { name: 'Fake Milena', lang: 'ru-RU' },
  { name: 'Fake Anna', lang: 'de_DE' },
];

/**
 * Runs before the page's own scripts. Records every speak() and, when the platform has no
 * voices, plays the speech engine: voices appear after a delay with `voiceschanged` (as in
 * Chromium), an utterance "speaks" for 40 ms a character, a text containing HANG starts and
 * never ends (Chromium's lost `end` event), and cancel() interrupts like the real one.
 */
function installSpeechStub(options: { voices: FakeVoice[] | null }) {
  window.__spoken = [];
  window.__speech = [];
  window.__media = [];
  for (const type of ['playing', 'timeupdate', 'ended', 'error']) {
    document.addEventListener(type, (e) => {
      const el = e.target as HTMLMediaElement;
      window.__media.push({ type, src: el.currentSrc || el.src, time: el.currentTime, volume: el.volume });
    }, true);
  }
  if (options.voices === null) {
    // Like an embedded browser built without the Web Speech API.
    Object.defineProperty(window, 'speechSynthesis', { value: undefined, configurable: true });
    return;
  }
  const synth = window.speechSynthesis;
  const realSpeak = synth.speak.bind(synth);
  const realCancel = synth.cancel.bind(synth);
  const realVoices = synth.getVoices.bind(synth);
  const fakes = options.voices.map((v) => Object.create(SpeechSynthesisVoice.prototype, {
    name: { value: v.name }, lang: { value: v.lang }, voiceURI: { value: `fake:${v.name}` },
    default: { value: !!v.default }, localService: { value: v.localService ?? true },
  }) as SpeechSynthesisVoice);
  const isFake = (v: unknown) => fakes.includes(v as SpeechSynthesisVoice);
  let loaded = false;
  setTimeout(() => {
    loaded = true;
    synth.dispatchEvent(new Event('voiceschanged'));
  }, 300);
  const stubbed = () => realVoices().length === 0;
  synth.getVoices = () => (stubbed() ? (loaded ? fakes.slice() : []) : realVoices());

  // The real setter accepts only real voices; a fake one is kept beside the utterance.
  const voiceProp = Object.getOwnPropertyDescriptor(SpeechSynthesisUtterance.prototype, 'voice')!;
  const chosen = new WeakMap<SpeechSynthesisUtterance, SpeechSynthesisVoice>();
  Object.defineProperty(SpeechSynthesisUtterance.prototype, 'voice', {
    configurable: true,
    get(this: SpeechSynthesisUtterance) {
      return chosen.get(this) ?? voiceProp.get!.call(this);
    },
    set(this: SpeechSynthesisUtterance, v: SpeechSynthesisVoice | null) {
      if (isFake(v)) chosen.set(this, v!);
      else voiceProp.set!.call(this, v);
    },
  });

  const queue: SpeechSynthesisUtterance[] = [];
  let current: SpeechSynthesisUtterance | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = () => {
    if (current || !queue.length) return;
    const u = (current = queue.shift()!);
    timer = setTimeout(() => {
      window.__speech.push(`start:${u.text}`);
      u.dispatchEvent(new SpeechSynthesisEvent('start', { utterance: u, charIndex: 0 }));
      if (u.text.includes('HANG')) return;
      timer = setTimeout(() => {
        window.__speech.push(`end:${u.text}`);
        current = null;
        u.dispatchEvent(new SpeechSynthesisEvent('end', { utterance: u, charIndex: u.text.length }));
        pump();
      }, 40 * u.text.length);
    }, 20);
  };
  synth.speak = (u: SpeechSynthesisUtterance) => {
    window.__spoken.push({ text: u.text, lang: u.lang, rate: u.rate, pitch: u.pitch, volume: u.volume, voice: u.voice?.name ?? null });
    if (!stubbed() && !isFake(u.voice)) return realSpeak(u);
    queue.push(u);
    pump();
  };
  synth.cancel = () => {
    realCancel();
    window.__speech.push('cancel');
    clearTimeout(timer);
    const dropped = [current, ...queue.splice(0)].filter((u) => u !== null);
    current = null;
    for (const u of dropped) {
      setTimeout(() => u.dispatchEvent(new SpeechSynthesisErrorEvent('error', { utterance: u, error: 'interrupted' })), 0);
    }
  };
}


let browser: Browser;
let plain: TestServer;
let espeak: TestServer;
const pages: Page[] = [];
const sockets: TestSocket[] = [];
const pageErrors: string[] = [];

/** An overlay page for `room` with the given platform voices (null: no speechSynthesis at all). */
async function openOverlay(server: TestServer, room: string, voices: FakeVoice[] | null): Promise<Page> {
  const page = await browser.newPage();
  pages.push(page);
  page.setDefaultTimeout(5000);
  page.on('pageerror', (err) => pageErrors.push(`${room}: ${err}`));
  // tsx compiles this file with keepNames: the stub's local functions call a `__name` helper
  // that exists in Node, not in the page.
  await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  await page.addInitScript(installSpeechStub, { voices });
  await page.goto(`${server.url}/overlay?room=${room}&token=${encodeURIComponent(await server.viewToken(room))}`);
  await page.waitForFunction(() => (window as unknown as { __overlay?: { connected: boolean } }).__overlay?.connected === true);
  return page;
}

async function moderator(server: TestServer, room: string): Promise<TestSocket> {
  const socket = await openSocket(server.wsUrl(`/ws/moderator?room=${room}`), { 'x-streamer-token': STREAMER_TOKEN });
  sockets.push(socket);
  return socket;
}

async function post(server: TestServer, path: string, json: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await server.api(path, { method: 'POST', streamer: true, json });
  const body = (await res.json()) as Record<string, any>;
  assert.is(res.status, 200, JSON.stringify(body));
  return body;
}

const speak = async (server: TestServer, room: string, body: Record<string, unknown>) => {
  const answer = await post(server, '/api/tts/speak', { room, ...body });
  assert.is(answer.delivered, 1, 'one overlay in the room');
  return answer as { id: string; audio_url?: string };
};

const state = (socket: TestSocket, id: string, s: TtsState['state'], ms = 5000) =>
  socket.next('tts.state', (m) => m.id === id && m.state === s, ms);

/** Every tts.state the socket got so far, as `state:id`. */
const states = (socket: TestSocket) =>
  socket.messages.flatMap((m) => (m.type === 'tts.state' ? [`${m.state}:${m.id}`] : []));

const test = suite('overlay tts');

test.before(async () => {
  [plain, espeak, browser] = await Promise.all([
    startTestServer(),
    startTestServer({ env: { TTS_ENGINE: 'espeak' } }),
    launchChromium([AUTOPLAY_ALLOWED]),
  ]);
});

test.after(async () => {
  for (const socket of sockets) socket.close();
  await browser?.close();
  await Promise.all([plain?.stop(), espeak?.stop()]);
});

test('voice choice: name substring first, then exact language, then the same language', () => {
  const voices = VOICES.map((v) => ({ localService: true, default: false, voiceURI: v.name, ...v })) as unknown as SpeechSynthesisVoice[];
  const name = (lang: string, voiceName?: string) => pickVoice(voices, lang, voiceName)?.name;
  assert.is(name('ru-RU'), 'Fake Milena');
  assert.is(name('en-GB'), 'Fake Alex', 'same language; the default voice among equals');
  assert.is(name('en-US', 'SAMANTHA'), 'Fake Samantha');
  assert.is(name('ru-RU', 'anna'), 'Fake Anna', 'a named voice wins over the language');
  assert.is(name('de-DE'), 'Fake Anna', 'underscore tags (Android, Linux) count');
  assert.is(name('ru-RU', 'nobody'), 'Fake Milena', 'an unknown name falls back to the language');
  assert.is(name('ja-JP'), undefined);
  assert.is(pickVoice([], 'ru-RU', 'x'), undefined);
  // The watchdog grows with the text, shrinks with the rate, and is bounded.
  assert.ok(watchdogMs('a'.repeat(500), 1) > watchdogMs('a'.repeat(50), 1));
  assert.ok(watchdogMs('a'.repeat(100), 2) < watchdogMs('a'.repeat(100), 1));
  assert.ok(watchdogMs('a'.repeat(500), 0.1) <= 300_000);
});

test('two utterances are spoken in order with their parameters; the panel sees started/ended', async () => {
  const page = await openOverlay(plain, 'main', VOICES);
  const mod = await moderator(plain, 'main');
  const first = await speak(plain, 'main', { text: 'Привет, чат!', lang: 'ru-RU', rate: 1.3, pitch: 0.8, volume: 0.6 });
  const second = await speak(plain, 'main', { text: 'Thanks for the follow', lang: 'en-GB', rate: 0.9, pitch: 1.2, volume: 0.4, voiceName: 'samantha' });
  assert.is(first.audio_url, undefined, 'TTS_ENGINE=browser makes no audio');

  await state(mod, first.id, 'started');
  await state(mod, first.id, 'ended');
  await state(mod, second.id, 'started');
  await state(mod, second.id, 'ended');
  const seen = states(mod);
  assert.ok(seen.indexOf(`queued:${first.id}`) < seen.indexOf(`started:${first.id}`), seen.join(' '));
  assert.ok(seen.indexOf(`ended:${first.id}`) < seen.indexOf(`started:${second.id}`), `one at a time: ${seen.join(' ')}`);

  const spoken = await page.evaluate(() => window.__spoken);
  assert.equal(spoken, [
    { text: 'Привет, чат!', lang: 'ru-RU', rate: 1.3, pitch: 0.8, volume: 0.6, voice: 'Fake Milena' },
    { text: 'Thanks for the follow', lang: 'en-GB', rate: 0.9, pitch: 1.2, volume: 0.4, voice: 'Fake Samantha' },
  ].map((s) => ({ ...s, rate: Math.fround(s.rate), pitch: Math.fround(s.pitch), volume: Math.fround(s.volume) })));
  assert.equal(await page.evaluate(() => window.__speech), [
    'start:Привет, чат!', 'end:Привет, чат!', 'start:Thanks for the follow', 'end:Thanks for the follow',
  ]);
});

test('skip drops a queued utterance by id, or the current one; the queue moves on', async () => {
  const page = await openOverlay(plain, 'skip', VOICES);
  const mod = await moderator(plain, 'skip');
  const stuck = await speak(plain, 'skip', { text: 'HANG until skipped', lang: 'en-US' });
  const queued = await speak(plain, 'skip', { text: 'never said', lang: 'en-US' });
  const last = await speak(plain, 'skip', { text: 'said after the skip', lang: 'en-US' });
  await state(mod, stuck.id, 'started');

  await post(plain, '/api/tts/skip', { room: 'skip', id: queued.id });
  const dropped = await state(mod, queued.id, 'ended');
  assert.is(dropped.message, 'skipped');
  // A skip naming an utterance that is not current leaves the current one alone.
  await post(plain, '/api/tts/skip', { room: 'skip', id: queued.id });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await page.evaluate(() => window.__speech), ['start:HANG until skipped']);

  await post(plain, '/api/tts/skip', { room: 'skip' });
  assert.is((await state(mod, stuck.id, 'ended')).message, 'skipped');
  await state(mod, last.id, 'ended');
  assert.equal((await page.evaluate(() => window.__spoken)).map((s) => s.text), ['HANG until skipped', 'said after the skip']);
  assert.equal(await page.evaluate(() => window.__speech), ['start:HANG until skipped', 'cancel', 'start:said after the skip', 'end:said after the skip']);
  assert.not.ok(states(mod).some((s) => s.startsWith('error:')), states(mod).join(' '));
});

test('clear empties the queue and stops the current utterance; later ones still play', async () => {
  const page = await openOverlay(plain, 'clear', VOICES);
  const mod = await moderator(plain, 'clear');
  const current = await speak(plain, 'clear', { text: 'HANG until cleared', lang: 'en-US' });
  await speak(plain, 'clear', { text: 'cleared one', lang: 'en-US' });
  await speak(plain, 'clear', { text: 'cleared two', lang: 'en-US' });
  await state(mod, current.id, 'started');
  await post(plain, '/api/tts/clear', { room: 'clear' });
  await waitFor('cancel', () => page.evaluate(() => window.__speech.includes('cancel')));

  const after = await speak(plain, 'clear', { text: 'after the clear', lang: 'en-US' });
  await state(mod, after.id, 'ended');
  assert.equal((await page.evaluate(() => window.__spoken)).map((s) => s.text), ['HANG until cleared', 'after the clear']);
});

test('an utterance whose end never comes is ended by the watchdog, and the queue goes on', async () => {
  const mod = await moderator(plain, 'main');
  // Rate 10 keeps the text-sized deadline near its base (~4 s).
  const hung = await speak(plain, 'main', { text: 'HANG', lang: 'en-US', rate: 10 });
  const next = await speak(plain, 'main', { text: 'next in line', lang: 'en-US' });
  await state(mod, hung.id, 'started');
  const error = await state(mod, hung.id, 'error', watchdogMs('HANG', 10) + 3000);
  assert.match(error.message ?? '', /never reported its end/);
  await state(mod, next.id, 'ended');
});

test('TTS_ENGINE=espeak, no voice for the language: the overlay plays the server audio', async () => {
  const page = await openOverlay(espeak, 'main', [{ name: 'Fake Alex', lang: 'en-US', default: true }]);
  const mod = await moderator(espeak, 'main');
  const said = await speak(espeak, 'main', { text: 'Привет! Это озвучка сервера.', lang: 'ru-RU', volume: 0.5 });
  assert.match(said.audio_url ?? '', /^\/uploads\/tts-[0-9a-f]{32}\.wav$/);
  await state(mod, said.id, 'started');
  await state(mod, said.id, 'ended', 15_000);

  const media = await page.evaluate(() => window.__media);
  const src = espeak.url + said.audio_url;
  const ended = media.find((m) => m.type === 'ended' && m.src === src);
  assert.ok(ended, `ended on ${src}: ${JSON.stringify(media.slice(-3))}`);
  assert.ok(ended.time > 0.5, `played through (currentTime ${ended.time})`);
  assert.is(ended.volume, 0.5);
  assert.equal(await page.evaluate(() => window.__spoken), [], 'no speechSynthesis for a language it has no voice for');
  assert.is(await page.$$eval('audio', (els) => els.length), 0, 'the element is gone afterwards');

  // A voice for the language still wins over the server's audio.
  const english = await speak(espeak, 'main', { text: 'Hello from the browser voice', lang: 'en-US' });
  assert.ok(english.audio_url);
  await state(mod, english.id, 'ended');
  assert.equal((await page.evaluate(() => window.__spoken)).map((s) => s.voice), ['Fake Alex']);
});

test('no speechSynthesis and no server audio: a clear tts.error, and the queue goes on', async () => {
  await openOverlay(plain, 'bare', null);
  const mod = await moderator(plain, 'bare');
  const one = await speak(plain, 'bare', { text: 'one', lang: 'en-US' });
  const two = await speak(plain, 'bare', { text: 'two', lang: 'en-US' });
  assert.match((await state(mod, one.id, 'error')).message ?? '', /speechSynthesis is not available/);
  assert.match((await state(mod, two.id, 'error')).message ?? '', /TTS_ENGINE=espeak/);
});

test('no page errors', () => {
  assert.equal(pageErrors, []);
});

test.run();
