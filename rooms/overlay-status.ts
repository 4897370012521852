/**
 * What an overlay room knows of its clients (which version each overlay applied, how fast)
 * and the `room.status` the panels get from it, coalesced to one per throttle window.
 */
import type { Connection } from './connection.ts';
import type { OpRateLimiter } from './op-rate-limit.ts';
import type { ServerMessage } from '../src/protocol/messages.ts';
import type { ObsBoard } from './obs-board.ts';

export interface ClientState {
  /** Scene ops only; overlays send none. */
  ops: OpRateLimiter;
  appliedVersion: number | null;
  applyLatencyMs: number | null;
}

export interface OverlayRoomStats {
  room: string;
  version: number;
  overlays: number;
  moderators: number;
  /** The oldest version any live overlay has applied: whether they all caught up. */
  min_applied_version: number | null;
  apply_latency_ms: number | null;
  dropped_slow_sockets: number;
  /** With several instances on one Redis: the room's sockets on all of them (this one included). */
  cluster?: ClusterTally;
}

export interface ClusterTally {
  instances: number;
  overlays: number;
  moderators: number;
  min_applied_version: number | null;
  apply_latency_ms: number | null;
}

/** Count the room's sockets; overlays are measured, every other role counts as a moderator. */
export function tallyClients(connections: Iterable<Connection>, clients: ReadonlyMap<string, ClientState>) {
  let overlays = 0;
  let moderators = 0;
  let minApplied: number | null = null;
  let latency: number | null = null;
  for (const conn of connections) {
    // A control-surface feed (Companion, a bot) only reads: it is neither overlay nor editor.
    if (conn.role === 'control') continue;
    if (conn.role !== 'overlay') {
      moderators++;
      continue;
    }
    overlays++;
    const client = clients.get(conn.id);
    const applied = client?.appliedVersion ?? 0;
    minApplied = minApplied === null ? applied : Math.min(minApplied, applied);
    if (client?.applyLatencyMs != null) latency = Math.max(latency ?? 0, client.applyLatencyMs);
  }
  return { overlays, moderators, min_applied_version: minApplied, apply_latency_ms: latency };
}

/**
 * Panels see the whole room: every instance's sockets when there are several, plus, from this
 * instance's ObsBoard, each of its overlays' OBS state.
 */
export function statusMessage(stats: OverlayRoomStats, obs: Pick<ObsBoard, 'clientStatuses' | 'roomObs'>): ServerMessage {
  const counts = stats.cluster ?? stats;
  return {
    type: 'room.status',
    overlays: counts.overlays,
    moderators: counts.moderators,
    version: stats.version,
    min_applied_version: counts.min_applied_version,
    apply_latency_ms: counts.apply_latency_ms,
    overlay_clients: obs.clientStatuses(),
    obs: obs.roomObs(),
  };
}

/** Several instances' tallies as one: counts add up, the oldest applied version and the slowest latency win. */
export function mergeTallies(tallies: Omit<ClusterTally, 'instances'>[]): ClusterTally {
  const merged: ClusterTally = { instances: tallies.length, overlays: 0, moderators: 0, min_applied_version: null, apply_latency_ms: null };
  for (const tally of tallies) {
    merged.overlays += tally.overlays;
    merged.moderators += tally.moderators;
    if (tally.min_applied_version !== null) merged.min_applied_version = Math.min(merged.min_applied_version ?? Infinity, tally.min_applied_version);
    if (tally.apply_latency_ms !== null) merged.apply_latency_ms = Math.max(merged.apply_latency_ms ?? 0, tally.apply_latency_ms);
  }
  return merged;
}

/** Runs `publish` at most once per `ms`, after the first request of a window; never after cancel. */
export class ThrottledPublish {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private cancelled = false;

  constructor(
    private readonly publish: () => void,
    private readonly ms: number,
  ) {}

  request(): void {
    if (this.timer || this.cancelled) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publish();
    }, this.ms);
  }

  cancel(): void {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
