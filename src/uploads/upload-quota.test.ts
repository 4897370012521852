/**
 * The quota's bookkeeping between uploads of one process (the real server's race is in
 * src/routes/upload-limits.test.ts): what one commits while another is arriving counts for
 * the other, a duplicate or a refused upload frees its share, the disk counts the rest.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UploadQuota } from './upload-quota.ts';
import type { UploadStorage } from './upload-storage.ts';

/** Only `usage` is asked; the disk here is whatever the test says it holds. */
function disk(bytes: { now: number }): UploadStorage {
  return { usage: async () => bytes.now } as UploadStorage;
}

test('a file committed while another arrives counts for it; a refused chunk counts nothing', async () => {
  const held = { now: 100 };
  const quota = new UploadQuota(disk(held), 1000);
  const a = await quota.begin();
  const b = await quota.begin();
  assert.ok(a.grow(500));
  held.now += 500; // A's part on disk
  a.committed();
  a.end();
  assert.is(b.remaining(), 400, 'B began before A was stored, and still sees it');
  assert.not.ok(b.grow(401));
  assert.ok(b.grow(400));
  assert.is(b.remaining(), 0);
});

test('a duplicate or a refused upload frees its share at once; a full library refuses at the start', async () => {
  const held = { now: 0 };
  const quota = new UploadQuota(disk(held), 1000);
  const dup = await quota.begin();
  const other = await quota.begin();
  assert.ok(dup.grow(700));
  assert.not.ok(other.grow(400));
  dup.end(); // the same bytes were already stored: nothing kept
  assert.ok(other.grow(400));
  held.now = 1000;
  assert.ok((await quota.begin()).remaining() <= 0);
});

test.run();
