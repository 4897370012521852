/**
 * The compact room state control surfaces show on their buttons (GET /api/rooms/:room/state
 * and the `state.full` / `state.patch` frames of WS /ws/control): per item whether it is
 * visible, its text, playback and timer value; the presets and which one is live; OBS program
 * state. Plain functions, no valibot. See docs/control.md.
 */
import type { Item } from './scene.ts';
import type { RoomObsState } from './obs.ts';
import { timerRunning, timerValueMs } from './timeline.ts';

export interface ControlItemState {
  id: string;
  name: string | null;
  kind: Item['kind'];
  visible: boolean;
  text?: string;
  playback?: 'playing' | 'paused' | 'stopped';
  timer?: { mode: 'countdown' | 'countup'; running: boolean; value_ms: number; at: number };
}

export interface ControlObsState {
  in_obs: boolean;
  on_program: boolean;
  scene: string | null;
  streaming: boolean | null;
  recording: boolean | null;
}

export interface ControlState {
  room: string;
  version: number;
  /** By id; `by_name` maps each name to its item's id (names are not unique: the first wins). */
  items: Record<string, ControlItemState>;
  by_name: Record<string, string>;
  presets: string[];
  /** The preset whose items equal the live scene exactly, or null. */
  live_preset: string | null;
  obs: ControlObsState;
  server_ts: number;
}

export function controlItem(item: Item, now: number): ControlItemState {
  return {
    id: item.id,
    name: item.name ?? null,
    kind: item.kind,
    visible: item.visible,
    ...(item.text !== undefined ? { text: item.text } : {}),
    ...(item.playback ? { playback: item.playback.state } : {}),
    ...(item.timer ? { timer: { mode: item.timer.mode, running: timerRunning(item.timer), value_ms: timerValueMs(item.timer, now), at: now } } : {}),
  };
}

export function byName(items: Iterable<Item>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) if (item.name !== undefined && !(item.name in out)) out[item.name] = item.id;
  return out;
}

export function controlObs(obs: RoomObsState | null | undefined): ControlObsState {
  if (!obs) return { in_obs: false, on_program: false, scene: null, streaming: null, recording: null };
  return { in_obs: true, on_program: obs.on_program, scene: obs.scene, streaming: obs.streaming, recording: obs.recording };
}

/** The preset whose items equal the live items (any order, any key order), else null. */
export function livePreset(liveItems: readonly Item[], presets: readonly { name: string; scene: { items: readonly Item[] } }[]): string | null {
  const live = canonicalItems(liveItems);
  return presets.find((preset) => canonicalItems(preset.scene.items) === live)?.name ?? null;
}

const canonicalItems = (items: readonly Item[]) => JSON.stringify([...items].sort((a, b) => (a.id < b.id ? -1 : 1)).map(canonical));

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
}
