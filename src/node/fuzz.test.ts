/**
 * Hostile input, seeded (FUZZ_SEED replays a run): malformed JSON, wrong types, huge numbers,
 * deep nesting, oversize bodies and frames, random bytes, wrong content types, to every JSON
 * endpoint and every WebSocket in src/routes, against the real service in a child process.
 * No 5xx, no crash, every reply a clear error, and the stored scene unchanged.
 *
 * Endpoints (read from src/routes/*.ts):
 *   JSON bodies  PUT /api/scene, PUT /api/rooms/:room/scene, POST /api/rooms/:room/ops,
 *                POST /api/moderator-keys/generate|consume, POST /api/overlay/token,
 *                POST /api/overlay/applied, POST /api/tts/speak|skip|clear,
 *                POST /api/webrtc/token, POST /api/webrtc/token/refresh,
 *                POST /api/moderator-session/logout, POST /api/media/play|stop,
 *                POST /api/uploads and /upload (multipart)
 *   params/query GET /api/scene?room, GET /api/rooms/:room/scene|audit, GET /api/webrtc/config?token,
 *                GET /api/webrtc/rooms/:room/stats, GET /uploads/:name, GET /assets/:name,
 *                DELETE /api/moderator-keys/:id, /api/moderator-sessions/:id, /api/uploads/:id|?path=
 *   credentials  x-streamer-token, Authorization: Bearer, so_session cookie, ?token=
 *   WebSockets   /ws/overlay, /ws/moderator, /ws/webrtc/:room/publisher, /ws/webrtc/:room/viewer
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { readDurableScenes } from './file-persistence.ts';
import { startServerProcess, type ServerProcess } from '../../testing/server-process.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { prng } from '../../testing/resilience.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261107);
const WS_MAX_PAYLOAD_KB = 64;
const rng = prng(SEED);

// ---- generators -----------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

interface Case {
  kind: string;
  /** Text, or bytes for random binary input. */
  body: string | Uint8Array;
  contentType?: string;
}

/** Every path in a JSON value (the root is []). */
function paths(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function getAt(value: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key]!, value);
}

/** A copy of `value` with the node at `path` replaced (the root when path is []). */
function setAt(value: Json, path: Path, replacement: Json): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path.at(-1)!] = replacement;
  return copy as Json;
}

const kindOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const OTHER_TYPES: Json[] = [null, true, false, 0, -1, 3.5, '', 'x'.repeat(300), [], [1, 'a'], {}, { a: { b: 1 } }];

/** A value of a different JSON type than `original`. */
function wrongType(original: Json): Json {
  const candidates = OTHER_TYPES.filter((v) => kindOf(v) !== kindOf(original));
  return rng.pick(candidates);
}

const HUGE = ['1e308', '-1e308', '1e400', '-1e400', '9007199254740993', '1' + '0'.repeat(400), '123456789012345678901234567890e300'];
const MARKER = '@@raw-json@@';

/** Replace the node at `path` with raw JSON text (numbers JSON.stringify cannot write). */
function withRaw(template: Json, path: Path, raw: string): string {
  return JSON.stringify(setAt(template, path, MARKER)).replace(JSON.stringify(MARKER), raw);
}

function randomText(length: number): string {
  // Whole code points (an emoji is two UTF-16 units: never split it into lone surrogates).
  const alphabet = [...'{}[]":,\\/ \t\nabcxyz0123456789-+.eE\u00e9\u4e2d\u{1f600}', 'null', 'true', 'false'];
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

/**
 * The hostile variants of a valid message. `numeric` lists the paths of bounded numbers; every
 * variant is invalid for the scene endpoints (templates carry no field that accepts any type).
 */
function hostile(template: Json, numeric: Path[], oversizeBytes: number): Case[] {
  const text = JSON.stringify(template);
  const all = paths(template);
  const cases: Case[] = [
    { kind: 'truncated JSON', body: text.slice(0, 1 + rng.int(Math.max(1, text.length - 2))) },
    { kind: 'garbage text', body: randomText(1 + rng.int(200)) },
    { kind: 'trailing comma', body: text.replace(/}$/, ',}') },
    { kind: 'NaN literal', body: text.replace(/}$/, ',"n":NaN}') },
    { kind: 'top-level scalar', body: rng.pick(['null', '0', '"text"', 'true', '[]', '[[]]']) },
    // Own keys named __proto__/constructor must not smuggle fields in (nor pollute anything).
    { kind: 'prototype keys', body: '{"__proto__":{"type":"clear","items":[],"key":"k","text":"t"},"constructor":{"prototype":{"type":"clear"}}}' },
    { kind: 'random bytes', body: rng.bytes(1 + rng.int(2000)) },
    { kind: 'deep arrays', body: withRaw(template, rng.pick(all), '['.repeat(5000) + ']'.repeat(5000)) },
    { kind: 'deep objects', body: withRaw(template, rng.pick(all), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)) },
    { kind: 'oversize', body: text.replace(/^{/, `{"pad":"${'x'.repeat(oversizeBytes)}",`) },
  ];
  // Every node once with a deeply nested value and once with a wrong type; then random picks.
  for (const path of all) {
    cases.push({ kind: `deep arrays at ${path.join('.') || '(root)'}`, body: withRaw(template, path, '['.repeat(5000) + ']'.repeat(5000)) });
    cases.push({ kind: `wrong type at ${path.join('.') || '(root)'}`, body: JSON.stringify(setAt(template, path, wrongType(getAt(template, path)))) });
  }
  for (let i = 0; i < 3; i++) {
    const path = rng.pick(all);
    cases.push({ kind: `wrong type at ${path.join('.') || '(root)'}`, body: JSON.stringify(setAt(template, path, wrongType(getAt(template, path)))) });
  }
  for (let i = 0; i < Math.min(3, numeric.length * 2); i++) {
    const path = rng.pick(numeric);
    cases.push({ kind: `huge number at ${path.join('.')}`, body: withRaw(template, path, rng.pick(HUGE)) });
  }
  return cases;
}

