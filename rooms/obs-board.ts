/**
 * What a room knows of OBS through its overlays: each overlay's last `overlay.status`, which
 * overlay is on program, which ones look frozen, and the OBS commands (scene switch, replay
 * save) sent to ONE chosen overlay and answered by it. The room hands it its overlay sockets;
 * nothing here knows about scenes or the store.
 */
import type { Connection } from './connection.ts';
import {
  FROZEN_AFTER_MS,
  OBS_COMMAND_LEVEL,
  OBS_COMMAND_TIMEOUT_MS,
  type ObsCommandName,
  type ObsOutcome,
  type ObsServerMessage,
  type OverlayClientStatus,
  type OverlayStatus,
  type RoomObsState,
} from '../src/protocol/obs.ts';

export interface ObsBoardHost {
  overlays(): Iterable<Connection>;
  send(conn: Connection, message: ObsServerMessage): boolean;
  version(): number;
  client(connId: string): { appliedVersion: number | null; applyLatencyMs: number | null; lastSeen: number } | undefined;
  /** Something panels show changed: publish `room.status` (throttled by the room). */
  changed(): void;
  now(): number;
}

interface Report {
  status: OverlayStatus;
  /** When this overlay last said it is on program: the tie-break for choosing who executes. */
  activeAt: number;
}

