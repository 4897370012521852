/**
 * How an op enters an overlay room and how it leaves it.
 *
 * In: a socket's op passes its rate limit, then the control layer (scopes, draft routing,
 * production ops), then joins the room's commit queue carrying its reply (ack or error) as
 * its settle. Out: once a batch is stored, every accepted op is acknowledged, the version goes
 * out as one frame (to this instance's sockets and to the other instances), its audit lines
 * are written and its history reported: in that order, so an ack never precedes the store
 * and a frame never precedes its ack.
 */
import { errorMessage } from './room-replies.ts';
import { OP_BURST, OP_RATE_PER_SECOND } from './op-rate-limit.ts';
import { auditEntries, type OpResult, type Submission } from './scene-batch.ts';
import type { StoredBatch } from './scene-commit.ts';
import type { ClientState } from './overlay-status.ts';
import type { SceneFeed } from './scene-feed.ts';
import type { RoomPeers } from './room-peers.ts';
import type { ControlledRoom, RoomControl } from './room-control.ts';
import type { Connection } from './connection.ts';
import { isProductionOp, type ProductionOp } from '../src/protocol/production-ops.ts';
import { CloseCode, type SceneOp, type ServerMessage } from '../src/protocol/messages.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';
import type { AuditEntry } from '../src/store/store.ts';
import type { Metrics } from '../src/metrics/metrics.ts';

/** What admission needs of its room (the room's own protected verbs, bound once). */
export interface AdmittingRoom {
  readonly room: ControlledRoom;
  readonly control: RoomControl | undefined;
  version(): number;
  send(conn: Connection, message: ServerMessage): void;
  drop(conn: Connection, code: number, reason: string): void;
  enqueue(submission: Submission): void;
}

/** A moderator socket's op, already valid by its schema. */
export function admitSocketOp(host: AdmittingRoom, conn: Connection, client: ClientState, op: SceneOp | ProductionOp): void {
  const admission = client.ops.take();
  if (admission !== 'ok') {
    host.send(conn, errorMessage('rate_limited', `too many ops: at most ${OP_RATE_PER_SECOND} a second, ${OP_BURST} at once; nothing was changed`, host.version(), op.req_id));
    if (admission === 'flood') host.drop(conn, CloseCode.policy, 'too many ops');
    return;
  }
  const settle = (result: OpResult) => void host.send(conn, result.ok ? { type: 'ack', req_id: op.req_id, version: result.version } : errorMessage(result.code, result.message, result.version, op.req_id, undefined, result.item));
  if (host.control?.intercept(host.room, conn, op, settle)) return;
  if (isProductionOp(op)) return settle({ ok: false, code: 'bad_message', message: `${op.type} is not available here`, version: host.version() });
  host.enqueue({ kind: 'op', op, who: conn.label, settle });
}

/** Where a stored version goes. */
export interface CommitOutlets {
  readonly id: string;
  readonly feed: SceneFeed;
  readonly peers: RoomPeers | null;
  readonly metrics: Metrics;
  readonly control: RoomControl | undefined;
  appendAudit(entry: AuditEntry): void;
}

/**
 * Settle and publish a stored batch; the room has already taken its state. `scene` is the
 * stored scene, `before` the items before this version; `send` false when a reload already
 * sent this version whole (only the acks are left).
 */
export function settleStored(out: CommitOutlets, { version, accepted, patch, replaced }: StoredBatch, scene: Scene, before: ReadonlyMap<string, Item>, send: boolean): void {
  for (const submission of accepted) submission.settle({ ok: true, version });
  const who = [...new Set(accepted.map((s) => s.who))].join(', ');
  const serverTs = Date.now();
  if (replaced) {
    out.feed.full(scene, version, serverTs, send);
    out.peers?.publishFull(version);
  } else {
    const data = JSON.stringify({ type: 'scene.patch', ops: patch, version, server_ts: serverTs, by: who } satisfies ServerMessage);
    out.feed.patch(data, patch, version, serverTs, before, send);
    out.peers?.publishPatch(version, data);
  }
  out.metrics.wsBroadcasts++;
  for (const entry of auditEntries(accepted, version, Date.now())) out.appendAudit(entry);
  // History is written by the instance whose commit won, once per version.
  out.control?.committed({ room: out.id, version, who, patch: replaced ? scene.items.map((item) => ({ op: 'upsert', item })) : patch, replaced, before, scene });
  out.peers?.advanced();
}
