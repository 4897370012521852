/**
 * Durable state for the embedded store on Node: one JSON file per room scene, one KV
 * snapshot, and an append-only audit log per room, all under DATA_DIR. Every write is write-temp, fsync, rename, so a crash
 * leaves either the old file or the new one, never a torn one.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KvRecord, MemoryStorePersistence, MemoryStoreSnapshot } from '../store/memory-store.ts';
import type { AuditEntry, StoredScene } from '../store/store.ts';
import { auditFileName, formatAuditLines, parseAuditLog, roomOfAuditFile } from '../store/audit-log-file.ts';

export interface FilePersistenceLogger {
  warn(message: string, ...details: unknown[]): void;
}

/** Room names (or a room's draft) are validated upstream; checked again here so no path can leave the directory. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}(?:\.draft)?$/;
// A room, or its draft (`<room>.draft`, a name no room can have).
const SCENE_FILE = /^([A-Za-z0-9_-]{1,64}(?:\.draft)?)\.json$/;
/** What writeAtomically names its temporary files. */
const TEMP_FILE = /^\..+\.[0-9a-f-]{36}\.tmp$/;

export class FilePersistence implements MemoryStorePersistence {
  private readonly scenesDir: string;
  private readonly kvFile: string;
  private readonly auditDir: string;

  constructor(
    private readonly dir: string,
    private readonly logger: FilePersistenceLogger = console,
  ) {
    this.scenesDir = join(dir, 'scenes');
    this.kvFile = join(dir, 'kv.json');
    this.auditDir = join(dir, 'audit');
  }

  async loadAll(): Promise<MemoryStoreSnapshot> {
    await this.removeTempFiles();
    const [scenes, kv, audit] = await Promise.all([this.loadScenes(), this.loadKv(), this.loadAudit()]);
    return { scenes, kv, audit };
  }

  async appendAudit(room: string, entries: AuditEntry[]): Promise<void> {
    const name = auditFileName(room);
    await mkdir(this.auditDir, { recursive: true });
    await appendFile(join(this.auditDir, name), formatAuditLines(entries), 'utf8');
  }

  async rewriteAudit(room: string, entries: AuditEntry[]): Promise<void> {
    await writeAtomically(this.auditDir, auditFileName(room), formatAuditLines(entries));
  }

  async writeScene(room: string, stored: StoredScene): Promise<void> {
    if (!ROOM_NAME.test(room)) throw new Error(`refusing to store a scene for room name ${JSON.stringify(room)}`);
    await writeAtomically(this.scenesDir, `${room}.json`, JSON.stringify({ data: stored.data, version: stored.version }));
  }

  async writeKv(kv: Record<string, KvRecord>): Promise<void> {
    await writeAtomically(this.dir, 'kv.json', JSON.stringify(kv));
  }

  /**
   * A crash between write and rename leaves `.<name>.<uuid>.tmp` files that nothing reads or
   * removes. The embedded store runs in one process only, so at load every one is a leftover.
   */
  private async removeTempFiles(): Promise<void> {
    for (const dir of [this.dir, this.scenesDir, this.auditDir]) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      for (const name of names.filter((n) => TEMP_FILE.test(n))) {
        await rm(join(dir, name), { force: true });
        this.logger.warn(`file persistence: removed ${join(dir, name)}, left by an interrupted write`);
      }
    }
  }

  private async loadScenes(): Promise<Record<string, StoredScene>> {
    const scenes: Record<string, StoredScene> = Object.create(null);
    let names: string[];
    try {
      names = await readdir(this.scenesDir);
    } catch (err) {
      if (isMissing(err)) return scenes;
      throw err;
    }
    for (const name of names) {
      // Anything else (temp files left by a crash mid-write, stray files) is not ours to read.
      const room = SCENE_FILE.exec(name)?.[1];
      if (!room) continue;
      const parsed = await this.readJson(join(this.scenesDir, name));
      if (parsed === undefined) continue;
      if (!isStoredScene(parsed)) {
        this.logger.warn(`file persistence: skipping ${name}: not a {data, version} scene`);
        continue;
      }
      scenes[room] = { data: parsed.data, version: parsed.version };
    }
    return scenes;
  }

  /** The newest entries of each room's log; an overgrown log is rewritten to just those. */
  private async loadAudit(): Promise<Record<string, AuditEntry[]>> {
    const audit: Record<string, AuditEntry[]> = Object.create(null);
    let names: string[];
    try {
      names = await readdir(this.auditDir);
    } catch (err) {
      if (isMissing(err)) return audit;
      throw err;
    }
    for (const name of names) {
      const room = roomOfAuditFile(name);
      if (!room) continue;
      const { entries, compact } = parseAuditLog(await readFile(join(this.auditDir, name), 'utf8'));
      if (compact) await writeAtomically(this.auditDir, name, formatAuditLines(entries));
      audit[room] = entries;
    }
    return audit;
  }

  private async loadKv(): Promise<Record<string, KvRecord>> {
    const kv: Record<string, KvRecord> = Object.create(null);
    const parsed = await this.readJson(this.kvFile);
    if (parsed === undefined) return kv;
    if (!isPlainObject(parsed)) {
      this.logger.warn('file persistence: skipping kv.json: not an object of records');
      return kv;
    }
    const now = Date.now();
    for (const [key, record] of Object.entries(parsed)) {
      if (!isKvRecord(record)) {
        this.logger.warn(`file persistence: skipping malformed kv entry ${JSON.stringify(key)}`);
        continue;
      }
      if (record.expiresAt !== null && record.expiresAt <= now) continue;
      kv[key] = { value: record.value, expiresAt: record.expiresAt };
    }
    return kv;
  }

  /** Parsed JSON; undefined when the file is missing or unreadable as JSON (logged: startup must not crash). */
  private async readJson(path: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      this.logger.warn(`file persistence: skipping corrupt file ${path}`, err);
      return undefined;
    }
  }
}

async function writeAtomically(dir: string, name: string, content: string): Promise<void> {
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

/** Makes the rename itself durable. Best effort: some platforms cannot open a directory for sync. */
async function syncDirectory(dir: string): Promise<void> {
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

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStoredScene(value: unknown): value is StoredScene {
  return isPlainObject(value) && typeof value.data === 'string' && Number.isSafeInteger(value.version) && (value.version as number) > 0;
}

function isKvRecord(value: unknown): value is KvRecord {
  return (
    isPlainObject(value) &&
    typeof value.value === 'string' &&
    (value.expiresAt === null || (typeof value.expiresAt === 'number' && Number.isFinite(value.expiresAt)))
  );
}
