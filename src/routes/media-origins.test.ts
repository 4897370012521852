/**
 * A moderator must not make the streamer's OBS contact another host: outside media only from
 * MEDIA_ORIGINS, no backslash or control-character tricks in `src`, colours that are colours.
 * Each attack is sent the three ways a scene changes (a moderator's socket op, the HTTP ops
 * route, the streamer's PUT) to a real server, and each refusal names the field and the reason.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, type TestSocket } from '../../testing/ws-client.ts';

interface Ctx {
  server: TestServer;
  moderator: TestSocket;
  session: string;
}

const test = suite<Ctx>('media origins');
const CDN = 'https://cdn.example.com';
const ROOM = 'show';

/** Each attack: the item fields, the field a refusal must name, and words of the reason. */
const ATTACKS: { name: string; item: Record<string, unknown>; field: string; reason: RegExp }[] = [
  { name: 'an outside host', item: { kind: 'image', src: 'https://evil.example/x.png' }, field: 'src', reason: /evil\.example is not an allowed media origin/ },
  { name: 'a backslash path', item: { kind: 'image', src: '/\\evil.example/x' }, field: 'src', reason: /backslash/ },
  { name: 'a tab in a path', item: { kind: 'image', src: '/\t/evil.example/x' }, field: 'src', reason: /control characters/ },
  { name: 'a url() background', item: { kind: 'text', text: 'hi', bg: 'url(https://evil.example/x.png)' }, field: 'bg', reason: /CSS colour/ },
  { name: 'a colour that ends the declaration', item: { kind: 'text', text: 'hi', color: 'red;background:url(x)' }, field: 'color', reason: /CSS colour/ },
];

test.before(async (context) => {
  context.server = await startTestServer({ env: { MEDIA_ORIGINS: `${CDN}, https://media.example.org:8443` } });
  context.session = (await context.server.moderatorSession(ROOM, 'mod')).session;
  context.moderator = await openSocket(context.server.wsUrl(`/ws/moderator?room=${ROOM}`), { authorization: `Bearer ${context.session}` });
  await context.moderator.next('scene.full');
});

test.after(async ({ server, moderator }) => {
  moderator.close();
  await server.stop();
});

const fieldNamed = (message: string, field: string) => new RegExp(`(^|\\.)${field}: `).test(message);

async function storedItems(server: TestServer): Promise<Record<string, unknown>[]> {
  const res = await server.api(`/api/rooms/${ROOM}/scene`, { streamer: true });
  return ((await res.json()) as { items: Record<string, unknown>[] }).items;
}

for (const attack of ATTACKS) {
  test(`${attack.name}: refused from a moderator socket, the ops route and a streamer PUT, naming ${attack.field}`, async ({ server, moderator, session }) => {
    const reqId = `attack-${attack.field}-${Math.random()}`;
    moderator.send({ type: 'add', req_id: reqId, item: { id: 'evil', ...attack.item } });
    const error = await moderator.next('error', (m) => m.req_id === reqId);
    assert.is(error.code, 'bad_message');
    assert.ok(fieldNamed(error.message, attack.field), `socket error names ${attack.field}: ${error.message}`);
    assert.match(error.message, attack.reason);

    const op = await server.api(`/api/rooms/${ROOM}/ops`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session}` },
      json: { type: 'add', item: { id: 'evil', ...attack.item } },
    });
    const opBody = (await op.json()) as { error: { message: string } };
    assert.is(op.status, 400, JSON.stringify(opBody));
    assert.ok(fieldNamed(opBody.error.message, attack.field), `ops route names ${attack.field}: ${opBody.error.message}`);
    assert.match(opBody.error.message, attack.reason);
    assert.not.match(opBody.error.message, 'Expected Object');

    const put = await server.api(`/api/rooms/${ROOM}/scene`, { method: 'PUT', streamer: true, json: { items: [{ id: 'evil', ...attack.item }] } });
    const putBody = (await put.json()) as { error: { message: string } };
    assert.is(put.status, 400, JSON.stringify(putBody));
    assert.match(putBody.error.message, `items.0.${attack.field}: `);
    assert.match(putBody.error.message, attack.reason);

    assert.not.ok((await storedItems(server)).some((item) => item.id === 'evil'), 'nothing was stored');
  });
}

test('a batch on the ops route names the op and the field too', async ({ server, session }) => {
  const res = await server.api(`/api/rooms/${ROOM}/ops`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session}` },
    json: { ops: [{ type: 'remove', id: 'nothing-here' }, { type: 'add', item: { kind: 'image', src: '/\\evil.example/x' } }] },
  });
  const body = (await res.json()) as { error: { message: string; issues: Record<string, string[]> } };
  assert.is(res.status, 400);
  assert.is(body.error.message, 'ops.1.item.src: src must not contain a backslash');
  assert.equal(body.error.issues, { 'ops.1.item.src': ['src must not contain a backslash'] });
});

test('a patch cannot smuggle an outside src in through `changes.src` or the legacy alias `content`', async ({ server, moderator }) => {
  moderator.send({ type: 'add', req_id: 'logo', item: { id: 'logo', kind: 'image', src: '/uploads/logo.png' } });
  await moderator.next('ack', (m) => m.req_id === 'logo');
  for (const changes of [{ src: 'https://evil.example/x.png' }, { content: 'https://evil.example/x.png' }]) {
    const reqId = `patch-${Object.keys(changes)[0]}`;
    moderator.send({ type: 'patch', req_id: reqId, id: 'logo', changes });
    const error = await moderator.next('error', (m) => m.req_id === reqId);
    assert.is(error.code, 'bad_message');
    assert.match(error.message, /^src: https:\/\/evil\.example is not an allowed media origin/);
  }
  const logo = (await storedItems(server)).find((item) => item.id === 'logo');
  assert.is(logo?.src, '/uploads/logo.png');
});

test('an origin listed in MEDIA_ORIGINS is accepted and is what the CSP allows', async ({ server, moderator }) => {
  moderator.send({ type: 'add', req_id: 'cdn', item: { id: 'cdn', kind: 'video', src: `${CDN}/clips/intro.webm` } });
  await moderator.next('ack', (m) => m.req_id === 'cdn');
  const put = await server.api(`/api/rooms/${ROOM}/scene`, {
    method: 'PUT',
    streamer: true,
    json: { items: [{ id: 'cdn', kind: 'image', src: 'https://media.example.org:8443/a.png', bg: 'rgba(0, 0, 0, 0.5)', color: '#ff0' }] },
  });
  assert.is(put.status, 200, await put.text());

  // The overlay page is what loads the media (JSON answers carry a CSP that allows nothing).
  const csp = (await fetch(`${server.url}/overlay`)).headers.get('content-security-policy') ?? '';
  const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));
  for (const name of ['img-src', 'media-src']) {
    assert.is(directive(name), `${name} 'self' data: blob: ${CDN} https://media.example.org:8443`, csp);
  }
});

test.run();
