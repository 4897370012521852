/**
 * An explicit credential (header, ?token=, ?session=) beats the ambient so_session cookie, on
 * the real server: OBS shares one cookie store between overlays and docks, so an overlay URL
 * with a good view token must work whatever panel cookie the browser also sends. A cookie
 * that no longer names a live session is cleared; a live one is left alone.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { launchChromium } from '../../testing/browser.ts';

const cleared = (setCookie: string | null | undefined) => /so_session=;/.test(setCookie ?? '') && /Max-Age=0/i.test(setCookie ?? '');

for (const storeKind of ['embedded', 'redis'] as const) {
  const test = suite(`access – explicit credential beats the cookie (${storeKind})`);
  let server: TestServer;
  let revokedCookie: string;
  test.before(async () => {
    const env: Record<string, string> = storeKind === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` } : {};
    server = await startTestServer({ env });
    const revoked = await server.moderatorSession('main', 'gone');
    assert.is((await server.api(`/api/moderator-sessions/${revoked.session_id}`, { method: 'DELETE', streamer: true })).status, 200);
    revokedCookie = `so_session=${revoked.session}`;
  });
  test.after(() => server?.stop());

  test('overlay socket and GET with a valid ?token= plus a revoked cookie: work, and the cookie is cleared', async () => {
    const token = await server.viewToken('main');
    const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`), { cookie: revokedCookie });
    await overlay.next('scene.full');
    overlay.close();
    const res = await server.api(`/api/scene?room=main&token=${token}`, { headers: { cookie: revokedCookie } });
    assert.is(res.status, 200);
    assert.ok(cleared(res.headers.get('set-cookie')), `set-cookie: ${res.headers.get('set-cookie')}`);
    const upgrade = await upgradeHeaders(server.wsUrl(`/ws/overlay?room=main&token=${token}`), { cookie: revokedCookie });
    assert.ok(cleared(String(upgrade['set-cookie'] ?? '')), 'the 101 answer clears it too');
  });

  test("a live session cookie of another room: the token's room is served, the cookie kept", async () => {
    await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'in-main', kind: 'text', text: 'main' }] } });
    const other = await server.moderatorSession('other', 'panel');
    const cookie = `so_session=${other.session}`;
    const token = await server.viewToken('main');
    const overlay = await openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`), { cookie });
    const full = await overlay.next('scene.full');
    assert.ok(JSON.stringify(full).includes('in-main'), 'the scene of room main');
    overlay.close();
    const res = await server.api(`/api/scene?room=main&token=${token}`, { headers: { cookie } });
    assert.is(res.status, 200);
    assert.equal(((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id), ['in-main']);
    assert.is(res.headers.get('set-cookie'), null, 'a live cookie is not touched');
    assert.is((await server.api('/api/scene?room=other', { headers: { cookie } })).status, 200, 'and still works for its panel');
  });

  test('?session= and Authorization win over a cookie of another room or a revoked one', async () => {
    const mine = await server.moderatorSession('mine', 'explicit');
    const other = await server.moderatorSession('other', 'ambient');
    for (const cookie of [revokedCookie, `so_session=${other.session}`]) {
      const panel = await openSocket(server.wsUrl(`/ws/moderator?room=mine&session=${mine.session}`), { cookie });
      await panel.next('scene.full');
      panel.close();
      const put = await server.api('/api/rooms/mine/scene', { method: 'PUT', json: { items: [] }, headers: { cookie, authorization: `Bearer ${mine.session}` } });
      assert.is(put.status, 200, `PUT with bearer and ${cookie === revokedCookie ? 'a revoked' : "another room's"} cookie`);
    }
  });

  test('the explicit credential decides even when it is the bad one; a revoked cookie alone is refused and cleared', async () => {
    const live = await server.moderatorSession('main', 'live');
    const badToken = await server.api('/api/scene?room=main&token=not-a-token', { headers: { cookie: `so_session=${live.session}` } });
    assert.is(badToken.status, 401);
    assert.is(((await badToken.json()) as { error: { code: string } }).error.code, 'invalid_view_token');
    const alone = await server.api('/api/scene?room=main', { headers: { cookie: revokedCookie } });
    assert.is(alone.status, 401);
    assert.is(((await alone.json()) as { error: { code: string } }).error.code, 'invalid_session');
    assert.ok(cleared(alone.headers.get('set-cookie')));
    const streamer = await server.api('/api/scene?room=main', { streamer: true, headers: { cookie: revokedCookie } });
    assert.is(streamer.status, 200, 'the streamer token is explicit too');
  });

  test.run();
}

const browserCase = suite('access – OBS-like browser with a panel cookie opens the overlay');

browserCase('Chromium holding a revoked cookie, then a live cookie of another room, shows the overlay of its token', async () => {
  const server = await startTestServer();
  const browser = await launchChromium();
  try {
    await server.api('/api/rooms/main/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'a', kind: 'text', text: 'a' }, { id: 'b', kind: 'text', text: 'b' }] } });
    const revoked = await server.moderatorSession('main', 'gone');
    await server.api(`/api/moderator-sessions/${revoked.session_id}`, { method: 'DELETE', streamer: true });
    const other = await server.moderatorSession('other', 'panel');
    const overlayUrl = `${server.url}/overlay?room=main&token=${await server.viewToken('main')}`;
    for (const [cookie, kept] of [[revoked.session, false], [other.session, true]] as const) {
      const context = await browser.newContext();
      await context.addCookies([{ name: 'so_session', value: cookie, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      await page.goto(overlayUrl);
      await page.waitForFunction(() => {
        const overlay = (window as unknown as { __overlay?: { connected: boolean; items: number } }).__overlay;
        return overlay?.connected === true && overlay.items === 2;
      }, undefined, { timeout: 10_000 });
      const left = (await context.cookies(server.url)).filter((c) => c.name === 'so_session');
      assert.is(left.length, kept ? 1 : 0, kept ? 'a live cookie stays for the panel' : 'the dead cookie was cleared');
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
});

browserCase.run();

/** The headers of a successful upgrade's 101 answer. */
function upgradeHeaders(url: string, headers: Record<string, string>): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('upgrade', (res) => {
      resolve(res.headers);
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
