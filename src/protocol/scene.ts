/**
 * The scene model, declared once and imported by the server, the rooms and every client.
 * Input schemas accept the FastAPI version's aliases (`content`, `font`) and normalise them, so
 * scripts written against the legacy API keep working.
 */
import * as v from 'valibot';
import { isCssColor } from './css-color.ts';
import { FontWeight, styleFields } from './item-style.ts';
import { timeFields } from './playback.ts';

export { CANVAS_WIDTH, CANVAS_HEIGHT } from './constants.ts';
export const MAX_ITEMS = 500;
export const MAX_TEXT_LENGTH = 2000;
export const MAX_ID_LENGTH = 64;
export const MAX_SRC_LENGTH = 2048;
/** Paint order bound: `z` lies in [-MAX_Z, MAX_Z]; the room re-numbers rather than pass it. */
export const MAX_Z = 1_000_000;

export const ITEM_KINDS = ['text', 'image', 'video', 'audio', 'webrtc', 'timer'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** Item ids travel in URLs, DOM keys and audit entries: keep them short and boring. */
export const ItemId = v.pipe(
  v.string('id must be a string'),
  v.minLength(1, 'id must not be empty'),
  v.maxLength(MAX_ID_LENGTH, `id is longer than ${MAX_ID_LENGTH} characters`),
  v.regex(/^[A-Za-z0-9_.:-]+$/, 'id may hold only letters, digits and _ . : -'),
);

/** Room names end up in store keys and URLs. */
export const RoomId = v.pipe(
  v.string('room must be a string'),
  v.minLength(1, 'room must not be empty'),
  v.maxLength(64, 'room is longer than 64 characters'),
  v.regex(/^[A-Za-z0-9_-]+$/, 'room may hold only letters, digits, _ and -'),
);

const number = (name: string) => v.number(`${name} must be a number`);
const bounded = (name: string, min: number, max: number) =>
  v.pipe(number(name), v.finite(`${name} must be finite`), v.minValue(min, `${name} must be at least ${min}`), v.maxValue(max, `${name} must be at most ${max}`));
const coordinate = (name: string) => bounded(name, -100_000, 100_000);
const size = (name: string) => bounded(name, 0, 100_000);
const unit = (name: string) => bounded(name, 0, 1);
const shortText = (name: string, max = 256) =>
  v.pipe(v.string(`${name} must be a string`), v.maxLength(max, `${name} is longer than ${max} characters`));
const cssColor = (name: string) =>
  v.pipe(
    shortText(name, 64),
    v.check(isCssColor, `${name} must be a CSS colour: #hex, rgb(), rgba(), hsl(), hsla(), a colour name or transparent`),
  );

/** Resolves a relative src the way a browser would, to see which origin it really names. */
const SAME_ORIGIN_PROBE = 'http://same-origin.invalid';

/**
 * Only same-origin paths (`/uploads/...`) and http(s) URLs may be media sources: a
 * `javascript:` or `data:text/html` src in a scene is how overlays get owned. Browsers turn
 * `\` into `/` and drop tabs and newlines inside URLs, so `/\evil.example/x` or `/<tab>/evil…`
 * would name another host: both are refused outright. Which outside origins are allowed is
 * the server's setting (MEDIA_ORIGINS), checked where the item is committed, not here.
 */
export const MediaSrc = v.pipe(
  v.string('src must be a string'),
  v.maxLength(MAX_SRC_LENGTH, `src is longer than ${MAX_SRC_LENGTH} characters`),
  // One issue per src, the most specific first: a client shows one clear reason.
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = dataset.typed && dataset.value.length <= MAX_SRC_LENGTH ? mediaSrcShapeProblem(dataset.value) : null;
    if (problem) addIssue({ message: problem });
  }),
);

function mediaSrcShapeProblem(src: string): string | null {
  if (src.includes('\\')) return 'src must not contain a backslash';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(src)) return 'src must not contain control characters (tab, newline, …)';
  if (src === '' || isSameOriginPath(src) || /^https?:\/\/[^/?#]/i.test(src)) return null;
  return 'src must be a /path on this server or an http(s) URL';
}

function isSameOriginPath(src: string): boolean {
  if (!/^\/(?!\/)/.test(src)) return false;
  try {
    return new URL(src, SAME_ORIGIN_PROBE).origin === SAME_ORIGIN_PROBE;
  } catch {
    return false;
  }
}

/** Every field an item may change; which ones matter depends on its kind. */
const changeableFields = {
  name: v.optional(shortText('name', 120)),
  x: v.optional(coordinate('x')),
  y: v.optional(coordinate('y')),
  w: v.optional(size('w')),
  h: v.optional(size('h')),
  z: v.optional(v.pipe(number('z'), v.integer('z must be an integer'), v.minValue(-MAX_Z, `z must be at least -${MAX_Z}`), v.maxValue(MAX_Z, `z must be at most ${MAX_Z}`))),
  rotation: v.optional(bounded('rotation', -3600, 3600)),
  opacity: v.optional(unit('opacity')),
  visible: v.optional(v.boolean('visible must be true or false')),
  locked: v.optional(v.boolean('locked must be true or false')),
  text: v.optional(v.pipe(v.string('text must be a string'), v.maxLength(MAX_TEXT_LENGTH, `text is longer than ${MAX_TEXT_LENGTH} characters`))),
  fontSize: v.optional(bounded('fontSize', 1, 1000)),
  fontFamily: v.optional(shortText('fontFamily')),
  fontWeight: v.optional(FontWeight),
  align: v.optional(v.picklist(['left', 'center', 'right'], 'align must be left, center or right')),
  color: v.optional(cssColor('color')),
  bg: v.optional(cssColor('bg')),
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
  // `content` is the FastAPI version's alias for text or src; which one depends on the patched item's kind.
  v.object(
    { ...changeableFields, content: v.optional(v.pipe(v.string('content must be a string'), v.maxLength(MAX_TEXT_LENGTH, `content is longer than ${MAX_TEXT_LENGTH} characters`))) },
    'changes must be an object',
  ),
  v.transform(withoutUndefined),
  v.check((changes) => Object.keys(changes).length > 0, 'changes must change at least one field'),
);
export type ItemChanges = v.InferOutput<typeof ItemChanges>;

export const Item = v.pipe(
  v.object({ id: ItemId, kind: v.picklist(ITEM_KINDS, `kind must be one of ${ITEM_KINDS.join(', ')}`), ...changeableFields }, 'an item must be an object'),
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
 * The FastAPI version's panel wrote `content` for a text item's text or a media item's src, and `font`
 * for the font size. Rewrite those before validation. When an item carries both names, the
 * legacy one wins: only legacy clients send it, and they send the new name back unchanged
 * next to the one they edited (they read both from GET /api/scene).
 */
export function normaliseItemAliases(input: unknown): unknown {
  if (!isRecord(input)) return input;
  const out: Record<string, unknown> = { ...input };
  // Without a kind (a patch) the room resolves `content` against the item it patches.
  if ('content' in out && typeof out.kind === 'string') {
    const target = out.kind === 'text' ? 'text' : 'src';
    out[target] = out.content;
    delete out.content;
  }
  if ('font' in out) {
    if (out.font !== undefined) out.fontSize = typeof out.font === 'string' ? Number.parseFloat(out.font) : out.font;
    delete out.font;
  }
  // The FastAPI version sent `type` for the kind of an item.
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
