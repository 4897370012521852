/**
 * The embedded store is one process's: a second process on the same DATA_DIR without Redis
 * refuses to start, saying why; a lock left by a killed process is taken over; with Redis
 * several processes may share a DATA_DIR (it then holds nothing they could overwrite).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServerProcess } from '../../testing/server-process.ts';
import { startRedis } from '../../testing/redis-server.ts';
import { STREAMER_TOKEN, TOKEN_SECRET } from '../../testing/test-server.ts';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './data-dir-lock.ts';

const test = suite('DATA_DIR lock of the embedded store');

const envFor = (dataDir: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  UPLOAD_DIR: join(dataDir, 'uploads'),
  STREAMER_API_TOKEN: STREAMER_TOKEN,
  TOKEN_SECRET,
  LOG_LEVEL: 'warn',
  ...extra,
});

test('a second process on the same DATA_DIR without Redis exits at once with a clear message', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-lock-'));
  const first = await startServerProcess(envFor(dataDir, { INSTANCE_ID: 'first' }));
  try {
    const error = await startServerProcess(envFor(dataDir, { INSTANCE_ID: 'second' })).then(
      (second) => second.stop('SIGKILL').then(() => null),
      (err: Error) => err,
    );
    assert.ok(error, 'the second process started');
    assert.match(error.message, /server exited with 3/);
    assert.match(error.message, new RegExp(`DATA_DIR ${dataDir} is in use by another stream-overlay process \\(pid ${first.child.pid}, instance first\\)`));
    assert.match(error.message, /REDIS_URL/);
    // The first one kept serving.
    assert.is((await fetch(`${first.url}/api/health`)).status, 200);
  } finally {
    await first.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a clean stop frees DATA_DIR; a lock left by a SIGKILLed process is taken over', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-lock-'));
  try {
    const stopped = await startServerProcess(envFor(dataDir));
    assert.ok(existsSync(join(dataDir, LOCK_FILE)));
    assert.is(await stopped.stop('SIGTERM'), 0);
    assert.not.ok(existsSync(join(dataDir, LOCK_FILE)), 'released on a clean stop');

    const killed = await startServerProcess(envFor(dataDir, { INSTANCE_ID: 'killed' }));
    await killed.stop('SIGKILL');
    assert.match(await readFile(join(dataDir, LOCK_FILE), 'utf8'), /"instance":"killed"/, 'SIGKILL leaves the lock behind');

    const next = await startServerProcess(envFor(dataDir, { INSTANCE_ID: 'next' }));
    try {
      assert.match(await readFile(join(dataDir, LOCK_FILE), 'utf8'), /"instance":"next"/);
      assert.is((await fetch(`${next.url}/api/health`)).status, 200);
    } finally {
      await next.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('with REDIS_URL two processes share a DATA_DIR', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-lock-'));
  const redis = await startRedis();
  const env = envFor(dataDir, { REDIS_URL: redis.url });
  const a = await startServerProcess({ ...env, INSTANCE_ID: 'A' });
  try {
    const b = await startServerProcess({ ...env, INSTANCE_ID: 'B' });
    await b.stop();
    assert.not.ok(existsSync(join(dataDir, LOCK_FILE)), 'no lock taken on Redis');
  } finally {
    await a.stop();
    await redis.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('in one process: held twice is refused; our own pid in a lock we do not hold is a leftover', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-lock-'));
  try {
    const lock = await lockDataDir(dataDir, 'one');
    try {
      await lockDataDir(dataDir, 'two');
      assert.unreachable('locked twice');
    } catch (error) {
      assert.instance(error, DataDirLockedError);
    }
    await lock.release();
    // What a container restart leaves: the dead process had the pid we have now.
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, instance: 'before-restart' }));
    const again = await lockDataDir(dataDir, 'after-restart');
    assert.match(await readFile(again.path, 'utf8'), /after-restart/);
    await again.release();
    // A half-written lock (a crash mid-write) holds nobody.
    await writeFile(join(dataDir, LOCK_FILE), '{"pid":');
    await (await lockDataDir(dataDir, 'after-crash')).release();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
