/**
 * One overlay room: it alone owns the room's sockets, scene and version. Operations queue and
 * are committed one batch at a time (group commit: one version per batch) with a
 * compare-and-set in the store; only after the store said yes are they acknowledged and
 * broadcast, so nobody ever sees a version that is not stored.
 */
import { Room } from './room.ts';
import { recoverStoredScene } from './scene-recovery.ts';
import { LatencyHistory } from './latency-history.ts';
import { endedChanges, mayReportEnded } from './playback-clock.ts';
import { ScheduledHides, dueHides } from './scheduled-hides.ts';
import { CommitQueue } from './commit-queue.ts';
import { failBatch, roomSubmission, storeBatch, type StoredBatch } from './scene-commit.ts';
import type { ClientState, OverlayRoomStats } from './overlay-status.ts';
import { RoomAudience } from './room-audience.ts';
import { RoomAnnouncer, type Audience } from './room-announcer.ts';
import { firstRefusedItem, type OpResult, type Submission } from './scene-batch.ts';
import { admitSocketOp, settleStored, type AdmittingRoom, type CommitOutlets } from './op-admission.ts';
import type { LegacyFrames } from './legacy-frames.ts';
import { SceneFeed } from './scene-feed.ts';
import { RoomPeers, type PeerHost } from './room-peers.ts';
import type { RoomBus, RoomBusMessage, Tally } from './room-bus.ts';
import { readPatchFrame, withCommittedPatch } from './committed-patch.ts';
import { receiveObsMessage } from './obs-control.ts';
import type { ObsBoard } from './obs-board.ts';
import type { Connection, Role } from './connection.ts';
import type { RoomControl } from './room-control.ts';
import { auditedAs } from '../src/protocol/production-ops.ts';
import type * as v from 'valibot';
import { emptySceneState, toScene, type ItemRefusal, type SceneState } from './scene-model.ts';
import { CloseCode, ModeratorClientMessage, OverlayClientMessage, type EditOp, type SceneOp, type ServerMessage } from '../src/protocol/messages.ts';
import { AUDIT_CAP } from '../src/protocol/constants.ts';
import { dispatchOn } from '../src/protocol/variant-dispatch.ts';
import { ttsStateOf } from '../src/protocol/tts.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';
import type { AuditEntry, Store, StoredScene } from '../src/store/store.ts';
import type { CueAction } from '../src/protocol/playback.ts';
import type { Metrics } from '../src/metrics/metrics.ts';
import type { Logger } from '../src/logger.ts';

const STATUS_THROTTLE_MS = 250;
export { PATCH_HISTORY } from './patch-history.ts';
export type { OpResult } from './scene-batch.ts';

/** What an overlay or a moderator socket may send, parsed by the schema of its role. */
type ClientMessage = v.InferOutput<typeof OverlayClientMessage> | v.InferOutput<typeof ModeratorClientMessage>;
/** The role schemas, each frame checked against the option its `type` names (every overlay reports every version). */
const [OVERLAY_MESSAGES, MODERATOR_MESSAGES] = [dispatchOn(OverlayClientMessage), dispatchOn(ModeratorClientMessage)];

export interface OverlayRoomDeps {
  store: Store;
  metrics: Metrics;
  log: Logger;
  /** Server rules every stored item must also pass (MEDIA_ORIGINS); the schema alone is shared with clients. */
  refuseItem?: ItemRefusal;
  /** Scene frames for the FastAPI version's sockets (src/legacy/socket-messages.ts). */
  legacyFrames: LegacyFrames;
  /** The other instances on the same Redis (absent with the embedded store: one process). */
  bus?: RoomBus;
  /** Scopes, draft and production ops, history (src/production/); absent: every op applies live. */
  control?: RoomControl;
}