// ---- the service ----------------------------------------------------------------------------

let server: ServerProcess;
let dataDir: string;
let clientNo = 0;
/** Each request seems to come from its own address (through a trusted proxy): rate limits stay out of the way. */
const nextClient = () => `10.9.${(++clientNo >> 8) & 255}.${clientNo & 255}`;

async function request(method: string, path: string, options: { body?: string | Uint8Array; contentType?: string; auth?: 'streamer' | 'none'; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'x-forwarded-for': nextClient(), ...options.headers };
  if (options.auth !== 'none') headers['x-streamer-token'] = STREAMER_TOKEN;
  if (options.contentType) headers['content-type'] = options.contentType;
  const res = await fetch(server.url + path, { method, headers, body: options.body as BodyInit | undefined, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: { error?: { code?: unknown; message?: unknown } } | null = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

const failures: string[] = [];
let checked = 0;

/** No 5xx; an /api error is `{ error: { code, message } }` JSON. */
function expectClear(what: string, res: Awaited<ReturnType<typeof request>>, api: boolean) {
  checked++;
  if (res.status >= 500) failures.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
  else if (res.status >= 400 && api && (typeof res.json?.error?.code !== 'string' || typeof res.json?.error?.message !== 'string')) {
    failures.push(`${what}: ${res.status} without a clear JSON error: ${res.text.slice(0, 200)}`);
  }
}

/** The durable scene as the running server stored it (snapshot plus journal), serialized for comparison. */
async function sceneFile(): Promise<string> {
  return JSON.stringify((await readDurableScenes(dataDir, { warn() {} })).main ?? null);
}

const test = suite(`fuzz (seed ${SEED})`);

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'so-fuzz-'));
  server = await startServerProcess({
    STREAMER_API_TOKEN: STREAMER_TOKEN,
    TOKEN_SECRET,
    DATA_DIR: dataDir,
    UPLOAD_DIR: join(dataDir, 'uploads'),
    TRUSTED_PROXIES: '127.0.0.1',
    WS_MAX_PAYLOAD_KB: String(WS_MAX_PAYLOAD_KB),
    LOG_LEVEL: 'error',
  });
  const items = [
    { id: 'f1', kind: 'text', text: 'one', x: 10, y: 20 },
    { id: 'f2', kind: 'image', src: '/uploads/x.png', w: 100, h: 50 },
  ];
  const put = await request('PUT', '/api/scene', { body: JSON.stringify({ items }), contentType: 'application/json' });
  assert.is(put.status, 200);
});

