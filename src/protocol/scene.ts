/**
 * The scene model, declared once and imported by the server, the rooms and every client.
 * Input schemas accept the seed MVP's aliases (`content`, `font`) and normalise them, so
 * scripts written against the old API keep working.
 */
import * as v from 'valibot';
import { FontWeight, styleFields } from './item-style.ts';
import { timeFields } from './playback.ts';

export { CANVAS_WIDTH, CANVAS_HEIGHT } from './constants.ts';
export const MAX_ITEMS = 500;
export const MAX_TEXT_LENGTH = 2000;
export const MAX_ID_LENGTH = 64;
export const MAX_SRC_LENGTH = 2048;

export const ITEM_KINDS = ['text', 'image', 'video', 'audio', 'webrtc', 'timer'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** Item ids travel in URLs, DOM keys and audit entries: keep them short and boring. */
export const ItemId = v.pipe(
  v.string(),
  v.minLength(1, 'id must not be empty'),
  v.maxLength(MAX_ID_LENGTH, `id is longer than ${MAX_ID_LENGTH} characters`),
  v.regex(/^[A-Za-z0-9_.:-]+$/, 'id may hold only letters, digits and _ . : -'),
);

/** Room names end up in store keys and URLs. */
export const RoomId = v.pipe(
  v.string(),
  v.minLength(1, 'room must not be empty'),
  v.maxLength(64, 'room is longer than 64 characters'),
  v.regex(/^[A-Za-z0-9_-]+$/, 'room may hold only letters, digits, _ and -'),
);

const coordinate = (name: string) =>
  v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(-100_000), v.maxValue(100_000));
const size = (name: string) =>
  v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(0), v.maxValue(100_000));
const unit = (name: string) =>
  v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(0), v.maxValue(1));
const shortText = (name: string, max = 256) => v.pipe(v.string(`${name} must be a string`), v.maxLength(max));

/**
 * Only same-origin paths (`/uploads/...`) and http(s) URLs may be media sources: a
 * `javascript:` or `data:text/html` src in a scene is how overlays get owned.
 */
export const MediaSrc = v.pipe(
  v.string('src must be a string'),
  v.maxLength(MAX_SRC_LENGTH),
  v.check((s) => s === '' || /^\/(?!\/)/.test(s) || /^https?:\/\//i.test(s), 'src must be a /path or an http(s) URL'),
);

/** Every field an item may change; which ones matter depends on its kind. */
const changeableFields = {
  name: v.optional(shortText('name', 120)),
  x: v.optional(coordinate('x')),
  y: v.optional(coordinate('y')),
  w: v.optional(size('w')),
  h: v.optional(size('h')),
  z: v.optional(v.pipe(v.number('z must be a number'), v.integer('z must be an integer'), v.minValue(-1_000_000), v.maxValue(1_000_000))),
  rotation: v.optional(v.pipe(v.number('rotation must be a number'), v.finite(), v.minValue(-3600), v.maxValue(3600))),
  opacity: v.optional(unit('opacity')),
  visible: v.optional(v.boolean('visible must be true or false')),
  locked: v.optional(v.boolean('locked must be true or false')),
  text: v.optional(v.pipe(v.string('text must be a string'), v.maxLength(MAX_TEXT_LENGTH, `text is longer than ${MAX_TEXT_LENGTH} characters`))),
  fontSize: v.optional(v.pipe(v.number('fontSize must be a number'), v.finite(), v.minValue(1), v.maxValue(1000))),
  fontFamily: v.optional(shortText('fontFamily')),
  fontWeight: v.optional(FontWeight),
  align: v.optional(v.picklist(['left', 'center', 'right'])),
  color: v.optional(shortText('color', 64)),
  bg: v.optional(shortText('bg', 64)),
  src: v.optional(MediaSrc),
  loop: v.optional(v.boolean('loop must be true or false')),
  volume: v.optional(unit('volume')),
  muted: v.optional(v.boolean('muted must be true or false')),
  /** kind `webrtc`: the signaling room and viewer token the overlay uses to pull live video. */
  webrtcRoom: v.optional(RoomId),
  webrtcToken: v.optional(shortText('webrtcToken', 2048)),
  ...styleFields,
  ...timeFields,
};

/** Geometry and visibility every item has once stored, whatever the client sent. */
const ITEM_DEFAULTS = { x: 0, y: 0, w: 320, h: 180, z: 0, rotation: 0, opacity: 1, visible: true, locked: false };

export const ItemChanges = v.pipe(
  // `content` is the seed's alias for text or src; which one depends on the patched item's kind.
  v.object({ ...changeableFields, content: v.optional(v.pipe(v.string('content must be a string'), v.maxLength(MAX_TEXT_LENGTH))) }),
  v.transform(withoutUndefined),
  v.check((changes) => Object.keys(changes).length > 0, 'changes must change at least one field'),
);
export type ItemChanges = v.InferOutput<typeof ItemChanges>;

export const Item = v.pipe(
  v.object({ id: ItemId, kind: v.picklist(ITEM_KINDS, `kind must be one of ${ITEM_KINDS.join(', ')}`), ...changeableFields }),
  v.transform((item) => ({ ...ITEM_DEFAULTS, ...withoutUndefined(item) })),
);
export type Item = v.InferOutput<typeof Item>;

export const Scene = v.object({
  items: v.pipe(v.array(Item, 'items must be an array'), v.maxLength(MAX_ITEMS, `a scene holds at most ${MAX_ITEMS} items`)),
});
export type Scene = v.InferOutput<typeof Scene>;

export const emptyScene = (): Scene => ({ items: [] });

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  const out = {} as T;
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/**
 * The seed's panel wrote `content` for a text item's text or a media item's src, and `font`
 * for the font size. Rewrite those before validation; explicit new names win.
 */
export function normaliseItemAliases(input: unknown): unknown {
  if (!isRecord(input)) return input;
  const out: Record<string, unknown> = { ...input };
  // Without a kind (a patch) the room resolves `content` against the item it patches.
  if ('content' in out && typeof out.kind === 'string') {
    const target = out.kind === 'text' ? 'text' : 'src';
    if (out[target] === undefined) out[target] = out.content;
    delete out.content;
  }
  if ('font' in out) {
    if (out.fontSize === undefined) {
      const parsed = typeof out.font === 'string' ? Number.parseFloat(out.font) : out.font;
      out.fontSize = parsed;
    }
    delete out.font;
  }
  // The seed sent `type` for the kind of an item.
  if (out.kind === undefined && typeof out.type === 'string') out.kind = out.type;
  return out;
}

export function normaliseSceneAliases(input: unknown): unknown {
  if (!isRecord(input) || !Array.isArray(input.items)) return input;
  return { ...input, items: input.items.map(normaliseItemAliases) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
