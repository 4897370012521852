import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sniffMediaType, isServableName, UPLOAD_NAME } from './media-types.ts';
import { displayName } from './receive-upload.ts';
import { parseByteRange } from './byte-range.ts';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

test('sniff – each accepted type by its first bytes', () => {
  const cases: [Uint8Array, string][] = [
    [bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'image/png'],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    [bytes('GIF89a', [1, 0]), 'image/gif'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    [bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'audio/wav'],
    [bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0]), 'video/mp4'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
    [bytes('OggS', [0, 2]), 'audio/ogg'],
    [bytes('ID3', [4, 0]), 'audio/mpeg'],
    [bytes([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
    [bytes('wOF2', [0, 1, 0, 0]), 'font/woff2'],
    [bytes('wOFF', [0, 1, 0, 0]), 'font/woff'],
    [bytes([0, 1, 0, 0, 0, 0x0c, 0, 0x80]), 'font/ttf'],
    [bytes('true', [0, 0x0c]), 'font/ttf'],
    [bytes('OTTO', [0, 0x0c]), 'font/otf'],
  ];
  for (const [head, mime] of cases) assert.is(sniffMediaType(head)?.mime, mime, mime);
});

test('sniff – refuses markup, text, still-image ISO files, Matroska and AAC', () => {
  for (const [head, what] of [
    [bytes('<svg xmlns="http://www.w3.org/2000/svg">'), 'svg'],
    [bytes('<?xml version="1.0"?><svg>'), 'xml svg'],
    [bytes('<!doctype html><script>'), 'html'],
    [bytes('hello world'), 'text'],
    [bytes([0, 0, 0, 0x18], 'ftypheic'), 'heic'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'), 'mkv'],
    [bytes([0xff, 0xf1, 0x50, 0x80]), 'adts aac'],
    [bytes('RIFF', [0, 0, 0, 0], 'AVI '), 'avi'],
    [new Uint8Array(0), 'empty'],
  ] as const) {
    assert.is(sniffMediaType(head), null, what);
  }
});

test('names – only stored names are servable', () => {
  const sha = 'a'.repeat(64);
  assert.ok(UPLOAD_NAME.test(`${sha}.png`));
  assert.ok(isServableName(`tts-${'0'.repeat(32)}.wav`));
  for (const ext of ['woff2', 'woff', 'ttf', 'otf']) assert.ok(isServableName(`${sha}.${ext}`), ext);
  for (const bad of [`${sha}.svg`, `${sha}.png.json`, `../${sha}.png`, `${sha.toUpperCase()}.png`, '.meta', `tts-${'0'.repeat(32)}.mp3`]) {
    assert.not.ok(isServableName(bad), bad);
  }
});

test('display names – last path segment, no control or bidi characters, capped', () => {
  assert.is(displayName('../../etc/passwd'), 'passwd');
  assert.is(displayName('C:\\Users\\me\\pic.png'), 'pic.png');
  assert.is(displayName('evil\u202egnp.exe'), 'evilgnp.exe');
  assert.is(displayName('a\u0000b\r\nc.png'), 'abc.png');
  assert.is(displayName('..'), 'upload');
  assert.is(displayName(null), 'upload');
  assert.is([...displayName('й'.repeat(500))].length, 200);
});

test('range – forms, clamping, and what cannot be satisfied', () => {
  assert.equal(parseByteRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.equal(parseByteRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.equal(parseByteRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.equal(parseByteRange('bytes=-500', 100), { start: 0, end: 99 });
  assert.equal(parseByteRange('bytes=50-5000', 100), { start: 50, end: 99 });
  assert.is(parseByteRange('bytes=100-', 100), 'unsatisfiable');
  assert.is(parseByteRange('bytes=-0', 100), 'unsatisfiable');
  assert.is(parseByteRange('bytes=0-', 0), 'unsatisfiable');
  for (const ignored of [undefined, 'bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-', 'bytes=abc']) {
    assert.is(parseByteRange(ignored, 100), null, String(ignored));
  }
});

test.run();
