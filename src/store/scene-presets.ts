/**
 * Presets per room in the store's key-value space (so both stores hold them the same way):
 * one key per preset under `preset:<room>:`, the name percent-encoded in the key.
 */
import * as v from 'valibot';
import { Scene } from '../protocol/scene.ts';
import { MAX_PRESETS_PER_ROOM, type Preset } from '../protocol/presets.ts';
import type { Store } from './store.ts';

const StoredPreset = v.object({ name: v.string(), scene: Scene, by: v.string(), updated: v.number() });

export class PresetLimitError extends Error {
  constructor() {
    super(`a room holds at most ${MAX_PRESETS_PER_ROOM} presets; delete one first`);
    this.name = 'PresetLimitError';
  }
}

export class ScenePresets {
  constructor(private readonly store: Store) {}

  async list(room: string): Promise<Preset[]> {
    const keys = await this.store.keys(prefixOf(room));
    const presets = await Promise.all(keys.map(async (key) => parse(await this.store.get(key))));
    return presets.filter((p): p is Preset => p !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(room: string, name: string): Promise<Preset | null> {
    return parse(await this.store.get(keyOf(room, name)));
  }

  /** Saves (or overwrites) a preset; a new name past the per-room bound throws PresetLimitError. */
  async put(room: string, name: string, scene: Scene, by: string): Promise<{ preset: Preset; created: boolean }> {
    const key = keyOf(room, name);
    const existing = await this.store.get(key);
    if (existing === null && (await this.store.keys(prefixOf(room))).length >= MAX_PRESETS_PER_ROOM) throw new PresetLimitError();
    const preset: Preset = { name, scene, by, updated: Date.now() };
    await this.store.set(key, JSON.stringify(preset));
    return { preset, created: existing === null };
  }

  async delete(room: string, name: string): Promise<boolean> {
    return (await this.store.getDel(keyOf(room, name))) !== null;
  }

  /** Every stored preset of every room, unparsed (readers such as the upload in-use check stay lenient). */
  async rawAll(): Promise<{ room: string; raw: string }[]> {
    const keys = await this.store.keys(PREFIX);
    const found = await Promise.all(keys.map(async (key) => ({ room: key.slice(PREFIX.length, key.lastIndexOf(':')), raw: await this.store.get(key) })));
    return found.filter((p): p is { room: string; raw: string } => p.raw !== null);
  }
}

const PREFIX = 'preset:';

const prefixOf = (room: string) => `${PREFIX}${room}:`;
const keyOf = (room: string, name: string) => `${prefixOf(room)}${encodeURIComponent(name)}`;

function parse(raw: string | null): Preset | null {
  if (raw === null) return null;
  const parsed = v.safeParse(StoredPreset, JSON.parse(raw));
  return parsed.success ? parsed.output : null;
}
