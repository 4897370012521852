/**
 * The dashboard's API against the real server (the browser side is in
 * client/dashboard/dashboard.test.ts): the streamer cookie and its CSRF rules, admin links,
 * audit paging at a timestamp boundary, rooms and the health list from real sockets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN, TOKEN_SECRET, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { startServerProcess } from '../../testing/server-process.ts';
import { networkInterfaces } from 'node:os';

let server: TestServer;
let client = 0;
/** Each test is its own client (the server trusts 127.0.0.1 as a proxy), so limits do not leak. */
const asClient = () => ({ 'x-forwarded-for': `10.9.0.${++client}` });
const cookieOf = (res: Response) => /so_streamer=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

const api = suite('dashboard API');
api.before(async () => {
  server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
});
api.after(() => server?.stop());

api('the token buys an HttpOnly SameSite=Strict cookie; cookie writes from another Origin are refused; sign out everywhere', async () => {
  const me = asClient();
  const signIn = await server.api('/api/streamer-session', { method: 'POST', headers: { ...me, 'x-streamer-token': STREAMER_TOKEN } });
  assert.is(signIn.status, 200);
  const setCookie = signIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const secret = cookieOf(signIn)!;
  assert.not.match(await signIn.text(), secret, 'the secret travels in the cookie only');

  const cookie = { ...me, cookie: `so_streamer=${secret}` };
  assert.is((await server.api('/api/rooms', { headers: cookie })).status, 200);
  const who = (await (await server.api('/api/streamer-session', { headers: cookie })).json()) as { credential: string; reachability: { loopback_only: boolean } };
  assert.equal([who.credential, who.reachability.loopback_only], ['streamer-cookie', true]);

  const evil = { ...cookie, origin: 'https://evil.example' };
  for (const [method, path] of [['POST', '/api/rooms/main/invites'], ['POST', '/api/rooms/main/rotate-tokens'], ['DELETE', '/api/moderator-sessions'], ['DELETE', '/api/streamer-session']]) {
    const res = await server.api(path!, { method, headers: evil, json: method === 'POST' ? {} : undefined });
    assert.is(res.status, 403, `${method} ${path} from a foreign Origin`);
    assert.is(await codeOf(res), 'origin_refused');
  }
  const invite = await server.api('/api/rooms/main/invites', { method: 'POST', headers: { ...cookie, origin: server.url }, json: { label: 'Dana', ttl: 60 } });
  assert.is(invite.status, 200);
  const body = (await invite.json()) as { url: string; key: string; label: string; ttl: number };
  assert.is(body.url, `${server.url}/moderator?key=${body.key}`);
  assert.equal([body.label, body.ttl], ['Dana', 60]);

  const second = cookieOf(await server.api('/api/streamer-session', { method: 'POST', headers: { ...me, 'x-streamer-token': STREAMER_TOKEN } }))!;
  const out = await server.api('/api/streamer-session?all=true', { method: 'DELETE', headers: { ...cookie, origin: server.url } });
  assert.ok(((await out.json()) as { ended: number }).ended >= 2);
  for (const s of [secret, second]) {
    const res = await server.api('/api/rooms', { headers: { ...me, cookie: `so_streamer=${s}` } });
    assert.is(res.status, 401);
    assert.is(await codeOf(res), 'invalid_streamer_session');
  }
});

api('an admin link works once; wrong links count against the streamer limit', async () => {
  const me = asClient();
  const login = await server.services.adminLinks.issue();
  const first = await server.api('/api/streamer-session', { method: 'POST', headers: me, json: { login } });
  assert.is(first.status, 200);
  assert.ok(cookieOf(first));
  const again = await server.api('/api/streamer-session', { method: 'POST', headers: me, json: { login } });
  assert.is(again.status, 401);
  assert.is(await codeOf(again), 'invalid_admin_link');
  for (let i = 0; i < 9; i++) await server.api('/api/streamer-session', { method: 'POST', headers: me, json: { login: `wrong-${i}`.padEnd(40, 'x') } });
  const limited = await server.api('/api/streamer-session', { method: 'POST', headers: { ...me, 'x-streamer-token': STREAMER_TOKEN } });
  assert.is(limited.status, 429, 'the token is refused too once the limit is reached');
  assert.is((await server.api('/api/streamer-session', { method: 'POST', headers: me, json: {} })).status, 429);
});

