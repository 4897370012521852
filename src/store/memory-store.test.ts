import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FilePersistence } from '../node/file-persistence.ts';
import { storeContract } from '../../testing/store-contract.ts';
import { MemoryStore, type MemoryStorePersistence } from './memory-store.ts';

/** uvu 0.5 has no async throws. */
async function rejects(promise: Promise<unknown>, pattern: RegExp, message: string): Promise<void> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.instance(outcome, Error, `${message}: expected a rejection`);
  assert.match((outcome as Error).message, pattern, message);
}

storeContract('MemoryStore contract', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

interface Context {
  dir: string;
  warnings: string[];
}

const persisted = suite<Context>('MemoryStore + FilePersistence', { dir: '', warnings: [] });

persisted.before.each(async (context) => {
  context.dir = await mkdtemp(join(tmpdir(), 'memory-store-'));
  context.warnings = [];
});
persisted.after.each(async (context) => {
  await rm(context.dir, { recursive: true, force: true });
});

const persistenceIn = (context: Context) =>
  new FilePersistence(context.dir, { warn: (message: string) => context.warnings.push(message) });

persisted('a committed scene survives reopening', async (context) => {
  const first = await MemoryStore.open(persistenceIn(context));
  assert.ok(await first.commitScene('main', 0, '{"items":[]}', 1), 'first commit');
  assert.ok(await first.commitScene('main', 1, '{"items":[1]}', 2), 'second commit');
  await first.close();

  const reopened = await MemoryStore.open(persistenceIn(context));
  assert.equal(await reopened.loadScene('main'), { data: '{"items":[1]}', version: 2 }, 'the last commit is loaded');
  assert.equal(await reopened.listSceneRooms(), ['main'], 'the room is listed');
  assert.is(await reopened.commitScene('main', 1, 'stale', 2), false, 'the loaded version is enforced');
  await reopened.close();
  const files = await readdir(join(context.dir, 'scenes'));
  assert.equal(files, ['main.json'], 'atomic writes leave no temp files behind');
});

persisted('kv survives reopening with its expiry; expired entries are dropped', async (context) => {
  const first = await MemoryStore.open(persistenceIn(context));
  await first.set('plain', 'p');
  await first.set('session', 's', 60);
  await first.incrWithTtl('counter', 60);
  await first.incrWithTtl('counter', 60);
  await first.close();

  // Add an entry that expired while the process was down.
  const kvPath = join(context.dir, 'kv.json');
  const onDisk = JSON.parse(await readFile(kvPath, 'utf8'));
  onDisk.stale = { value: 'old', expiresAt: Date.now() - 1000 };
  await writeFile(kvPath, JSON.stringify(onDisk));

  const reopened = await MemoryStore.open(persistenceIn(context));
  assert.is(await reopened.get('plain'), 'p', 'a value without ttl survives');
  assert.is(await reopened.get('session'), 's', 'a value with a live ttl survives');
  assert.is(await reopened.get('stale'), null, 'an expired value is dropped');
  const counter = await reopened.incrWithTtl('counter', 60);
  assert.is(counter.count, 3, 'the counter continues');
  assert.ok(counter.ttlSeconds <= 60 && counter.ttlSeconds > 50, `its window continues (ttl ${counter.ttlSeconds})`);
  await reopened.close();
});

persisted('kv changes are written without close, coalesced', async (context) => {
  const store = await MemoryStore.open(persistenceIn(context));
  await store.set('a', '1');
  await store.set('b', '2');
  // Poll rather than sleep a fixed time: fsync on a busy disk can take a while.
  const kvPath = join(context.dir, 'kv.json');
  const readKv = () => readFile(kvPath, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => null);
  const deadline = Date.now() + 3000;
  let onDisk = await readKv();
  while (!onDisk && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    onDisk = await readKv();
  }
  assert.ok(onDisk, 'kv.json was written before close');
  assert.equal(Object.keys(onDisk!).sort(), ['a', 'b'], 'both changes went out in one coalesced write');
  await store.close();
});

persisted('a failing scene write leaves the state unchanged and rejects', async (context) => {
  const files = persistenceIn(context);
  let failWrites = false;
  const flaky: MemoryStorePersistence = {
    loadAll: () => files.loadAll(),
    writeKv: (kv) => files.writeKv(kv),
    appendAudit: (room, entries) => files.appendAudit(room, entries),
    rewriteAudit: (room, entries) => files.rewriteAudit(room, entries),
    async writeScene(room, stored) {
      if (failWrites) throw new Error('disk full');
      await files.writeScene(room, stored);
    },
    // Closes the journal's segment, which would otherwise be left to the garbage collector.
    close: () => files.close(),
  };
  const store = await MemoryStore.open(flaky);
  failWrites = true;
  await rejects(store.commitScene('fresh', 0, 'x', 1), /disk full/, 'the write error propagates');
  assert.is(await store.loadScene('fresh'), null, 'a failed first commit stores nothing');
  assert.equal(await store.listSceneRooms(), [], 'and lists nothing');

  failWrites = false;
  assert.ok(await store.commitScene('main', 0, 'v1', 1), 'a commit that is written');
  failWrites = true;
  await rejects(store.commitScene('main', 1, 'v2', 2), /disk full/, 'the write error propagates');
  assert.equal(await store.loadScene('main'), { data: 'v1', version: 1 }, 'memory still holds the durable scene');
  failWrites = false;
  assert.ok(await store.commitScene('main', 1, 'v2 again', 2), 'the version did not advance, so a retry succeeds');
  await store.close();
});

persisted('corrupt files are skipped with a warning', async (context) => {
  const scenes = join(context.dir, 'scenes');
  await mkdir(scenes, { recursive: true });
  await writeFile(join(scenes, 'good.json'), JSON.stringify({ data: 'ok', version: 3 }));
  await writeFile(join(scenes, 'broken.json'), '{"data": "trunc');
  await writeFile(join(scenes, 'wrong.json'), JSON.stringify({ scene: 'no version' }));
  await writeFile(join(scenes, '.good.json.1234.tmp'), 'left by a crash');
  await writeFile(join(context.dir, 'kv.json'), 'not json');

  const store = await MemoryStore.open(persistenceIn(context));
  assert.equal(await store.listSceneRooms(), ['good'], 'only the valid scene is loaded');
  assert.equal(await store.loadScene('good'), { data: 'ok', version: 3 }, 'with its data');
  assert.is(context.warnings.length, 3, `one warning per bad file: ${context.warnings.join(' | ')}`);
  assert.ok(context.warnings.some((w) => w.includes('broken.json')), 'the corrupt scene is named');
  assert.ok(context.warnings.some((w) => w.includes('kv.json')), 'the corrupt kv file is named');
  await store.close();
});

persisted('the audit log survives reopening, in order; a torn last line is skipped', async (context) => {
  const first = await MemoryStore.open(persistenceIn(context));
  for (let i = 1; i <= 5; i++) await first.appendAudit('main', { ts: i, who: 'alice', action: 'scene.patch', version: i }, 3);
  await first.appendAudit('other', { ts: 9, who: 'streamer', action: 'key.issued' }, 10);
  await first.close();
  await writeFile(join(context.dir, 'audit', 'main.jsonl'), '{"ts": 6, "who": "torn', { flag: 'a' });

  const reopened = await MemoryStore.open(persistenceIn(context));
  assert.equal((await reopened.listAudit('main', 10)).map((e) => e.ts), [1, 2, 3, 4, 5], 'every appended entry, oldest first');
  await reopened.appendAudit('main', { ts: 7, who: 'bob', action: 'scene.add' }, 3);
  assert.equal((await reopened.listAudit('main', 10)).map((e) => e.ts), [4, 5, 7], 'the cap applies on the next append');
  assert.equal((await reopened.listAudit('other', 10)).map((e) => e.action), ['key.issued']);
  await reopened.close();
  const third = await MemoryStore.open(persistenceIn(context));
  assert.equal((await third.listAudit('main', 10)).map((e) => e.ts), [1, 2, 3, 4, 5, 7], 'an append after a torn line is not glued to it');
  await third.close();
  await rejects(persistenceIn(context).appendAudit('../x', []), /refusing/, 'a room name cannot leave the directory');
});

persisted('room names that could escape the directory are refused', async (context) => {
  const files = persistenceIn(context);
  for (const room of ['../escape', 'a/b', '', 'x'.repeat(65), 'dot.dot']) {
    await rejects(files.writeScene(room, { data: 'x', version: 1 }), /refusing/, `room ${JSON.stringify(room)} refused`);
  }
  await rejects(readdir(join(context.dir, 'scenes')), /ENOENT/, 'nothing was written');
});

persisted.run();

const slowKv = suite('MemoryStore KV snapshots behind a slow write');

slowKv('changes during a snapshot write wait for it and go out in one later snapshot; close writes them', async () => {
  const snapshots: Record<string, string>[] = [];
  let release: (() => void) | undefined;
  const persistence: MemoryStorePersistence = {
    loadAll: async () => ({ scenes: {}, kv: {} }),
    writeScene: async () => {},
    appendAudit: async () => {},
    rewriteAudit: async () => {},
    async writeKv(kv) {
      snapshots.push(Object.fromEntries(Object.entries(kv).map(([key, r]) => [key, r.value])));
      // The first write is held until the test lets it go: a write slower than the delay.
      if (snapshots.length === 1) await new Promise<void>((resolve) => (release = resolve));
    },
  };
  const store = await MemoryStore.open(persistence);
  await store.set('a', '1');
  while (!release) await new Promise((resolve) => setTimeout(resolve, 20));
  // Several write delays' worth of changes while the first snapshot is being written.
  for (let i = 0; i < 6; i++) {
    await store.set('b', String(i));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.is(snapshots.length, 1, 'no second snapshot while the first is written');
  release();
  await store.close();
  assert.is(snapshots.length, 2, `one more snapshot for all of them, not one per delay: ${JSON.stringify(snapshots)}`);
  assert.equal(snapshots[1], { a: '1', b: '5' }, 'holding the last change');
});

slowKv.run();
