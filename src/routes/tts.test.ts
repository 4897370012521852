import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { espeakArgs, espeakEngine, espeakVoice } from '../node/espeak-engine.ts';
import { createLogger } from '../logger.ts';

const test = suite<{ espeak: TestServer; browser: TestServer }>('tts');

test.before(async (context) => {
  context.espeak = await startTestServer({ env: { TTS_ENGINE: 'espeak' } });
  context.browser = await startTestServer();
});

test.after(async ({ espeak, browser }) => {
  await Promise.all([espeak.stop(), browser.stop()]);
});

const speak = async (server: TestServer, body: unknown, headers: Record<string, string> = {}) => {
  const res = await server.api('/api/tts/speak', { method: 'POST', json: body, streamer: !('authorization' in headers), headers });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

const overlaySocket = async (server: TestServer, room = 'main') => {
  const socket = await openSocket(server.wsUrl(`/ws/overlay?room=${room}&token=${encodeURIComponent(await server.viewToken(room))}`));
  await socket.next('scene.full');
  return socket;
};

test('espeak – a real WAV, cached, reachable at audio_url', async ({ espeak }) => {
  const { status, json } = await speak(espeak, { text: 'Привет, чат! Спасибо за подписку.', lang: 'ru-RU', rate: 1.1, pitch: 0.9 });
  assert.is(status, 200, JSON.stringify(json));
  assert.match(json.audio_url, /^\/uploads\/tts-[0-9a-f]{32}\.wav$/);
  const audio = await fetch(espeak.url + json.audio_url);
  assert.is(audio.status, 200);
  assert.is(audio.headers.get('content-type'), 'audio/wav');
  const bytes = new Uint8Array(await audio.arrayBuffer());
  const ascii = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
  assert.is(ascii(0, 4), 'RIFF');
  assert.is(ascii(8, 12), 'WAVE');
  assert.ok(bytes.length > 10_000, `speech, not just a header (${bytes.length} bytes)`);

  const again = await speak(espeak, { text: 'Привет, чат! Спасибо за подписку.', lang: 'ru-RU', rate: 1.1, pitch: 0.9, volume: 0.3 });
  assert.is(again.json.audio_url, json.audio_url, 'same phrase and voice: the cached file (volume is applied by the overlay)');
  assert.is.not(again.json.id, json.id, 'each utterance has its own id');
  const other = await speak(espeak, { text: 'Привет, чат! Спасибо за подписку.', lang: 'ru-RU', rate: 2 });
  assert.is.not(other.json.audio_url, json.audio_url, 'another rate is another file');
  const optionLike = await speak(espeak, { text: '--help -w /tmp/x.wav', lang: 'en-US' });
  assert.match(optionLike.json.audio_url ?? '', /^\/uploads\/tts-/, 'text that looks like options is just spoken');
});

test('espeak – a missing binary gives no audio (the overlay uses its own voices)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'so-tts-'));
  try {
    const engine = espeakEngine({ binary: join(dir, 'no-such-espeak'), outputDir: dir, log: createLogger('silent') });
    assert.is(await engine.synthesize({ text: 'hi', lang: 'en', rate: 1, pitch: 1 }), null);
    assert.equal(await readdir(dir), [], 'no temp file left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('browser engine – no audio_url', async ({ browser }) => {
  const { status, json } = await speak(browser, { text: 'hello' });
  assert.is(status, 200);
  assert.equal(Object.keys(json).sort(), ['delivered', 'id', 'ok']);
});

test('validation – 400 with issues by field', async ({ browser }) => {
  const cases: [unknown, string][] = [
    [{}, 'text'],
    [{ text: '   ' }, 'text'],
    [{ text: 'x'.repeat(501) }, 'text'],
    [{ text: 'hi', rate: 0 }, 'rate'],
    [{ text: 'hi', rate: 11 }, 'rate'],
    [{ text: 'hi', pitch: 2.5 }, 'pitch'],
    [{ text: 'hi', volume: -0.1 }, 'volume'],
    [{ text: 'hi', volume: 'loud' }, 'volume'],
    [{ text: 'hi', lang: 'not a lang!' }, 'lang'],
    [{ text: 'hi', room: '../x' }, 'room'],
  ];
  for (const [body, field] of cases) {
    const { status, json } = await speak(browser, body);
    assert.is(status, 400, JSON.stringify(body));
    assert.is(json.error.code, 'bad_request');
    assert.ok(json.error.issues?.[field], `${JSON.stringify(body)} → issues.${field} in ${JSON.stringify(json.error)}`);
  }
  const ok = await speak(browser, { text: 'x'.repeat(500), rate: 10, pitch: 0, volume: 0 });
  assert.is(ok.status, 200, 'the bounds themselves are allowed');
});

test('no credentials → 401; a moderator of another room → 403', async ({ browser }) => {
  const res = await fetch(`${browser.url}/api/tts/speak`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
  assert.is(res.status, 401);
  await res.arrayBuffer();
  const { session } = await browser.moderatorSession('other', 'mod-other');
  const wrong = await speak(browser, { text: 'hi', room: 'main' }, { authorization: `Bearer ${session}` });
  assert.is(wrong.status, 403);
  assert.is(wrong.json.error.code, 'wrong_room');
  const own = await speak(browser, { text: 'hi', room: 'other' }, { authorization: `Bearer ${session}` });
  assert.is(own.status, 200);
});

test('an overlay receives tts.speak with the right fields (form body, legacy API style)', async ({ espeak }) => {
  const overlay = await overlaySocket(espeak);
  try {
    const form = new URLSearchParams({ text: 'Hello stream', lang: 'en-US', rate: '0.9', pitch: '1.2', volume: '0.5', voiceName: 'Google US English', room: 'main' });
    const res = await espeak.api('/api/tts/speak', { method: 'POST', body: form, streamer: true });
    const json = (await res.json()) as Record<string, any>;
    assert.is(res.status, 200, JSON.stringify(json));
    assert.is(json.delivered, 1, 'one overlay connected');
    const message = await overlay.next('tts.speak');
    assert.equal(message, {
      type: 'tts.speak',
      id: json.id,
      text: 'Hello stream',
      lang: 'en-US',
      rate: 0.9,
      pitch: 1.2,
      volume: 0.5,
      voiceName: 'Google US English',
      audio_url: json.audio_url,
    });
  } finally {
    overlay.close();
  }
});

test('overlay reports reach moderators as tts.state; skip and clear reach overlays', async ({ browser }) => {
  const overlay = await overlaySocket(browser);
  const moderator = await openSocket(browser.wsUrl('/ws/moderator?room=main'), { 'x-streamer-token': STREAMER_TOKEN });
  try {
    await moderator.next('scene.full');
    const { json } = await speak(browser, { text: 'queued line' });
    const queued = await moderator.next('tts.state', (m) => m.id === json.id);
    assert.equal(queued, { type: 'tts.state', id: json.id, state: 'queued', text: 'queued line' });

    const { id } = await overlay.next('tts.speak');
    overlay.send({ type: 'tts.started', id });
    assert.equal(await moderator.next('tts.state', (m) => m.id === id && m.state !== 'queued'), { type: 'tts.state', id, state: 'started' });
    overlay.send({ type: 'tts.error', id, message: 'no voice for ru-RU' });
    assert.equal(await moderator.next('tts.state', (m) => m.id === id), { type: 'tts.state', id, state: 'error', message: 'no voice for ru-RU' });
    overlay.send({ type: 'tts.ended', id });
    assert.is((await moderator.next('tts.state', (m) => m.id === id)).state, 'ended');
    assert.not.ok(overlay.messages.some((m) => m.type === 'tts.state'), 'overlays do not get the queue state');

    const skip = await browser.api('/api/tts/skip', { method: 'POST', streamer: true, json: { room: 'main', id } });
    assert.equal(await skip.json(), { ok: true, delivered: 1 });
    assert.equal(await overlay.next('tts.skip'), { type: 'tts.skip', id });
    const clear = await browser.api('/api/tts/clear', { method: 'POST', streamer: true, body: new URLSearchParams({ room: 'main' }) });
    assert.equal(await clear.json(), { ok: true, delivered: 1 });
    assert.equal(await overlay.next('tts.clear'), { type: 'tts.clear' });

    overlay.send({ type: 'tts.started', id: '<script>' });
    assert.is((await overlay.next('error')).code, 'bad_message', 'report ids are validated');
  } finally {
    overlay.close();
    moderator.close();
  }
});

test('espeak arguments – voice, speed and pitch mapping; text never on the command line', () => {
  assert.is(espeakVoice('ru-RU'), 'ru');
  assert.is(espeakVoice('en-US'), 'en-us');
  assert.is(espeakVoice('pt-BR'), 'pt-br');
  assert.is(espeakVoice('de'), 'de');
  assert.is(espeakVoice('zh-CN'), 'cmn');
  const args = espeakArgs({ text: '--version; rm -rf /', lang: 'ru-RU', rate: 1, pitch: 1 }, '/tmp/out.wav');
  assert.equal(args, ['-v', 'ru', '-s', '175', '-p', '50', '-b', '1', '-w', '/tmp/out.wav', '--stdin']);
  assert.equal(espeakArgs({ text: 'x', lang: 'en', rate: 10, pitch: 2 }, 'o').slice(2, 6), ['-s', '450', '-p', '99']);
  assert.equal(espeakArgs({ text: 'x', lang: 'en', rate: 0.1, pitch: 0 }, 'o').slice(2, 6), ['-s', '80', '-p', '0']);
});

test.run();
