import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';
import { DEFAULT_MODERATOR_SCOPES } from '../protocol/scopes.ts';

let server: TestServer;
const self = suite('moderator self-session routes');

self.before(async () => {
  server = await startTestServer();
});
self.after(async () => {
  await server?.stop();
});

const bearer = (session: string) => ({ authorization: `Bearer ${session}` });

self('GET /api/moderator-session tells a moderator, a streamer, and nobody who they are', async () => {
  const { session, session_id } = await server.moderatorSession('main', 'mia');
  const me = (await (await server.api('/api/moderator-session', { headers: bearer(session) })).json()) as Record<string, unknown>;
  assert.equal({ ...me, expires_at: typeof me.expires_at }, { ok: true, role: 'moderator', label: 'mia', room: 'main', session_id, scopes: [...DEFAULT_MODERATOR_SCOPES], expires_at: 'string' });
  assert.ok(Date.parse(me.expires_at as string) > Date.now());

  const streamer = (await (await server.api('/api/moderator-session', { streamer: true })).json()) as Record<string, unknown>;
  assert.equal(streamer, { ok: true, role: 'streamer', label: 'streamer', room: null });
  assert.is((await server.api('/api/moderator-session')).status, 401);
});

self('logout ends only the caller’s session, closes its sockets with 4001 and clears the cookie', async () => {
  const mine = await server.moderatorSession('main', 'leaver');
  const other = await server.moderatorSession('main', 'stayer');
  const socket = await openSocket(server.wsUrl('/ws/moderator?room=main'), bearer(mine.session));
  const res = await server.api('/api/moderator-session/logout', { method: 'POST', headers: bearer(mine.session) });
  assert.is(res.status, 200);
  assert.match(res.headers.get('set-cookie') ?? '', /so_session=;.*Max-Age=0/i);
  assert.is((await socket.closed).code, 4001);
  assert.is((await server.api('/api/moderator-session', { headers: bearer(mine.session) })).status, 401);
  assert.is((await server.api('/api/moderator-session', { headers: bearer(other.session) })).status, 200, 'the other session lives on');
});

self.run();
