/**
 * Durable state for the embedded store on Deno, in the Node edge's layout (DATA_DIR/kv.json
 * and DATA_DIR/scenes/<room>.json), so one data directory serves either runtime. Deno writes
 * scene snapshots directly; a journal the Node edge left (DATA_DIR/journal, after a crash) is
 * replayed into the snapshots at start and then removed, so nothing it acknowledged is lost
 * and nothing older is replayed later over Deno's own writes.
 */
import * as v from 'valibot';
import type { KvRecord, MemoryStorePersistence, MemoryStoreSnapshot } from '../store/memory-store.ts';
import type { AuditEntry, StoredScene } from '../store/store.ts';
import { auditFileName, formatAuditLines, parseAuditLog, roomOfAuditFile } from '../store/audit-log-file.ts';
import type { Logger } from '../logger.ts';
import { readTextIfExists, writeAtomically } from './write-atomically.ts';
import { JOURNAL_SEGMENT_FILE, parseJournalSegment, replayJournal } from '../store/scene-journal-format.ts';

/** Room names are validated upstream; checked again here so no path can leave the directory. */
// A room, or its draft (`<room>.draft`, a name no room can have).
const SCENE_FILE = /^([A-Za-z0-9_-]{1,64}(?:\.draft)?)\.json$/;
const StoredSceneSchema = v.object({ data: v.string(), version: v.pipe(v.number(), v.safeInteger(), v.minValue(1)) });
const KvRecordSchema = v.object({ value: v.string(), expiresAt: v.nullable(v.pipe(v.number(), v.finite())) });

export class DenoFilePersistence implements MemoryStorePersistence {
  private readonly scenesDir: string;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    this.scenesDir = `${dir}/scenes`;
  }

  async loadAll(): Promise<MemoryStoreSnapshot> {
    const [scenes, kv, audit] = await Promise.all([this.loadScenes(), this.loadKv(), this.loadAudit()]);
    await this.replayNodeJournal(scenes);
    return { scenes, kv, audit };
  }

  private async replayNodeJournal(scenes: Record<string, StoredScene>): Promise<void> {
    const dir = `${this.dir}/journal`;
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) if (entry.isFile && JOURNAL_SEGMENT_FILE.test(entry.name)) names.push(entry.name);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    names.sort();
    const segments = [];
    for (const name of names) {
      const parsed = parseJournalSegment((await readTextIfExists(`${dir}/${name}`)) ?? '');
      if (parsed.stoppedAt !== null) this.log.warn('file persistence: a journal segment ends in an incomplete record; replayed what precedes it', { file: name, byte: parsed.stoppedAt });
      segments.push(parsed);
    }
    const changed = replayJournal(scenes, segments);
    // Snapshots first, durable; only then may the journal go.
    for (const room of changed) await this.writeScene(room, scenes[room]!);
    for (const name of names) await Deno.remove(`${dir}/${name}`);
    if (names.length > 0) this.log.info('file persistence: replayed the Node edge\'s scene journal into the snapshots', { segments: names.length, rooms: changed.length });
  }

  async appendAudit(room: string, entries: AuditEntry[]): Promise<void> {
    const name = auditFileName(room);
    await Deno.mkdir(`${this.dir}/audit`, { recursive: true });
    await Deno.writeTextFile(`${this.dir}/audit/${name}`, formatAuditLines(entries), { append: true });
  }

  async rewriteAudit(room: string, entries: AuditEntry[]): Promise<void> {
    await writeAtomically(`${this.dir}/audit`, auditFileName(room), formatAuditLines(entries));
  }

  /** The newest entries of each room's log; an overgrown log is rewritten to just those. */
  private async loadAudit(): Promise<Record<string, AuditEntry[]>> {
    const audit: Record<string, AuditEntry[]> = Object.create(null);
    try {
      for await (const entry of Deno.readDir(`${this.dir}/audit`)) {
        const room = entry.isFile ? roomOfAuditFile(entry.name) : null;
        if (!room) continue;
        const text = (await readTextIfExists(`${this.dir}/audit/${entry.name}`)) ?? '';
        const { entries, compact } = parseAuditLog(text);
        if (compact) await writeAtomically(`${this.dir}/audit`, entry.name, formatAuditLines(entries));
        audit[room] = entries;
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return audit;
  }

  async writeScene(room: string, stored: StoredScene): Promise<void> {
    const name = `${room}.json`;
    if (!SCENE_FILE.test(name)) throw new Error(`refusing to store a scene for room name ${JSON.stringify(room)}`);
    await writeAtomically(this.scenesDir, name, JSON.stringify({ data: stored.data, version: stored.version }));
  }

  async writeKv(kv: Record<string, KvRecord>): Promise<void> {
    await writeAtomically(this.dir, 'kv.json', JSON.stringify(kv));
  }

  private async loadScenes(): Promise<Record<string, StoredScene>> {
    const scenes: Record<string, StoredScene> = Object.create(null);
    try {
      for await (const entry of Deno.readDir(this.scenesDir)) {
        // Temp files left by a crash mid-write, and stray files, are not ours to read.
        const room = entry.isFile ? SCENE_FILE.exec(entry.name)?.[1] : undefined;
        if (!room) continue;
        const parsed = v.safeParse(StoredSceneSchema, await this.readJson(`${this.scenesDir}/${entry.name}`));
        if (parsed.success) scenes[room] = parsed.output;
        else this.log.warn('file persistence: skipping a file that is not a {data, version} scene', { file: entry.name });
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return scenes;
  }

  private async loadKv(): Promise<Record<string, KvRecord>> {
    const kv: Record<string, KvRecord> = Object.create(null);
    const parsed = await this.readJson(`${this.dir}/kv.json`);
    if (parsed === undefined) return kv;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.log.warn('file persistence: skipping kv.json: not an object of records');
      return kv;
    }
    const now = Date.now();
    for (const [key, record] of Object.entries(parsed)) {
      const checked = v.safeParse(KvRecordSchema, record);
      if (!checked.success) this.log.warn('file persistence: skipping a malformed kv entry', { key });
      else if (checked.output.expiresAt === null || checked.output.expiresAt > now) kv[key] = checked.output;
    }
    return kv;
  }

  /** Parsed JSON; undefined when the file is missing or not JSON (logged: startup must not crash). */
  private async readJson(path: string): Promise<unknown> {
    const text = await readTextIfExists(path);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      this.log.warn('file persistence: skipping a corrupt file', { path });
      return undefined;
    }
  }
}
