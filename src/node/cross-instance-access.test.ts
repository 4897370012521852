/**
 * Three real server processes on one real Redis (testing/instances.ts): each names itself in
 * /api/health and metrics, a moderator key consumed on one is refused on the others, wrong
 * streamer tokens spread over two lock out both, and the media library is one library.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type Cluster, type Instance } from '../../testing/instances.ts';
import { mp4Bytes } from '../../testing/media-samples.ts';
import { BUCKETS } from '../access/rate-limit.ts';

const test = suite<{ cluster: Cluster }>('several instances on one Redis: access and uploads');

test.before(async (context) => {
  // Behind a "proxy" (this host), so each request below can come from its own client address.
  context.cluster = await startCluster(3, { env: { TRUSTED_PROXIES: '127.0.0.1', MAX_UPLOAD_MB: '2', UPLOAD_QUOTA_MB: '1' } });
});
test.after(async ({ cluster }) => {
  await cluster?.stop();
});

test('each instance names itself in /api/health and /api/metrics/realtime', async ({ cluster }) => {
  for (const instance of cluster.instances) {
    const health = (await (await instance.api('/api/health')).json()) as { ok: boolean; instance_id: string; store: string };
    assert.equal({ ok: health.ok, instance_id: health.instance_id, store: health.store }, { ok: true, instance_id: instance.id, store: 'redis' });
    const metrics = (await (await instance.api('/api/metrics/realtime', { streamer: true })).json()) as { instance_id: string };
    assert.is(metrics.instance_id, instance.id);
  }
});

test('a moderator key issued on A and consumed on B is refused on C and on B again', async ({ cluster }) => {
  const [a, b, c] = cluster.instances as [Instance, Instance, Instance];
  const issued = (await (await a.api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room: 'main', label: 'once' } })).json()) as { key: string };
  const consumed = await b.api('/api/moderator-keys/consume', { method: 'POST', json: { key: issued.key } });
  assert.is(consumed.status, 200, await consumed.clone().text());
  const { session } = (await consumed.json()) as { session: string };
  for (const other of [c, b]) {
    const again = await other.api('/api/moderator-keys/consume', { method: 'POST', json: { key: issued.key } });
    assert.is(again.status, 400, `consumed again on ${other.id}`);
    assert.is(((await again.json()) as { error: { code: string } }).error.code, 'invalid_or_expired_key');
  }
  // The session it made is good on every instance.
  for (const instance of cluster.instances) {
    const me = await instance.api('/api/moderator-session', { headers: { authorization: `Bearer ${session}` } });
    assert.is(me.status, 200, `session on ${instance.id}`);
  }
});

test('wrong streamer tokens spread over A and B lock that client out of both (and C)', async ({ cluster }) => {
  const [a, b] = cluster.instances as [Instance, Instance];
  const client = { 'x-forwarded-for': '203.0.113.77' };
  const limit = BUCKETS.streamerAuthFailure.limit;
  const statuses: number[] = [];
  for (let i = 0; i < limit; i++) {
    const via = i % 2 === 0 ? a : b;
    statuses.push((await via.api('/api/moderator-keys', { headers: { ...client, 'x-streamer-token': 'w'.repeat(32) } })).status);
  }
  // A window may turn over mid-loop; that only adds 401s, and a fresh window still locks below.
  assert.not.ok(statuses.some((s) => s !== 401 && s !== 429), `statuses: ${statuses}`);
  for (let i = 0; i < limit && statuses.at(-1) !== 429; i++) {
    statuses.push((await a.api('/api/moderator-keys', { headers: { ...client, 'x-streamer-token': 'w'.repeat(32) } })).status);
  }
  assert.ok(statuses.filter((s) => s === 401).length <= 2 * limit, `statuses: ${statuses}`);
  for (const instance of cluster.instances) {
    const right = await instance.api('/api/moderator-keys', { streamer: true, headers: client });
    assert.is(right.status, 429, `even the right token waits on ${instance.id}`);
  }
  // Another client is not affected.
  assert.is((await b.api('/api/moderator-keys', { streamer: true, headers: { 'x-forwarded-for': '203.0.113.78' } })).status, 200);
});

let uploadClients = 0;
async function upload(instance: Instance, bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'video/mp4' }), name);
  const res = await instance.api('/api/uploads', { method: 'POST', body: form, streamer: true, headers: { 'x-forwarded-for': `198.51.100.${++uploadClients}` } });
  return { status: res.status, body: (await res.json()) as { id: string; path: string; error?: { code: string } } };
}

test('upload on A: listed and served with a Range on B, protected while C\'s scene uses it, deleted on C; the quota counts every instance', async ({ cluster }) => {
  const [a, b, c] = cluster.instances as [Instance, Instance, Instance];
  const bytes = mp4Bytes(600 * 1024);
  const uploaded = await upload(a, bytes, 'clip.mp4');
  assert.is(uploaded.status, 200, JSON.stringify(uploaded.body));
  const { id, path } = uploaded.body;

  const listed = (await (await b.api('/api/uploads', { streamer: true })).json()) as { files: { id: string; name: string }[] };
  assert.equal(listed.files.map((f) => [f.id, f.name]), [[id, 'clip.mp4']], 'B lists what A received, with its metadata');

  const ranged = await b.api(path, { headers: { range: 'bytes=100-1099' } });
  assert.is(ranged.status, 206);
  assert.is(ranged.headers.get('content-range'), `bytes 100-1099/${bytes.length}`);
  assert.equal(new Uint8Array(await ranged.arrayBuffer()), bytes.subarray(100, 1100));

  // The quota (1 MB) sees A's file from B: a second 600 KB upload through B does not fit.
  const second = await upload(b, mp4Bytes(600 * 1024 + 1), 'second.mp4');
  assert.is(second.status, 507, JSON.stringify(second.body));
  assert.is(second.body.error?.code, 'upload_quota_exceeded');

  // A scene written through C protects the file on A and B.
  const put = await c.api('/api/rooms/stage/scene', { method: 'PUT', streamer: true, json: { items: [{ id: 'clip', kind: 'video', src: path }] } });
  assert.is(put.status, 200, await put.text());
  const refused = await a.api(`/api/uploads/${id}`, { method: 'DELETE', streamer: true });
  assert.is(refused.status, 409);
  assert.equal(((await refused.json()) as { error: { rooms: string[] } }).error.rooms, ['stage']);

  const cleared = await b.api('/api/rooms/stage/scene', { method: 'PUT', streamer: true, json: { items: [] } });
  assert.is(cleared.status, 200, await cleared.text());
  const removed = await c.api(`/api/uploads/${id}`, { method: 'DELETE', streamer: true });
  assert.is(removed.status, 200, await removed.text());
  assert.not.ok(existsSync(join(cluster.uploadDir, id)));
  assert.is((await a.api(path)).status, 404, 'gone for A too');

  // And the room it freed is usable from any instance.
  const third = await upload(b, mp4Bytes(600 * 1024 + 2), 'third.mp4');
  assert.is(third.status, 200, JSON.stringify(third.body));
});

test.run();
