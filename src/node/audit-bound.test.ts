/**
 * Issue 11, hole 4 (last part): a room's audit log stays bounded while the server runs, on
 * both stores: the embedded store's file is compacted at runtime, not only when it loads;
 * Redis trims its list on every append.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryStore } from '../store/memory-store.ts';
import { AUDIT_COMPACT_FACTOR } from '../store/audit-log-file.ts';
import { sharedRedisUrl } from '../../testing/redis-server.ts';
import { FilePersistence } from './file-persistence.ts';
import { RedisStore } from './redis-store.ts';

const CAP = 50;
const ROUNDS = 12;
const PER_ROUND = 40;
const entry = (n: number) => ({ ts: n, who: 'mallory', action: 'scene.patch', version: n });

const test = suite('audit log bound while running');

test('embedded store: the file never keeps more than the compaction bound, and holds the newest entries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'so-audit-'));
  const file = join(dir, 'audit', 'main.jsonl');
  const lines = async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { ts: number }).ts);
  const store = await MemoryStore.open(new FilePersistence(dir, { warn() {} }));
  try {
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) await store.appendAudit('main', entry(++n), CAP);
      const last = n;
      // Written in coalesced batches: wait until this round is on disk.
      for (let tries = 0; tries < 200 && !(await lines()).includes(last); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
      const onDisk = await lines();
      assert.ok(onDisk.includes(last), `round ${round} reached the file`);
      assert.ok(onDisk.length <= CAP * AUDIT_COMPACT_FACTOR, `round ${round}: ${onDisk.length} lines on disk`);
    }
    await store.close();
    const onDisk = await lines();
    assert.equal(onDisk.slice(-CAP), (await store.listAudit('main', CAP)).map((e) => e.ts), 'the file ends with what the store lists');
    assert.equal(new Set(onDisk).size, onDisk.length, 'no entry written twice');
    const reopened = await MemoryStore.open(new FilePersistence(dir, { warn() {} }));
    assert.equal((await reopened.listAudit('main', CAP)).map((e) => e.ts), Array.from({ length: CAP }, (_, i) => n - CAP + 1 + i));
    await reopened.close();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('redis store: the list holds at most the cap, the newest entries', async () => {
  const store = await RedisStore.connect(await sharedRedisUrl(), { keyPrefix: `test:${crypto.randomUUID().slice(0, 8)}:`, logger: { info() {}, warn() {} } });
  try {
    for (let n = 1; n <= ROUNDS * PER_ROUND; n++) await store.appendAudit('main', entry(n), CAP);
    const all = await store.listAudit('main', 10_000);
    assert.is(all.length, CAP);
    assert.is(all[all.length - 1]!.ts, ROUNDS * PER_ROUND);
  } finally {
    await store.close();
  }
});

test.run();
