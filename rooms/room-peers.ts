/**
 * One overlay room's view of the same room on the other instances (rooms/room-bus.ts carries
 * the messages). It puts committed patches in version order: the next version is applied at
 * once, a later one waits a moment for the ones before it, and a gap that does not fill (a
 * lost message, a resubscribe after a Redis blip) makes the room reload from the store and
 * send `scene.full` to its sockets. It also keeps each other instance's tally (sockets,
 * presence) for `room.status` and the panels' presence list; an instance that stops sending
 * (killed) is forgotten after TALLY_EXPIRY_MS.
 */
import type { RoomBus, RoomBusMessage, Tally } from './room-bus.ts';
import type { Logger } from '../src/logger.ts';

/** How long a later patch waits for the missing ones before the room reloads. */
export const GAP_WAIT_MS = 200;
/** Each instance holding sockets in the room repeats its tally this often... */
export const TALLY_HEARTBEAT_MS = 5_000;
/** ...and the others forget it after this long without one. */
export const TALLY_EXPIRY_MS = 15_000;

/** What the room offers its peers; OverlayRoom implements it. */
export interface PeerHost {
  /** The version the room has applied (committed by itself or received). */
  readonly currentVersion: number;
  /** Apply the committed patch right after currentVersion; false when it cannot be read. */
  applyRemotePatch(version: number, data: string): boolean;
  /** Load the stored scene if it is newer and send `scene.full` to the sockets behind. */
  resync(): Promise<void>;
  /** An announcement, legacy event or close from another instance, for this room's sockets. */
  deliver(message: Extract<RoomBusMessage, { kind: 'announce' | 'legacy' | 'close' }>): void;
  localTally(): Tally;
  /** Another instance's tally changed: refresh room.status and the presence list. */
  peersChanged(): void;
}

export class RoomPeers {
  private readonly pending = new Map<number, string>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly tallies = new Map<string, { tally: Tally; at: number }>();
  private leave: (() => Promise<void>) | null = null;
  private disposed = false;
  private resyncing: Promise<void> | null = null;
  /** Callers waiting for the room to reach a version through the channel. */
  private readonly waiters = new Set<{ version: number; done(reached: boolean): void }>();

  constructor(
    private readonly room: string,
    private readonly bus: RoomBus,
    private readonly host: PeerHost,
    private readonly log: Logger,
  ) {}

  /** Subscribe before the room loads its scene, so nothing committed in between is missed. */
  async join(): Promise<void> {
    if (this.leave || this.disposed) return;
    const leave = await this.bus.joinRoom(this.room, (message, from) => this.receive(message, from));
    if (this.disposed) return void leave();
    this.leave = leave;
    this.bus.toRoom(this.room, { kind: 'hello' });
    this.heartbeat = setInterval(() => this.sendTally(), TALLY_HEARTBEAT_MS);
    (this.heartbeat as unknown as { unref?: () => void }).unref?.();
  }

  /** The room's version moved (own commit, reload): patches waiting for it may now apply. */
  advanced(): void {
    this.drain();
  }

  /**
   * Resolves true once the room has applied `version` from the channel, false after `ms`: a
   * commit that lost its compare-and-set usually finds the winner's patch already on its way,
   * and then its sockets need no whole scene.
   */
  waitForVersion(version: number, ms = GAP_WAIT_MS): Promise<boolean> {
    if (this.host.currentVersion >= version) return Promise.resolve(true);
    if (!this.leave) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        version,
        done: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.done(false), ms);
      this.waiters.add(waiter);
    });
  }

  publishPatch(version: number, data: string): void {
    this.bus.toRoom(this.room, { kind: 'patch', version, data });
  }

  publishFull(version: number): void {
    this.bus.toRoom(this.room, { kind: 'full', version });
  }

  publish(message: Extract<RoomBusMessage, { kind: 'announce' | 'legacy' | 'close' }>): void {
    this.bus.toRoom(this.room, message);
  }

  sendTally(): void {
    if (!this.leave) return;
    this.bus.toRoom(this.room, { kind: 'tally', tally: this.host.localTally() });
  }

  /** The other instances' tallies that are still fresh. */
  remoteTallies(now = Date.now()): Tally[] {
    const fresh: Tally[] = [];
    for (const [from, entry] of this.tallies) {
      if (now - entry.at > TALLY_EXPIRY_MS) this.tallies.delete(from);
      else fresh.push(entry.tally);
    }
    return fresh;
  }

  dispose(): void {
    this.disposed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.gapTimer = this.heartbeat = null;
    this.pending.clear();
    for (const waiter of [...this.waiters]) waiter.done(false);
    const leave = this.leave;
    this.leave = null;
    leave?.().catch(() => {});
  }

  private receive(message: RoomBusMessage, from: string): void {
    if (this.disposed) return;
    switch (message.kind) {
      case 'patch':
        if (message.version <= this.host.currentVersion) return;
        this.pending.set(message.version, message.data);
        this.drain();
        return;
      case 'full':
        if (message.version > this.host.currentVersion) void this.resync();
        return;
      case 'tally':
        this.tallies.set(from, { tally: message.tally, at: Date.now() });
        this.host.peersChanged();
        return;
      case 'hello':
        this.sendTally();
        return;
      default:
        this.host.deliver(message);
    }
  }

  private drain(): void {
    if (this.resyncing) return;
    for (let next = this.host.currentVersion + 1; this.pending.has(next); next = this.host.currentVersion + 1) {
      const data = this.pending.get(next)!;
      this.pending.delete(next);
      if (!this.host.applyRemotePatch(next, data)) {
        this.log.warn('cross-instance patch unreadable; reloading the room', { room: this.room, version: next });
        void this.resync();
        return;
      }
    }
    for (const version of this.pending.keys()) if (version <= this.host.currentVersion) this.pending.delete(version);
    for (const waiter of [...this.waiters]) if (waiter.version <= this.host.currentVersion) waiter.done(true);
    if (this.pending.size === 0) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = null;
      return;
    }
    // A later version is here and the next is not: give it a moment, it may be on its way.
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = null;
      if (this.pending.size > 0) void this.resync();
    }, GAP_WAIT_MS);
  }

  private resync(): Promise<void> {
    this.resyncing ??= this.host
      .resync()
      .catch((error) => this.log.warn('room reload after a cross-instance gap failed', { room: this.room, error: String(error) }))
      .finally(() => {
        this.resyncing = null;
        this.drain();
      });
    return this.resyncing;
  }
}
