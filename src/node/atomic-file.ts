/**
 * Crash-safe file replacement on Node: write a temporary file, fsync it, rename it over the
 * target and fsync the directory, so a crash leaves either the old file or the new one.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What writeAtomically names its temporary files (`.<name>.<uuid>.tmp`). */
export const TEMP_FILE = /^\..+\.[0-9a-f-]{36}\.tmp$/;

export async function writeAtomically(dir: string, name: string, content: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Unique per write, in the same directory so the rename never crosses file systems.
  const temp = join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDirectory(dir);
}

/** Makes a rename, creation or removal durable. Best effort: some platforms cannot open a directory for sync. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already fsynced; only the directory entry's durability is left to the OS.
  }
}

export function isMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}
