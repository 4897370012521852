/**
 * The access model against the real server, real sockets and real Redis: who may do what,
 * exactly-once keys, session revocation, tokens that must not verify, limits and Origin.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignJWT } from 'jose';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, STREAMER_TOKEN, TOKEN_SECRET, type TestServer } from '../../testing/test-server.ts';
import { startServerProcess } from '../../testing/server-process.ts';
import { openSocket, refusedStatus } from '../../testing/ws-client.ts';
import { CloseCode } from '../protocol/messages.ts';

const streamer = { 'x-streamer-token': STREAMER_TOKEN };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisEnv = async () => ({ REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` });

async function issueKey(server: TestServer, body: Record<string, unknown> = {}) {
  const res = await server.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: body });
  assert.is(res.status, 200);
  return (await res.json()) as { key: string; key_id: string; room: string; ttl: number; label: string };
}

// ---------------------------------------------------------------------------------------
for (const storeKind of ['redis', 'embedded'] as const) {
  const keys = suite(`access – one-time keys (${storeKind})`);
  let server: TestServer;
  keys.before(async () => {
    // The test client stands behind a "proxy" so each try has its own address and the
    // consume rate limit (20/min per client) does not hide the exactly-once property.
    server = await startTestServer({ env: { ...(storeKind === 'redis' ? await redisEnv() : {}), TRUSTED_PROXIES: '127.0.0.1' } });
  });
  keys.after(() => server?.stop());

  keys('100 concurrent consumes of one key: exactly one session, 99 identical refusals', async () => {
    const { key } = await issueKey(server, { room: 'main', label: 'race' });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        server.api('/api/moderator-keys/consume', { method: 'POST', json: { key }, headers: { 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.is(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses}`);
    assert.is(statuses.filter((s) => s === 400).length, 99);
    const bodies = await Promise.all(results.filter((r) => r.status === 400).map((r) => r.text()));
    assert.is(new Set(bodies).size, 1, 'every refusal says the same thing');
    assert.match(bodies[0]!, /invalid_or_expired_key/);
  });

  keys('form fields as in the FastAPI version; the store keeps no usable key; consume sets an HttpOnly cookie', async () => {
    const res = await server.api('/api/moderator-keys/generate', {
      method: 'POST',
      streamer: true,
      body: new URLSearchParams({ streamer_id: 'alice', room: 'stage', label: 'Bob' }),
    });
    const issued = (await res.json()) as { ok: boolean; key: string; ttl: number; room: string; label: string; key_id: string };
    assert.equal([issued.ok, issued.room, issued.label], [true, 'stage', 'Bob']);
    assert.ok(issued.key.length >= 22, '>= 128 bits');
    assert.not.ok((await server.services.store.keys('')).some((k) => k.includes(issued.key)), 'key not in store keys');
    for (const k of await server.services.store.keys('modkey')) assert.not.match((await server.services.store.get(k)) ?? '', issued.key);
    const listed = (await (await server.api('/api/moderator-keys', { streamer: true })).json()) as { keys: { key_id: string }[] };
    assert.ok(listed.keys.some((k) => k.key_id === issued.key_id));
    assert.not.match(JSON.stringify(listed), issued.key);
    const consumed = await server.api('/api/moderator-keys/consume', { method: 'POST', body: new URLSearchParams({ key: issued.key }) });
    assert.is(consumed.status, 200);
    const cookie = consumed.headers.get('set-cookie') ?? '';
    assert.match(cookie, /so_session=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const body = (await consumed.json()) as { ok: boolean; session: string; room: string; ttl: number };
    assert.equal([body.ok, body.room], [true, 'stage']);
  });

  keys('expired and revoked keys are refused like unknown ones', async () => {
    const short = await issueKey(server, { ttl: 1 });
    const revoked = await issueKey(server);
    const del = await server.api(`/api/moderator-keys/${revoked.key_id}`, { method: 'DELETE', streamer: true });
    assert.is(del.status, 200);
    await sleep(1300);
    for (const key of [short.key, revoked.key, 'never-issued-key-000000000000000']) {
      const res = await server.api('/api/moderator-keys/consume', { method: 'POST', json: { key } });
      assert.is(res.status, 400);
      assert.is(((await res.json()) as { error: { code: string } }).error.code, 'invalid_or_expired_key');
    }
  });

  keys('a session ended by the streamer closes its socket at once with the do-not-reconnect code', async () => {
    const { session, session_id } = await server.moderatorSession('main', 'closing');
    const socket = await openSocket(server.wsUrl(`/ws/moderator?session=${session}`));
    await socket.next('scene.full');
    const listed = (await (await server.api('/api/moderator-sessions', { streamer: true })).json()) as { sessions: { id: string; sockets: number; label: string }[] };
    assert.is(listed.sessions.find((s) => s.id === session_id)?.sockets, 1);
    const started = Date.now();
    const res = await server.api(`/api/moderator-sessions/${session_id}`, { method: 'DELETE', streamer: true });
    assert.is(res.status, 200);
    const closed = await socket.closed;
    assert.is(closed.code, CloseCode.sessionRevoked);
    assert.ok(Date.now() - started < 1000);
    assert.is((await server.api('/api/scene', { headers: { authorization: `Bearer ${session}` } })).status, 401);
  });

  keys('panic button ends every session', async () => {
    const a = await server.moderatorSession('main', 'a');
    const b = await server.moderatorSession('other', 'b');
    const res = await server.api('/api/moderator-sessions', { method: 'DELETE', streamer: true });
    assert.ok(((await res.json()) as { ended: number }).ended >= 2);
    for (const s of [a, b]) assert.is((await server.api('/api/scene', { headers: { authorization: `Bearer ${s.session}` } })).status, 401);
  });

  keys.run();
}

// ---------------------------------------------------------------------------------------
const routes = suite('access – every write route refuses the wrong credential');
let server: TestServer;
routes.before(async () => {
  server = await startTestServer({ env: { ...(await redisEnv()), MODERATOR_SESSION_TTL_SECONDS: '1' } });
});
routes.after(() => server?.stop());

const forgedTokens = async () => {
  const wrongSecret = await new SignJWT({ room: 'main', role: 'overlay', epoch: 0 }).setProtectedHeader({ alg: 'HS256' }).setIssuer('stream-overlay').sign(new TextEncoder().encode('another-secret-another-secret!!'));
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const algNone = `${b64({ alg: 'none' })}.${b64({ room: 'main', role: 'overlay', epoch: 0, iss: 'stream-overlay' })}.`;
  const good = await server.viewToken('main');
  const [h, , s] = good.split('.');
  const tampered = `${h}.${b64({ room: 'other', role: 'overlay', epoch: 0, iss: 'stream-overlay' })}.${s}`;
  const expired = await new SignJWT({ room: 'main', role: 'overlay', epoch: 0 }).setProtectedHeader({ alg: 'HS256' }).setIssuer('stream-overlay').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(new TextEncoder().encode(TOKEN_SECRET));
  return { wrongSecret, algNone, tampered, expired };
};

routes('no auth, a wrong room, an expired session, forged view tokens: 401/403 JSON', async () => {
  const mod = await server.moderatorSession('main', 'm');
  const other = await server.moderatorSession('other', 'o');
  const writes: [string, string, unknown][] = [
    ['PUT', '/api/scene', { items: [] }],
    ['PUT', '/api/rooms/main/scene', { items: [] }],
    ['POST', '/api/rooms/main/ops', { type: 'clear' }],
  ];
  for (const [method, path, json] of writes) {
    const none = await server.api(path, { method, json });
    assert.is(none.status, 401, `${method} ${path} without auth`);
    assert.ok(((await none.json()) as { error: { code: string } }).error.code);
    const wrong = await server.api(path, { method, json, headers: { authorization: `Bearer ${other.session}` } });
    assert.is(wrong.status, 403, `${method} ${path} with another room's session`);
    const viewer = await server.api(`${path}?token=${await server.viewToken('main')}`, { method, json });
    assert.is(viewer.status, 401, `${method} ${path} with a view token`);
    const badStreamer = await server.api(path, { method, json, headers: { 'x-streamer-token': 'x'.repeat(32) } });
    assert.is(badStreamer.status, 401);
  }
  assert.is((await server.api('/api/moderator-keys/generate', { method: 'POST', json: {}, headers: { authorization: `Bearer ${mod.session}` } })).status, 401, 'a moderator cannot issue keys');
  assert.is((await server.api('/api/moderator-sessions', { headers: { authorization: `Bearer ${mod.session}` } })).status, 401);
  assert.is(await refusedStatus(server.wsUrl('/ws/moderator?room=other'), { authorization: `Bearer ${mod.session}` }), 403);
  await sleep(1200);
  const expired = await server.api('/api/scene', { method: 'PUT', json: { items: [] }, headers: { authorization: `Bearer ${mod.session}` } });
  assert.is(expired.status, 401, 'an expired session');
  assert.is(await refusedStatus(server.wsUrl(`/ws/moderator?session=${mod.session}`)), 401);

  const forged = await forgedTokens();
  for (const [name, token] of Object.entries(forged)) {
    assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=main&token=${encodeURIComponent(token)}`)), 401, `ws with ${name}`);
    const res = await server.api(`/api/overlay/applied?room=main&token=${encodeURIComponent(token)}`, { method: 'POST', json: { room: 'main', version: 1 } });
    assert.is(res.status, 401, `applied with ${name}`);
  }
  assert.is(await refusedStatus(server.wsUrl('/ws/overlay?room=main')), 401, 'an overlay needs a token');
  assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=other&token=${await server.viewToken('main')}`)), 403, 'a token for another room');
});

routes('a read-only overlay: it receives the scene but cannot edit through its socket', async () => {
  const token = await server.viewToken('main');
  const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`));
  await overlay.next('scene.full');
  overlay.send({ type: 'clear' });
  const error = await overlay.next('error');
  assert.is(error.code, 'bad_message');
  overlay.close();
});

routes('rotate-tokens invalidates every view token of the room and disconnects its overlays', async () => {
  const token = await server.viewToken('rot');
  const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=rot&token=${token}`));
  await overlay.next('scene.full');
  const res = await server.api('/api/rooms/rot/rotate-tokens', { method: 'POST', streamer: true });
  assert.is(res.status, 200);
  assert.is((await overlay.closed).code, CloseCode.tokenRevoked);
  assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=rot&token=${token}`)), 401);
  const fresh = await server.viewToken('rot');
  const again = await openSocket(server.wsUrl(`/ws/overlay?room=rot&token=${fresh}`));
  await again.next('scene.full');
  again.close();
  const body = (await (await server.api('/api/overlay/token', { method: 'POST', streamer: true, json: { room: 'rot' } })).json()) as { url: string };
  assert.match(body.url, /\/overlay\?room=rot&token=/);
});

routes('the audit log records who did what, in order', async () => {
  const { key, key_id } = await issueKey(server, { room: 'aud', label: 'Carol' });
  const consumed = (await (await server.api('/api/moderator-keys/consume', { method: 'POST', json: { key } })).json()) as { session: string; session_id: string };
  const moderator = await openSocket(server.wsUrl('/ws/moderator?room=aud'), { authorization: `Bearer ${consumed.session}` });
  await moderator.next('scene.full');
  moderator.send({ type: 'add', item: { id: 'x', kind: 'text', text: 'x' }, req_id: 1 });
  await moderator.next('ack');
  moderator.send({ type: 'remove', id: 'x', req_id: 2 });
  await moderator.next('ack', (m) => m.req_id === 2);
  await server.api(`/api/moderator-sessions/${consumed.session_id}`, { method: 'DELETE', streamer: true });
  await sleep(50);
  const res = await server.api('/api/rooms/aud/audit', { streamer: true });
  const { entries } = (await res.json()) as { entries: { who: string; action: string; id?: string; key_id?: string }[] };
  assert.equal(entries.map((e) => `${e.who}:${e.action}`), ['streamer:key.issued', 'streamer:key.consumed', 'Carol:scene.add', 'Carol:scene.remove', 'streamer:session.ended']);
  assert.is(entries[0]!.key_id, key_id);
  assert.is(entries[2]!.id, 'x');
});

routes.run();

// ---------------------------------------------------------------------------------------
const limits = suite('access – brute force and Origin');

limits('the 11th wrong streamer token in a minute is refused even when right, across two processes on one Redis', async () => {
  const env = { ...(await redisEnv()), STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: '/tmp', LOG_LEVEL: 'warn' };
  const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  try {
    const hit = (url: string, token: string) => fetch(`${url}/api/moderator-keys`, { headers: { 'x-streamer-token': token } });
    for (let i = 0; i < 5; i++) assert.is((await hit(a.url, `wrong-${i}`.padEnd(32, 'x'))).status, 401);
    for (let i = 0; i < 5; i++) assert.is((await hit(b.url, `wrong-${i}`.padEnd(32, 'x'))).status, 401);
    const right = await hit(a.url, STREAMER_TOKEN);
    assert.is(right.status, 429, 'the limit was reached through the other process');
    assert.ok(Number(right.headers.get('retry-after')) >= 1);
    assert.is((await right.json() as { error: { code: string } }).error.code, 'rate_limited');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

limits('strict Origin: a foreign Origin is refused on HTTP writes and on the socket upgrade', async () => {
  const strict = await startTestServer({ env: { ENABLE_STRICT_ORIGIN: 'true', ALLOWED_ORIGINS: 'https://panel.example' } });
  try {
    const put = (origin?: string) => strict.api('/api/scene', { method: 'PUT', streamer: true, json: { items: [] }, headers: origin ? { origin } : {} });
    assert.is((await put('https://evil.example')).status, 403);
    assert.is((await put('https://panel.example.evil.example')).status, 403, 'exact match, not a prefix');
    assert.is((await put('https://panel.example')).status, 200);
    assert.is((await put()).status, 200, 'curl sends no Origin');
    assert.is(await refusedStatus(strict.wsUrl('/ws/moderator?room=main'), { ...streamer, origin: 'https://evil.example' }), 403);
    assert.is(await refusedStatus(strict.wsUrl('/ws/moderator?room=main'), { ...streamer, origin: 'https://panel.example' }), null);
  } finally {
    await strict.stop();
  }
});

limits('without strict mode a cookie-authenticated write from another site is refused (CSRF)', async () => {
  const lax = await startTestServer();
  try {
    const { session } = await lax.moderatorSession();
    const cookie = `so_session=${session}`;
    const put = (origin: string) => lax.api('/api/scene', { method: 'PUT', json: { items: [] }, headers: { cookie, origin } });
    assert.is((await put('https://evil.example')).status, 403);
    assert.is((await put(lax.url)).status, 200);
  } finally {
    await lax.stop();
  }
});

limits('a cookie-authenticated write marked Sec-Fetch-Site: cross-site is refused even without an Origin', async () => {
  const lax = await startTestServer();
  try {
    const { session } = await lax.moderatorSession();
    const cookie = `so_session=${session}`;
    const put = (headers: Record<string, string>) => lax.api('/api/scene', { method: 'PUT', json: { items: [] }, headers: { cookie, ...headers } });
    const refused = await put({ 'sec-fetch-site': 'cross-site' });
    assert.is(refused.status, 403);
    assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'origin_refused');
    assert.is(await refusedStatus(lax.wsUrl('/ws/moderator?room=main'), { cookie, 'sec-fetch-site': 'cross-site' }), 403, 'the socket upgrade too');
    assert.is((await put({ 'sec-fetch-site': 'same-origin' })).status, 200);
    assert.is((await put({})).status, 200, 'no browser metadata: not a browser');
    const bearer = await lax.api('/api/scene', { method: 'PUT', json: { items: [] }, headers: { authorization: `Bearer ${session}`, 'sec-fetch-site': 'cross-site' } });
    assert.is(bearer.status, 200, 'an explicit credential is no CSRF risk');
  } finally {
    await lax.stop();
  }
});

limits.run();
