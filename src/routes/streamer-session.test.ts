/**
 * Streamer sessions are audited like moderator ones: signing in (token or admin link), out,
 * and out everywhere each leave an entry in the default room's audit, with the address and
 * never the cookie's secret. Real server, real HTTP.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../../testing/test-server.ts';

let server: TestServer;
const cookieOf = (res: Response) => /so_streamer=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
type Entry = { action: string; who: string; via?: string; address?: string; session_id?: string; ended?: number };

const test = suite('streamer session audit');
test.before(async () => {
  server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
});
test.after(() => server?.stop());

test('sign in with the token and with an admin link, sign out, sign out everywhere: all in the audit', async () => {
  const me = { 'x-forwarded-for': '198.51.100.23' };
  const byToken = await server.api('/api/streamer-session', { method: 'POST', headers: { ...me, 'x-streamer-token': STREAMER_TOKEN } });
  const tokenSession = ((await byToken.json()) as { session_id: string }).session_id;
  const byLink = await server.api('/api/streamer-session', { method: 'POST', headers: me, json: { login: await server.services.adminLinks.issue() } });
  const linkCookie = cookieOf(byLink)!;
  const linkSession = ((await byLink.json()) as { session_id: string }).session_id;
  assert.is((await server.api('/api/streamer-session', { method: 'DELETE', headers: { ...me, cookie: `so_streamer=${linkCookie}` } })).status, 200);
  assert.is((await server.api('/api/streamer-session?all=true', { method: 'DELETE', headers: { ...me, cookie: `so_streamer=${cookieOf(byToken)}` } })).status, 200);

  const res = await server.api('/api/rooms/main/audit?action=streamer', { streamer: true });
  const entries = ((await res.json()) as { entries: Entry[] }).entries;
  assert.equal(
    entries.map((e) => [e.action, e.via ?? null, e.session_id ?? null]),
    [
      ['streamer.signed_in', 'token', tokenSession],
      ['streamer.signed_in', 'admin-link', linkSession],
      ['streamer.signed_out', null, linkSession],
      ['streamer.signed_out_everywhere', null, null],
    ],
    'in the order they happened (the API pages oldest first within a page; the dashboard shows newest first)',
  );
  assert.is(entries[3]!.ended, 1, 'only the token session was left to end');
  assert.ok(entries.every((e) => e.who === 'streamer'));
  assert.equal(entries.filter((e) => e.action === 'streamer.signed_in').map((e) => e.address), ['198.51.100.23', '198.51.100.23']);
  assert.not.match(JSON.stringify(entries), linkCookie, 'no secret in the audit');
});

test.run();
