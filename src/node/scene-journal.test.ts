/**
 * The scene journal on a real file system: commits of many rooms in one tick share one
 * fdatasync, sealed segments are compacted into snapshots, and recovery replays what is
 * left (a torn last record is ignored, journal order beats an equal version).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SceneJournal } from './scene-journal.ts';
import { FilePersistence, readDurableScenes } from './file-persistence.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { StoredScene } from '../store/store.ts';

interface Context {
  dir: string;
  warnings: string[];
}
const test = suite<Context>('scene journal', { dir: '', warnings: [] });
test.before.each(async (context) => {
  context.dir = await mkdtemp(join(tmpdir(), 'so-journal-'));
  context.warnings = [];
});
test.after.each(async (context) => {
  await rm(context.dir, { recursive: true, force: true });
});

const journalIn = (context: Context, segmentBytes?: number) =>
  new SceneJournal(join(context.dir, 'journal'), join(context.dir, 'scenes'), { warn: (m: string) => context.warnings.push(m) }, segmentBytes);

const record = (room: string, version: number, data: string) => JSON.stringify({ room, version, data }) + '\n';

test('commits of 50 rooms in one tick are made durable by one write and one fdatasync', async (context) => {
  const journal = journalIn(context);
  await journal.recover({});
  const rooms = Array.from({ length: 50 }, (_, i) => `room-${i}`);
  await Promise.all(rooms.map((room) => journal.append(room, { data: `{"n":"${room}"}`, version: 1 })));
  assert.equal(journal.totals, { groups: 1, records: 50 });
  const durable = await readDurableScenes(context.dir, { warn() {} });
  assert.equal(Object.keys(durable).sort(), [...rooms].sort(), 'every room is in the journal before any snapshot');
  assert.equal(await readdir(join(context.dir, 'scenes')).catch(() => []), [], 'no snapshot written on the commit path');
  await journal.close();
});

test('a caller that appends as soon as its previous group is acknowledged is not left waiting', async (context) => {
  const journal = journalIn(context);
  await journal.recover({});
  // Exactly what a room does: await one commit, then make the next.
  for (let version = 1; version <= 5; version++) {
    await Promise.all(Array.from({ length: 10 }, (_, room) => journal.append(`room-${room}`, { data: `v${version}`, version })));
  }
  assert.equal(journal.totals, { groups: 5, records: 50 });
  await journal.close();
});

test('commits arriving while a write is on disk form the next group', async (context) => {
  const journal = journalIn(context);
  await journal.recover({});
  const first = journal.append('a', { data: 'a1', version: 1 });
  // Queued after the first group started: they wait for it, then share one fdatasync.
  await new Promise((resolve) => setImmediate(resolve));
  const later = Array.from({ length: 20 }, (_, i) => journal.append(`b${i}`, { data: 'b', version: 1 }));
  await Promise.all([first, ...later]);
  assert.is(journal.totals.records, 21);
  assert.ok(journal.totals.groups <= 2, `21 records in ${journal.totals.groups} groups`);
  await journal.close();
});

test('full segments are compacted into snapshots in the background and removed', async (context) => {
  const store = await MemoryStore.open(new FilePersistence(context.dir, { warn() {} }, { journalSegmentBytes: 512 }));
  for (let version = 1; version <= 60; version++) {
    assert.ok(await store.commitScene('main', version - 1, `{"v":${version},"pad":"${'x'.repeat(40)}"}`, version));
  }
  // Compaction runs behind the commits; wait until at most the open segment is left.
  for (let i = 0; i < 200 && (await readdir(join(context.dir, 'journal'))).length > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok((await readdir(join(context.dir, 'journal'))).length <= 1, 'sealed segments are removed once compacted');
  const snapshot = JSON.parse(await readFile(join(context.dir, 'scenes', 'main.json'), 'utf8')) as StoredScene;
  assert.ok(snapshot.version > 1 && snapshot.version <= 60, `snapshot at version ${snapshot.version}`);
  await store.close();
  assert.equal(await readdir(join(context.dir, 'journal')), [], 'close compacts everything');
  const reopened = await MemoryStore.open(new FilePersistence(context.dir, { warn() {} }));
  assert.is((await reopened.loadScene('main'))?.version, 60);
  await reopened.close();
});

test('recovery replays the journal tail after the snapshot and ignores a torn last record', async (context) => {
  await mkdir(join(context.dir, 'scenes'), { recursive: true });
  await mkdir(join(context.dir, 'journal'), { recursive: true });
  await writeFile(join(context.dir, 'scenes', 'main.json'), JSON.stringify({ data: 'snap', version: 3 }));
  await writeFile(join(context.dir, 'scenes', 'other.json'), JSON.stringify({ data: 'other', version: 7 }));
  await writeFile(
    join(context.dir, 'journal', '000000000001.log'),
    record('main', 4, 'j4') + record('main', 5, 'j5') + record('side', 1, 's1') + '{"room":"main","version":6,"da',
  );
  const persistence = new FilePersistence(context.dir, { warn: (m: string) => context.warnings.push(m) });
  const store = await MemoryStore.open(persistence);
  assert.equal(await store.loadScene('main'), { data: 'j5', version: 5 }, 'the tail after the snapshot, up to the torn record');
  assert.equal(await store.loadScene('side'), { data: 's1', version: 1 });
  assert.equal(await store.loadScene('other'), { data: 'other', version: 7 }, 'a room only in a snapshot');
  assert.ok(context.warnings.some((w) => w.includes('incomplete record')), 'the torn record is reported');
  // New commits go after the replayed segment and survive another restart.
  assert.ok(await store.commitScene('main', 5, 'j6', 6));
  await store.close();
  const again = await MemoryStore.open(new FilePersistence(context.dir, { warn() {} }));
  assert.equal(await again.loadScene('main'), { data: 'j6', version: 6 });
  await again.close();
});

test('the zero fill ahead of the writes is not a torn record; a torn record before it still is', async (context) => {
  const journal = journalIn(context);
  await journal.recover({});
  await journal.append('main', { data: 'v1', version: 1 });
  const [name] = await readdir(join(context.dir, 'journal'));
  const segment = join(context.dir, 'journal', name!);
  const written = record('main', 1, 'v1').length;
  // The fill runs behind the acknowledgement.
  for (let i = 0; i < 200 && (await stat(segment)).size <= written; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok((await stat(segment)).size > written, 'zeros past the last record');
  await journal.append('main', { data: 'v2', version: 2 });
  // Read as a crash would leave it: the journal is not closed.
  const warnings: string[] = [];
  assert.equal((await readDurableScenes(context.dir, { warn: (m: string) => warnings.push(m) })).main, { data: 'v2', version: 2 });
  assert.equal(warnings, [], 'a clean end');
  const bytes = await readFile(segment);
  bytes.write('{"room":"main","version":3,"da', 2 * written);
  await writeFile(segment, bytes);
  assert.equal((await readDurableScenes(context.dir, { warn: (m: string) => warnings.push(m) })).main, { data: 'v2', version: 2 });
  assert.ok(warnings.some((w) => w.includes('incomplete record')), 'a torn record followed by zeros is reported');
  await journal.close();
});

test('a later record wins over an earlier one with the same version (a failed write left behind)', async (context) => {
  await mkdir(join(context.dir, 'journal'), { recursive: true });
  await writeFile(join(context.dir, 'journal', '000000000001.log'), record('main', 2, 'failed'));
  await writeFile(join(context.dir, 'journal', '000000000002.log'), record('main', 2, 'acknowledged'));
  assert.equal((await readDurableScenes(context.dir, { warn() {} })).main, { data: 'acknowledged', version: 2 });
});

test('a room name that could leave the directory is refused', async (context) => {
  const journal = journalIn(context);
  await journal.recover({});
  try {
    await journal.append('../escape', { data: 'x', version: 1 });
    assert.unreachable('should have been refused');
  } catch (err) {
    assert.match(String(err), /refusing to store/);
  }
  await journal.close();
});

test.run();
