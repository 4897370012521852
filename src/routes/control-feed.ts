/**
 * Turns what an overlay room broadcasts (scene.full, scene.patch, room.status) into the
 * compact control-state frames a button surface wants: `state.full` first, then
 * `state.patch {version, items?, removed?, by_name?, live_preset?, obs?}` with only what
 * changed. The feed sits in the room as a `control` connection; it never sends ops.
 */
import type { Item } from '../protocol/scene.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import { byName, controlItem, controlObs, livePreset, type ControlItemState, type ControlObsState, type ControlState } from '../protocol/control-state.ts';
import type { Preset } from '../protocol/presets.ts';

export interface ControlFeedDeps {
  room: string;
  presets: () => Promise<Preset[]>;
  send: (frame: object) => void;
}

export class ControlFeed {
  private items = new Map<string, Item>();
  private names: Record<string, string> = {};
  private obs: ControlObsState = controlObs(null);
  private live: string | null = null;
  private version = 0;
  /** Frames go out in the order the room sent them, though preset lookups are async. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ControlFeedDeps) {}

  /** A frame the room sent this connection. */
  receive(data: string): void {
    const message = JSON.parse(data) as ServerMessage;
    this.chain = this.chain.then(() => this.translate(message)).catch(() => {
      // A failed preset read leaves live_preset as it was; the next change retries.
    });
  }

  private async translate(message: ServerMessage): Promise<void> {
    const now = Date.now();
    if (message.type === 'scene.full') {
      this.items = new Map(message.scene.items.map((item) => [item.id, item]));
      this.version = message.version;
      this.names = byName(this.items.values());
      this.live = await this.livePreset();
      this.deps.send({ type: 'state.full', state: await this.full(now) });
      return;
    }
    if (message.type === 'scene.patch') {
      const changed: Record<string, ControlItemState> = {};
      const removed: string[] = [];
      for (const op of message.ops) {
        if (op.op === 'upsert') {
          this.items.set(op.item.id, op.item);
          changed[op.item.id] = controlItem(op.item, now);
        } else if (op.op === 'remove') {
          this.items.delete(op.id);
          removed.push(op.id);
        } else {
          removed.push(...this.items.keys());
          this.items.clear();
        }
      }
      this.version = message.version;
      const patch: Record<string, unknown> = { type: 'state.patch', version: this.version, server_ts: now, items: changed };
      if (removed.length > 0) patch.removed = removed;
      const names = byName(this.items.values());
      if (JSON.stringify(names) !== JSON.stringify(this.names)) patch.by_name = this.names = names;
      const live = await this.livePreset();
      if (live !== this.live) patch.live_preset = this.live = live;
      this.deps.send(patch);
      return;
    }
    if (message.type === 'room.status') {
      const obs = controlObs(message.obs);
      if (JSON.stringify(obs) === JSON.stringify(this.obs)) return;
      this.obs = obs;
      this.deps.send({ type: 'state.patch', version: this.version, server_ts: now, obs });
      return;
    }
    if (message.type === 'error' || message.type === 'pong') this.deps.send(message);
  }

  private async livePreset(): Promise<string | null> {
    return livePreset([...this.items.values()], await this.deps.presets());
  }

  private async full(now: number): Promise<ControlState> {
    return {
      room: this.deps.room,
      version: this.version,
      items: Object.fromEntries([...this.items.values()].map((item) => [item.id, controlItem(item, now)])),
      by_name: this.names,
      presets: (await this.deps.presets()).map((preset) => preset.name),
      live_preset: this.live,
      obs: this.obs,
      server_ts: now,
    };
  }
}