export class OverlayRoom extends Room<ClientMessage> implements PeerHost {
  private scene: SceneState = emptySceneState();
  private version = 0;
  private loading: Promise<void> | null = null;
  private loaded = false;
  private readonly commits = new CommitQueue<Submission>((batch) => this.commitNext(batch));
  private disposed = false;
  /** Apply latencies of the last minutes, for the streamer's health view. */
  readonly latency = new LatencyHistory();
  private readonly hides = new ScheduledHides(() => this.hideDueItems());
  /** The same room on other instances; null on the embedded store. */
  private readonly peers: RoomPeers | null;
  /** Client states, presence and room.status, across instances. */
  private readonly audience: RoomAudience;
  private readonly announcer: RoomAnnouncer;
  /** What the sockets get of the scene, and the recent patches for catch-up. */
  private readonly feed: SceneFeed;
  /** How ops get in (op-admission.ts), and where a stored version goes. */
  private readonly admission: AdmittingRoom;
  private readonly outlets: CommitOutlets;

  constructor(id: string, private readonly deps: OverlayRoomDeps) {
    super(id, deps.metrics);
    this.peers = deps.bus ? new RoomPeers(id, deps.bus, this, deps.log) : null;
    const out = { send: (conn: Connection, message: ServerMessage) => this.send(conn, message), broadcast: (message: object, filter?: (conn: Connection) => boolean) => this.broadcast(message, filter) };
    this.audience = new RoomAudience(this, out, this.peers, STATUS_THROTTLE_MS);
    this.feed = new SceneFeed({ connections: this.connections, sendRaw: (conn, data) => this.sendRaw(conn, data) }, deps.legacyFrames);
    this.announcer = new RoomAnnouncer(this.peers, { ...out, closeWhere: (match, code, reason) => this.closeWhere(match, code, reason) });
    const [send, drop] = [out.send, (conn: Connection, code: number, reason: string) => this.drop(conn, code, reason)];
    this.admission = { room: this, control: deps.control, version: () => this.version, send, drop, enqueue: (submission) => this.enqueue(submission) };
    this.outlets = { id, feed: this.feed, peers: this.peers, metrics: deps.metrics, control: deps.control, appendAudit: (entry) => this.appendAudit(entry) };
  }

  private get clients(): ReadonlyMap<string, ClientState> {
    return this.audience.clients;
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
    await this.peers?.join();
    const stored = await this.deps.store.loadScene(this.id);
    if (stored && stored.version > this.version) await this.adopt(stored);
    // A hideAt that passed while the room was down is committed before anyone sees the scene.
    const due = dueHides(this.scene.items.values(), Date.now(), this.version);
    if (due.length > 0) await this.commitBatch(due.map((op) => this.internalSubmission(op)));
    this.loaded = true;
    this.hides.reschedule(this.scene.items.values());
    this.peers?.advanced();
  }

  private async adopt(stored: StoredScene): Promise<void> {
    const recovered = await recoverStoredScene(this.id, stored, this.deps);
    if (recovered.audit) this.appendAudit(recovered.audit);
    this.scene = recovered.state;
    this.version = stored.version;
  }

  get currentVersion(): number {
    return this.version;
  }

  get obs(): ObsBoard {
    return this.audience.obs;
  }

  findItem(id: string): Item | undefined {
    return this.scene.items.get(id);
  }

  snapshot(): { scene: Scene; version: number } {
    return { scene: toScene(this.scene), version: this.version };
  }

  /** A socket the route has already authenticated joins; it gets the scene once loaded. */
  connect(conn: Connection, sinceVersion?: number): void {
    this.addConnection(conn);
    this.audience.join(conn);
    this.ready().then(
      () => {
        if (!this.connections.has(conn.id)) return;
        this.feed.catchUp(conn, sinceVersion, () => toScene(this.scene), this.version);
        this.audience.changed();
      },
      (error) => {
        this.deps.log.warn('room load failed', { room: this.id, error: String(error) });
        this.drop(conn, CloseCode.tryAgainLater, 'state store unavailable, retrying');
      },
    );
  }

  onDisconnect(conn: Connection): void {
    this.removeConnection(conn);
    this.audience.leave(conn);
  }

  protected override schemaFor(role: Role): v.GenericSchema<unknown, ClientMessage> {
    return role === 'overlay' ? OVERLAY_MESSAGES : MODERATOR_MESSAGES;
  }

