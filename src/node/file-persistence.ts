/**
 * Durable state for the embedded store on Node, all under DATA_DIR: scene commits go to the
 * group-commit journal (scene-journal.ts) and are compacted into one JSON snapshot per room,
 * plus one KV snapshot, an append-only audit log per room and append-only scene history files
 * per room (history-files.ts). Snapshots are written
 * write-temp, fsync, rename, so a crash leaves either the old file or the new one.
 */
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, TEMP_FILE, writeAtomically } from './atomic-file.ts';
import { readSegments, replaySegments, SceneJournal, ROOM_NAME } from './scene-journal.ts';
import type { KvRecord, MemoryStorePersistence, MemoryStoreSnapshot } from '../store/memory-store.ts';
import type { AuditEntry, StoredScene } from '../store/store.ts';
import { HistoryFiles } from './history-files.ts';
import type { HistorySegment, HistorySegmentInfo } from '../store/history-log.ts';
import { auditFileName, formatAuditLines, parseAuditLog, roomOfAuditFile } from '../store/audit-log-file.ts';

export interface FilePersistenceLogger {
  warn(message: string, ...details: unknown[]): void;
}

// A room, or its draft (`<room>.draft`, a name no room can have).
const SCENE_FILE = /^([A-Za-z0-9_-]{1,64}(?:\.draft)?)\.json$/;

export class FilePersistence implements MemoryStorePersistence {
  private readonly scenesDir: string;
  private readonly kvFile: string;
  private readonly auditDir: string;
  private auditDirMade: Promise<void> | undefined;
  private readonly journal: SceneJournal;
  readonly history: HistoryFiles;

  constructor(
    private readonly dir: string,
    private readonly logger: FilePersistenceLogger = console,
    options: { journalSegmentBytes?: number } = {},
  ) {
    this.scenesDir = join(dir, 'scenes');
    this.kvFile = join(dir, 'kv.json');
    this.auditDir = join(dir, 'audit');
    this.journal = new SceneJournal(join(dir, 'journal'), this.scenesDir, logger, options.journalSegmentBytes);
    this.history = new HistoryFiles(join(dir, 'history'), logger);
  }

  async loadAll(): Promise<MemoryStoreSnapshot> {
    await this.removeTempFiles();
    const [scenes, kv, audit] = await Promise.all([this.loadScenes(), this.loadKv(), this.loadAudit()]);
    await this.journal.recover(scenes);
    await this.moveHistoryOutOfKv(kv);
    return { scenes, kv, audit };
  }

  /** Pending scene writes made durable, then the journal compacted into the snapshots. */
  async close(): Promise<void> {
    await this.journal.close();
    await this.history.close();
  }

  async appendAudit(room: string, entries: AuditEntry[]): Promise<void> {
    const name = auditFileName(room);
    // Once per process: 100 rooms' audit batches each paid a mkdir job on the thread pool.
    this.auditDirMade ??= mkdir(this.auditDir, { recursive: true }).then(() => undefined);
    await this.auditDirMade.catch((err: unknown) => {
      this.auditDirMade = undefined;
      throw err;
    });
    await appendFile(join(this.auditDir, name), formatAuditLines(entries), 'utf8');
  }

  async rewriteAudit(room: string, entries: AuditEntry[]): Promise<void> {
    await writeAtomically(this.auditDir, auditFileName(room), formatAuditLines(entries));
  }

  /** Durable when it resolves: appended to the journal together with every other room's commits of this moment. */
  writeScene(room: string, stored: StoredScene): Promise<void> {
    return this.journal.append(room, stored);
  }

  async writeKv(kv: Record<string, KvRecord>): Promise<void> {
    await writeAtomically(this.dir, 'kv.json', JSON.stringify(kv));
  }

  /**
   * A data directory written before history had files of its own keeps it in kv.json
   * (`history-index:<room>`, `history:<room>:<start>`): write those segments as files, then
   * kv.json without them. A crash in between repeats the same move at the next start.
   */
  private async moveHistoryOutOfKv(kv: Record<string, KvRecord>): Promise<void> {
    const historyKeys = Object.keys(kv).filter((key) => key.startsWith('history-index:') || key.startsWith('history:'));
    if (historyKeys.length === 0) return;
    for (const key of historyKeys.filter((k) => k.startsWith('history-index:'))) {
      const room = key.slice('history-index:'.length);
      if (!ROOM_NAME.test(room)) continue;
      let index: HistorySegmentInfo[];
      try {
        index = JSON.parse(kv[key]!.value) as HistorySegmentInfo[];
      } catch {
        continue;
      }
      for (const info of index) {
        const raw = kv[`history:${room}:${info.start}`]?.value;
        let segment: HistorySegment;
        try {
          segment = JSON.parse(raw ?? 'null') as HistorySegment;
        } catch {
          continue;
        }
        if (segment?.snapshot && Array.isArray(segment.entries)) await this.history.writeWhole(room, segment);
      }
    }
    for (const key of historyKeys) delete kv[key];
    await this.writeKv(kv);
    this.logger.warn(`file persistence: moved scene history out of kv.json into ${join(this.dir, 'history')}`);
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

  private loadScenes(): Promise<Record<string, StoredScene>> {
    return loadSceneSnapshots(this.scenesDir, this.logger);
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

  private readJson(path: string): Promise<unknown> {
    return readJson(path, this.logger);
  }
}

/**
 * Every room's durable scene in a data directory, read without changing anything there
 * (unlike loadAll, which also tidies up): the snapshots with the journal replayed over them.
 * For tests and tools that look at what a running or killed server has stored.
 */
export async function readDurableScenes(dir: string, logger: FilePersistenceLogger = console): Promise<Record<string, StoredScene>> {
  const scenes = await loadSceneSnapshots(join(dir, 'scenes'), logger);
  replaySegments(scenes, await readSegments(join(dir, 'journal'), logger));
  return scenes;
}

async function loadSceneSnapshots(scenesDir: string, logger: FilePersistenceLogger): Promise<Record<string, StoredScene>> {
  const scenes: Record<string, StoredScene> = Object.create(null);
  let names: string[];
  try {
    names = await readdir(scenesDir);
  } catch (err) {
    if (isMissing(err)) return scenes;
    throw err;
  }
  for (const name of names) {
    // Anything else (temp files left by a crash mid-write, stray files) is not ours to read.
    const room = SCENE_FILE.exec(name)?.[1];
    if (!room || !ROOM_NAME.test(room)) continue;
    const parsed = await readJson(join(scenesDir, name), logger);
    if (parsed === undefined) continue;
    if (!isStoredScene(parsed)) {
      logger.warn(`file persistence: skipping ${name}: not a {data, version} scene`);
      continue;
    }
    scenes[room] = { data: parsed.data, version: parsed.version };
  }
  return scenes;
}

/** Parsed JSON; undefined when the file is missing or unreadable as JSON (logged: startup must not crash). */
async function readJson(path: string, logger: FilePersistenceLogger): Promise<unknown> {
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
    logger.warn(`file persistence: skipping corrupt file ${path}`, err);
    return undefined;
  }
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
