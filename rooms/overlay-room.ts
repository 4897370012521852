/**
 * One overlay room: it alone owns the room's sockets, scene and version. Operations queue and
 * are committed one batch at a time (group commit: one version per batch) with a
 * compare-and-set in the store; only after the store said yes are they acknowledged and
 * broadcast, so nobody ever sees a version that is not stored.
 */
import { Room } from './room.ts';
import { PresenceBoard } from './presence.ts';
import { endedChanges, resolveTimedOp, withPlaybackStamp } from './playback-clock.ts';
import { ScheduledHides, dueHides } from './scheduled-hides.ts';
import type { Connection } from './connection.ts';
import {
  applySceneOp,
  cloneSceneState,
  emptySceneState,
  parseSceneState,
  replaceSceneState,
  serializeSceneState,
  toScene,
  type SceneState,
} from './scene-state.ts';
import {
  CloseCode,
  ModeratorClientMessage,
  OverlayClientMessage,
  type EditOp,
  type ErrorCode,
  type PatchOp,
  type SceneOp,
  type ServerMessage,
} from '../src/protocol/messages.ts';
import { parseJsonMessage } from '../src/protocol/parse.ts';
import { ttsStateOf } from '../src/protocol/tts.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';
import type { CueAction } from '../src/protocol/playback.ts';
import { StoreUnavailableError, type Store } from '../src/store/store.ts';
import type { Metrics } from '../src/metrics/metrics.ts';
import type { Logger } from '../src/logger.ts';

/** How many recent patches a reconnecting client can catch up from before it gets a full scene. */
export const PATCH_HISTORY = 256;
/** Clients ping every 15 s; a socket silent for this long is dead (a frozen OBS, a lost NAT). */
export const SILENT_SOCKET_MS = 75_000;
const STATUS_THROTTLE_MS = 250;
export const AUDIT_CAP = 10_000;

export type OpResult =
  | { ok: true; version: number }
  | { ok: false; code: ErrorCode; message: string; version: number; item?: Item | null };

type Submission =
  | { kind: 'op'; op: SceneOp; who: string; settle(result: OpResult): void }
  | { kind: 'replace'; scene: Scene; knownVersion?: number; who: string; settle(result: OpResult): void };

interface ClientState {
  lastSeen: number;
  appliedVersion: number | null;
  applyLatencyMs: number | null;
}

export interface OverlayRoomDeps {
  store: Store;
  metrics: Metrics;
  log: Logger;
}

export class OverlayRoom extends Room {
  private state: SceneState = emptySceneState();
  private version = 0;
  private loading: Promise<void> | null = null;
  private loaded = false;
  private queue: Submission[] = [];
  private committing: Promise<void> | null = null;
  private history: { version: number; data: string }[] = [];
  private readonly clients = new Map<string, ClientState>();
  private statusTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  /** Panels only: each moderator gets the list with its own id as `you`. */
  private readonly presence = new PresenceBoard((moderators) => {
    for (const conn of this.connections.values()) {
      if (conn.role !== 'overlay') this.send(conn, { type: 'presence.state', moderators, you: conn.id } satisfies ServerMessage);
    }
  }, STATUS_THROTTLE_MS);
  private readonly hides = new ScheduledHides(() => this.hideDueItems());

  constructor(id: string, private readonly deps: OverlayRoomDeps) {
    super(id);
  }