  /** A valid message from a socket (`receive` in room.ts checked it against its role's schema). */
  protected override handle(conn: Connection, message: ClientMessage): void {
    const client = this.clients.get(conn.id);
    if (!client) return;
    switch (message.type) {
      case 'ping':
        this.send(conn, { type: 'pong', server_ts: Date.now(), client_ts: message.client_ts } satisfies ServerMessage);
        return;
      case 'resync':
        if (this.loaded) this.feed.catchUp(conn, message.since_version, () => toScene(this.scene), this.version);
        return;
      case 'overlay.applied':
        this.recordApplied(conn.id, message.version, message.server_ts);
        return;
      case 'presence':
        this.audience.select(conn, message.selection);
        return;
      case 'overlay.status':
      case 'obs.result':
      case 'overlay.reload':
      case 'obs.scene':
      case 'obs.replay.save':
        return receiveObsMessage(this.obs, conn, message, () => this.version, (reply) => this.send(conn, reply));
      case 'media.ended':
        if (mayReportEnded(conn)) this.mediaEnded(message.id, message.at, message.duration);
        return;
      case 'tts.started':
      case 'tts.ended':
      case 'tts.error':
        // Panels show the speech queue from what the overlays actually did.
        this.announce(ttsStateOf(message), 'moderators');
        return;
      default:
        return admitSocketOp(this.admission, conn, client, message);
    }
  }

  /**
   * Send a room-wide event that is not a scene change (e.g. `tts.speak`) to the room's
   * overlays, or to everyone; serialized once. Returns how many sockets got it.
   */
  announce(message: { type: string }, to: Audience = 'overlays'): number {
    return this.announcer.announce(message, to);
  }

  /** An event only the FastAPI version had (media.play/stop), to the sockets that speak it. */
  announceLegacy<M extends { type: string }>(message: M): number {
    return this.announcer.legacy(message);
  }

  /** Close this room's overlays here and on every other instance (view tokens rotated). */
  closeOverlaysEverywhere(code: number, reason: string): number {
    return this.announcer.closeOverlays(code, reason);
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
    const refused = firstRefusedItem(scene.items, this.deps.refuseItem);
    if (refused) return Promise.resolve({ ok: false, code: 'bad_message', message: refused, version: this.version });
    return new Promise((settle) => this.enqueue({ kind: 'replace', scene, knownVersion, who, settle }));
  }

  /** An overlay's report that it applied a version (socket or POST /api/overlay/applied). */
  recordApplied(clientId: string | null, version: number, serverTs?: number): void {
    const latency = serverTs !== undefined ? Date.now() - serverTs : NaN;
    this.deps.metrics.recordApply(latency);
    this.latency.record(latency);
    this.audience.applied(clientId, version, latency);
  }

  /** What the room knows of one socket's client: last message, applied version, latency. */
  clientState(connId: string): Readonly<ClientState & { lastSeen: number }> | undefined {
    const client = this.clients.get(connId);
    const lastSeen = this.seenAt(connId);
    return client && lastSeen !== undefined ? { ...client, lastSeen } : undefined;
  }

  /** This instance's figures; with other instances, `cluster` adds up the room on all of them. */
  stats(): OverlayRoomStats {
    return this.audience.stats();
  }

  // ---- the same room on other instances (room-peers.ts) -------------------------------

  localTally(): Tally {
    return this.audience.tally();
  }

  peersChanged(): void {
    this.audience.peersChanged();
  }

  deliver(message: Extract<RoomBusMessage, { kind: 'announce' | 'legacy' | 'close' }>): void {
    this.announcer.deliver(message);
  }

  applyRemotePatch(version: number, data: string): boolean {
    const frame = version === this.version + 1 && this.loaded ? readPatchFrame(data, version) : null;
    if (!frame) return false;
    const before = this.scene.items;
    this.scene = withCommittedPatch(this.scene, frame.ops, version);
    this.version = version;
    this.hides.reschedule(this.scene.items.values());
    this.feed.patch(data, frame.ops, version, frame.serverTs, before);
    this.deps.metrics.wsBroadcasts++;
    this.audience.changed();
    return true;
  }

