/**
 * What an overlay room's sockets receive of its scene: each committed patch (its own or one
 * from another instance) and whole scenes, serialized once per protocol (the FastAPI
 * version's frames only when such a socket is there), and the catch-up a (re)connecting
 * socket gets from the recent patches or, failing that, the whole scene.
 */
import { PatchHistory } from './patch-history.ts';
import { once, type LegacyFrames } from './legacy-frames.ts';
import type { Connection } from './connection.ts';
import type { PatchOp, ServerMessage } from '../src/protocol/messages.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';

export interface FeedOutput {
  readonly connections: ReadonlyMap<string, Connection>;
  /** False when the socket was dropped (lagging, gone). */
  sendRaw(conn: Connection, data: string): boolean;
}

export class SceneFeed {
  private readonly history = new PatchHistory();

  constructor(
    private readonly out: FeedOutput,
    private readonly legacy: LegacyFrames,
  ) {}

  /** A committed patch; `data` is its `scene.patch` frame, `before` the items before it. */
  patch(data: string, ops: readonly PatchOp[], version: number, serverTs: number, before: ReadonlyMap<string, Item>, send = true): void {
    this.history.remember(version, data);
    if (send) this.fanOut(data, once(() => this.legacy.patch(ops, version, serverTs, before)));
  }

  /** The whole scene to every socket (a replace, a reload); the patch chain starts again. */
  full(scene: Scene, version: number, serverTs: number, send = true): void {
    this.history.clear();
    if (!send) return;
    const message: ServerMessage = { type: 'scene.full', scene, version, server_ts: serverTs };
    this.fanOut(JSON.stringify(message), once(() => [this.legacy.full(scene, version, serverTs)]));
  }

  /** What a socket at `sinceVersion` lacks: the recent patches, or the whole scene. */
  catchUp(conn: Connection, sinceVersion: number | undefined, scene: () => Scene, version: number): void {
    // The FastAPI version's clients never resync by version: they get the whole scene.
    if (conn.legacy) return void this.out.sendRaw(conn, this.legacy.full(scene(), version, Date.now()));
    const patches = this.history.since(sinceVersion, version);
    if (patches) {
      for (const data of patches) this.out.sendRaw(conn, data);
      return;
    }
    this.out.sendRaw(conn, JSON.stringify({ type: 'scene.full', scene: scene(), version, server_ts: Date.now() } satisfies ServerMessage));
  }

  private fanOut(data: string, legacy: () => string[]): void {
    for (const conn of this.out.connections.values()) {
      if (!conn.legacy) this.out.sendRaw(conn, data);
      else for (const frame of legacy()) if (!this.out.sendRaw(conn, frame)) break;
    }
  }
}
