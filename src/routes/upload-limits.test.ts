/**
 * The media library's bounds on a real server: a refused oversize upload reaches the client as
 * 413 (not EPIPE), the library quota (UPLOAD_QUOTA_MB) refuses while streaming with 507 and
 * keeps nothing, and what a crash leaves behind (upload parts, scene temp files) is swept at
 * start-up.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { waitFor } from '../../testing/browser.ts';
import { concat, pngBytes } from '../../testing/media-samples.ts';

const test = suite('upload limits');
const MB = 1024 * 1024;

let clients = 0;
const freshClient = () => `198.51.100.${++clients}`;

function pngForm(bytes: Uint8Array): FormData {
  const form = new FormData();
  form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), 'big.png');
  return form;
}

/** A PNG padded to `size` bytes (the sniffer reads only the head). */
const paddedPng = (size: number, seed = 0) => concat([pngBytes(2, 2, seed), new Uint8Array(size)]);

/** What a client sees: the status and headers, or the network error instead. */
async function attempt(server: TestServer, init: RequestInit): Promise<{ status: number; connection: string | null; body: any } | { error: string }> {
  try {
    const res = await server.api('/api/uploads', { method: 'POST', streamer: true, ...init, headers: { 'x-forwarded-for': freshClient(), ...(init.headers as Record<string, string>) } });
    return { status: res.status, connection: res.headers.get('connection'), body: await res.json() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? String(error) };
  }
}

async function withServer(env: Record<string, string>, run: (server: TestServer) => Promise<void>, dataDir?: string): Promise<void> {
  const server = await startTestServer({ dataDir, env: { TRUSTED_PROXIES: '127.0.0.1', ...env } });
  try {
    await run(server);
  } finally {
    await server.stop();
  }
}

const dotFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.incoming'));
const storedFiles = async (dir: string) => (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();

test('20 uploads over MAX_UPLOAD_MB by declared length: 20 × 413 with Connection: close, never a broken connection', async () => {
  await withServer({ MAX_UPLOAD_MB: '1' }, async (server) => {
    const body = paddedPng(3 * MB);
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await attempt(server, { body: pngForm(body) });
      seen.push('error' in result ? `error ${result.error}` : `${result.status} ${result.connection} ${result.body.error?.code}`);
    }
    assert.equal(seen, Array(20).fill('413 close too_large'));
  });
});

test('UPLOAD_QUOTA_MB: an upload that would pass it gets 507 while streaming and leaves nothing behind', async () => {
  await withServer({ MAX_UPLOAD_MB: '2', UPLOAD_QUOTA_MB: '1' }, async (server) => {
    const dir = server.config.UPLOAD_DIR;
    const first = await attempt(server, { body: pngForm(paddedPng(600 * 1024, 1)) });
    assert.ok(!('error' in first) && first.status === 200, JSON.stringify(first));
    const before = await storedFiles(dir);

    // Chunked, no Content-Length: the quota has to hold while the bytes arrive.
    const encoded = new Uint8Array(await new Response(pngForm(paddedPng(600 * 1024, 2))).arrayBuffer());
    const boundary = new TextDecoder().decode(encoded.subarray(0, 200)).split('\r\n')[0]!.slice(2);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < encoded.length; i += 64 * 1024) controller.enqueue(encoded.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await attempt(server, {
      body: stream,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    assert.ok(!('error' in streamed), JSON.stringify(streamed));
    if ('error' in streamed) return;
    assert.is(streamed.status, 507);
    assert.is(streamed.body.error.code, 'upload_quota_exceeded');

    // With a Content-Length that already says so: refused before a byte is written.
    const declared = await attempt(server, { body: pngForm(paddedPng(600 * 1024, 3)) });
    assert.ok(!('error' in declared) && declared.status === 507 && declared.body.error.code === 'upload_quota_exceeded', JSON.stringify(declared));

    assert.equal(await storedFiles(dir), before, 'nothing stored');
    assert.equal(await dotFiles(dir), [], 'no partial file left');

    // What still fits is accepted.
    const small = await attempt(server, { body: pngForm(paddedPng(10 * 1024, 4)) });
    assert.ok(!('error' in small) && small.status === 200, JSON.stringify(small));
  });
});

/** A chunked upload that sends its first chunk, then waits for `release()` before the rest. */
async function heldUpload(server: TestServer, bytes: Uint8Array) {
  const encoded = new Uint8Array(await new Response(pngForm(bytes)).arrayBuffer());
  const boundary = new TextDecoder().decode(encoded.subarray(0, 200)).split('\r\n')[0]!.slice(2);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const CHUNK = 64 * 1024;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoded.subarray(0, CHUNK));
      await gate;
      for (let i = CHUNK; i < encoded.length; i += CHUNK) controller.enqueue(encoded.subarray(i, i + CHUNK));
      controller.close();
    },
  });
  const result = attempt(server, { body: stream, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, duplex: 'half' } as RequestInit);
  return { release, result };
}

