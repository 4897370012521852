/**
 * The production actions, one implementation for the HTTP routes and the socket ops: presets
 * save/take, revert to a version, take the draft, reset the draft. Each whole-scene change is
 * ONE `replace` on the target room, so overlays get it as one version; each is audited.
 */
import type { RoomRegistry } from '../../rooms/registry.ts';
import type { OverlayRoom, OpResult } from '../../rooms/overlay-room.ts';
import type { Scene } from '../protocol/scene.ts';
import { draftRoomId, type Stage } from '../protocol/production-ops.ts';
import { PresetLimitError, ScenePresets } from '../store/scene-presets.ts';
import { SceneHistory } from '../store/scene-history.ts';
import { audit, type AuditDeps } from '../store/audit.ts';
import { diffIds, diffScenes } from './scene-diff.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../logger.ts';

export interface ProductionDeps {
  store: Store;
  log: Logger;
  overlays: () => RoomRegistry<OverlayRoom>;
}

type Failure = Extract<OpResult, { ok: false }>;
export type ActionResult = { ok: true; version: number; created?: boolean } | Failure;

export class ProductionActions {
  readonly presets: ScenePresets;
  private readonly histories = new Map<string, SceneHistory>();
  private readonly auditDeps: AuditDeps;

  constructor(private readonly deps: ProductionDeps) {
    this.presets = new ScenePresets(deps.store);
    this.auditDeps = { store: deps.store, log: deps.log };
  }

  /** The room (live, or its draft) ready to read. */
  async room(room: string, stage: Stage = 'live'): Promise<OverlayRoom> {
    const target = this.deps.overlays().get(stage === 'draft' ? draftRoomId(room) : room);
    await target.ready();
    return target;
  }

  /** The draft's scene; a room that never had a draft starts from a copy of live. */
  async draftScene(room: string): Promise<{ scene: Scene; version: number }> {
    const draft = await this.room(room, 'draft');
    if (draft.currentVersion === 0) await this.resetDraft(room, 'room');
    return draft.snapshot();
  }

  history(room: string): SceneHistory {
    let history = this.histories.get(room);
    if (!history) this.histories.set(room, (history = new SceneHistory(this.deps.store, room)));
    return history;
  }

  async savePreset(room: string, name: string, who: string, source: { stage: Stage } | { scene: Scene }): Promise<ActionResult> {
    const scene = 'scene' in source ? source.scene : source.stage === 'draft' ? (await this.draftScene(room)).scene : (await this.room(room)).snapshot().scene;
    try {
      const { created } = await this.presets.put(room, name, scene, who);
      await audit(this.auditDeps, room, { action: 'preset.save', name, items: scene.items.length }, who);
      return { ok: true, version: (await this.room(room)).currentVersion, created };
    } catch (error) {
      if (error instanceof PresetLimitError) return { ok: false, code: 'too_many_items', message: error.message, version: 0 };
      throw error;
    }
  }

  async takePreset(room: string, name: string, who: string, stage: Stage = 'live'): Promise<ActionResult> {
    const preset = await this.presets.get(room, name);
    if (!preset) return { ok: false, code: 'not_found', message: `no preset named ${JSON.stringify(name)}`, version: 0 };
    const target = await this.room(room, stage);
    const result = await target.replace(keepRunningMedia(target.snapshot().scene, preset.scene), who);
    if (result.ok) await audit(this.auditDeps, room, { action: 'preset.take', name, stage, version: result.version }, who);
    return result;
  }

  async revert(room: string, version: number, who: string): Promise<ActionResult> {
    const live = await this.room(room);
    const then = await this.history(room).sceneAt(version);
    if (!then) return { ok: false, code: 'not_found', message: `version ${version} is not in the kept history`, version: live.currentVersion };
    const result = await live.replace(then.scene, who);
    if (result.ok) await audit(this.auditDeps, room, { action: 'scene.revert', to_version: version, version: result.version }, who);
    return result;
  }

  /** The draft becomes the live scene in one version, audited with what it changed. */
  async take(room: string, who: string): Promise<ActionResult> {
    const live = await this.room(room);
    const { scene: draft } = await this.draftScene(room);
    const diff = diffIds(diffScenes(live.snapshot().scene, draft));
    const result = await live.replace(draft, who);
    if (result.ok) await audit(this.auditDeps, room, { action: 'scene.take', version: result.version, ...diff }, who);
    return result;
  }

  async resetDraft(room: string, who: string): Promise<ActionResult> {
    const live = await this.room(room);
    const draft = await this.room(room, 'draft');
    const result = await draft.replace(live.snapshot().scene, who);
    if (result.ok && who !== 'room') await audit(this.auditDeps, room, { action: 'draft.reset', draft_version: result.version }, who);
    return result;
  }
}

/**
 * A video or audio item in both scenes with the same id and `src` keeps the playback of the
 * scene it replaces: the overlay keeps the element, and the clip plays on instead of jumping
 * to where it was when the preset was saved.
 */
export function keepRunningMedia(current: Scene, next: Scene): Scene {
  const now = new Map(current.items.map((item) => [item.id, item]));
  return {
    items: next.items.map((item) => {
      const was = now.get(item.id);
      if (!was || (item.kind !== 'video' && item.kind !== 'audio') || was.kind !== item.kind || was.src !== item.src) return item;
      const { playback: _saved, ...rest } = item;
      return was.playback ? { ...rest, playback: was.playback } : rest;
    }),
  };
}
