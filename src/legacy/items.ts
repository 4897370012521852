/**
 * The FastAPI version's item field names on output. Its panel reads `content` (a text item's
 * text, a media item's src) and `font` ("40px"); our clients read `text`/`src`/`fontSize`.
 * Legacy readers get both, so an item they send back carries both as well — which is why on
 * input the legacy name wins (see normaliseItemAliases).
 */
import type { Item, Scene } from '../protocol/scene.ts';

export type LegacyItem = Item & { content?: string; font?: string };

export function withLegacyNames(item: Item): LegacyItem {
  const content = item.kind === 'text' ? item.text : item.src;
  return {
    ...item,
    ...(content !== undefined ? { content } : {}),
    ...(item.fontSize !== undefined ? { font: `${item.fontSize}px` } : {}),
  };
}

/** The scene as the FastAPI version answered it: items with both names, and `_version`. */
export function legacyScene(scene: Scene, version: number): { items: LegacyItem[]; _version: number } {
  return { items: scene.items.map(withLegacyNames), _version: version };
}