test('UPLOAD_QUOTA_MB: two uploads arriving at once cannot pass the quota together', async () => {
  await withServer({ MAX_UPLOAD_MB: '2', UPLOAD_QUOTA_MB: '1' }, async (server) => {
    const dir = server.config.UPLOAD_DIR;
    // Each fits alone (600 KB of 1 MB); both began before either had written much.
    const first = await heldUpload(server, paddedPng(600 * 1024, 5));
    await waitFor('the first upload under way', async () => (await dotFiles(dir)).length === 1);
    const second = await heldUpload(server, paddedPng(600 * 1024, 6));
    await waitFor('both uploads under way', async () => (await dotFiles(dir)).length === 2);
    first.release();
    second.release();
    const results = await Promise.all([first.result, second.result]);
    const outcomes = results.map((r) => ('error' in r ? `error ${r.error}` : `${r.status} ${r.body.error?.code ?? 'stored'}`)).sort();
    assert.equal(outcomes, ['200 stored', '507 upload_quota_exceeded']);
    assert.is((await storedFiles(dir)).length, 1, 'one file kept');
    assert.equal(await dotFiles(dir), [], 'no partial file left');
  });
});

test('start-up sweeps upload parts a crash left and scene temp files; a part still being written stays', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-sweep-'));
  try {
    const uploads = join(dataDir, 'uploads');
    await mkdir(join(uploads, '.meta'), { recursive: true });
    await mkdir(join(dataDir, 'scenes'), { recursive: true });
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000);
    const crashed = [join(uploads, `.incoming-${randomUUID()}`), join(uploads, '.meta', `.incoming-${randomUUID()}.json`)];
    for (const path of crashed) {
      await writeFile(path, 'partial bytes of an upload a crash cut off');
      await utimes(path, tenMinutesAgo, tenMinutesAgo);
    }
    const inProgress = join(uploads, `.incoming-${randomUUID()}`);
    await writeFile(inProgress, 'another process is writing this right now');
    const temps = [join(dataDir, 'scenes', `.main.json.${randomUUID()}.tmp`), join(dataDir, `.kv.json.${randomUUID()}.tmp`)];
    for (const path of temps) await writeFile(path, '{"half": ');
    await writeFile(join(dataDir, 'scenes', 'main.json'), JSON.stringify({ data: JSON.stringify({ items: [] }), version: 2 }));

    await withServer({}, async (server) => {
      for (const path of [...crashed, ...temps]) assert.not.ok(existsSync(path), `${path} was swept`);
      assert.ok(existsSync(inProgress), 'a fresh part may belong to another process and stays');
      const scene = await server.api('/api/rooms/main/scene', { streamer: true });
      assert.is(((await scene.json()) as { version: number }).version, 2, 'the real scene file is untouched');
    }, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
