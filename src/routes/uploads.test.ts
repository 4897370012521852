import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { concat, mp4Bytes, pngBytes } from '../../testing/media-samples.ts';

interface Ctx {
  server: TestServer;
  root: string;
  uploadDir: string;
}

const test = suite<Ctx>('uploads');

test.before(async (context) => {
  // UPLOAD_DIR sits inside its own root, so "nothing was written outside it" is checkable.
  context.root = await mkdtemp(join(tmpdir(), 'so-uploads-'));
  context.uploadDir = join(context.root, 'media');
  // Behind a "proxy" (this host), each upload can come from its own client address, so the
  // upload rate limit (20/min per client) is tested once instead of tripping every test.
  context.server = await startTestServer({ env: { UPLOAD_DIR: context.uploadDir, MAX_UPLOAD_MB: '2', TRUSTED_PROXIES: '127.0.0.1' } });
});

test.after(async ({ server, root }) => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function formWith(bytes: Uint8Array, filename: string, type = 'application/octet-stream'): FormData {
  const form = new FormData();
  form.append('title', 'ignored field before the file');
  form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), filename);
  return form;
}

let clients = 0;
const freshClient = () => `198.51.100.${++clients}`;

async function upload(server: TestServer, body: BodyInit, path = '/api/uploads', headers: Record<string, string> = {}) {
  const res = await server.api(path, { method: 'POST', body, streamer: !('authorization' in headers), headers: { 'x-forwarded-for': freshClient(), ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** The stored files (no `.meta`, no dot files): what a listing of UPLOAD_DIR shows. */
const storedFiles = async (dir: string) => (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
const leftovers = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.incoming'));

test('accepts a real PNG: hash-named, typed by content, served back byte for byte', async ({ server, uploadDir }) => {
  const png = pngBytes(3, 2, 1);
  const { status, json } = await upload(server, formWith(png, 'logo.png', 'image/png'));
  assert.is(status, 200, JSON.stringify(json));
  const sha = sha256(png);
  assert.equal(json, { ok: true, id: `${sha}.png`, path: `/uploads/${sha}.png`, mime: 'image/png', size: png.length, sha256: sha, name: 'logo.png', duplicate: false });
  assert.ok((await storedFiles(uploadDir)).includes(`${sha}.png`), 'stored under the content hash');

  const served = await fetch(server.url + json.path);
  assert.is(served.status, 200);
  assert.is(served.headers.get('content-type'), 'image/png');
  assert.is(served.headers.get('x-content-type-options'), 'nosniff');
  assert.is(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.is(served.headers.get('accept-ranges'), 'bytes');
  assert.equal(new Uint8Array(await served.arrayBuffer()), png, 'same bytes back');
});

test('accepts a real MP4 on the legacy API path /upload, whatever MIME the client claims', async ({ server }) => {
  const mp4 = mp4Bytes(50_000);
  const { status, json } = await upload(server, formWith(mp4, 'clip.bin', 'text/plain'), '/upload');
  assert.is(status, 200, JSON.stringify(json));
  assert.is(json.mime, 'video/mp4');
  assert.is(json.path, `/uploads/${sha256(mp4)}.mp4`);
  const served = await fetch(server.url + json.path);
  assert.is(served.headers.get('content-type'), 'video/mp4');
  assert.is(Number(served.headers.get('content-length')), mp4.length);
  await served.arrayBuffer();
});

test('the same file uploaded twice is stored once', async ({ server, uploadDir }) => {
  const png = pngBytes(4, 4, 2);
  const first = await upload(server, formWith(png, 'a.png'));
  const second = await upload(server, formWith(png, 'b.png'));
  assert.is(first.json.duplicate, false);
  assert.is(second.json.duplicate, true);
  assert.is(second.json.path, first.json.path);
  const copies = (await storedFiles(uploadDir)).filter((name) => name.startsWith(sha256(png)));
  assert.equal(copies, [`${sha256(png)}.png`]);
  const list = (await (await server.api('/api/uploads', { streamer: true })).json()) as { files: { id: string; name: string }[] };
  const entries = list.files.filter((f) => f.id === first.json.id);
  assert.is(entries.length, 1, 'listed once');
  assert.is(entries[0]!.name, 'a.png', 'the first name is kept');
});

test('a text file named .png and sent as image/png is refused', async ({ server, uploadDir }) => {
  const before = await storedFiles(uploadDir);
  const text = new TextEncoder().encode('just some text pretending to be an image\n'.repeat(10));
  const { status, json } = await upload(server, formWith(text, 'photo.png', 'image/png'));
  assert.is(status, 415);
  assert.is(json.error.code, 'unsupported_type');
  assert.equal(await storedFiles(uploadDir), before, 'nothing stored');
  assert.equal(await leftovers(uploadDir), [], 'no partial file');
});

test('SVG and HTML are refused, even with image names', async ({ server, uploadDir }) => {
  const before = await storedFiles(uploadDir);
  const svg = new TextEncoder().encode('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  const html = new TextEncoder().encode('<!doctype html><script>alert(document.cookie)</script>');
  for (const [bytes, name, type] of [[svg, 'x.svg', 'image/svg+xml'], [html, 'x.gif', 'image/gif']] as const) {
    const { status, json } = await upload(server, formWith(bytes, name, type));
    assert.is(status, 415, name);
    assert.is(json.error.code, 'unsupported_type');
  }
  assert.equal(await storedFiles(uploadDir), before);
});

test('over the size limit: 413 with no partial file, when declared and when streamed', async ({ server, uploadDir }) => {
  const before = await storedFiles(uploadDir);
  const big = concat([pngBytes(), new Uint8Array(2 * 1024 * 1024 + 10)]);
  const declared = await upload(server, formWith(big, 'big.png'));
  assert.is(declared.status, 413);
  assert.is(declared.json.error.code, 'too_large');

  // Chunked, with no Content-Length: the cap has to hold while bytes arrive.
  const encoded = new Uint8Array(await new Response(formWith(big, 'big.png')).arrayBuffer());
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < encoded.length; i += 64 * 1024) controller.enqueue(encoded.subarray(i, i + 64 * 1024));
      controller.close();
    },
  });
  const res = await server.api('/api/uploads', {
    method: 'POST',
    body: stream,
    streamer: true,
    headers: { 'content-type': multipartTypeOf(encoded), 'x-forwarded-for': freshClient() },
    duplex: 'half',
  } as RequestInit);
  assert.is(res.status, 413);
  assert.is(((await res.json()) as any).error.code, 'too_large');
  assert.equal(await storedFiles(uploadDir), before, 'nothing stored');
  assert.equal(await leftovers(uploadDir), [], 'the partial file is gone');
});

test('an upload cut off midway leaves no partial file', async ({ server, uploadDir }) => {
  const before = await storedFiles(uploadDir);
  const boundary = 'cut-off-boundary';
  const opening = concat([
    new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.png"\r\n\r\n`),
    pngBytes(1, 1, 300),
  ]);
  const abort = new AbortController();
  let chunks = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (chunks++ === 0) controller.enqueue(opening);
      else if (chunks < 8) controller.enqueue(new Uint8Array(64 * 1024));
      else return new Promise<void>(() => {}); // the sender stalls, then goes away
    },
  });
  const pending = server
    .api('/api/uploads', {
      method: 'POST',
      body,
      streamer: true,
      signal: abort.signal,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-forwarded-for': freshClient() },
      duplex: 'half',
    } as RequestInit)
    .catch((error: unknown) => error);
  await eventually(async () => (await leftovers(uploadDir)).length === 1, 'a partial file while receiving');
  abort.abort();
  await pending;
  await eventually(async () => (await leftovers(uploadDir)).length === 0, 'the partial file is removed');
  assert.equal(await storedFiles(uploadDir), before);
});

