/**
 * The seam between an overlay room and production control (src/production/): the room hands
 * every op from a socket to `intercept` first (scope check, draft routing, production ops) and
 * reports every committed version to `committed` (history). Without a control the room
 * behaves as before: every op applies live.
 */
import type { Connection } from './connection.ts';
import type { OpResult } from './scene-batch.ts';
import type { SceneOp, PatchOp } from '../src/protocol/messages.ts';
import type { ProductionOp } from '../src/protocol/production-ops.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';

export interface CommittedVersion {
  room: string;
  version: number;
  who: string;
  /** The changes of this version; after a replace, every item (with `replaced`). */
  patch: PatchOp[];
  replaced: boolean;
  before: ReadonlyMap<string, Item>;
  scene: Scene;
}

/** What control needs of the room an op came in on. */
export interface ControlledRoom {
  readonly id: string;
  readonly currentVersion: number;
  findItem(id: string): Item | undefined;
}

export interface RoomControl {
  /**
   * True when control settled the op itself (refused it, sent it to the draft, or ran a
   * production op); false lets the room apply it as a live scene op.
   */
  intercept(room: ControlledRoom, conn: Connection, op: SceneOp | ProductionOp, settle: (result: OpResult) => void): boolean;
  committed(version: CommittedVersion): void;
}