interface Pending {
  overlayId: string;
  settle: (outcome: ObsOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How often connected overlays are checked for being frozen. */
const FROZEN_CHECK_MS = 1000;

export class ObsBoard {
  private readonly reports = new Map<string, Report>();
  private readonly behindSince = new Map<string, number>();
  private readonly frozen = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private watcher: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: ObsBoardHost) {}

  /** An overlay joined: start watching for frozen overlays (stops by itself when none is left). */
  watch(): void {
    this.watcher ??= setInterval(() => this.checkFrozen(), FROZEN_CHECK_MS);
  }

  report(conn: Connection, status: OverlayStatus): void {
    const before = this.reports.get(conn.id);
    const activeAt = status.active ? this.host.now() : (before?.activeAt ?? 0);
    this.reports.set(conn.id, { status, activeAt });
    this.host.changed();
  }

  /** The chosen overlay answered a command. Answers for commands it was not sent are ignored. */
  result(conn: Connection, cmdId: string, ok: boolean, code?: 'obs_not_available' | 'obs_permission' | 'obs_failed', message?: string): void {
    const waiting = this.pending.get(cmdId);
    if (!waiting || waiting.overlayId !== conn.id) return;
    this.pending.delete(cmdId);
    clearTimeout(waiting.timer);
    waiting.settle(ok ? { ok: true, overlay_id: conn.id } : { ok: false, code: code ?? 'obs_failed', message: message ?? 'OBS refused the command' });
  }

  leave(conn: Connection): void {
    this.reports.delete(conn.id);
    this.behindSince.delete(conn.id);
    this.frozen.delete(conn.id);
    for (const [cmdId, waiting] of this.pending) {
      if (waiting.overlayId !== conn.id) continue;
      this.pending.delete(cmdId);
      clearTimeout(waiting.timer);
      waiting.settle({ ok: false, code: 'obs_not_available', message: 'the overlay that was to run the command disconnected' });
    }
  }

  /** Make the overlay(s) reload with a cache-busting URL; how many were told. */
  reload(overlayId?: string): number {
    let told = 0;
    for (const conn of this.host.overlays()) {
      if (overlayId !== undefined && conn.id !== overlayId) continue;
      if (this.host.send(conn, { type: 'overlay.reload', nonce: crypto.randomUUID().slice(0, 8) })) told++;
    }
    return told;
  }

  /** Run an OBS command on the one overlay best placed to: in OBS, with the level it needs, most recently on program. */
  command(command: ObsCommandName, name?: string): Promise<ObsOutcome> {
    const needed = OBS_COMMAND_LEVEL[command];
    const inObs = [...this.host.overlays()].filter((conn) => this.reports.get(conn.id)?.status.obs);
    if (inObs.length === 0) return Promise.resolve({ ok: false, code: 'obs_not_available', message: 'no overlay of this room is running inside OBS' });
    const able = inObs.filter((conn) => (this.reports.get(conn.id)?.status.obs?.control_level ?? 0) >= needed);
    const chosen = able.sort((a, b) => this.rank(b) - this.rank(a))[0];
    if (!chosen) {
      return Promise.resolve({ ok: false, code: 'obs_permission', message: `${command} needs the OBS page permission level ${needed} or more on the browser source; the overlays have less` });
    }
    const cmdId = crypto.randomUUID();
    return new Promise((settle) => {
      const timer = setTimeout(() => {
        this.pending.delete(cmdId);
        settle({ ok: false, code: 'obs_not_available', message: 'the overlay did not answer in time' });
      }, OBS_COMMAND_TIMEOUT_MS);
      this.pending.set(cmdId, { overlayId: chosen.id, settle, timer });
      if (!this.host.send(chosen, { type: 'obs.command', cmd_id: cmdId, command, ...(name !== undefined ? { name } : {}) })) this.leave(chosen);
    });
  }

  /** Per-overlay state for `room.status`. */
  clientStatuses(): OverlayClientStatus[] {
    const out: OverlayClientStatus[] = [];
    for (const conn of this.host.overlays()) {
      const status = this.reports.get(conn.id)?.status;
      const client = this.host.client(conn.id);
      out.push({
        id: conn.id,
        connected: true,
        obs: status?.obs ?? null,
        visible: status?.visible ?? null,
        active: status?.active ?? null,
        scene: status?.scene ?? null,
        streaming: status?.streaming ?? null,
        recording: status?.recording ?? null,
        applied_version: client?.appliedVersion ?? null,
        latency_ms: client?.applyLatencyMs ?? null,
        last_heartbeat: client?.lastSeen ?? 0,
        frozen: this.frozen.has(conn.id),
      });
    }
    return out;
  }

  /** OBS as seen by the overlay that would run commands (any level), or null outside OBS. */
  roomObs(): RoomObsState | null {
    const inObs = [...this.host.overlays()].filter((conn) => this.reports.get(conn.id)?.status.obs);
    const best = inObs.sort((a, b) => this.rank(b) - this.rank(a))[0];
    const report = best && this.reports.get(best.id);
    if (!best || !report?.status.obs) return null;
    const { status } = report;
    return {
      overlay_id: best.id,
      control_level: report.status.obs.control_level,
      on_program: inObs.some((conn) => this.reports.get(conn.id)?.status.active === true),
      scene: status.scene ?? null,
      scenes: status.scenes ?? [],
      transitions: status.transitions ?? [],
      transition: status.transition ?? null,
      streaming: status.streaming ?? null,
      recording: status.recording ?? null,
    };
  }

  /** Frozen: still pinging, but behind the room's version for longer than FROZEN_AFTER_MS. */
  checkFrozen(): void {
    const now = this.host.now();
    const version = this.host.version();
    let overlays = 0;
    let changed = false;
    for (const conn of this.host.overlays()) {
      overlays++;
      const client = this.host.client(conn.id);
      if (!client) continue;
      const behind = (client.appliedVersion ?? 0) < version;
      if (!behind) this.behindSince.delete(conn.id);
      else if (!this.behindSince.has(conn.id)) this.behindSince.set(conn.id, now);
      const since = this.behindSince.get(conn.id);
      const isFrozen = since !== undefined && now - since > FROZEN_AFTER_MS && now - client.lastSeen < FROZEN_AFTER_MS;
      if (isFrozen !== this.frozen.has(conn.id)) {
        changed = true;
        if (isFrozen) this.frozen.add(conn.id);
        else this.frozen.delete(conn.id);
      }
    }
    if (changed) this.host.changed();
    if (overlays === 0) this.stopWatching();
  }

  dispose(): void {
    this.stopWatching();
    for (const waiting of this.pending.values()) clearTimeout(waiting.timer);
    this.pending.clear();
  }

  private stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  /** On program now beats was on program recently beats never; then the higher level. */
  private rank(conn: Connection): number {
    const report = this.reports.get(conn.id);
    if (!report) return 0;
    return (report.status.active ? 2 : 1) * 1e15 + report.activeAt * 10 + (report.status.obs?.control_level ?? 0);
  }
}