test('fields other than the file count toward the limit too', async ({ server, uploadDir }) => {
  const boundary = 'field-flood';
  const encoded = concat([
    new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n`),
    new Uint8Array(2 * 1024 * 1024 + 100 * 1024).fill(0x61),
    new TextEncoder().encode(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n`),
    pngBytes(),
    new TextEncoder().encode(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await server.api('/api/uploads', {
    method: 'POST',
    body: new Blob([encoded as Uint8Array<ArrayBuffer>]).stream(),
    streamer: true,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-forwarded-for': freshClient() },
    duplex: 'half',
  } as RequestInit);
  assert.is(res.status, 413);
  await res.arrayBuffer();
  assert.equal(await leftovers(uploadDir), []);
});

test('path-traversal file names never decide where bytes go', async ({ server, root, uploadDir }) => {
  const outside = `so-escape-${process.pid}-${Date.now()}`;
  const names = [`../${outside}.png`, `%2e%2e/${outside}.png`, `%2e%2e%2f${outside}.png`, `/tmp/${outside}.png`, `..\\..\\${outside}.png`, `../../../../../../tmp/${outside}.png`];
  const rootBefore = (await readdir(root)).sort();
  for (const [i, name] of names.entries()) {
    const png = pngBytes(1, 1, 100 + i);
    const { status, json } = await upload(server, formWith(png, name));
    assert.is(status, 200, `${name}: ${JSON.stringify(json)}`);
    assert.is(json.path, `/uploads/${sha256(png)}.png`, 'named by content only');
    assert.not.match(json.name, /[\\/]/, 'the kept name has no path in it');
    assert.ok(existsSync(join(uploadDir, `${sha256(png)}.png`)));
  }
  // A raw body with the name exactly as an attacker would send it (no client-side escaping).
  const png = pngBytes(1, 1, 200);
  const boundary = 'raw-boundary-123';
  const raw = concat([
    new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../${outside}.png"\r\nContent-Type: image/png\r\n\r\n`),
    png,
    new TextEncoder().encode(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await server.api('/api/uploads', {
    method: 'POST',
    body: raw as Uint8Array<ArrayBuffer>,
    streamer: true,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-forwarded-for': freshClient() },
  });
  const json = (await res.json()) as Record<string, string>;
  assert.is(res.status, 200, JSON.stringify(json));
  assert.is(json.name, `${outside}.png`);

  assert.equal((await readdir(root)).sort(), rootBefore, 'nothing new next to UPLOAD_DIR');
  assert.not.ok(existsSync(`/tmp/${outside}.png`), 'nothing in /tmp');
  const stray = (await readdir(uploadDir)).filter((f) => f.includes(outside));
  assert.equal(stray, [], 'the client name is not a file name inside UPLOAD_DIR either');
});

test('Range requests: 206 with exactly the asked bytes, 416 when unsatisfiable', async ({ server }) => {
  const mp4 = mp4Bytes(200_000);
  const { json } = await upload(server, formWith(mp4, 'seek.mp4'));
  const url = server.url + json.path;
  const size = mp4.length;
  const cases: [string, number, number][] = [
    ['bytes=0-9', 0, 9],
    ['bytes=100000-100099', 100_000, 100_099],
    [`bytes=${size - 10}-`, size - 10, size - 1],
    ['bytes=-50', size - 50, size - 1],
    [`bytes=150000-${size + 1000}`, 150_000, size - 1],
    ['bytes=0-', 0, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await fetch(url, { headers: { range } });
    assert.is(res.status, 206, range);
    assert.is(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
    assert.is(Number(res.headers.get('content-length')), end - start + 1, range);
    assert.equal(new Uint8Array(await res.arrayBuffer()), mp4.subarray(start, end + 1), `${range}: the right bytes`);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
    const res = await fetch(url, { headers: { range } });
    assert.is(res.status, 416, range);
    assert.is(res.headers.get('content-range'), `bytes */${size}`);
    await res.arrayBuffer();
  }
  const whole = await fetch(url);
  assert.is(whole.status, 200);
  assert.is((await whole.arrayBuffer()).byteLength, size);

  const head = await fetch(url, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(Number(head.headers.get('content-length')), size);
  assert.is(head.headers.get('content-type'), 'video/mp4');
  const headRange = await fetch(url, { method: 'HEAD', headers: { range: 'bytes=0-99' } });
  assert.is(headRange.status, 206);
  assert.is(headRange.headers.get('content-range'), `bytes 0-99/${size}`);
});

test('/uploads/ serves only stored names', async ({ server }) => {
  for (const name of ['..%2F..%2Fetc%2Fpasswd', '.meta', 'x.html', `${'a'.repeat(64)}.svg`, `${'a'.repeat(64)}.png`]) {
    const res = await fetch(`${server.url}/uploads/${name}`);
    assert.is(res.status, 404, name);
    await res.arrayBuffer();
  }
});

test('no credentials: 401 for upload, list and delete', async ({ server }) => {
  const post = await fetch(`${server.url}/api/uploads`, { method: 'POST', body: formWith(pngBytes(), 'x.png') });
  assert.is(post.status, 401);
  assert.is(((await post.json()) as any).error.code, 'unauthenticated');
  for (const [method, path] of [['POST', '/upload'], ['GET', '/api/uploads'], ['DELETE', `/api/uploads/${'a'.repeat(64)}.png`]]) {
    const res = await fetch(server.url + path, { method });
    assert.is(res.status, 401, `${method} ${path}`);
    await res.arrayBuffer();
  }
});

test('a moderator of any room may upload and list', async ({ server }) => {
  const { session } = await server.moderatorSession('other-room', 'mod-b');
  const png = pngBytes(5, 5, 3);
  const { status, json } = await upload(server, formWith(png, 'mod.png'), '/api/uploads', { authorization: `Bearer ${session}` });
  assert.is(status, 200, JSON.stringify(json));
  const list = await server.api('/api/uploads', { headers: { authorization: `Bearer ${session}` } });
  assert.is(list.status, 200);
});

test('list and delete', async ({ server, uploadDir }) => {
  const png = pngBytes(6, 6, 4);
  const { json } = await upload(server, formWith(png, 'to-delete.png'));
  const list = (await (await server.api('/api/uploads', { streamer: true })).json()) as { ok: boolean; files: Record<string, unknown>[] };
  const entry = list.files.find((f) => f.id === json.id);
  assert.ok(entry, 'listed');
  assert.equal(Object.keys(entry!).sort(), ['created', 'id', 'mime', 'name', 'path', 'rel', 'size']);
  assert.equal({ ...entry, created: undefined }, { id: json.id, name: 'to-delete.png', rel: json.id, path: json.path, size: png.length, mime: 'image/png', created: undefined });
  assert.ok(!Number.isNaN(Date.parse(entry!.created as string)));

  const bad = await server.api('/api/uploads/..%2F..%2Fsecret', { method: 'DELETE', streamer: true });
  assert.is(bad.status, 400);
  await bad.arrayBuffer();

  const removed = await server.api(`/api/uploads/${json.id}`, { method: 'DELETE', streamer: true });
  assert.is(removed.status, 200);
  assert.not.ok(existsSync(join(uploadDir, json.id)), 'file gone');
  assert.not.ok(existsSync(join(uploadDir, '.meta', `${json.id}.json`)), 'metadata gone');
  const again = await server.api(`/api/uploads/${json.id}`, { method: 'DELETE', streamer: true });
  assert.is(again.status, 404);
  await again.arrayBuffer();
  const served = await fetch(server.url + json.path);
  assert.is(served.status, 404);
  await served.arrayBuffer();
});

test('delete is refused while a scene item uses the file, allowed with force=1', async ({ server, uploadDir }) => {
  const png = pngBytes(7, 7, 5);
  const { json } = await upload(server, formWith(png, 'in-scene.png'));
  const put = await server.api('/api/rooms/stage/scene', {
    method: 'PUT',
    streamer: true,
    json: { items: [{ id: 'logo', kind: 'image', src: json.path, x: 10, y: 10, w: 100, h: 100 }] },
  });
  assert.is(put.status, 200, await put.text());

  const refused = await server.api(`/api/uploads/${json.id}`, { method: 'DELETE', streamer: true });
  assert.is(refused.status, 409);
  const error = ((await refused.json()) as any).error;
  assert.is(error.code, 'in_use');
  assert.equal(error.rooms, ['stage']);
  assert.ok(existsSync(join(uploadDir, json.id)), 'still there');

  const forced = await server.api(`/api/uploads/${json.id}?force=1`, { method: 'DELETE', streamer: true });
  assert.is(forced.status, 200);
  assert.not.ok(existsSync(join(uploadDir, json.id)));
});

test('a file part without the file field, or a non-multipart body, is a 400', async ({ server }) => {
  const form = new FormData();
  form.append('other', new Blob([pngBytes() as Uint8Array<ArrayBuffer>]), 'x.png');
  const missing = await upload(server, form);
  assert.is(missing.status, 400);
  assert.is(missing.json.error.code, 'missing_file');
  const json = await server.api('/api/uploads', { method: 'POST', streamer: true, json: { file: 'x' }, headers: { 'x-forwarded-for': freshClient() } });
  assert.is(json.status, 400);
  await json.arrayBuffer();
});

test('uploads are rate limited per client (20 per minute)', async ({ server }) => {
  const client = { 'x-forwarded-for': '203.0.113.7' };
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) statuses.push((await upload(server, formWith(pngBytes(1, 1, 1000 + i), `r${i}.png`), '/api/uploads', client)).status);
  assert.equal(statuses.slice(0, 20), Array(20).fill(200));
  assert.is(statuses[20], 429);
  const other = await upload(server, formWith(pngBytes(1, 1, 2000), 'other.png'));
  assert.is(other.status, 200, 'another client is not affected');
});

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) assert.unreachable(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function multipartTypeOf(encoded: Uint8Array): string {
  // The first line of an encoded form is `--<boundary>`.
  const firstLine = new TextDecoder().decode(encoded.subarray(0, 200)).split('\r\n')[0]!;
  return `multipart/form-data; boundary=${firstLine.slice(2)}`;
}

test.run();
