/**
 * "Undo Bob's last change to this item" on the real server, both stores: the history lists the
 * versions that changed one item and who made them; undoing one puts only that item back as it
 * was just before (restored, re-added or removed) as one new version seen by overlays, audited,
 * and the scopes (history.revert, the items filter) hold.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { waitFor } from '../../testing/browser.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket } from '../../testing/ws-client.ts';

type Json = Record<string, any>;
const text = (id: string, extra: Json = {}) => ({ id, kind: 'text', text: id, ...extra });

for (const storeKind of ['redis', 'embedded'] as const) {
  const test = suite(`item undo (${storeKind})`);
  let server: TestServer;
  let room = '';
  let n = 0;

  test.before(async () => {
    const env: Record<string, string> = storeKind === 'redis' ? { REDIS_URL: await sharedRedisUrl(), REDIS_KEY_PREFIX: `test:${crypto.randomUUID().slice(0, 8)}:` } : {};
    server = await startTestServer({ env });
  });
  test.before.each(() => {
    room = `undo${++n}`;
  });
  test.after(async () => {
    await server?.stop();
  });

  const call = async (path: string, init: { method?: string; json?: unknown; as?: string } = {}) => {
    const headers: Record<string, string> = init.as ? { authorization: `Bearer ${init.as}` } : {};
    const res = await server.api(path, { method: init.method ?? (init.json === undefined ? 'GET' : 'POST'), headers, streamer: !init.as, ...(init.json !== undefined ? { json: init.json } : {}) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const op = async (as: string, body: Json) => (await call(`/api/rooms/${room}/ops`, { as, json: body })).body.version as number;
  const scene = async () => (await call(`/api/rooms/${room}/scene`)).body.items as Json[];
  /** History is written after the ack; wait until it holds `version`. */
  const historyHas = (version: number) => waitFor(`history to reach ${version}`, async () => (await call(`/api/rooms/${room}/history?limit=1`)).body.entries[0]?.version >= version);

  test('Alice and Bob edit; undoing Bob’s change to logo restores only logo, as one version, audited', async () => {
    await call(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('logo', { name: 'Logo' }), text('title', { name: 'Title' })] } });
    const alice = (await server.moderatorSession(room, 'Alice')).session;
    const bob = (await server.moderatorSession(room, 'Bob')).session;
    const bobs = await op(bob, { type: 'patch', id: 'logo', changes: { x: 300, text: 'Bob was here' } });
    await op(alice, { type: 'patch', id: 'title', changes: { text: 'Hello' } });
    const last = await op(alice, { type: 'patch', id: 'logo', changes: { y: 50 } });
    await historyHas(last);

    const changes = (await call(`/api/rooms/${room}/history?item=logo&limit=2`)).body.entries as Json[];
    assert.equal(changes.map((e) => [e.version, e.who]), [[last, 'Alice'], [bobs, 'Bob']], 'only the versions that changed logo, newest first, with who');
    const bobsLast = (await call(`/api/rooms/${room}/history?item=logo&limit=50`)).body.entries.find((e: Json) => e.who === 'Bob');
    assert.is(bobsLast.version, bobs);
    assert.ok((await call(`/api/rooms/${room}/history?item=title&limit=50`)).body.entries.every((e: Json) => e.version !== bobs), 'Bob’s version did not change title');

    const watcher = await openSocket(server.wsUrl(`/ws/overlay?room=${room}&token=${await server.viewToken(room)}`));
    await watcher.next('scene.full');
    const undone = await call(`/api/rooms/${room}/items/logo/undo`, { as: alice, json: { version: bobs } });
    assert.equal([undone.status, undone.body.version, undone.body.restored], [200, last + 1, 'restored']);
    const patch = await watcher.next('scene.patch', (m) => m.version === last + 1);
    assert.equal(patch.ops.map((o: Json) => o.item?.id ?? o.id), ['logo'], 'one version touching only logo');
    const items = await scene();
    const logo = items.find((i) => i.id === 'logo')!;
    assert.equal([logo.x, logo.y, logo.text], [0, 0, 'logo'], 'logo as it was just before Bob’s change (even though Alice moved it since)');
    assert.is(items.find((i) => i.id === 'title')!.text, 'Hello', 'Alice’s change to title stays');
    const audit = (await call(`/api/rooms/${room}/audit?limit=20`)).body.entries as Json[];
    assert.ok(audit.some((e) => e.action === 'item.undo' && e.item === 'logo' && e.undone_version === bobs && e.undone_who === 'Bob' && e.version === last + 1 && e.who === 'Alice'), 'audited');
    await historyHas(last + 1);
    assert.match((await call(`/api/rooms/${room}/history?limit=1`)).body.entries[0].summary, 'Alice');

    const again = await call(`/api/rooms/${room}/items/logo/undo`, { as: alice, json: { version: bobs } });
    assert.equal([again.status, again.body.error.code], [409, 'nothing_to_undo']);
    const wrong = await call(`/api/rooms/${room}/items/title/undo`, { as: alice, json: { version: bobs } });
    assert.equal([wrong.status, wrong.body.error.code], [409, 'not_changed']);
    assert.is((await call(`/api/rooms/${room}/items/logo/undo`, { as: alice, json: { version: 99999 } })).status, 404);
    assert.is((await call(`/api/rooms/${room}/items/logo/undo`, { as: alice, json: { version: 'x' } })).status, 400);
    assert.is((await call(`/api/rooms/${room}/items/${encodeURIComponent('no good')}/undo`, { as: alice, json: { version: bobs } })).status, 400);
    assert.is((await call(`/api/rooms/${room}/history?item=${encodeURIComponent('no good')}`)).status, 400);
    watcher.close();
  });

  test('undoing an add removes the item; undoing a remove (or a whole-scene replace) brings it back', async () => {
    await call(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('a'), text('b')] } });
    const added = await op((await server.moderatorSession(room, 'Bob')).session, { type: 'add', item: text('c') });
    const removed = await op((await server.moderatorSession(room, 'Bob')).session, { type: 'remove', id: 'a' });
    const replaced = (await call(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('b', { x: 7 }), text('c')] } })).body.version as number;
    // A second replace right after: whether it changed c is read from the first one's ops.
    const again = (await call(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('b', { x: 8 }), text('c')] } })).body.version as number;
    await historyHas(again);
    const cChanges = (await call(`/api/rooms/${room}/history?item=c&limit=50`)).body.entries.map((e: Json) => e.version);
    assert.equal(cChanges, [added], 'c changed only when it was added');
    assert.equal((await call(`/api/rooms/${room}/history?item=b&limit=1`)).body.entries[0].version, again);
    const bChanges = (await call(`/api/rooms/${room}/history?item=b&limit=50`)).body.entries.map((e: Json) => e.version);
    assert.ok(bChanges.includes(replaced) && !bChanges.includes(added) && !bChanges.includes(removed), 'a replace counts only for items it changed');
    assert.ok(!(await call(`/api/rooms/${room}/history?item=c&limit=50`)).body.entries.some((e: Json) => e.version === replaced), 'c came through the replace unchanged');

    assert.is((await call(`/api/rooms/${room}/items/c/undo`, { json: { version: added } })).body.restored, 'removed');
    assert.is((await call(`/api/rooms/${room}/items/a/undo`, { json: { version: removed } })).body.restored, 'added');
    assert.is((await call(`/api/rooms/${room}/items/b/undo`, { json: { version: replaced } })).body.restored, 'restored');
    assert.equal((await scene()).map((i) => [i.id, i.x]).sort(), [['a', 0], ['b', 0]]);
  });

  test('scopes: history.revert is needed, and an items filter applies to the item', async () => {
    await call(`/api/rooms/${room}/scene`, { method: 'PUT', json: { items: [text('logo'), text('score-home')] } });
    const logoV = await op((await server.moderatorSession(room, 'Bob')).session, { type: 'patch', id: 'logo', changes: { x: 5 } });
    const scoreV = await op((await server.moderatorSession(room, 'Bob')).session, { type: 'patch', id: 'score-home', changes: { x: 5 } });
    await historyHas(scoreV);
    const voice = (await server.moderatorSession(room, 'voice', { scopes: ['tts'] })).session;
    const refused = await call(`/api/rooms/${room}/items/logo/undo`, { as: voice, json: { version: logoV } });
    assert.equal([refused.status, refused.body.error.code, refused.body.error.scope], [403, 'forbidden', 'history.revert']);
    const scorer = (await server.moderatorSession(room, 'scorer', { scopes: ['scene.edit', 'history.revert'], items: ['score-*'] })).session;
    const outside = await call(`/api/rooms/${room}/items/logo/undo`, { as: scorer, json: { version: logoV } });
    assert.equal([outside.status, outside.body.error.scope], [403, 'items']);
    assert.is((await call(`/api/rooms/${room}/items/score-home/undo`, { as: scorer, json: { version: scoreV } })).status, 200);
    assert.equal((await scene()).map((i) => [i.id, i.x]), [['logo', 5], ['score-home', 0]]);
  });

  test.run();
}