  resync(): Promise<void> {
    return this.reload();
  }

  /** The room's scene as held here (storeBatch applies batches to it). */
  get state(): SceneState {
    return this.scene;
  }

  /** Wait until every queued op is committed (or failed); used when the server drains. */
  flush(): Promise<void> {
    return this.commits.flush();
  }

  protected override busy(): boolean {
    return this.commits.busy;
  }

  dispose(): void {
    this.disposed = true;
    this.peers?.dispose();
    this.audience.dispose();
    this.hides.cancel();
  }

  // ---- commit pipeline -------------------------------------------------------------

  private enqueue(submission: Submission): void {
    this.lastActivity = Date.now();
    this.commits.push(submission);
  }

  private async commitNext(batch: Submission[]): Promise<void> {
    try {
      await this.ready();
      await this.commitBatch(batch);
    } catch (error) {
      failBatch(batch, error, this.version, this.deps.log, this.id);
    }
  }

  private async commitBatch(batch: Submission[]): Promise<void> {
    const stored = await storeBatch(this, this.deps.store, batch, this.deps.refuseItem);
    if (stored) this.committed(stored);
  }

  private committed(stored: StoredBatch): void {
    // A reload (a cross-instance gap) may already have read this very commit back from the
    // store and sent it whole; then the sockets have it and only the acks are left to send.
    const overtaken = this.version >= stored.version;
    const before = this.scene.items;
    this.scene = stored.working;
    this.version = stored.version;
    this.hides.reschedule(this.scene.items.values());
    this.deps.metrics.sceneSaves++;
    settleStored(this.outlets, stored, toScene(this.scene), before, !overtaken);
  }

  /** After a lost compare-and-set: the winner's patch is usually on its way; else reload. */
  async catchUp(): Promise<void> {
    const stored = await this.deps.store.loadScene(this.id);
    if (stored && this.peers && (await this.peers.waitForVersion(stored.version))) return;
    await this.reload(stored);
  }

  /** Take the stored scene when it is newer than ours and send it whole to every socket. */
  private async reload(known?: StoredScene | null): Promise<void> {
    const stored = known !== undefined ? known : await this.deps.store.loadScene(this.id);
    if (stored) {
      // Only forward: a reload racing a commit must not put an older version back.
      if (stored.version <= this.version) return;
      await this.adopt(stored);
    } else {
      // The store lost the room (a Redis without persistence restarted): start again from empty.
      if (this.version === 0) return;
      this.scene = emptySceneState();
      this.version = 0;
    }
    this.hides.reschedule(this.scene.items.values());
    this.feed.full(toScene(this.scene), this.version, Date.now());
    this.audience.changed();
    this.peers?.advanced();
  }

  // ---- time-driven state (playback-clock.ts, scheduled-hides.ts) ----------------------

  private internalSubmission(op: EditOp): Submission {
    return roomSubmission(op, this.deps.log, this.id);
  }

  private hideDueItems(): void {
    if (this.disposed) return;
    const due = dueHides(this.scene.items.values(), Date.now(), this.version);
    if (due.length === 0) return this.hides.reschedule(this.scene.items.values());
    for (const op of due) this.enqueue(this.internalSubmission(op));
  }

  /** An overlay saw a non-looping clip end: commit the end (and autoHide) once, for everyone. */
  private mediaEnded(id: string, at: number, duration: number): void {
    const item = this.scene.items.get(id);
    const changes = item && this.loaded ? endedChanges(item, at, duration, Date.now()) : null;
    if (changes) this.enqueue(this.internalSubmission({ type: 'patch', id, changes, base_version: this.version }));
  }

  private appendAudit(entry: AuditEntry): void {
    const [room, line] = auditedAs(this.id, entry);
    this.deps.store.appendAudit(room, line, AUDIT_CAP).catch(() => {
      // The scene is committed; a lost audit line must not fail the op. The store logs outages.
    });
  }
}