api('audit pages newest first without skipping entries that share a timestamp; filters by action and who', async () => {
  const entries = [
    { ts: 1000, who: 'streamer', action: 'key.issued', label: 'A' },
    { ts: 2000, who: 'Alice', action: 'scene.add', id: 'a' },
    { ts: 2000, who: 'Alice', action: 'scene.remove', id: 'a' },
    { ts: 2000, who: 'streamer', action: 'keyboard.custom' },
    { ts: 3000, who: 'alice', action: 'scene.add', id: 'b' },
  ];
  for (const entry of entries) await server.services.store.appendAudit('paged', entry, 100);
  const page = async (query: string) => (await (await server.api(`/api/rooms/paged/audit?${query}`, { streamer: true })).json()) as { entries: { ts: number; action: string }[]; next_before: number | null };
  const first = await page('limit=2');
  assert.equal(first.entries.map((e) => e.ts), [2000, 2000, 2000, 3000], 'widened to the whole 2000 ms group');
  assert.is(first.next_before, 2000);
  const next = await page(`limit=2&before=${first.next_before}`);
  assert.equal([next.entries.map((e) => e.ts), next.next_before], [[1000], null]);
  assert.equal((await page('action=key')).entries.map((e) => e.action), ['key.issued'], 'a prefix means key.*, not keyboard');
  assert.equal((await page('who=ALICE')).entries.map((e) => e.ts), [2000, 2000, 3000]);
  assert.equal((await page('')).entries.length, 5, 'no query: the legacy API route as before');
  for (const bad of ['limit=abc', 'before=-1', `action=${'x'.repeat(65)}`]) {
    const res = await server.api(`/api/rooms/paged/audit?${bad}`, { streamer: true });
    assert.is(res.status, 400, bad);
    assert.is(await codeOf(res), 'bad_query');
  }
});

api('rooms and health from real sockets: user agent, reconnects, applied version, latency; a moderator cannot hide as a dashboard', async () => {
  assert.is((await server.api('/api/rooms', { method: 'POST', streamer: true, json: { room: 'bad name!' } })).status, 400);
  const created = (await (await server.api('/api/rooms', { method: 'POST', streamer: true, json: { room: 'health' } })).json()) as { created: boolean; version: number };
  assert.equal([created.created, created.version], [true, 1]);
  assert.is(((await (await server.api('/api/rooms', { method: 'POST', streamer: true, json: { room: 'health' } })).json()) as { created: boolean }).created, false);

  const token = await server.viewToken('health');
  const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=health&token=${token}&reconnects=3`), { 'user-agent': 'Mozilla/5.0 Chrome/127 OBS/31.0.2' });
  const full = await overlay.next('scene.full');
  overlay.send({ type: 'overlay.applied', version: full.version, client_ts: Date.now(), server_ts: Date.now() - 12 });
  const { session } = await server.moderatorSession('health', 'Eve');
  const moderator = await openSocket(server.wsUrl(`/ws/moderator?room=health&view=dashboard&session=${session}`));
  await moderator.next('scene.full');

  type Health = { version: number; overlays: { client: string; reconnects: number; applied_version: number | null }[]; panels: { label: string }[]; latency: { p50: number; n: number }[] };
  let health: Health;
  for (;;) {
    health = (await (await server.api('/api/rooms/health/overlays', { streamer: true })).json()) as Health;
    if (health.overlays[0]?.applied_version === 1) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(health.overlays.map((o) => [o.client, o.reconnects]), [['obs', 3]]);
  assert.equal(health.panels.map((p) => p.label), ['Eve'], 'listed as a panel despite view=dashboard');
  assert.is(health.latency.length, 1);
  assert.ok(health.latency[0]!.n >= 1 && health.latency[0]!.p50 >= 12);
  const rooms = (await (await server.api('/api/rooms', { streamer: true })).json()) as { rooms: { room: string; overlays: number; panels: number; sessions: number }[] };
  assert.equal(rooms.rooms.find((r) => r.room === 'health'), { room: 'health', version: 1, overlays: 1, panels: 1, keys: 0, sessions: 1 });
  overlay.close();
  moderator.close();
});

api('bound to all interfaces, npm start prints the LAN URLs and an admin link', async () => {
  const lan = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address;
  const proc = await startServerProcess({ HOST: '0.0.0.0', STREAMER_API_TOKEN: STREAMER_TOKEN, TOKEN_SECRET, DATA_DIR: `${server.dataDir}/lan`, LOG_LEVEL: 'warn' });
  try {
    assert.match(proc.output(), /\/dashboard\?login=\S{40,}/);
    if (lan) assert.match(proc.output(), `On your network (phones, a second PC):  http://${lan}:${proc.port}`);
    assert.not.match(proc.output(), /Only this machine/);
  } finally {
    await proc.stop();
  }
});

api.run();
