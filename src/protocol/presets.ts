/** Scene presets ("Starting soon", "BRB"): their names and what saving one may send. */
import * as v from 'valibot';
import { Scene, normaliseSceneAliases } from './scene.ts';

export const MAX_PRESET_NAME_LENGTH = 64;
/** Presets are whole scenes: a bound keeps one room from parking unbounded data in the store. */
export const MAX_PRESETS_PER_ROOM = 100;

/** Shown in buttons and used in URLs (percent-encoded): any text but control characters and `/`. */
export const PresetName = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.minLength(1, 'name must not be empty'),
  v.maxLength(MAX_PRESET_NAME_LENGTH, `name is longer than ${MAX_PRESET_NAME_LENGTH} characters`),
  v.check((name) => !/[\u0000-\u001f\u007f/\\]/.test(name), 'name must not contain control characters, / or \\'),
);

/** PUT …/presets/:name: an empty body saves the live scene, `{items}` saves that scene. */
export const SavePresetBody = v.pipe(
  v.unknown(),
  v.transform(normaliseSceneAliases),
  v.object({ items: v.optional(Scene.entries.items) }),
);

export interface Preset {
  name: string;
  scene: Scene;
  /** Who saved it last, and when (epoch ms). */
  by: string;
  updated: number;
}