test.after(async () => {
  await server?.stop('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('every JSON endpoint answers hostile bodies with a clear 4xx; the stored scene is unchanged', async () => {
  const sceneBefore = await sceneFile();
  const item = { id: 'f1', kind: 'text', text: 'changed', x: 5, y: 6, w: 7, h: 8, opacity: 0.5, fontSize: 20 };
  const itemNumbers = ['x', 'y', 'w', 'h', 'opacity', 'fontSize'];
  const endpoints: { method: string; path: string; template: Json; numeric: Path[]; auth?: 'none'; limit?: number; headers?: Record<string, string> }[] = [
    { method: 'PUT', path: '/api/scene', template: { items: [item] }, numeric: itemNumbers.map((k) => ['items', 0, k]), limit: 2 << 20 },
    // Version 0 is stale (in _meta and If-Match): a body that stayed valid is refused as a conflict.
    // (valibot's object() takes an array as an object without keys: `_meta: []` means no _meta.)
    { method: 'PUT', path: '/api/rooms/main/scene', template: { items: [item, { ...item, id: 'f3' }], _meta: { known_version: 0 } }, numeric: [...itemNumbers.map((k) => ['items', 1, k]), ['_meta', 'known_version']], limit: 2 << 20, headers: { 'if-match': '"0"' } },
    { method: 'POST', path: '/api/rooms/main/ops', template: { type: 'update', item }, numeric: itemNumbers.map((k) => ['item', k]), limit: 2 << 20 },
    { method: 'POST', path: '/api/rooms/main/ops', template: { ops: [{ type: 'patch', id: 'f1', changes: { x: 1, opacity: 0.2 } }] }, numeric: [['ops', 0, 'changes', 'x'], ['ops', 0, 'changes', 'opacity']], limit: 2 << 20 },
    { method: 'POST', path: '/api/moderator-keys/generate', template: { room: 'main', label: 'fuzz', ttl: 60 }, numeric: [['ttl']] },
    { method: 'POST', path: '/api/moderator-keys/consume', template: { key: 'k'.repeat(43) }, numeric: [], auth: 'none' },
    { method: 'POST', path: '/api/overlay/token', template: { room: 'fuzz-room' }, numeric: [] },
    { method: 'POST', path: '/api/overlay/applied', template: { room: 'main', version: 1, server_ts: 1, client_ts: 1 }, numeric: [['version']] },
    { method: 'POST', path: '/api/tts/speak', template: { room: 'main', text: 'hello', rate: 1, pitch: 1, volume: 1 }, numeric: [['rate'], ['pitch'], ['volume']] },
    { method: 'POST', path: '/api/tts/skip', template: { room: 'main', id: 'abc' }, numeric: [] },
    { method: 'POST', path: '/api/tts/clear', template: { room: 'main' }, numeric: [] },
    { method: 'POST', path: '/api/webrtc/token', template: { room: 'main', role: 'viewer', ttl: 60 }, numeric: [['ttl']] },
    { method: 'POST', path: '/api/webrtc/token/refresh', template: { token: 'a.b.c', room: 'main' }, numeric: [], auth: 'none' },
    { method: 'POST', path: '/api/moderator-session/logout', template: { all: true }, numeric: [] },
    // The FastAPI version's media control, on a room of its own (valid bodies do change it).
    { method: 'POST', path: '/api/media/play', template: { room: 'fuzz-media', id: 'm1', url: '/uploads/x.mp4', loop: true }, numeric: [] },
    { method: 'POST', path: '/api/media/stop', template: { room: 'fuzz-media', id: 'm1' }, numeric: [] },
  ];
  for (const endpoint of endpoints) {
    const limit = endpoint.limit ?? 1 << 20;
    for (const c of hostile(endpoint.template, endpoint.numeric, limit + 1024)) {
      const res = await request(endpoint.method, endpoint.path, { body: c.body, contentType: c.contentType ?? 'application/json', auth: endpoint.auth, headers: endpoint.headers });
      expectClear(`${endpoint.method} ${endpoint.path} [${c.kind}]`, res, true);
    }
    // The same endpoint with bodies in the other formats readBody accepts, broken.
    for (const [contentType, body] of [
      ['multipart/form-data; boundary=zzz', `--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n${randomText(50)}`],
      ['multipart/form-data', randomText(100)],
      ['application/x-www-form-urlencoded', '%zz&=&a=%E0%A4%A&items=1&type=nope&ops=1'],
      ['text/plain', randomText(100)],
    ] as const) {
      const res = await request(endpoint.method, endpoint.path, { body, contentType, auth: endpoint.auth, headers: endpoint.headers });
      expectClear(`${endpoint.method} ${endpoint.path} [${contentType.split(';')[0]}]`, res, true);
    }
  }

  // Uploads take multipart (or raw) bytes, streamed.
  for (const path of ['/api/uploads', '/upload']) {
    for (const [contentType, body] of [
      ['multipart/form-data; boundary=b', rng.bytes(3000)],
      ['multipart/form-data; boundary=b', new TextEncoder().encode(`--b\r\nContent-Disposition: form-data; name="file"; filename="../../x.png"\r\nContent-Type: image/png\r\n\r\n${randomText(300)}\r\n--b--\r\n`)],
      ['multipart/form-data', rng.bytes(100)],
      ['application/json', new TextEncoder().encode('{"file":1}')],
      ['application/octet-stream', rng.bytes(5000)],
    ] as const) {
      expectClear(`POST ${path} [${contentType}]`, await request('POST', path, { body, contentType }), true);
    }
  }

  // Path parameters, queries and credentials.
  const weird = () => encodeURIComponent(rng.pick(['..', '../../etc/passwd', 'x'.repeat(5000), '%00', '\u0000', 'a b', '\ud83d\ude00', 'main;drop', '-1', '1e400', randomText(40)]));
  for (let i = 0; i < 8; i++) {
    const w = weird();
    for (const [method, path, api] of [
      ['GET', `/api/rooms/${w}/scene`, true],
      ['GET', `/api/scene?room=${w}`, true],
      ['GET', `/api/rooms/${w}/audit?limit=${w}`, true],
      ['GET', `/api/rooms/main/audit?limit=${w}`, true],
      ['GET', `/api/webrtc/config?token=${w}`, true],
      ['GET', `/api/webrtc/rooms/${w}/stats`, true],
      ['GET', `/api/metrics/realtime?room=${w}`, true],
      ['DELETE', `/api/moderator-keys/${w}`, true],
      ['DELETE', `/api/moderator-sessions/${w}`, true],
      ['DELETE', `/api/uploads/${w}`, true],
      ['DELETE', `/api/uploads?path=${w}`, true],
      ['POST', `/api/rooms/${w}/ops`, true],
      ['GET', `/uploads/${w}`, false],
      ['GET', `/assets/${w}`, false],
      ['GET', `/overlay?room=${w}&token=${w}`, false],
    ] as const) {
      expectClear(`${method} ${path.slice(0, 80)}`, await request(method, path, { body: method === 'POST' ? '{"type":"clear"}' : undefined, contentType: 'application/json' }), api);
    }
    const garbage = randomText(30).replace(/[^\x21-\x7e]/g, 'q');
    for (const headers of [{ 'x-streamer-token': garbage }, { authorization: `Bearer ${garbage}` }, { cookie: `so_session=${garbage}` }] as Record<string, string>[]) {
      expectClear(`credentials ${Object.keys(headers)[0]}`, await request('POST', '/api/rooms/main/ops', { body: '{"type":"clear"}', contentType: 'application/json', auth: 'none', headers }), true);
    }
  }

  assert.equal(failures, [], `${failures.length} unclear or 5xx answers of ${checked}`);
  assert.is(await sceneFile(), sceneBefore, 'the stored scene is unchanged');
  assert.is(server.child.exitCode, null, 'the service is still running');
  console.log(`    ↳ ${checked} hostile HTTP requests, all answered with a clear 4xx (or a harmless 2xx)`);
});

// ---- WebSockets -------------------------------------------------------------------------------

interface FrameCase {
  kind: string;
  data: string | Buffer;
  binary?: boolean;
  /** The close code this frame must cause, when it must close the socket. */
  closes?: number;
}

function frameCases(templates: Json[], numeric: Path[][]): FrameCase[] {
  const cases: FrameCase[] = [];
  templates.forEach((template, i) => {
    for (const c of hostile(template, numeric[i] ?? [], 1)) {
      if (c.kind === 'oversize') continue; // below, against the socket's own limit
      cases.push(typeof c.body === 'string' ? { kind: c.kind, data: c.body } : { kind: c.kind, data: Buffer.from(c.body), binary: true });
    }
  });
  cases.push(
    { kind: 'empty text', data: '' },
    { kind: 'random binary', data: Buffer.from(rng.bytes(1 + rng.int(4000))), binary: true },
    { kind: 'JSON as binary', data: Buffer.from(JSON.stringify(templates[0])), binary: true },
    { kind: 'oversize frame', data: 'x'.repeat(WS_MAX_PAYLOAD_KB * 1024 + 1), closes: 1009 },
    { kind: 'invalid UTF-8 text', data: Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d]), closes: 1007 },
  );
  return cases;
}

