/**
 * The embedded store keeps everything in one process's memory and writes it to DATA_DIR; two
 * processes on one DATA_DIR would each believe their own copy and overwrite each other's scenes.
 * So the embedded store takes DATA_DIR/.lock (holding the owner's pid and instance id) and a
 * second process fails at start with a message saying what to do. Several instances need Redis.
 *
 * A lock left by a process that died without cleaning up (SIGKILL, power loss) names a pid that
 * no longer runs, and is taken over. In a container the new process may get the dead one's pid
 * (often 1); a lock naming our own pid that this process does not hold is just as stale.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
    readonly ownerInstance: string,
  ) {
    super(
      `DATA_DIR ${dir} is in use by another stream-overlay process (pid ${ownerPid}, instance ${ownerInstance}). ` +
        'The embedded store serves one process only: stop that process, give this one its own DATA_DIR, ' +
        'or set REDIS_URL to run several instances on one Redis (docs/deployment.md, "Scaling out").',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Paths this process holds, so a lock naming our pid can be told from one a dead process left. */
const held = new Set<string>();
let exitHookInstalled = false;

export async function lockDataDir(dir: string, instanceId: string): Promise<DataDirLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const content = JSON.stringify({ pid: process.pid, instance: instanceId, since: new Date().toISOString() });
  // Two rounds: the second follows the removal of a stale lock. If another process took the
  // lock in between, the second attempt sees its live pid and refuses.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      held.add(path);
      installExitHook();
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          held.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner && isAlive(owner.pid) && (owner.pid !== process.pid || held.has(path))) {
      throw new DataDirLockedError(dir, owner.pid, owner.instance);
    }
    await rm(path, { force: true });
  }
  const owner = await readOwner(path);
  throw new DataDirLockedError(dir, owner?.pid ?? 0, owner?.instance ?? 'unknown');
}

async function readOwner(path: string): Promise<{ pid: number; instance: string } | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; instance?: unknown };
    if (!Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0) return null;
    return { pid: parsed.pid as number, instance: typeof parsed.instance === 'string' ? parsed.instance : 'unknown' };
  } catch {
    // Unreadable or half-written by a crash mid-write: nobody can be holding it.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process that exits without close() (an uncaught error, process.exit) still frees DATA_DIR. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of held) rmSync(path, { force: true });
  });
}
