/**
 * Production control as the overlay rooms see it (rooms/room-control.ts): every socket op is
 * checked against the socket's scopes, `stage: 'draft'` ops go to the room's draft, the
 * production ops (take, presets, revert, draft.reset) run here, and every live version is
 * written to the room's history.
 */
import type { Connection } from '../../rooms/connection.ts';
import type { ControlledRoom, CommittedVersion, RoomControl } from '../../rooms/room-control.ts';
import type { OpResult } from '../../rooms/overlay-room.ts';
import { opRefusal } from '../../rooms/op-scopes.ts';
import type { SceneOp } from '../protocol/messages.ts';
import { isDraftRoomId, isProductionOp, liveRoomIdOf, type ProductionOp, type Stage } from '../protocol/production-ops.ts';
import { UNRESTRICTED, missingScope } from '../protocol/scopes.ts';
import type { Logger } from '../logger.ts';
import type { ProductionActions } from './production-actions.ts';
import { summarizeChange } from './change-summary.ts';

export class ProductionControl implements RoomControl {
  constructor(
    private readonly actions: ProductionActions,
    private readonly log: Logger,
  ) {}

  intercept(room: ControlledRoom, conn: Connection, op: SceneOp | ProductionOp, settle: (result: OpResult) => void): boolean {
    const onDraft = isDraftRoomId(room.id);
    const live = liveRoomIdOf(room.id);
    const failed = (error: unknown) => {
      this.log.warn('production op failed', { room: room.id, op: op.type, error: String(error) });
      settle({ ok: false, code: 'store_unavailable', message: 'the state store is unavailable; nothing was changed, try again', version: room.currentVersion });
    };
    if (isProductionOp(op)) {
      const stage: Stage | undefined = 'stage' in op ? op.stage : undefined;
      const refusal = missingScope(conn.grant ?? UNRESTRICTED, { type: op.type, stage });
      if (refusal) settle({ ok: false, code: 'forbidden', message: refusal.message, version: room.currentVersion });
      else this.run(live, op, conn.label).then(settle, failed);
      return true;
    }
    const stage: Stage = onDraft ? 'draft' : (op.stage ?? 'live');
    if (stage === 'live' || onDraft) {
      const refusal = opRefusal(conn.grant, { ...op, stage }, (id) => room.findItem(id));
      if (!refusal) return false;
      settle({ ok: false, code: 'forbidden', message: refusal.message, version: room.currentVersion });
      return true;
    }
    // A draft op on the live socket: checked against the draft's items, applied there.
    this.actions
      .draftScene(live)
      .then(async () => {
        const draft = await this.actions.room(live, 'draft');
        const refusal = opRefusal(conn.grant, { ...op, stage }, (id) => draft.findItem(id));
        return refusal ? { ok: false as const, code: 'forbidden' as const, message: refusal.message, version: draft.currentVersion } : draft.submit(op, conn.label);
      })
      .then(settle, failed);
    return true;
  }

  committed(commit: CommittedVersion): void {
    if (isDraftRoomId(commit.room)) return;
    const ops = commit.replaced ? [{ op: 'clear' as const }, ...commit.patch] : commit.patch;
    const entry = { version: commit.version, ts: Date.now(), who: commit.who, summary: summarizeChange(commit.who, commit.before, commit.patch, commit.replaced), ops };
    this.actions
      .history(commit.room)
      .record(entry, commit.scene)
      .catch((error) => this.log.warn('history write failed', { room: commit.room, version: commit.version, error: String(error) }));
  }

  private run(room: string, op: ProductionOp, who: string): Promise<OpResult> {
    switch (op.type) {
      case 'take':
        return this.actions.take(room, who);
      case 'draft.reset':
        return this.actions.resetDraft(room, who);
      case 'preset.save':
        return this.actions.savePreset(room, op.name, who, { stage: op.stage ?? 'live' });
      case 'preset.take':
        return this.actions.takePreset(room, op.name, who, op.stage ?? 'live');
      case 'revert':
        return this.actions.revert(room, op.version, who);
    }
  }
}
