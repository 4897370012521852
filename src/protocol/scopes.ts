/**
 * What a moderator key (and the session it becomes, or a control token) may do: a set of
 * scope names plus an optional `items` filter. Declared once here; the room, the routes and
 * the panel all ask `missingScope` rather than spell a rule themselves. See docs/protocol.md.
 */
import * as v from 'valibot';

export const SCOPES = [
  'scene.edit',
  'scene.draft',
  'scene.take',
  'presets',
  'media.upload',
  'media.delete',
  'tts',
  'webrtc.publish',
  'history.revert',
  'overlay.reload',
  'obs.control',
  'control.read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A key issued without `scopes` keeps the rights every moderator had before scopes existed:
 * every production scope. The control-surface scopes (reload, OBS, read-only control) are
 * new rights and must be granted by name.
 */
/** Rights that came with control surfaces; a key gets them only by name. */
const GRANTED_BY_NAME: readonly Scope[] = ['overlay.reload', 'obs.control', 'control.read'];
export const DEFAULT_MODERATOR_SCOPES: readonly Scope[] = SCOPES.filter((scope) => !GRANTED_BY_NAME.includes(scope));

export const MAX_ITEM_PATTERNS = 50;
export const MAX_ITEM_PATTERN_LENGTH = 120;

export const ScopeName = v.picklist(SCOPES, `scope must be one of ${SCOPES.join(', ')}`);

/** Item ids or `name` globs (`*` any run, `?` one character) a restricted grant may touch. */
export const ItemFilter = v.pipe(
  v.array(
    v.pipe(
      v.string('items must hold strings'),
      v.minLength(1, 'an items pattern must not be empty'),
      v.maxLength(MAX_ITEM_PATTERN_LENGTH, `an items pattern is longer than ${MAX_ITEM_PATTERN_LENGTH} characters`),
    ),
    'items must be an array of ids or name globs',
  ),
  v.maxLength(MAX_ITEM_PATTERNS, `at most ${MAX_ITEM_PATTERNS} items patterns`),
);

export const ScopeList = v.pipe(
  v.array(ScopeName, 'scopes must be an array of scope names'),
  v.maxLength(SCOPES.length, `at most ${SCOPES.length} scopes`),
  v.transform((scopes): Scope[] => [...new Set(scopes)]),
);

/** The scope part of a key, session or token as requests send it: both fields optional. */
export const ScopeGrantInput = v.object({
  scopes: v.optional(ScopeList),
  items: v.optional(v.nullable(ItemFilter)),
});
export type ScopeGrantInput = v.InferOutput<typeof ScopeGrantInput>;

/** What a principal holds. No `items` (or null) means every item. */
export interface Grant {
  scopes: readonly Scope[];
  items?: readonly string[] | null;
}

/** The full rights of the streamer, and of any moderator record stored before scopes existed. */
export const UNRESTRICTED: Grant = { scopes: SCOPES, items: null };

export function grantFrom(input: { scopes?: readonly Scope[] | null; items?: readonly string[] | null } | undefined): Grant {
  return { scopes: input?.scopes ?? DEFAULT_MODERATOR_SCOPES, items: input?.items && input.items.length > 0 ? input.items : null };
}

/** An action a principal asks for: a socket op (with its `stage`) or an HTTP action. */
export interface ScopedAction {
  type: string;
  stage?: 'live' | 'draft';
}

/** The item an action touches, as far as the `items` filter cares. */
export interface ScopedItem {
  id: string;
  name?: string;
}

export interface Refusal {
  /** The scope that is missing, or `items` when the item lies outside the grant's filter. */
  scope: Scope | 'items';
  message: string;
}

/** `replace` is PUT …/scene: the whole scene at once. */
const SCENE_EDIT_OPS = new Set(['add', 'update', 'patch', 'remove', 'bringToFront', 'sendToBack', 'clear', 'cue', 'timer', 'replace']);

/** Actions that replace the whole scene: an `items`-restricted grant may not do them. */
const WHOLE_SCENE_ACTIONS = new Set(['clear', 'replace', 'take', 'preset.take', 'revert', 'draft.reset']);

/** Each action and the scopes that allow it (any one suffices). Unknown actions need nothing here. */
function scopesFor(action: ScopedAction): readonly Scope[] {
  const draft = action.stage === 'draft';
  if (SCENE_EDIT_OPS.has(action.type)) return draft ? ['scene.draft', 'scene.edit'] : ['scene.edit'];
  switch (action.type) {
    case 'draft.reset':
      return ['scene.draft', 'scene.edit'];
    case 'take':
      return ['scene.take'];
    case 'preset.save':
    case 'preset.delete':
    case 'preset.take':
      return ['presets'];
    case 'revert':
    // Undoing one change to one item: the `items` filter applies to that item, not to the scene.
    case 'item.undo':
      return ['history.revert'];
    case 'media.upload':
    case 'media.delete':
    case 'tts':
    case 'webrtc.publish':
    case 'overlay.reload':
    case 'obs.control':
    case 'control.read':
      return [action.type];
    default:
      return [];
  }
}

/** `*` matches any run, `?` one character; everything else is literal. */
export function globMatches(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Whether an item lies inside the grant's `items` filter (by id or by name). */
export function itemAllowed(grant: Grant, item: ScopedItem): boolean {
  if (!grant.items) return true;
  return grant.items.some((pattern) => globMatches(pattern, item.id) || (item.name !== undefined && globMatches(pattern, item.name)));
}

/**
 * Why `grant` may not do `action` (to `item`, when it touches one), or null when it may.
 * The message names the missing scope so a panel or script can say what to ask for.
 */
export function missingScope(grant: Grant, action: ScopedAction, item?: ScopedItem): Refusal | null {
  const allowing = scopesFor(action);
  if (allowing.length > 0 && !allowing.some((scope) => grant.scopes.includes(scope))) {
    const scope = allowing[0]!;
    const also = allowing.length > 1 ? ` (or ${allowing.slice(1).join(', ')})` : '';
    return { scope, message: `${action.type}${action.stage === 'draft' ? ' on the draft' : ''} needs the scope ${scope}${also}` };
  }
  if (grant.items) {
    if (WHOLE_SCENE_ACTIONS.has(action.type)) {
      return { scope: 'items', message: `${action.type} touches every item; this session may touch only items matching ${grant.items.join(', ')}` };
    }
    if (item && !itemAllowed(grant, item)) {
      return { scope: 'items', message: `this session may not touch item ${item.id}; it may touch only items matching ${grant.items.join(', ')}` };
    }
  }
  return null;
}

export const mayApply = (grant: Grant, action: ScopedAction, item?: ScopedItem): boolean => missingScope(grant, action, item) === null;