  /** Load the stored scene once; a failed load (store down) is retried by the next caller. */
  ready(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().catch((error) => {
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const stored = await this.deps.store.loadScene(this.id);
    if (stored) {
      this.state = parseSceneState(stored.data, stored.version);
      this.version = stored.version;
    }
    // A hideAt that passed while the room was down is committed before anyone sees the scene.
    const due = dueHides(this.state.items.values(), Date.now(), this.version);
    if (due.length > 0) await this.commitBatch(due.map((op) => this.internalSubmission(op)));
    this.loaded = true;
    this.hides.reschedule(this.state.items.values());
  }

  get currentVersion(): number {
    return this.version;
  }

  snapshot(): { scene: Scene; version: number } {
    return { scene: toScene(this.state), version: this.version };
  }

  /** A socket the route has already authenticated joins; it gets the scene once loaded. */
  connect(conn: Connection, sinceVersion?: number): void {
    this.addConnection(conn);
    this.clients.set(conn.id, { lastSeen: Date.now(), appliedVersion: null, applyLatencyMs: null });
    if (conn.role !== 'overlay') this.presence.join(conn);
    this.ready().then(
      () => {
        if (!this.connections.has(conn.id)) return;
        this.sendCatchUp(conn, sinceVersion);
        this.scheduleStatus();
      },
      (error) => {
        this.deps.log.warn('room load failed', { room: this.id, error: String(error) });
        this.drop(conn, CloseCode.tryAgainLater, 'state store unavailable, retrying');
      },
    );
  }

  disconnect(conn: Connection): void {
    if (this.connections.has(conn.id)) this.onDisconnect(conn);
  }

  onDisconnect(conn: Connection): void {
    this.removeConnection(conn);
    this.clients.delete(conn.id);
    this.presence.leave(conn);
    this.scheduleStatus();
  }

  /** A text frame from a socket: validated here against the schema for the socket's role. */
  receive(conn: Connection, text: string): void {
    const client = this.clients.get(conn.id);
    if (!client) return;
    client.lastSeen = Date.now();
    this.lastActivity = client.lastSeen;
    const schema = conn.role === 'overlay' ? OverlayClientMessage : ModeratorClientMessage;
    const parsed = parseJsonMessage(schema, text);
    if (!parsed.ok) {
      const reqId = peekReqId(text);
      this.send(conn, errorMessage(parsed.code, parsed.message, this.version, reqId, parsed.issues));
      return;
    }
    const message = parsed.value;
    switch (message.type) {
      case 'ping':
        this.send(conn, { type: 'pong', server_ts: Date.now(), client_ts: message.client_ts } satisfies ServerMessage);
        return;
      case 'resync':
        if (this.loaded) this.sendCatchUp(conn, message.since_version);
        return;
      case 'overlay.applied':
        this.recordApplied(conn.id, message.version, message.server_ts);
        return;
      case 'presence':
        this.presence.select(conn, message.selection);
        return;
      case 'media.ended':
        this.mediaEnded(message.id, message.at, message.duration);
        return;
      case 'tts.started':
      case 'tts.ended':
      case 'tts.error':
        // Panels show the speech queue from what the overlays actually did.
        this.announce(ttsStateOf(message), 'moderators');
        return;
      default: {
        const op = message;
        this.enqueue({
          kind: 'op',
          op,
          who: conn.label,
          settle: (result) => this.send(conn, result.ok ? { type: 'ack', req_id: op.req_id, version: result.version } : errorMessage(result.code, result.message, result.version, op.req_id, undefined, result.item)),
        });
      }
    }
  }

  /**
   * Send a room-wide event that is not a scene change (e.g. `tts.speak`) to the room's
   * overlays, or to everyone; serialized once. Returns how many sockets got it.
   */
  announce(message: { type: string }, to: 'overlays' | 'moderators' | 'all' = 'overlays'): number {
    if (to === 'all') return this.broadcast(message);
    return this.broadcast(message, (conn) => (to === 'overlays' ? conn.role === 'overlay' : conn.role !== 'overlay'));
  }

  /** An op from HTTP (a streamer's script): same queue, same rules as the socket. */
  submit(op: SceneOp, who: string): Promise<OpResult> {
    return new Promise((settle) => this.enqueue({ kind: 'op', op, who, settle }));
  }

  /** Play, pause, restart or stop a video/audio item from the server clock (the legacy media routes use this). */
  cue(id: string, action: CueAction, who: string): Promise<OpResult> {
    return this.submit({ type: 'cue', id, action }, who);
  }

  /** Replace the whole scene (HTTP PUT). `knownVersion` older than ours is a conflict, not an overwrite. */
  replace(scene: Scene, who: string, knownVersion?: number): Promise<OpResult> {
    return new Promise((settle) => this.enqueue({ kind: 'replace', scene, knownVersion, who, settle }));
  }

  /** An overlay's report that it applied a version (socket or POST /api/overlay/applied). */
  recordApplied(clientId: string | null, version: number, serverTs?: number): void {
    const latency = serverTs !== undefined ? Date.now() - serverTs : NaN;
    this.deps.metrics.recordApply(latency);
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (client) {
      client.appliedVersion = Math.max(client.appliedVersion ?? 0, version);
      if (Number.isFinite(latency)) client.applyLatencyMs = latency;
    }
    this.scheduleStatus();
  }

  stats() {
    let overlays = 0;
    let moderators = 0;
    let minApplied: number | null = null;
    let latency: number | null = null;
    for (const conn of this.connections.values()) {
      if (conn.role !== 'overlay') {
        moderators++;
        continue;
      }
      overlays++;
      const client = this.clients.get(conn.id);
      const applied = client?.appliedVersion ?? 0;
      minApplied = minApplied === null ? applied : Math.min(minApplied, applied);
      if (client?.applyLatencyMs != null) latency = Math.max(latency ?? 0, client.applyLatencyMs);
    }
    return { room: this.id, version: this.version, overlays, moderators, min_applied_version: minApplied, apply_latency_ms: latency };
  }

  /** Close sockets that stopped talking (the client pings every 15 s). */
  sweep(now: number): void {
    for (const conn of [...this.connections.values()]) {
      const client = this.clients.get(conn.id);
      if (client && now - client.lastSeen > SILENT_SOCKET_MS) this.drop(conn, CloseCode.idle, 'no message for too long');
    }
  }

  /** Wait until every queued op is committed (or failed); used when the server drains. */
  async flush(): Promise<void> {
    while (this.committing) await this.committing;
  }

  protected override busy(): boolean {
    return this.committing !== null || this.queue.length > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.presence.dispose();
    this.hides.cancel();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
  }

  // ---- commit pipeline -------------------------------------------------------------

  private enqueue(submission: Submission): void {
    this.lastActivity = Date.now();
    this.queue.push(submission);
    this.committing ??= this.drain().finally(() => {
      this.committing = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.ready();
        await this.commitBatch(batch);
      } catch (error) {
        const unavailable = error instanceof StoreUnavailableError;
        if (!unavailable) this.deps.log.error('commit failed', { room: this.id, error: String(error) });
        for (const submission of batch) {
          submission.settle({
            ok: false,
            code: unavailable ? 'store_unavailable' : 'internal',
            message: unavailable ? 'the state store is unavailable; nothing was changed, try again' : 'internal error; nothing was changed',
            version: this.version,
          });
        }
      }
    }
  }

  private async commitBatch(batch: Submission[]): Promise<void> {
    const next = this.version + 1;
    const working = cloneSceneState(this.state);
    const accepted: Submission[] = [];
    const patch: PatchOp[] = [];
    let replaced = false;

    for (const submission of batch) {
      if (submission.kind === 'replace') {
        if (submission.knownVersion !== undefined && submission.knownVersion < this.version) {
          submission.settle({ ok: false, code: 'conflict', message: `the scene is at version ${this.version}, newer than ${submission.knownVersion}`, version: this.version });
          continue;
        }
        replaceSceneState(working, submission.scene, next);
        replaced = true;
        patch.length = 0;
        accepted.push(submission);
        continue;
      }
      const edit = this.resolveOp(working, submission.op);
      if (!edit.ok) {
        submission.settle({ ok: false, code: edit.code, message: edit.message, version: this.version, item: edit.item });
        continue;
      }
      if (edit.op === null) {
        accepted.push(submission);
        continue;
      }
      const outcome = applySceneOp(working, edit.op, next);
      if (!outcome.ok) {
        submission.settle({ ok: false, code: outcome.code, message: outcome.message, version: this.version, item: outcome.item });
        continue;
      }
      patch.push(...outcome.patch);
      accepted.push(submission);
    }

    if (accepted.length === 0) return;
    if (!replaced && patch.length === 0) {
      // Nothing changed (e.g. bringToFront of the top item): no new version to store.
      for (const submission of accepted) submission.settle({ ok: true, version: this.version });
      return;
    }

    const committed = await this.deps.store.commitScene(this.id, this.version, serializeSceneState(working), next);
    if (!committed) {
      // Another writer (a second process) got there first: take its state and tell everyone.
      await this.reload();
      for (const submission of accepted) {
        submission.settle({ ok: false, code: 'conflict', message: 'the scene was changed elsewhere; reloaded', version: this.version });
      }
      return;
    }

    this.state = working;
    this.version = next;
    this.hides.reschedule(this.state.items.values());
    this.deps.metrics.sceneSaves++;
    for (const submission of accepted) submission.settle({ ok: true, version: next });

    const who = [...new Set(accepted.map((s) => s.who))].join(', ');
    const serverTs = Date.now();
    const message: ServerMessage = replaced
      ? { type: 'scene.full', scene: toScene(this.state), version: next, server_ts: serverTs }
      : { type: 'scene.patch', ops: patch, version: next, server_ts: serverTs, by: who };
    const data = JSON.stringify(message);
    this.remember(next, replaced ? null : data);
    for (const conn of this.connections.values()) this.sendRaw(conn, data);
    this.deps.metrics.wsBroadcasts++;
    this.audit(accepted, next);
  }

  private async reload(): Promise<void> {
    const stored = await this.deps.store.loadScene(this.id);
    this.state = stored ? parseSceneState(stored.data, stored.version) : emptySceneState();
    this.version = stored?.version ?? 0;
    this.history = [];
    this.hides.reschedule(this.state.items.values());
    this.broadcast({ type: 'scene.full', scene: toScene(this.state), version: this.version, server_ts: Date.now() } satisfies ServerMessage);
  }

  // ---- time-driven state (playback-clock.ts, scheduled-hides.ts) ----------------------

  /** cue/timer ops become patches in the server clock; clips added without playback start now. */
  private resolveOp(working: SceneState, op: SceneOp): { ok: true; op: EditOp | null } | { ok: false; code: ErrorCode; message: string; item?: Item | null } {
    if (op.type === 'cue' || op.type === 'timer') {
      const current = working.items.get(op.id);
      const resolved = resolveTimedOp(op, current, Date.now());
      if (!resolved) return { ok: false, code: 'not_found', message: `no item with id ${op.id}`, item: null };
      return resolved.ok ? resolved : { ok: false, code: 'bad_message', message: resolved.message, item: current };
    }
    if (op.type === 'add' || op.type === 'update') return { ok: true, op: { ...op, item: withPlaybackStamp(op.item, Date.now()) } };
    return { ok: true, op };
  }

  /** A submission the room makes itself; losing a race to a moderator is fine, anything else is logged. */
  private internalSubmission(op: EditOp): Submission {
    return {
      kind: 'op',
      op,
      who: 'room',
      settle: (result) => {
        if (!result.ok && result.code !== 'conflict' && result.code !== 'not_found') {
          this.deps.log.warn('scheduled change failed', { room: this.id, op: op.type, code: result.code });
        }
      },
    };
  }

  private hideDueItems(): void {
    if (this.disposed) return;
    const due = dueHides(this.state.items.values(), Date.now(), this.version);
    if (due.length === 0) return this.hides.reschedule(this.state.items.values());
    for (const op of due) this.enqueue(this.internalSubmission(op));
  }

  /** An overlay saw a non-looping clip end: commit the end (and autoHide) once, for everyone. */
  private mediaEnded(id: string, at: number, duration: number): void {
    const item = this.state.items.get(id);
    const changes = item && this.loaded ? endedChanges(item, at, duration, Date.now()) : null;
    if (changes) this.enqueue(this.internalSubmission({ type: 'patch', id, changes, base_version: this.version }));
  }

  /** Keep recent patches for catch-up; a full replace breaks the chain (null = resync fully). */
  private remember(version: number, data: string | null): void {
    if (data === null) {
      this.history = [];
      return;
    }
    this.history.push({ version, data });
    if (this.history.length > PATCH_HISTORY) this.history.shift();
  }

  private sendCatchUp(conn: Connection, sinceVersion?: number): void {
    if (sinceVersion !== undefined && sinceVersion === this.version) return;
    const first = this.history[0];
    const canPatch = sinceVersion !== undefined && sinceVersion < this.version && first !== undefined && first.version <= sinceVersion + 1;
    if (canPatch) {
      for (const entry of this.history) if (entry.version > sinceVersion) this.sendRaw(conn, entry.data);
      return;
    }
    this.send(conn, { type: 'scene.full', scene: toScene(this.state), version: this.version, server_ts: Date.now() } satisfies ServerMessage);
  }

  private audit(accepted: Submission[], version: number): void {
    const ts = Date.now();
    for (const submission of accepted) {
      const entry =
        submission.kind === 'replace'
          ? { ts, who: submission.who, action: 'scene.replace', version, items: submission.scene.items.length }
          : { ts, who: submission.who, action: `scene.${submission.op.type}`, version, id: opItemId(submission.op) };
      this.deps.store.appendAudit(this.id, entry, AUDIT_CAP).catch(() => {
        // The scene is committed; a lost audit line must not fail the op. The store logs outages.
      });
    }
  }

  /** Moderators see how many overlays are live and whether they caught up; throttled. */
  private scheduleStatus(): void {
    if (this.statusTimer || this.disposed) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      const stats = this.stats();
      this.broadcast(
        {
          type: 'room.status',
          overlays: stats.overlays,
          moderators: stats.moderators,
          version: stats.version,
          min_applied_version: stats.min_applied_version,
          apply_latency_ms: stats.apply_latency_ms,
        } satisfies ServerMessage,
        (conn) => conn.role !== 'overlay',
      );
    }, STATUS_THROTTLE_MS);
  }
}

function opItemId(op: SceneOp): string | undefined {
  if (op.type === 'add' || op.type === 'update') return op.item.id;
  if (op.type === 'clear') return undefined;
  return op.id;
}

function errorMessage(
  code: ErrorCode,
  message: string,
  version: number,
  reqId?: string | number,
  issues?: Record<string, string[]>,
  item?: Item | null,
): ServerMessage {
  return { type: 'error', req_id: reqId, code, message, version, ...(issues ? { issues } : {}), ...(item !== undefined ? { item } : {}) };
}

/** Echo a req_id back even when the message as a whole was invalid, so the client can match it. */
function peekReqId(text: string): string | number | undefined {
  try {
    const raw = JSON.parse(text) as { req_id?: unknown };
    const id = raw?.req_id;
    return (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : undefined;
  } catch {
    return undefined;
  }
}

