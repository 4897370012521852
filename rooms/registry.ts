import type { Room } from './room.ts';

/** An empty room lingers this long, so a reconnecting overlay finds its patch history. */
export const ROOM_IDLE_MS = 60_000;
const SWEEP_EVERY_MS = 15_000;

/**
 * Rooms by id, created on first use and dropped when empty and idle. One registry per kind
 * of room (overlay, signaling); the process owns them, not module globals.
 */
export class RoomRegistry<R extends Room> {
  private readonly rooms = new Map<string, R>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly create: (id: string) => R,
    private readonly idleMs = ROOM_IDLE_MS,
  ) {}

  get(id: string): R {
    let room = this.rooms.get(id);
    if (!room) {
      room = this.create(id);
      this.rooms.set(id, room);
      this.startSweeping();
    }
    return room;
  }

  peek(id: string): R | undefined {
    return this.rooms.get(id);
  }

  all(): IterableIterator<R> {
    return this.rooms.values();
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Close silent sockets and drop idle rooms; runs on a timer, callable from tests. */
  sweep(now = Date.now()): void {
    for (const [id, room] of this.rooms) {
      room.sweep(now);
      if (room.isIdle(now, this.idleMs)) {
        room.dispose();
        this.rooms.delete(id);
      }
    }
    if (this.rooms.size === 0) this.stopSweeping();
  }

  dispose(): void {
    this.stopSweeping();
    for (const room of this.rooms.values()) room.dispose();
    this.rooms.clear();
  }

  private startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    // Do not keep a process alive just to sweep (Node and Deno both offer unref on timers).
    (this.timer as unknown as { unref?: () => void }).unref?.();
  }

  private stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