async function openWs(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const inbox: { type?: string; code?: unknown; message?: unknown; client_ts?: number }[] = [];
  let closed: { code: number } | null = null;
  ws.on('message', (data) => inbox.push(JSON.parse(String(data))));
  ws.on('close', (code) => (closed = { code }));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return { ws, inbox, closed: () => closed as { code: number } | null };
}

test('every WebSocket answers hostile frames with a clear error (or the right close code); the stored scene is unchanged', async () => {
  const sceneBefore = await sceneFile();
  const token = async (path: string, body: object) => (await request('POST', path, { body: JSON.stringify(body), contentType: 'application/json' })).json as unknown as { token: string };
  const view = (await token('/api/overlay/token', { room: 'main' })).token;
  const ws = server.url.replace(/^http/, 'ws');
  const sockets: { name: string; open: () => Promise<string>; headers?: Record<string, string>; templates: Json[]; numeric: Path[][] }[] = [
    {
      name: 'overlay',
      open: async () => `${ws}/ws/overlay?room=main&v=2&token=${view}`,
      templates: [{ type: 'overlay.applied', version: 3, client_ts: 1 }, { type: 'resync', since_version: 2 }],
      numeric: [[['version']], [['since_version']]],
    },
    {
      name: 'moderator',
      open: async () => `${ws}/ws/moderator?room=main&v=2`,
      headers: { 'x-streamer-token': STREAMER_TOKEN },
      templates: [
        { type: 'patch', id: 'f1', changes: { x: 5, opacity: 0.5 } },
        { type: 'update', item: { id: 'f9', kind: 'text', text: 't', x: 1, w: 2 } },
        { type: 'remove', id: 'f1' },
        { type: 'add', item: { id: 'f8', kind: 'video', src: '/uploads/v.mp4', volume: 0.5 } },
      ],
      numeric: [[['changes', 'x'], ['changes', 'opacity']], [['item', 'x'], ['item', 'w']], [], [['item', 'volume']]],
    },
    {
      name: 'webrtc publisher',
      open: async () => `${ws}/ws/webrtc/main/publisher?token=${(await token('/api/webrtc/token', { room: 'main', role: 'publisher' })).token}`,
      templates: [{ type: 'offer', sdp: 'v=0\r\n' }, { type: 'ice-candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } }],
      numeric: [],
    },
    {
      name: 'webrtc viewer',
      open: async () => `${ws}/ws/webrtc/main/viewer?token=${(await token('/api/webrtc/token', { room: 'main', role: 'viewer' })).token}`,
      templates: [{ type: 'answer', sdp: 'v=0\r\n' }, { type: 'viewer.request-restart', fresh: true }],
      numeric: [],
    },
  ];

  const problems: string[] = [];
  let frames = 0;
  for (const socket of sockets) {
    let marker = 0;
    /** Open, and wait out the greeting (scene, room state) so it is not taken for a reply. */
    const connect = async () => {
      const opened = await openWs(await socket.open(), socket.headers);
      const ts = --marker;
      opened.ws.send(JSON.stringify({ type: 'ping', client_ts: ts }));
      for (const deadline = Date.now() + 5000; !opened.inbox.some((m) => m.type === 'pong' && m.client_ts === ts) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      return opened;
    };
    let conn = await connect();
    for (const c of frameCases(socket.templates, socket.numeric)) {
      frames++;
      const from = conn.inbox.length;
      conn.ws.send(c.data, { binary: c.binary ?? false });
      // A ping after each frame: its pong says the frame was dealt with and the socket is fine.
      const ts = 1000 + ++marker;
      conn.ws.send(JSON.stringify({ type: 'ping', client_ts: ts }));
      const deadline = Date.now() + 5000;
      while (!conn.closed() && !conn.inbox.slice(from).some((m) => m.type === 'pong' && m.client_ts === ts) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const closed = conn.closed();
      const replies = conn.inbox.slice(from).filter((m) => m.type !== 'pong' && m.type !== 'room.status' && m.type !== 'presence.state');
      const what = `${socket.name} [${c.kind}]`;
      if (closed) {
        if (closed.code !== c.closes) problems.push(`${what}: closed with ${closed.code}${c.closes ? `, expected ${c.closes}` : ''}`);
        conn = await connect();
        continue;
      }
      if (c.closes) problems.push(`${what}: expected close ${c.closes}, socket stayed open`);
      if (!conn.inbox.slice(from).some((m) => m.type === 'pong')) problems.push(`${what}: no pong within 5 s (hang)`);
      for (const m of replies) {
        if (m.type !== 'error' || typeof m.code !== 'string' || typeof m.message !== 'string') problems.push(`${what}: unexpected reply ${JSON.stringify(m).slice(0, 200)}`);
      }
      if (replies.length === 0 && socket.name === 'moderator') problems.push(`${what}: accepted silently`);
    }
    conn.ws.close();
  }
  assert.equal(problems, [], `${problems.length} problems in ${frames} frames`);
  assert.is(await sceneFile(), sceneBefore, 'the stored scene is unchanged');
  const health = await request('GET', '/health');
  assert.is(health.status, 200);
  assert.is(server.child.exitCode, null, 'the service is still running');
  console.log(`    ↳ ${frames} hostile frames over 4 socket kinds, each answered with an error or the expected close`);
});

test.run();
