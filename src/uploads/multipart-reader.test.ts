import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultipartError, MultipartReader, multipartBoundary } from './multipart-reader.ts';

const enc = (text: string) => new TextEncoder().encode(text);

/** A stream that hands out `bytes` in pieces of `size`, as a slow network would. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

async function readAll(body: Uint8Array, boundary: string, chunkSize: number) {
  const reader = new MultipartReader(chunked(body, chunkSize), boundary);
  const parts: { name: string | null; filename: string | null; contentType: string | null; body: string }[] = [];
  for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
    const pieces: Uint8Array[] = [];
    for (let chunk = await reader.readChunk(); chunk; chunk = await reader.readChunk()) pieces.push(chunk.slice());
    const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      all.set(p, at);
      at += p.length;
    }
    parts.push({ ...part, body: new TextDecoder().decode(all) });
  }
  return parts;
}

// The body contains near-misses of the delimiter ("\r\n--b" without the rest) on purpose.
const BODY = enc(
  'preamble to ignore\r\n' +
    '--XyZ\r\n' +
    'Content-Disposition: form-data; name="title"\r\n\r\n' +
    'hello\r\n' +
    '--XyZ  \r\n' +
    'Content-Disposition: form-data; name="file"; filename="a \\"quoted\\" name.png"\r\n' +
    'Content-Type: image/png\r\n\r\n' +
    'line1\r\n--XyNOT\r\n--X\r\nline3\r\n' +
    '--XyZ\r\n' +
    "Content-Disposition: form-data; name=\"file2\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve.txt\r\n\r\n" +
    '\r\n' +
    '--XyZ--\r\nepilogue',
);

const EXPECTED = [
  { name: 'title', filename: null, contentType: null, body: 'hello' },
  { name: 'file', filename: 'a "quoted" name.png', contentType: 'image/png', body: 'line1\r\n--XyNOT\r\n--X\r\nline3' },
  { name: 'file2', filename: 'naïve.txt', contentType: null, body: '' },
];

test('multipart – parts and bodies, whatever the network chunking', async () => {
  for (const size of [1, 2, 3, 5, 7, 13, 64, 10_000]) {
    assert.equal(await readAll(BODY, 'XyZ', size), EXPECTED, `chunks of ${size}`);
  }
});

test('multipart – a body that starts with the boundary (no preamble)', async () => {
  const body = enc('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n--b--');
  assert.equal(await readAll(body, 'b', 1), [{ name: 'x', filename: null, contentType: null, body: 'v' }]);
});

test('multipart – skipping a part unread moves to the next', async () => {
  const reader = new MultipartReader(chunked(BODY, 4), 'XyZ');
  assert.is((await reader.nextPart())?.name, 'title');
  assert.is((await reader.nextPart())?.name, 'file');
  assert.is((await reader.nextPart())?.name, 'file2');
  assert.is(await reader.nextPart(), null);
});

test('multipart – truncated or boundary-less bodies are errors, not hangs', async () => {
  for (const text of ['--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nno end', 'no boundary at all', '--b\r\nheaders never end']) {
    try {
      await readAll(enc(text), 'b', 3);
      assert.unreachable(text);
    } catch (error) {
      assert.instance(error, MultipartError, text);
    }
  }
});

test('multipart – boundary from Content-Type', () => {
  assert.is(multipartBoundary('multipart/form-data; boundary=----abc'), '----abc');
  assert.is(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"'), 'a b');
  assert.is(multipartBoundary('application/json'), null);
  assert.is(multipartBoundary('multipart/form-data'), null);
  assert.is(multipartBoundary('multipart/form-datax; boundary=a'), null);
  assert.is(multipartBoundary(undefined), null);
});

test.run();
